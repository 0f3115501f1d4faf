// A place where the real Pulumi CLI runs the program against the replica: a copy of the project
// committed in its own git repository (the engine records git metadata, the rollback reads it), a
// `file://` backend and a PULUMI_HOME in a temp folder, the replica vercel/cloudflare/command
// plugins installed there from disk, and the environment that points them at the replica's
// service API. Used by the engine tier of the tests and by the rehearsal on the real engine.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CONTROL_ENV } from "./control";
import { VERSIONS } from "./providerSchemas";
import type { Engine } from "../operations/engine";
import { PROGRAM_DIR } from "../shared/programDir";
import { freshBuildDir } from "../shared/freshBuild";
import { addSecuredValues, securedValues } from "../shared/stackFileSecrets";
import { makeScratchDir, releaseScratchDir } from "../shared/scratchDirs";

const REPO = PROGRAM_DIR;
/** What the program is made of (and nothing of the tests or the rehearsal). */
export const PROGRAM_FILES = ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "components", "program", "config", "checks", "shared", "scripts"];
/** The same program as the engine runs it from the build (dist/, cli/build.js): compiled index.ts and its folders. */
const COMPILED_PROGRAM = ["index.js", "components", "program", "config", "checks", "shared"];
/** One CLI call may take this long before it is ended (an `up` with every check: well under it). */
export const CLI_TIMEOUT_MS = 240_000;

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

