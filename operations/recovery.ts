// The stages of `golive recover` (cli/recover.ts calls them in order): where the site is before
// anything is cleared, what the interrupted run left cleared (operations/leftovers), where the site
// is once cleared, the two ways on offered and chosen, and the way back to prepare when chosen.
import { NAMESPACE } from "../config/config";
import { domainOf, type ConfigMap } from "./phaseGates";
import { readConfig } from "./engineStack";
import { lookAtSite, lookLines, type Look } from "./siteLook";
import { clearLeftovers } from "./leftovers";
import { previousPhase } from "./siteState";
import { rollBackToPrepare } from "./wayBack";
import { confirmApply } from "./guided";
import type { RecoveryRecord, RollbackRun } from "./runRecord";
import type { RunContext, Stop } from "./phaseStages";
import { siteLineOf } from "./goLiveShots";

/** The stage "look before": the stack's config (when it can be read) and where the site is. */
export interface SeenBefore {
    map: ConfigMap;
    domain?: string;
    before: Look;
    beforeLines: string[];
}

export async function lookBefore(ctx: RunContext): Promise<SeenBefore | Stop> {
    const { gs, deps, name, frame } = ctx;
    let map: ConfigMap = {};
    try {
        map = await readConfig(gs);
    } catch (err) {
        deps.err(`${name}: the stack config cannot be read (${(err as Error).message}): the records are not read, the locks and pending operations are cleared all the same`);
    }
    const domain = domainOf(map);
    const before = await lookAtSite(gs, { map, ...(frame.tookOver ? { run: frame.tookOver } : {}), records: !!domain, signal: frame.interrupt.signal });
    const beforeLines = lookLines(before);
    for (const l of beforeLines) deps.out(l);
    if (before.site.busy) {
        deps.err(`${name}: refused: ${before.site.busy} holds the stack; nothing was changed. Wait for it to end (or stop it in its terminal), then run golive recover again.`);
        return { code: 1 };
    }
    return { map, ...(domain ? { domain } : {}), before, beforeLines };
}

/** The stage "clear": what the interrupted run left, each thing said as done. */
export async function clearStage(ctx: RunContext, seen: SeenBefore): Promise<{ cleared: string[]; errors: string[] } | Stop> {
    const { gs, deps, name, frame } = ctx;
    deps.err("\nClearing what the interrupted run left:");
    const { cleared, errors } = await clearLeftovers(gs, seen.before, seen.map, deps, frame);
    if (cleared.length === 0 && errors.length === 0) deps.err("  nothing was left to clear");
    for (const e of errors) deps.err(`  ✗ ${e}`);
    if (frame.interrupt.cancelled) {
        deps.err(`${name}: cancelled (Ctrl-C)`);
        return { code: 130 };
    }
    return { cleared, errors };
}

/** The stage "look after": the config as it is now, and where the site is once cleared. */
export interface SeenAfter {
    mapNow: ConfigMap;
    after: Look;
    afterLines: string[];
}

export async function lookAfter(ctx: RunContext, seen: SeenBefore): Promise<SeenAfter> {
    const { gs, deps, frame } = ctx;
    const mapNow = await readConfig(gs).catch(() => seen.map);
    const after = await lookAtSite(gs, { map: mapNow, records: !!seen.domain, signal: frame.interrupt.signal });
    const afterLines = lookLines(after);
    for (const l of afterLines) deps.out(l);
    return { mapNow, after, afterLines };
}

/** The way on recover took, as recorded, with its exit code. */
export interface WayTaken {
    code: number;
    way?: NonNullable<RecoveryRecord["way"]>;
    rollback?: RollbackRun;
    /** Lines for the record's "after" once a rollback ran. */
    afterRollback?: string[];
    /** Where the records left the site once a rollback ran, one line (the after-rollback pictures' label). */
    siteAfter?: string;
}

export type Way = "finish" | "rollback" | "none";

