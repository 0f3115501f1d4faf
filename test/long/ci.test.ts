// Issue 20's failures on the real engine, through the workflows as a runner runs them (long: `npm
// run test:long`): a cutover nobody approved is refused before it starts; a cutover that only
// production traffic breaks follows R-1 without a terminal — rolled back at once by the run's input,
// kept by it, or rolled back because the stack file agreed to (a merge) — and the record says who
// decided and how; a pull request with a bad value gets a refused plan in its comment; a live site
// whose certificate nears its end is told once.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { requireEngine } from "../helpers/prerequisites";
import { CiWorld, jobLog, newIo, runUrl, startCiWorld, text } from "../helpers/ciWorld";
import { prepare } from "../../cli/phase";
import { main as watch } from "../../cli/watch";

const STACK = "atelier";
const DAY = 86_400_000;

describe("long: issue 20's failures through the workflows, on the real engine", function () {
    this.timeout(600_000);
    let ci: CiWorld;
    /** The new site answers 500 once DNS points www at it (it fails only under production traffic). */
    let brokenUnderTraffic = false;
    const dns = () => ci.replica.world.dns.lookup(ci.replica.world.www, "A").map((r) => r.value);
    const history = async () => JSON.parse((await ci.ws.pulumi(["stack", "history", "--json", "--stack", STACK])).stdout || "[]") as Array<{ result: string; config?: Record<string, { value?: string }> }>;
    const approve = (runId: string) => {
        ci.github.approvals.set(runId, [{ state: "approved", comment: "go", user: { login: "lea-client" }, environments: [{ name: `golive-${STACK}` }] }]);
        ci.github.jobs.set(`${runId}/1`, [{ name: "apply", status: "in_progress", started_at: new Date(Date.now() - 10_000).toISOString(), runner_name: "GitHub Actions 7" }]);
    };
    const dispatch = (onFailure: string) => ({ name: "workflow_dispatch", payload: { inputs: { stack: STACK, phase: "cutover", on_failure: onFailure } } });
    const artifact = (runId: string) => {
        const dir = path.join(ci.artifacts, `golive-${STACK}-cutover-${runId}-1`);
        return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")) : [];
    };

    before(async function () {
        const engine = requireEngine(this);
        ci = await startCiWorld({ engine, stack: STACK, domain: "atelier-long.fr" });
        const { world, zone } = ci.replica;
        const spec = world.newSite.spec;
        const serve = spec.handle;
        const serving = () => [world.domain, world.www].some((name) => zone.list({ name }).some((r) => r.type === "A" && r.content === world.newSite.host));
        world.newSite.spec = { ...spec, handle: (req) => (brokenUnderTraffic && serving() ? { status: 500, headers: { "content-type": "text/plain" }, body: "500: INTERNAL_SERVER_ERROR\n" } : serve?.(req)) };
        const io = newIo();
        const code = await prepare(["--stack", STACK, "--yes", "--dir", ci.checkout, "--records", path.join(ci.checkout, "records")], ci.deps(io));
        if (code !== 0) throw new Error(`golive prepare: ${text(io).slice(-3000)}`);
    });

    after(async () => {
        await ci?.close();
    });

    it("a cutover dispatched but approved by nobody in golive-atelier (an environment without required reviewers): refused at P-01, golive cutover never runs, nothing changes", async () => {
        const updates = (await history()).length;
        const run = await ci.workflow("golive-apply.yml", dispatch("rollback"));
        const apply = run.job("apply");
        assert.equal(apply.result, "failure");
        assert.match(apply.steps[2].stderr, /refused: cutover from CI needs this run approved in GitHub environment golive-atelier, and the run's review history has no review of environment golive-atelier: give it required reviewers/);
        assert.equal(apply.steps[3].outcome, "skipped");
        assert.equal((await history()).length, updates);
        assert.deepEqual(dns(), [ci.replica.world.oldSite.host]);
    });

    it("on_failure=rollback: the cutover that production traffic breaks fails, R-1 rolls back at once; the record (the run's summary and artifact) says who decided, how, the run's input and the rollback; the run fails", async () => {
        const runId = ci.nextRunId();
        approve(runId);
        brokenUnderTraffic = true;
        let run;
        try {
            run = await ci.workflow("golive-apply.yml", dispatch("rollback"));
        } finally {
            brokenUnderTraffic = false;
        }
        const apply = run.job("apply");
        assert.equal(apply.result, "failure", "a failed cutover fails the run");
        const md = apply.summary;
        assert.match(md, /- \*\*Result:\*\* FAILED, rolled back to prepare/, jobLog(run, "apply"));
        assert.ok(md.includes(`- **Decided by:** camille-ops (GitHub Actions run ${runUrl("agency/sites", runId)})`), md.slice(0, 3000));
        assert.match(md, /- \*\*How:\*\* --auto-rollback: rolled back at once/);
        assert.match(md, /- \*\*R-1 input of the run \(on_failure\):\*\* rollback/);
        assert.match(md, /## Failed checks[\s\S]*MEP-09 HTTPS reachability/);
        assert.equal(artifact(runId)[0], md);
        assert.deepEqual(dns(), [ci.replica.world.oldSite.host], "the old site serves again");
    });

    it("on_failure=keep: the new site keeps serving, the record says R-1 was decided beforehand and how to roll back", async () => {
        const runId = ci.nextRunId();
        approve(runId);
        brokenUnderTraffic = true;
        try {
            const run = await ci.workflow("golive-apply.yml", dispatch("keep"));
            const md = run.job("apply").summary;
            assert.equal(run.job("apply").result, "failure");
            assert.match(md, /- \*\*Decision:\*\* no rollback/, jobLog(run, "apply"));
            assert.match(md, /- \*\*How:\*\* --no-rollback: decided beforehand, the new site keeps serving; to roll back: golive prepare --stack atelier/);
            assert.deepEqual(dns(), [ci.replica.world.newSite.host], "kept, as decided");
        } finally {
            brokenUnderTraffic = false;
        }
        // A failed cutover kept is watched: visitors may be on the new site.
        const listed = newIo();
        assert.equal(await watch(["--list", "--json", "--dir", ci.checkout], ci.deps(listed)), 0, text(listed));
        assert.deepEqual(JSON.parse(listed.out.join("")), [{ stack: STACK }], text(listed));
        assert.match(text(listed), new RegExp(`${STACK}: cutover failed and kept since `));
        // Back to prepare from a terminal, as the record says.
        const io = newIo();
        assert.equal(await prepare(["--stack", STACK, "--yes", "--dir", ci.checkout, "--records", path.join(ci.checkout, "records")], ci.deps(io)), 0, text(io));
        assert.deepEqual(dns(), [ci.replica.world.oldSite.host]);
    });

    it("a merge with golive:rollback.auto true in the stack file and no input (stack-config): rolled back at once, the record says the stack config decided", async () => {
        const { before, after } = ci.commitStackFile({ "golive:phase": "cutover", "golive:rollback": { auto: true } }, `${STACK}: cutover, R-1 agreed`);
        const runId = ci.nextRunId();
        approve(runId);
        brokenUnderTraffic = true;
        let run;
        try {
            run = await ci.workflow("golive-apply.yml", { name: "push", payload: { before, after } });
        } finally {
            brokenUnderTraffic = false;
        }
        const md = run.job("apply").summary;
        assert.match(md, /- \*\*How:\*\* golive:rollback\.auto agreed in config: rolled back at once/, jobLog(run, "apply"));
        assert.match(md, /- \*\*R-1 input of the run \(on_failure\):\*\* stack-config/);
        assert.deepEqual(dns(), [ci.replica.world.oldSite.host]);
    });

    it("a pull request with a bad value: its plan is refused at the gates, the comment says which and why, the plan job fails", async () => {
        const { before, after } = ci.commitStackFile({ "golive:redirectStatus": 302 }, `${STACK}: a 302`);
        try {
            const run = await ci.workflow("golive-preview.yml", { name: "pull_request", payload: { number: 40, pull_request: { number: 40, base: { sha: before }, head: { sha: after, repo: { full_name: "agency/sites" } } } } });
            assert.equal(run.job("plan").result, "failure");
            assert.equal(run.job("comment").result, "success", jobLog(run, "comment"));
            const body = ci.github.comments.get(40)![0].body;
            assert.match(body, /### ❌ `atelier` — atelier-long\.fr: cutover would be refused/);
            assert.match(body, /\| stack config \| ❌ not met \| golive:redirectStatus must be 301 or 308, got 302 \|/);
        } finally {
            ci.git("revert", "--no-edit", "HEAD");
        }
    });

    it("live: a certificate under 21 days (Vercel's renewal stuck) is a problem the webhook is told once; the site is listed daily, hourly only in its first days", async () => {
        const runId = ci.nextRunId();
        approve(runId);
        const run = await ci.workflow("golive-apply.yml", dispatch("rollback"));
        assert.equal(run.job("apply").result, "success", jobLog(run, "apply"));
        const { world } = ci.replica;
        const argv = ["--stack", STACK, "--notify", "--dir", ci.checkout];
        let io = newIo();
        assert.equal(await watch(argv, ci.deps(io)), 0, text(io));
        const told = ci.webhook.messages.length;
        const certs = world.newSite.certs;
        const soon = world.issue([world.domain, world.www], undefined, new Date(Date.now() + 18 * DAY));
        world.newSite.certs = { ...certs, [world.domain]: soon, [world.www]: soon };
        try {
            io = newIo();
            assert.equal(await watch(argv, ci.deps(io)), 1, text(io));
            assert.match(text(io), /Certificate: 1[78] days left — under 21/);
            assert.equal(ci.webhook.messages.length, told + 1);
            assert.match(ci.webhook.messages[told].text ?? "", /❌ the site's certificate expires in 1[78] days \(under 21\): Vercel renews it about 30 days before, so its renewal is stuck/);
        } finally {
            world.newSite.certs = certs;
        }
        io = newIo();
        assert.equal(await watch(["--list", "--cadence", "hourly", "--hourly-days", "0", "--json", "--dir", ci.checkout], ci.deps(io)), 0, text(io));
        assert.deepEqual(io.out, ["[]"]);
        io = newIo();
        assert.equal(await watch(["--list", "--cadence", "daily", "--hourly-days", "0", "--json", "--dir", ci.checkout], ci.deps(io)), 0, text(io));
        assert.deepEqual(io.out, [JSON.stringify([{ stack: STACK }])]);
    });
});
