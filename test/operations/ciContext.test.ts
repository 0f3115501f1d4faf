import { strict as assert } from "assert";
import { approvalOf, approvedByText, APPROVAL_ENV, ciOperatorOf, ciRecordLines, ciRunOf, jobStartOf, parseApproval, runUrlOf } from "../../operations/ciContext";
import { renderRecord, type PhaseRecord } from "../../rendering/recordFile";
import { buildChecklist } from "../../program/report";

const GITHUB = {
    GITHUB_ACTIONS: "true",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: "agency/sites",
    GITHUB_RUN_ID: "123456",
    GITHUB_RUN_ATTEMPT: "2",
    GITHUB_WORKFLOW: "golive apply",
    GITHUB_EVENT_NAME: "workflow_dispatch",
    GITHUB_ACTOR: "camille-ops",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_REF: "refs/heads/main",
};
const APPROVAL = { by: "lea-client", at: "2026-12-01T09:00:00.000Z", environment: "golive-prod", comment: "Go\nfor it", atFrom: "the approved job's start" };

describe("operations/ciContext: the CI run a golive command is part of", () => {
    it("the run's page from the variables GitHub Actions sets; nothing outside a GitHub Actions run", () => {
        assert.equal(runUrlOf(GITHUB), "https://github.com/agency/sites/actions/runs/123456/attempts/2");
        assert.equal(runUrlOf({ ...GITHUB, GITHUB_RUN_ATTEMPT: "", GITHUB_SERVER_URL: "https://ghe.example/" }), "https://ghe.example/agency/sites/actions/runs/123456");
        assert.equal(ciRunOf({ ...GITHUB, GITHUB_ACTIONS: undefined }), undefined, "a laptop is not CI");
        assert.equal(ciOperatorOf({}), undefined);
        assert.equal(ciOperatorOf(GITHUB), "camille-ops (GitHub Actions run https://github.com/agency/sites/actions/runs/123456/attempts/2)");
    });

    it("the run with the approval golive ci approval left in the job's environment, and the R-1 input", () => {
        const run = ciRunOf({ ...GITHUB, [APPROVAL_ENV]: JSON.stringify(APPROVAL), GOLIVE_ON_FAILURE: "rollback" })!;
        assert.deepEqual(run.approval, APPROVAL);
        assert.equal(run.onFailure, "rollback");
        assert.equal(ciRunOf({ ...GITHUB, [APPROVAL_ENV]: "{not json" })!.approval, undefined);
        assert.equal(parseApproval(JSON.stringify({ by: "x" })), undefined, "an approval without its time and environment is none");
    });

    it("the approval of an environment: the last review of it in the run's history, if it approved; none, a rejection or another environment's approval is no approval, said with what to do", () => {
        const ok = (login: string, env: string, state = "approved") => ({ state, comment: `${login} says`, user: { login }, environments: [{ name: env }] });
        assert.deepEqual(approvalOf([ok("a", "golive-prod"), ok("b", "golive-prod")], "golive-prod"), { by: "b", comment: "b says" });
        assert.deepEqual(approvalOf([ok("a", "golive-prod"), ok("b", "golive-prod", "rejected")], "golive-prod"), { missing: 'the last review of environment golive-prod is "rejected" by b, not an approval' });
        const none = approvalOf([ok("a", "golive-other")], "golive-prod");
        assert.ok("missing" in none && /no review of environment golive-prod: give it required reviewers \(repository Settings → Environments → golive-prod → Required reviewers\)/.test(none.missing));
        assert.ok("missing" in approvalOf([], "golive-prod"));
    });

    it("when this job started: the one job in progress on this runner, else none", () => {
        const jobs = [
            { name: "targets", status: "completed", started_at: "2026-12-01T08:00:00Z", runner_name: "GitHub Actions 7" },
            { name: "apply (prod)", status: "in_progress", started_at: "2026-12-01T09:00:00Z", runner_name: "GitHub Actions 7" },
            { name: "apply (other)", status: "in_progress", started_at: "2026-12-01T09:01:00Z", runner_name: "GitHub Actions 9" },
        ];
        assert.equal(jobStartOf(jobs, "GitHub Actions 7"), "2026-12-01T09:00:00Z");
        assert.equal(jobStartOf(jobs, "GitHub Actions 1"), undefined);
        assert.equal(jobStartOf(jobs, undefined), undefined);
    });

    it("P-01 as the stack config keeps it: the reviewer, the environment and the run", () => {
        assert.equal(approvedByText(APPROVAL, "https://github.com/agency/sites/actions/runs/1/attempts/1"), "lea-client (required reviewer of GitHub environment golive-prod, https://github.com/agency/sites/actions/runs/1/attempts/1)");
    });

    it("the record names the run, who started it, who approved it and when (the comment on one line), and the R-1 input", () => {
        const ci = ciRunOf({ ...GITHUB, [APPROVAL_ENV]: JSON.stringify(APPROVAL), GOLIVE_ON_FAILURE: "keep" })!;
        assert.deepEqual(ciRecordLines(ci), [
            '- **CI run:** https://github.com/agency/sites/actions/runs/123456/attempts/2 (GitHub Actions, workflow "golive apply"; event workflow_dispatch, started by camille-ops, commit 0123456789ab)',
            '- **Approved in GitHub environment golive-prod:** by lea-client at 2026-12-01T09:00:00.000Z (the approved job\'s start) — "Go for it"',
            "- **R-1 input of the run (on_failure):** keep",
        ]);
        const at = new Date("2026-12-01T09:05:00Z");
        const record: PhaseRecord = {
            stack: "prod",
            phase: "cutover",
            domain: "example.com",
            operator: ciOperatorOf(GITHUB)!,
            engine: "v3.248.0",
            startedAt: at,
            endedAt: at,
            gates: [],
            preview: [],
            confirmation: "--yes",
            ok: true,
            errors: [],
            steps: [],
            clockOrigin: at.getTime(),
            failedChecks: [],
            checklist: buildChecklist({ domain: "example.com", phase: "cutover", stack: "prod", results: [], generatedAt: at.toISOString() }),
            ci,
        };
        const md = renderRecord(record);
        assert.match(md, /- \*\*Confirmed:\*\* --yes\n- \*\*CI run:\*\* https:\/\/github\.com\/agency\/sites\/actions\/runs\/123456\/attempts\/2 /);
        assert.ok(!renderRecord({ ...record, ci: undefined }).includes("CI run"), "no CI line outside CI");
    });
});
