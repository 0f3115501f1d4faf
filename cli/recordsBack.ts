// The way back as short as the way there (plan section 4, R-2): when something only the switch can
// reveal fails after DNS moved, the two site records go back first, in an update that touches only
// them, then the rest of the stack is reconciled by the ordinary `up` of the previous phase.
//
// The first update runs an inline program (Automation API) that declares the DNS records component
// exactly as the previous phase does (lib/dnsPlan planSiteRecords on that phase's config), and
// targets the two records' URNs: the engine updates them in place, then drops what depends on them
// (the checks after the switch, the release steps: the previous phase does not declare them
// either), and leaves every other resource of the state alone. No program compile, no check provider to serialize, no Vercel call: the records
// are back in the time of one provider call each.
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { parseConfig, type Phase } from "../lib/config";
import { configSource, type ConfigMap } from "../lib/phaseGates";
import { planSiteRecords } from "../lib/dnsPlan";

export interface RecordsBack {
    ok: boolean;
    /** ms since the epoch: the update's start and end. */
    startedAt: number;
    endedAt: number;
    error?: string;
}

/**
 * Loads what the records-first program needs (the DNS records component and the Cloudflare SDK),
 * so that at the moment of a rollback nothing is left to load: called when a cutover starts.
 */
export function preloadRecordsBack(): void {
    void import("../components/dnsRecords");
}

/** The URNs of the site records in `stack` of project `project`. */
export function siteRecordUrns(project: string, stack: string): string[] {
    return ["apex", "www"].map((l) => `urn:pulumi:${stack}::${project}::golive:cloudflare:DnsRecords$cloudflare:index/dnsRecord:DnsRecord::dns-${l}`);
}

/**
 * Puts apex and www back to what `phase` declares (its config: `map`, the stack's config with that
 * phase), in one targeted update of `stack`. `zoneId` is the zone the records live in (the stack's
 * `zone.id` output). Never throws: the result says what happened.
 */
export async function recordsBackFirst(stack: Stack, opts: { map: ConfigMap; phase: Phase; zoneId: string; now: () => number; onEvent?: (e: EngineEvent) => void; signal?: AbortSignal; said?: string }): Promise<RecordsBack> {
    const startedAt = opts.now();
    try {
        // The previous phase's records, decided from config alone (prepare's do not depend on Vercel).
        const cfg = parseConfig(configSource(opts.map, { phase: opts.phase }));
        const [apex, www] = planSiteRecords(cfg, opts.zoneId);
        if (!apex.spec && !www.spec) return { ok: true, startedAt, endedAt: opts.now() };
        const program = async () => {
            const { DnsRecords } = await import("../components/dnsRecords");
            new DnsRecords("dns", { zoneId: opts.zoneId, ...(apex.spec ? { apex: apex.spec } : {}), ...(www.spec ? { www: www.spec } : {}) });
            return {};
        };
        const project = (await stack.workspace.projectSettings()).name;
        // The stack as it is (its workspace, config, engine), this inline program for one update.
        await stack.up({
            program,
            target: siteRecordUrns(project, stack.name).filter((_, i) => (i === 0 ? !!apex.spec : !!www.spec)),
            // What depends on the records is what only the switched phase declares (the checks after
            // the switch, the release steps): the previous phase drops them anyway, after the records.
            targetDependents: true,
            message: `golive: records back to ${opts.phase} first (R-2)${opts.said ?? ""}`,
            ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
        });
        return { ok: true, startedAt, endedAt: opts.now() };
    } catch (err) {
        const text = String((err as { commandResult?: { stderr?: string } })?.commandResult?.stderr || (err as Error)?.message || err);
        return { ok: false, startedAt, endedAt: opts.now(), error: text.trim().split("\n").filter((l) => l.trim() !== "").slice(-3).join(" ") };
    }
}
