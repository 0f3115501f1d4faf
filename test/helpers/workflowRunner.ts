// Runs a GitHub Actions workflow of .github/workflows on this machine, as a GitHub-hosted runner
// would for one event, for the tests: the jobs in the order of their `needs`, each job's `if`, its
// matrix (include) as the expressions give it, and each step in order — every `run:` script for real
// with bash (`bash --noprofile --norc -eo pipefail`, as `shell: bash`), in the checkout, with the
// environment GitHub gives a step (GITHUB_* variables, RUNNER_TEMP, the $GITHUB_OUTPUT, $GITHUB_ENV,
// $GITHUB_PATH and $GITHUB_STEP_SUMMARY files, the workflow's, job's and step's `env` evaluated
// with the event, inputs, vars, secrets, matrix, needs and steps contexts). A `uses:` step is
// replaced by what it provides (a stand-in, each saying what it stands for); an action without a
// stand-in fails the run, so a new action cannot slip by untested. Nothing here reaches GitHub.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { condition, evaluateValue, interpolate, asString, type Contexts, type Value } from "./workflowExpressions";

export interface WorkflowStep {
    id?: string;
    name?: string;
    if?: unknown;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
    shell?: string;
    "working-directory"?: string;
    "continue-on-error"?: unknown;
    "timeout-minutes"?: number;
}

export interface WorkflowJob {
    name?: string;
    needs?: string | string[];
    if?: unknown;
    "runs-on"?: unknown;
    environment?: unknown;
    concurrency?: unknown;
    outputs?: Record<string, string>;
    env?: Record<string, unknown>;
    strategy?: { matrix?: unknown; "fail-fast"?: unknown };
    steps: WorkflowStep[];
    permissions?: unknown;
    defaults?: { run?: { shell?: string } };
    "timeout-minutes"?: number;
}

export interface Workflow {
    name?: string;
    on: Record<string, unknown>;
    env?: Record<string, unknown>;
    defaults?: { run?: { shell?: string } };
    jobs: Record<string, WorkflowJob>;
    permissions?: unknown;
    concurrency?: unknown;
}

export function loadWorkflow(file: string): Workflow {
    // `on:` is a plain key for js-yaml's default (core) schema, never the boolean true.
    return yaml.load(fs.readFileSync(file, "utf8")) as Workflow;
}

export interface StepRecord {
    name: string;
    kind: "run" | "uses";
    outcome: "success" | "failure" | "skipped";
    exitCode?: number;
    stdout: string;
    stderr: string;
    /** What stood in for a `uses:` step, or why a step was skipped. */
    note?: string;
    env?: Record<string, string>;
}

export interface JobRun {
    job: string;
    matrix?: Record<string, Value>;
    environment?: string;
    concurrency?: string;
    result: "success" | "failure" | "skipped";
    outputs: Record<string, string>;
    steps: StepRecord[];
    /** $GITHUB_STEP_SUMMARY of every step, in order. */
    summary: string;
    runnerTemp?: string;
}

