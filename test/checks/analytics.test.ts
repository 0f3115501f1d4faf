import { strict as assert } from "assert";
import * as fs from "fs";
import { requireChromium } from "../helpers/prerequisites";
import * as pulumi from "@pulumi/pulumi";
import { AnalyticsCheck, AnalyticsInput, checkAnalytics, findTag } from "../../checks/analytics";
import { FakeServiceAccount, GoogleFakes } from "../../replica/googleFakes";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { defaultPages } from "../../replica/site";
import { httpHead, startHostileServer, timeToVerdict, VERDICT_MARGIN_MS } from "../fixtures/hostileServers";
import { providerOf } from "../helpers/engine";
import { isSecretValue, unwrapSecrets } from "../helpers/secrets";

describe("checks/analytics (MEP-16) against the replica site and a loopback GA4 Data API", () => {
    let world: ReplicaWorld;
    let fakes: GoogleFakes;
    let account: FakeServiceAccount;
    const measurementId = "G-KALIA2024";
    const propertyId = "412345678";

    before(async () => {
        [world, fakes] = await Promise.all([startWorld(), GoogleFakes.start()]);
        account = fakes.serviceAccount();
    });
    after(async () => {
        await Promise.all([world.close(), fakes.close()]);
    });
    beforeEach(() => {
        world.newSite.spec.measurementId = measurementId;
        world.newSite.spec.pages = defaultPages(world.newSite.spec.brand);
        fakes.state.analyticsReaders = { [propertyId]: [account.email] };
        fakes.state.activeUsers = { [propertyId]: 1 };
        fakes.state.realtimeRequests = 0;
    });

    const urls = () => ["/", "/services", "/tarifs", "/contact"].map((p) => `https://www.${world.domain}${p}`);
    const inputOf = (over: Partial<AnalyticsInput> = {}): AnalyticsInput => ({
        urls: urls(),
        measurementId,
        propertyId,
        serviceAccountKey: account.keyJson,
        apiBaseUrl: fakes.baseUrl,
        realtimeWaitMs: 600,
        realtimePollMs: 200,
        visit: "none",
        ...over,
    });

    it("passes through the serialized provider: tag on every key page, one active user in realtime; no key leaks", async () => {
        const engine = await providerOf(() => new AnalyticsCheck("analytics", { input: pulumi.secret(inputOf()), net: world.net }));
        assert.ok(isSecretValue(engine.inputs.input));
        const keyLine = (JSON.parse(account.keyJson).private_key as string).split("\n")[1];
        assert.ok(!engine.serialized.includes(keyLine));
        const created = await engine.provider.create(unwrapSecrets(engine.inputs));
        const result = created.outs.result;
        assert.equal(result.status, "pass", result.reason);
        assert.equal(result.id, "MEP-16");
        assert.match(result.reason, /4 key pages carry G-KALIA2024; 1 active user in the GA4 realtime report/);
        assert.equal(result.evidence.realtime.activeUsers, 1);
        assert.ok(!JSON.stringify(result).includes(keyLine));
    });

    it("fails naming the page whose tag is missing", async () => {
        world.newSite.spec.pages["/tarifs"] = { ...world.newSite.spec.pages["/tarifs"], html: "<!doctype html><title>Tarifs</title><p>Soin du visage : 65 €</p>" };
        const result = await checkAnalytics(inputOf(), world.net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /tag G-KALIA2024 missing on 1\/4 key pages: https:\/\/www\.kaliabeautystudio\.com\/tarifs$/);
        assert.equal(fakes.state.realtimeRequests, 0, "no realtime report when the tag is not even there");
    });

    it("fails when a different measurement ID is on the pages", async () => {
        world.newSite.spec.measurementId = "G-KALIA20245";
        const result = await checkAnalytics(inputOf(), world.net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /missing on 4\/4/);
    });

    it("fails after the bounded wait when the realtime report shows nobody, and explains a 403", async () => {
        fakes.state.activeUsers = { [propertyId]: 0 };
        const before = fakes.state.realtimeRequests;
        const nobody = await checkAnalytics(inputOf(), world.net);
        assert.equal(nobody.status, "fail");
        assert.match(nobody.reason, /no active user in the GA4 realtime report of property 412345678/);
        // Polled, and bounded in polls: one at the start and one per 200 ms poll within the 600 ms wait.
        const polls = fakes.state.realtimeRequests - before;
        assert.ok(polls >= 2 && polls <= 1 + 600 / 200, `${polls} realtime requests`);
        fakes.state.analyticsReaders = {};
        const refused = await checkAnalytics(inputOf(), world.net);
        assert.equal(refused.status, "fail");
        assert.match(refused.reason, /give .*@kalia-golive\.iam\.gserviceaccount\.com Viewer access to property 412345678/);
    });

    it("skips without a measurement ID; without a service-account key checks the tags, then skips, saying why", async () => {
        const skipped = await checkAnalytics(inputOf({ measurementId: undefined }), world.net);
        assert.equal(skipped.status, "skip");
        assert.match(skipped.reason, /golive:analytics\.measurementId/);
        const tagsOnly = await checkAnalytics(inputOf({ serviceAccountKey: undefined }), world.net);
        assert.equal(tagsOnly.status, "skip", "tags alone do not prove real-time tracking (MEP-16)");
        assert.match(tagsOnly.reason, /key pages carry .*tracking not verified: golive:analytics\.serviceAccountKey is not set, realtime report not checked/);
        assert.equal((tagsOnly.evidence as any).realtime.status, "skip");
    });

    it("visits the site in headless Chromium (through the replica DNS) before reading the realtime report", async function () {
        requireChromium(this);
        const served = world.newSite.served;
        const result = await checkAnalytics(inputOf({ urls: urls().slice(0, 1), visit: "browser" }), world.net);
        assert.equal(result.status, "pass", result.reason);
        assert.match((result.evidence as any).realtime.visit, /visited https:\/\/www\.kaliabeautystudio\.com\/ in headless Chromium \(exit 0\)/);
        assert.ok(world.newSite.served >= served + 2, "one fetch by the check, one visit by the browser");
    });

    it("recognises gtag.js and Tag Manager snippets, not a look-alike ID", () => {
        const gtm = `<script>(function(w,d,s,l,i){j.src='https://www.googletagmanager.com/gtm.js?id='+i;})(window,document,'script','dataLayer','GTM-ABC123');</script>`;
        assert.equal(findTag(gtm, measurementId, "GTM-ABC123"), "tag-manager");
        assert.equal(findTag(gtm, measurementId), undefined);
        assert.equal(findTag(`<script>gtag('config','G-KALIA2024X')</script>`, measurementId), undefined);
        assert.equal(findTag(`<script async src="https://www.googletagmanager.com/gtag/js?id=G-KALIA2024"></script>`, measurementId), "gtag");
    });

    describe("one deadline (golive:analytics.timeoutSeconds), token call included, that no server behaviour stretches", () => {
        const BOUND_MS = 2_000;
        const cases = [
            { name: "a realtime report that trickles", behaviour: "trickle" as const, at: "api", call: /GA4 realtime report 1 \(POST http:\/\/127\.0\.0\.1:\d+\/v1beta\/properties\/412345678:runRealtimeReport\) ran out of time/ },
            { name: "a realtime report that never comes", behaviour: "silence" as const, at: "api", call: /GA4 realtime report 1 .* ran out of time/ },
            { name: "a token endpoint that accepts and never answers", behaviour: "silence" as const, at: "token", call: /token endpoint \(POST http:\/\/127\.0\.0\.1:\d+\/token\) ran out of time/ },
        ];
        for (const c of cases) {
            it(`${c.name}: fails within the deadline, naming the call`, async () => {
                const hostile = await startHostileServer(c.behaviour, { prefix: httpHead(), after: "request", trickleText: "{ ", intervalMs: 100 });
                try {
                    const where = c.at === "token" ? { tokenUrl: `${hostile.url}/token` } : { apiBaseUrl: hostile.url };
                    const { value: result, ms } = await timeToVerdict(() => checkAnalytics(inputOf({ ...where, realtimeWaitMs: 1_000, timeoutMs: BOUND_MS }), world.net));
                    assert.equal(result.status, "fail");
                    assert.match(result.reason, /4 key pages carry G-KALIA2024, but the realtime report could not be read: /);
                    assert.match(result.reason, c.call);
                    assert.match(result.reason, /the deadline of 2 s \(golive:analytics\.timeoutSeconds\) passed/);
                    assert.ok(ms <= BOUND_MS + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
                } finally {
                    await hostile.close();
                }
            });
        }
    });
});
