// `golive ci <targets|approval|comment>`: the glue the GitHub workflows need, as golive commands
// (tested like the others, never typed by hand):
//   targets   which stacks a pull request, a merge or a dispatch concerns, and the phase of each
//             (the stack file's golive:phase), as the JSON a workflow's matrix takes;
//   approval  P-01 from the run: the required reviewer of the stack's GitHub environment who
//             approved this run and when, read from GitHub's API, written to the stack config
//             (golive:approvedBy / golive:approvedAt) for a cutover and to the job's environment;
//   comment   the pull request's one golive comment, created or edited (found by a hidden marker).
import * as fs from "fs";
import * as path from "path";
import { PHASES, NAMESPACE } from "../config/config";
import { approvalDateProblem } from "../config/approvalDate";
import { approvalOf, approvedByText, APPROVAL_ENV, jobStartOf, runUrlOf, type CiApproval, type EnvironmentReview, type RunJob } from "../operations/ciContext";
import { commentMarker, renderPlanComment, type CommentTarget } from "../rendering/markdownSummary";
import { PROGRAM_PATHS } from "../operations/rollback";
import { readStackFile, STACK_NAME } from "../config/stackFile";
import { checkedStackName, parseCommandLine, valuesOrExit } from "./args";
import { githubApiOf, repositoryOf, type GitHubApi } from "./githubApi";
import { DEFAULT_DEPS, PROGRAM_DIR } from "./guided";
import type { GuidedDeps } from "../operations/guided";
import { ENVIRONMENT_NAME } from "./plan";
import { stacksIn } from "../operations/stackSurvey";

export const USAGE = [
    "usage: golive ci targets  --for preview|apply (--files <file>|- | --stack <stack> --phase <phase>) [--dir <project dir>]",
    "       golive ci approval --stack <stack> --phase prepare|cutover --environment <environment> [--dir <project dir>]",
    "       golive ci comment  --pr <number> --marker <name> --from-dir <dir> [--targets <json>] [--sha <commit>]",
    "",
    "What the GitHub workflows (.github/workflows) run between golive's own commands:",
    "  targets   the stacks to preview or apply, as JSON for a matrix: [{\"stack\":…,\"phase\":…}]. --files lists the",
    "            changed files (one a line; - reads stdin): a changed Pulumi.<stack>.yaml is that stack at its",
    "            golive:phase; for a preview, a change of the program (index.ts, components/, program/, config/, checks/…) is every stack.",
    "            An apply takes prepare and cutover only (adopt writes the stack file: it runs from a terminal).",
    "  approval  P-01 from this run (GitHub Actions): the last approval of <environment> in the run's review history",
    "            (who), the approved job's start (when); for a cutover, written as golive:approvedBy / golive:approvedAt.",
    "            Reads GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, RUNNER_NAME, GITHUB_TOKEN",
    "            (permission actions: read); writes GOLIVE_CI_APPROVAL to $GITHUB_ENV for the record.",
    "  comment   creates or edits the pull request's comment that starts with <!-- golive:<marker> -->, from the",
    "            Markdown files in --from-dir (one per stack, <stack>.md); GITHUB_TOKEN needs pull-requests: write.",
    "",
    "Exit code: 0 done, 1 refused or failed (no approval, an API error), 2 bad usage.",
].join("\n");

export interface CiDeps extends GuidedDeps {
    /** Writes the stack's config values (default: through the Automation API). */
    writeConfig?(stack: string, dir: string, values: Record<string, string>, env: NodeJS.ProcessEnv): Promise<Record<string, string | undefined>>;
}

function filePhaseOf(stack: string, dir: string): string {
    const phase = readStackFile(stack, [dir]).values[`${NAMESPACE}:phase`];
    return typeof phase === "string" && phase ? phase : "adopt";
}

const isProgramFile = (f: string) => PROGRAM_PATHS.some((p) => f === p || f.startsWith(`${p}/`));

