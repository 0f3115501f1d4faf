// The GitHub workflows (.github/workflows) as files, and their glue run without the engine: what
// they promise that a reviewer of a go-live relies on (a per-stack environment and concurrency
// group for every apply, never cancelled; P-01 read from the run; previews for the program's files;
// no expression inside a script; the versions pinned with the engine's), then whole workflow runs
// (test/helpers/workflowRunner.ts) where the engine is not needed: a fork's pull request previews
// nothing, a merge of a stack file at adopt applies nothing, the apply's R-1 input becomes the
// flag golive takes (golive stands in for itself there: its argv is recorded). actionlint in its
// own file (actionlint.test.ts); the workflows against the replica on the engine in test/long/workflows.test.ts (npm run test:long).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { PROGRAM_DIR } from "../../shared/programDir";
import { PROGRAM_PATHS } from "../../operations/rollback";
import { ENGINE_VERSION } from "../../operations/engine";
import { fillCheckout, git } from "../helpers/checkout";
import { artifactStandIns, loadWorkflow, runnerTmp, runWorkflow, type RunnerSetup, type StandIn, type Workflow } from "../helpers/workflowRunner";

const WORKFLOWS = path.join(PROGRAM_DIR, ".github", "workflows");
const wf = (name: string): Workflow => loadWorkflow(path.join(WORKFLOWS, name));