export interface StandInContext {
    with: Record<string, string>;
    step: WorkflowStep;
    env: Record<string, string>;
    runnerTemp: string;
    /** Runs a script as a `run:` step would, in the same job. */
    bash(script: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface StandInResult {
    outcome: "success" | "failure";
    /** What it stood for, said in the step's record. */
    note: string;
    outputs?: Record<string, string>;
    /** Directories added to PATH for the next steps ($GITHUB_PATH). */
    path?: string[];
    env?: Record<string, string>;
}

/** A `uses:` step's stand-in, by the action's name without its version (actions/checkout, ./.github/actions/x). */
export type StandIn = (ctx: StandInContext) => Promise<StandInResult>;

export interface RunnerSetup {
    /** The repository as checked out (GITHUB_WORKSPACE). */
    checkout: string;
    /** The machine's environment before GitHub adds its own (PATH, HOME, the engine, the backend...). */
    machineEnv: NodeJS.ProcessEnv;
    secrets: Record<string, string>;
    vars: Record<string, string>;
    event: { name: string; payload: Record<string, unknown> };
    github: { repository: string; runId: string; runAttempt: string; actor: string; sha: string; ref: string; serverUrl: string; apiUrl: string; token: string };
    standIns: Record<string, StandIn>;
    /** Where each job's RUNNER_TEMP is made. */
    tmpRoot: string;
    /** Longest a `run:` step may take (it is killed after). */
    stepTimeoutMs?: number;
    /** Runner name given to every job (RUNNER_NAME). */
    runnerName?: string;
    /** Called as each step ends (e.g. to print it under GOLIVE_TEST_VERBOSE). */
    onStep?(job: string, step: StepRecord): void;
}

function parseFileCommands(file: string): Record<string, string> {
    // NAME=value lines, and NAME<<DELIMITER … DELIMITER blocks.
    const out: Record<string, string> = {};
    if (!fs.existsSync(file)) return out;
    const lines = fs.readFileSync(file, "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!line.trim()) continue;
        const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
        if (heredoc) {
            const body: string[] = [];
            for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i]);
            if (i >= lines.length) throw new Error(`${path.basename(file)}: ${heredoc[1]}<<${heredoc[2]} has no closing delimiter`);
            out[heredoc[1]] = body.join("\n");
            continue;
        }
        const eq = line.indexOf("=");
        if (eq <= 0) throw new Error(`${path.basename(file)}: line ${JSON.stringify(line)} is neither NAME=value nor NAME<<DELIMITER`);
        out[line.slice(0, eq)] = line.slice(eq + 1);
    }
    return out;
}

function runBash(script: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
    const file = path.join(env.RUNNER_TEMP, `step-${Date.now()}-${Math.random().toString(36).slice(2)}.sh`);
    fs.writeFileSync(file, script);
    return new Promise((resolve) => {
        const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
        child.stderr.on("data", (d: Buffer) => {
            stderr += d.toString("utf8");
            if (process.env.GOLIVE_TEST_VERBOSE) process.stderr.write(d);
        });
        // The whole process group goes, whatever the script started.
        const timer = setTimeout(() => {
            stderr += `\n[runner] step killed after ${timeoutMs} ms`;
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // already gone
            }
        }, timeoutMs);
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // the group is gone
            }
            resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
        });
    });
}

function actionName(uses: string): string {
    return uses.startsWith("./") ? uses : uses.replace(/@.*$/, "");
}

function stringMap(raw: Record<string, unknown> | undefined, ctx: Contexts, status: "success" | "failure"): Record<string, string> {
    return Object.fromEntries(Object.entries(raw ?? {}).map(([k, v]) => [k, asString(evaluateValue(v, ctx, { status }))]));
}

/** Inputs as the workflow_dispatch event gives them: the event's values over the declared defaults. */
function inputsOf(wf: Workflow, event: RunnerSetup["event"]): Record<string, Value> {
    if (event.name !== "workflow_dispatch") return {};
    const declared = ((wf.on.workflow_dispatch as { inputs?: Record<string, { default?: unknown; type?: string }> } | null)?.inputs ?? {}) as Record<string, { default?: unknown; type?: string }>;
    const given = (event.payload.inputs ?? {}) as Record<string, Value>;
    const out: Record<string, Value> = {};
    for (const [k, d] of Object.entries(declared)) out[k] = given[k] ?? (d.default as Value) ?? (d.type === "boolean" ? false : "");
    return out;
}

function jobOrder(wf: Workflow): string[] {
    const order: string[] = [];
    const visit = (id: string, seen: string[]) => {
        if (order.includes(id)) return;
        if (seen.includes(id)) throw new Error(`the jobs' needs loop: ${[...seen, id].join(" → ")}`);
        const job = wf.jobs[id];
        if (!job) throw new Error(`needs names job ${id}, which the workflow does not have`);
        for (const n of [job.needs ?? []].flat()) visit(n, [...seen, id]);
        order.push(id);
    };
    for (const id of Object.keys(wf.jobs)) visit(id, []);
    return order;
}

export interface WorkflowRun {
    jobs: JobRun[];
    /** The run of job `id` (the first matrix combination unless `matrix` says which). */
    job(id: string, matrix?: Record<string, Value>): JobRun;
}