/** Which stacks a list of changed files concerns, and the phase of each; `notes` says what was left out and why. */
export function targetsOf(kind: "preview" | "apply", changed: readonly string[], dir: string): { targets: CommentTarget[]; notes: string[] } {
    const notes: string[] = [];
    const files = [...new Set(changed.map((f) => f.trim().replace(/^\.\//, "")).filter(Boolean))];
    const named = files.map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s);
    const stacks = new Set<string>();
    for (const s of named) {
        if (!STACK_NAME.test(s)) notes.push(`Pulumi.${s}.yaml: not a stack name golive takes; left out`);
        else if (!fs.existsSync(path.join(dir, `Pulumi.${s}.yaml`))) notes.push(`Pulumi.${s}.yaml was removed: nothing to ${kind}`);
        else stacks.add(s);
    }
    const program = files.filter(isProgramFile);
    if (program.length > 0) {
        if (kind === "preview") {
            for (const s of stacksIn(dir)) stacks.add(s);
            notes.push(`the program changed (${program.slice(0, 5).join(", ")}${program.length > 5 ? `, and ${program.length - 5} more` : ""}): every stack is previewed`);
        } else {
            notes.push(`the program changed (${program.slice(0, 5).join(", ")}${program.length > 5 ? "…" : ""}): it is applied to a stack only when its stack file changes, or by a dispatch of golive apply`);
        }
    }
    const targets: CommentTarget[] = [];
    for (const stack of [...stacks].sort()) {
        const phase = filePhaseOf(stack, dir);
        if (kind === "apply" && phase !== "prepare" && phase !== "cutover") {
            notes.push(`${stack}: golive:phase is ${phase}; an apply from CI runs prepare or cutover (adopt writes golive:liveRecords into the stack file: run it from a terminal and commit the file)`);
            continue;
        }
        targets.push({ stack, phase });
    }
    return { targets, notes };
}

type Io = Pick<GuidedDeps, "out" | "err">;

async function readFilesList(from: string): Promise<string> {
    if (from !== "-") return fs.readFileSync(from, "utf8");
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}

async function targetsCommand(argv: string[], deps: CiDeps, readList: (from: string) => Promise<string>): Promise<number> {
    const parsed = parseCommandLine(argv, { for: { type: "string" }, files: { type: "string" }, stack: { type: "string" }, phase: { type: "string" }, dir: { type: "string" } });
    const v = valuesOrExit("ci targets", parsed, USAGE, deps);
    if (typeof v === "number") return v;
    const o = v as { for?: string; files?: string; stack?: string; phase?: string; dir?: string };
    const usage = (e: string) => (deps.err(`golive ci targets: ${e}\n\n${USAGE}`), 2);
    if (o.for !== "preview" && o.for !== "apply") return usage(`--for must be preview or apply, got ${JSON.stringify(o.for ?? "")}`);
    const dir = o.dir !== undefined ? path.resolve(o.dir) : PROGRAM_DIR;
    if ((o.files === undefined) === (o.stack === undefined)) return usage("give either --files, or --stack with --phase");
    let result: { targets: CommentTarget[]; notes: string[] };
    if (o.stack !== undefined) {
        const stack = checkedStackName(o.stack);
        if (typeof stack !== "string") return usage(stack.error);
        const allowed: readonly string[] = o.for === "apply" ? ["prepare", "cutover"] : PHASES;
        if (!o.phase || !allowed.includes(o.phase)) return usage(`--phase must be one of ${allowed.join(", ")}, got ${JSON.stringify(o.phase ?? "")}`);
        if (!fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`))) {
            deps.err(`golive ci targets: no Pulumi.${stack}.yaml in ${dir}: ${stacksIn(dir).length > 0 ? `the stacks here are ${stacksIn(dir).join(", ")}` : "no stack file here"}`);
            return 1;
        }
        result = { targets: [{ stack, phase: o.phase }], notes: [] };
    } else {
        let list: string;
        try {
            list = await readList(o.files!);
        } catch (err) {
            deps.err(`golive ci targets: --files ${o.files}: ${(err as Error).message}`);
            return 3;
        }
        result = targetsOf(o.for, list.split("\n"), dir);
    }
    for (const n of result.notes) deps.err(`golive ci targets: ${n}`);
    deps.err(`golive ci targets: ${result.targets.length === 0 ? `nothing to ${o.for}` : result.targets.map((t) => `${t.stack} (${t.phase})`).join(", ")}`);
    deps.out(JSON.stringify(result.targets));
    return 0;
}

/** Appends NAME=value to the file GitHub Actions reads between steps ($GITHUB_ENV); a value is one line. */
function appendJobEnv(env: NodeJS.ProcessEnv, name: string, value: string): boolean {
    const file = env.GITHUB_ENV;
    if (!file) return false;
    if (/[\r\n]/.test(value)) throw new Error(`${name} must be one line`);
    fs.appendFileSync(file, `${name}=${value}\n`);
    return true;
}

async function writeConfigThroughEngine(stack: string, dir: string, values: Record<string, string>, env: NodeJS.ProcessEnv): Promise<Record<string, string | undefined>> {
    const { openStack, readConfig } = await import("../operations/engineStack");
    const gs = await openStack(stack, dir, env);
    const before = await readConfig(gs);
    await gs.stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value, secret: false }])));
    return Object.fromEntries(Object.keys(values).map((k) => [k, before[k]?.value]));
}

/** P-01 from the run: who approved the stack's environment in this run, and when. */
export async function readRunApproval(api: GitHubApi, repo: string, env: NodeJS.ProcessEnv, environment: string, now: number): Promise<CiApproval | { missing: string }> {
    const runId = env.GITHUB_RUN_ID ?? "";
    if (!/^\d+$/.test(runId)) return { missing: `GITHUB_RUN_ID must be the run's number, got ${JSON.stringify(runId)}` };
    const attempt = /^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? "") ? env.GITHUB_RUN_ATTEMPT! : "1";
    const reviews = await api.get<EnvironmentReview[]>(`/repos/${repo}/actions/runs/${runId}/approvals`);
    const found = approvalOf(Array.isArray(reviews) ? reviews : [], environment);
    if ("missing" in found) return found;
    // GitHub's review history says who, not when: the approved job starts once its reviewers approve.
    const jobs = await api.get<{ jobs?: RunJob[] }>(`/repos/${repo}/actions/runs/${runId}/attempts/${attempt}/jobs?per_page=100`);
    const started = jobStartOf(jobs?.jobs ?? [], env.RUNNER_NAME);
    const at = started && !Number.isNaN(Date.parse(started)) ? new Date(started).toISOString() : new Date(now).toISOString();
    return {
        by: found.by,
        at,
        environment,
        ...(found.comment ? { comment: found.comment } : {}),
        atFrom: started ? "the approved job's start, from GitHub's jobs API: a job waits for its environment's reviewers" : "when golive read the approval in the approved job (the jobs API did not give this job's start)",
    };
}

async function approvalCommand(argv: string[], deps: CiDeps): Promise<number> {
    const parsed = parseCommandLine(argv, { stack: { type: "string" }, phase: { type: "string" }, environment: { type: "string" }, dir: { type: "string" } });
    const v = valuesOrExit("ci approval", parsed, USAGE, deps);
    if (typeof v === "number") return v;
    const o = v as { stack?: string; phase?: string; environment?: string; dir?: string };
    const usage = (e: string) => (deps.err(`golive ci approval: ${e}\n\n${USAGE}`), 2);
    const stack = checkedStackName(o.stack);
    if (typeof stack !== "string") return usage(stack.error);
    if (o.phase !== "prepare" && o.phase !== "cutover") return usage(`--phase must be prepare or cutover, got ${JSON.stringify(o.phase ?? "")}`);
    if (!o.environment || !ENVIRONMENT_NAME.test(o.environment)) return usage(`--environment must be the stack's GitHub environment, e.g. golive-${stack}, got ${JSON.stringify(o.environment ?? "")}`);
    const dir = o.dir !== undefined ? path.resolve(o.dir) : PROGRAM_DIR;
    const fail = (m: string) => (deps.err(`golive ci approval: ${m}`), 1);
    const runUrl = runUrlOf(deps.env);
    const api = githubApiOf(deps.env);
    const repo = repositoryOf(deps.env);
    if (!runUrl) return fail("not in a GitHub Actions run (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID): P-01 from CI needs the run");
    if ("missing" in api) return fail(api.missing);
    if (typeof repo !== "string") return fail(repo.missing);
    let approval: CiApproval | { missing: string };
    try {
        approval = await readRunApproval(api, repo, deps.env, o.environment, deps.now());
    } catch (err) {
        return fail(`the run's approval could not be read: ${(err as Error).message}`);
    }
    if ("missing" in approval) return fail(`refused: ${o.phase} from CI needs this run approved in GitHub environment ${o.environment}, and ${approval.missing}; nothing was changed`);
    const problem = approvalDateProblem(approval.at, deps.now());
    if (problem) return fail(`the approval's time ${approval.at} ${problem}`);
    deps.out(`P-01: run approved in GitHub environment ${approval.environment} by ${approval.by} at ${approval.at} (${approval.atFrom})${approval.comment ? ` — "${approval.comment}"` : ""}`);
    if (o.phase === "cutover") {
        const values = { [`${NAMESPACE}:approvedBy`]: approvedByText(approval, runUrl), [`${NAMESPACE}:approvedAt`]: approval.at };
        let before: Record<string, string | undefined>;
        try {
            before = await (deps.writeConfig ?? writeConfigThroughEngine)(stack, dir, values, deps.env);
        } catch (err) {
            return fail(`golive:approvedBy / golive:approvedAt could not be written to stack ${stack}: ${(err as Error).message}`);
        }
        for (const [k, value] of Object.entries(values)) {
            const was = before[k];
            deps.out(`  ${k} = ${value}${was !== undefined && was !== value ? ` (the stack file had ${JSON.stringify(was)}: replaced by the run's approval)` : ""}`);
        }
    } else {
        deps.out("  prepare does not need P-01 (the client's go is for the cutover): the approval is recorded with the run");
    }
    if (appendJobEnv(deps.env, APPROVAL_ENV, JSON.stringify(approval))) deps.out(`  ${APPROVAL_ENV} set for the next steps (the record says who approved the run)`);
    return 0;
}

/** Every golive comment a pull request may hold: GitHub caps a comment at 65 536 characters. */
const COMMENT_MAX = 65_000;
const COMMENT_PAGES = 30;

async function findComment(api: GitHubApi, repo: string, pr: number, marker: string): Promise<{ id: number } | undefined> {
    for (let page = 1; page <= COMMENT_PAGES; page++) {
        const list = await api.get<Array<{ id: number; body?: string }>>(`/repos/${repo}/issues/${pr}/comments?per_page=100&page=${page}`);
        if (!Array.isArray(list)) return undefined;
        const found = list.find((c) => typeof c.body === "string" && c.body.startsWith(marker));
        if (found) return { id: found.id };
        if (list.length < 100) return undefined;
    }
    return undefined;
}

function readSections(dir: string): Array<{ stack: string; markdown: string }> {
    const out: Array<{ stack: string; markdown: string }> = [];
    const walk = (d: string) => {
        for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.isFile() && e.name.endsWith(".md")) {
                const markdown = fs.readFileSync(p, "utf8");
                if (markdown.trim()) out.push({ stack: e.name.slice(0, -3), markdown });
            }
        }
    };
    walk(dir);
    return out.sort((a, b) => a.stack.localeCompare(b.stack));
}

/** Keeps a comment under GitHub's size limit: the plain-text details go first, then the end is cut. */
export function fitComment(body: string): string {
    if (body.length <= COMMENT_MAX) return body;
    const lean = body.replace(/<details><summary>golive plan, as printed<\/summary>[\s\S]*?<\/details>\n?/g, "");
    if (lean.length <= COMMENT_MAX) return lean;
    return `${lean.slice(0, COMMENT_MAX - 200)}\n\n… (cut: the comment is longer than GitHub accepts; the run's artifacts have every plan)\n`;
}

async function commentCommand(argv: string[], deps: CiDeps): Promise<number> {
    const parsed = parseCommandLine(argv, { pr: { type: "string" }, marker: { type: "string" }, "from-dir": { type: "string" }, targets: { type: "string" }, sha: { type: "string" } });
    const v = valuesOrExit("ci comment", parsed, USAGE, deps);
    if (typeof v === "number") return v;
    const o = v as { pr?: string; marker?: string; "from-dir"?: string; targets?: string; sha?: string };
    const usage = (e: string) => (deps.err(`golive ci comment: ${e}\n\n${USAGE}`), 2);
    if (!o.pr || !/^[1-9]\d*$/.test(o.pr)) return usage(`--pr must be the pull request's number, got ${JSON.stringify(o.pr ?? "")}`);
    if (!o.marker || !/^[a-z0-9][a-z0-9-]*$/.test(o.marker)) return usage(`--marker must be a short name like golive-plan, got ${JSON.stringify(o.marker ?? "")}`);
    if (!o["from-dir"]) return usage("--from-dir is required: the folder with each stack's Markdown");
    if (o.sha !== undefined && !/^[0-9a-f]{7,40}$/.test(o.sha)) return usage(`--sha must be a commit SHA, got ${JSON.stringify(o.sha)}`);
    let targets: CommentTarget[] = [];
    if (o.targets !== undefined && o.targets.trim() !== "") {
        try {
            const t = JSON.parse(o.targets) as unknown;
            if (!Array.isArray(t) || !t.every((x) => x && typeof x.stack === "string" && typeof x.phase === "string")) throw new Error("not a list of {stack, phase}");
            targets = t as CommentTarget[];
        } catch (err) {
            return usage(`--targets must be golive ci targets' JSON: ${(err as Error).message}`);
        }
    }
    const fail = (m: string) => (deps.err(`golive ci comment: ${m}`), 1);
    const api = githubApiOf(deps.env);
    const repo = repositoryOf(deps.env);
    if ("missing" in api) return fail(api.missing);
    if (typeof repo !== "string") return fail(repo.missing);
    const marker = commentMarker(o.marker);
    const runUrl = runUrlOf(deps.env);
    const body = fitComment(
        renderPlanComment({
            marker,
            ...(o.sha ? { sha: o.sha } : {}),
            ...(runUrl ? { runUrl } : {}),
            at: new Date(deps.now()).toISOString(),
            sections: readSections(o["from-dir"]),
            targets,
        }),
    );
    const pr = Number(o.pr);
    try {
        const existing = await findComment(api, repo, pr, marker);
        if (existing) {
            await api.patch(`/repos/${repo}/issues/comments/${existing.id}`, { body });
            deps.out(`golive ci comment: comment ${existing.id} on pull request #${pr} updated (${body.length} characters)`);
        } else {
            const created = await api.post<{ id: number }>(`/repos/${repo}/issues/${pr}/comments`, { body });
            deps.out(`golive ci comment: comment ${created.id} created on pull request #${pr} (${body.length} characters)`);
        }
    } catch (err) {
        return fail((err as Error).message);
    }
    return 0;
}

export async function main(argv: string[], deps: CiDeps = DEFAULT_DEPS, io: { readList?: (from: string) => Promise<string> } = {}): Promise<number> {
    const [sub, ...rest] = argv;
    switch (sub) {
        case "targets":
            return targetsCommand(rest, deps, io.readList ?? readFilesList);
        case "approval":
            return approvalCommand(rest, deps);
        case "comment":
            return commentCommand(rest, deps);
        case "--help":
        case "-h":
            deps.out(USAGE);
            return 0;
        default:
            (deps as Io).err(`golive ci: ${sub ? `unknown subcommand ${JSON.stringify(sub)}` : "a subcommand is required"}\n\n${USAGE}`);
            return 2;
    }
}

