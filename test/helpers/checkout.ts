// A repository as a runner's actions/checkout leaves it, for the tests that run the workflows: the
// program, the golive command (its sources and, as `npm ci` leaves it, its build in dist/), the
// workflows; node_modules linked from this clone. In its own folder, never this clone.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROGRAM_DIR } from "../../shared/programDir";
import { freshBuildDir } from "../../shared/freshBuild";
import { PROGRAM_FILES } from "../../replica/engineWorkspace";

/** What a checkout holds besides the program: the command and the workflows. */
const REPOSITORY_EXTRAS = ["operations", "rendering", "cli", "replica", "rehearsal", ".github", "tsconfig.build.json"];

export const GIT_ENV = { GIT_AUTHOR_NAME: "Camille", GIT_AUTHOR_EMAIL: "camille@agency.test", GIT_COMMITTER_NAME: "Camille", GIT_COMMITTER_EMAIL: "camille@agency.test", GIT_CONFIG_NOSYSTEM: "1" };

export function git(dir: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd: dir, encoding: "utf8", timeout: 30_000, env: { ...process.env, ...GIT_ENV }, stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * Fills `dir` as a checkout: the program (unless it is there: an engine workspace copied it), the
 * command and the workflows, dist/ (copied when this clone's build is of these sources, else built),
 * node_modules linked. A git repository on branch main, committed.
 */
export function fillCheckout(dir: string, opts: { program: boolean }): void {
    const files = [...(opts.program ? PROGRAM_FILES : []), ...REPOSITORY_EXTRAS];
    for (const f of files) fs.cpSync(path.join(PROGRAM_DIR, f), path.join(dir, f), { recursive: true });
    if (!fs.existsSync(path.join(dir, "node_modules"))) fs.symlinkSync(path.join(PROGRAM_DIR, "node_modules"), path.join(dir, "node_modules"), "dir");
    fs.appendFileSync(path.join(dir, ".gitignore"), `${fs.existsSync(path.join(dir, ".gitignore")) ? "" : "node_modules\n"}records/\n.golive/\ndist/\n`);
    const build = freshBuildDir();
    if (build) fs.cpSync(build, path.join(dir, path.basename(build)), { recursive: true });
    else execFileSync("node", [path.join(dir, "cli", "build.js")], { cwd: dir, timeout: 180_000, stdio: "ignore" });
    if (!fs.existsSync(path.join(dir, ".git"))) git(dir, "init", "-q", "-b", "main");
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "--allow-empty", "-m", "the repository the workflows check out");
}
