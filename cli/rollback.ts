// `golive rollback --stack prod [--to N] [--dry-run] [--yes] [--verbose]` — plan section 4, step 2:
// put the stack back as its previous successful update left it (DNS records back to their previous
// content, in place), with that update's config and program commit.
//
// Like the guided commands (issue 17, issue 18 item 4): it takes the stack's run lock, starts with
// where the site is (cli/siteLook), clears what an interrupted run left (as golive recover does), so
// it works from an interrupted cutover; puts apex and www back first when the target's records differ
// from what Cloudflare holds (cli/recordsBack), then runs the target's `up` in a worktree with one
// line per step (the engine's whole output with --verbose); afterwards the stack file holds the
// target's config (what the stack runs), the update's message keeps what failed and who decided
// (operations/failureNote), the site is read again, and a record is written.
import * as path from "path";
import type { EngineEvent, PulumiCommand } from "@pulumi/pulumi/automation";
import * as automation from "../operations/automation";
import { describePlan, historyReaches, planRollback, RollbackRefused, type HistoryEntry, type RollbackOptions, type RollbackPlan } from "../operations/rollback";
import { NAMESPACE, type Phase } from "../config/config";
import type { ConfigMap } from "../operations/phaseGates";
import { seconds, UpProgress } from "../operations/upProgress";
import { rollbackMessage, type FailureNote } from "../operations/failureNote";
import { recordFileName, RecoveryRecord, renderRecoveryRecord, writeRecordFile } from "../rendering/recordFile";
import { previousPhase } from "../operations/siteState";
import { checkedStackName, parseCommandLine, valuesOrExit } from "./args";
import { DEFAULT_DEPS, GuidedDeps, PROGRAM_DIR } from "./guided";
import { cliMessage, GuidedStack, openStack, readConfig, readOutputs } from "./engineStack";
import { beginRun, RunFrame } from "./runFrame";
import { Look, lookAtSite, lookLines } from "./siteLook";
import { clearLeftovers } from "./recover";
import { recordsBackFirst, type RecordsBack } from "./recordsBack";
import { refreshRecords } from "./wayBack";
import { newsOfRollback } from "./goLiveNews";

export const USAGE = [
    "usage: golive rollback --stack <stack> [--to <update>] [--dry-run] [--yes] [--verbose] [--dir <project dir>] [--records <dir>]",
    "",
    "  --stack <stack>   the stack to roll back (e.g. prod)",
    "  --to <update>     the update version to go back to (default: the last successful update before the current one)",
    "  --dry-run         show the plan and preview the changes; change nothing",
    "  --yes             do not ask for confirmation",
    "  --verbose         the engine's whole output instead of one line per step",
    "  --dir <dir>       the Pulumi project (default: this program's directory)",
    "  --records <dir>   where the Markdown record goes (default <project>/records)",
    "",
    "Works from an interrupted cutover: what the interrupted run left is cleared first (as golive recover does),",
    "and apex and www go back first. Afterwards Pulumi.<stack>.yaml holds the config the stack runs (the one it",
    "replaces is kept under .golive/). Uses the engine every golive command uses (npm run engine builds it).",
].join("\n");

export interface RollbackArgs {
    stack: string;
    to?: number;
    dryRun: boolean;
    yes: boolean;
    verbose: boolean;
    dir: string;
    records: string;
}

export function parseArgs(argv: string[]): RollbackArgs | { error: string } | { help: true } {
    const v = parseCommandLine(argv, {
        stack: { type: "string" },
        to: { type: "string" },
        "dry-run": { type: "boolean" },
        yes: { type: "boolean", short: "y" },
        verbose: { type: "boolean" },
        dir: { type: "string" },
        records: { type: "string" },
    });
    if ("help" in v || "error" in v) return v;
    if (v.to !== undefined && !/^[1-9]\d*$/.test(v.to)) return { error: `--to must be an update version (a positive integer), got ${JSON.stringify(v.to)}` };
    const stack = checkedStackName(v.stack);
    if (typeof stack !== "string") return stack;
    const dir = v.dir !== undefined ? path.resolve(v.dir) : PROGRAM_DIR;
    return {
        stack,
        ...(v.to !== undefined ? { to: Number(v.to) } : {}),
        dryRun: !!v["dry-run"],
        yes: !!v.yes,
        verbose: !!v.verbose,
        dir,
        records: v.records !== undefined ? path.resolve(v.records) : path.join(dir, "records"),
    };
}