/** The two ways on printed, then chosen: --finish / --rollback, else asked, else none. */
export async function offerWays(ctx: RunContext, phase: string, flags: { finish: boolean; rollback: boolean }): Promise<{ way: Way; how: string }> {
    const { deps, args, name } = ctx;
    const back = previousPhase(phase);
    deps.out(`\nThe ${phase} was interrupted. Two ways on:`);
    deps.out(`  finish the ${phase}:            golive recover --stack ${args.stack} --finish   (= golive ${phase}: gates, preview, up)`);
    if (back === "prepare") deps.out(`  roll back to prepare:          golive recover --stack ${args.stack} --rollback (records back first, then prepare)`);
    else deps.out(`  (no rollback from ${phase}: ${phase === "prepare" ? "prepare changes the TTL and sets up Vercel; visitors reach the old site either way" : "adopt changes nothing"})`);
    const chosen = await chooseWay(phase, { finish: flags.finish, rollback: flags.rollback && back === "prepare" }, ctx);
    if (flags.rollback && back !== "prepare") deps.err(`${name}: --rollback: there is no rollback from ${phase}; nothing more was done`);
    return chosen;
}

async function chooseWay(phase: string, flags: { finish: boolean; rollback: boolean }, { deps }: Pick<RunContext, "deps">): Promise<{ way: Way; how: string }> {
    if (flags.finish) return { way: "finish", how: "--finish" };
    if (flags.rollback) return { way: "rollback", how: "--rollback" };
    if (!deps.interactive) return { way: "none", how: "no terminal to ask, and neither --finish nor --rollback" };
    const back = previousPhase(phase);
    const answer = await deps.ask(`Finish the ${phase} [f]${back === "prepare" ? ", roll back to prepare [r]" : ""}, or nothing now [N]? `);
    const a = answer.trim().toLowerCase();
    if (/^(f|finish)$/.test(a)) return { way: "finish", how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
    if (back === "prepare" && /^(r|rollback|roll back)$/.test(a)) return { way: "rollback", how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
    return { way: "none", how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
}

/** The way "roll back" (R-2 from an interrupted cutover): confirmed, then records first, then prepare; the records read again. */
export async function rollBackInterrupted(ctx: RunContext, phase: string, how: string, seen: SeenBefore, looked: SeenAfter): Promise<WayTaken> {
    const { gs, deps, args, name, operator, origin, frame } = ctx;
    const confirmed = await confirmApply(deps, args.yes, `Roll stack ${args.stack} back to prepare (records first)? [y/N] `);
    if (!confirmed.ok) {
        deps.err(`${name}: ${confirmed.message.replace("nothing was changed", "the rollback was not run")}`);
        return { code: confirmed.code, way: { choice: "rollback", how, result: `not run: ${confirmed.message}` } };
    }
    const { after } = looked;
    const prepareMap = { ...looked.mapNow, [`${NAMESPACE}:phase`]: { value: "prepare", secret: false } };
    const rollback = await rollBackToPrepare(gs, deps, {
        map: prepareMap,
        zoneId: after.state?.zoneId ?? after.discovery?.zone?.id,
        refreshFirst: !after.site.stateKnows,
        note: { phase, at: new Date(origin).toISOString(), interrupted: true, failedChecks: [], errors: [`the ${phase} was interrupted: ${seen.before.site.headline}`], decision: { choice: "rollback", by: operator, at: new Date(deps.now()).toISOString(), how: `golive recover: ${how}${confirmed.how !== how ? `, ${confirmed.how}` : ""}` } },
        origin,
        signal: frame.interrupt.signal,
    });
    const home = await lookAtSite(gs, { map: prepareMap, records: !!seen.domain });
    const back = home.site.where.apex === "old" && home.site.where.www === "old";
    deps.out(rollback.ok && back ? `Rolled back to prepare: ${home.site.records}: ${home.site.visitors}.` : `ROLLBACK ${rollback.ok ? "INCOMPLETE" : "FAILED"}: ${home.site.records}: ${home.site.visitors}. ${rollback.errors.join("; ")}`);
    return {
        code: rollback.ok && back ? 0 : 1,
        way: { choice: "rollback", how, result: rollback.ok && back ? "rolled back to prepare" : "the rollback did not bring both records back" },
        rollback,
        afterRollback: lookLines(home).map((l) => `after the rollback: ${l}`),
        siteAfter: siteLineOf(home.site),
    };
}
