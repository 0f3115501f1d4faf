// The way back at the speed of two API calls (plan R-2, issue 25): everything the direct calls need
// is read before the switch (the records' Cloudflare ids from the stack's state, prepare's records
// from the config as prepare declares them, the API's base URL and token from the Cloudflare
// provider's config), so that at the first failed check after the switch apex and www go back by
// Cloudflare's API at once, while the engine still ends the cutover. The engine catches up after:
// the records-first update finds Cloudflare already as declared (operations/wayBack.ts).
import type { Stack } from "@pulumi/pulumi/automation";
import { parseConfig } from "../config/config";
import { configSource, type ConfigMap } from "./phaseGates";
import { planSiteRecords } from "../program/dnsPlan";
import { CLOUDFLARE_TOKEN_KEY } from "../program/zoneLookup";
import { baseUrlProblem, callLines, CLOUDFLARE_API_BASE_URL, putRecordsBack, type CloudflareApi, type RecordBack, type RecordsPut } from "./cloudflareDns";
import { directCallsFile, forgetDirectCalls, keepDirectCalls } from "./wayBackJournal";
import type { UpProgress } from "./upProgress";

/** The provider key of the API's base URL (@pulumi/cloudflare config `baseUrl`). */
export const CLOUDFLARE_BASE_URL_KEY = "cloudflare:baseUrl";
/** The provider's own environment variable for the token, used when the stack config has none. */
const TOKEN_ENV = "CLOUDFLARE_API_TOKEN";
/** The bound of the two calls together, retries included (cloudflare-go's waits fit: 0.5 s + 1 s, or a Retry-After under it). */
export const DIRECT_BOUND_MS = 15_000;

/** What the direct way back needs, read before the switch; the token stays in memory only. */
export interface DirectWayBack {
    api: CloudflareApi;
    zoneId: string;
    records: RecordBack[];
    /** Where what the calls did is kept until the engine caught up (operations/wayBackJournal). */
    keptIn?: string;
}

/** The direct way back, or why it cannot be taken (the way back then goes through the engine only). */
export type DirectPlan = { ok: true; plan: DirectWayBack } | { ok: false; why: string };

/**
 * Reads what the direct calls need: the record ids in the stack's state (adopt imported them,
 * prepare kept them in place), prepare's records (planSiteRecords on `map` as prepare), the API.
 */
export async function planDirectWayBack(stack: Stack, map: ConfigMap, zoneId: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<DirectPlan> {
    const token = map[CLOUDFLARE_TOKEN_KEY]?.value || env[TOKEN_ENV];
    if (!token) return { ok: false, why: `no ${CLOUDFLARE_TOKEN_KEY} in the stack config (nor ${TOKEN_ENV})` };
    const baseUrl = map[CLOUDFLARE_BASE_URL_KEY]?.value || CLOUDFLARE_API_BASE_URL;
    const bad = baseUrlProblem(baseUrl);
    if (bad) return { ok: false, why: bad };
    const ids: Partial<Record<"apex" | "www", string>> = {};
    try {
        const d = (await stack.exportStack()).deployment ?? {};
        for (const r of (d.resources ?? []) as Array<{ urn: string; type: string; id?: string; inputs?: Record<string, unknown> }>) {
            const m = /::dns-(apex|www)$/.exec(r.urn);
            if (!m || r.type !== "cloudflare:index/dnsRecord:DnsRecord" || !r.id) continue;
            ids[m[1] as "apex" | "www"] = r.id;
            // The zone the records live in, when the caller does not know it.
            if (!zoneId && typeof r.inputs?.zoneId === "string") zoneId = r.inputs.zoneId;
        }
    } catch (err) {
        return { ok: false, why: `the stack's state cannot be read: ${(err as Error).message}` };
    }
    if (!zoneId) return { ok: false, why: "the zone is not known" };
    let specs;
    try {
        specs = planSiteRecords(parseConfig(configSource(map, { phase: "prepare" })), zoneId);
    } catch (err) {
        return { ok: false, why: `prepare's records cannot be decided: ${(err as Error).message}` };
    }
    const records: RecordBack[] = [];
    for (const [i, label] of (["apex", "www"] as const).entries()) {
        const spec = specs[i].spec;
        if (!spec) continue;
        if (typeof spec.content !== "string") return { ok: false, why: `prepare's ${label} content is not known before the switch` };
        // A record whose type changes at cutover is replaced (a new id): only the engine puts it back.
        if (spec.deleteBeforeReplace) return { ok: false, why: `the ${label} record is replaced at cutover (golive:allowRecordReplace): the engine puts it back` };
        const id = ids[label];
        if (!id) return { ok: false, why: `the stack's state holds no ${label} record id` };
        records.push({ label, id, name: spec.name, type: spec.type, content: spec.content, ttl: spec.ttl, proxied: spec.proxied, ...(spec.comment !== undefined ? { comment: spec.comment } : {}) });
    }
    if (records.length === 0) return { ok: false, why: "prepare declares no site record" };
    // A new cutover begins: what an earlier way back kept has been told (or is superseded).
    const workDir = (stack.workspace as { workDir?: string } | undefined)?.workDir;
    const keptIn = workDir ? directCallsFile(workDir, stack.name) : undefined;
    if (keptIn) forgetDirectCalls(keptIn);
    return { ok: true, plan: { api: { baseUrl, token }, zoneId, records, ...(keptIn ? { keptIn } : {}) } };
}

/** Both records back to prepare's content now, in parallel, and what they did kept until the engine caught up. Never throws. */
export async function putBackNow(plan: DirectWayBack, wait?: (ms: number) => Promise<void>): Promise<RecordsPut> {
    const put = await putRecordsBack(plan.api, plan.zoneId, plan.records, DIRECT_BOUND_MS, wait);
    if (plan.keptIn) keepDirectCalls(plan.keptIn, put);
    return put;
}

/**
 * The earliest reliable sign that the switch revealed a failure: a check after the switch failed
 * (the engine's error diagnostic carrying its result, which arrives before the step's failure event
 * and long before the update ends), once this update changed a site record.
 */
export function failedAfterSwitch(progress: Pick<UpProgress, "failedChecks" | "dnsChangedAt">): boolean {
    return progress.dnsChangedAt !== undefined && progress.failedChecks.some((r) => r.stage !== "pre-switch");
}

/** One line per call, for the operator and the history: the record, its id, what it was asked to hold, the result, when (operations/cloudflareDns). */
export function directLines(put: RecordsPut): string[] {
    return callLines(put);
}
