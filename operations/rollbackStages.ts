// The stages of `golive rollback` (cli/rollback.ts calls them in order): where the site is, what an
// interrupted run left cleared (operations/leftovers, as golive recover does), the plan from the
// stack's history (operations/rollback), the confirmation, apex and www first when Cloudflare holds
// something else than the target declares (operations/recordsBack), the target's `up` in a worktree,
// and where the site is afterwards. The stack is reached through a session that tests replace.
import * as path from "path";
import type { EngineEvent, PulumiCommand } from "@pulumi/pulumi/automation";
import * as automation from "./automation";
import { describePlan, historyReaches, planRollback, RollbackRefused, type HistoryEntry, type RollbackOptions, type RollbackPlan } from "./rollback";
import { NAMESPACE, type Phase } from "../config/config";
import type { ConfigMap } from "./phaseGates";
import { seconds, UpProgress } from "./upProgress";
import { rollbackMessage, type FailureNote } from "./failureNote";
import { cliMessage, openStack, readConfig, readOutputs, type GuidedStack } from "./engineStack";
import { directCallsFile, directCallsKept, forgetDirectCalls } from "./wayBackJournal";
import { beginRun, type RunFrame } from "./runFrame";
import { lookAtSite, lookLines, type Look } from "./siteLook";
import { clearLeftovers } from "./leftovers";
import { recordsBackFirst, type RecordsBack } from "./recordsBack";
import { refreshRecords } from "./wayBack";
import { isYes, type GuidedDeps } from "./guided";
import type { RecoveryRecord } from "./runRecord";
import type { Stop } from "./phaseStages";

export interface RollbackArgs {
    stack: string;
    to?: number;
    dryRun: boolean;
    yes: boolean;
    verbose: boolean;
    dir: string;
    records: string;
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
    /** Apex and www back to what `phase` declares with `map` (operations/recordsBack), after a refresh of the two when asked. */
    recordsBack(o: { map: ConfigMap; phase: Phase; zoneId: string; refreshFirst: boolean }): Promise<RecordsBack>;
    /** The stack's outputs once rolled back (the go-live page's facts, issue 26). */
    outputs?(): Promise<Record<string, unknown>>;
}

/** What golive rollback needs from the outside world; tests replace it. */
export interface RollbackDeps extends GuidedDeps {
    /** Opens the stack with the engine every golive command uses and takes its run lock; a string says why it cannot. */
    open(stack: string, dir: string, deps: GuidedDeps): Promise<RollbackSession | string>;
    readHistory: typeof automation.readHistory;
    programRepo: typeof automation.programRepo;
    runRollback: typeof automation.runRollback;
}

/** The real session: operations/engineStack's stack, the run frame, the site look and the clearing of golive recover. */
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

/** What every stage of golive rollback is given. */
export interface RollbackContext {
    args: RollbackArgs;
    deps: RollbackDeps;
    session: RollbackSession;
    origin: number;
    operator: string;
    /** The engine's whole output (--verbose), where it goes. */
    engineOutput?: (text: string) => void;
}

/** Where the site was first, and once what an interrupted run left was cleared. */
export interface Looked {
    map: ConfigMap;
    before: Look;
    beforeLines: string[];
    look: Look;
    cleared: string[];
}

/** The stage "look, then clear": where the site is, and what an interrupted run left cleared (not in a dry run). */
export async function lookAndClear(ctx: RollbackContext): Promise<Looked | Stop> {
    const { session, deps, args } = ctx;
    const map = await session.readConfig().catch((): ConfigMap => ({}));
    const before = await session.look(map, { records: true, tookOver: true });
    const beforeLines = lookLines(before);
    for (const l of beforeLines) deps.out(l);
    if (before.site.busy) {
        deps.err(`golive rollback: refused: ${before.site.busy} holds the stack; nothing was changed. Wait for it to end.`);
        return { code: 1 };
    }
    const seen = { map, before, beforeLines, look: before, cleared: [] };
    if (!before.site.needsRecovery && !session.frame.tookOver) return seen;
    if (args.dryRun) {
        deps.out(`(a rollback would first clear what the interrupted run left, as golive recover --stack ${args.stack} does)`);
        return seen;
    }
    deps.err("\nClearing what the interrupted run left:");
    const c = await session.clear(before, map);
    for (const e of c.errors) deps.err(`  ✗ ${e}`);
    if (c.errors.length > 0) {
        deps.err("golive rollback: what the interrupted run left could not all be cleared (above); nothing else was done");
        return { code: 1 };
    }
    const look = await session.look(await session.readConfig().catch(() => map), { records: true, tookOver: false });
    for (const l of lookLines(look)) deps.out(l);
    return { ...seen, look, cleared: c.cleared };
}

/** The stage "plan": the target update, its config and phase, and whether apex and www go back first. */
export interface Planned {
    plan: RollbackPlan;
    repo: automation.ProgramRepo;
    targetMap: ConfigMap;
    targetPhase: Phase;
    /** Where apex and www point once the target runs again. */
    expected: "vercel" | "old";
    zoneId?: string;
    recordsFirst: boolean;
}

