// The engine tier, for what the real engine does that the mocks once hid (issue 11): each test
// names the engine behaviour it pins. One stack: a zone whose CAA allows another CA only, a www
// record that goes A → CNAME at cutover with golive:allowRecordReplace, a certificate that Vercel
// issues 2 s after DNS points to it, and `golive rollback` through the Automation API at the end.
import { strict as assert } from "assert";
import type { ReplicaWorld } from "../../replica/world";
import type { ControlServer } from "../../replica/control";
import type { CloudflareZone } from "../../replica/cloudflareZone";
import { LIVE_RECORD_IDS } from "../../replica/providers";
import { RealEngine } from "../../rehearsal/realEngine";
import { phaseConfig, RehearsalTargets } from "../../rehearsal/run";
import { OWN_CAA_COMMENT } from "../../program/dnsPlan";
import type { PhaseResult } from "../../rehearsal/engine";
import { requireEngine } from "../helpers/prerequisites";
import { golive, problemLines } from "../helpers/golive";
import { EngineReplica, startEngineReplica } from "../helpers/engineReplica";

const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const STACK = "behaviour";

describe("long: what the real engine does that the mocks hid (issue 11)", function () {
    this.timeout(180_000);
    let replica: EngineReplica;
    let world: ReplicaWorld;
    let zone: CloudflareZone;
    let control: ControlServer;
    let eng: RealEngine;
    let targets: RehearsalTargets;
    const phases: Record<string, PhaseResult> = {};
    const t0 = Date.now();
    const now = () => Date.now() - t0;
    // The www record becomes a CNAME at Vercel; the change is accepted beforehand (issue 11 item 3).
    const typeChange = { "golive:wwwRecordType": "CNAME", "golive:allowRecordReplace": "true" };
    const config = (phase: "adopt" | "prepare" | "cutover", extra: Record<string, string> = {}) => {
        const c = phaseConfig(world, phase, targets);
        const config: Record<string, string> = { ...c.config, ...(phase === "adopt" ? {} : typeChange), ...extra };
        return { config, secretKeys: c.secretKeys };
    };
    const caaAt = (name: string) => zone.list({ type: "CAA" }).filter((r) => r.name === name).map((r) => `${r.data?.tag} ${r.data?.value}${r.comment === OWN_CAA_COMMENT ? " (own)" : ""}`).sort();
    const www = () => zone.list({}).filter((r) => r.name === world.www && (r.type === "A" || r.type === "CNAME"));

    before(async function () {
        const engine = requireEngine(this);
        // The zone's CAA allows another CA only. Vercel refuses to pre-issue the certificate (a
        // personal-scoped domain): it issues it 2 s after DNS points to it, and MEP-08 waits after the switch.
        replica = await startEngineReplica({
            now,
            behaviour: { certDelayMs: 2_000, orderRefused: "personal-scope" },
            zone: (z, w) => z.seed({ id: "c3".repeat(16), name: w.domain, type: "CAA", ttl: 300, proxied: false, data: { flags: 0, tag: "issue", value: "digicert.com" } }),
        });
        ({ world, zone, control } = replica);
        eng = await RealEngine.start({ engine, controlUrl: control.url, stack: STACK, now });
        targets = {
            settings: { domain: world.domain, pages: [{ path: "/" }], dnsTimeoutMs: 10_000, certWaitMs: 15_000, dnsPollMs: 100, httpsBudgetMs: 2_000, pageBudgetMs: 2_000, sitemapSample: 1 },
            net: { ...world.net, timeoutMs: 2_000, attempts: 2 },
            vercelApi: { url: replica.vercelApi.url, token: replica.vercelApi.token },
        };
    });

    after(async () => {
        eng?.close();
        await replica?.close();
    });

    it("a golive: key Pulumi.yaml does not declare is refused at preview with the closest name (the engine ignores it)", async () => {
        const { config: c, secretKeys } = config("adopt", { "golive:approvdBy": "Client" });
        const preview = await eng.preview(c, secretKeys);
        assert.equal(preview.ok, false);
        assert.match(preview.errors.join("\n"), /golive:approvdBy is not a key of this program: did you mean golive:approvedBy\?/);
    });

    it("adopt refuses, at preview, a declared record that differs from the live one (the engine would import, then update it)", async () => {
        const { config: c, secretKeys } = config("adopt");
        const live = JSON.parse(c["golive:liveRecords"]);
        live.www.content = "127.0.0.9";
        const preview = await eng.preview({ ...c, "golive:liveRecords": JSON.stringify(live) }, secretKeys);
        assert.equal(preview.ok, false);
        assert.match(preview.errors.join("\n"), /golive:liveRecords\.www\.content is "127\.0\.0\.9" but the live record has "127\.0\.0\.3"/);
        assert.deepEqual(replica.resourceCalls(), [], "nothing was changed");
    });

    it("adopt, prepare: Let's Encrypt is added to the restricted CAA, the code freeze is set, getDomainConfig runs after both domains exist", async () => {
        for (const phase of ["adopt", "prepare"] as const) {
            const { config: c, secretKeys } = config(phase);
            phases[phase] = await eng.up(phase, c, secretKeys);
            assert.ok(phases[phase].ok, `${phase}: ${phases[phase].errors.join("\n")}`);
        }
        assert.deepEqual(caaAt(world.domain), ["issue digicert.com", "issue letsencrypt.org (own)"]);
        // MEP-02: the project as the engine stored it.
        const state = await eng.ws.pulumi(["stack", "export", "--stack", STACK]);
        const project = JSON.parse(state.stdout).deployment.resources.find((r: { type: string }) => r.type === "vercel:index/project:Project");
        assert.deepEqual(project.inputs.gitProviderOptions, { createDeployments: false });
        // Item 8: Vercel is asked for the domains' configuration only once both exist.
        const order = control.calls.map((x) => x.token ?? `${x.op} ${x.type}`);
        const lastDomain = order.lastIndexOf("create vercel:index/projectDomain:ProjectDomain");
        const firstAsk = order.indexOf("vercel:index/getDomainConfig:getDomainConfig");
        assert.ok(lastDomain >= 0 && firstAsk > lastDomain, `getDomainConfig at ${firstAsk}, last ProjectDomain at ${lastDomain}`);
    });

    it("cutover: www goes A → CNAME (delete first: Cloudflare refuses a CNAME beside an A), the checks wait for the certificate, the CAA record stays", async () => {
        const before = www();
        const { config: c, secretKeys } = config("cutover");
        phases.cutover = await eng.up("cutover", c, secretKeys);
        assert.ok(phases.cutover.ok, phases.cutover.errors.join("\n"));
        const after = www();
        assert.deepEqual([before.map((r) => r.type), after.map((r) => r.type)], [["A"], ["CNAME"]]);
        assert.notEqual(after[0].id, before[0].id, "a new record: the type change replaced it");
        assert.equal(zone.get(LIVE_RECORD_IDS.apex)?.content, world.newSite.host, "the apex was updated in place");
        // Before the switch MEP-08 says there is no certificate yet (refused: a gap announced); after
        // it, MEP-08 waits for Vercel's and passes.
        const before08 = phases.cutover.steps.find((s) => s.name === "preswitch-mep08-tls");
        assert.equal((before08?.result as { status?: string } | undefined)?.status, "skip", JSON.stringify(before08?.result));
        const mep08 = phases.cutover.steps.find((s) => s.name === "checks-mep08-tls");
        assert.ok(mep08, "MEP-08 ran after the switch");
        assert.equal((mep08!.result as { status: string }).status, "pass");
        assert.match((mep08!.result as { reason: string }).reason, /issued after \d+\.\d s of waiting/);
        assert.deepEqual(caaAt(world.domain), ["issue digicert.com", "issue letsencrypt.org (own)"], "the program's own CAA record is kept at cutover");
    });

    it("`golive rollback --yes` restores the prepare update's config from history (arrays, objects, secret objects) and www goes back to A; CAA kept", async () => {
        const r = await golive(["rollback", "--stack", STACK, "--yes", "--dir", eng.ws.projectDir], eng.ws);
        assert.equal(r.code, 0, problemLines(r.out));
        assert.deepEqual(www().map((x) => [x.type, x.content]), [["A", world.oldSite.host]]);
        assert.equal(zone.get(LIVE_RECORD_IDS.apex)?.content, world.oldSite.host);
        assert.deepEqual(caaAt(world.domain), ["issue digicert.com", "issue letsencrypt.org (own)"], "and after the rollback");
        // As the rollback says: with the same phase set in the stack file, the next `pulumi up` from
        // this tree changes nothing (the rollback left the stack exactly as prepare did).
        const { config: c, secretKeys } = config("prepare");
        await eng.setConfig(c, secretKeys);
        const again = await eng.ws.pulumi(["preview", "--stack", STACK, "--expect-no-changes"]);
        assert.equal(again.code, 0, again.stderr + again.stdout.slice(-2000));
        const history = await eng.ws.pulumi(["stack", "history", "--stack", STACK, "--json"]);
        assert.ok(JSON.parse(history.stdout).length >= 4, "each update is in the stack history");
    });
});
