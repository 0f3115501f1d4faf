import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { main, pulumiStackOutputs, ReportDeps } from "../../cli/report";
import { rollbackMessage } from "../../operations/failureNote";
import { main as verify } from "../../cli/verify";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { buildChecklist } from "../../program/report";
import { RESULTS } from "../fixtures/checkResults";
import { failedCutoverRecord } from "../fixtures/goLiveRecord";
import { findEngine, isEngine } from "../../operations/engine";
import { requireEngine } from "../helpers/prerequisites";

const ROOT = path.join(__dirname, "..", "..");

function fakeDeps(over: Partial<ReportDeps> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const deps: ReportDeps = {
        stackOutputs: () => {
            throw Object.assign(new Error("spawnSync pulumi ENOENT"), { code: "ENOENT" });
        },
        now: () => "2026-05-02T10:00:00Z",
        stdin: async () => "",
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        ...over,
    };
    return { deps, out, err };
}

describe("cli/report: golive report", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-report-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("prints the checklist of a verify result as Markdown", async () => {
        const from = path.join(dir, "verify.json");
        fs.writeFileSync(from, JSON.stringify({ domain: "example.com", results: RESULTS }));
        const f = fakeDeps();
        assert.equal(await main(["--from", from], f.deps), 0);
        const md = f.out.join("");
        assert.match(md, /^# Mise en production — example\.com/);
        assert.match(md, /\*\*MEP-10\*\* \| Forcer la Redirection \| Développeur \| ❌ failed/);
        assert.match(md, /Rapport généré le :\*\* 2026-05-02T10:00:00Z/);
    });

    it("--html writes the go-live page from the record (issue 26), in French by default, --lang en in English; --lang alone or unknown is refused", async () => {
        const from = path.join(dir, "golive.json");
        fs.writeFileSync(from, JSON.stringify(failedCutoverRecord(undefined)));
        const page = path.join(dir, "golive.html");
        const f = fakeDeps();
        assert.equal(await main(["--from", from, "--html", page], f.deps), 0);
        assert.deepEqual(f.out, []);
        assert.match(f.err.join("\n"), /the go-live page is .*golive\.html/);
        const html = fs.readFileSync(page, "utf8");
        assert.match(html, /^<!doctype html>\n<html lang="fr">/);
        assert.match(html, /Retour arrière le 2026-12-05 09:00:44 UTC/);
        assert.equal(await main(["--from", from, "--html", page, "--lang", "en"], fakeDeps().deps), 0);
        assert.match(fs.readFileSync(page, "utf8"), /Rolled back at 2026-12-05 09:00:44 UTC: the go-live is postponed/);
        const bad = fakeDeps();
        assert.equal(await main(["--from", from, "--html", page, "--lang", "de"], bad.deps), 2);
        assert.match(bad.err.join("\n"), /--lang must be fr or en, got "de"/);
        const alone = fakeDeps();
        assert.equal(await main(["--from", from, "--lang", "en"], alone.deps), 2);
        assert.match(alone.err.join("\n"), /--lang applies to the page: give --html <file> too/);
    });

    it("writes to --out and keeps the checklist recorded in stack outputs", async () => {
        const recorded = buildChecklist({ domain: "example.com", phase: "cutover", results: RESULTS, generatedAt: "2026-05-01T00:00:00Z" });
        recorded[0] = { ...recorded[0], evidence: "recorded at deploy time" };
        const from = path.join(dir, "outputs.json");
        fs.writeFileSync(from, JSON.stringify({ phase: "cutover", zone: { name: "example.com", status: "active" }, checklist: recorded }));
        const out = path.join(dir, "mep.md");
        const f = fakeDeps();
        assert.equal(await main(["--from", from, "--out", out, "--stack", "prod"], f.deps), 0);
        assert.equal(f.out.length, 0);
        const md = fs.readFileSync(out, "utf8");
        assert.match(md, /\| \*\*P-01\*\* \|[^\n]*recorded at deploy time/);
        assert.match(md, /\*\*Stack :\*\* prod/);
    });

    it("reads the stack outputs through the Pulumi CLI without --from", async () => {
        const seen: Array<string | undefined> = [];
        const f = fakeDeps({ stackOutputs: (s) => (seen.push(s), { redirect: { from: "example.com" }, phase: "prepare", checks: RESULTS }) });
        assert.equal(await main(["--stack", "prod"], f.deps), 0);
        assert.deepEqual(seen, ["prod"]);
        assert.match(f.out.join(""), /\*\*Phase :\*\* prepare/);
    });

    it("a failed cutover rolled back at R-1: the failure, its evidence and who decided when come from the stack's history (issue 18 item 3)", async () => {
        const prepared = buildChecklist({ domain: "example.com", phase: "prepare", results: [], generatedAt: "2026-05-01T00:00:00Z" });
        const outputs = { phase: "prepare", zone: { name: "example.com", status: "active" }, checks: [], checklist: prepared };
        const message = rollbackMessage("golive rollback to prepare (R-2)", {
            phase: "cutover",
            at: "2026-05-01T18:00:05.000Z",
            failedChecks: [{ id: "MEP-09", name: "HTTPS reachability", reason: "https://www.example.com/ answered 500", evidence: { status: 500 } }],
            errors: [],
            decision: { choice: "rollback", by: "Camille", at: "2026-05-01T18:00:07.000Z", how: 'answered "yes" at the prompt' },
            records: "apex and www point to Vercel (76.76.21.21)",
        });
        const history = [
            { kind: "update", result: "succeeded", message, startTime: "2026-05-01T18:00:08Z", endTime: "2026-05-01T18:00:20Z", config: { "golive:phase": { value: "prepare" } } },
            { kind: "update", result: "failed", message: "golive cutover", startTime: "2026-05-01T17:59:00Z", config: { "golive:phase": { value: "cutover" } } },
        ];
        const f = fakeDeps({ stackOutputs: () => outputs, stackHistory: () => history });
        assert.equal(await main(["--stack", "prod"], f.deps), 0);
        const md = f.out.join("");
        assert.match(md, /\*\*Phase :\*\* cutover \(update failed: MEP-09 HTTPS reachability failed: https:\/\/www\.example\.com\/ answered 500\), then rolled back to prepare/);
        assert.match(md, /\*\*Bilan :\*\* [^\n]*[1-9]\d* failed/);
        assert.match(md, /\| \*\*MEP-09\*\* \|[^\n]*❌ failed \|[^\n]*answered 500/);
        assert.match(md, /\| \*\*R-1\*\* \| Décision \| [^|]+ \| ✅ done \| rollback decided: roll back now: decided by Camille at 2026-05-01T18:00:07\.000Z \(answered "yes" at the prompt\)/);
        assert.match(md, /\| \*\*R-2\*\* \|[^\n]*✅ done \| back to the prepare phase: golive:phase back to prepare and pulumi up, done at 2026-05-01T18:00:20\.000Z; when it failed: apex and www point to Vercel/);
        // R-3 is not in the history: without the page's JSON nothing says it was sent.
        assert.match(md, /\| \*\*R-3\*\* \|[^\n]*\| ✋ manual \| — \|/);
        // A later successful cutover: the failure is history, not the stack's state.
        const g = fakeDeps({ stackOutputs: () => ({ ...outputs, phase: "cutover" }), stackHistory: () => [{ kind: "update", result: "succeeded", message: "golive cutover", startTime: "2026-05-02T10:00:00Z", config: {} }, ...history] });
        assert.equal(await main(["--stack", "prod"], g.deps), 0);
        assert.doesNotMatch(g.out.join(""), /rolled back/);
        // R-3 as the command that sent it kept it, with the page it linked (`<page>.json`): its status and evidence.
        const r3 = { id: "R-3", name: "Postponement notification", status: "pass", reason: "message posted to the webhook (200)", evidence: { at: "2026-05-01T18:00:22.000Z" }, durationMs: 40 };
        const older = { rollback: { to: "prepare" }, notifications: [{ ...r3, reason: "an older go-live's message" }] };
        const pages = [{ domain: "example.com", phase: "cutover" }, { domain: "example.com", rollback: { to: "prepare", ok: true }, notifications: [r3] }, older];
        const h = fakeDeps({ stackOutputs: () => outputs, stackHistory: () => history, stackPages: (stack) => (assert.equal(stack, "prod"), pages) });
        assert.equal(await main(["--stack", "prod"], h.deps), 0);
        assert.match(h.out.join(""), /\| \*\*R-3\*\* \|[^\n]*✅ done \| the postponement posted with the go-live page: message posted to the webhook \(200\) at 2026-05-01T18:00:22\.000Z/);
        // No rollback on the stack: a page's R-3 does not make one.
        const k = fakeDeps({ stackOutputs: () => ({ ...outputs, phase: "cutover" }), stackHistory: () => [], stackPages: () => pages });
        assert.equal(await main(["--stack", "prod"], k.deps), 0);
        assert.doesNotMatch(k.out.join(""), /postponement posted/);
    });

    it("--stack --html later: the pictures, the timeline and R-4 from the page the run wrote, only when that page is about what the stack shows (issue 26)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-report-stack-"));
        try {
            const png = "data:image/png;base64,iVBORw0KGgo=";
            const shot = (stage: string, takenAt: string, more: object = {}) => ({ url: "https://www.example.com/", stage, takenAt, image: png, width: 1024, height: 640, ...more });
            const timeline = (switchMs?: number, wayBack?: object) => ({ origin: "2026-05-01T18:00:00.000Z", endMs: 30_000, phases: [{ label: "cutover", startMs: 1_000, endMs: 20_000 }], ...(switchMs ? { dnsSwitchMs: switchMs } : {}), ...(wayBack ? { wayBack } : {}), checks: [{ id: "MEP-09", name: "HTTPS", stage: "after-switch", atMs: 12_000, status: "pass" }], probes: [], probesFrom: "the checks' own requests" });
            const live = { domain: "example.com", phase: "cutover", timeline: timeline(5_000), screenshots: [shot("pre-switch", "2026-05-01T18:00:00.000Z"), shot("after-switch", "2026-05-01T18:00:25.000Z")] };
            const rolledBack = { domain: "example.com", phase: "cutover", rollback: { to: "prepare", ok: true }, failedUpdate: { phase: "cutover", error: "rolled back by Camille" }, timeline: timeline(undefined, { startMs: 2_000, endMs: 4_000 }), screenshots: [shot("after-switch", "2026-05-01T18:00:29.000Z", { shows: "after the way back by golive rollback" })], incident: { failedChecks: [], deploymentEventsMissing: "not read in this test" } };
            const outputs = { phase: "cutover", zone: { name: "example.com", status: "active" }, checks: [] };
            const render = async (o: unknown, history: unknown[], pages: unknown[]) => {
                const file = path.join(dir, `page-${Math.random().toString(36).slice(2)}.html`);
                const f = fakeDeps({ stackOutputs: () => o, stackHistory: () => history, stackPages: () => pages });
                assert.equal(await main(["--stack", "prod", "--html", file], f.deps), 0, f.err.join("\n"));
                return fs.readFileSync(file, "utf8");
            };
            // Live: the cutover's page.
            const page = await render(outputs, [], [live]);
            assert.match(page, /<svg class="timeline"/);
            assert.equal((page.match(/<figure class="shot">/g) ?? []).length, 2);
            assert.match(page, /En ligne depuis le 2026-05-01 18:00:05 UTC/, "live since the switch, from the page's timeline");
            // Rolled back (the stack's history): the rollback's page, not the older live one.
            const note = rollbackMessage("golive rollback to update 2 (prepare)", { phase: "cutover", at: "2026-05-01T18:00:01.000Z", failedChecks: [], errors: ["rolled back by Camille"], decision: { choice: "rollback", by: "Camille", at: "2026-05-01T18:00:01.000Z", how: "golive rollback --yes" } });
            const history = [{ kind: "update", result: "succeeded", message: note, startTime: "2026-05-01T18:00:02Z", endTime: "2026-05-01T18:00:20Z", config: { "golive:phase": { value: "prepare" } } }];
            const back = await render({ ...outputs, phase: "prepare" }, history, [rolledBack, live]);
            assert.match(back, /after the way back by golive rollback/);
            assert.match(back, /Retour arrière le 2026-05-01 18:00:04 UTC/, "rolled back when the way back ended, from the page's timeline");
            assert.match(back, /not read in this test/, "R-4 as the page kept it");
            // A page about another run is not shown: live stack, newest page a rollback; no page at all.
            for (const other of [await render(outputs, [], [rolledBack, live]), await render(outputs, [], [])]) {
                assert.doesNotMatch(other, /<figure class="shot">|<svg class="timeline"/);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    // Issue 18 item 2: one way to find the engine for every command (operations/engine findEngine).
    it("without an engine: exit 2 with findEngine's message (what status, adopt, prepare and cutover print) and the --from way", async () => {
        const env = { PATH: "/nonexistent-golive-test", GOLIVE_ENGINE_DIR: "/nonexistent-golive-engine" };
        const missing = findEngine(env);
        assert.ok(!isEngine(missing));
        assert.throws(() => pulumiStackOutputs("prod", env), (e: Error) => e.message === missing.missing);
        const f = fakeDeps({ stackOutputs: (s) => pulumiStackOutputs(s, env) });
        assert.equal(await main(["--stack", "prod"], f.deps), 2);
        const text = f.err.join("\n");
        assert.ok(text.startsWith(`golive report: ${missing.missing}`), text);
        assert.match(text, /npm run engine/);
        assert.match(text, /--from <file\.json>/);
    });

    it("with no pulumi on PATH, reads the stack outputs through the engine `npm run engine` built", async function () {
        const built = requireEngine(this);
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "golive-report-engine-"));
        try {
            fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: reportengine\nruntime: nodejs\n");
            fs.mkdirSync(path.join(project, "state"));
            const env: NodeJS.ProcessEnv = {
                PATH: "/nonexistent-golive-test",
                HOME: process.env.HOME,
                ...(built.source === "cache" ? { GOLIVE_ENGINE_DIR: path.dirname(built.binDir) } : { PATH: built.binDir }),
                PULUMI_HOME: path.join(project, "home"),
                PULUMI_BACKEND_URL: `file://${path.join(project, "state")}`,
                PULUMI_CONFIG_PASSPHRASE: "report test",
                PULUMI_SKIP_UPDATE_CHECK: "true",
            };
            const init = await new Promise<number>((resolve) =>
                execFile(path.join(built.binDir, "pulumi"), ["stack", "init", "reportengine", "--non-interactive"], { cwd: project, env, timeout: 60_000 }, (err) => resolve(err ? 1 : 0)),
            );
            assert.equal(init, 0);
            assert.deepEqual(pulumiStackOutputs("reportengine", env, project), {});
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });

    it("exits 2 on usage errors, worded like every command; 3 on a file that cannot be used", async () => {
        const usage: [string[], RegExp][] = [
            [["--bogus"], /^golive report: unknown option --bogus\n\nusage: golive report/],
            [["--from"], /^golive report: --from needs a value\n/],
            [["--from", "a.json", "extra"], /^golive report: unexpected argument "extra"/],
        ];
        for (const [argv, message] of usage) {
            const f = fakeDeps();
            assert.equal(await main(argv, f.deps), 2, argv.join(" "));
            assert.match(f.err.join("\n"), message);
        }
        const noDomain = path.join(dir, "nodomain.json");
        fs.writeFileSync(noDomain, JSON.stringify(RESULTS));
        const notJson = path.join(dir, "not.json");
        fs.writeFileSync(notJson, "MEP-10 failed\n");
        const files: [string[], RegExp][] = [
            [["--from", path.join(dir, "missing.json")], /^golive report: cannot read --from .*missing\.json: ENOENT/],
            [["--from", noDomain], /^golive report: --from .*nodomain\.json: cannot tell the domain/],
            [["--from", notJson], /^golive report: --from .*not\.json is not JSON/],
            [["--from", "-"], /^golive report: --from standard input is empty/],
        ];
        for (const [argv, message] of files) {
            const f = fakeDeps();
            assert.equal(await main(argv, f.deps), 3, argv.join(" "));
            const text = f.err.join("\n");
            assert.match(text, message);
            assert.doesNotMatch(text, /usage:/, "a file error is not a usage error");
        }
    });
});

