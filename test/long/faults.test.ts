// Issue 16 on the real engine (pulumi v3.248.0, the replica provider plugins, the engine's own
// dynamic-provider host): every fault the checks against the new host catch stops the go-live
// before any record changes, with 0 failed probes; a build error stops it at prepare; the clean run
// has its certificate before the switch; what only the switch can break goes back records first.
// The same assertions hold on the mock engine (test/rehearsal/rehearsal.test.ts). Long: one real
// rehearsal per fault (`npm run test:long`, which CI runs after `npm test`).
import { strict as assert } from "assert";
import { rehearse, RehearsalReport } from "../../rehearsal/run";
import { requireEngine } from "../helpers/prerequisites";
import { programForm } from "../../replica/engineWorkspace";
import { freshBuildDir } from "../../shared/freshBuild";

const siteRecords = (r: RehearsalReport, when: keyof RehearsalReport["figures"]["records"]) => [r.figures.records[when]!.apex, r.figures.records[when]!.www];

/**
 * A fault found before the switch: non-zero, one of the checks named failed, 0 failed probes, the
 * records as prepare left them. The engine stops scheduling once a check fails, so which of the
 * checks a fault breaks ran first is a race: any of `ids` will do.
 */
function stoppedBeforeSwitch(r: RehearsalReport, ids: string[], reason: RegExp): void {
    assert.equal(r.engine.kind, "pulumi");
    assert.equal(r.ok, false, "the rehearsal reports the failure (exit non-zero)");
    const failed = r.cutoverChecks.filter((c) => ids.includes(c.id) && c.status === "fail");
    assert.ok(failed.length > 0, `${ids.join(" or ")} failed: ${JSON.stringify(r.cutoverChecks.map((c) => [c.id, c.stage ?? "", c.status]))}`);
    assert.ok(failed.every((c) => c.stage === "pre-switch" || r.stoppedAt === "prepare"), `${ids.join(" or ")} failed before the switch`);
    assert.ok(failed.some((c) => reason.test(c.reason)), JSON.stringify(failed.map((c) => [c.id, c.reason])));
    assert.equal(r.figures.dnsSwitched, false);
    assert.equal(r.figures.probes.failed, 0, JSON.stringify(r.figures.probes.failures.slice(0, 3)));
    for (const when of ["cutover", "rollback"] as const) if (r.figures.records[when]) assert.deepEqual(siteRecords(r, when), siteRecords(r, "prepare"), `${when}: same ids, same contents as after prepare`);
    assert.deepEqual(r.release.remoteTags, {});
}

