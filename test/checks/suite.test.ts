import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { vercelLikeSpec } from "../../replica/site";
import { CHECKS, CheckDefinition, formatTable, runSuite, SuiteSettings } from "../../checks/suite";
import { SITE_FAULTS } from "../../replica/siteFaults";

const SIX = ["dns", "tls", "https", "redirects", "smoke", "seo"];

describe("checks/suite: the registry and runner", () => {
    let world: ReplicaWorld;
    let settings: SuiteSettings;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        settings = {
            domain: world.domain,
            pages: ["/", "/services", "/tarifs", "/a-propos", "/contact", "/mentions-legales"].map((path) => ({ path })),
            expected: { apex: ["127.0.0.2"], www: ["127.0.0.2"] },
            dnsTimeoutMs: 2_000,
            dnsPollMs: 200,
        };
    });
    after(() => world.close());
    afterEach(() => {
        world.newSite.spec = vercelLikeSpec(world.domain, "Kalia Beauty Studio");
        world.pointAt("new");
    });

    it("lists the six post-deploy checks in plan order", () => {
        const keys = CHECKS.map((c) => c.key);
        assert.deepEqual(keys.filter((k) => SIX.includes(k)), SIX);
        const ids = CHECKS.map((c) => c.id);
        assert.deepEqual([...ids].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4))), ids, "plan order");
        assert.equal(new Set(keys).size, keys.length, "unique keys");
    });

    it("with a certificate wait, runs MEP-08 first and the checks after it once the certificate is issued", async () => {
        const good = world.newSite.certs["*"];
        world.newSite.certs = { "*": world.issue(["*.vercel.app"]) };
        const issued = setTimeout(() => (world.newSite.certs = { "*": good }), 500);
        try {
            const results = await runSuite({ ...settings, certWaitMs: 10_000, certPollMs: 100 }, world.net, { only: ["tls", "https", "smoke"] });
            assert.deepEqual(results.map((r) => [r.id, r.status]), [["MEP-08", "pass"], ["MEP-09", "pass"], ["MEP-11", "pass"]], JSON.stringify(results.map((r) => r.reason)));
            assert.match(results[0].reason, /issued after/);
        } finally {
            clearTimeout(issued);
            world.newSite.certs = { "*": good };
        }
    });

    it("runs all six concurrently on a clean replica: all pass, in plan order", async () => {
        const results = await runSuite(settings, world.net, { only: SIX });
        assert.deepEqual(results.map((r) => r.id), ["MEP-07", "MEP-08", "MEP-09", "MEP-10", "MEP-11", "MEP-14"]);
        for (const r of results) assert.equal(r.status, "pass", `${r.id} ${r.reason}`);
        const table = formatTable(results);
        assert.match(table, /^ID\s+Check\s+Status\s+Reason/);
        assert.match(table, /MEP-10\s+Redirects\s+PASS\s+/);
        assert.equal(table.split("\n").length, 2 + results.length);
    });

    it("filters with only, and runs sequentially on request", async () => {
        world.newSite.spec.apexRedirectStatus = 302;
        const results = await runSuite(settings, world.net, { only: ["seo", "redirects"], concurrent: false });
        assert.deepEqual(results.map((r) => `${r.id} ${r.status}`), ["MEP-10 fail", "MEP-14 pass"]);
        assert.match(results[0].reason, /302/);
        await assert.rejects(runSuite(settings, world.net, { only: ["nope"] }), /unknown check nope; known: dns, /);
    });

    it("skips DNS propagation when no expected values are known, naming what to set", async () => {
        const { expected, ...rest } = settings;
        const [dns] = await runSuite(rest, world.net, { only: ["dns"] });
        assert.equal(dns.id, "MEP-07");
        assert.equal(dns.status, "skip");
        assert.match(dns.reason, /expected/);
    });

    it("turns a check that throws into a failure of that check only", async () => {
        const boom: CheckDefinition = { key: "boom", id: "MEP-18", name: "Boom", run: async () => { throw new Error("kaput"); } };
        CHECKS.push(boom);
        try {
            const results = await runSuite(settings, world.net, { only: ["https", "boom"] });
            assert.equal(results[0].status, "pass");
            assert.equal(results[1].status, "fail");
            assert.equal(results[1].reason, "check crashed: kaput");
        } finally {
            CHECKS.splice(CHECKS.indexOf(boom), 1);
        }
    });

    // The replica's site faults (also run through Lighthouse by `npm run bench:lighthouse`): each
    // is caught by the plan line that owns it, and the checks that do not own it still pass.
    it("catches every replica site fault with the check that owns it", async () => {
        for (const fault of SITE_FAULTS) {
            world.newSite.spec = vercelLikeSpec(world.domain, "Kalia Beauty Studio");
            fault.apply(world.newSite.spec);
            const results = await runSuite(settings, world.net, { only: ["https", "redirects", "smoke", "seo"] });
            const owner = results.find((r) => r.id === fault.caughtBy)!;
            assert.equal(owner.status, "fail", `${fault.name}: ${owner.id} ${owner.reason}`);
            assert.match(owner.reason, fault.reason, fault.name);
        }
    });
});
