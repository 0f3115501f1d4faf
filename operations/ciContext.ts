// What a golive command knows about the CI run it is part of (GitHub Actions): the run's URL, the
// event and who started it, and P-01's evidence when a required reviewer of the stack's GitHub
// environment approved the run. Read from the variables GitHub Actions sets on every step
// (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID…); the approval from what `golive ci
// approval` put into the job's environment (GOLIVE_CI_APPROVAL, through $GITHUB_ENV). Pure.

/** Who approved the run in the stack's GitHub environment (required reviewers), and when. */
export interface CiApproval {
    /** The reviewer's GitHub login. */
    by: string;
    /** ISO 8601: when the approved job started (GitHub starts it only once approved), else when golive read the approval. */
    at: string;
    /** The GitHub environment whose reviewers approved, e.g. golive-prod. */
    environment: string;
    /** The reviewer's comment, if any. */
    comment?: string;
    /** Where `at` comes from, in words. */
    atFrom: string;
}

export interface CiRun {
    provider: "GitHub Actions";
    /** e.g. https://github.com/agency/sites/actions/runs/123/attempts/1 */
    runUrl: string;
    workflow?: string;
    event?: string;
    /** Who started the run (dispatch, merge). */
    actor?: string;
    sha?: string;
    ref?: string;
    approval?: CiApproval;
    /** The run's R-1 input (on_failure: stack-config | rollback | keep), when it has one. */
    onFailure?: string;
}

/** The job environment variable `golive ci approval` sets (through $GITHUB_ENV) for the steps after it. */
export const APPROVAL_ENV = "GOLIVE_CI_APPROVAL";
/** The workflow's R-1 input as the apply step passes it. */
export const ON_FAILURE_ENV = "GOLIVE_ON_FAILURE";

const nonEmpty = (v: string | undefined) => (v && v.trim() !== "" ? v.trim() : undefined);

/** The run's page: `<server>/<owner>/<repo>/actions/runs/<id>[/attempts/<n>]`, or undefined. */
export function runUrlOf(env: NodeJS.ProcessEnv): string | undefined {
    const server = nonEmpty(env.GITHUB_SERVER_URL);
    const repo = nonEmpty(env.GITHUB_REPOSITORY);
    const id = nonEmpty(env.GITHUB_RUN_ID);
    if (!server || !repo || !id) return undefined;
    const attempt = nonEmpty(env.GITHUB_RUN_ATTEMPT);
    return `${server.replace(/\/+$/, "")}/${repo}/actions/runs/${id}${attempt ? `/attempts/${attempt}` : ""}`;
}

/** The CI run this command is part of, or undefined outside GitHub Actions. */
export function ciRunOf(env: NodeJS.ProcessEnv): CiRun | undefined {
    if (env.GITHUB_ACTIONS !== "true") return undefined;
    const runUrl = runUrlOf(env);
    if (!runUrl) return undefined;
    const approval = parseApproval(env[APPROVAL_ENV]);
    const opt = (k: keyof CiRun, v: string | undefined) => (v ? { [k]: v } : {});
    return {
        provider: "GitHub Actions",
        runUrl,
        ...opt("workflow", nonEmpty(env.GITHUB_WORKFLOW)),
        ...opt("event", nonEmpty(env.GITHUB_EVENT_NAME)),
        ...opt("actor", nonEmpty(env.GITHUB_ACTOR)),
        ...opt("sha", nonEmpty(env.GITHUB_SHA)),
        ...opt("ref", nonEmpty(env.GITHUB_REF)),
        ...(approval ? { approval } : {}),
        ...opt("onFailure", nonEmpty(env[ON_FAILURE_ENV])),
    };
}

/** Who runs a command in CI: the run's actor, named as such (the R-1 decision and the record say it). */
export function ciOperatorOf(env: NodeJS.ProcessEnv): string | undefined {
    const run = ciRunOf(env);
    if (!run) return undefined;
    return `${run.actor ?? "unknown actor"} (GitHub Actions run ${run.runUrl})`;
}

