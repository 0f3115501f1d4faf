// `golive rollback --stack prod [--to N] [--dry-run] [--yes] [--verbose]` — plan section 4, step 2:
// put the stack back as its previous successful update left it (DNS records back to their previous
// content, in place), with that update's config and program commit.
//
// Like the guided commands (issue 17, issue 18 item 4): it takes the stack's run lock, starts with
// where the site is (operations/siteLook), clears what an interrupted run left (as golive recover does), so
// it works from an interrupted cutover; puts apex and www back first when the target's records differ
// from what Cloudflare holds (operations/recordsBack), then runs the target's `up` in a worktree with one
// line per step (the engine's whole output with --verbose); afterwards the stack file holds the
// target's config (what the stack runs), the update's message keeps what failed and who decided
// (operations/failureNote), the site is read again, and a record is written.
import * as path from "path";
import * as automation from "../operations/automation";
import { UpProgress } from "../operations/upProgress";
import { previousPhase } from "../operations/siteState";
import { DEFAULT_DEPS, PROGRAM_DIR } from "./guided";
import { isStop } from "../operations/phaseStages";
import { confirmRollback, failureNoteOf, lookAfterRollback, lookAndClear, openSession, planStage, recordsFirstStage, rollbackRecordOf, runTarget, type Looked, type Planned, type RollbackArgs, type RollbackContext, type RollbackDeps, type RollbackSession } from "../operations/rollbackStages";
import type { RecoveryRecord } from "../operations/runRecord";
import type { Look } from "../operations/siteLook";
import { shootAfterSwitch, shotsInputOf, siteLineOf } from "../operations/goLiveShots";
import { newsOfRollback } from "./goLiveNews";
import { recordFileName, renderRecoveryRecord, writeRunRecord } from "../rendering/recordFile";
import { checkedStackName, parseCommandLine, valuesOrExit } from "./args";

export type { RollbackArgs, RollbackDeps, RollbackSession };

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

const defaultDeps: RollbackDeps = {
    ...DEFAULT_DEPS,
    open: openSession,
    readHistory: automation.readHistory,
    programRepo: automation.programRepo,
    runRollback: automation.runRollback,
};

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
        const engineOutput = args.verbose ? (o: string) => void process.stdout.write(o) : undefined;
        return await rollback({ args, deps, session, origin, operator: deps.operator(args.dir), ...(engineOutput ? { engineOutput } : {}) });
    } finally {
        session.frame.end();
    }
}

/** The rollback as its stages: look and clear → plan → confirm → records first → the target's up → look after → record. */
async function rollback(ctx: RollbackContext): Promise<number> {
    const { args, deps } = ctx;
    const looked = await lookAndClear(ctx);
    if (isStop(looked)) return looked.code;
    const planned = await planStage(ctx, looked);
    if (isStop(planned)) return planned.code;
    const confirmation = await confirmRollback(ctx, planned);
    if (typeof confirmation !== "string") return confirmation.code;
    deps.out(args.dryRun ? "\nPreview (nothing changes):" : "\nRolling back:");
    const progress = new UpProgress();
    const startedAt = deps.now();
    const first = await recordsFirstStage(ctx, looked, planned);
    const upStartedAt = deps.now();
    const result = await runTarget(ctx, looked, planned, confirmation, progress);
    if (isStop(result)) return result.code;
    const acting = { startedAt, upStartedAt, upEndedAt: deps.now() };
    if (args.dryRun) {
        deps.out(`\npreview done: ${result.summary}`);
        return 0;
    }
    const { after, home } = await lookAfterRollback(ctx, planned, result);
    const record = rollbackRecordOf(ctx, looked, planned, { confirmation, ...(first ? { first } : {}), progress, after, home, acting });
    await tellTheClient(ctx, looked, planned, confirmation, record, after);
    const file = writeRunRecord("golive rollback", args.records, recordFileName(args.stack, "rollback", new Date(ctx.origin)), renderRecoveryRecord(record, "rollback"), deps.err);
    if (file) deps.out(`Record: ${file}`);
    const back = previousPhase(planned.targetPhase);
    if (!home) deps.out(`Next: golive status --stack ${args.stack}, then golive recover --stack ${args.stack}`);
    else if (back !== undefined || planned.targetPhase === "prepare") deps.out(`Next: when the cause is fixed, golive cutover --stack ${args.stack}`);
    return home ? 0 : 1;
}

/**
 * When a cutover is rolled back (issue 26): the key pages through public DNS once the rollback is
 * done (the guided cutover's after-switch stage, labelled from the records: the old site, since
 * when), then the go-live page and R-3 at once through golive:notify's webhook.
 */
async function tellTheClient(ctx: RollbackContext, looked: Looked, planned: Planned, confirmation: string, record: RecoveryRecord, after: Look): Promise<void> {
    const { args, deps, session, origin, operator } = ctx;
    const note = failureNoteOf(ctx, looked, planned, confirmation);
    if ((note?.phase ?? looked.look.facts.applied) !== "cutover" || planned.targetPhase === "cutover" || !record.rollback) return;
    const because = note?.errors[0] ?? `rolled back by ${operator}`;
    const rb = record.rollback;
    const shots = await shootAfterSwitch(shotsInputOf(looked.map, deps, { after: { live: false, by: "golive rollback", siteAfter: [siteLineOf(after.site)], ...(rb.dnsRestoredAt ? { rolledBackAt: rb.dnsRestoredAt } : {}) } }));
    Object.assign(record, await newsOfRollback({ map: looked.map, stack: args.stack, ...(record.domain ? { domain: record.domain } : {}), kind: "rollback", because, decidedBy: operator, rollback: rb, startedAt: new Date(origin), shots, outputs: () => session.outputs?.() ?? Promise.resolve({}), projectDir: args.dir, deps }));
}