/** What the rollback needs of the stack once opened (tests give a stand-in). */
export interface RollbackSession {
    engineVersion: string;
    frame: RunFrame;
    readConfig(): Promise<ConfigMap>;
    look(map: ConfigMap | undefined, o: { records: boolean; tookOver: boolean }): Promise<Look>;
    clear(look: Look, map: ConfigMap): Promise<{ cleared: string[]; errors: string[] }>;
    /** Opens this stack (or the worktree's copy) with the same engine, its `up` reporting to `onEvent`. */
    opener(onEvent?: (e: EngineEvent) => void): automation.OpenStack;
    /** Apex and www back to what `phase` declares with `map` (cli/recordsBack), after a refresh of the two when asked. */
    recordsBack(o: { map: ConfigMap; phase: Phase; zoneId: string; refreshFirst: boolean }): Promise<RecordsBack>;
    /** The stack's outputs once rolled back (the go-live page's facts, issue 26). */
    outputs?(): Promise<Record<string, unknown>>;
}

/** What main needs from the outside world; tests replace it. */
export interface RollbackDeps extends GuidedDeps {
    /** Opens the stack with the engine every golive command uses and takes its run lock; a string says why it cannot. */
    open(stack: string, dir: string, deps: GuidedDeps): Promise<RollbackSession | string>;
    readHistory: typeof automation.readHistory;
    programRepo: typeof automation.programRepo;
    runRollback: typeof automation.runRollback;
}

/** The real session: cli/engineStack's stack, the run frame, the site look and the clearing of golive recover. */
export async function openSession(stack: string, dir: string, deps: GuidedDeps): Promise<RollbackSession | string> {
    let gs: GuidedStack;
    try {
        gs = await openStack(stack, dir, deps.env);
    } catch (err) {
        return (err as Error).message;
    }
    const frame = beginRun({ dir, stack, command: "golive rollback", phase: "rollback", operator: deps.operator(dir) }, deps);
    if ("refused" in frame) return frame.refused;
    return {
        engineVersion: gs.engineVersion,
        frame,
        readConfig: () => readConfig(gs),
        look: (map, o) => lookAtSite(gs, { ...(map ? { map } : {}), ...(o.tookOver && frame.tookOver ? { run: frame.tookOver } : {}), records: o.records, signal: frame.interrupt.signal }),
        clear: (look, map) => clearLeftovers(gs, look, map, deps, frame),
        outputs: () => readOutputs(gs),
        opener: (onEvent) => async (stackName, workDir) => {
            const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
            const ws = gs.stack.workspace;
            const s = await LocalWorkspace.selectStack({ stackName, workDir }, { workDir, envVars: ws.envVars, pulumiCommand: ws.pulumiCommand as PulumiCommand });
            return automation.rollbackStackOf(s, onEvent);
        },
        async recordsBack(o) {
            if (o.refreshFirst) {
                const r = await refreshRecords(gs, frame.interrupt.signal);
                if (!r.ok) return { ok: false, startedAt: deps.now(), endedAt: deps.now(), error: `the records could not be read back: ${r.error}` };
            }
            return recordsBackFirst(gs.stack, { map: o.map, phase: o.phase, zoneId: o.zoneId, now: deps.now, signal: frame.interrupt.signal });
        },
    };
}

async function askYesNo(deps: GuidedDeps, question: string): Promise<boolean> {
    return /^(y|yes|o|oui)$/i.test((await deps.ask(question)).trim());
}

const defaultDeps: RollbackDeps = {
    ...DEFAULT_DEPS,
    open: openSession,
    readHistory: automation.readHistory,
    programRepo: automation.programRepo,
    runRollback: automation.runRollback,
};


/** The target's config as the stack's config map (what recordsBack and the look read). */
function mapOf(plan: RollbackPlan): ConfigMap {
    return Object.fromEntries(Object.entries(plan.target.config).map(([k, v]) => [k, { value: v.value, secret: !!v.secret }]));
}

export async function main(argv: string[], deps: RollbackDeps = defaultDeps): Promise<number> {
    const args = valuesOrExit("rollback", parseArgs(argv), USAGE, deps);
    if (typeof args === "number") return args;
    const origin = deps.now();
    const session = await deps.open(args.stack, args.dir, deps);
    if (typeof session === "string") {
        deps.err(`golive rollback: ${session}`);
        return /^refused/.test(session) ? 1 : 2;
    }
    try {
        return await rollback(args, deps, session, origin);
    } finally {
        session.frame.end();
    }
}

