// The engine tier: the real Pulumi CLI v3.248.0 runs index.ts against the replica provider plugins
// and the loopback replica world, phase after phase on one stack, with a visitor's prober running.
// Each test says which real behaviour it pins; they share the stack and run in order.
import { strict as assert } from "assert";
import type { ReplicaWorld } from "../../replica/world";
import type { ControlServer } from "../../replica/control";
import { DnsChange, LIVE_RECORD_IDS } from "../../replica/providers";
import { RealEngine } from "../../rehearsal/realEngine";
import { phaseConfig, RehearsalTargets } from "../../rehearsal/run";
import { Prober } from "../../rehearsal/prober";
import { createSiteRepository, SiteRepository, startWebhookReceiver, WebhookReceiver } from "../../rehearsal/releaseFixtures";
import type { PhaseResult } from "../../rehearsal/engine";
import type { SuiteSettings } from "../../checks/suite";
import { requireEngine } from "../helpers/prerequisites";
import { golive, problemLines } from "../helpers/golive";
import { EngineReplica, startEngineReplica } from "../helpers/engineReplica";

const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const STACK = "enginetest";

describe("engine tier: pulumi v3.248.0 runs the go-live against the replica", function () {
    this.timeout(180_000);
    let replica: EngineReplica;
    let world: ReplicaWorld;
    let control: ControlServer;
    let dnsChanges: DnsChange[];
    let eng: RealEngine;
    let prober: Prober;
    let webhook: WebhookReceiver;
    let repo: SiteRepository;
    let targets: RehearsalTargets;
    const phases: Record<string, PhaseResult> = {};
    const t0 = Date.now();
    const now = () => Date.now() - t0;

    const config = (phase: "adopt" | "prepare" | "cutover", extra: Record<string, string> = {}) => {
        const c = phaseConfig(world, phase, targets);
        return { config: { ...c.config, ...extra }, secretKeys: c.secretKeys };
    };
    const resourceCalls = () => replica.resourceCalls();

    before(async function () {
        const engine = requireEngine(this);
        replica = await startEngineReplica({ now });
        ({ world, control, dnsChanges } = replica);
        // index.ts through ts-node, as the operator's `pulumi up` runs it (the other engine files run the build).
        eng = await RealEngine.start({ engine, controlUrl: control.url, stack: STACK, now, program: "typescript" });
        assert.equal(eng.ws.program, "typescript");
        webhook = await startWebhookReceiver();
        repo = createSiteRepository();
        const settings: SuiteSettings = {
            domain: world.domain,
            pages: ["/", "/services", "/contact"].map((path) => ({ path })),
            dnsTimeoutMs: 10_000,
            dnsPollMs: 100,
            httpsBudgetMs: 2_000,
            pageBudgetMs: 2_000,
            sitemapSample: 2,
        };
        targets = { settings, net: { ...world.net, timeoutMs: 2_000, attempts: 2 }, webhookUrl: webhook.url, repo, vercelApi: { url: replica.vercelApi.url, token: replica.vercelApi.token } };
        prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: { ...world.net, attempts: 1 }, timeoutMs: 3_000, now });
        prober.start("before");
    });

    after(async () => {
        await prober?.stop();
        eng?.close();
        await webhook?.close();
        repo?.remove();
        await replica?.close();
    });

    it("a bad value fails `pulumi preview` naming the key (no stack trace), and nothing is planned or created (config validated before any resource)", async () => {
        const { config: c, secretKeys } = config("adopt", { "golive:redirectStatus": "302" });
        const preview = await eng.preview(c, secretKeys);
        assert.equal(preview.ok, false);
        assert.match(preview.errors.join("\n"), /golive:redirectStatus must be 301 or 308, got 302/);
        assert.doesNotMatch(preview.errors.join("\n"), /at parseConfig|lib\/config\.ts/, "a config error is a message, not a stack trace");
        // The program refuses before declaring any resource: an `up` would change nothing either.
        assert.deepEqual(preview.steps.filter((s) => s.op !== "same"), []);
        assert.deepEqual(resourceCalls(), [], "no provider operation reached the replica");
    });

    it("adopt: `pulumi preview` plans exactly two imports (import then diff finds nothing to update), and changes nothing", async () => {
        const { config: c, secretKeys } = config("adopt");
        const preview = await eng.preview(c, secretKeys);
        assert.ok(preview.ok, preview.errors.join("\n"));
        const planned = preview.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`).sort();
        assert.deepEqual(planned, ["import dns-apex", "import dns-www"]);
        assert.deepEqual(resourceCalls(), [], "a preview never acts on the replica");
    });

    it("adopt → prepare → cutover: the records are updated in place (same ids), the checks run in the engine's dynamic-provider host, zero failed probes", async () => {
        // What each phase's `pulumi preview` plans (records in place, nothing replaced or deleted).
        const planned: Record<string, string[]> = {};
        for (const phase of ["adopt", "prepare", "cutover"] as const) {
            prober.mark(phase);
            const { config: c, secretKeys } = config(phase);
            if (phase !== "adopt") {
                const preview = await eng.preview(c, secretKeys);
                assert.ok(preview.ok, `${phase} preview: ${preview.errors.join("\n")}`);
                // The DNS-01 challenge records (certificate-acme-*) go at the end of the cutover by design.
                planned[phase] = preview.steps.filter((s) => s.op !== "same" && !/-acme-/.test(s.name)).map((s) => `${s.op} ${s.type.split(":").pop()}`);
            }
            phases[phase] = await eng.up(phase, c, secretKeys);
            assert.ok(phases[phase].ok, `${phase}: ${phases[phase].errors.join("\n")}`);
        }
        const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;
        assert.equal(count(planned.prepare, "update DnsRecord"), 2, planned.prepare.join(", "));
        for (const t of ["Project", "Deployment", "ProjectDomain", "ProjectEnvironmentVariable"]) assert.ok(planned.prepare.includes(`create ${t}`), `prepare plans ${t}`);
        assert.equal(count(planned.cutover, "update DnsRecord"), 2, planned.cutover.join(", "));
        assert.ok(planned.cutover.filter((o) => o.startsWith("create ")).length >= 6, `cutover plans the check resources: ${planned.cutover.join(", ")}`);
        for (const p of ["prepare", "cutover"]) assert.ok(!planned[p].some((o) => /^(replace|delete|create-replacement)/.test(o)), `${p}: nothing replaced or deleted`);
        prober.mark("after");
        await new Promise((r) => setTimeout(r, 500));
        // The site's records (the DNS-01 challenge records come at prepare and go at the end of the cutover).
        const records = (p: string) => phases[p].steps.filter((s) => s.type === DNS_RECORD && s.name.startsWith("dns-")).map((s) => `${s.op} ${s.name}`).sort();
        assert.deepEqual(records("adopt"), ["import dns-apex", "import dns-www"]);
        assert.deepEqual(records("prepare"), ["update dns-apex", "update dns-www"]);
        assert.deepEqual(records("cutover"), ["update dns-apex", "update dns-www"]);
        assert.deepEqual(dnsChanges.filter((c) => c.op === "remove" && (c.name === world.domain || c.name === world.www)), [], "no site record was ever deleted");
        assert.deepEqual(dnsChanges.filter((c) => c.op === "remove").map((c) => c.name).sort(), [`_acme-challenge.${world.domain}`, `_acme-challenge.${world.www}`], "the DNS-01 challenge records went at the end of the cutover");

        const out = phases.cutover.outputs as Record<string, any>;
        assert.equal(out.dnsRecords.apex.recordId, LIVE_RECORD_IDS.apex, "the apex is the adopted record, updated in place");
        assert.equal(out.dnsRecords.www.recordId, LIVE_RECORD_IDS.www);
        assert.equal(out.dnsRecords.www.content, world.newSite.host);
        // The checks are dynamic resources the engine ran: their results come back as outputs.
        const checks = phases.cutover.steps.filter((s) => s.type.startsWith("pulumi-nodejs:dynamic"));
        const ids = checks.map((s) => (s.result as { id?: string } | undefined)?.id).filter(Boolean).sort();
        for (const id of ["MEP-07", "MEP-08", "MEP-09", "MEP-10", "MEP-11", "MEP-14"]) assert.ok(ids.includes(id), `${id} ran (${ids.join(", ")})`);
        // The checks before the switch run again at cutover, enforced (an update); those after it are
        // new; the domains' verification and the certificate, done at prepare, are kept (same, or an
        // update when an input moved), never created or replaced at cutover.
        const prepared = (name: string) => /^(domains-|certificate-)/.test(name);
        const expectedOp = (name: string) => (name.startsWith("preswitch-") ? ["update"] : prepared(name) ? ["same", "update"] : ["create"]);
        assert.ok(checks.every((s) => s.ok && expectedOp(s.name).includes(s.op)), JSON.stringify(checks.map((s) => [s.name, s.op, s.ok])));
        const switchedAt = Math.min(...phases.cutover.steps.filter((s) => s.name === "dns-apex" || s.name === "dns-www").map((s) => s.startedAt));
        const preSwitch = checks.filter((s) => s.name.startsWith("preswitch-"));
        assert.equal(preSwitch.length, 8);
        // The engine's event times are whole seconds, mapped onto this clock at receipt: two events of
        // the same second can land a few ms apart either way. A check ending a second or more after
        // the records started would still fail this.
        assert.ok(preSwitch.every((s) => s.endedAt <= switchedAt + 200), `every check against the new host ended before a record changed: ${JSON.stringify(preSwitch.map((s) => [s.name, s.endedAt - switchedAt]))}`);
        assert.equal(out.certificate.status, "issued");
        assert.equal(out.certificate.via, "dns-01");
        assert.ok(Array.isArray(out.checklist) && out.checklist.some((l: { id: string; status: string }) => l.id === "MEP-10" && l.status === "checked OK"));
        assert.deepEqual(repo.remoteTags(), { "v1.0.0": repo.commit }, "MEP-18 tagged the frozen commit through the command plugin");

        const figures = await prober.stop();
        prober.start("rest");
        assert.equal(figures.failed, 0, JSON.stringify(figures.failures.slice(0, 3)));
        assert.ok((figures.byPhase.after?.servedBy["vercel"] ?? 0) > 0, "the prober saw the new site");
    });

    it("a second `pulumi up` with nothing changed is a no-op: no step, no check re-run, no message sent", async () => {
        const messages = webhook.messages.length;
        const calls = resourceCalls().length;
        const { config: c, secretKeys } = config("cutover");
        const again = await eng.up("again", c, secretKeys);
        assert.ok(again.ok, again.errors.join("\n"));
        assert.deepEqual(again.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`), []);
        assert.equal(webhook.messages.length, messages);
        assert.equal(resourceCalls().length, calls);
    });

    it("the state and every output hold no secret value in clear", async () => {
        const { config: c } = config("cutover");
        const secrets = [JSON.parse(c["golive:envValues"]).CONTACT_TO as string, webhook.url, new URL(webhook.url).pathname];
        const exported = await eng.ws.pulumi(["stack", "export", "--stack", STACK]);
        assert.equal(exported.code, 0, exported.stderr);
        const outputs = await eng.ws.pulumi(["stack", "output", "--json", "--stack", STACK]);
        assert.equal(outputs.code, 0, outputs.stderr);
        for (const secret of secrets) {
            assert.ok(!exported.stdout.includes(secret), `state holds ${secret.slice(0, 12)}… in clear`);
            assert.ok(!outputs.stdout.includes(secret), `outputs hold ${secret.slice(0, 12)}… in clear`);
        }
        assert.match(exported.stdout, /"4dabf18193072939515e22adb298388d"/, "the secrets are there, encrypted");
    });

    it("`golive rollback --yes` from the cutover back to prepare, through the Automation API: the old content again, same ids, zero failed probes, each update in the history", async () => {
        prober.mark("rollback");
        const r = await golive(["rollback", "--stack", STACK, "--yes", "--dir", eng.ws.projectDir], eng.ws);
        assert.equal(r.code, 0, problemLines(r.out));
        prober.mark("after-rollback");
        await new Promise((res) => setTimeout(res, 500));
        assert.deepEqual(world.dns.lookup(world.www, "A").map((x) => x.value), [world.oldSite.host]);
        assert.deepEqual(world.dns.lookup(world.domain, "A").map((x) => x.value), [world.oldSite.host]);
        const state = JSON.parse((await eng.ws.pulumi(["stack", "export", "--stack", STACK])).stdout);
        const ids = state.deployment.resources.filter((x: { type: string; urn: string }) => x.type === DNS_RECORD && /::dns-(apex|www)$/.test(x.urn)).map((x: { id: string }) => x.id).sort();
        assert.deepEqual(ids, [LIVE_RECORD_IDS.apex, LIVE_RECORD_IDS.www].sort(), "the adopted records, updated in place");
        const history = (JSON.parse((await eng.ws.pulumi(["stack", "history", "--json", "--stack", STACK])).stdout) as Array<{ kind: string; result: string; message: string }>).filter((h) => h.kind === "update");
        // adopt, prepare, cutover, the no-op, the rollback.
        assert.ok(history.length >= 5 && history.every((h) => h.result === "succeeded"), JSON.stringify(history.map((h) => [h.message, h.result])));
        assert.match(history[0].message, /golive rollback/);
        // The config came back exactly, secrets included: secrets through the CLI's stdin (never a
        // command line), structured values through set-all --json.
        type Entry = { kind: string; message: string; config: Record<string, { value: string; secret: boolean }> };
        const shown = (JSON.parse((await eng.ws.pulumi(["stack", "history", "--json", "--show-secrets", "--stack", STACK])).stdout) as Entry[]).filter((h) => h.kind === "update");
        const prepare = shown.find((h) => h.message === "golive prepare");
        assert.ok(prepare, "the prepare update is in the history");
        const secretKeysOf = (h: Entry) => Object.keys(h.config).filter((k) => h.config[k].secret).sort();
        assert.ok(secretKeysOf(prepare).includes("golive:envValues"), "the target has secrets to restore");
        assert.deepEqual(secretKeysOf(shown[0]), secretKeysOf(prepare), "the same keys are secrets");
        const parsed = (value: string | undefined): unknown => {
            try {
                return JSON.parse(value ?? "null");
            } catch {
                return value;
            }
        };
        for (const [key, v] of Object.entries(prepare.config)) assert.deepEqual(parsed(shown[0].config[key]?.value), parsed(v.value), key);
        assert.deepEqual(Object.keys(shown[0].config).sort(), Object.keys(prepare.config).sort());
        const figures = await prober.stop();
        prober.start("rest");
        assert.equal(figures.failed, 0, JSON.stringify(figures.failures.slice(0, 3)));
        assert.ok((figures.byPhase["after-rollback"]?.servedBy["old-host"] ?? 0) > 0, "the prober saw the old site back");
    });

    it("`pulumi destroy` leaves the two site records serving at the replica (retainOnDelete)", async () => {
        const before = world.dns.lookup(world.www, "A").map((r) => r.value);
        const r = await eng.ws.pulumi(["destroy", "--yes", "--stack", STACK, "--skip-preview"]);
        assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
        assert.deepEqual(world.dns.lookup(world.www, "A").map((x) => x.value), before);
        assert.equal(world.dns.lookup(world.domain, "A").length, 1);
        // Only the program's own TXT records (the DNS-01 challenges) may go; the site's records stay, same ids.
        assert.deepEqual(replica.zone.list({ name: world.www }).filter((r) => r.type === "A").map((r) => r.id), [LIVE_RECORD_IDS.www]);
        assert.deepEqual(replica.zone.list({ name: world.domain }).filter((r) => r.type === "A").map((r) => r.id), [LIVE_RECORD_IDS.apex]);
    });
});
