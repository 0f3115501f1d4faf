// After a cutover's verdict (issue 26): R-4's Vercel events read from the replica's API and shown
// in the page's incident section, the page written and published, R-3 posted through the webhook
// and recorded (R-3 done in the checklist); a live cutover's page sent after MEP-17; a failing or
// hung upload said, the page then linked by its path, and nothing thrown (the verdict stands).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { newsOfCutover, newsOfRollback } from "../../cli/goLiveNews";
import { stackPageFiles } from "../../cli/report";
import { buildChecklist } from "../../program/report";
import { renderRecord, renderRecoveryRecord, type PhaseRecord } from "../../rendering/recordFile";
import type { CheckResult } from "../../checks/types";
import type { ConfigMap } from "../../operations/phaseGates";
import { startWebhookReceiver, WebhookReceiver } from "../../rehearsal/releaseFixtures";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";

const failed: CheckResult = { id: "MEP-09", name: "HTTPS reachability", status: "fail", reason: "https://www.example.com/ answered 500", evidence: { status: 500 }, durationMs: 10 };

describe("cli/goLiveNews: the page, R-4's events, MEP-17's page and R-3 after the verdict", function () {
    this.timeout(30_000);
    let vw: VercelWorld;
    let webhook: WebhookReceiver;
    let dir: string;
    before(async () => {
        vw = await startVercelWorld();
        webhook = await startWebhookReceiver();
    });
    after(async () => {
        await webhook?.close();
        await vw?.close();
    });
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-news-"));
        webhook.messages.splice(0);
    });
    afterEach(() => {
        delete vw.behaviour.build;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const io = () => {
        const lines: string[] = [];
        return { lines, deps: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), now: () => Date.now(), env: process.env } };
    };
    const mapOf = (over: Record<string, unknown> = {}, webhookOn = true): ConfigMap => ({
        "golive:domain": { value: "example.com", secret: false },
        "golive:vercelApiUrl": { value: vw.api.url, secret: false },
        "vercel:apiToken": { value: vw.api.token, secret: true },
        ...(webhookOn ? { "golive:notify": { value: JSON.stringify({ webhookUrl: webhook.url }), secret: true } } : {}),
        ...(Object.keys(over).length ? { "golive:report": { value: JSON.stringify(over), secret: false } } : {}),
    });
    const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 8, 0, s));
    const recordOf = (ok: boolean): PhaseRecord => {
        const checklist = buildChecklist({ domain: "example.com", stack: "prod", phase: "cutover", results: ok ? [] : [failed], webhookConfigured: true, generatedAt: at(30).toISOString() });
        return {
            stack: "prod",
            phase: "cutover",
            domain: "example.com",
            operator: "Camille",
            engine: "3.248.0",
            startedAt: at(0),
            endedAt: at(30),
            gates: [],
            preview: [],
            confirmation: "--yes",
            ok,
            errors: ok ? [] : ["MEP-09 failed"],
            steps: [],
            clockOrigin: at(0).getTime(),
            failedChecks: ok ? [] : [failed],
            dnsSwitchAt: at(5),
            ...(ok ? {} : { decision: { choice: "rollback" as const, by: "Camille", at: at(10), how: "--auto-rollback: rolled back at once" }, rollback: { ok: true, startedAt: at(10), endedAt: at(25), dnsRestoredAt: at(12), steps: [], errors: [] } }),
            checklist,
        };
    };

    it("a cutover rolled back: the build-error's events from Vercel's API in the record and the page's incident (escaped), the page in the project's pages/, R-3 posted and recorded", async () => {
        vw.behaviour.build = { state: "ERROR", buildMs: 0, message: 'Command "npm run build" exited with 1 <img src=x>' };
        const d = vw.vercel.createDeployment({ projectId: vw.projectId, production: true, ref: "v1.0.0" });
        const { lines, deps } = io();
        const record = recordOf(false);
        const news = await newsOfCutover({ map: mapOf(), record, outputs: { deploymentId: d.id }, projectDir: dir, deps });
        Object.assign(record, news);
        // read through the product's client, from the replica's route.
        assert.ok(vw.api.calls.some((c) => c.path === `/v3/deployments/${d.id}/events` && c.status === 200));
        const events = news.incident?.deploymentEvents ?? [];
        assert.deepEqual(events.slice(-2).map((e) => e.type), ["stderr", "exit"]);
        // The page: in the project's pages/, named like the record, its incident section showing the events escaped.
        assert.equal(news.page?.file, path.join(dir, "pages", "golive-prod-cutover-20261206T080000Z.html"));
        const html = fs.readFileSync(news.page!.file, "utf8");
        assert.match(html, /id="incident"/);
        assert.match(html, /exited with 1 &lt;img src=x&gt;/);
        assert.doesNotMatch(html, /<img src=x>/);
        assert.ok(fs.existsSync(`${news.page!.file}.json`), "what the page was rendered from, for golive report --from");
        // posted at once, in French, with the page.
        assert.equal(webhook.messages.length, 1);
        assert.match(webhook.messages[0].text!, /^Mise en production de https:\/\/www\.example\.com\/ reportée : MEP-09 HTTPS reachability failed: https:\/\/www\.example\.com\/ answered 500\./);
        assert.match(webhook.messages[0].text!, /depuis le 2026-12-06 08:00:12 UTC/);
        assert.ok(webhook.messages[0].text!.endsWith(`La page de l'incident : ${news.page!.file}`));
        assert.equal(news.messages?.[0].id, "R-3");
        assert.equal(news.checklist.find((l) => l.id === "R-3")?.status, "done");
        // R-4 gathered, not left manual: said in the record's checklist and in the page kept.
        const r4 = news.checklist.find((l) => l.id === "R-4")!;
        assert.equal(r4.status, "done");
        assert.match(r4.evidence, /^gathered for the analysis: the failed checks with their evidence \(MEP-\d+\); Vercel's build log and events \(\d+\)/);
        const md = renderRecord(record);
        assert.match(md, /\| \*\*R-3\*\* \| [^|]+ \| [^|]+ \| ✅ done \| the postponement posted with the go-live page: message posted to the webhook/);
        assert.match(md, /## Vercel deployment events \(R-4\)[\s\S]*\[exit\] BUILD_UTILS_SPAWN_1/);
        assert.match(md, /- \*\*R-3 Postponement notification:\*\* sent/);
        assert.ok(lines.some((l) => /^R-3 the client told of the postponement: message posted/.test(l)), lines.join("\n"));
        // R-3 kept with the page (its JSON), where `golive report --stack` finds it by the stack's file.
        const kept = JSON.parse(fs.readFileSync(`${news.page!.file}.json`, "utf8"));
        assert.deepEqual(kept.notifications.map((n: CheckResult) => [n.id, n.status]), [["R-3", "pass"]]);
        assert.equal(kept.checklist.find((l: { id: string }) => l.id === "R-3").status, "done");
        assert.equal(kept.checklist.find((l: { id: string }) => l.id === "R-4").status, "done");
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  golive:domain: example.com\n");
        const pages = stackPageFiles("prod", dir) as Array<Record<string, any>>;
        assert.deepEqual(pages.map((p) => p.notifications?.[0]?.id), ["R-3"]);
        assert.deepEqual(stackPageFiles("prod-eu", dir), [], "another stack's pages are not this one's");
    });

    it("the page of a real cutover: the timeline from what the run recorded (the apply, the DNS switch, the checks and their own requests, the way back) and the key pages' pictures, kept in <page>.json", async () => {
        const { deps } = io();
        const record = recordOf(false);
        const smoke: CheckResult = { id: "MEP-11", name: "Smoke test", status: "pass", reason: "ok", evidence: { requests: [{ at: at(7).toISOString(), ms: 80, ok: true, url: "https://www.example.com", status: 200 }] }, durationMs: 80 };
        record.apply = { startedAt: at(1), endedAt: at(9) };
        record.steps = [{ name: "checks-smoke", type: "pulumi-nodejs:dynamic:Resource", op: "create", label: "MEP-11", startedAt: 6_000, endedAt: 7_500, ok: true, result: smoke }];
        record.firstFailedCheckAt = at(8);
        const shot = (stage: "pre-switch" | "after-switch", more: object = {}) => ({ url: "https://www.example.com/", stage, takenAt: at(stage === "pre-switch" ? 0 : 26).toISOString(), width: 1024, height: 640, ...more });
        const shots = [shot("pre-switch", { image: "data:image/png;base64,iVBORw0KGgo=", pinned: "www.example.com → 76.76.21.21" }), shot("after-switch", { missing: "no Chromium on this machine (apt-get install chromium, or set CHROME_PATH)", shows: "after the way back" })];
        const news = await newsOfCutover({ map: mapOf(), record, outputs: {}, shots, projectDir: dir, deps });
        const json = JSON.parse(fs.readFileSync(`${news.page!.file}.json`, "utf8"));
        assert.equal(json.timeline.origin, at(0).toISOString());
        assert.equal(json.timeline.dnsSwitchMs, 5_000);
        assert.deepEqual(json.timeline.wayBack, { startMs: 8_000, endMs: 12_000 });
        assert.deepEqual(json.timeline.checks.map((c: { id: string; atMs: number }) => [c.id, c.atMs]), [["MEP-11", 7_500]]);
        assert.deepEqual(json.timeline.probes, [{ atMs: 7_000, ms: 80, ok: true }]);
        assert.deepEqual(json.timeline.probesSource, { kind: "checks", hosts: ["example.com", "www.example.com"] });
        assert.deepEqual(json.screenshots, shots);
        const html = fs.readFileSync(news.page!.file, "utf8");
        assert.match(html, /<svg class="timeline"/);
        assert.match(html, /src="data:image\/png;base64,iVBORw0KGgo="/);
        assert.match(html, /no Chromium on this machine/);
        // The run's record says it in one line.
        assert.match(renderRecord({ ...record, ...news }), /- \*\*Key pages' pictures:\*\* before the switch 1 of 1; after it 0 of 1 \(no Chromium on this machine/);
    });

    it("a live cutover: MEP-17's page posted after the record's facts, linked at golive:report.url once uploaded; in English when asked", async () => {
        const { deps } = io();
        const record = recordOf(true);
        const news = await newsOfCutover({ map: mapOf({ url: "https://pages.agence.example/golive", uploadCommand: [process.execPath, "-e", "0"], lang: "en" }), record, outputs: {}, projectDir: dir, deps });
        assert.equal(news.incident, undefined, "nothing to analyse");
        assert.equal(news.page?.link, "https://pages.agence.example/golive/golive-prod-cutover-20261206T080000Z.html");
        assert.deepEqual(webhook.messages.map((m) => m.text), ["Go-live of https://www.example.com/ done: the site is live since 2026-12-06 08:00:05 UTC.\nThe go-live page: https://pages.agence.example/golive/golive-prod-cutover-20261206T080000Z.html"]);
        assert.match(news.checklist.find((l) => l.id === "MEP-17")!.evidence, /the go-live page posted at 20\d\d-/);
        assert.equal(news.checklist.find((l) => l.id === "R-3")?.status, "manual");
    });

    it("a failing or hung upload is said, the page then linked by its path, the message still sent; nothing thrown", async () => {
        const { lines, deps } = io();
        const news = await newsOfCutover({ map: mapOf({ url: "https://pages.agence.example", uploadCommand: [process.execPath, "-e", "setInterval(() => {}, 1000)"], uploadTimeoutSeconds: 1 }), record: recordOf(true), outputs: {}, projectDir: dir, deps });
        assert.deepEqual([news.page?.upload?.ok, news.page?.link], [false, news.page?.file]);
        assert.match(news.page!.upload!.detail, /^stopped after 1 s/);
        assert.ok(lines.some((l) => /upload FAILED: stopped after 1 s/.test(l)), lines.join("\n"));
        assert.ok(webhook.messages[0].text!.endsWith(news.page!.file));
    });

    it("no webhook: R-3 stays manual, said so; the page is written all the same; no deployment id: the incident says why there are no events", async () => {
        const { deps } = io();
        const news = await newsOfCutover({ map: mapOf({}, false), record: recordOf(false), outputs: {}, projectDir: dir, deps });
        assert.equal(webhook.messages.length, 0);
        assert.equal(news.checklist.find((l) => l.id === "R-3")?.status, "manual");
        assert.match(news.incident!.deploymentEventsMissing!, /no production deployment/);
        assert.ok(fs.existsSync(news.page!.file));
    });

    it("golive rollback / recover --rollback: the page from the stack's outputs and R-3 at once, in the recovery record", async () => {
        const { deps } = io();
        const news = await newsOfRollback({ map: mapOf(), stack: "prod", domain: "example.com", kind: "rollback", because: "the cutover was interrupted: SIGKILL", decidedBy: "Camille", rollback: { ok: true, startedAt: at(0), endedAt: at(20), dnsRestoredAt: at(8), steps: [], errors: [] }, startedAt: at(0), outputs: async () => ({ domain: "example.com", phase: "prepare" }), projectDir: dir, deps });
        assert.equal(news.page?.file, path.join(dir, "pages", "golive-prod-rollback-20261206T080000Z.html"));
        assert.match(fs.readFileSync(news.page!.file, "utf8"), /the cutover was interrupted: SIGKILL/);
        assert.match(webhook.messages[0].text!, /reportée : the cutover was interrupted: SIGKILL\.\nRetour arrière effectué : les visiteurs retrouvent l'ancien site depuis le 2026-12-06 08:00:08 UTC\./);
        const md = renderRecoveryRecord({ stack: "prod", domain: "example.com", operator: "Camille", engine: "3.248.0", startedAt: at(0), endedAt: at(20), before: [], cleared: [], after: [], clockOrigin: at(0).getTime(), ok: true, ...news }, "rollback");
        assert.match(md, /## Go-live page and messages \(MEP-17, R-3\)[\s\S]*- \*\*R-3 Postponement notification:\*\* sent — message posted/);
    });

    it("golive rollback / recover --rollback: the page JSON has the rollback's timeline and pictures (the cutover's from its page, found as report --stack finds it, then the after-rollback ones), the record says them", async () => {
        const { deps } = io();
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  golive:domain: example.com\n");
        const png = "data:image/png;base64,iVBORw0KGgo=";
        const shot = (stage: "pre-switch" | "after-switch", s: number, more: object = {}) => ({ url: "https://www.example.com/", stage, takenAt: at(s).toISOString(), image: png, width: 1024, height: 640, ...more });
        // The cutover went live (its page has its pictures), then golive rollback put the old site back.
        const cutoverPage = path.join(dir, "pages", "golive-prod-cutover-20261206T070000Z.html.json");
        fs.mkdirSync(path.dirname(cutoverPage), { recursive: true });
        fs.writeFileSync(cutoverPage, JSON.stringify({ domain: "example.com", phase: "cutover", screenshots: [shot("pre-switch", 1, { pinned: "www.example.com → cname.vercel-dns.com" }), shot("after-switch", 2)] }));
        const prepared: CheckResult = { id: "MEP-08", name: "TLS certificate", status: "pass", reason: "ok", stage: "pre-switch", evidence: { requests: [{ at: at(17).toISOString(), ms: 30, ok: true, url: "https://www.example.com" }] }, durationMs: 30 };
        const rollback = { ok: true, startedAt: at(5), endedAt: at(20), dnsRestoredAt: at(8), apply: { startedAt: at(9), endedAt: at(19) }, steps: [{ name: "checks-certificate-pre", type: "pulumi-nodejs:dynamic:Resource", op: "update", label: "MEP-08", startedAt: 16_000, endedAt: 17_500, ok: true, result: prepared }], errors: [] };
        const after = shot("after-switch", 21, { shows: "after the way back by golive rollback (records back at 2026-12-06T08:00:08.000Z), through public DNS: the stack runs prepare; visitors reach the old site." });
        const news = await newsOfRollback({ map: mapOf(), stack: "prod", domain: "example.com", kind: "rollback", because: "rolled back by Camille", decidedBy: "Camille", rollback, startedAt: at(0), shots: [after], outputs: async () => ({ domain: "example.com", phase: "prepare" }), projectDir: dir, deps });
        const json = JSON.parse(fs.readFileSync(`${news.page!.file}.json`, "utf8"));
        assert.deepEqual(json.timeline.phases.map((p: { label: string }) => p.label), ["records first", "rollback", "report"]);
        assert.deepEqual(json.timeline.wayBack, { startMs: 5_000, endMs: 8_000 });
        assert.deepEqual(json.timeline.checks.map((c: { id: string; atMs: number }) => [c.id, c.atMs]), [["MEP-08", 17_500]]);
        assert.deepEqual(json.timeline.probes, [{ atMs: 17_000, ms: 30, ok: true }]);
        assert.deepEqual(json.screenshots.map((s: { stage: string; takenAt: string }) => [s.stage, s.takenAt]), [["pre-switch", at(1).toISOString()], ["after-switch", at(2).toISOString()], ["after-switch", at(21).toISOString()]]);
        assert.equal(news.page!.pictures, "before the switch 1 of 1; after it 2 of 2");
        const html = fs.readFileSync(news.page!.file, "utf8");
        assert.match(html, /<svg class="timeline"/);
        assert.equal((html.match(/<figure class="shot">/g) ?? []).length, 3, "before, the new site as it was live, the old site again");
        assert.match(html, /after the way back by golive rollback \(records back at 2026-12-06T08:00:08\.000Z\)/);
        assert.match(html, /Retour arrière le 2026-12-06 08:00:08 UTC : mise en production reportée/, "rolled back when the records were back (the way back's end)");
        // The newest page is now the rollback's: a later rollback finds no cutover pictures to borrow.
        const later = await newsOfRollback({ map: mapOf(), stack: "prod", domain: "example.com", kind: "recover", because: "the cutover was interrupted", decidedBy: "Camille", rollback, startedAt: at(60), outputs: async () => ({}), projectDir: dir, deps });
        assert.equal(JSON.parse(fs.readFileSync(`${later.page!.file}.json`, "utf8")).screenshots, undefined, "an older go-live's pictures are not this one's");
        assert.equal(later.page!.pictures, undefined);
    });
});
