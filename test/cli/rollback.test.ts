// golive rollback (cli/rollback.ts) against a stand-in session: its options, the plan, the
// confirmation rule, records first, one line per step (the engine's output only with --verbose),
// the stack file and the record, and the way from an interrupted cutover (issue 17, issue 18 item 4).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, parseArgs, RollbackDeps, RollbackSession } from "../../cli/rollback";
import type { HistoryEntry } from "../../operations/rollback";
import type { RunOptions } from "../../operations/automation";
import { judgeSite, SiteFacts } from "../../operations/siteState";
import { a, NEW, OLD, siteFacts } from "../helpers/siteFacts";
import { parseFailureNote } from "../../operations/failureNote";
import type { Look } from "../../operations/siteLook";
import { Interrupt } from "../../operations/interrupt";
import type { RunFrame } from "../../operations/runFrame";

const B = "b".repeat(40);
const C = "c".repeat(40);
const history: HistoryEntry[] = [
    {
        version: 3, kind: "update", result: "succeeded", startTime: "2026-05-01T10:00:00Z",
        config: { "golive:phase": { value: "cutover", secret: false }, "golive:domain": { value: "example.fr", secret: false }, "golive:token": { value: "tok-new", secret: true } },
        environment: { "git.head": C },
    },
    {
        version: 2, kind: "update", result: "succeeded", startTime: "2026-05-01T09:00:00Z",
        config: { "golive:phase": { value: "prepare", secret: false }, "golive:domain": { value: "example.fr", secret: false }, "golive:token": { value: "tok-old", secret: true } },
        environment: { "git.head": B },
    },
];

/** A stack at cutover, Vercel serving (the site-state fixture at prepare, moved on). */
function lookOf(over: Partial<SiteFacts>): Look {
    const facts = siteFacts({
        applied: "cutover",
        filePhase: undefined,
        latest: { kind: "update", result: "succeeded", phase: "cutover" },
        live: { apex: a(NEW), www: a(NEW) },
        state: { apex: { type: "A", content: NEW }, www: { type: "A", content: NEW } },
        ...over,
    });
    return { facts, site: judgeSite(facts), history: [], outputs: {}, state: { pending: [], records: facts.state ?? {}, zoneId: "zone-1", empty: false } };
}