/**
 * The plan from the history (secrets in clear, never printed). When the stack went further than its
 * history says (a cutover interrupted before the engine recorded it), the current update is applied again.
 */
export async function planStage(ctx: RollbackContext, looked: Looked): Promise<Planned | Stop> {
    const { deps, args, session } = ctx;
    const { look } = looked;
    const opts: RollbackOptions = { ...(args.to !== undefined ? { to: args.to } : {}), ...(look.site.interrupted === "cutover" && look.facts.applied !== "cutover" && look.facts.latest?.result === "succeeded" ? { reapplyCurrent: true } : {}) };
    let plan: RollbackPlan;
    let repo: automation.ProgramRepo;
    try {
        repo = deps.programRepo(args.dir);
        const history: HistoryEntry[] = await deps.readHistory(args.stack, args.dir, (entries) => historyReaches(entries, opts), session.opener());
        plan = planRollback(history, repo, opts);
    } catch (err) {
        deps.err(`golive rollback: ${err instanceof RollbackRefused ? "refused: " : ""}${(err as Error).message}`);
        return { code: 1 };
    }
    deps.out(describePlan(plan, args.stack));
    const targetMap = mapOf(plan);
    const targetPhase = (targetMap[`${NAMESPACE}:phase`]?.value ?? "adopt") as Phase;
    const zoneId = look.state?.zoneId ?? look.discovery?.zone?.id;
    // Apex and www first when Cloudflare holds something else than the target declares.
    const expected = targetPhase === "cutover" ? "vercel" : "old";
    const recordsFirst = !!zoneId && (look.site.where.apex !== expected || look.site.where.www !== expected || !look.site.stateKnows) && targetPhase !== "adopt";
    if (recordsFirst) deps.out(`  records first  : apex and www back to ${targetPhase}'s records before the rest (${look.site.records} now)`);
    return { plan, repo, targetMap, targetPhase, expected, ...(zoneId ? { zoneId } : {}), recordsFirst };
}

/** The target's config as the stack's config map (what recordsBack and the look read). */
function mapOf(plan: RollbackPlan): ConfigMap {
    return Object.fromEntries(Object.entries(plan.target.config).map(([k, v]) => [k, { value: v.value, secret: !!v.secret }]));
}

/** The stage "confirm": --dry-run or --yes, else a person's yes; resolves to how it was confirmed. */
export async function confirmRollback(ctx: RollbackContext, planned: Planned): Promise<string | Stop> {
    const { deps, args, session } = ctx;
    let confirmation = args.dryRun ? "--dry-run" : "--yes";
    if (!args.dryRun && !args.yes) {
        if (!deps.interactive) {
            deps.err("golive rollback: not a terminal: add --yes to confirm, or --dry-run to preview");
            return { code: 2 };
        }
        if (!isYes(await deps.ask(`Roll stack ${args.stack} back to update ${planned.plan.target.version}? [y/N] `))) {
            deps.out("Rollback cancelled: nothing changed.");
            return { code: 1 };
        }
        confirmation = "answered yes at the prompt";
    }
    if (session.frame.interrupt.cancelled) {
        deps.err("golive rollback: cancelled (Ctrl-C) before anything was applied");
        return { code: 130 };
    }
    return confirmation;
}

/** The stage "records first": apex and www back to the target's records on their own (not in a dry run). */
export async function recordsFirstStage(ctx: RollbackContext, looked: Looked, planned: Planned): Promise<RecordsBack | undefined> {
    const { deps, args, session } = ctx;
    if (!planned.recordsFirst || args.dryRun) return undefined;
    const first = await session.recordsBack({ map: planned.targetMap, phase: planned.targetPhase, zoneId: planned.zoneId!, refreshFirst: !looked.look.site.stateKnows });
    deps.err(first.ok ? `  ✓ MEP-06 apex and www back to ${planned.targetPhase}'s records (${seconds(first.endedAt - first.startedAt)})` : `  ✗ the records could not be put back on their own (${first.error}): the rollback's update puts them back`);
    return first;
}

/** What failed and who decided, for the rollback update's message (the stack's history keeps it). */
export function failureNoteOf(ctx: RollbackContext, looked: Looked, planned: Planned, confirmation: string): FailureNote | undefined {
    const { look, before } = looked;
    const { plan } = planned;
    const failedPhase = look.site.interrupted ?? (plan.current.result !== "succeeded" ? (before.facts.latest?.phase ?? "cutover") : undefined);
    if (!failedPhase) return undefined;
    return {
        phase: failedPhase,
        at: new Date(ctx.origin).toISOString(),
        interrupted: !!look.site.interrupted,
        failedChecks: [],
        errors: [look.site.interrupted ? `the ${failedPhase} was interrupted: ${before.site.headline}` : `update ${plan.current.version} ${plan.current.result}`],
        decision: { choice: "rollback", by: ctx.operator, at: new Date(ctx.deps.now()).toISOString(), how: `golive rollback ${confirmation}` },
        records: before.site.records,
        ...(byApiOf(ctx) ? { recordsBackByApi: byApiOf(ctx)! } : {}),
    };
}

