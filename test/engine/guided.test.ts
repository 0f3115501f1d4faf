// The guided go-live on the real engine: golive init → adopt → prepare → cutover → status, as an
// operator runs them, on one stack of a new client against the replica (one world). Also: bad usage
// and unmet gates change nothing; a preview that would delete a live record is refused; a broken
// release is stopped by the checks against the new host before DNS moves (no visitor meets it); a
// release that fails only under production traffic (it answers 500 once DNS points to it) is rolled
// back, records first, after the R-1 answer "yes", then again with --auto-rollback, with the time
// from the first failed check to the old site serving again and the failed probes measured by a
// visitor's prober. The tests run in order.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { ReplicaWorld } from "../../replica/world";
import type { ControlServer } from "../../replica/control";
import { createEngineWorkspace, EngineWorkspace } from "../../replica/engineWorkspace";
import { DnsChange, LIVE_RECORD_IDS } from "../../replica/providers";
import { phaseConfig, RehearsalTargets } from "../../rehearsal/run";
import { Prober, ProbeFigures } from "../../rehearsal/prober";
import { createSiteRepository, SiteRepository, startWebhookReceiver, WebhookReceiver } from "../../rehearsal/releaseFixtures";
import { main as init } from "../../cli/init";
import { main as adopt } from "../../cli/adopt";
import { cutover, prepare, runPhase } from "../../cli/phase";
import { main as statusMain } from "../../cli/status";
import { GuidedDeps, GuidedArgs } from "../../operations/guided";
import { parseGuidedArgs } from "../../cli/guided";
import type { PhaseRecord } from "../../rendering/recordFile";
import { requireEngine } from "../helpers/prerequisites";
import { EngineReplica, startEngineReplica } from "../helpers/engineReplica";

const STACK = "lumiere";
const DOMAIN = "studio-lumiere.fr";
const OPERATOR = "Camille (opérateur)";

interface Io {
    out: string[];
    err: string[];
    asked: string[];
}