describe("long: issue 16's faults on the real engine", function () {
    this.timeout(600_000);
    before(function () {
        requireEngine(this);
    });
    const run = (fault?: string, extra: { buildClockScale?: number } = {}) => rehearse({ engine: "pulumi", fast: true, ...(fault ? { fault } : {}), ...extra });

    it("clean: the certificate is issued by DNS-01 before the switch; 0 failed probes; every check green", async () => {
        const r = await run();
        assert.deepEqual(r.problems, []);
        assert.equal(r.engine.program, programForm(undefined, process.env, freshBuildDir()), "the rehearsal says which form of the program the engine ran");
        assert.equal(r.figures.certificate.via, "dns-01");
        assert.ok((r.figures.certificate.issuedBeforeSwitchMs ?? 0) > 0, JSON.stringify(r.figures.certificate));
        assert.equal(r.figures.probes.failed, 0);
        assert.equal(typeof r.figures.dnsSwitchToGreenMs, "number");
    });

    // The release answers 500 (or 404 before its domains are on Vercel) on every page: MEP-09, 10, 11 and 14 each see it.
    const everyPage = ["MEP-09", "MEP-10", "MEP-11", "MEP-14"];
    const caught: Array<[string, string[], RegExp]> = [
        ["broken-release", everyPage, /500/],
        ["redirect-302", ["MEP-10"], /302/],
        ["robots-disallow", ["MEP-14"], /robots\.txt/],
        ["slow-site", ["MEP-13"], /scores 85 < 90/],
        ["dns-before-domain", everyPage, /404/],
        ["cert-delay", ["MEP-08"], /vercel\.app/],
    ];
    for (const [fault, ids, reason] of caught) {
        it(`${fault}: ${ids.join("/")} stops it before the switch; DNS never changes, 0 failed probes`, async () => {
            stoppedBeforeSwitch(await run(fault), ids, reason);
        });
    }

    it("build-error: prepare fails on Vercel's build error; DNS untouched", async () => {
        const r = await run("build-error");
        assert.equal(r.ok, false);
        assert.equal(r.stoppedAt, "prepare");
        assert.match(r.problems.join("\n"), /BUILD_UTILS_SPAWN_1/);
        assert.equal(r.figures.probes.failed, 0);
        assert.deepEqual(siteRecords(r, "prepare"), siteRecords(r, "before"));
    });

    // Issue 23: what Vercel says at prepare, on the real engine through the replica plugins.
    it("domain-in-use: Vercel refuses the apex at the add (409 domain_already_in_use); prepare stops there naming it and what to do; no DNS record changed", async () => {
        const r = await run("domain-in-use");
        assert.equal(r.ok, false);
        assert.equal(r.stoppedAt, "prepare");
        assert.match(r.problems.join("\n"), /MEP-05 kaliabeautystudio\.com is already assigned to another Vercel project .*domain_already_in_use - Cannot add kaliabeautystudio\.com since it's already assigned to another project\..*Remove kaliabeautystudio\.com from that project.* No DNS record was changed\./);
        const prepare = r.phases.find((p) => p.phase === "prepare")!;
        assert.deepEqual(prepare.changes.filter((c) => c.type === "cloudflare:index/dnsRecord:DnsRecord" && c.ok), [], "no record of the zone changed at prepare");
        assert.equal(r.figures.probes.failed, 0);
        assert.deepEqual(siteRecords(r, "prepare"), siteRecords(r, "before"));
    });

    it("build-checks-failed: the deployment's checks fail on Vercel; prepare fails at MEP-04 with Vercel's words; the records still point to the old host", async () => {
        const r = await run("build-checks-failed", { buildClockScale: 10 });
        assert.equal(r.ok, false);
        assert.equal(r.stoppedAt, "prepare");
        assert.match(r.problems.join("\n"), /MEP-04 the production deployment failed on Vercel: deployment checks have failed\. Visit https:\/\/vercel\.com\/\S+ for more information\. The build succeeded but its deployment checks failed/);
        assert.equal(r.figures.probes.failed, 0);
        assert.deepEqual(siteRecords(r, "prepare").map((x) => x.map((y) => y.content)), siteRecords(r, "before").map((x) => x.map((y) => y.content)));
    });

    it("slow-build: a 4-minute build (on a build clock 16× faster: 15 s, the provider's 48 reads every 0.3 s); prepare waits for it and the go-live goes on, 0 failed probes", async () => {
        // The scale changes the wall time only: the same polls see the same states (replica/vercel.ts buildClockScale).
        const scale = 16;
        const r = await run("slow-build", { buildClockScale: scale });
        assert.deepEqual(r.problems, []);
        const step = r.phases.find((p) => p.phase === "prepare")!;
        assert.ok(step.ok);
        assert.equal(r.figures.probes.failed, 0);
        assert.equal(r.figures.dnsSwitched, true);
    });

    it("fails-under-traffic: found only after the switch; R-1 at once puts the records back first; the way back is timed", async () => {
        const r = await run("fails-under-traffic");
        assert.equal(r.figures.dnsSwitched, true);
        assert.ok(r.cutoverChecks.some((c) => c.status === "fail" && c.stage !== "pre-switch"));
        assert.equal(typeof r.figures.failedCheckToOldSiteMs, "number");
        assert.deepEqual(siteRecords(r, "rollback"), siteRecords(r, "prepare"));
        const rollback = r.phases.find((p) => p.phase === "rollback")!;
        assert.ok(rollback.ok, rollback.errors.join("\n"));
        console.log(`      first failed check → old site: ${r.figures.failedCheckToOldSiteMs} ms; ${r.figures.probes.failed} failed probes`);
    });

    it("rate-limited: Cloudflare answers 429 (Retry-After: 3 s) twice to each site record update, at the cutover and on the way back; the provider waits as cloudflare-go does and goes on; 0 failed probes", async () => {
        const r = await run("rate-limited");
        // Nothing of the rate limit reaches the operator: the provider waited and went on.
        assert.deepEqual(r.problems.filter((p) => /429|rate limit|Rate limited/i.test(p)), [], r.problems.join("\n"));
        assert.equal(r.figures.dnsSwitched, true);
        const cutover = r.phases.find((p) => p.phase === "cutover")!;
        const siteRecords_ = cutover.changes.filter((c) => c.name === "dns-apex" || c.name === "dns-www");
        assert.deepEqual(siteRecords_.map((c) => [c.name, c.ok]).sort(), [["dns-apex", true], ["dns-www", true]], "both records updated at the cutover, after the 429s");
        const f = r.figures.apiFaults!;
        assert.equal(f.cutover?.struck, 4, "two 429s for apex, two for www, at the cutover");
        assert.equal(f.rollback?.struck, 4, "and again on the way back (records first)");
        // Waited as asked (3 s, twice) before each record went through: behaviour, not speed.
        assert.ok(f.cutover!.ms >= 6_000 && f.rollback!.ms >= 6_000, JSON.stringify(f));
        const rollback = r.phases.find((p) => p.phase === "rollback")!;
        assert.ok(rollback.ok, rollback.errors.join("\n"));
        assert.deepEqual(siteRecords(r, "rollback"), siteRecords(r, "prepare"));
        const before = ["adopt", "prepare"].reduce((n, p) => n + (r.figures.probes.byPhase[p]?.failed ?? 0), 0);
        assert.equal(before, 0, "0 failed probes before the switch");
        assert.equal(r.figures.probes.failed, 0, JSON.stringify(r.figures.probes.failures.slice(0, 3)));
        console.log(`      rate-limited: cutover ${(f.cutover!.ms / 1000).toFixed(1)} s, rollback ${(f.rollback!.ms / 1000).toFixed(1)} s (4 × 429 each)`);
    });
});