export function parseApproval(text: string | undefined): CiApproval | undefined {
    if (!text) return undefined;
    try {
        const a = JSON.parse(text) as Partial<CiApproval>;
        if (typeof a.by !== "string" || typeof a.at !== "string" || typeof a.environment !== "string") return undefined;
        return { by: a.by, at: a.at, environment: a.environment, atFrom: typeof a.atFrom === "string" ? a.atFrom : "", ...(typeof a.comment === "string" && a.comment ? { comment: a.comment } : {}) };
    } catch {
        return undefined;
    }
}

/** One entry of GitHub's review history of a run (GET /repos/{repo}/actions/runs/{id}/approvals). */
export interface EnvironmentReview {
    state: string;
    comment?: string | null;
    user?: { login?: string } | null;
    environments?: Array<{ name?: string }>;
}

/**
 * The approval of `environment` in a run's review history: the last entry that approved it (a
 * re-run's approval comes after the first's). A rejection after it, or none at all, is no approval.
 */
export function approvalOf(reviews: readonly EnvironmentReview[], environment: string): { by: string; comment?: string } | { missing: string } {
    const forEnv = reviews.filter((r) => (r.environments ?? []).some((e) => e.name === environment));
    const last = forEnv[forEnv.length - 1];
    if (!last) {
        return {
            missing: `the run's review history has no review of environment ${environment}: give it required reviewers (repository Settings → Environments → ${environment} → Required reviewers), then run again`,
        };
    }
    if (last.state !== "approved") return { missing: `the last review of environment ${environment} is "${last.state}" by ${last.user?.login ?? "someone"}, not an approval` };
    const by = last.user?.login;
    if (!by) return { missing: `the approval of environment ${environment} names no reviewer` };
    return { by, ...(last.comment ? { comment: last.comment } : {}) };
}

/** One job of a run attempt (GET /repos/{repo}/actions/runs/{id}/attempts/{n}/jobs). */
export interface RunJob {
    name?: string;
    status?: string;
    started_at?: string | null;
    runner_name?: string | null;
}

/** When this job started (the job that runs on `runnerName` now), from the attempt's jobs. */
export function jobStartOf(jobs: readonly RunJob[], runnerName: string | undefined): string | undefined {
    if (!runnerName) return undefined;
    const mine = jobs.filter((j) => j.runner_name === runnerName && j.status === "in_progress" && j.started_at);
    return mine.length === 1 ? mine[0].started_at! : undefined;
}

/** golive:approvedBy as P-01's evidence from the run: the reviewer, the environment and the run. */
export function approvedByText(a: CiApproval, runUrl: string): string {
    return `${a.by} (required reviewer of GitHub environment ${a.environment}, ${runUrl})`;
}

/** The record's lines about the CI run (rendering/recordFile). */
export function ciRecordLines(ci: CiRun): string[] {
    const started = [ci.event ? `event ${ci.event}` : undefined, ci.actor ? `started by ${ci.actor}` : undefined, ci.sha ? `commit ${ci.sha.slice(0, 12)}` : undefined].filter(Boolean).join(", ");
    const lines = [`- **CI run:** ${ci.runUrl} (${ci.provider}${ci.workflow ? `, workflow "${ci.workflow}"` : ""}${started ? `; ${started}` : ""})`];
    if (ci.approval) {
        const a = ci.approval;
        lines.push(`- **Approved in GitHub environment ${a.environment}:** by ${a.by} at ${a.at}${a.atFrom ? ` (${a.atFrom})` : ""}${a.comment ? ` — "${a.comment.replace(/\s+/g, " ").trim()}"` : ""}`);
    }
    if (ci.onFailure) lines.push(`- **R-1 input of the run (on_failure):** ${ci.onFailure}`);
    return lines;
}
