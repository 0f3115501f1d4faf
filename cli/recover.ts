// `golive recover --stack <name> [--finish | --rollback] [--yes]`: the one way back from a go-live
// that was interrupted (Ctrl-C, a killed terminal, a crash), raced or half-applied (issue 17).
//
// 1. Looks at the stack as it is (cli/siteLook): who holds it, the backend's lock, the operations
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
import { NAMESPACE, type Phase } from "../config/config";
import { endLeftovers } from "../operations/engineGuard";
import { domainOf, lastApplied, phaseOf, type ConfigMap } from "../operations/phaseGates";
import { RecoveryRecord, recordFileName, renderRecoveryRecord, RollbackRun, writeRecordFile } from "../rendering/recordFile";
import { previousPhase } from "../operations/siteState";
import { valuesOrExit } from "./args";
import { cancelStaleLock, GuidedStack, openStack, readConfig, readOutputs, refreshState, setPhase } from "./engineStack";
import { confirmApply, DEFAULT_DEPS, GuidedArgs, GuidedDeps, parseGuidedArgs } from "./guided";
import { runPhase } from "./phase";
import { beginRun, RunFrame } from "./runFrame";
import { Look, lookAtSite, lookLines } from "./siteLook";
import { rollBackToPrepare } from "./wayBack";
import { newsOfRollback } from "./goLiveNews";

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

type Way = "finish" | "rollback" | "none";

