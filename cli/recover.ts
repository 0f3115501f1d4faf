// `golive recover --stack <name> [--finish | --rollback] [--yes]`: the one way back from a go-live
// that was interrupted (Ctrl-C, a killed terminal, a crash), raced or half-applied (issue 17).
//
// 1. Looks at the stack as it is (operations/siteLook): who holds it, the backend's lock, the operations
//    the engine never saw end, the records Cloudflare holds against the stack's state and the phases.
// 2. Clears what the interrupted run left, once sure no run holds the stack: the engine processes
//    its guard could not end, the lock of an engine that is gone (`pulumi cancel`), the state read
//    back from the providers with the pending creates dropped (`pulumi refresh
//    --clear-pending-creates`: the records as Cloudflare holds them), golive:phase in the stack file
//    back to what the stack runs.
// 3. Offers the two ways on: finish the phase (`golive <phase>`, its gates and preview as always),
//    or roll back to the previous phase (from an interrupted cutover: the records back to prepare
//    first, then prepare). --finish / --rollback choose without asking; without a terminal and
//    without either, the two commands are printed.
import type { Phase } from "../config/config";
import { lastApplied, phaseOf } from "../operations/phaseGates";
import { openStack, readOutputs, type GuidedStack } from "../operations/engineStack";
import { newsOfRollback } from "./goLiveNews";
import { shootAfterSwitch, shotsInputOf, type AfterSwitch } from "../operations/goLiveShots";
import { beginRun } from "../operations/runFrame";
import type { GuidedArgs, GuidedDeps } from "../operations/guided";
import { isStop, type RunContext } from "../operations/phaseStages";
import { clearStage, lookAfter, lookBefore, offerWays, rollBackInterrupted, type SeenAfter, type SeenBefore, type WayTaken } from "../operations/recovery";
import type { RecoveryRecord } from "../operations/runRecord";
import { recordFileName, renderRecoveryRecord, writeRunRecord } from "../rendering/recordFile";
import { valuesOrExit } from "./args";
import { DEFAULT_DEPS, parseGuidedArgs } from "./guided";
import { runPhase } from "./phase";

export const USAGE = [
    "usage: golive recover --stack <stack> [--finish | --rollback] [--yes] [--dir <project dir>] [--records <dir>]",
    "",
    "After a go-live that was interrupted (Ctrl-C, a closed terminal, a killed process), raced or",
    "half-applied: says where the site is (the records Cloudflare holds, the stack's state, the locks),",
    "clears what the interrupted run left (its engine processes, the stale lock, the pending",
    "operations: a refresh reads every resource back), then offers the two ways on.",
    "",
    "  --stack <stack>   the stack (e.g. prod)",
    "  --finish          then finish the interrupted phase (golive <phase>: gates, preview, up)",
    "  --rollback        then roll back to the previous phase (from a cutover: records back to prepare first)",
    "  --yes             apply the chosen way without asking",
    "  --dir <dir>       the Pulumi project (default: this program's directory)",
    "  --records <dir>   where the Markdown records go (default <project>/records)",
    "",
    "Exit code: 0 recovered (and the chosen way done), 1 refused or failed, 2 bad usage or no engine.",
].join("\n");

type RecoverArgs = GuidedArgs & { finish: boolean; rollback: boolean };

export async function recover(args: RecoverArgs, deps: GuidedDeps): Promise<number> {
    const name = "golive recover";
    const origin = deps.now();
    let gs: GuidedStack;
    try {
        gs = await openStack(args.stack, args.dir, deps.env);
    } catch (err) {
        deps.err(`${name}: ${(err as Error).message}`);
        return 2;
    }
    deps.out(`${name} — stack ${args.stack}`);
    const operator = deps.operator(args.dir);
    const frame = beginRun({ dir: args.dir, stack: args.stack, command: name, operator }, deps);
    if ("refused" in frame) {
        deps.err(`${name}: ${frame.refused}`);
        return 1;
    }
    try {
        return await recoverStages({ args, deps, gs, frame, origin, operator, name }, args);
    } finally {
        frame.end();
    }
}