/** The direct calls of a cutover killed before the engine caught up (operations/wayBackJournal): the rollback's message tells them. */
const byApiOf = (ctx: RollbackContext) => directCallsKept(directCallsFile(ctx.args.dir, ctx.args.stack));

/** The stage "apply": the target's `up` (or preview, in a dry run) in a worktree, one line per step. */
export async function runTarget(ctx: RollbackContext, looked: Looked, planned: Planned, confirmation: string, progress: UpProgress): Promise<automation.RunResult | Stop> {
    const { deps, args, session, origin } = ctx;
    const onEvent = (e: EngineEvent) => {
        for (const line of progress.onEvent(e, deps.now() - origin)) if (!args.verbose) deps.err(line);
    };
    const note = failureNoteOf(ctx, looked, planned, confirmation);
    try {
        const result = await deps.runRollback(
            {
                stackName: args.stack,
                projectDir: args.dir,
                repo: planned.repo,
                plan: planned.plan,
                dryRun: args.dryRun,
                ...(ctx.engineOutput ? { onOutput: ctx.engineOutput } : {}),
                ...(note ? { message: rollbackMessage(`golive rollback to update ${planned.plan.target.version} (${planned.targetPhase})`, note) } : {}),
                signal: session.frame.interrupt.signal,
                keepStackFile: true,
            },
            session.opener(onEvent),
        );
        if (!args.dryRun) forgetDirectCalls(directCallsFile(args.dir, args.stack));
        return result;
    } catch (err) {
        const interrupted = session.frame.interrupt.cancelled;
        deps.err(`golive rollback: ${args.dryRun ? "preview" : "pulumi up"} ${interrupted ? "interrupted" : "failed"}: ${cliMessage(err)}`);
        if (!args.dryRun) {
            const after = interrupted && session.frame.interrupt.stopped ? undefined : await session.look(await session.readConfig().catch(() => looked.map), { records: true, tookOver: false });
            if (after) for (const l of lookLines(after)) deps.out(l);
            deps.out(`Next: golive recover --stack ${args.stack} (clears what is left), then golive rollback --stack ${args.stack} again`);
        }
        return { code: interrupted ? 130 : 1 };
    }
}

/** The stage "look after": what the stack runs, and where the site is now, from the records. */
export async function lookAfterRollback(ctx: RollbackContext, planned: Planned, result: automation.RunResult): Promise<{ after: Look; home: boolean }> {
    const { deps, args, session } = ctx;
    const { plan, targetPhase, expected } = planned;
    const after = await session.look(await session.readConfig().catch(() => planned.targetMap), { records: true, tookOver: false });
    const home = after.site.where.apex === expected && after.site.where.www === expected;
    deps.out(`\nrollback done (${result.summary}): the stack runs update ${plan.target.version} (${targetPhase}) again.`);
    deps.out(`${home ? "" : "! "}${after.site.records}: ${after.site.visitors}.`);
    deps.out(`Pulumi.${args.stack}.yaml now holds that update's config (golive:phase ${targetPhase})${result.stackFileBackup ? `; the one it replaced is kept as ${path.relative(args.dir, result.stackFileBackup)}` : ""}.`);
    return { after, home };
}

/** The record of the rollback, as data (rendering/recordFile renders it). */
export function rollbackRecordOf(ctx: RollbackContext, looked: Looked, planned: Planned, o: { confirmation: string; first?: RecordsBack; progress: UpProgress; after: Look; home: boolean; acting: { startedAt: number; upStartedAt: number; upEndedAt: number } }): RecoveryRecord {
    const { args, deps, session, origin, operator } = ctx;
    const { plan, targetMap, targetPhase } = planned;
    const { first, progress, home, acting } = o;
    // The records back: when records first put them back, else when the target's `up` changed them.
    const restored = first?.ok ? first.endedAt : progress.dnsChangedAt !== undefined ? origin + progress.dnsChangedAt : undefined;
    return {
        stack: args.stack,
        ...(targetMap[`${NAMESPACE}:domain`] ? { domain: targetMap[`${NAMESPACE}:domain`].value } : {}),
        operator,
        engine: session.engineVersion,
        startedAt: new Date(origin),
        endedAt: new Date(deps.now()),
        before: looked.beforeLines,
        cleared: looked.cleared,
        after: lookLines(o.after),
        way: { choice: "rollback", how: `golive rollback ${o.confirmation}`, result: `back to update ${plan.target.version} (${targetPhase})${first ? `; records first ${first.ok ? "done" : `failed: ${first.error}`}` : ""}` },
        rollback: { ok: home, startedAt: new Date(acting.startedAt), endedAt: new Date(deps.now()), ...(restored !== undefined ? { dnsRestoredAt: new Date(restored) } : {}), apply: { startedAt: new Date(acting.upStartedAt), endedAt: new Date(acting.upEndedAt) }, steps: progress.steps, errors: [...progress.errors, ...(first && !first.ok ? [`records first: ${first.error}`] : [])] },
        clockOrigin: origin,
        ok: home,
    };
}