/** Runs the workflow for the setup's event; resolves when every job has ended or was skipped. */
export async function runWorkflow(wf: Workflow, setup: RunnerSetup): Promise<WorkflowRun> {
    const runs: JobRun[] = [];
    const needsResults: Record<string, { result: string; outputs: Record<string, string> }> = {};
    const inputs = inputsOf(wf, setup.event);
    const eventFile = path.join(fs.mkdtempSync(path.join(setup.tmpRoot, "event-")), "event.json");
    fs.writeFileSync(eventFile, JSON.stringify(setup.event.payload));
    const github: Record<string, Value> = {
        event_name: setup.event.name,
        event: setup.event.payload as Value,
        repository: setup.github.repository,
        repository_owner: setup.github.repository.split("/")[0],
        run_id: setup.github.runId,
        run_attempt: setup.github.runAttempt,
        actor: setup.github.actor,
        sha: setup.github.sha,
        ref: setup.github.ref,
        server_url: setup.github.serverUrl,
        api_url: setup.github.apiUrl,
        token: setup.github.token,
        workspace: setup.checkout,
        workflow: wf.name ?? "",
    };
    for (const id of jobOrder(wf)) {
        const job = wf.jobs[id];
        const needs = [job.needs ?? []].flat();
        const needsCtx: Record<string, Value> = Object.fromEntries(needs.map((n) => [n, { result: needsResults[n].result, outputs: needsResults[n].outputs }]));
        const upstream = needs.every((n) => needsResults[n].result === "success") ? "success" : "failure";
        const base: Contexts = { github, inputs, vars: setup.vars, secrets: setup.secrets, needs: needsCtx, env: {}, matrix: {}, strategy: {}, runner: { os: "Linux", arch: "X64", temp: "", name: "" }, steps: {}, job: {} };
        // A job whose needs did not all succeed is skipped unless its `if` asks for it (always()...).
        const runIt = condition(job.if, base, { status: upstream });
        if (!runIt) {
            const skipped: JobRun = { job: id, result: "skipped", outputs: {}, steps: [], summary: "" };
            runs.push(skipped);
            needsResults[id] = { result: "skipped", outputs: {} };
            continue;
        }
        let combinations: Array<Record<string, Value>> = [{}];
        const matrix = job.strategy?.matrix;
        if (matrix !== undefined) {
            const m = evaluateValue(matrix, base) as Value;
            const include = (typeof m === "object" && m !== null && !Array.isArray(m) ? evaluateValue((m as Record<string, Value>).include, base) : null) as Value;
            if (!Array.isArray(include)) throw new Error(`job ${id}: only a matrix of include entries is supported by the tests' runner`);
            if (include.length === 0) throw new Error(`job ${id}: the matrix is empty (GitHub fails such a run: "Matrix vector 'include' does not contain any values")`);
            combinations = include as Array<Record<string, Value>>;
        }
        const results: JobRun[] = [];
        for (const combo of combinations) results.push(await runJob(id, job, wf, setup, { ...base, matrix: combo }, eventFile));
        runs.push(...results);
        const result = results.every((r) => r.result === "success") ? "success" : "failure";
        needsResults[id] = { result, outputs: results[results.length - 1].outputs };
    }
    return {
        jobs: runs,
        job(id, matrix) {
            const found = runs.filter((r) => r.job === id && (!matrix || Object.entries(matrix).every(([k, v]) => r.matrix?.[k] === v)));
            if (found.length === 0) throw new Error(`no run of job ${id}${matrix ? ` with ${JSON.stringify(matrix)}` : ""}; jobs: ${runs.map((r) => `${r.job}(${r.result})`).join(", ")}`);
            return found[0];
        },
    };
}

