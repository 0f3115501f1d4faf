// The guided commands' side of the terminal (golive adopt | prepare | cutover | recover | status):
// their options parsed, and the real outside world they talk to (operations/guided GuidedDeps:
// stdin, stdout, stderr, the clock, who runs the command).
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { checkedStackName, parseCommandLine } from "./args";
import { PROGRAM_DIR } from "../shared/programDir";
import { ciOperatorOf } from "../operations/ciContext";
import type { GuidedArgs, GuidedDeps } from "../operations/guided";
import { shootKeyPages } from "../checks/screenshot";

async function askOnTerminal(question: string): Promise<string> {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
        return await new Promise<string>((resolve) => {
            rl.question(question, resolve);
            // A terminal's Ctrl-C at the prompt reaches readline, not the process: no answer, and the
            // command's Ctrl-C handling (operations/interrupt) hears it.
            rl.on("SIGINT", () => {
                resolve("");
                process.emit("SIGINT", "SIGINT");
            });
        });
    } finally {
        rl.close();
    }
}

export function operatorOf(dir: string, env: NodeJS.ProcessEnv = process.env): string {
    // In CI, whoever started the run (a dispatch, a merge), named with the run.
    const ci = ciOperatorOf(env);
    if (ci) return ci;
    const r = spawnSync("git", ["config", "user.name"], { cwd: dir, env, encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
    const name = r.status === 0 ? r.stdout.trim() : "";
    if (name) return name;
    try {
        return env.USER || env.LOGNAME || os.userInfo().username || "unknown";
    } catch {
        return "unknown";
    }
}

export const DEFAULT_DEPS: GuidedDeps = {
    env: process.env,
    interactive: !!process.stdin.isTTY,
    ask: askOnTerminal,
    out: (l) => process.stdout.write(l + "\n"),
    err: (l) => process.stderr.write(l + "\n"),
    now: () => Date.now(),
    operator: (dir) => operatorOf(dir),
    shootPages: shootKeyPages,
};

/** The program's own directory: the default Pulumi project (also when run compiled from dist/). */
export { PROGRAM_DIR };

export type Parsed = GuidedArgs | { error: string } | { help: true };

/** Every option a guided command may take; each command allows some (`allowed`). */
const GUIDED_OPTIONS = {
    stack: { type: "string" },
    dir: { type: "string" },
    records: { type: "string" },
    domain: { type: "string" },
    yes: { type: "boolean", short: "y" },
    "auto-rollback": { type: "boolean" },
    finish: { type: "boolean" },
    rollback: { type: "boolean" },
    "no-rollback": { type: "boolean" },
    markdown: { type: "boolean" },
} as const;

/**
 * Parses `--stack <name> [--dir <dir>] [--records <dir>] [--yes] ...`, taking only the options
 * `allowed` lists, through the one option parser of every golive command (cli/args).
 */
export function parseGuidedArgs(argv: string[], allowed: string[]): Parsed {
    const options = Object.fromEntries(Object.entries(GUIDED_OPTIONS).filter(([name]) => allowed.includes(`--${name}`)));
    const parsed = parseCommandLine(argv, options);
    if ("help" in parsed || "error" in parsed) return parsed as { help: true } | { error: string };
    const v = parsed as { stack?: string; dir?: string; records?: string; domain?: string; yes?: boolean; "auto-rollback"?: boolean; finish?: boolean; rollback?: boolean; "no-rollback"?: boolean; markdown?: boolean };
    if (v["auto-rollback"] && v["no-rollback"]) return { error: "--auto-rollback and --no-rollback decide R-1 both ways: give one" };
    const stack = checkedStackName(v.stack);
    if (typeof stack !== "string") return stack;
    const dir = v.dir !== undefined ? path.resolve(v.dir) : PROGRAM_DIR;
    return {
        stack,
        dir,
        records: v.records !== undefined ? path.resolve(v.records) : path.join(dir, "records"),
        yes: !!v.yes,
        autoRollback: !!v["auto-rollback"],
        ...(v.domain !== undefined ? { domain: v.domain } : {}),
        ...(v.finish ? { finish: true } : {}),
        ...(v.rollback ? { rollback: true } : {}),
        ...(v["no-rollback"] ? { noRollback: true } : {}),
        ...(v.markdown ? { markdown: true } : {}),
    };
}
