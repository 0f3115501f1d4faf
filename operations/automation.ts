// The thin side of the rollback: the Pulumi Automation API and git. The decisions (which update,
// what config, what to refuse) are in operations/rollback.ts; this module only reads and runs.
import { execFile, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { configJsonOf, PROGRAM_PATHS, type HistoryEntry, type RepoState, type RollbackPlan } from "./rollback";
import { findEngine, isEngine, type Engine } from "./engine";
import { addSecuredValues, securedValues } from "../shared/stackFileSecrets";

const GIT_TIMEOUT_MS = 60_000;

function git(cwd: string, args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", timeout: GIT_TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"] }).trim();
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
    return {
        root,
        prefix,
        hasCommit: (sha) => spawnSync("git", ["cat-file", "-e", `${sha}^{commit}`], { cwd: root, stdio: "ignore", timeout: GIT_TIMEOUT_MS }).status === 0,
        programChanges: (sha) => {
            if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new Error(`not a commit id: ${JSON.stringify(sha)}`);
            // Paths relative to the project (pathspecs and --relative follow the cwd): committed and
            // uncommitted differences from the commit, plus files git does not track yet.
            const lines = (out: string) => out.split("\n").filter((l) => l !== "");
            const differ = lines(git(projectDir, ["diff", "--name-only", "--relative", sha, "--", ...PROGRAM_PATHS]));
            const untracked = lines(git(projectDir, ["ls-files", "--others", "--exclude-standard", "--", ...PROGRAM_PATHS]));
            return [...new Set([...differ, ...untracked])].sort();
        },
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

/** The part of an Automation API Stack the rollback uses (tests give a stand-in). */
export interface RollbackStack extends Pick<Stack, "history" | "getAllConfig" | "removeAllConfig" | "setAllConfigJson" | "preview" | "up"> {
    /** Stores one secret config value, which the CLI reads from its stdin: never on a command line. */
    setSecret(key: string, value: string): Promise<void>;
}
export type OpenStack = (stackName: string, workDir: string) => Promise<RollbackStack>;

/** The rollback's view of an Automation API stack; `up` may be given the caller's own event handler. */
export function rollbackStackOf(stack: Stack, onEvent?: (event: EngineEvent) => void): RollbackStack {
    return {
        history: (...a) => stack.history(...a),
        getAllConfig: () => stack.getAllConfig(),
        removeAllConfig: (keys) => stack.removeAllConfig(keys),
        setAllConfigJson: (json) => stack.setAllConfigJson(json),
        preview: (o) => stack.preview(o),
        up: (o) => stack.up(onEvent ? { ...o, onEvent } : o),
        setSecret: (key, value) => setSecretFromStdin(stack, key, value),
    };
}

/** Opens stacks with `engine`: the one operations/engine finds for every golive command, not whatever `pulumi` is on PATH. */
export function stackOpener(engine: Engine): OpenStack {
    return async (stackName, workDir) => {
        const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engine.binDir) });
        return rollbackStackOf(await LocalWorkspace.selectStack({ stackName, workDir }, { workDir, pulumiCommand }));
    };
}

const openStack: OpenStack = (stackName, workDir) => {
    const engine = findEngine();
    if (!isEngine(engine)) throw new Error(engine.missing);
    return stackOpener(engine)(stackName, workDir);
};

const CONFIG_SET_TIMEOUT_MS = 60_000;

/**
 * `pulumi config set --secret --raw -- <key>` with the value on stdin, in the stack's workspace
 * (its CLI, PULUMI_HOME and environment, as the Automation API runs it). The Automation API's own
 * calls put values on the command line, where any user of the machine can read them.
 */
