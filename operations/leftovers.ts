// What an interrupted run left, cleared (golive recover, and golive rollback first), once sure no
// run holds the stack: the engine processes its guard could not end, the lock of an engine that is
// gone (`pulumi cancel`), golive:phase in the stack file back to what the stack runs, and the state
// read back from the providers with the pending creates dropped (`pulumi refresh
// --clear-pending-creates`: the records as Cloudflare holds them).
import { NAMESPACE, type Phase } from "../config/config";
import { endLeftovers } from "./engineGuard";
import type { ConfigMap } from "./phaseGates";
import { cancelStaleLock, refreshState, setPhase, type GuidedStack } from "./engineStack";
import { lookAtSite, type Look } from "./siteLook";
import type { GuidedDeps } from "./guided";
import type { RunFrame } from "./runFrame";

/** Clears what an interrupted run left (also what golive rollback does first); each line says what was done. */
export async function clearLeftovers(gs: GuidedStack, look: Look, map: ConfigMap, deps: GuidedDeps, frame: RunFrame): Promise<{ cleared: string[]; errors: string[] }> {
    const cleared: string[] = [];
    const errors: string[] = [];
    const say = (line: string) => {
        cleared.push(line);
        deps.err(`  ✓ ${line}`);
    };
    const ended = await endLeftovers(gs.registry, gs.name);
    if (ended.length > 0) say(`ended ${ended.length} engine process(es) the interrupted run left running (pid ${ended.map((p) => p.pid).join(", ")}; the engine asked to cancel cleanly first)`);
    // Once those ended, the lock and the pending operations are what they left: read them again.
    const f = ended.length > 0 ? (await lookAtSite(gs, { map, records: false })).facts : look.facts;
    if (f.backendLock && f.backendLock.alive === false) {
        try {
            await cancelStaleLock(gs);
            say(`removed the lock of the engine that is gone (${f.backendLock.description}; pulumi cancel)`);
        } catch (err) {
            errors.push(`pulumi cancel: ${(err as Error).message}`);
        }
    }
    // The stack file first: the refresh's history entry records the config it ran with.
    const applied = f.applied;
    const filePhase = map[`${NAMESPACE}:phase`]?.value;
    if (applied && filePhase && filePhase !== applied) {
        await setPhase(gs, applied as Phase);
        say(`the stack file says golive:phase ${applied} again: what the stack runs (it said ${filePhase})`);
    }
    if (f.pending.length > 0 || !look.site.stateKnows || (f.backendLock && f.backendLock.alive === false) || frame.tookOver || ended.length > 0) {
        let refreshed = 0;
        const r = await refreshState(
            gs,
            (e) => {
                if (e.resOutputsEvent) refreshed++;
                const d = e.diagnosticEvent;
                if (d && d.severity === "warning") deps.err(`  ! warning: ${d.message.trim().split("\n")[0]}`);
            },
            frame.interrupt.signal,
        );
        if (r.ok) say(`state refreshed: ${refreshed} resource(s) read back from their providers (the records as Cloudflare holds them)${f.pending.length > 0 ? `, ${f.pending.length} pending operation(s) cleared` : ""} (pulumi refresh --clear-pending-creates)`);
        else errors.push(`pulumi refresh: ${r.error}`);
    }
    return { cleared, errors };
}
