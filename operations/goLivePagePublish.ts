// Where the go-live page goes once a guided command has its verdict (issue 26, golive:report):
// written into the project's pages/ (or golive:report.dir) with the JSON it was rendered from, then
// uploaded by the agency's own command when one is configured, and linked by its published address
// or its path. The upload is an argument vector run without a shell (spawn, as execFile does) (nothing in it is read as code;
// the values golive puts in — an absolute path, a file name starting with "golive-" — are never
// read as options), in its own process group, stopped with everything it started at its bound. It
// never throws and never changes the go-live's verdict: a failed upload is said and recorded.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseReportConfig, type ReportConfig } from "../config/reportConfig";
import { NAMESPACE } from "../config/config";
import { readStackFile } from "../config/stackFile";
import { PROGRAM_DIR } from "../shared/programDir";
import { redact } from "../shared/redact";

/** Where the pages go without golive:report.dir: `<project>/pages`, beside `records/` (the records directory keeps the Markdown records alone). */
export const PAGES_DIR = "pages";

/** The guided runs that write a page: a cutover (finished by golive recover --finish too), golive rollback, golive recover --rollback. */
export type PageRun = "cutover" | "rollback" | "recover";

export interface PageUpload {
    ok: boolean;
    /** What came of it, one line: "exit 0", "exit 3: <last stderr line>", "stopped after 120 s". */
    detail: string;
    ms: number;
}

export interface PublishedPage {
    /** The page on this machine (absolute). */
    file: string;
    /** What the messages link: `<golive:report.url>/<name>` once uploaded (or with no upload to run), else the file. */
    link: string;
    upload?: PageUpload;
}

/** Grace after the kill for the pipes to close before the upload is given up on. */
const AFTER_KILL_MS = 5_000;
const OUTPUT_MAX = 64 * 1024;

/** The argument vector of the upload: `{file}` and `{name}` filled in, else the path added last. */
export function uploadArgv(command: readonly string[], file: string): string[] {
    if (!path.isAbsolute(file)) throw new Error(`the page's path must be absolute, got ${file}`);
    const name = path.basename(file);
    const filled = command.map((a) => a.split("{file}").join(file).split("{name}").join(name));
    return command.some((a) => a.includes("{file}")) ? filled : [...filled, file];
}

/**
 * The upload's environment: the operator's, without what belongs to the engine and the providers
 * (the stack's passphrase, Pulumi's, Vercel's and Cloudflare's tokens): the agency's tool has its own.
 */
export function uploadEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(env).filter(([k]) => !/^PULUMI_/.test(k) && !/^(VERCEL|CLOUDFLARE)_API_(TOKEN|KEY)$|^CLOUDFLARE_EMAIL$/.test(k)));
}

