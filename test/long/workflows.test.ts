// The GitHub workflows (.github/workflows) run against the replica on the real engine, step by
// step, as a GitHub-hosted runner runs them (test/helpers/workflowRunner.ts): every `run:` script
// with bash and the environment GitHub gives it, the actions replaced by what they provide, GitHub's
// API by a loopback stand-in. One client's stack, in order: prepare dispatched and approved, the
// pull request that asks for the cutover previewed in one comment, the merge applied with P-01
// from the run, the site watched on the hourly schedule, a record changed behind the stack's back
// told to the webhook once (and when it is back), and every stack of the clone in one table.
// A renamed flag or a lost variable fails here, not at hour H.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { requireEngine } from "../helpers/prerequisites";
import { CiWorld, jobLog, newIo, runUrl, startCiWorld, text } from "../helpers/ciWorld";
import { main as watch } from "../../cli/watch";
import { main as status } from "../../cli/status";
import { main as init } from "../../cli/init";
import { WATCH_TAG } from "../../operations/watch";

const STACK = "atelier";
const DOMAIN = "atelier-ci.fr";
const RUNNER = "GitHub Actions 7";

describe("long: the GitHub workflows, run step by step against the replica", function () {
    this.timeout(300_000);
    let ci: CiWorld;
    const history = async () => JSON.parse((await ci.ws.pulumi(["stack", "history", "--json", "--stack", STACK])).stdout || "[]") as Array<{ result: string; message?: string; config?: Record<string, { value?: string }> }>;
    const approve = (runId: string, environment: string, login: string, comment: string, startedAt: string) => {
        ci.github.approvals.set(runId, [{ state: "approved", comment, user: { login }, environments: [{ name: environment }] }]);
        ci.github.jobs.set(`${runId}/1`, [
            { name: "targets", status: "completed", started_at: new Date(Date.now() - 600_000).toISOString(), runner_name: "GitHub Actions 3" },
            { name: `apply (${STACK})`, status: "in_progress", started_at: startedAt, runner_name: RUNNER },
        ]);
    };
    const records = (artifact: string) => {
        const dir = path.join(ci.artifacts, artifact);
        return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")) : [];
    };
    let prBase: string;

    before(async function () {
        const engine = requireEngine(this);
        ci = await startCiWorld({ engine, stack: STACK, domain: DOMAIN });
    });

    after(async () => {
        await ci?.close();
    });

    it("golive apply, dispatched for prepare: the run approved in environment golive-atelier (recorded; P-01 is for the cutover), prepare applied, its record the run's summary and an artifact", async () => {
        const runId = ci.nextRunId();
        approve(runId, `golive-${STACK}`, "camille-lead", "prepare validé", new Date(Date.now() - 60_000).toISOString());
        const run = await ci.workflow("golive-apply.yml", { name: "workflow_dispatch", payload: { inputs: { stack: STACK, phase: "prepare" } } });
        assert.equal(run.job("targets").outputs.targets, JSON.stringify([{ stack: STACK, phase: "prepare" }]), jobLog(run, "targets"));
        const apply = run.job("apply");
        assert.equal(apply.result, "success", jobLog(run, "apply"));
        assert.equal(apply.environment, `golive-${STACK}`);
        assert.equal(apply.concurrency, `golive-${STACK}`);
        assert.match(apply.steps[2].stdout, /P-01: run approved in GitHub environment golive-atelier by camille-lead at 20.* — "prepare validé"/);
        assert.match(apply.steps[2].stdout, /prepare does not need P-01/);
        assert.match(apply.summary, /^# golive prepare — atelier-ci\.fr \(stack atelier\)/);
        assert.ok(apply.summary.includes(`- **CI run:** ${runUrl("agency/sites", runId)} (GitHub Actions, workflow "golive apply"; event workflow_dispatch, started by camille-ops`), apply.summary.slice(0, 1500));
        assert.match(apply.summary, /- \*\*Approved in GitHub environment golive-atelier:\*\* by camille-lead at 20[^ ]+ \(the approved job's start/);
        assert.match(apply.summary, /- \*\*Run by:\*\* camille-ops \(GitHub Actions run https:\/\/github\.com\/agency\/sites\/actions\/runs\/\d+\/attempts\/1\)/);
        assert.match(apply.summary, /- \*\*Confirmed:\*\* --yes/);
        assert.match(apply.summary, /## Mise en production/, "the checklist is in the summary");
        const kept = records(`golive-${STACK}-prepare-${runId}-1`);
        assert.equal(kept.length, 1, "the record is the run's artifact");
        assert.equal(kept[0], apply.summary, "the summary is the record");
        const [last] = await history();
        assert.equal(last.result, "succeeded");
        assert.equal(last.config?.["golive:phase"]?.value, "prepare");
        assert.equal(last.config?.["golive:approvedBy"]?.value ?? "", "", "no P-01 written for prepare");
        assert.ok(ci.github.requests.length > 0 && ci.github.requests.every((r) => r.authorized), "every API call carried the job's token");
        assert.equal(ci.replica.world.dns.lookup(ci.replica.world.www, "A")[0].ttl, 60, "prepare lowered the TTL");
    });

    it("golive preview on the pull request that asks for the cutover: the stack previewed in its -read environment, ONE comment with the gates, P-01 at the apply, the records changing in place, what is verified before and after the switch, R-1", async () => {
        const { before, after } = ci.commitStackFile({ "golive:phase": "cutover" }, `${STACK}: cutover`);
        prBase = before;
        const updates = (await history()).length;
        const run = await ci.workflow("golive-preview.yml", {
            name: "pull_request",
            payload: { number: 12, pull_request: { number: 12, base: { sha: before }, head: { sha: after, repo: { full_name: "agency/sites" } } } },
        });
        assert.equal(run.job("targets").outputs.targets, JSON.stringify([{ stack: STACK, phase: "cutover" }]), jobLog(run, "targets"));
        const plan = run.job("plan");
        assert.equal(plan.result, "success", jobLog(run, "plan"));
        assert.equal(plan.environment, `golive-${STACK}-read`);
        assert.equal(run.job("comment").result, "success", jobLog(run, "comment"));
        const comments = ci.github.comments.get(12) ?? [];
        assert.equal(comments.length, 1, "one comment");
        const body = comments[0].body;
        if (process.env.GOLIVE_TEST_VERBOSE) console.log(body);
        assert.ok(body.startsWith("<!-- golive:golive-plan -->\n## golive preview"), body.slice(0, 200));
        assert.ok(body.includes(`previewed at \`${after.slice(0, 12)}\``));
        assert.match(body, /### ✅ `atelier` — atelier-ci\.fr: cutover ready to apply/);
        assert.match(body, /applied now: \*\*prepare\*\* \(/);
        assert.match(body, /\| P-01 client approval \| ⏳ at the apply \| given at the apply: a required reviewer of GitHub environment golive-atelier approves the run/);
        assert.match(body, /\| MEP-02 release ref \(code freeze\) \| ✅ met \| deploys [0-9a-f]{40}/);
        assert.match(body, /\| phase order \| ✅ met \| last applied: prepare/);
        assert.match(body, /- 🔁 record changing in place: `www\.atelier-ci\.fr` \(dns-www\): content `127\.0\.0\.3` → `127\.0\.0\.2`/);
        assert.match(body, /\*\*Verified before the switch\*\* \(new host, names pinned to Vercel; the records wait for them\): MEP-08 TLS certificate, MEP-09 HTTPS reachability/);
        assert.match(body, /\*\*Checks after the switch:\*\* MEP-07 DNS propagation/);
        assert.match(body, /\*\*If a check fails after the switch \(R-1\):\*\* decided by the apply run's `on_failure` input/);
        assert.ok(body.includes(`[Run](${runUrl("agency/sites", run.runId)})`));
        assert.equal((await history()).length, updates, "a plan applies nothing");
        assert.deepEqual(ci.replica.world.dns.lookup(ci.replica.world.www, "A").map((r) => r.value), [ci.replica.world.oldSite.host]);
    });

    it("golive apply on the merge: the cutover the stack file asks for, P-01 from the run (the reviewer and the approved job's start) in the stack history, DNS switched, the record with the run's URL as summary and artifact", async () => {
        const runId = ci.nextRunId();
        const startedAt = new Date(Date.now() - 30_000).toISOString();
        approve(runId, `golive-${STACK}`, "lea-client", "Go client reçu par mail", startedAt);
        const head = ci.git("rev-parse", "HEAD");
        const run = await ci.workflow("golive-apply.yml", { name: "push", payload: { before: prBase, after: head, ref: "refs/heads/main" } });
        assert.equal(run.job("targets").outputs.targets, JSON.stringify([{ stack: STACK, phase: "cutover" }]), jobLog(run, "targets"));
        const apply = run.job("apply");
        assert.equal(apply.result, "success", jobLog(run, "apply"));
        const approvedBy = `lea-client (required reviewer of GitHub environment golive-atelier, ${runUrl("agency/sites", runId)})`;
        const [last] = await history();
        assert.equal(last.result, "succeeded");
        assert.equal(last.config?.["golive:phase"]?.value, "cutover");
        assert.equal(last.config?.["golive:approvedBy"]?.value, approvedBy, "P-01 from the run, not typed");
        assert.equal(last.config?.["golive:approvedAt"]?.value, startedAt);
        assert.deepEqual(ci.replica.world.dns.lookup(ci.replica.world.www, "A").map((r) => r.value), [ci.replica.world.newSite.host]);
        assert.match(apply.summary, /^# golive cutover — atelier-ci\.fr \(stack atelier\)\n\n- \*\*Result:\*\* succeeded/);
        assert.ok(apply.summary.includes(`- **Approved in GitHub environment golive-atelier:** by lea-client at ${startedAt} (the approved job's start, from GitHub's jobs API`));
        assert.match(apply.summary, /— "Go client reçu par mail"/);
        assert.match(apply.summary, /- \*\*R-1 input of the run \(on_failure\):\*\* stack-config/);
        assert.match(apply.summary, /event push, started by camille-ops/);
        assert.ok(apply.summary.includes(`✅ P-01 client approval | approved by ${approvedBy}`) || apply.summary.includes(`P-01 client approval | ✅ ok | approved by ${approvedBy}`), apply.summary.slice(0, 3000));
        assert.match(apply.summary, /\| \*\*P-01\*\* \|[^\n]*lea-client/, "the checklist's P-01 names the reviewer");
        assert.equal(records(`golive-${STACK}-cutover-${runId}-1`)[0], apply.summary);
        assert.deepEqual(ci.repo.remoteTags(), { "v1.0.0": ci.repo.commit }, "MEP-18 tagged the release");
    });

    it("golive watch on the hourly schedule: the stack, live since the cutover, is due; its first watch passes, tells the webhook nothing and keeps the result as the stack tag golive:watch", async () => {
        const told = ci.webhook.messages.length;
        const run = await ci.workflow("golive-watch.yml", { name: "schedule", payload: { schedule: "17 * * * *" } });
        assert.equal(run.job("targets").outputs.targets, JSON.stringify([{ stack: STACK }]), jobLog(run, "targets"));
        assert.match(run.job("targets").steps[2].stderr, /atelier: live since 20[^,]+, watched hourly; never watched {2}← due/);
        const w = run.job("watch");
        assert.equal(w.result, "success", jobLog(run, "watch"));
        assert.equal(w.environment, `golive-${STACK}-read`);
        assert.match(w.summary, /### ✅ golive watch — `atelier`/);
        assert.match(w.summary, /- \*\*Drift:\*\* none/);
        assert.match(w.summary, /- \*\*Since the last watch:\*\* first watch — no change/);
        assert.match(w.summary, /\| MEP-07 DNS propagation \| ✅ pass \|/);
        assert.equal(ci.webhook.messages.length, told, "nothing to tell");
        const tag = await ci.ws.pulumi(["stack", "tag", "get", WATCH_TAG, "--stack", STACK]);
        assert.equal(tag.code, 0, tag.stderr);
        assert.match(tag.stdout, /"s":"ok"/);
    });

    it("a record changed behind the stack's back: golive watch --notify sees the drift and the DNS check failing and tells the webhook; once it is back, tells it again", async () => {
        const { world, zone } = ci.replica;
        const www = zone.list({ name: world.www }).find((r) => r.type === "A")!;
        const told = ci.webhook.messages.length;
        const argv = ["--stack", STACK, "--notify", "--dir", ci.checkout];
        zone.update(www.id, { ...www, content: world.oldSite.host });
        try {
            let io = newIo();
            assert.equal(await watch(argv, ci.deps(io)), 1, text(io));
            assert.match(text(io), /Drift: dns-www \(cloudflare:index\/dnsRecord:DnsRecord\): content 127\.0\.0\.2 → 127\.0\.0\.3/);
            assert.match(text(io), /✗ MEP-07 DNS propagation: /);
            assert.equal(ci.webhook.messages.length, told + 1, text(io));
            const message = ci.webhook.messages[told].text ?? "";
            assert.match(message, /^⚠️ Surveillance de https:\/\/www\.atelier-ci\.fr\/ \(stack atelier\) : \d problèmes depuis la vérification du 20/);
            assert.match(message, /❌ DNS record dns-www drifted from what the stack holds \(stack → now\): content 127\.0\.0\.2 → 127\.0\.0\.3 \(nouveau\)/);
            assert.doesNotMatch(message, /hooks|services\/T0REHEARSE/, "the webhook's URL is never in a message");
        } finally {
            zone.update(www.id, { ...www });
        }
        const io = newIo();
        assert.equal(await watch(argv, ci.deps(io)), 0, text(io));
        assert.equal(ci.webhook.messages.length, told + 2, text(io));
        assert.match(ci.webhook.messages[told + 1].text ?? "", /^✅ Surveillance de https:\/\/www\.atelier-ci\.fr\/ \(stack atelier\) : tout est rentré dans l'ordre \(résolu : [^)]*drift:dns-www/);
    });

    it("golive status --all: every stack of the clone with the phase its file asks for, the phase applied, its last update and its last watch; a stack the backend does not know needs attention", async () => {
        let io = newIo();
        assert.equal(await init(["--stack", "nouveau", "--domain", "nouveau-client.fr", "--dir", ci.checkout], ci.deps(io)), 0, text(io));
        io = newIo();
        assert.equal(await status(["--all", "--dir", ci.checkout], ci.deps(io)), 1, text(io));
        const out = io.out.join("\n");
        // The engine workspace's own stack file is there too (never updated).
        assert.match(out, /^golive status --all — 3 stacks in .*; 1 needs attention$/m);
        assert.match(out, /^Stack\s+Domain\s+Stack file\s+Applied\s+Last update\s+Last watch$/m);
        assert.match(out, /^atelier\s+atelier-ci\.fr\s+cutover\s+cutover \(20[^,]+, \d+ (s|min) ago\)\s+update of cutover: succeeded \(.*\)\s+ok \(20[^,]+, \d+ (s|min) ago\)$/m);
        assert.match(out, /^nouveau\s+nouveau-client\.fr\s+adopt\s+—\s+not read: cannot select stack nouveau.*←$/m);
        assert.match(out, /^workspace\s+—\s+adopt\s+none\s+none\s+—$/m);
        io = newIo();
        await status(["--all", "--markdown", "--dir", ci.checkout], ci.deps(io));
        assert.match(io.out.join("\n"), /\| ⚠️ `nouveau` \| nouveau-client\.fr \| adopt \| — \|/);
        fs.rmSync(path.join(ci.checkout, "Pulumi.nouveau.yaml"));
    });
});
