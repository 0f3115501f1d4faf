// `golive rollback --stack prod [--to N] [--dry-run] [--yes]` — plan section 4, step 2: put the
// stack back as its previous successful update left it (DNS records back to their previous
// content, in place), with that update's config and program commit.
import * as path from "path";
import * as readline from "readline";
import * as automation from "../lib/automation";
import { describePlan, historyReaches, planRollback, RollbackRefused } from "../lib/rollback";
import { findEngine, isEngine, type Engine } from "../lib/engine";
import { PROGRAM_DIR } from "../lib/programDir";
import { checkedStackName, parseCommandLine, valuesOrExit } from "./args";

export const USAGE = [
    "usage: golive rollback --stack <stack> [--to <update>] [--dry-run] [--yes] [--dir <project dir>]",
    "",
    "  --stack <stack>   the stack to roll back (e.g. prod)",
    "  --to <update>     the update version to go back to (default: the last successful update before the current one)",
    "  --dry-run         show the plan and preview the changes; change nothing",
    "  --yes             do not ask for confirmation",
    "  --dir <dir>       the Pulumi project (default: this program's directory)",
    "",
    "Needs the Pulumi engine v3.248 (built by `npm run engine`, or a pulumi v3.248 on PATH), logged in to the stack's backend.",
].join("\n");

export interface RollbackArgs {
    stack: string;
    to?: number;
    dryRun: boolean;
    yes: boolean;
    dir: string;
}

export function parseArgs(argv: string[]): RollbackArgs | { error: string } | { help: true } {
    const v = parseCommandLine(argv, {
        stack: { type: "string" },
        to: { type: "string" },
        "dry-run": { type: "boolean" },
        yes: { type: "boolean", short: "y" },
        dir: { type: "string" },
    });
    if ("help" in v || "error" in v) return v;
    if (v.to !== undefined && !/^[1-9]\d*$/.test(v.to)) return { error: `--to must be an update version (a positive integer), got ${JSON.stringify(v.to)}` };
    const stack = checkedStackName(v.stack);
    if (typeof stack !== "string") return stack;
    return {
        stack,
        ...(v.to !== undefined ? { to: Number(v.to) } : {}),
        dryRun: !!v["dry-run"],
        yes: !!v.yes,
        dir: v.dir !== undefined ? path.resolve(v.dir) : PROGRAM_DIR,
    };
}

/** What main needs from the outside world; tests replace it. */
export interface RollbackDeps {
    /** The engine every golive command uses (lib/engine), or why there is none. */
    findEngine(): Engine | { missing: string };
    readHistory: typeof automation.readHistory;
    programRepo: typeof automation.programRepo;
    runRollback: typeof automation.runRollback;
    confirm(question: string): Promise<boolean>;
    interactive: boolean;
    out(line: string): void;
    err(line: string): void;
}

async function askYesNo(question: string): Promise<boolean> {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
    try {
        const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
        return /^(y|yes|o|oui)$/i.test(answer.trim());
    } finally {
        rl.close();
    }
}

const defaultDeps: RollbackDeps = {
    findEngine: () => findEngine(process.env),
    readHistory: automation.readHistory,
    programRepo: automation.programRepo,
    runRollback: automation.runRollback,
    confirm: askYesNo,
    interactive: !!process.stdin.isTTY,
    out: (l) => process.stdout.write(l + "\n"),
    err: (l) => process.stderr.write(l + "\n"),
};

export async function main(argv: string[], deps: RollbackDeps = defaultDeps): Promise<number> {
    const args = valuesOrExit("rollback", parseArgs(argv), USAGE, deps);
    if (typeof args === "number") return args;
    const engine = deps.findEngine();
    if (!isEngine(engine)) {
        deps.err(`golive rollback: ${engine.missing}`);
        return 2;
    }
    const open = automation.stackOpener(engine);

    let plan;
    let repo;
    try {
        repo = deps.programRepo(args.dir);
        const opts = args.to !== undefined ? { to: args.to } : {};
        const history = await deps.readHistory(args.stack, args.dir, (entries) => historyReaches(entries, opts), open);
        plan = planRollback(history, repo, opts);
    } catch (err) {
        deps.err(`golive rollback: ${err instanceof RollbackRefused ? "refused: " : ""}${(err as Error).message}`);
        return 1;
    }
    deps.out(describePlan(plan, args.stack));

    if (!args.dryRun && !args.yes) {
        if (!deps.interactive) {
            deps.err("golive rollback: not a terminal: add --yes to confirm, or --dry-run to preview");
            return 2;
        }
        if (!(await deps.confirm(`Roll stack ${args.stack} back to update ${plan.target.version}? [y/N] `))) {
            deps.out("Rollback cancelled: nothing changed.");
            return 1;
        }
    }

    deps.out(args.dryRun ? "\nPreview (nothing changes):" : "\nRolling back:");
    try {
        const r = await deps.runRollback({
            stackName: args.stack,
            projectDir: args.dir,
            repo,
            plan,
            dryRun: args.dryRun,
            onOutput: (o) => process.stdout.write(o),
        }, open);
        deps.out(`\n${args.dryRun ? "preview" : "rollback"} done: ${r.summary}`);
    } catch (err) {
        deps.err(`golive rollback: ${args.dryRun ? "preview" : "pulumi up"} failed: ${(err as Error).message}`);
        return 1;
    }
    if (!args.dryRun) {
        // The rollback ran from a worktree: the stack file here still holds the newer config.
        deps.out(
            `The stack is back at update ${plan.target.version}. Before the next \`pulumi up\` from this tree, bring Pulumi.${args.stack}.yaml ` +
                "in line with the config changes above (e.g. golive:phase), or that update re-applies the rolled-back change.",
        );
    }
    return 0;
}
