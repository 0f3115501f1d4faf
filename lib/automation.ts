// The thin side of the rollback: the Pulumi Automation API and git. The decisions (which update,
// what config, what to refuse) are in lib/rollback.ts; this module only reads and runs.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { HistoryEntry, RepoState, RollbackPlan } from "./rollback";

const GIT_TIMEOUT_MS = 60_000;

function git(cwd: string, args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", timeout: GIT_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** Whether the Pulumi CLI (which the Automation API drives) is on PATH. */
export function pulumiCliAvailable(): boolean {
    const r = spawnSync("pulumi", ["version"], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "pipe"] });
    return !r.error && r.status === 0;
}

export interface ProgramRepo extends RepoState {
    /** The repository's top level. */
    root: string;
    /** Where the Pulumi project sits inside it ("" at the top). */
    prefix: string;
}

/** The program's repository as the rollback sees it. */
export function programRepo(projectDir: string): ProgramRepo {
    const root = git(projectDir, ["rev-parse", "--show-toplevel"]);
    const prefix = git(projectDir, ["rev-parse", "--show-prefix"]);
    // Untracked files do not change the program that runs; modified tracked files do.
    const dirty = git(projectDir, ["status", "--porcelain", "--untracked-files=no"]) !== "";
    return {
        root,
        prefix,
        dirty,
        hasCommit: (sha) => spawnSync("git", ["cat-file", "-e", `${sha}^{commit}`], { cwd: root, stdio: "ignore", timeout: GIT_TIMEOUT_MS }).status === 0,
    };
}

export interface Worktree {
    /** The worktree's top level. */
    dir: string;
    /** The Pulumi project inside it. */
    projectDir: string;
    remove(): void;
}

/**
 * A temporary detached worktree at `commit`, with the project's node_modules linked in so the
 * program runs as it did. Always call remove() (in a finally).
 */
export function addWorktree(repo: Pick<ProgramRepo, "root" | "prefix">, commit: string, projectDir: string): Worktree {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-rollback-"));
    git(repo.root, ["worktree", "add", "--quiet", "--detach", dir, commit]);
    const wtProject = path.join(dir, repo.prefix);
    const modules = path.join(projectDir, "node_modules");
    if (fs.existsSync(modules) && !fs.existsSync(path.join(wtProject, "node_modules"))) {
        fs.symlinkSync(modules, path.join(wtProject, "node_modules"), "dir");
    }
    return {
        dir,
        projectDir: wtProject,
        remove() {
            try {
                git(repo.root, ["worktree", "remove", "--force", dir]);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
                spawnSync("git", ["worktree", "prune"], { cwd: repo.root, stdio: "ignore", timeout: GIT_TIMEOUT_MS });
            }
        },
    };
}

/** The stack's update history, newest first, secrets in clear (they go back into config, never printed). */
export async function readHistory(stackName: string, projectDir: string): Promise<HistoryEntry[]> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const stack = await LocalWorkspace.selectStack({ stackName, workDir: projectDir });
    return stack.history(undefined, undefined, true);
}

export interface RunOptions {
    stackName: string;
    projectDir: string;
    repo: ProgramRepo;
    plan: RollbackPlan;
    dryRun: boolean;
    onOutput: (out: string) => void;
}

/** `pulumi preview` or `pulumi up` of the target's program commit with the target's config. */
export async function runRollback(opts: RunOptions): Promise<{ summary: string }> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const wt = addWorktree(opts.repo, opts.plan.target.commit, opts.projectDir);
    try {
        const stack = await LocalWorkspace.selectStack({ stackName: opts.stackName, workDir: wt.projectDir });
        // The worktree's stack file is the old commit's; make it exactly the target update's config.
        const present = Object.keys(await stack.getAllConfig());
        const stale = present.filter((k) => !(k in opts.plan.target.config));
        if (stale.length > 0) await stack.removeAllConfig(stale);
        await stack.setAllConfig(opts.plan.target.config);
        if (opts.dryRun) {
            const r = await stack.preview({ onOutput: opts.onOutput, message: `golive rollback preview to update ${opts.plan.target.version}` });
            return { summary: JSON.stringify(r.changeSummary) };
        }
        const r = await stack.up({ onOutput: opts.onOutput, message: `golive rollback to update ${opts.plan.target.version}` });
        return { summary: `${r.summary.result}: ${JSON.stringify(r.summary.resourceChanges ?? {})}` };
    } finally {
        wt.remove();
    }
}
