// The way back as short as the way there (plan section 4, R-2): when something only the switch can
// reveal fails after DNS moved, the two site records go back first, in an update that touches only
// them, then the rest of the stack is reconciled by the ordinary `up` of the previous phase.
//
// The first update runs the records-first program (components/recordsFirst.ts, the DNS records
// component exactly as the previous phase declares it: program/dnsPlan planSiteRecords on that phase's
// config) inline, and targets the two records' URNs as the stack's state holds them: the engine updates them in place, then drops what depends on them
// (the checks after the switch, the release steps: the previous phase does not declare them
// either), and leaves every other resource of the state alone. No program compile, no check provider to serialize, no Vercel call: the records
// are back in the time of one provider call each.
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { parseConfig, type Phase } from "../config/config";
import { configSource, type ConfigMap } from "./phaseGates";
import { planSiteRecords } from "../program/dnsPlan";
import { preloadRecordsBack, recordsFirstProgram, siteRecordName, SITE_RECORDS_NAME } from "../components/recordsFirst";

export interface RecordsBack {
    ok: boolean;
    /** ms since the epoch: the update's start and end. */
    startedAt: number;
    endedAt: number;
    error?: string;
}

export { preloadRecordsBack };

/**
 * The URNs of the site records as the stack's state holds them (the resources of type DnsRecord
 * that the component named SITE_RECORDS_NAME declared, named as the component names them), by
 * label: taken from the state, never built by hand.
 */
export async function siteRecordUrns(stack: Stack): Promise<Partial<Record<"apex" | "www", string>>> {
    const d = (await stack.exportStack()).deployment ?? {};
    const out: Partial<Record<"apex" | "www", string>> = {};
    for (const r of (d.resources ?? []) as Array<{ urn: string; type: string }>) {
        if (r.type !== "cloudflare:index/dnsRecord:DnsRecord") continue;
        for (const label of ["apex", "www"] as const) if (r.urn.endsWith(`::${siteRecordName(SITE_RECORDS_NAME, label)}`)) out[label] = r.urn;
    }
    return out;
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
        const program = recordsFirstProgram(opts.zoneId, apex.spec, www.spec);
        const urns = await siteRecordUrns(stack);
        const target = [apex.spec ? urns.apex : undefined, www.spec ? urns.www : undefined].filter((u): u is string => !!u);
        if (target.length === 0) throw new Error("the stack's state holds neither site record: the whole prepare update puts them back");
        // The stack as it is (its workspace, config, engine), this inline program for one update.
        await stack.up({
            program,
            target,
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
