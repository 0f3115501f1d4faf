import { strict as assert } from "assert";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { checkPerformance, PerformanceCheck, PerformanceInput } from "../../checks/performance";
import { DEFAULT_CHROMIUM } from "../../checks/chromium";
import { requireChromium } from "../helpers/prerequisites";
import { GoogleFakes } from "../../replica/googleFakes";
import { freePortOn } from "../../replica/site";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { providerOf } from "../helpers/engine";
import { isSecretValue, unwrapSecrets } from "../helpers/secrets";

describe("checks/performance (MEP-13) against a loopback PageSpeed Insights", () => {
    let fakes: GoogleFakes;
    const apiKey = "AIzaSy-test-key-not-real-0123456789";
    const home = "https://www.kaliabeautystudio.com/";
    const services = "https://www.kaliabeautystudio.com/services";
    const net = { timeoutMs: 3_000, attempts: 2 };

    before(async () => {
        fakes = await GoogleFakes.start();
        fakes.state.psiApiKey = apiKey;
    });
    after(() => fakes.close());
    beforeEach(() => {
        fakes.state.scores = {};
        fakes.state.psiFailures = [];
        fakes.state.psiRequests = [];
    });

    const inputOf = (over: Partial<PerformanceInput> = {}): PerformanceInput => ({
        urls: [home, services],
        apiKey,
        apiBaseUrl: fakes.baseUrl,
        retry: { attempts: 4, baseMs: 20, maxMs: 50 },
        ...over,
    });

    it("passes through the serialized provider; the API key is in neither __provider nor the result", async () => {
        const engine = await providerOf(() => new PerformanceCheck("performance", { input: pulumi.secret(inputOf()), net }));
        assert.ok(isSecretValue(engine.inputs.input));
        assert.ok(!engine.serialized.includes(apiKey));
        const created = await engine.provider.create(unwrapSecrets(engine.inputs));
        const result = created.outs.result;
        assert.equal(result.status, "pass", result.reason);
        assert.equal(result.id, "MEP-13");
        assert.equal(result.evidence.mode, "api");
        assert.ok(!JSON.stringify(result).includes(apiKey));
        assert.deepEqual(fakes.state.psiRequests, [
            { url: home, strategy: "mobile", category: "performance" },
            { url: services, strategy: "mobile", category: "performance" },
        ]);
    });

    it("fails when a key page scores 0.85 (threshold 0.90), through the provider", async () => {
        fakes.state.scores[services] = 0.85;
        const engine = await providerOf(() => new PerformanceCheck("performance-low", { input: pulumi.secret(inputOf()), net }));
        await assert.rejects(engine.provider.create(unwrapSecrets(engine.inputs)), (err: Error) => {
            assert.match(err.message, /MEP-13 Performance failed: https:\/\/www\.kaliabeautystudio\.com\/services \(mobile\) scores 85 < 90/);
            assert.ok(!err.message.includes(apiKey));
            return true;
        });
    });

    it("retries a 429 then succeeds; desktop is analysed when asked", async () => {
        fakes.state.psiFailures = [429];
        const result = await checkPerformance(inputOf({ urls: [home], strategies: ["mobile", "desktop"] }), net);
        assert.equal(result.status, "pass", result.reason);
        const scores = (result.evidence as any).scores;
        assert.equal(scores[0].attempts, 2);
        assert.deepEqual(fakes.state.psiRequests.map((r) => r.strategy), ["mobile", "mobile", "desktop"]);
    });

    it("fails after bounded retries when PSI always answers 500", async () => {
        fakes.state.psiFailures = Array(20).fill(500);
        const result = await checkPerformance(inputOf({ urls: [home], retry: { attempts: 3, baseMs: 10, maxMs: 20 } }), net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /PSI answered 500: Lighthouse returned error/);
        assert.equal(fakes.state.psiRequests.length, 3);
    });

    it("fails on a wrong API key without printing it", async () => {
        const wrong = "AIzaSy-wrong-key-9876543210";
        const result = await checkPerformance(inputOf({ urls: [home], apiKey: wrong }), net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /PSI answered 400: API key not valid/);
        assert.ok(!JSON.stringify(result).includes(wrong));
    });

    it("skips without the API key, naming it; falls back to local and says why when PSI is unreachable", async () => {
        const skipped = await checkPerformance(inputOf({ apiKey: undefined }), net);
        assert.equal(skipped.status, "skip");
        assert.match(skipped.reason, /golive:pagespeed\.apiKey/);
        const closed = `http://127.0.0.1:${await freePortOn(["127.0.0.1"])}`;
        const noBrowser = await checkPerformance(inputOf({ apiBaseUrl: closed, chromePath: "/nonexistent/chromium", retry: { attempts: 1 } }), { ...net, attempts: 1 });
        assert.equal(noBrowser.status, "skip");
        assert.match(noBrowser.reason, /PageSpeed Insights unreachable \(.*ECONNREFUSED.*\) and no Chromium .*apt-get install chromium/);
        assert.ok(!JSON.stringify(noBrowser).includes(apiKey));
        const apiOnly = await checkPerformance(inputOf({ apiBaseUrl: closed, mode: "api", retry: { attempts: 1 } }), { ...net, attempts: 1 });
        assert.equal(apiOnly.status, "fail");
        assert.match(apiOnly.reason, /ECONNREFUSED/);
        assert.ok(!JSON.stringify(apiOnly).includes(apiKey));
    });

    describe("local mode: one real Lighthouse run in Debian's Chromium (slow)", function () {
        this.timeout(90_000);
        let world: ReplicaWorld;
        before(async function () {
            requireChromium(this);
            world = await startWorld();
        });
        after(async () => world?.close());

        it("scores the replica home page with Lighthouse, reaching it through the replica DNS and ports", async () => {
            const servedBefore = world.newSite.served;
            const result = await checkPerformance({ urls: [`https://www.${world.domain}/`], mode: "local", localRuns: 1, localTimeoutMs: 80_000 }, world.net);
            assert.equal(result.status, "pass", result.reason);
            const evidence = result.evidence as any;
            assert.equal(evidence.mode, "local");
            assert.equal(evidence.scores[0].runs.length, 1);
            assert.ok(evidence.scores[0].score >= 0.9 && evidence.scores[0].score <= 1);
            assert.ok(world.newSite.served > servedBefore, "Chromium loaded the page from the loopback site");
        });
    });
});