/** Recover as its stages: look before → clear → look after → the way on → record. */
async function recoverStages(ctx: RunContext, args: RecoverArgs): Promise<number> {
    const seen = await lookBefore(ctx);
    if (isStop(seen)) return seen.code;
    const cleared = await clearStage(ctx, seen);
    if (isStop(cleared)) return cleared.code;
    const looked = await lookAfter(ctx, seen);
    const clearedOk = cleared.errors.length === 0 && !looked.after.site.needsRecovery;
    const taken = clearedOk ? await wayOn(ctx, args, seen, looked) : notCleared(ctx);
    const record: RecoveryRecord = {
        stack: args.stack,
        ...(seen.domain ? { domain: seen.domain } : {}),
        operator: ctx.operator,
        engine: ctx.gs.engineVersion,
        startedAt: new Date(ctx.origin),
        endedAt: new Date(ctx.deps.now()),
        before: seen.beforeLines,
        cleared: cleared.cleared,
        after: [...looked.afterLines, ...(taken.afterRollback ?? [])],
        clockOrigin: ctx.origin,
        ok: clearedOk && taken.code === 0,
        ...(taken.way ? { way: taken.way } : {}),
        rollback: taken.rollback,
    };
    if (taken.rollback) await tellTheClient(ctx, args, seen, looked, taken, record);
    const file = writeRunRecord(ctx.name, args.records, recordFileName(args.stack, "recover", new Date(ctx.origin)), renderRecoveryRecord(record, "recover"), ctx.deps.err);
    if (file) ctx.deps.out(`Record: ${file}`);
    const applied = lastApplied(looked.after.history);
    if (applied && taken.code === 0 && !record.way) ctx.deps.out(`The stack runs ${phaseOf(applied)}.`);
    return taken.code;
}

/**
 * A cutover rolled back (issue 26): the key pages through public DNS once the way back is done (the
 * guided cutover's after-switch stage, labelled from the records), then the page and R-3 at once.
 */
async function tellTheClient(ctx: RunContext, args: RecoverArgs, seen: SeenBefore, looked: SeenAfter, taken: WayTaken, record: RecoveryRecord): Promise<void> {
    const rb = taken.rollback!;
    const after: AfterSwitch = { live: false, by: "golive recover --rollback", ...(taken.siteAfter ? { siteAfter: [taken.siteAfter] } : {}), ...(rb.dnsRestoredAt ? { rolledBackAt: rb.dnsRestoredAt } : {}) };
    const shots = await shootAfterSwitch(shotsInputOf(looked.mapNow, ctx.deps, { after }));
    Object.assign(record, await newsOfRollback({ map: looked.mapNow, stack: args.stack, ...(seen.domain ? { domain: seen.domain } : {}), kind: "recover", because: `the ${looked.after.site.interrupted} was interrupted: ${seen.before.site.headline}`, decidedBy: ctx.operator, rollback: rb, startedAt: new Date(ctx.origin), shots, outputs: () => readOutputs(ctx.gs), projectDir: args.dir, deps: ctx.deps }));
}

function notCleared(ctx: RunContext): WayTaken {
    ctx.deps.err(`${ctx.name}: not everything could be cleared (above); nothing else was done.`);
    return { code: 1 };
}

/** The phase left half-done, as the look judges it once cleared: finished, rolled back, or nothing. */
async function wayOn(ctx: RunContext, args: RecoverArgs, seen: SeenBefore, looked: SeenAfter): Promise<WayTaken> {
    const { deps } = ctx;
    const { after } = looked;
    const phase = after.site.interrupted;
    if (phase !== "adopt" && phase !== "prepare" && phase !== "cutover") {
        deps.out(`Nothing is half-done: ${after.site.headline}; ${after.site.visitors}.${phase === "rollback" ? ` The interrupted rollback is finished by: golive rollback --stack ${args.stack}` : ""}`);
        if (args.finish || args.rollback) deps.out(`(--${args.finish ? "finish" : "rollback"}: no interrupted phase to ${args.finish ? "finish" : "roll back"})`);
        return { code: 0 };
    }
    const chosen = await offerWays(ctx, phase, args);
    if (chosen.way === "finish") {
        deps.out("");
        const run = await runPhase(phase as Phase, args, deps, undefined, { gs: ctx.gs, frame: ctx.frame });
        return { code: run.code, way: { choice: "finish", how: chosen.how, result: `golive ${phase} exited ${run.code}${run.recordFile ? ` (record ${run.recordFile})` : ""}` } };
    }
    if (chosen.way === "rollback") return rollBackInterrupted(ctx, phase, chosen.how, seen, looked);
    deps.out(`Nothing more was done. ${after.site.visitors.replace(/^./, (c) => c.toUpperCase())}.`);
    return { code: 0, way: { choice: "none", how: chosen.how, result: "nothing more was done" } };
}

export async function main(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    const parsed = valuesOrExit("recover", parseGuidedArgs(argv, ["--stack", "--dir", "--records", "--yes", "--finish", "--rollback"]), USAGE, deps);
    if (typeof parsed === "number") return parsed;
    if (parsed.finish && parsed.rollback) {
        deps.err(`golive recover: --finish and --rollback are the two ways on: give one\n\n${USAGE}`);
        return 2;
    }
    return recover({ ...parsed, finish: !!parsed.finish, rollback: !!parsed.rollback }, deps);
}