/** The records folders fake() made, removed after the file's tests. */
const recordDirs: string[] = [];
after(() => {
    for (const dir of recordDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function fake(over: Partial<RollbackDeps> = {}, looks: Look[] = [lookOf({}), lookOf({ applied: "prepare", latest: { kind: "update", result: "succeeded", phase: "prepare" }, live: { apex: a(OLD), www: a(OLD) }, state: { apex: { type: "A", content: OLD }, www: { type: "A", content: OLD } } })]) {
    const out: string[] = [];
    const err: string[] = [];
    const runs: RunOptions[] = [];
    const calls: string[] = [];
    const records = fs.mkdtempSync(path.join(os.tmpdir(), "golive-rb-"));
    recordDirs.push(records);
    const frame: RunFrame = { lock: { release() {} } as never, interrupt: new Interrupt({ err: () => undefined, cancelWaitMs: 1000, stopNow: async () => undefined, recoverCommand: "x" }), end: () => calls.push("end") };
    let looked = 0;
    const session: RollbackSession = {
        engineVersion: "v3.248.0",
        frame,
        readConfig: async () => ({ "golive:phase": { value: "cutover", secret: false } }),
        look: async () => looks[Math.min(looked++, looks.length - 1)],
        clear: async () => (calls.push("clear"), { cleared: ["state refreshed"], errors: [] }),
        opener: () => async () => {
            throw new Error("not used: readHistory and runRollback are stand-ins");
        },
        recordsBack: async (o) => (calls.push(`recordsBack ${o.phase} ${o.zoneId} refresh=${o.refreshFirst}`), { ok: true, startedAt: 0, endedAt: 1200 }),
    };
    const deps: RollbackDeps = {
        env: {},
        interactive: true,
        ask: async () => "no",
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        now: () => Date.now(),
        operator: () => "Camille",
        open: async () => session,
        readHistory: async () => history,
        programRepo: () => ({ root: "/repo", prefix: "", hasCommit: () => true, programChanges: () => [] }),
        runRollback: async (o) => {
            runs.push(o);
            return { summary: "succeeded: {\"update\":2}", stackFileBackup: "/p/.golive/Pulumi.prod.yaml.before-rollback-X" };
        },
        ...over,
    };
    return { deps, out, err, runs, calls, records, argv: (...x: string[]) => ["--stack", "prod", "--dir", "/p", "--records", records, ...x] };
}

describe("cli/rollback: golive rollback", () => {
    it("parses its options", () => {
        assert.deepEqual(parseArgs(["--stack", "prod", "--to", "2", "--dry-run", "--dir", "/p"]), { dryRun: true, yes: false, verbose: false, dir: "/p", records: "/p/records", stack: "prod", to: 2 });
        assert.deepEqual(parseArgs(["--to", "two", "--stack", "prod"]), { error: '--to must be an update version (a positive integer), got "two"' });
        assert.deepEqual(parseArgs(["--stack"]), { error: "--stack needs a value" });
        assert.deepEqual(parseArgs(["--stack=--help-me"]), { error: '--stack must be a stack name like prod, got "--help-me"' });
        assert.deepEqual(parseArgs(["--stack", "prod", "-y", "--bogus"]), { error: "unknown option --bogus" });
        assert.deepEqual(parseArgs(["--stack", "prod", "-y", "--verbose", "--dir", "/p"]), { dryRun: false, yes: true, verbose: true, dir: "/p", records: "/p/records", stack: "prod" });
    });

    it("exits 2 on usage errors, before opening anything", async () => {
        for (const argv of [[], ["--stack"], ["--stack", "prod", "--to", "0"], ["--stack", "prod", "--bogus"]]) {
            const f = fake({ open: async () => assert.fail("opened") });
            assert.equal(await main(argv, f.deps), 2, argv.join(" "));
            assert.match(f.err.join("\n"), /usage: golive rollback --stack/);
        }
    });

    it("without the engine: exit 2 with what provides it; held by another run: refused (exit 1)", async () => {
        const f = fake({ open: async () => "the Pulumi engine v3.248.0 is not installed: run `npm run engine`" });
        assert.equal(await main(f.argv("--dry-run"), f.deps), 2);
        assert.match(f.err.join("\n"), /^golive rollback: the Pulumi engine v3\.248\.0 is not installed: run `npm run engine`$/);
        const g = fake({ open: async () => "refused: golive cutover (pid 7 on vm, run by Léa) since 2026-…, 3 s ago holds stack prod; nothing was changed." });
        assert.equal(await main(g.argv("--yes"), g.deps), 1);
        assert.equal(g.runs.length, 0);
    });

    it("shows where the site is and the plan, and previews only with --dry-run (secrets never printed)", async () => {
        const f = fake();
        assert.equal(await main(f.argv("--dry-run"), f.deps), 0);
        const text = f.out.join("\n");
        assert.match(text, /^Where the site is: cutover applied: apex and www point to Vercel \(127\.0\.0\.2\); visitors reach the new site\./m);
        assert.match(text, /back to update : 2/);
        assert.match(text, /~ golive:phase: cutover -> prepare/);
        assert.match(text, /records first {2}: apex and www back to prepare's records before the rest/);
        assert.ok(!text.includes("tok-"), "secret values never printed");
        assert.equal(f.runs.length, 1);
        assert.equal(f.runs[0].dryRun, true);
        assert.equal(f.runs[0].plan.target.commit, B);
        assert.ok(!f.calls.some((c) => c.startsWith("recordsBack")), "a dry run changes nothing");
    });

    it("asks for confirmation, and changes nothing on no; without a terminal and without --yes nothing is applied", async () => {
        const f = fake();
        assert.equal(await main(f.argv(), f.deps), 1);
        assert.equal(f.runs.length, 0);
        assert.match(f.out.join("\n"), /cancelled/);
        const g = fake({ interactive: false });
        assert.equal(await main(g.argv(), g.deps), 2);
        assert.equal(g.runs.length, 0);
        assert.match(g.err.join("\n"), /add --yes/);
    });

    it("--yes: records first, then the target's up with one line per step (no raw engine output), the stack file replaced, the site read again, a record", async () => {
        const f = fake();
        assert.equal(await main(f.argv("--yes"), f.deps), 0, f.err.join("\n"));
        assert.deepEqual(f.calls.filter((c) => c.startsWith("recordsBack")), ["recordsBack prepare zone-1 refresh=false"]);
        assert.equal(f.runs.length, 1);
        assert.equal(f.runs[0].dryRun, false);
        assert.equal(f.runs[0].keepStackFile, true);
        assert.equal(f.runs[0].onOutput, undefined, "the engine's output only with --verbose");
        const text = f.out.join("\n");
        assert.match(text, /rollback done \(succeeded: \{"update":2\}\): the stack runs update 2 \(prepare\) again\./);
        assert.match(text, /^apex and www point to the old host \(127\.0\.0\.3\): visitors reach the old site\.$/m);
        assert.match(text, /Pulumi\.prod\.yaml now holds that update's config \(golive:phase prepare\); the one it replaced is kept as \.golive\/Pulumi\.prod\.yaml\.before-rollback-X\./);
        assert.match(f.err.join("\n"), /✓ MEP-06 apex and www back to prepare's records \(1\.2 s\)/);
        const file = /Record: (.*)$/m.exec(text)![1];
        assert.match(fs.readFileSync(file, "utf8"), /^# golive rollback — example\.fr \(stack prod\)\n\n- \*\*Result:\*\* rolled back/);
        assert.ok(f.calls.includes("end"), "the run lock is released");
        const v = fake();
        await main(v.argv("--yes", "--verbose"), v.deps);
        assert.equal(typeof v.runs[0].onOutput, "function");
    });

    it("from an interrupted cutover (killed: a stale lock, an operation pending, the records at Vercel the state does not know): cleared first, the prepare update applied again, its message keeps what happened", async () => {
        const interrupted = lookOf({
            applied: "prepare",
            filePhase: "cutover",
            latest: { kind: "update", result: "succeeded", phase: "prepare" },
            backendLock: { description: "pulumi pid 9 on vm — no longer running", alive: false },
            pending: [{ op: "updating", name: "dns-www" }],
            state: { apex: { type: "A", content: OLD }, www: { type: "A", content: OLD } },
        });
        const cleared = lookOf({ applied: "prepare", latest: { kind: "update", result: "succeeded", phase: "prepare" } });
        const home = lookOf({ applied: "prepare", latest: { kind: "update", result: "succeeded", phase: "prepare" }, live: { apex: a(OLD), www: a(OLD) }, state: { apex: { type: "A", content: OLD }, www: { type: "A", content: OLD } } });
        const prepareOnly = history.slice(1).map((e) => ({ ...e, version: 2 }));
        const f = fake({ readHistory: async () => prepareOnly }, [interrupted, cleared, home]);
        assert.equal(await main(f.argv("--yes"), f.deps), 0, f.err.join("\n"));
        assert.match(f.out[0], /^Where the site is: interrupted during cutover: apex and www point to Vercel \(127\.0\.0\.2\), the stack's state does not know it yet; visitors reach the new site\.$/);
        assert.deepEqual(f.calls.slice(0, 2), ["clear", "recordsBack prepare zone-1 refresh=false"]);
        assert.match(f.out.join("\n"), /back to update : 2 \(succeeded, [^)]*\) — applied again: the stack went further than its history says/);
        const note = parseFailureNote(f.runs[0].message);
        assert.equal(note?.phase, "cutover");
        assert.equal(note?.interrupted, true);
        assert.equal(note?.decision?.by, "Camille");
        assert.match(f.runs[0].message!, /^golive rollback to update 2 \(prepare\) after the interrupted cutover of /);
    });

    it("exits 1 with the reason when the rollback is refused", async () => {
        const f = fake({ programRepo: () => ({ root: "/repo", prefix: "", hasCommit: () => true, programChanges: () => ["program/dnsPlan.ts"] }) });
        assert.equal(await main(f.argv("--yes"), f.deps), 1);
        assert.match(f.err.join("\n"), /refused: the program here differs from commit b{40} recorded by update 2 \(program\/dnsPlan\.ts\)/);
        assert.equal(f.runs.length, 0);
        const g = fake();
        assert.equal(await main(g.argv("--to", "3", "--yes"), g.deps), 1);
        assert.match(g.err.join("\n"), /not before the current update 3/);
    });

    it("a cutover rolled back: after its up, the key pages through public DNS by the cutover's after-switch stage (a stand-in shooter), in the page JSON with the cutover's earlier pictures and the rollback's timeline (issue 26)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-rb-page-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  golive:domain: example.fr\n");
            fs.mkdirSync(path.join(dir, "pages"));
            const earlier = { url: "https://www.example.fr/", stage: "pre-switch", takenAt: "2026-05-01T10:00:00.000Z", image: "data:image/png;base64,AA==", pinned: "www.example.fr → cname.vercel-dns.com" };
            fs.writeFileSync(path.join(dir, "pages", "golive-prod-cutover-20260501T100000Z.html.json"), JSON.stringify({ domain: "example.fr", screenshots: [earlier] }));
            const shots: Array<{ urls: string[]; stage: string; pins?: Record<string, string> }> = [];
            const map = { "golive:phase": { value: "cutover", secret: false }, "golive:domain": { value: "example.fr", secret: false }, "golive:checks": { value: JSON.stringify({ pages: [{ path: "/" }] }), secret: false } };
            const f = fake({
                shootPages: async (urls, stage, _net, pins) => (shots.push({ urls, stage, ...(pins ? { pins } : {}) }), urls.map((url) => ({ url, stage, takenAt: new Date().toISOString(), image: "data:image/png;base64,AA==", width: 1024, height: 640 }))),
            });
            let clock = Date.UTC(2026, 4, 1, 11);
            f.deps.now = () => (clock += 500); // each stage takes time, as on the day
            const open = f.deps.open;
            f.deps.open = async (...a) => {
                const session = await open(...a);
                return typeof session === "string" ? session : { ...session, readConfig: async () => map, recordsBack: async () => ({ ok: true, startedAt: f.deps.now(), endedAt: f.deps.now() }) };
            };
            assert.equal(await main(["--stack", "prod", "--dir", dir, "--records", f.records, "--yes"], f.deps), 0, f.err.join("\n"));
            assert.deepEqual(shots, [{ urls: ["https://www.example.fr/"], stage: "after-switch" }], "once, after the rollback, through public DNS: no pins");
            const json = JSON.parse(fs.readFileSync(path.join(dir, "pages", fs.readdirSync(path.join(dir, "pages")).find((n) => /^golive-prod-rollback-.*\.html\.json$/.test(n))!), "utf8"));
            assert.deepEqual(json.screenshots.map((s: { stage: string }) => s.stage), ["pre-switch", "after-switch"]);
            assert.deepEqual(json.screenshots[0], earlier, "the cutover's picture, as its page kept it");
            assert.match(json.screenshots[1].shows, /^after the way back by golive rollback \(records back at 20\d\d-[^)]+\), through public DNS: .*visitors reach the old site\.$/);
            assert.deepEqual(json.timeline.phases.map((p: { label: string }) => p.label), ["records first", "rollback", "report"]);
            const back = json.timeline.wayBack;
            assert.ok(back && back.endMs > back.startMs && back.endMs <= json.timeline.phases[1].startMs, "the way back ends when records first put them back, before the rollback's up");
            const record = fs.readFileSync(/Record: (.*)$/m.exec(f.out.join("\n"))![1], "utf8");
            assert.match(record, /- \*\*Key pages' pictures:\*\* before the switch 1 of 1; after it 1 of 1/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