async function rollback(args: RollbackArgs, deps: RollbackDeps, session: RollbackSession, origin: number): Promise<number> {
    const operator = deps.operator(args.dir);
    const map = await session.readConfig().catch((): ConfigMap => ({}));
    // Where the site is, and what an interrupted run left (cleared before the rollback, not in a dry run).
    const before = await session.look(map, { records: true, tookOver: true });
    const beforeLines = lookLines(before);
    for (const l of beforeLines) deps.out(l);
    if (before.site.busy) {
        deps.err(`golive rollback: refused: ${before.site.busy} holds the stack; nothing was changed. Wait for it to end.`);
        return 1;
    }
    let cleared: string[] = [];
    let look = before;
    if (before.site.needsRecovery || session.frame.tookOver) {
        if (args.dryRun) {
            deps.out(`(a rollback would first clear what the interrupted run left, as golive recover --stack ${args.stack} does)`);
        } else {
            deps.err("\nClearing what the interrupted run left:");
            const c = await session.clear(before, map);
            cleared = c.cleared;
            for (const e of c.errors) deps.err(`  ✗ ${e}`);
            if (c.errors.length > 0) {
                deps.err("golive rollback: what the interrupted run left could not all be cleared (above); nothing else was done");
                return 1;
            }
            look = await session.look(await session.readConfig().catch(() => map), { records: true, tookOver: false });
            for (const l of lookLines(look)) deps.out(l);
        }
    }

    // The plan: from the history (secrets in clear, never printed). When the stack went further than
    // its history says (a cutover interrupted before the engine recorded it), the current update is
    // applied again.
    let plan: RollbackPlan;
    let repo: automation.ProgramRepo;
    const appliedPhase = look.facts.applied;
    const opts: RollbackOptions = { ...(args.to !== undefined ? { to: args.to } : {}), ...(look.site.interrupted === "cutover" && appliedPhase !== "cutover" && look.facts.latest?.result === "succeeded" ? { reapplyCurrent: true } : {}) };
    try {
        repo = deps.programRepo(args.dir);
        const history: HistoryEntry[] = await deps.readHistory(args.stack, args.dir, (entries) => historyReaches(entries, opts), session.opener());
        plan = planRollback(history, repo, opts);
    } catch (err) {
        deps.err(`golive rollback: ${err instanceof RollbackRefused ? "refused: " : ""}${(err as Error).message}`);
        return 1;
    }
    deps.out(describePlan(plan, args.stack));
    const targetMap = mapOf(plan);
    const targetPhase = (targetMap[`${NAMESPACE}:phase`]?.value ?? "adopt") as Phase;
    const zoneId = look.state?.zoneId ?? look.discovery?.zone?.id;
    // Apex and www first when Cloudflare holds something else than the target declares.
    const expected = targetPhase === "cutover" ? "vercel" : "old";
    const recordsFirst = !!zoneId && (look.site.where.apex !== expected || look.site.where.www !== expected || !look.site.stateKnows) && targetPhase !== "adopt";
    if (recordsFirst) deps.out(`  records first  : apex and www back to ${targetPhase}'s records before the rest (${look.site.records} now)`);

    let confirmation = args.dryRun ? "--dry-run" : "--yes";
    if (!args.dryRun && !args.yes) {
        if (!deps.interactive) {
            deps.err("golive rollback: not a terminal: add --yes to confirm, or --dry-run to preview");
            return 2;
        }
        if (!(await askYesNo(deps, `Roll stack ${args.stack} back to update ${plan.target.version}? [y/N] `))) {
            deps.out("Rollback cancelled: nothing changed.");
            return 1;
        }
        confirmation = "answered yes at the prompt";
    }
    if (session.frame.interrupt.cancelled) {
        deps.err("golive rollback: cancelled (Ctrl-C) before anything was applied");
        return 130;
    }

    deps.out(args.dryRun ? "\nPreview (nothing changes):" : "\nRolling back:");
    const progress = new UpProgress();
    const onEvent = (e: EngineEvent) => {
        for (const line of progress.onEvent(e, deps.now() - origin)) if (!args.verbose) deps.err(line);
    };
    let first: RecordsBack | undefined;
    if (recordsFirst && !args.dryRun) {
        first = await session.recordsBack({ map: targetMap, phase: targetPhase, zoneId: zoneId!, refreshFirst: !look.site.stateKnows });
        deps.err(first.ok ? `  ✓ MEP-06 apex and www back to ${targetPhase}'s records (${seconds(first.endedAt - first.startedAt)})` : `  ✗ the records could not be put back on their own (${first.error}): the rollback's update puts them back`);
    }
    const failedPhase = look.site.interrupted ?? (plan.current.result !== "succeeded" ? (before.facts.latest?.phase ?? "cutover") : undefined);
    const note: FailureNote | undefined = failedPhase
        ? {
              phase: failedPhase,
              at: new Date(origin).toISOString(),
              interrupted: !!look.site.interrupted,
              failedChecks: [],
              errors: [look.site.interrupted ? `the ${failedPhase} was interrupted: ${before.site.headline}` : `update ${plan.current.version} ${plan.current.result}`],
              decision: { choice: "rollback", by: operator, at: new Date(deps.now()).toISOString(), how: `golive rollback ${confirmation}` },
              records: before.site.records,
          }
        : undefined;
    let result: automation.RunResult;
    try {
        result = await deps.runRollback(
            {
                stackName: args.stack,
                projectDir: args.dir,
                repo,
                plan,
                dryRun: args.dryRun,
                ...(args.verbose ? { onOutput: (o: string) => process.stdout.write(o) } : {}),
                ...(note ? { message: rollbackMessage(`golive rollback to update ${plan.target.version} (${targetPhase})`, note) } : {}),
                signal: session.frame.interrupt.signal,
                keepStackFile: true,
            },
            session.opener(onEvent),
        );
    } catch (err) {
        const interrupted = session.frame.interrupt.cancelled;
        deps.err(`golive rollback: ${args.dryRun ? "preview" : "pulumi up"} ${interrupted ? "interrupted" : "failed"}: ${cliMessage(err)}`);
        if (!args.dryRun) {
            const after = interrupted && session.frame.interrupt.stopped ? undefined : await session.look(await session.readConfig().catch(() => map), { records: true, tookOver: false });
            if (after) for (const l of lookLines(after)) deps.out(l);
            deps.out(`Next: golive recover --stack ${args.stack} (clears what is left), then golive rollback --stack ${args.stack} again`);
        }
        return interrupted ? 130 : 1;
    }
    if (args.dryRun) {
        deps.out(`\npreview done: ${result.summary}`);
        return 0;
    }
    // What the stack runs, and where the site is now: from the records.
    const after = await session.look(await session.readConfig().catch(() => targetMap), { records: true, tookOver: false });
    const home = after.site.where.apex === expected && after.site.where.www === expected;
    deps.out(`\nrollback done (${result.summary}): the stack runs update ${plan.target.version} (${targetPhase}) again.`);
    deps.out(`${home ? "" : "! "}${after.site.records}: ${after.site.visitors}.`);
    deps.out(`Pulumi.${args.stack}.yaml now holds that update's config (golive:phase ${targetPhase})${result.stackFileBackup ? `; the one it replaced is kept as ${path.relative(args.dir, result.stackFileBackup)}` : ""}.`);
    const record: RecoveryRecord = {
        stack: args.stack,
        ...(targetMap[`${NAMESPACE}:domain`] ? { domain: targetMap[`${NAMESPACE}:domain`].value } : {}),
        operator,
        engine: session.engineVersion,
        startedAt: new Date(origin),
        endedAt: new Date(deps.now()),
        before: beforeLines,
        cleared,
        after: lookLines(after),
        way: { choice: "rollback", how: `golive rollback ${confirmation}`, result: `back to update ${plan.target.version} (${targetPhase})${first ? `; records first ${first.ok ? "done" : `failed: ${first.error}`}` : ""}` },
        rollback: { ok: home, startedAt: new Date(origin), endedAt: new Date(deps.now()), ...(first?.ok ? { dnsRestoredAt: new Date(first.endedAt) } : {}), steps: progress.steps, errors: [...progress.errors, ...(first && !first.ok ? [`records first: ${first.error}`] : [])] },
        clockOrigin: origin,
        ok: home,
    };
    if ((failedPhase ?? appliedPhase) === "cutover" && targetPhase !== "cutover") Object.assign(record, await newsOfRollback({ map, stack: args.stack, ...(record.domain ? { domain: record.domain } : {}), kind: "rollback", because: note?.errors[0] ?? `rolled back by ${operator}`, decidedBy: operator, rollback: record.rollback!, startedAt: new Date(origin), outputs: () => session.outputs?.() ?? Promise.resolve({}), projectDir: args.dir, deps })); // issue 26: R-3
    try {
        deps.out(`Record: ${writeRecordFile(args.records, recordFileName(args.stack, "rollback", new Date(origin)), renderRecoveryRecord(record, "rollback"))}`);
    } catch (err) {
        deps.err(`golive rollback: the record could not be written to ${args.records}: ${(err as Error).message}`);
    }
    const back = previousPhase(targetPhase);
    if (!home) deps.out(`Next: golive status --stack ${args.stack}, then golive recover --stack ${args.stack}`);
    else if (back !== undefined || targetPhase === "prepare") deps.out(`Next: when the cause is fixed, golive cutover --stack ${args.stack}`);
    return home ? 0 : 1;
}