async function runJob(id: string, job: WorkflowJob, wf: Workflow, setup: RunnerSetup, ctx: Contexts, eventFile: string): Promise<JobRun> {
    const runnerTemp = fs.mkdtempSync(path.join(setup.tmpRoot, `runner-${id}-`));
    const runnerName = setup.runnerName ?? "GitHub Actions 7";
    ctx.runner = { os: "Linux", arch: "X64", temp: runnerTemp, name: runnerName };
    const record: JobRun = { job: id, ...(Object.keys(ctx.matrix as object).length ? { matrix: ctx.matrix as Record<string, Value> } : {}), result: "success", outputs: {}, steps: [], summary: "", runnerTemp };
    if (job.environment !== undefined) {
        const e = evaluateValue(typeof job.environment === "object" && job.environment !== null ? (job.environment as { name?: unknown }).name : job.environment, ctx);
        record.environment = asString(e);
    }
    if (job.concurrency !== undefined) {
        const c = typeof job.concurrency === "object" && job.concurrency !== null ? (job.concurrency as { group?: unknown }).group : job.concurrency;
        record.concurrency = asString(evaluateValue(c, ctx));
    }
    const workflowEnv = stringMap(wf.env, ctx, "success");
    ctx.env = workflowEnv;
    const jobEnv = { ...workflowEnv, ...stringMap(job.env, ctx, "success") };
    ctx.env = jobEnv;
    const addedEnv: Record<string, string> = {};
    const addedPath: string[] = [];
    const steps: Record<string, Value> = {};
    ctx.steps = steps;
    let status: "success" | "failure" = "success";
    const shell = job.defaults?.run?.shell ?? wf.defaults?.run?.shell ?? "bash";
    if (shell !== "bash") throw new Error(`job ${id}: the tests' runner runs bash steps only, got shell ${shell}`);
    const githubEnv = (stepName: string, files: Record<string, string>): Record<string, string> => ({
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_WORKSPACE: setup.checkout,
        GITHUB_REPOSITORY: setup.github.repository,
        GITHUB_REPOSITORY_OWNER: setup.github.repository.split("/")[0],
        GITHUB_RUN_ID: setup.github.runId,
        GITHUB_RUN_NUMBER: "1",
        GITHUB_RUN_ATTEMPT: setup.github.runAttempt,
        GITHUB_SERVER_URL: setup.github.serverUrl,
        GITHUB_API_URL: setup.github.apiUrl,
        GITHUB_EVENT_NAME: setup.event.name,
        GITHUB_EVENT_PATH: eventFile,
        GITHUB_SHA: setup.github.sha,
        GITHUB_REF: setup.github.ref,
        GITHUB_ACTOR: setup.github.actor,
        GITHUB_WORKFLOW: wf.name ?? "",
        GITHUB_JOB: id,
        GITHUB_ACTION: stepName,
        RUNNER_OS: "Linux",
        RUNNER_ARCH: "X64",
        RUNNER_NAME: runnerName,
        RUNNER_TEMP: runnerTemp,
        ...files,
    });
    for (const [i, step] of job.steps.entries()) {
        const name = step.name ? interpolate(step.name, ctx) : step.uses ? `Run ${step.uses}` : `Run ${String(step.run).split("\n")[0]}`;
        const stepId = step.id ?? `__step${i}`;
        if (!condition(step.if, ctx, { status })) {
            const r: StepRecord = { name, kind: step.uses ? "uses" : "run", outcome: "skipped", stdout: "", stderr: "", note: `if: ${String(step.if ?? "success()")} is false` };
            record.steps.push(r);
            steps[stepId] = { outcome: "skipped", conclusion: "skipped", outputs: {} };
            setup.onStep?.(id, r);
            continue;
        }
        const stepEnv = { ...jobEnv, ...addedEnv, ...stringMap(step.env, ctx, status) };
        const files = {
            GITHUB_OUTPUT: path.join(runnerTemp, `output-${i}`),
            GITHUB_ENV: path.join(runnerTemp, `env-${i}`),
            GITHUB_PATH: path.join(runnerTemp, `path-${i}`),
            GITHUB_STEP_SUMMARY: path.join(runnerTemp, `summary-${i}`),
        };
        for (const f of Object.values(files)) fs.writeFileSync(f, "");
        const machinePath = setup.machineEnv.PATH ?? "";
        const env: Record<string, string> = Object.fromEntries(
            Object.entries({ ...setup.machineEnv, ...githubEnv(stepId, files), ...stepEnv, PATH: [...addedPath].reverse().concat(machinePath).join(path.delimiter) }).filter((e): e is [string, string] => typeof e[1] === "string"),
        );
        const bash = (script: string) => runBash(script, setup.checkout, env, setup.stepTimeoutMs ?? 300_000);
        let r: StepRecord;
        let outputs: Record<string, string> = {};
        if (step.uses) {
            const standIn = setup.standIns[actionName(step.uses)];
            if (!standIn) throw new Error(`job ${id}, step "${name}": no stand-in for ${step.uses}: say what it provides (RunnerSetup.standIns)`);
            const res = await standIn({ with: stringMap(step.with, ctx, status), step, env, runnerTemp, bash });
            // A stand-in may run scripts that write the step's files, as the action's own would.
            outputs = { ...parseFileCommands(files.GITHUB_OUTPUT), ...(res.outputs ?? {}) };
            Object.assign(addedEnv, parseFileCommands(files.GITHUB_ENV), res.env ?? {});
            addedPath.push(...fs.readFileSync(files.GITHUB_PATH, "utf8").split("\n").filter(Boolean), ...(res.path ?? []));
            r = { name, kind: "uses", outcome: res.outcome, stdout: "", stderr: "", note: res.note };
        } else {
            if (step.shell && step.shell !== "bash") throw new Error(`job ${id}, step "${name}": shell ${step.shell} is not run by the tests' runner`);
            // GitHub evaluates expressions in a script before it runs.
            const script = interpolate(String(step.run), ctx, { status });
            const cwd = step["working-directory"] ? path.resolve(setup.checkout, interpolate(step["working-directory"], ctx)) : setup.checkout;
            const res = await runBash(script, cwd, env, setup.stepTimeoutMs ?? 300_000);
            outputs = parseFileCommands(files.GITHUB_OUTPUT);
            Object.assign(addedEnv, parseFileCommands(files.GITHUB_ENV));
            addedPath.push(...fs.readFileSync(files.GITHUB_PATH, "utf8").split("\n").filter(Boolean));
            r = { name, kind: "run", outcome: res.code === 0 ? "success" : "failure", exitCode: res.code, stdout: res.stdout, stderr: res.stderr, env: stepEnv };
        }
        record.summary += fs.readFileSync(files.GITHUB_STEP_SUMMARY, "utf8");
        record.steps.push(r);
        setup.onStep?.(id, r);
        const continueOnError = step["continue-on-error"] !== undefined && !!evaluateValue(step["continue-on-error"], ctx);
        steps[stepId] = { outcome: r.outcome, conclusion: r.outcome === "failure" && continueOnError ? "success" : r.outcome, outputs };
        if (r.outcome === "failure" && !continueOnError) status = "failure";
    }
    record.result = status;
    record.outputs = stringMap(job.outputs, ctx, status);
    return record;
}

