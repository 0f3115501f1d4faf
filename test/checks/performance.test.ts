import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { atDeployment, checkPerformance, MAX_FINAL_SCREENSHOT_CHARS, PerformanceCheck, PerformanceInput } from "../../checks/performance";
import { failureMessage, resultFromFailure } from "../../checks/dynamic";
import { performanceInputOf } from "../../checks/serviceInputs";
import { DEFAULT_CHROMIUM } from "../../checks/chromium";
import { requireChromium } from "../helpers/prerequisites";
import { GoogleFakes } from "../../replica/googleFakes";
import { freePortOn } from "../../replica/site";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { httpHead, startHostileServer, timeToVerdict, VERDICT_MARGIN_MS } from "../fixtures/hostileServers";
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
        delete fakes.state.finalScreenshot;
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

    it("keeps each analysis's final screenshot (Lighthouse's final-screenshot audit) for the go-live page; an absent or oversized one is said, the score stands", async () => {
        const kept = await checkPerformance(inputOf({ urls: [home], strategies: ["mobile", "desktop"] }), net);
        assert.equal(kept.status, "pass", kept.reason);
        const scores = (kept.evidence as any).scores;
        for (const s of scores) assert.match(s.finalScreenshot, /^data:image\/png;base64,[A-Za-z0-9+/=]+$/, s.strategy);
        assert.notEqual(scores[0].finalScreenshot, scores[1].finalScreenshot, "mobile's frame is not desktop's");
        // In an error or a terminal line, the picture is named by its size, and the evidence still parses.
        const failed = { ...kept, status: "fail" as const };
        const message = failureMessage(failed);
        assert.doesNotMatch(message, /base64/);
        assert.match(message, /"finalScreenshot":"image\/png picture \(\d+ KB, not shown\)"/);
        assert.equal(resultFromFailure(message)!.evidence.mode, "api");

        fakes.state.finalScreenshot = null;
        const none = await checkPerformance(inputOf({ urls: [home] }), net);
        assert.equal(none.status, "pass");
        assert.deepEqual((none.evidence as any).scores[0].finalScreenshotMissing, "the analysis has no final-screenshot audit");
        fakes.state.finalScreenshot = `data:image/jpeg;base64,${"A".repeat(MAX_FINAL_SCREENSHOT_CHARS)}`;
        const big = await checkPerformance(inputOf({ urls: [home] }), net);
        assert.equal(big.status, "pass");
        assert.match((big.evidence as any).scores[0].finalScreenshotMissing, /more than the 146 KB kept/);
        assert.equal((big.evidence as any).scores[0].finalScreenshot, undefined);
        fakes.state.finalScreenshot = "https://example.com/shot.jpg";
        const elsewhere = await checkPerformance(inputOf({ urls: [home] }), net);
        assert.match((elsewhere.evidence as any).scores[0].finalScreenshotMissing, /not a data: URI of a PNG, JPEG or WebP picture/);
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

    describe("with the key pages' names pinned (before the switch, issue 16)", () => {
        const pins = { "www.kaliabeautystudio.com": "76.76.21.21" };
        const deploymentUrl = "https://kalia-abc123.vercel.app";

        it("PSI measures the deployment's own URL with the key pages' paths, and the result says which URL was measured", async () => {
            fakes.state.scores["https://kalia-abc123.vercel.app/services"] = 0.95;
            const result = await checkPerformance(inputOf({ deploymentUrl: `${deploymentUrl}/ignored-path` }), { ...net, pins });
            assert.equal(result.status, "pass", result.reason);
            assert.deepEqual(fakes.state.psiRequests.map((r) => r.url), [`${deploymentUrl}/`, `${deploymentUrl}/services`]);
            const evidence = result.evidence as any;
            assert.deepEqual(evidence.scores.map((s: { url: string; measuredUrl: string }) => [s.url, s.measuredUrl]), [[home, `${deploymentUrl}/`], [services, `${deploymentUrl}/services`]]);
            assert.match(evidence.measuredAt, /^https:\/\/kalia-abc123\.vercel\.app \(the deployment's own URL: PageSpeed Insights cannot use the pins\)$/);
            assert.match(result.reason, /; measured at https:\/\/kalia-abc123\.vercel\.app \(the deployment's own URL/);
            // A low score names the key page and where it was measured.
            fakes.state.scores["https://kalia-abc123.vercel.app/services"] = 0.5;
            const low = await checkPerformance(inputOf({ deploymentUrl }), { ...net, pins });
            assert.match(low.reason, /https:\/\/www\.kaliabeautystudio\.com\/services \(at https:\/\/kalia-abc123\.vercel\.app\/services\) \(mobile\) scores 50 < 90/);
        });

        it("without the deployment's URL, PSI is not asked about the public names (the old host): mode api skips saying why, auto measures locally with the pins", async () => {
            const api = await checkPerformance(inputOf({ mode: "api" }), { ...net, pins });
            assert.equal(api.status, "skip");
            assert.match(api.reason, /the key pages' names are pinned \(www\.kaliabeautystudio\.com → 76\.76\.21\.21\) and PageSpeed Insights, an outside service, cannot use pins: give the deployment's own URL \(deploymentUrl\)/);
            const auto = await checkPerformance(inputOf({ chromePath: "/nonexistent/chromium" }), { ...net, pins });
            assert.equal(auto.status, "skip");
            assert.match(auto.reason, /cannot use pins: .* and no Chromium for a local Lighthouse run/);
            assert.deepEqual(fakes.state.psiRequests, []);
        });

        it("while the pinned host's certificate is not verified, local Lighthouse cannot load the pinned names: it skips without the deployment's URL", async () => {
            const result = await checkPerformance(inputOf({ mode: "local" }), { ...net, pins, tlsUnverifiedBecause: "Vercel refused the order" });
            assert.equal(result.status, "skip");
            assert.match(result.reason, /^local Lighthouse cannot load the pinned names \(www\.kaliabeautystudio\.com → 76\.76\.21\.21\): TLS not verified: Vercel refused the order/);
        });

        it("the suite passes the deployment's URL from its settings to MEP-13", () => {
            const input = performanceInputOf({ domain: "kaliabeautystudio.com", pages: [{ path: "/tarifs" }], deploymentUrl }, { pagespeed: { apiKey, strategies: ["mobile"], threshold: 0.9, mode: "api", localRuns: 1, timeoutSeconds: 60 } });
            assert.equal(input.deploymentUrl, deploymentUrl);
            assert.deepEqual(atDeployment(input, { pins }), [{ url: "https://www.kaliabeautystudio.com/tarifs", measuredUrl: `${deploymentUrl}/tarifs` }]);
            assert.deepEqual(atDeployment(input, {}), [{ url: "https://www.kaliabeautystudio.com/tarifs" }]);
        });
    });

    describe("one deadline (golive:pagespeed.timeoutSeconds) that no PSI behaviour stretches", () => {
        const BOUND_MS = 2_000;
        for (const behaviour of ["silence", "trickle"] as const) {
            it(`PSI ${behaviour === "silence" ? "accepts and never answers" : "trickles its answer"}: fails within the deadline, naming the call`, async () => {
                const psi = await startHostileServer(behaviour, { prefix: httpHead(), after: "request", trickleText: "{", intervalMs: 100 });
                try {
                    const { value: result, ms } = await timeToVerdict(() => checkPerformance(inputOf({ apiBaseUrl: psi.url, mode: "api", urls: [home, services], timeoutMs: BOUND_MS }), net));
                    assert.equal(result.status, "fail");
                    assert.match(result.reason, /PageSpeed Insights for https:\/\/www\.kaliabeautystudio\.com\/ \(mobile\) \(GET http:\/\/127\.0\.0\.1:\d+\/pagespeedonline\/v5\/runPagespeed\) ran out of time after \d+ ms: the deadline of 2 s \(golive:pagespeed\.timeoutSeconds\) passed/);
                    assert.ok(ms <= BOUND_MS + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
                    assert.ok(!result.reason.includes(apiKey), "the query (and its key) is not in the message");
                } finally {
                    await psi.close();
                }
            });
        }

        it("a PSI answer that is not JSON says what came, briefly", async () => {
            const proxy = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(`<html><body>Proxy login required ${"x".repeat(500)}</body></html>`));
            await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
            try {
                const result = await checkPerformance(inputOf({ apiBaseUrl: `http://127.0.0.1:${(proxy.address() as any).port}`, urls: [home] }), net);
                assert.equal(result.status, "fail");
                assert.match(result.reason, /PageSpeed Insights answered 200 with a body that is not JSON \(text\/html, \d+ bytes: "<html><body>Proxy login required x+"…\)/);
                assert.doesNotMatch(result.reason, /Unexpected token|JSON\.parse|position/);
            } finally {
                proxy.close();
            }
        });
    });

    describe("local mode: real Lighthouse runs in Debian's Chromium (slow); nothing of Chromium outlives a run", function () {
        this.timeout(90_000);
        let world: ReplicaWorld;
        // Each test's own temp root: the check's profile folders land there (os.tmpdir() reads TMPDIR).
        let tmpRoot: string;
        let savedTmp: string | undefined;
        before(async function () {
            requireChromium(this);
            world = await startWorld();
        });
        after(async () => world?.close());
        beforeEach(() => {
            savedTmp = process.env.TMPDIR;
            tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "golive-perf-test-"));
            process.env.TMPDIR = tmpRoot;
        });
        afterEach(() => {
            if (savedTmp === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = savedTmp;
            fs.rmSync(tmpRoot, { recursive: true, force: true });
        });

        /** Chromium processes of the test's temp root: Chromium and its helpers carry their profile folder on their command line. */
        const processesUnder = (root: string): string[] =>
            fs.readdirSync("/proc").filter((e) => /^\d+$/.test(e)).flatMap((pid) => {
                try {
                    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                    return cmd.includes(`--user-data-dir=${root}`) ? [`${pid} ${cmd.replace(/\0/g, " ").slice(0, 160)}`] : [];
                } catch {
                    return [];
                }
            });
        /** Runs `fn` while counting, every 100 ms, the Chromium processes under the temp root: were some running? */
        const watchingChromium = async <T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; seen: number }> => {
            let seen = 0;
            const poll = setInterval(() => (seen = Math.max(seen, processesUnder(tmpRoot).length)), 100);
            try {
                return { ...(await timeToVerdict(fn)), seen };
            } finally {
                clearInterval(poll);
            }
        };
        const nothingLeft = () => {
            assert.deepEqual(processesUnder(tmpRoot), [], "no Chromium process is left");
            assert.deepEqual(fs.readdirSync(tmpRoot), [], "no folder is left (profile, Chromium's own temp folders)");
        };

        it("scores the replica home page with Lighthouse, reaching it through the replica DNS and ports; ends Chromium", async () => {
            const servedBefore = world.newSite.served;
            const result = await checkPerformance({ urls: [`https://www.${world.domain}/`], mode: "local", localRuns: 1, localTimeoutMs: 80_000 }, world.net);
            assert.equal(result.status, "pass", result.reason);
            const evidence = result.evidence as any;
            assert.equal(evidence.mode, "local");
            assert.equal(evidence.scores[0].runs.length, 1);
            assert.ok(evidence.scores[0].score >= 0.9 && evidence.scores[0].score <= 1);
            assert.match(evidence.scores[0].finalScreenshot, /^data:image\/jpeg;base64,/, "Lighthouse's final screenshot of the run kept");
            assert.ok(world.newSite.served > servedBefore, "Chromium loaded the page from the loopback site");
            nothingLeft();
        });

        it("with DNS on the old host and www pinned to the new one, Lighthouse measures the new host (issue 16)", async () => {
            world.pointAt("old");
            try {
                const [byNew, byOld] = [world.newSite.served, world.oldSite.served];
                const result = await checkPerformance({ urls: [`https://www.${world.domain}/`], mode: "local", localRuns: 1, localTimeoutMs: 80_000 }, { ...world.net, pins: { [`www.${world.domain}`]: "127.0.0.2" } });
                assert.equal(result.status, "pass", result.reason);
                assert.ok(world.newSite.served > byNew, "Chromium loaded the page from the new host");
                assert.equal(world.oldSite.served, byOld, "nothing reached the old host");
                assert.deepEqual((result.evidence as any).pins, { [`www.${world.domain}`]: "127.0.0.2" });
                nothingLeft();
            } finally {
                world.pointAt("new");
            }
        });

        it("a page that cannot load: Lighthouse fails, Chromium is ended and its folder removed", async () => {
            const closed = `http://127.0.0.1:${await freePortOn(["127.0.0.1"])}/`;
            const result = await checkPerformance({ urls: [closed], mode: "local", localRuns: 1, localTimeoutMs: 60_000 }, {});
            assert.equal(result.status, "fail");
            assert.match(result.reason, /Lighthouse/);
            nothingLeft();
        });

        it("a page that never answers: the run times out within its bound, Chromium is ended and its folder removed", async () => {
            const site = await startHostileServer("silence");
            try {
                const { value: result, ms, seen } = await watchingChromium(() => checkPerformance({ urls: [`${site.url}/`], mode: "local", localRuns: 1, localTimeoutMs: 4_000 }, {}));
                assert.equal(result.status, "fail");
                assert.match(result.reason, /Lighthouse run on http:\/\/127\.0\.0\.1:\d+\/ timed out after 4000 ms/);
                assert.ok(ms <= 4_000 + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
                assert.ok(seen > 0, "Chromium was running when the run was stopped");
                nothingLeft();
            } finally {
                await site.close();
            }
        });

        it("PSI silent, then the local fallback on a page that never answers: the one deadline holds both, nothing left", async () => {
            const psi = await startHostileServer("silence");
            const site = await startHostileServer("silence");
            try {
                const input = { urls: [`${site.url}/`], mode: "auto" as const, apiKey, apiBaseUrl: psi.url, apiTimeoutMs: 1_000, retry: { attempts: 1 }, localRuns: 3, timeoutMs: 5_000 };
                const { value: result, ms, seen } = await watchingChromium(() => checkPerformance(input, { attempts: 1 }));
                assert.equal(result.status, "fail");
                assert.ok(seen > 0, "Chromium was running when the deadline passed");
                assert.match(result.reason, /Lighthouse run .* ran out of time after \d+ ms: the deadline of 5 s \(golive:pagespeed\.timeoutSeconds\)/);
                assert.match(JSON.stringify(result.evidence), /PageSpeed Insights unreachable .*timed out after 1000 ms/);
                assert.ok(ms <= 5_000 + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
                nothingLeft();
            } finally {
                await Promise.all([psi.close(), site.close()]);
            }
        });
    });
});