export function setSecretFromStdin(stack: Stack, key: string, value: string): Promise<void> {
    const ws = stack.workspace;
    const command = ws.pulumiCommand.command;
    const env: NodeJS.ProcessEnv = { ...process.env, ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}), ...ws.envVars };
    if (path.isAbsolute(command)) env.PATH = `${path.dirname(command)}${path.delimiter}${env.PATH ?? ""}`;
    return new Promise((resolve, reject) => {
        const child = execFile(
            command,
            ["config", "set", "--stack", stack.name, "--secret", "--raw", "--non-interactive", "--", key],
            { cwd: ws.workDir, env, timeout: CONFIG_SET_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 1_000_000 },
            (err, _stdout, stderr) => {
                // The CLI never echoes the value; its message says what went wrong.
                if (err) reject(new Error(`pulumi config set --secret ${key} failed: ${String(stderr).trim().split("\n").slice(-3).join(" ") || err.message}`));
                else resolve();
            },
        );
        child.stdin?.on("error", () => undefined); // a CLI that exits early closes its stdin: the exit says why
        child.stdin?.end(value);
    });
}

/** History pages read per call, and the most pages read (10 000 updates). */
export const HISTORY_PAGE_SIZE = 100;
export const HISTORY_MAX_PAGES = 100;

/**
 * The stack's update history, newest first, secrets in clear (they go back into config, never
 * printed). `stack history` returns 10 updates unless asked for pages: pages are read until
 * `reached` says the history goes back far enough, or the history ends.
 */
export async function readHistory(stackName: string, projectDir: string, reached: (entries: HistoryEntry[]) => boolean = () => false, open: OpenStack = openStack): Promise<HistoryEntry[]> {
    const stack = await open(stackName, projectDir);
    const entries: HistoryEntry[] = [];
    for (let page = 1; page <= HISTORY_MAX_PAGES; page++) {
        const got = await stack.history(HISTORY_PAGE_SIZE, page, true);
        entries.push(...got);
        // A self-managed backend (file://, s3://…) numbers no update: every version is 0, so the
        // whole history is read and numbered below.
        if (got.length < HISTORY_PAGE_SIZE || (!entries.some(unnumbered) && reached(entries))) break;
    }
    return numbered(entries);
}

const unnumbered = (e: HistoryEntry) => !(e.version > 0);

/**
 * The history with a version on every update: the backend's own (Pulumi Cloud), or on a
 * self-managed backend, whose `stack history` says version 0 for all, their order (oldest = 1).
 * History is newest first.
 */
export function numbered(entries: HistoryEntry[]): HistoryEntry[] {
    if (!entries.some(unnumbered)) return entries;
    return entries.map((e, i) => ({ ...e, version: entries.length - i }));
}

export interface RunOptions {
    stackName: string;
    projectDir: string;
    repo: ProgramRepo;
    plan: RollbackPlan;
    dryRun: boolean;
    /** The engine's raw output (golive rollback --verbose). */
    onOutput?: (out: string) => void;
    /** The update's message (default "golive rollback to update N"): what the stack history keeps. */
    message?: string;
    signal?: AbortSignal;
    /**
     * After a successful rollback, the project's stack file becomes the one the rollback ran with
     * (the target's config): the stack file says what the stack runs. The one it replaces is kept
     * in <project>/.golive/ (its path is returned).
     */
    keepStackFile?: boolean;
}

export interface RunResult {
    summary: string;
    /** Where the replaced stack file was kept (keepStackFile). */
    stackFileBackup?: string;
}

/** Pulumi.<stack>.yaml of `fromDir` becomes the project's, the project's kept under .golive/. */
export function replaceStackFile(fromDir: string, projectDir: string, stackName: string, at = new Date()): string | undefined {
    const name = `Pulumi.${stackName}.yaml`;
    const current = path.join(projectDir, name);
    let backup: string | undefined;
    if (fs.existsSync(current)) {
        backup = path.join(projectDir, ".golive", `${name}.before-rollback-${at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`);
        fs.mkdirSync(path.dirname(backup), { recursive: true });
        fs.copyFileSync(current, backup);
    }
    fs.copyFileSync(path.join(fromDir, name), current);
    return backup;
}

/** How a stack file says its secrets are encrypted (the passphrase's salt, or another provider). */
const SECRETS_HEADER = /^(encryptionsalt|secretsprovider|encryptedkey):/;

