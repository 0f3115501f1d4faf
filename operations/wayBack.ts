// The way back from a cutover to prepare (plan R-2), as `golive cutover` (R-1 answered yes),
// `golive recover --rollback` and `golive rollback` take it: when the stack's state does not hold
// what Cloudflare holds (a change applied whose answer was lost), the two records are read back
// first (a targeted refresh); then apex and www go back to prepare's records in an update that
// touches only them (operations/recordsBack.ts), then prepare's own `up` reconciles the rest. The rollback's
// update message carries what failed and who decided (operations/failureNote), so the stack's history
// keeps it.
import { seconds as secs } from "./upProgress";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { ConfigMap } from "./phaseGates";
import type { RollbackRun } from "./runRecord";
import { rollbackMessage, type FailureNote } from "./failureNote";
import { directCallsFile, directCallsKept, forgetDirectCalls } from "./wayBackJournal";
import { recordsBackFirst, siteRecordUrns } from "./recordsBack";
import { applyWithProgress } from "./applyWithProgress";
import { GuidedDeps } from "./guided";
import { cliMessage, GuidedStack, setPhase } from "./engineStack";


/** `pulumi refresh` of the two site records only: the state takes what Cloudflare holds. Never throws. */
export async function refreshRecords(gs: GuidedStack, signal?: AbortSignal, onEvent?: (e: EngineEvent) => void): Promise<{ ok: boolean; error?: string }> {
    try {
        const urns = Object.values(await siteRecordUrns(gs.stack));
        if (urns.length === 0) return { ok: false, error: "the stack's state holds no site record" };
        await gs.stack.refresh({ target: urns, message: "golive: site records read back from Cloudflare", ...(signal ? { signal } : {}), ...(onEvent ? { onEvent } : {}) });
        return { ok: true };
    } catch (err) {
        return { ok: false, error: cliMessage(err) };
    }
}

export interface WayBackOptions {
    /** The stack config with which prepare runs (golive:phase is set to prepare here). */
    map: ConfigMap;
    zoneId: string | undefined;
    /** The state does not hold what Cloudflare holds: read the records back first. */
    refreshFirst: boolean;
    /** What failed and who decided: the rollback update's message carries it. */
    note?: FailureNote;
    origin: number;
    signal?: AbortSignal;
    /** Epoch ms: the records were already put back by Cloudflare's API then (operations/directWayBack). */
    restoredAt?: number;
}

/** records back to prepare first, then prepare's `up`. */
export async function rollBackToPrepare(gs: GuidedStack, deps: GuidedDeps, o: WayBackOptions): Promise<RollbackRun> {
    deps.err("\nRolling back (R-2): apex and www back to prepare's records first, then the rest of prepare");
    const startedAt = deps.now();
    const errors: string[] = [];
    if (o.refreshFirst) {
        const r = await refreshRecords(gs, o.signal);
        deps.err(r.ok ? "  ✓ the site records read back from Cloudflare (the state did not hold them)" : `  ✗ the site records could not be read back (${r.error})`);
        if (!r.ok) errors.push(`refresh of the records: ${r.error}`);
    }
    // The stack file says prepare first: both updates run (and are recorded in the history) as prepare.
    await setPhase(gs, "prepare");
    // The direct calls of a cutover that did not live to say them (killed before the engine caught
    // up): kept beside the run lock (operations/wayBackJournal), told in this way back's messages
    // (golive recover --rollback after a kill; golive rollback reads them too, operations/rollbackStages).
    const journal = directCallsFile(gs.dir, gs.name);
    const byApi = o.note?.recordsBackByApi ?? directCallsKept(journal);
    const note = o.note && byApi ? { ...o.note, recordsBackByApi: byApi } : o.note;
    const said = byApi ? `; already put back by Cloudflare's API at ${byApi.at} (${byApi.calls.join("; ")})` : "";
    const first = o.zoneId ? await recordsBackFirst(gs.stack, { map: o.map, phase: "prepare", zoneId: o.zoneId, now: deps.now, ...(o.signal ? { signal: o.signal } : {}), ...(said ? { said } : {}) }) : undefined;
    if (first) deps.err(first.ok ? `  ✓ MEP-06 apex and www back to prepare's records (${secs(first.endedAt - first.startedAt)})` : `  ✗ the records could not be put back on their own (${first.error}): the whole prepare update puts them back`);
    if (first && !first.ok) errors.push(`records first: ${first.error}`);
    const message = note ? rollbackMessage("golive rollback to prepare (R-2)", note) : `golive rollback to prepare (R-2)${said}`;
    const r = await applyWithProgress(gs, message, deps, o.origin, o.signal);
    if (r.ok) forgetDirectCalls(journal);
    const restored = o.restoredAt ?? (first?.ok ? first.endedAt : undefined) ?? (r.progress.dnsChangedAt !== undefined ? o.origin + r.progress.dnsChangedAt : undefined);
    return {
        ok: r.ok && (first?.ok ?? true),
        startedAt: new Date(startedAt),
        endedAt: new Date(r.endedAt),
        ...(restored !== undefined ? { dnsRestoredAt: new Date(restored) } : {}),
        apply: { startedAt: new Date(r.startedAt), endedAt: new Date(r.endedAt) },
        steps: r.progress.steps,
        errors: [...errors, ...r.progress.errors, ...(r.ok ? [] : [r.error ?? "pulumi up failed"])],
    };
}
