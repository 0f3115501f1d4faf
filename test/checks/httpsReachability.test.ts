import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { checkHttpsReachability, HttpsReachabilityCheck } from "../../checks/httpsReachability";
import { defaultPages } from "../../replica/site";
import { providerOf } from "../helpers/engine";

describe("checks/httpsReachability (MEP-09)", () => {
    let world: ReplicaWorld;
    let url: string;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        url = `https://${world.www}/`;
    });
    after(() => world.close());
    afterEach(() => {
        world.newSite.spec.pages = defaultPages("Kalia Beauty Studio");
        world.pointAt("new");
    });

    it("passes when www answers 200 within the budget, with the evidence", async () => {
        const r = await checkHttpsReachability({ url }, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.equal(r.id, "MEP-09");
        assert.equal(r.name, "HTTPS reachability");
        assert.equal(r.evidence.status, 200);
        assert.equal(r.evidence.servedBy, "vercel");
        assert.match(String(r.evidence.contentType), /text\/html/);
        assert.ok((r.evidence.bytes as number) > 100);
        assert.equal(typeof r.evidence.elapsedMs, "number");
        assert.equal(typeof r.durationMs, "number");
    });

    it("fails when / answers 500", async () => {
        world.newSite.spec.pages["/"] = { ...world.newSite.spec.pages["/"], status: 500 };
        const r = await checkHttpsReachability({ url }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /answered 500 \(expected 200\)/);
        assert.equal(r.evidence.status, 500);
    });

    it("fails when / is slower than its budget", async () => {
        world.newSite.spec.pages["/"] = { ...world.newSite.spec.pages["/"], delayMs: 700 };
        const r = await checkHttpsReachability({ url, budgetMs: 300 }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /answered 200 in \d+ ms, over the 300 ms budget/);
        assert.ok((r.evidence.elapsedMs as number) >= 650);
    });

    it("fails on a redirect instead of the page, naming the target", async () => {
        const r = await checkHttpsReachability({ url: `https://${world.domain}/` }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /answered 308 → https:\/\/www\.kaliabeautystudio\.com\/ \(expected 200/);
    });

    it("fails, bounded, when nothing listens", async () => {
        const started = Date.now();
        const r = await checkHttpsReachability({ url }, { ...world.net, httpsPort: 1, attempts: 2 });
        assert.equal(r.status, "fail");
        assert.match(r.reason, /unreachable: .*ECONNREFUSED/);
        assert.ok(Date.now() - started < 3_000);
    });

    describe("as a dynamic resource", () => {
        it("creates on the good site, rejects with MEP-09 on a broken one, diffs on triggers", async () => {
            const { provider, inputs } = await providerOf(
                () => new HttpsReachabilityCheck("https", { input: { url, budgetMs: 3_000 }, net: world.net, triggers: { deployment: "d1" } }),
            );
            const created = await provider.create(inputs);
            assert.equal(created.outs.result.status, "pass");
            assert.match(created.id, /^MEP-09-/);
            const { __provider, ...plain } = inputs;
            assert.deepEqual(await provider.diff(created.id, created.outs, plain), { changes: false });
            assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, triggers: { deployment: "d2" } }), { changes: true });
            world.newSite.spec.pages["/"] = { ...world.newSite.spec.pages["/"], status: 500 };
            await assert.rejects(provider.create(inputs), /MEP-09 HTTPS reachability failed: .*answered 500/);
        });
    });
});