/**
 * Writes Pulumi.<stack>.yaml in `toDir` with the secrets settings of the one in `fromDir` (or, without
 * one there, of the one already in `toDir`) and no config.
 */
export function freshStackFile(fromDir: string, toDir: string, stackName: string): void {
    const name = `Pulumi.${stackName}.yaml`;
    const source = [path.join(fromDir, name), path.join(toDir, name)].find((f) => fs.existsSync(f));
    const header = source ? fs.readFileSync(source, "utf8").split("\n").filter((l) => SECRETS_HEADER.test(l)) : [];
    fs.writeFileSync(path.join(toDir, name), `${header.join("\n")}${header.length ? "\n" : ""}config: {}\n`);
}

/**
 * The target's secrets whose value the stack holds today, each as the ciphertext of the stack file
 * (`secure: v1:…`, under this stack's own secrets settings, which the rollback's file keeps): they go
 * back into that file as they are, so the way back costs one read of the config instead of one
 * engine run per secret. Any doubt (no file, a value that differs, a read that fails) leaves the
 * secret to be set through the engine, its value on stdin.
 */
async function heldCiphertexts(opts: RunOptions, open: OpenStack, secrets: Array<[string, { value: string }]>): Promise<Record<string, string>> {
    const secure = securedValues(path.join(opts.projectDir, `Pulumi.${opts.stackName}.yaml`));
    const wanted = secrets.filter(([k]) => secure[k]);
    if (wanted.length === 0) return {};
    try {
        const now = await (await open(opts.stackName, opts.projectDir)).getAllConfig();
        return Object.fromEntries(wanted.filter(([k, v]) => now[k]?.secret === true && now[k]?.value === v.value).map(([k]) => [k, secure[k]]));
    } catch {
        return {};
    }
}

/** `pulumi preview` or `pulumi up` of the target's program commit with the target's config. */
export async function runRollback(opts: RunOptions, open: OpenStack = openStack): Promise<RunResult> {
    const wt = addWorktree(opts.repo, opts.plan.target.commit, opts.projectDir);
    try {
        // The worktree's stack file is the old commit's (or absent: a stack file the operator never
        // committed), and may lack required keys, which `pulumi config` would refuse to read. Start it
        // over with this stack's secrets settings and nothing else, then write the target's config.
        freshStackFile(opts.projectDir, wt.projectDir, opts.stackName);
        const config = Object.entries(configJsonOf(opts.plan.target.config));
        const held = await heldCiphertexts(opts, open, config.filter(([, v]) => v.secret));
        const stack = await open(opts.stackName, wt.projectDir);
        // `config set-all --json`, the shape history prints: arrays and objects (golive:envVars,
        // golive:checks) come back as structured values; `setAllConfig` would store them as strings,
        // which the declared types then refuse. The CLI takes that JSON as an argument, in the process
        // list while it runs: secrets go one by one through stdin instead.
        await stack.setAllConfigJson(JSON.stringify(Object.fromEntries(config.filter(([, v]) => !v.secret))));
        addSecuredValues(path.join(wt.projectDir, `Pulumi.${opts.stackName}.yaml`), held);
        for (const [key, v] of config) if (v.secret && !held[key]) await stack.setSecret(key, v.value);
        const out = { ...(opts.onOutput ? { onOutput: opts.onOutput } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
        if (opts.dryRun) {
            const r = await stack.preview({ ...out, message: `golive rollback preview to update ${opts.plan.target.version}` });
            return { summary: JSON.stringify(r.changeSummary) };
        }
        const r = await stack.up({ ...out, message: opts.message ?? `golive rollback to update ${opts.plan.target.version}` });
        const backup = opts.keepStackFile ? replaceStackFile(wt.projectDir, opts.projectDir, opts.stackName) : undefined;
        return { summary: `${r.summary.result}: ${JSON.stringify(r.summary.resourceChanges ?? {})}`, ...(backup ? { stackFileBackup: backup } : {}) };
    } finally {
        wt.remove();
    }
}
