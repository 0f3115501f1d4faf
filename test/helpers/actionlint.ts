// Where the tests find actionlint (the workflows' linter): on PATH at the pinned version, else where
// `npm run actionlint` (scripts/actionlint.sh, which pins the version) installs it; and shellcheck,
// which actionlint runs on every `run:` script.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The version scripts/actionlint.sh installs (kept in step by test/workflows/actionlint.test.ts). */
export const ACTIONLINT_VERSION = "v1.7.12";

function versionOf(bin: string): string | undefined {
    try {
        return execFileSync(bin, ["-version"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0].trim();
    } catch {
        return undefined;
    }
}

function onPath(name: string): string | undefined {
    for (const d of (process.env.PATH ?? "").split(path.delimiter)) {
        const p = path.join(d, name);
        if (d && fs.existsSync(p)) return p;
    }
    return undefined;
}

export function findActionlint(env: NodeJS.ProcessEnv = process.env): { actionlint: string; shellcheck: string } | { missing: string; command: string } {
    const cache = path.join(env.GOLIVE_TOOLS_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "golive-tools"), "actionlint", ACTIONLINT_VERSION, "bin", "actionlint");
    const candidates = [onPath("actionlint"), cache].filter((p): p is string => !!p && fs.existsSync(p));
    const actionlint = candidates.find((p) => versionOf(p) === ACTIONLINT_VERSION);
    if (!actionlint) return { missing: `actionlint ${ACTIONLINT_VERSION} is not on PATH nor in ${path.dirname(cache)}`, command: "npm run actionlint" };
    const shellcheck = onPath("shellcheck");
    if (!shellcheck) return { missing: "shellcheck is not installed (actionlint lints the workflows' scripts with it)", command: "apt-get install shellcheck" };
    return { actionlint, shellcheck };
}
