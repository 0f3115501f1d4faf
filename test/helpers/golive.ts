// `node cli/golive.js <args>` as an operator runs it in an engine workspace (its PULUMI_* environment,
// the project as the working directory), bounded in time.
import { execFile } from "child_process";
import * as path from "path";
import type { EngineWorkspace } from "../../replica/engineWorkspace";

const GOLIVE = path.resolve(__dirname, "..", "..", "cli", "golive.js");

export function golive(args: string[], ws: EngineWorkspace, timeoutMs = 170_000): Promise<{ code: number; out: string }> {
    return new Promise((resolve) =>
        execFile("node", [GOLIVE, ...args], { env: ws.env, cwd: ws.projectDir, timeout: timeoutMs }, (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: `${stdout}\n${stderr}` }),
        ),
    );
}

/** The lines of a command's output that say what went wrong (for an assertion's message). */
export const problemLines = (out: string) => out.split("\n").filter((l) => /error|refused|failed/i.test(l)).join("\n").slice(0, 3000) || out.slice(-3000);