/** A temporary folder for a run's jobs, removed with `remove()`. */
export function runnerTmp(): { dir: string; remove(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-runner-"));
    return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** actions/upload-artifact and actions/download-artifact, kept in a folder of the test. */
export function artifactStandIns(store: string): Record<string, StandIn> {
    fs.mkdirSync(store, { recursive: true });
    return {
        "actions/upload-artifact": async ({ with: w }) => {
            const name = w.name || "artifact";
            const src = w.path;
            const files = src && fs.existsSync(src) ? (fs.statSync(src).isDirectory() ? fs.readdirSync(src) : [path.basename(src)]) : [];
            if (files.length === 0) {
                if ((w["if-no-files-found"] || "warn") === "error") return { outcome: "failure", note: `upload-artifact ${name}: no files at ${src}` };
                return { outcome: "success", note: `upload-artifact ${name}: no files at ${src} (${w["if-no-files-found"] || "warn"})` };
            }
            const dst = path.join(store, name);
            if (fs.existsSync(dst)) return { outcome: "failure", note: `upload-artifact ${name}: an artifact of this name exists in the run (v4 refuses it)` };
            fs.cpSync(src, fs.statSync(src).isDirectory() ? dst : path.join(dst, path.basename(src)), { recursive: true });
            return { outcome: "success", note: `upload-artifact ${name}: ${files.length} file(s) kept` };
        },
        "actions/download-artifact": async ({ with: w }) => {
            const pattern = w.pattern ? new RegExp(`^${w.pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`) : undefined;
            const names = fs.readdirSync(store).filter((n) => (w.name ? n === w.name : pattern ? pattern.test(n) : true));
            const dst = w.path;
            fs.mkdirSync(dst, { recursive: true });
            for (const n of names) fs.cpSync(path.join(store, n), w["merge-multiple"] === "true" || w.name ? dst : path.join(dst, n), { recursive: true });
            return { outcome: "success", note: `download-artifact: ${names.join(", ") || "nothing"} into ${dst}` };
        },
    };
}