describe("cli/report: golive verify --json | golive report --from - (real verify output)", function () {
    this.timeout(40_000);
    let world: ReplicaWorld;
    let dir: string;
    let flags: string[];
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-report-verify-"));
        fs.writeFileSync(path.join(dir, "ca.pem"), world.ca.certPem);
        flags = [
            "--domain", world.domain, "--pages", "/,/tarifs",
            "--dns-server", world.net.dnsServers![0], "--http-port", String(world.net.httpPort), "--https-port", String(world.net.httpsPort),
            "--ca", path.join(dir, "ca.pem"), "--expect-apex", "127.0.0.2", "--expect-www", "127.0.0.2", "--dns-timeout", "2",
            "--only", "dns,tls,https,redirects,smoke,seo", "--json",
        ];
    });
    after(async () => {
        await world.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("turns the output of golive verify into the checklist, in process", async () => {
        world.newSite.spec.apexRedirectStatus = 302;
        let json = "";
        try {
            assert.equal(await verify(flags, { out: (t) => (json += t), err: () => undefined }), 1);
        } finally {
            world.newSite.spec.apexRedirectStatus = 308;
        }
        const f = fakeDeps({ stdin: async () => json });
        assert.equal(await main(["--from", "-"], f.deps), 0, f.err.join("\n"));
        const md = f.out.join("");
        assert.match(md, new RegExp(`^# Mise en production — ${world.domain.replace(/\./g, "\\.")}`));
        assert.match(md, /\*\*MEP-10\*\* \| Forcer la Redirection \| Développeur \| ❌ failed \| Redirects: .*302/);
        assert.match(md, /\*\*MEP-08\*\* \| [^\n]*✅ checked OK/);
        // What a verify cannot know is said, not guessed.
        assert.match(md, /\*\*MEP-04\*\* \| [^\n]*❔ unknown \| not in this record/);
        // An older verify file without `domain` still names its site through its results.
        const older = JSON.parse(json);
        delete older.domain;
        const g = fakeDeps({ stdin: async () => JSON.stringify(older) });
        assert.equal(await main(["--from", "-"], g.deps), 0, g.err.join("\n"));
        assert.match(g.out.join(""), new RegExp(`^# Mise en production — ${world.domain.replace(/\./g, "\\.")}`));
    });

    it("works as documented, through a real pipe between the two commands", async () => {
        const cli = path.join(ROOT, "cli", "golive.js");
        const q = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
        const line = `${q(process.execPath)} ${q(cli)} verify ${flags.map(q).join(" ")} | ${q(process.execPath)} ${q(cli)} report --from -`;
        // Async: the replica serves from this process.
        const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
            execFile("/bin/sh", ["-c", line], { cwd: ROOT, timeout: 35_000 }, (error, stdout, stderr) =>
                resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
            ),
        );
        assert.equal(code, 0, stderr);
        assert.match(stdout, /^# Mise en production — /);
        assert.match(stdout, /\*\*MEP-09\*\* \| [^\n]*✅ checked OK/);
    });
});