async function chooseWay(phase: string, flags: { finish: boolean; rollback: boolean }, deps: GuidedDeps): Promise<{ way: Way; how: string }> {
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

export async function recover(args: GuidedArgs & { finish: boolean; rollback: boolean }, deps: GuidedDeps): Promise<number> {
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
            return 1;
        }

        deps.err("\nClearing what the interrupted run left:");
        const { cleared, errors } = await clearLeftovers(gs, before, map, deps, frame);
        if (cleared.length === 0 && errors.length === 0) deps.err("  nothing was left to clear");
        for (const e of errors) deps.err(`  ✗ ${e}`);
        if (frame.interrupt.cancelled) {
            deps.err(`${name}: cancelled (Ctrl-C)`);
            return 130;
        }
        const mapNow = await readConfig(gs).catch(() => map);
        const after = await lookAtSite(gs, { map: mapNow, records: !!domain, signal: frame.interrupt.signal });
        const afterLines = lookLines(after);
        for (const l of afterLines) deps.out(l);
        // The phase left half-done, as the look judges it once cleared (nothing when nothing is).
        const phase = after.site.interrupted;

        const record: RecoveryRecord = { stack: args.stack, ...(domain ? { domain } : {}), operator, engine: gs.engineVersion, startedAt: new Date(origin), endedAt: new Date(origin), before: beforeLines, cleared, after: afterLines, clockOrigin: origin, ok: errors.length === 0 && !after.site.needsRecovery };
        let code = record.ok ? 0 : 1;
        let rollback: RollbackRun | undefined;
        const finishable = phase === "adopt" || phase === "prepare" || phase === "cutover";
        const applied = lastApplied(after.history);
        if (!record.ok) {
            deps.err(`${name}: not everything could be cleared (above); nothing else was done.`);
        } else if (!finishable) {
            deps.out(`Nothing is half-done: ${after.site.headline}; ${after.site.visitors}.${phase === "rollback" ? ` The interrupted rollback is finished by: golive rollback --stack ${args.stack}` : ""}`);
            if (args.finish || args.rollback) deps.out(`(--${args.finish ? "finish" : "rollback"}: no interrupted phase to ${args.finish ? "finish" : "roll back"})`);
        } else {
            const back = previousPhase(phase);
            deps.out(`\nThe ${phase} was interrupted. Two ways on:`);
            deps.out(`  finish the ${phase}:            golive recover --stack ${args.stack} --finish   (= golive ${phase}: gates, preview, up)`);
            if (back === "prepare") deps.out(`  roll back to prepare:          golive recover --stack ${args.stack} --rollback (records back first, then prepare)`);
            else deps.out(`  (no rollback from ${phase}: ${phase === "prepare" ? "prepare changes the TTL and sets up Vercel; visitors reach the old site either way" : "adopt changes nothing"})`);
            const chosen = await chooseWay(phase, { finish: args.finish, rollback: args.rollback && back === "prepare" }, deps);
            if (args.rollback && back !== "prepare") deps.err(`${name}: --rollback: there is no rollback from ${phase}; nothing more was done`);
            if (chosen.way === "finish") {
                deps.out("");
                const run = await runPhase(phase as Phase, args, deps, undefined, { gs, frame });
                code = run.code;
                record.way = { choice: "finish", how: chosen.how, result: `golive ${phase} exited ${run.code}${run.recordFile ? ` (record ${run.recordFile})` : ""}` };
            } else if (chosen.way === "rollback") {
                const confirmed = await confirmApply(deps, args.yes, `Roll stack ${args.stack} back to prepare (records first)? [y/N] `);
                if (!confirmed.ok) {
                    deps.err(`${name}: ${confirmed.message.replace("nothing was changed", "the rollback was not run")}`);
                    record.way = { choice: "rollback", how: chosen.how, result: `not run: ${confirmed.message}` };
                    code = confirmed.code;
                } else {
                    const prepareMap = { ...mapNow, [`${NAMESPACE}:phase`]: { value: "prepare", secret: false } };
                    rollback = await rollBackToPrepare(gs, deps, {
                        map: prepareMap,
                        zoneId: after.state?.zoneId ?? after.discovery?.zone?.id,
                        refreshFirst: !after.site.stateKnows,
                        note: { phase, at: new Date(origin).toISOString(), interrupted: true, failedChecks: [], errors: [`the ${phase} was interrupted: ${before.site.headline}`], decision: { choice: "rollback", by: operator, at: new Date(deps.now()).toISOString(), how: `golive recover: ${chosen.how}${confirmed.how !== chosen.how ? `, ${confirmed.how}` : ""}` } },
                        origin,
                        signal: frame.interrupt.signal,
                    });
                    const home = await lookAtSite(gs, { map: prepareMap, records: !!domain });
                    const back = home.site.where.apex === "old" && home.site.where.www === "old";
                    deps.out(rollback.ok && back ? `Rolled back to prepare: ${home.site.records}: ${home.site.visitors}.` : `ROLLBACK ${rollback.ok ? "INCOMPLETE" : "FAILED"}: ${home.site.records}: ${home.site.visitors}. ${rollback.errors.join("; ")}`);
                    record.after.push(...lookLines(home).map((l) => `after the rollback: ${l}`));
                    record.way = { choice: "rollback", how: chosen.how, result: rollback.ok && back ? "rolled back to prepare" : "the rollback did not bring both records back" };
                    code = rollback.ok && back ? 0 : 1;
                }
            } else {
                record.way = { choice: "none", how: chosen.how, result: "nothing more was done" };
                deps.out(`Nothing more was done. ${after.site.visitors.replace(/^./, (c) => c.toUpperCase())}.`);
            }
        }
        record.rollback = rollback;
        if (rollback) Object.assign(record, await newsOfRollback({ map: mapNow, stack: args.stack, ...(domain ? { domain } : {}), kind: "recover", because: `the ${phase} was interrupted: ${before.site.headline}`, decidedBy: operator, rollback, startedAt: new Date(origin), outputs: () => readOutputs(gs), projectDir: args.dir, deps })); // issue 26: R-3
        record.endedAt = new Date(deps.now());
        record.ok = record.ok && code === 0;
        try {
            deps.out(`Record: ${writeRecordFile(args.records, recordFileName(args.stack, "recover", new Date(origin)), renderRecoveryRecord(record, "recover"))}`);
        } catch (err) {
            deps.err(`${name}: the record could not be written to ${args.records}: ${(err as Error).message}`);
        }
        if (applied && code === 0 && !record.way) deps.out(`The stack runs ${phaseOf(applied)}.`);
        return code;
    } finally {
        frame.end();
    }
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