/** Runs the upload: exit 0 passes; any other end (exit code, signal, no program, the bound) is said. */
export function uploadPage(command: readonly string[], file: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<PageUpload> {
    const [program, ...args] = uploadArgv(command, file);
    const started = Date.now();
    return new Promise((resolve) => {
        let settled = false;
        let stopped = false;
        let stderr = "";
        let grace: NodeJS.Timeout | undefined;
        const done = (u: Omit<PageUpload, "ms">) => {
            if (settled) return;
            settled = true;
            clearTimeout(bound);
            clearTimeout(grace);
            resolve({ ...u, detail: redact(u.detail), ms: Date.now() - started });
        };
        const bounded = `stopped after ${Math.round(timeoutMs / 1000)} s (golive:report.uploadTimeoutSeconds)`;
        // No shell; its own process group (detached), so the bound ends whatever the command started too.
        const child = spawn(program, args, { shell: false, detached: true, windowsHide: true, env: uploadEnv(env), stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.resume();
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
            if (stderr.length < OUTPUT_MAX) stderr += d;
        });
        child.once("error", (err: NodeJS.ErrnoException) => done({ ok: false, detail: err.code === "ENOENT" ? `${program} not found (golive:report.uploadCommand[0])` : `${program} could not start: ${err.message}` }));
        child.once("close", (code, signal) => {
            const last = stderr.trim().split("\n").pop()?.slice(0, 300) ?? "";
            if (stopped) return done({ ok: false, detail: bounded });
            if (code === 0) return done({ ok: true, detail: "exit 0" });
            done({ ok: false, detail: `${code !== null ? `exit ${code}` : `ended by ${signal}`}${last ? `: ${last}` : ""}` });
        });
        const bound = setTimeout(() => {
            stopped = true;
            killGroup(child.pid);
            grace = setTimeout(() => {
                child.stdout.destroy();
                child.stderr.destroy();
                done({ ok: false, detail: `${bounded}; its output did not close` });
            }, AFTER_KILL_MS);
        }, timeoutMs);
    });
}

function killGroup(pid: number | undefined): void {
    if (!pid) return;
    try {
        process.kill(-pid, "SIGKILL");
    } catch {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
}

/**
 * Writes the page (and `<page>.json`, what it was rendered from: `golive report --from` renders it
 * again, in another language) into golive:report.dir or `defaultDir`, uploads it when configured,
 * and says what to link. Throws only when the page cannot be written.
 */
export async function publishPage(o: { html: string; json: unknown; name: string; defaultDir: string; report: Readonly<ReportConfig>; env?: NodeJS.ProcessEnv }): Promise<PublishedPage> {
    const dir = path.resolve(o.report.dir ?? o.defaultDir);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, o.name);
    fs.writeFileSync(file, o.html);
    fs.writeFileSync(`${file}.json`, JSON.stringify(o.json, null, 1));
    const upload = o.report.uploadCommand ? await uploadPage(o.report.uploadCommand, file, o.report.uploadTimeoutSeconds * 1000, o.env) : undefined;
    const published = o.report.url && (!upload || upload.ok);
    return { file, link: published ? `${o.report.url}/${encodeURIComponent(o.name)}` : file, ...(upload ? { upload } : {}) };
}

/**
 * What a guided command sent about its page (MEP-17's page, R-3) kept with `<page>.json`, beside
 * what the page was rendered from: the one record of those messages that `golive report --stack`
 * reads (the stack's history holds the rollback, written before R-3 could be sent). Throws when
 * the file cannot be written.
 */
export function keepWithPage(file: string, json: Record<string, unknown>, more: Record<string, unknown>): void {
    fs.writeFileSync(`${file}.json`, JSON.stringify({ ...json, ...more }, null, 1));
}

/** `golive-<stack>-<run>-<time>[-n].html.json`: the run (1) and its time stamp (2). */
function pageJsonName(stack: string): RegExp {
    const escaped = stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return new RegExp(`^golive-${escaped}-(cutover|rollback|recover)-(\\d{8}T\\d{6}Z)(?:-\\d+)?\\.html\\.json$`);
}

/** `<page>.json` files of a stack's guided runs in `dir`, newest run first (the name's time stamp). */
export function stackPageJsons(dir: string, stack: string): string[] {
    const name = pageJsonName(stack);
    let files: string[];
    try {
        files = fs.readdirSync(dir);
    } catch {
        return [];
    }
    return files
        .map((f) => ({ f, m: name.exec(f) }))
        .filter((x): x is { f: string; m: RegExpExecArray } => !!x.m)
        .sort((a, b) => (a.m[2] === b.m[2] ? b.f.localeCompare(a.f) : b.m[2].localeCompare(a.m[2])))
        .map((x) => path.join(dir, x.f));
}

/**
 * The stack's page JSONs where the guided commands write them (golive:report.dir of its stack file,
 * else `pages/` beside it), newest run first, each with the run that wrote it; a file that is not
 * JSON is left out. `cwd` is where the stack file is looked for first (then this program's directory).
 */
export function stackPages(stack: string, cwd = process.cwd()): Array<{ run: PageRun; json: unknown }> {
    let dir: string;
    try {
        const { file, values } = readStackFile(stack, [cwd, PROGRAM_DIR]);
        const raw = values[`${NAMESPACE}:report`];
        const report = parseReportConfig({ get: (k) => (k === "report" && raw !== undefined ? (typeof raw === "string" ? raw : JSON.stringify(raw)) : undefined), isSecret: () => false });
        dir = report.dir ? path.resolve(cwd, report.dir) : path.join(path.dirname(file), PAGES_DIR);
    } catch {
        return [];
    }
    const name = pageJsonName(stack);
    return stackPageJsons(dir, stack).flatMap((f) => {
        try {
            return [{ run: name.exec(path.basename(f))![1] as PageRun, json: JSON.parse(fs.readFileSync(f, "utf8")) as unknown }];
        } catch {
            return [];
        }
    });
}

/** The stack's page JSONs alone, newest first (golive report --stack: R-3, the pictures and the timeline). */
export function stackPageFiles(stack: string, cwd = process.cwd()): unknown[] {
    return stackPages(stack, cwd).map((p) => p.json);
}