describe(".github/workflows: what the workflows promise", () => {
    it("three workflows: the preview of a pull request, the apply, the watch", () => {
        assert.deepEqual(fs.readdirSync(WORKFLOWS).sort(), ["golive-apply.yml", "golive-preview.yml", "golive-watch.yml"]);
    });

    it("no `${{ }}` inside a `run:` script: every value reaches bash through env (a stack name, a comment or an input can never be read as code)", () => {
        for (const file of fs.readdirSync(WORKFLOWS)) {
            for (const [id, job] of Object.entries(wf(file).jobs)) for (const s of job.steps) if (s.run) assert.doesNotMatch(s.run, /\$\{\{/, `${file} ${id} ${s.name ?? s.run}`);
        }
        const action = yaml.load(fs.readFileSync(path.join(PROGRAM_DIR, ".github", "actions", "setup-golive", "action.yml"), "utf8")) as { runs: { steps: Array<{ run?: string }> } };
        for (const s of action.runs.steps) if (s.run) assert.doesNotMatch(s.run, /\$\{\{/);
    });

    it("apply: each stack in its own environment golive-<stack> (its required reviewers are P-01), one run at a time per stack and never cancelled, permission to read the run's approvals", () => {
        const w = wf("golive-apply.yml");
        const apply = w.jobs.apply;
        assert.equal(apply.environment, "golive-${{ matrix.stack }}");
        assert.deepEqual(apply.concurrency, { group: "golive-${{ matrix.stack }}", "cancel-in-progress": false });
        assert.deepEqual(w.permissions, { contents: "read", actions: "read" });
        assert.deepEqual(Object.keys(w.on).sort(), ["push", "workflow_dispatch"]);
        assert.deepEqual((w.on.push as { paths: string[] }).paths, ["Pulumi.*.yaml"], "a merge applies only what a stack file asks for");
        const inputs = (w.on.workflow_dispatch as { inputs: Record<string, { options?: string[]; default?: string }> }).inputs;
        assert.deepEqual(inputs.phase.options, ["prepare", "cutover"]);
        assert.deepEqual(inputs.on_failure.options, ["stack-config", "rollback", "keep"]);
        assert.equal(inputs.on_failure.default, "stack-config");
        const runs = apply.steps.map((s) => s.run ?? s.uses ?? "");
        assert.ok(runs.findIndex((r) => /golive ci approval/.test(r)) < runs.findIndex((r) => /golive "\$PHASE"/.test(r)), "P-01 is read from the run before the phase runs");
    });

    it("preview: triggered by every file of the program (as golive rollback counts it) and by the stack files; the comment job may write to pull requests, the rest reads", () => {
        const w = wf("golive-preview.yml");
        const paths = (w.on.pull_request as { paths: string[] }).paths;
        for (const p of PROGRAM_PATHS) assert.ok(paths.includes(p) || paths.includes(`${p}/**`), `${p} is not in golive-preview.yml's paths`);
        assert.ok(paths.includes("Pulumi.*.yaml"));
        assert.deepEqual(w.permissions, { contents: "read" });
        assert.deepEqual(w.jobs.comment.permissions, { contents: "read", "pull-requests": "write" });
        assert.equal(w.jobs.plan.environment, "golive-${{ matrix.stack }}-read");
        assert.match(String(w.jobs.targets.if), /head\.repo\.full_name == github\.repository/, "a fork's pull request gets no secrets: not previewed");
    });

    it("watch: hourly and daily on GitHub's schedule, the hourly cron the one the script treats as hourly", () => {
        const w = wf("golive-watch.yml");
        const crons = (w.on.schedule as Array<{ cron: string }>).map((c) => c.cron);
        assert.equal(crons.length, 2);
        const script = w.jobs.targets.steps.find((s) => s.id === "targets")!.run!;
        const hourly = /if \[ "\$SCHEDULE" = "([^"]+)" \]; then cadence=hourly/.exec(script)?.[1];
        assert.ok(hourly && crons.includes(hourly), script);
        assert.match(hourly!, /^\d+ \* \* \* \*$/, "every hour");
        assert.match(crons.find((c) => c !== hourly)!, /^\d+ \d+ \* \* \*$/, "every day");
    });

    it("the setup action installs the engine the program is pinned to (Pulumi's official action) on Node 20; actions are pinned to a major version", () => {
        const action = yaml.load(fs.readFileSync(path.join(PROGRAM_DIR, ".github", "actions", "setup-golive", "action.yml"), "utf8")) as { runs: { steps: Array<{ uses?: string; with?: Record<string, unknown> }> } };
        const pulumi = action.runs.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
        assert.equal(`v${String(pulumi.with?.["pulumi-version"])}`, ENGINE_VERSION);
        assert.equal(action.runs.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))!.with?.["node-version"], 20);
        for (const file of fs.readdirSync(WORKFLOWS)) for (const job of Object.values(wf(file).jobs)) for (const s of job.steps) if (s.uses && !s.uses.startsWith("./")) assert.match(s.uses, /@v\d+$/, `${file}: ${s.uses}`);
    });
});

describe(".github/workflows run without the engine: the glue", function () {
    this.timeout(120_000);
    let checkout: string;
    let tmp: { dir: string; remove(): void };
    let calls: string;
    let base: string;

    before(() => {
        tmp = runnerTmp();
        checkout = path.join(tmp.dir, "checkout");
        fs.mkdirSync(checkout);
        fillCheckout(checkout, { program: true });
        fs.writeFileSync(path.join(checkout, "Pulumi.lumiere.yaml"), "config:\n  golive:domain: lumiere.fr\n  golive:phase: cutover\n");
        fs.writeFileSync(path.join(checkout, "Pulumi.nouveau.yaml"), "config:\n  golive:domain: nouveau.fr\n");
        git(checkout, "add", "-A");
        git(checkout, "commit", "-q", "-m", "two clients");
        base = git(checkout, "rev-parse", "HEAD");
        calls = path.join(tmp.dir, "golive-calls");
    });
    after(() => tmp?.remove());

    /** golive on PATH as the setup action leaves it; with `fake`, every command but `ci targets` only records its argv. */
    const setupGolive = (fake: boolean): StandIn => async (ctx) => {
        const bin = path.join(ctx.runnerTemp, "golive-bin");
        fs.mkdirSync(bin, { recursive: true });
        const real = `exec node ${JSON.stringify(path.join(checkout, "cli", "golive.js"))} "$@"`;
        const stub = [
            "#!/usr/bin/env bash",
            `if [ "$1" = ci ] && [ "$2" = targets ]; then ${real}; fi`,
            `printf '%s\\n' "$*" >> ${JSON.stringify(calls)}`,
            'if [ "$1" = cutover ] || [ "$1" = prepare ]; then echo "# golive $1 — the record"; exit "${FAKE_EXIT:-0}"; fi',
            "exit 0",
        ].join("\n");
        fs.writeFileSync(path.join(bin, "golive"), fake ? stub : `#!/usr/bin/env bash\n${real}\n`, { mode: 0o755 });
        return { outcome: "success", note: fake ? "golive recording its argv" : "golive", path: [bin] };
    };
    const setup = (event: RunnerSetup["event"], fake: boolean, extraEnv: Record<string, string> = {}): RunnerSetup => ({
        checkout,
        machineEnv: { ...process.env, ...extraEnv },
        secrets: { PULUMI_CONFIG_PASSPHRASE: "p" },
        vars: {},
        event,
        github: { repository: "agency/sites", runId: "77", runAttempt: "1", actor: "camille-ops", sha: git(checkout, "rev-parse", "HEAD"), ref: "refs/heads/main", serverUrl: "https://github.com", apiUrl: "http://127.0.0.1:9", token: "t" },
        standIns: {
            "actions/checkout": async () => ({ outcome: "success", note: "the checkout as it is" }),
            "./.github/actions/setup-golive": setupGolive(fake),
            ...artifactStandIns(path.join(tmp.dir, "artifacts")),
        },
        tmpRoot: tmp.dir,
        stepTimeoutMs: 60_000,
    });

    it("a pull request from a fork: nothing runs (no secrets for it, no preview)", async () => {
        const run = await runWorkflow(wf("golive-preview.yml"), setup({ name: "pull_request", payload: { number: 3, pull_request: { number: 3, base: { sha: base }, head: { sha: base, repo: { full_name: "someone/fork" } } } } }, false));
        assert.deepEqual(run.jobs.map((j) => [j.job, j.result]), [["targets", "skipped"], ["plan", "skipped"], ["comment", "skipped"]]);
    });

    it("a merge that changes a stack file at adopt: nothing to apply (the note says why), the apply job does not run", async () => {
        fs.appendFileSync(path.join(checkout, "Pulumi.nouveau.yaml"), "  golive:ttl: 60\n");
        git(checkout, "commit", "-qam", "nouveau: ttl");
        const head = git(checkout, "rev-parse", "HEAD");
        const run = await runWorkflow(wf("golive-apply.yml"), setup({ name: "push", payload: { before: base, after: head } }, false));
        const targets = run.job("targets");
        assert.equal(targets.result, "success", targets.steps.map((s) => s.stderr).join("\n"));
        assert.equal(targets.outputs.targets, "[]");
        assert.match(targets.steps[2].stderr, /nouveau: golive:phase is adopt; an apply from CI runs prepare or cutover/);
        assert.equal(run.job("apply").result, "skipped");
        base = head;
    });

    it("the branch's first push (before is all zeros): the stacks of the pushed commit's files, not a diff against nothing", async () => {
        fs.appendFileSync(path.join(checkout, "Pulumi.lumiere.yaml"), "  golive:ttl: 60\n");
        git(checkout, "commit", "-qam", "lumiere: ttl");
        const head = git(checkout, "rev-parse", "HEAD");
        const run = await runWorkflow(wf("golive-apply.yml"), setup({ name: "push", payload: { before: "0".repeat(40), after: head } }, true));
        const targets = run.job("targets");
        assert.equal(targets.result, "success", targets.steps.map((s) => s.stderr).join("\n"));
        assert.deepEqual(JSON.parse(targets.outputs.targets), [{ stack: "lumiere", phase: "cutover" }]);
        base = head;
    });

    it("a dispatch of a cutover: the run's on_failure input becomes --auto-rollback, --no-rollback or nothing (golive:rollback.auto decides); an unknown one stops before golive; golive's exit code and Markdown are the step's", async () => {
        const dispatch = (onFailure?: string) => ({ name: "workflow_dispatch", payload: { inputs: { stack: "lumiere", phase: "cutover", ...(onFailure ? { on_failure: onFailure } : {}) } } });
        for (const [input, flags] of [
            ["rollback", "--auto-rollback"],
            ["keep", "--no-rollback"],
            [undefined, ""],
        ] as Array<[string | undefined, string]>) {
            fs.rmSync(calls, { force: true });
            const run = await runWorkflow(wf("golive-apply.yml"), setup(dispatch(input), true));
            const apply = run.job("apply", { stack: "lumiere" });
            assert.equal(apply.result, "success", apply.steps.map((s) => `${s.name}: ${s.stderr}`).join("\n"));
            const lines = fs.readFileSync(calls, "utf8").trim().split("\n");
            assert.deepEqual(lines[0], "ci approval --stack lumiere --phase cutover --environment golive-lumiere");
            assert.equal(lines[1], `cutover --stack lumiere --yes --markdown --records ${apply.runnerTemp}/golive-records${flags ? ` ${flags}` : ""}`);
            assert.equal(apply.steps[3].env?.GOLIVE_ON_FAILURE, input ?? "stack-config");
            assert.equal(apply.summary, "# golive cutover — the record\n", "the step summary is golive's Markdown");
        }
        fs.rmSync(calls, { force: true });
        const bad = await runWorkflow(wf("golive-apply.yml"), setup(dispatch("maybe"), true));
        assert.equal(bad.job("apply").result, "failure");
        assert.match(bad.job("apply").steps[3].stderr, /on_failure must be stack-config, rollback or keep, got maybe/);
        assert.doesNotMatch(fs.readFileSync(calls, "utf8"), /^cutover/m, "golive cutover never ran");
        const failed = await runWorkflow(wf("golive-apply.yml"), setup(dispatch("rollback"), true, { FAKE_EXIT: "1" }));
        assert.equal(failed.job("apply").result, "failure", "a failed cutover fails the run");
        assert.equal(failed.job("apply").summary, "# golive cutover — the record\n", "its record is the summary all the same");
        assert.equal(failed.job("apply").steps[4].outcome, "success", "and the record is kept as an artifact (if: always())");
    });
});
