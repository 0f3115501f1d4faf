import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { defaultPages, vercelLikeSpec } from "../../replica/site";
import { checkSmokeTest, PageEvidence, SmokeTestCheck, SmokeTestInput } from "../../checks/smokeTest";
import { providerOf } from "../helpers/engine";

const BRAND = "Kalia Beauty Studio";

describe("checks/smokeTest (MEP-11)", () => {
    let world: ReplicaWorld;
    let input: SmokeTestInput;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        input = {
            baseUrl: `https://${world.www}`,
            pages: [
                { path: "/", expectText: "Prenez rendez-vous" },
                { path: "/services" },
                { path: "/tarifs", expectText: "Soin du visage : 65 €" },
                { path: "/a-propos" },
                { path: "/contact" },
                { path: "/mentions-legales" },
            ],
        };
    });
    after(() => world.close());
    afterEach(() => {
        world.newSite.spec = vercelLikeSpec(world.domain, BRAND);
    });

    const page = (evidence: Record<string, unknown>, path: string) => (evidence.pages as PageEvidence[]).find((p) => p.path === path)!;

    it("passes on a correct site, with evidence per page and the 404 probe", async () => {
        const r = await checkSmokeTest(input, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.equal(r.id, "MEP-11");
        const home = page(r.evidence, "/");
        assert.equal(home.status, 200);
        assert.match(home.contentType!, /text\/html/);
        assert.ok(home.bytes! > 200);
        assert.equal(typeof home.elapsedMs, "number");
        const notFound = r.evidence.notFound as { path: string; status: number };
        assert.match(notFound.path, /^\/golive-404-[a-z0-9]+$/);
        assert.equal(notFound.status, 404);
    });

    it("fails on a page answering 500, naming it", async () => {
        world.newSite.spec.pages["/tarifs"] = { ...defaultPages(BRAND)["/tarifs"], status: 500 };
        const r = await checkSmokeTest(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /\/tarifs answered 500/);
        assert.doesNotMatch(r.reason, /\/services/);
    });

    it("fails on a page slower than its budget, naming only that page", async () => {
        world.newSite.spec.pages["/contact"].delayMs = 1_200;
        const r = await checkSmokeTest({ ...input, budgetMs: 800 }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /\/contact took \d+ ms, budget 800 ms/);
        assert.equal(r.reason.split(";").length, 1, r.reason);
        assert.ok(page(r.evidence, "/contact").elapsedMs! >= 1_150);
    });

    it("fetches the pages concurrently", async () => {
        for (const p of Object.values(world.newSite.spec.pages)) p.delayMs = 300;
        const started = Date.now();
        const r = await checkSmokeTest(input, world.net);
        const wall = Date.now() - started;
        assert.equal(r.status, "pass", r.reason);
        // Six pages of 300 ms one after the other would take at least 1.8 s.
        assert.ok(wall < 1_500, `took ${wall} ms`);
    });

    it("fails when an unknown path answers 200 (soft 404)", async () => {
        world.newSite.spec.notFoundStatus = 200;
        const r = await checkSmokeTest(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /unknown path \/golive-404-\S+ answered 200, expected 404/);
    });

    it("fails when an unknown path answers 500", async () => {
        world.newSite.spec.notFoundStatus = 500;
        const r = await checkSmokeTest({ ...input, notFoundPath: "/nope" }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /unknown path \/nope answered 500, expected 404/);
    });

    it("fails when a page lacks its expected text", async () => {
        world.newSite.spec.pages["/tarifs"].text = "Tarifs bientôt.";
        const r = await checkSmokeTest(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /\/tarifs does not show "Soin du visage : 65 €"/);
        assert.equal(page(r.evidence, "/tarifs").missingText, "Soin du visage : 65 €");
    });

    it("fails on a key page that is not HTML or redirects", async () => {
        world.newSite.spec.handle = (req) => (req.path === "/services" ? { status: 200, headers: { "content-type": "application/json" }, body: "{}" } : undefined);
        const r = await checkSmokeTest({ ...input, baseUrl: `https://${world.domain}` }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /\/services content-type application\/json, expected text\/html/);
        assert.match(r.reason, /\/ answered 308 → https:\/\/www\./);
    });

    it("runs as the engine runs it: create passes, create rejects with MEP-11, diff sees changes", async () => {
        const { provider, inputs } = await providerOf(() => new SmokeTestCheck("smoke", { input, net: world.net, triggers: { deployment: "dpl_1" } }));
        const { __provider, ...plain } = inputs;
        const created = await provider.create(inputs);
        assert.equal(created.outs.result.status, "pass");
        assert.deepEqual(await provider.diff(created.id, created.outs, plain), { changes: false });
        const news = { ...plain, triggers: { deployment: "dpl_2" } };
        assert.deepEqual(await provider.diff(created.id, created.outs, news), { changes: true });
        world.newSite.spec.pages["/a-propos"].status = 503;
        await assert.rejects(provider.create(inputs), /MEP-11 Smoke test failed: .*\/a-propos answered 503/);
    });
});