describe("engine tier: the guided go-live (golive init, adopt, prepare, cutover, status)", function () {
    this.timeout(240_000);
    let replica: EngineReplica;
    let world: ReplicaWorld;
    let control: ControlServer;
    let dnsChanges: DnsChange[];
    let ws: EngineWorkspace;
    let webhook: WebhookReceiver;
    let repo: SiteRepository;
    let targets: RehearsalTargets;
    let records: string;
    let stackFile: string;
    /** The new site answers 500 to everything (a broken release). */
    let broken = false;
    /** The new site answers 500 once DNS points to it (it fails only under production traffic). */
    let brokenUnderTraffic = false;
    /**
     * Production traffic has reached it: from then on it answers 500 to everyone, as the rehearsal's
     * fails-under-traffic does. A visitor's request resolved before the records went back and
     * arriving after must meet the broken release, not a site that healed when the records left.
     */
    let trafficReachedIt = false;
    const figures: Record<string, unknown> = {};

    const resourceCalls = () => replica.resourceCalls();
    const deps = (io: Io, over: Partial<GuidedDeps> = {}): GuidedDeps => ({
        env: ws.env,
        interactive: false,
        ask: async (q) => {
            io.asked.push(q);
            return "no";
        },
        // GOLIVE_TEST_VERBOSE=1 shows what the operator would see.
        out: (l) => (io.out.push(l), process.env.GOLIVE_TEST_VERBOSE && console.log(l)),
        err: (l) => (io.err.push(l), process.env.GOLIVE_TEST_VERBOSE && console.error(l)),
        now: () => Date.now(),
        operator: () => OPERATOR,
        ...over,
    });
    const newIo = (): Io => ({ out: [], err: [], asked: [] });
    const text = (io: Io) => [...io.out, ...io.err].join("\n");
    const args = (argv: string[], allowed = ["--stack", "--dir", "--records", "--yes", "--auto-rollback"]): GuidedArgs => {
        const a = parseGuidedArgs([...argv, "--dir", ws.projectDir, "--records", records], allowed);
        assert.ok(!("error" in a) && !("help" in a), JSON.stringify(a));
        return a as GuidedArgs;
    };
    const stackConfig = () => (yaml.load(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> }).config;
    const dnsAt = (name: string) => world.dns.lookup(name, "A").map((r) => r.value);
    const history = async () => JSON.parse((await ws.pulumi(["stack", "history", "--json", "--stack", STACK])).stdout || "[]") as Array<{ result: string; message?: string; config?: Record<string, { value: string }> }>;

    before(async function () {
        const engine = requireEngine(this);
        replica = await startEngineReplica({ now: () => Date.now(), world: { domain: DOMAIN, brand: "Studio Lumière" } });
        ({ world, control, dnsChanges } = replica);
        // The broken release: once `broken` is set, the new host answers 500 to every request; with
        // `brokenUnderTraffic`, only while the zone points www at it (production traffic).
        const spec = world.newSite.spec;
        const vercelHandle = spec.handle;
        // Production traffic reaches it while either name's record points at it (apex and www move one after the other).
        const serving = () => [world.domain, world.www].some((name) => replica.zone.list({ name }).some((r) => r.type === "A" && r.content === world.newSite.host));
        world.newSite.spec = {
            ...spec,
            handle: (req) => {
                if (brokenUnderTraffic && serving()) trafficReachedIt = true;
                return broken || (brokenUnderTraffic && trafficReachedIt) ? { status: 500, headers: { "content-type": "text/plain" }, body: "500: INTERNAL_SERVER_ERROR\n" } : vercelHandle?.(req);
            },
        };
        // The workspace's own stack is not used: the operator's stack is the one golive init writes.
        ws = await createEngineWorkspace({ engine, controlUrl: control.url, stack: "workspace" });
        records = path.join(ws.projectDir, "records");
        stackFile = path.join(ws.projectDir, `Pulumi.${STACK}.yaml`);
        webhook = await startWebhookReceiver();
        repo = createSiteRepository();
        targets = {
            settings: {
                domain: world.domain,
                pages: ["/", "/services", "/contact"].map((p) => ({ path: p })),
                dnsTimeoutMs: 10_000,
                httpsBudgetMs: 2_000,
                pageBudgetMs: 2_000,
                sitemapSample: 2,
            },
            net: { ...world.net, timeoutMs: 2_000, attempts: 2 },
            webhookUrl: webhook.url,
            repo,
            vercelApi: { url: replica.vercelApi.url, token: replica.vercelApi.token },
        };
    });

    after(async () => {
        if (Object.keys(figures).length > 0) console.log(`      figures: ${JSON.stringify(figures)}`);
        ws?.remove();
        await webhook?.close();
        repo?.remove();
        await replica?.close();
    });

    it("golive init writes the new client's stack file from the prod example (domain, derived project name, generic pages, nothing of Kalia), and `pulumi stack init` keeps it", async () => {
        const io = newIo();
        assert.equal(await init(["--stack", STACK, "--domain", DOMAIN, "--dir", ws.projectDir], deps(io)), 0, text(io));
        const written = fs.readFileSync(stackFile, "utf8");
        assert.doesNotMatch(written, /kalia/i);
        assert.match(text(io), /golive:gitRepo[\s\S]*cloudflare:apiToken[\s\S]*golive:releaseRef[\s\S]*golive:envValues\.<NAME>[\s\S]*golive:approvedBy/);
        assert.match(text(io), new RegExp(`golive adopt --stack ${STACK}`));
        const r = await ws.pulumi(["stack", "init", STACK]);
        assert.equal(r.code, 0, r.stderr);
        const cfg = stackConfig();
        assert.equal(cfg["golive:domain"], DOMAIN);
        assert.equal(cfg["golive:projectName"], "studio-lumiere-fr");
        assert.deepEqual(cfg["golive:checks"], { pages: [{ path: "/" }], dnsTimeoutSeconds: 900, minCertDays: 14 });
        assert.match(fs.readFileSync(stackFile, "utf8"), /^encryptionsalt: /m);

        // The operator's keys (what `pulumi config set` would write), for this replica: the site's
        // repository and frozen commit, the production variable, the checks' pages and network, the
        // webhook and the release tag. No live record: golive adopt reads them.
        const { config, secretKeys } = phaseConfig(world, "prepare", targets);
        for (const k of ["golive:liveRecords", "golive:phase", "golive:domain", "golive:approvedBy", "golive:approvedAt"]) delete config[k];
        await ws.setConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value, secret: secretKeys.includes(k) }])), STACK);
    });

    it("bad usage is refused with the command's usage and exit 2, before any engine call", async () => {
        const calls = control.calls.length;
        for (const argv of [["cutover"], ["cutover", "--stack"], ["prepare", "--stack", STACK, "--force"], ["status", "--stack", "a b"], ["adopt", "--stack", STACK, "--auto-rollback"]]) {
            const io = newIo();
            const code = await (async () => {
                const [cmd, ...rest] = argv;
                const d = deps(io);
                if (cmd === "cutover") return cutover(rest, d);
                if (cmd === "prepare") return prepare(rest, d);
                if (cmd === "adopt") return adopt(rest, d);
                return statusMain(rest, d);
            })();
            assert.equal(code, 2, argv.join(" "));
            assert.match(io.err.join("\n"), new RegExp(`^golive ${argv[0]}: (--stack is required|--stack needs a value|unknown option --force|--stack must be a stack name like prod, got "a b"|unknown option --auto-rollback)\\n\\nusage: golive ${argv[0]} --stack`));
        }
        assert.equal(control.calls.length, calls, "no engine run");
    });

    it("cutover before prepare and without the client's approval: refused at the gates with the program's own messages; nothing changed", async () => {
        const before = fs.readFileSync(stackFile, "utf8");
        const io = newIo();
        assert.equal(await cutover(["--stack", STACK, "--yes", "--dir", ws.projectDir, "--records", records], deps(io)), 1, text(io));
        const out = text(io);
        assert.match(out, /✗ P-01 client approval: golive:approvedBy and golive:approvedAt are required for cutover: the client's approval \(P-01\) is not recorded/);
        assert.match(out, /✓ MEP-02 release ref \(code freeze\): deploys [0-9a-f]{40}/);
        assert.match(out, /✓ P-05 production variables: 1 set as secrets: CONTACT_TO/);
        assert.match(out, /✗ phase order: cutover comes after prepare, and the last successful update applied nothing yet: run golive prepare first/);
        assert.match(out, new RegExp(`✓ P-03/P-04 Cloudflare zone: ${DOMAIN.replace(/\./g, "\\.")} found, status active`), "the zone was looked up through the provider");
        assert.match(out, /refused: a gate is not met; nothing was changed/);
        assert.equal(fs.readFileSync(stackFile, "utf8"), before, "the stack file is untouched");
        assert.deepEqual(resourceCalls(), [], "nothing reached the replica's resources");
        assert.deepEqual(await history(), []);
        assert.ok(!fs.existsSync(records), "no record for a refused phase");
    });

    it("adopt without --yes and without a terminal: the records are shown and previewed, then nothing is applied (exit 2) and the stack file is as before", async () => {
        const before = fs.readFileSync(stackFile, "utf8");
        const io = newIo();
        assert.equal(await adopt(["--stack", STACK, "--dir", ws.projectDir, "--records", records], deps(io)), 2, text(io));
        assert.match(text(io), /not a terminal: add --yes to apply; nothing was changed/);
        assert.match(text(io), /import \(adopted as they are\): dns-apex/);
        assert.equal(fs.readFileSync(stackFile, "utf8"), before);
        assert.deepEqual(resourceCalls(), []);
        assert.deepEqual(await history(), []);
    });

    it("adopt --yes: the apex and www records are read through the Cloudflare provider, written exactly as they are, previewed as two imports and no change, and imported", async () => {
        const invokesBefore = control.calls.filter((c) => c.token === "cloudflare:index/getDnsRecords:getDnsRecords").length;
        const io = newIo();
        assert.equal(await adopt(["--stack", STACK, "--yes", "--dir", ws.projectDir, "--records", records], deps(io)), 0, text(io));
        assert.ok(control.calls.filter((c) => c.token === "cloudflare:index/getDnsRecords:getDnsRecords").length >= invokesBefore + 2, "one getDnsRecords per name, answered by the replica plugin");
        const old = world.oldSite.host;
        assert.deepEqual(stackConfig()["golive:liveRecords"], {
            apex: { id: LIVE_RECORD_IDS.apex, name: DOMAIN, type: "A", content: old, ttl: 300, proxied: false },
            www: { id: LIVE_RECORD_IDS.www, name: world.www, type: "A", content: old, ttl: 300, proxied: false },
        });
        assert.equal(stackConfig()["golive:phase"], "adopt");
        const out = text(io);
        assert.match(out, new RegExp(`${DOMAIN.replace(/\./g, "\\.")}\\s+A\\s+${old.replace(/\./g, "\\.")}\\s+ttl 300\\s+unproxied\\s+id ${LIVE_RECORD_IDS.apex}`));
        assert.match(out, /import \(adopted as they are\): dns-apex .*; dns-www /);
        assert.doesNotMatch(out, /record changing in place|create:|REPLACE|DELETE/);
        assert.match(out, /✓ import MEP-06 DNS record dns-apex/);
        assert.deepEqual(dnsChanges, [], "nothing changed at the replica");
        const h = await history();
        assert.equal(h[0].result, "succeeded");
        assert.equal(h[0].config?.["golive:phase"].value, "adopt");
        const file = /Record: (.*)$/m.exec(io.out.join("\n"))?.[1];
        assert.ok(file && fs.existsSync(file) && path.basename(file).startsWith(`golive-${STACK}-adopt-`), String(file));
        if (process.env.GOLIVE_TEST_VERBOSE) console.log(fs.readFileSync(file!, "utf8"));
        assert.match(fs.readFileSync(file!, "utf8"), /# golive adopt — studio-lumiere\.fr \(stack lumiere\)[\s\S]*Run by:\*\* Camille[\s\S]*## Mise en production/);
    });

    it("prepare, confirmed at the prompt: gates pass, the preview shows the TTL lowered in place and Vercel created, and the records keep the old content", async () => {
        const io = newIo();
        const code = await prepare(["--stack", STACK, "--dir", ws.projectDir, "--records", records], deps(io, { interactive: true, ask: async (q) => (io.asked.push(q), "oui") }));
        assert.equal(code, 0, text(io));
        assert.deepEqual(io.asked, [`Apply prepare to stack ${STACK}? [y/N] `]);
        const out = text(io);
        assert.match(out, /✓ phase order: last applied: adopt/);
        assert.match(out, /record changing in place: studio-lumiere\.fr \(dns-apex\): ttl 300 → 60/);
        assert.match(out, /record changing in place: www\.studio-lumiere\.fr \(dns-www\): ttl 300 → 60/);
        assert.match(out, /create: .*MEP-04 Vercel project.*MEP-05 Vercel domain ×2.*MEP-08 certificate issuance.*MEP-08 certificate order/);
        assert.match(out, /verified before the switch \(new host, names pinned to Vercel; the records wait for them\): MEP-08 TLS certificate, MEP-09 HTTPS reachability, MEP-10 Redirects, MEP-11 Smoke test, MEP-12 Contact form, MEP-13 Performance, MEP-14 SEO basics, MEP-16 Analytics/);
        assert.doesNotMatch(out, /REPLACE|DELETE|VISITOR-FACING GAP/);
        // Hours before H: the certificate exists, and the new site passes what the cutover will check.
        assert.match(out, /✓ MEP-08 certificate cert_\w+ for studio-lumiere\.fr, www\.studio-lumiere\.fr issued before the switch at 20/);
        assert.match(out, /The new site before the switch \(names pinned to Vercel\): \d+ passed, 0 failed/);
        assert.match(out, /The cutover would pass these checks: what is left at hour H is the DNS change itself\./);
        assert.match(out, /✓ update MEP-06 DNS record dns-www/);
        assert.deepEqual(dnsAt(world.www), [world.oldSite.host]);
        assert.equal(world.dns.lookup(world.www, "A")[0].ttl, 60);
        assert.deepEqual(dnsChanges.filter((c) => c.name === world.domain || c.name === world.www), [], "no site record's content changed");
        assert.deepEqual(dnsChanges.map((c) => c.name).sort(), [`_acme-challenge.${world.domain}`, `_acme-challenge.${world.www}`], "only the certificate's DNS-01 challenges were published");
        assert.equal(stackConfig()["golive:phase"], "prepare");
    });

    it("a preview that would delete a live record (www dropped from golive:liveRecords by mistake) is refused: nothing is applied, the stack file stays as the operator left it", async () => {
        const before = fs.readFileSync(stackFile, "utf8");
        const rm = await ws.pulumi(["config", "rm", "--path", "golive:liveRecords.www", "--stack", STACK]);
        assert.equal(rm.code, 0, rm.stderr);
        const dropped = fs.readFileSync(stackFile, "utf8");
        const [calls, updates] = [resourceCalls().length, (await history()).length];
        const io = newIo();
        assert.equal(await prepare(["--stack", STACK, "--yes", "--dir", ws.projectDir, "--records", records], deps(io)), 1, text(io));
        assert.match(text(io), /DELETE: MEP-06 DNS record dns-www/);
        assert.match(text(io), /refused: dns-www \(www\.studio-lumiere\.fr\) would be deleted from the stack: the program would stop managing a live record/);
        assert.equal(fs.readFileSync(stackFile, "utf8"), dropped);
        assert.equal(resourceCalls().length, calls, "no resource operation");
        assert.equal((await history()).length, updates, "no update");
        fs.writeFileSync(stackFile, before);
    });

    /**
     * A cutover of the broken release (the new host answers 500), with a visitor's prober running.
     * Returns what the command recorded and the probes: the seconds from the first failed check to
     * the old site serving again (the first good probe after the last failed one), failed probes.
     */
    async function brokenCutover(argv: string[], over: Partial<GuidedDeps>): Promise<{ io: Io; record: PhaseRecord; probes: ProbeFigures; firstFailedCheckToOldSiteS: number; failedProbes: number }> {
        const prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: { ...world.net, attempts: 1 }, timeoutMs: 3_000, now: () => Date.now() });
        await prober.start("before").ready();
        await new Promise((r) => setTimeout(r, 300));
        brokenUnderTraffic = true;
        trafficReachedIt = false;
        prober.mark("cutover");
        const io = newIo();
        let run;
        try {
            run = await runPhase("cutover", args(["--stack", STACK, ...argv]), deps(io, over));
            prober.mark("after");
            await new Promise((r) => setTimeout(r, 500));
        } finally {
            brokenUnderTraffic = false;
        }
        const probes = await prober.stop();
        assert.equal(run.code, 1, text(io));
        const record = run.record!;
        assert.ok(record.firstFailedCheckAt, text(io));
        const lastFailure = Math.max(...prober.samples.filter((p) => !p.ok).map((p) => p.at));
        const back = prober.samples.filter((p) => p.ok && p.at > lastFailure && p.detail === "old-host").map((p) => p.at);
        assert.ok(back.length > 0, "the prober saw the old site again");
        assert.ok(prober.samples.filter((p) => p.at > lastFailure).every((p) => p.ok && p.detail === "old-host"), "only the old site after the last failed probe");
        return { io, record, probes, firstFailedCheckToOldSiteS: (Math.min(...back) - record.firstFailedCheckAt!.getTime()) / 1000, failedProbes: probes.byPhase.cutover?.failed ?? 0 };
    }

    const assertRolledBack = async (io: Io, record: PhaseRecord) => {
        const out = text(io);
        assert.match(out, /cutover FAILED/);
        // One line per failed check, with its evidence; the time since the DNS switch.
        assert.match(out, /\n {2}✗ MEP-09 HTTPS reachability: [^\n]*500[^\n]* — evidence: \{[^\n]*\n/);
        assert.match(out, /DNS switched \d+\.\d s ago \(20\d\d-[^)]*\): visitors reach the new site\./);
        assert.match(out, /✓ MEP-06 apex and www back to prepare's records \(\d+\.\d s\)/);
        assert.match(out, /Rolled back to prepare: the records hold their previous content again \d+\.\d s after the first failed check\./);
        assert.equal(record.rollback?.ok, true, JSON.stringify(record.rollback?.errors));
        assert.deepEqual(dnsAt(world.www), [world.oldSite.host]);
        assert.deepEqual(dnsAt(world.domain), [world.oldSite.host]);
        assert.equal(stackConfig()["golive:phase"], "prepare", "the stack file says what the stack is");
        // Newest first: prepare's up, the records back first (both recorded as prepare), the failed cutover.
        const [last, first, failed] = await history();
        assert.equal(last.result, "succeeded");
        assert.equal(last.config?.["golive:phase"].value, "prepare");
        assert.deepEqual([first.result, first.message, first.config?.["golive:phase"].value], ["succeeded", "golive: records back to prepare first (R-2)", "prepare"]);
        assert.equal(failed.result, "failed");
        assert.equal(failed.config?.["golive:phase"].value, "cutover");
        const file = /Record: (.*)$/m.exec(io.out.join("\n"))![1];
        const md = fs.readFileSync(file, "utf8");
        assert.match(md, /## Failed checks[\s\S]*MEP-09 HTTPS reachability:\*\* [^\n]*500/);
        assert.match(md, new RegExp(`## Rollback decision \\(R-1\\)[\\s\\S]*Decided by:\\*\\* ${OPERATOR.replace(/[()]/g, "\\$&")}`));
        assert.match(md, /\| \*\*R-1\*\* \| Décision \| [^|]+ \| ✅ done \| roll back now: decided by Camille \(opérateur\) at 20/);
        assert.match(md, /\| \*\*R-2\*\* \| [^|]+ \| [^|]+ \| ✅ done \| golive:phase back to prepare and pulumi up/);
        assert.match(md, /\| \*\*MEP-18\*\* \| [^|]+ \| [^|]+ \| ⏳ pending \|/);
        assert.deepEqual(repo.remoteTags(), {}, "no production tag for a failed cutover");
        assert.deepEqual(dnsChanges.filter((c) => c.op === "remove" && (c.name === world.domain || c.name === world.www)), [], "the records were updated in place both ways");
    };

    it("a cutover of a broken release: the checks against the new host fail before the switch; no record changes, no visitor meets it, nothing to roll back (no R-1 question)", async () => {
        await ws.setConfig({ "golive:approvedBy": { value: "Léa (cliente)" }, "golive:approvedAt": { value: "2026-11-20T18:00:00+01:00" } }, STACK);
        const prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: { ...world.net, attempts: 1 }, timeoutMs: 3_000, now: () => Date.now() });
        await prober.start("cutover").ready();
        const changes = dnsChanges.length;
        const asked: string[] = [];
        const io = newIo();
        broken = true;
        let run;
        try {
            run = await runPhase("cutover", args(["--stack", STACK, "--yes"]), deps(io, { interactive: true, ask: async (q) => (asked.push(q), "yes") }));
        } finally {
            broken = false;
        }
        const probes = await prober.stop();
        assert.equal(run.code, 1, text(io));
        const out = text(io);
        // Which of MEP-09/10/11/14 fails first is the engine's race (it stops scheduling at the first failure).
        assert.match(out, /✗ MEP-(09|10|11|14) [^\n(]+ \(before the switch\): FAILED — [^\n]*500/);
        assert.doesNotMatch(out, /DNS switched/);
        assert.deepEqual(asked, [], "R-1 has nothing to roll back");
        assert.equal(dnsChanges.length, changes, "no site record changed");
        assert.deepEqual(dnsAt(world.www), [world.oldSite.host]);
        assert.equal(probes.failed, 0, JSON.stringify(probes.failures.slice(0, 3)));
        assert.ok((probes.byPhase.cutover?.servedBy["old-host"] ?? 0) > 0, "visitors kept the old site");
        assert.equal(run.record?.decision, undefined);
        figures.brokenBeforeSwitch = { failedProbes: probes.failed, probes: probes.total };
    });

    it("a cutover that only production traffic breaks: the failed checks with their evidence and the time since the DNS switch, then R-1 asked; answered yes, the records go back first (measured)", async () => {
        const r = await brokenCutover(["--yes"], { interactive: true, ask: async (q) => "yes" });
        assert.match(text(r.io), /! prepare was applied \d+ s ago, less than the old TTL \(300 s\)/);
        assert.equal(r.record.decision?.choice, "rollback");
        assert.equal(r.record.decision?.by, OPERATOR);
        assert.equal(r.record.decision?.how, 'answered "yes" at the prompt');
        await assertRolledBack(r.io, r.record);
        // Issue 26: R-3 posted at once through the webhook with the page, R-4's Vercel events kept, both in the record.
        // The release answers 500 everywhere: which of MEP-09/10/11/14 fails first is the engine's race, R-3 names that one.
        const r3 = webhook.messages.filter((m) => /^Mise en production de https:\/\/www\.studio-lumiere\.fr\/ reportée : MEP-(09|10|11|14) [^\n]* failed: [^\n]*500/.test(m.text ?? ""));
        assert.equal(r3.length, 1, JSON.stringify(webhook.messages.map((m) => m.text)));
        const page = r.record.page!;
        assert.ok(r3[0].text!.endsWith(`La page de l'incident : ${page.file}`));
        assert.match(fs.readFileSync(page.file, "utf8"), /id="incident"[\s\S]*Running &quot;npm run build&quot;/);
        const md = fs.readFileSync(/Record: (.*)$/m.exec(r.io.out.join("\n"))![1], "utf8");
        assert.match(md, /\| \*\*R-3\*\* \| [^|]+ \| [^|]+ \| ✅ done \| the postponement posted with the go-live page/);
        assert.match(md, /## Vercel deployment events \(R-4\)\n\n```\n[^\n]*\[stdout\] Cloning/);
        figures.askedYes = { firstFailedCheckToOldSiteS: r.firstFailedCheckToOldSiteS, failedProbes: r.failedProbes, probes: r.probes.byPhase.cutover?.total };
    });

    // The same cutover with --auto-rollback (no question, rolled back at once) runs through the
    // apply workflow in npm run test:long (test/long/ci.test.ts, on_failure=rollback).

    it("cutover of the fixed release: DNS switched in place, every check passes live, the stack's checklist is recorded, MEP-18 tags the commit", async () => {
        const io = newIo();
        // The pictures' stages with a stand-in shooter (no browser here): what it is asked to shoot, and where the page keeps it.
        const shot: Array<{ stage: string; pins?: Record<string, string>; at: number }> = [];
        const shootPages: GuidedDeps["shootPages"] = async (urls, stage, _net, pins) => (shot.push({ stage, ...(pins ? { pins } : {}), at: Date.now() }), urls.map((url) => ({ url, stage, takenAt: new Date().toISOString(), missing: "stand-in shooter", width: 0, height: 0 })));
        const run = await runPhase("cutover", args(["--stack", STACK, "--yes"]), deps(io, { shootPages }));
        assert.equal(run.code, 0, text(io));
        const out = text(io);
        // Before the switch, the names pinned as the pre-switch checks pinned them (to the new host); after it, none.
        assert.deepEqual(shot.map((s) => s.stage), ["pre-switch", "after-switch"]);
        assert.deepEqual(Object.keys(shot[0].pins ?? {}).sort(), [DOMAIN, `www.${DOMAIN}`].sort());
        assert.ok(shot[0].at < run.record!.dnsSwitchAt!.getTime() && shot[1].at > run.record!.dnsSwitchAt!.getTime());
        const page = JSON.parse(fs.readFileSync(`${run.record!.page!.file}.json`, "utf8"));
        assert.equal(page.screenshots.length, 6);
        assert.equal(page.timeline.dnsSwitchMs, run.record!.dnsSwitchAt!.getTime() - run.record!.clockOrigin);
        assert.ok(page.timeline.probes.length > 0 && page.timeline.checks.some((c: { stage: string }) => c.stage === "after-switch"), "the checks' own requests on the timeline");
        assert.match(out, /record changing in place: www\.studio-lumiere\.fr \(dns-www\): content 127\.0\.0\.3 → 127\.0\.0\.2/);
        assert.match(out, /verified before the switch \(new host, names pinned to Vercel; the records wait for them\): MEP-08 TLS certificate, MEP-09 HTTPS reachability, MEP-10 Redirects, MEP-11 Smoke test, MEP-12 Contact form, MEP-13 Performance, MEP-14 SEO basics, MEP-16 Analytics/);
        assert.match(out, /checks that will run after the switch: MEP-07 DNS propagation, MEP-08 TLS certificate, MEP-09 HTTPS reachability, MEP-10 Redirects, MEP-11 Smoke test, MEP-14 SEO basics, MEP-15 Search Console, MEP-16 Analytics/);
        assert.match(io.err.join("\n"), /✓ MEP-10 Redirects: pass — /);
        assert.match(io.err.join("\n"), /- MEP-13 Performance: skip — /);
        assert.match(out, /cutover done: \d+ checks passed, \d+ skipped\./);
        assert.deepEqual(dnsAt(world.www), [world.newSite.host]);
        assert.deepEqual(repo.remoteTags(), { "v1.0.0": repo.commit });
        const md = fs.readFileSync(run.recordFile!, "utf8");
        assert.match(md, /\| \*\*MEP-10\*\* \| [^|]+ \| [^|]+ \| ✅ checked OK \|/);
        assert.match(md, /\| \*\*MEP-18\*\* \| [^|]+ \| [^|]+ \| ✅ done \| tag v1\.0\.0/);
        assert.doesNotMatch(md, /Rollback decision/);
    });

    it("golive status: the phase reached, the last update and its result, the next step, and a quick verify of the site as cutover expects (and when it breaks)", async () => {
        let io = newIo();
        assert.equal(await statusMain(["--stack", STACK, "--dir", ws.projectDir], deps(io)), 0, text(io));
        const out = text(io);
        assert.match(out, /phase: {7}cutover \(applied by (update \d+|the update of 20[^)]+)\)/);
        assert.match(out, /last update: (#\d+ )?update of cutover: succeeded at 20[^ ]+ \(\d+ s ago\) — "golive cutover"/);
        assert.match(out, /next: {8}done: the site is live/);
        assert.match(out, /MEP-07\s+DNS propagation\s+PASS/);
        assert.match(out, /MEP-10\s+Redirects\s+PASS/);
        assert.match(out, /The site answers as cutover expects\./);
        broken = true;
        try {
            io = newIo();
            assert.equal(await statusMain(["--stack", STACK, "--dir", ws.projectDir], deps(io)), 1, text(io));
        } finally {
            broken = false;
        }
        assert.match(text(io), /MEP-09\s+HTTPS reachability\s+FAIL/);
        assert.match(text(io), /The site does NOT answer as cutover expects/);
    });
});