export interface EngineWorkspace {
    /** The project copy (its own git repository). */
    projectDir: string;
    stack: string;
    engine: Engine;
    /** How the engine runs the program here (programForm). */
    program: ProgramForm;
    /** The environment every CLI and Automation API call gets. */
    env: NodeJS.ProcessEnv;
    /** Runs `pulumi <args>` in the project, bounded in time; never throws on a non-zero exit. */
    pulumi(args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<CliResult>;
    /** Sets the config of `stack` (default: the workspace's) from `config --json`'s shape: {key: {value, secret}}. */
    setConfig(values: Record<string, { value: string; secret?: boolean }>, stack?: string): Promise<void>;
    /** Commits the project copy's current files (the engine records this commit as git.head). */
    commit(message: string): string;
    remove(): void;
}

function copyInto(src: string, dst: string): void {
    const st = fs.statSync(src);
    if (st.isDirectory()) {
        fs.mkdirSync(dst, { recursive: true });
        for (const e of fs.readdirSync(src)) copyInto(path.join(src, e), path.join(dst, e));
    } else fs.copyFileSync(src, dst);
}

function git(cwd: string, args: string[]): string {
    const env = { ...process.env, GIT_AUTHOR_NAME: "golive", GIT_AUTHOR_EMAIL: "golive@localhost", GIT_COMMITTER_NAME: "golive", GIT_COMMITTER_EMAIL: "golive@localhost", GIT_CONFIG_NOSYSTEM: "1" };
    return execFileSync("git", args, { cwd, env, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * How the engine runs the program here: "typescript" is index.ts through ts-node, as `pulumi up`
 * runs it for the operator; "compiled" is the build of the same sources (cli/build.js), used only
 * when that build is of the sources as they are. Each program run then spares loading TypeScript
 * and transpiling ~60 modules (~1.3 s of CPU of its ~3 s on this machine), which is most of what
 * the long engine scenarios spend beside the engine itself. At least one engine-tier test file
 * keeps "typescript" (test/engine/goLive.test.ts); GOLIVE_ENGINE_PROGRAM=typescript forces it.
 */
export type ProgramForm = "typescript" | "compiled";

export function programForm(asked: ProgramForm | undefined, env: NodeJS.ProcessEnv, build: string | undefined): ProgramForm {
    if (asked === "typescript" || env.GOLIVE_ENGINE_PROGRAM === "typescript") return "typescript";
    return build !== undefined && COMPILED_PROGRAM.every((f) => fs.existsSync(path.join(build, f))) ? "compiled" : "typescript";
}

/** Copies the program into `projectDir` in the form asked: the sources, or the build with Pulumi.yaml and package.json saying so. */
function copyProgram(projectDir: string, form: ProgramForm, build: string | undefined): void {
    if (form === "typescript" || build === undefined) {
        for (const f of PROGRAM_FILES) copyInto(path.join(REPO, f), path.join(projectDir, f));
        return;
    }
    for (const f of COMPILED_PROGRAM) copyInto(path.join(build, f), path.join(projectDir, f));
    copyInto(path.join(REPO, "scripts"), path.join(projectDir, "scripts"));
    const project = fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8");
    const plain = project.replace(/^( {4}typescript:) true$/m, "$1 false");
    if (plain === project) throw new Error("Pulumi.yaml: runtime.options.typescript: true not found (the compiled program needs it false)");
    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), plain);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    fs.writeFileSync(path.join(projectDir, "package.json"), JSON.stringify({ ...pkg, main: "index.js" }, null, 2) + "\n");
}

/** The script the engine runs as `pulumi-resource-<pkg>`: the replica plugin, built (`build`, fresh) or under ts-node. */
function pluginScript(pkg: string, build: string | undefined): string {
    // The compiled plugin when the build is of the sources as they are: it starts in a fraction of
    // the time ts-node takes, as the real providers' binaries do; else the TypeScript.
    const compiled = build && path.join(build, "replica", "plugins", "main.js");
    if (compiled && fs.existsSync(compiled)) return `#!/bin/sh\nexec node '${compiled}' ${pkg} "$@"\n`;
    const tsNode = path.join(REPO, "node_modules", "ts-node", "register", "transpile-only");
    const main = path.join(REPO, "replica", "plugins", "main.ts");
    return `#!/bin/sh\nTS_NODE_PROJECT='${path.join(REPO, "tsconfig.json")}' exec node -r '${tsNode}' '${main}' ${pkg} "$@"\n`;
}

export async function createEngineWorkspace(opts: { engine: Engine; controlUrl: string; stack?: string; passphrase?: string; program?: ProgramForm }): Promise<EngineWorkspace> {
    const root = makeScratchDir("golive-engine-");
    const projectDir = path.join(root, "project");
    const home = path.join(root, "home");
    const state = path.join(root, "state");
    fs.mkdirSync(projectDir);
    fs.mkdirSync(home);
    fs.mkdirSync(state);
    // Read once for the program and the plugins: cli/build.js stats every source to tell.
    const build = freshBuildDir();
    const program = programForm(opts.program, process.env, build);
    copyProgram(projectDir, program, build);
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(projectDir, "node_modules"), "dir");
    fs.writeFileSync(path.join(projectDir, ".gitignore"), "node_modules\n");
    git(projectDir, ["init", "-q", "-b", "main"]);
    git(projectDir, ["add", "-A"]);
    git(projectDir, ["commit", "-q", "-m", "the program under test"]);

    const stack = opts.stack ?? "replica";
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${opts.engine.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_HOME: home,
        PULUMI_BACKEND_URL: `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: opts.passphrase ?? "replica passphrase",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        // tsc --noEmit checks the program in `npm test`; each run here only transpiles it.
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        [CONTROL_ENV]: opts.controlUrl,
        NO_COLOR: "1",
    };
    const pulumi = (args: string[], o: { timeoutMs?: number; input?: string } = {}): Promise<CliResult> =>
        new Promise((resolve) => {
            const t0 = Date.now();
            const child = execFile(
                path.join(opts.engine.binDir, "pulumi"),
                [...args, "--non-interactive"],
                { cwd: projectDir, env, timeout: o.timeoutMs ?? CLI_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, killSignal: "SIGKILL" },
                (err, stdout, stderr) => {
                    const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
                    resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === -1 ? `\n${err.message}` : ""), ms: Date.now() - t0 });
                },
            );
            child.stdin?.on("error", () => undefined); // a CLI that exits early closes its stdin: its exit says why
            if (o.input !== undefined) child.stdin?.end(o.input);
        });

    // The replica plugins, installed from disk: nothing is downloaded.
    for (const pkg of Object.keys(VERSIONS)) {
        const dir = path.join(root, "plugins", pkg);
        fs.mkdirSync(dir, { recursive: true });
        const bin = path.join(dir, `pulumi-resource-${pkg}`);
        fs.writeFileSync(bin, pluginScript(pkg, build), { mode: 0o755 });
        const r = await pulumi(["plugin", "install", "resource", pkg, VERSIONS[pkg], "--file", dir], { timeoutMs: 60_000 });
        if (r.code !== 0) throw new Error(`cannot install the replica ${pkg} plugin: ${r.stderr.trim()}`);
    }
    const init = await pulumi(["stack", "init", stack], { timeoutMs: 60_000 });
    if (init.code !== 0) throw new Error(`pulumi stack init ${stack}: ${init.stderr.trim()}`);

    /** Per stack: each secret's value and the ciphertext the engine wrote for it (setConfig). */
    const ciphertexts = new Map<string, Map<string, { value: string; secure: string }>>();
    return {
        projectDir,
        stack,
        engine: opts.engine,
        program,
        env,
        pulumi,
        async setConfig(values, target = stack) {
            // As golive itself does (operations/automation setSecretFromStdin): the plain values through
            // set-all --json, each secret on its own with the value on stdin, never on a command
            // line where any user of the machine reads it (ps, /proc/<pid>/cmdline).
            // Objects and arrays go in structured (a declared `type: array` is checked as one); a
            // secret one as its JSON text: the CLI's set-all --json cannot store a secret object
            // (3.248: "invalid character 'v'"), and the program reads both the same way.
            const json: Record<string, { value: string; secret: false; objectValue?: unknown }> = {};
            const secrets: Array<[string, string]> = [];
            for (const [key, v] of Object.entries(values)) {
                if (v.secret) {
                    secrets.push([key, v.value]);
                    continue;
                }
                let objectValue: unknown;
                try {
                    const parsed = JSON.parse(v.value);
                    if (parsed && typeof parsed === "object") objectValue = parsed;
                } catch {
                    // plain text
                }
                json[key] = { value: v.value, secret: false, ...(objectValue !== undefined ? { objectValue } : {}) };
            }
            if (Object.keys(json).length > 0) {
                const r = await pulumi(["config", "set-all", "--stack", target, "--json", JSON.stringify(json)], { timeoutMs: 60_000 });
                if (r.code !== 0) throw new Error(`pulumi config set-all: ${r.stderr.trim()}`);
            }
            // A secret this workspace already had the engine encrypt for this stack goes back into the
            // stack file as the ciphertext the engine wrote (`secure: v1:…`, the stack's own salt and
            // passphrase): a phase's config is written anew each time, and one CLI run per secret per
            // phase was a fifth of a rehearsal's engine time. Of the others, only those whose value
            // the stack does not hold already are set (one read of its config), each by the engine
            // with its value on stdin, never on a command line. One after the other: each rewrites the file.
            const file = path.join(projectDir, `Pulumi.${target}.yaml`);
            const known = ciphertexts.get(target) ?? new Map<string, { value: string; secure: string }>();
            ciphertexts.set(target, known);
            const reused = secrets.filter(([k, v]) => known.get(k)?.value === v);
            addSecuredValues(file, Object.fromEntries(reused.map(([k]) => [k, known.get(k)!.secure])));
            const rest = secrets.filter(([k, v]) => known.get(k)?.value !== v);
            const current = rest.length > 0 ? await pulumi(["config", "--json", "--show-secrets", "--stack", target], { timeoutMs: 60_000 }) : undefined;
            let held: Record<string, { value?: string; secret?: boolean }> = {};
            try {
                held = current && current.code === 0 ? JSON.parse(current.stdout || "{}") : {};
            } catch {
                held = {};
            }
            for (const [key, value] of rest.filter(([k, v]) => !(held[k]?.secret === true && held[k]?.value === v))) {
                const r = await pulumi(["config", "set", "--stack", target, "--secret", "--raw", key], { timeoutMs: 60_000, input: value });
                if (r.code !== 0) throw new Error(`pulumi config set --secret ${key}: ${r.stderr.trim()}`);
                const secure = securedValues(file)[key];
                if (secure) known.set(key, { value, secure });
            }
        },
        commit(message) {
            git(projectDir, ["add", "-A"]);
            git(projectDir, ["commit", "-q", "--allow-empty", "-m", message]);
            return git(projectDir, ["rev-parse", "HEAD"]);
        },
        remove() {
            releaseScratchDir(root);
        },
    };
}
