import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { checkSearchConsole, SearchConsoleCheck, SearchConsoleInput, propertyProblem } from "../../checks/searchConsole";
import { FakeServiceAccount, GoogleFakes } from "../../replica/googleFakes";
import { httpHead, startHostileServer, timeToVerdict, VERDICT_MARGIN_MS } from "../fixtures/hostileServers";
import { providerOf } from "../helpers/engine";
import { isSecretValue, unwrapSecrets } from "../helpers/secrets";

describe("checks/searchConsole (MEP-15) against a loopback Search Console", () => {
    let fakes: GoogleFakes;
    let account: FakeServiceAccount;
    const siteUrl = "https://www.kaliabeautystudio.com/";
    const sitemapUrl = "https://www.kaliabeautystudio.com/sitemap.xml";
    const net = { timeoutMs: 3_000, attempts: 2 };

    before(async () => {
        fakes = await GoogleFakes.start();
        account = fakes.serviceAccount();
    });
    after(() => fakes.close());
    beforeEach(() => {
        fakes.state.owners = {};
        fakes.state.sitemaps = {};
        fakes.state.searchConsoleFailures = [];
    });

    const inputOf = (over: Partial<SearchConsoleInput> = {}): SearchConsoleInput => ({
        siteUrl,
        sitemapUrl,
        serviceAccountKey: account.keyJson,
        apiBaseUrl: fakes.baseUrl,
        retry: { baseMs: 20, maxMs: 50 },
        ...over,
    });

    it("submits the sitemap through the serialized provider, with no key in __provider or the result", async () => {
        fakes.state.owners[siteUrl] = [account.email];
        const engine = await providerOf(() => new SearchConsoleCheck("search-console", { input: pulumi.secret(inputOf()), net }));
        assert.ok(isSecretValue(engine.inputs.input));
        const privateKey = JSON.parse(account.keyJson).private_key as string;
        const keyLine = privateKey.split("\n")[1];
        assert.ok(!engine.serialized.includes(keyLine), "the service-account key must not be captured in __provider");
        const created = await engine.provider.create(unwrapSecrets(engine.inputs));
        const result = created.outs.result;
        assert.equal(result.status, "pass", result.reason);
        assert.equal(result.id, "MEP-15");
        assert.deepEqual(fakes.state.sitemaps[siteUrl], [sitemapUrl]);
        assert.equal(result.evidence.sitemap.isPending, true);
        assert.ok(!JSON.stringify(result).includes(keyLine));
    });

    it("works for a domain property (sc-domain:)", async () => {
        fakes.state.owners["sc-domain:kaliabeautystudio.com"] = [account.email];
        const result = await checkSearchConsole(inputOf({ siteUrl: "sc-domain:kaliabeautystudio.com" }), net);
        assert.equal(result.status, "pass", result.reason);
        assert.deepEqual(fakes.state.sitemaps["sc-domain:kaliabeautystudio.com"], [sitemapUrl]);
    });

    it("turns a 403 into: add the service account as an owner of the property", async () => {
        const result = await checkSearchConsole(inputOf(), net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, new RegExp(`add the service account ${account.email.replace(/\./g, "\\.")} as an Owner of the property https://www\\.kaliabeautystudio\\.com/`));
        assert.equal(fakes.state.sitemaps[siteUrl], undefined);
    });

    it("retries a 500 then succeeds; fails with the status when the API keeps failing", async () => {
        fakes.state.owners[siteUrl] = [account.email];
        fakes.state.searchConsoleFailures = [500];
        const retried = await checkSearchConsole(inputOf(), net);
        assert.equal(retried.status, "pass", retried.reason);
        fakes.state.searchConsoleFailures = [500, 500, 500, 500, 500];
        const failed = await checkSearchConsole(inputOf({ retry: { attempts: 3, baseMs: 10, maxMs: 20 } }), net);
        assert.equal(failed.status, "fail");
        assert.match(failed.reason, /sitemap submission answered 500: Backend Error/);
    });

    it("fails with the token endpoint's answer when the key is not known there", async () => {
        const stranger = JSON.parse(account.keyJson);
        stranger.client_email = "unknown@kalia-golive.iam.gserviceaccount.com";
        const result = await checkSearchConsole(inputOf({ serviceAccountKey: JSON.stringify(stranger) }), net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /refused service account unknown@.*invalid_grant/);
        assert.ok(!result.reason.includes("PRIVATE KEY"));
    });

    it("skips, naming the key, without a service-account key; refuses a sitemap outside the property", async () => {
        const skipped = await checkSearchConsole(inputOf({ serviceAccountKey: undefined }), net);
        assert.equal(skipped.status, "skip");
        assert.match(skipped.reason, /golive:searchConsole\.serviceAccountKey/);
        // Issue 18 item 6: the key file goes through standard input, never on a command line.
        assert.match(skipped.reason, /pulumi config set --secret --path 'golive:searchConsole\.serviceAccountKey' < key\.json/);
        assert.doesNotMatch(skipped.reason, /\$\(cat/);
        assert.match(propertyProblem(siteUrl, "https://other.example/sitemap.xml") ?? "", /outside the URL-prefix property/);
        assert.match(propertyProblem("https://www.kaliabeautystudio.com", sitemapUrl) ?? "", /ending with "\/"/);
        assert.equal(propertyProblem("sc-domain:kaliabeautystudio.com", sitemapUrl), undefined);
    });

    describe("one deadline (golive:searchConsole.timeoutSeconds), token call included, that no server behaviour stretches", () => {
        const BOUND_MS = 2_000;
        const cases = [
            { name: "a token endpoint that accepts and never answers", behaviour: "silence" as const, at: "token", call: /token endpoint \(POST http:\/\/127\.0\.0\.1:\d+\/token\) ran out of time after \d+ ms/ },
            { name: "a token endpoint that trickles its answer", behaviour: "trickle" as const, at: "token", call: /token endpoint \(POST http:\/\/127\.0\.0\.1:\d+\/token\) ran out of time/ },
            { name: "a Search Console API that trickles its answer", behaviour: "trickle" as const, at: "api", call: /sitemap submission \(PUT http:\/\/127\.0\.0\.1:\d+\/webmasters\/v3\/sites\/.*\) ran out of time/ },
            { name: "a Search Console API that accepts and never answers", behaviour: "silence" as const, at: "api", call: /sitemap submission \(PUT .*\) ran out of time/ },
        ];
        for (const c of cases) {
            it(`${c.name}: fails within the deadline, naming the call`, async () => {
                fakes.state.owners[siteUrl] = [account.email];
                const hostile = await startHostileServer(c.behaviour, { prefix: httpHead(), after: "request", trickleText: "{ ", intervalMs: 100 });
                try {
                    const where = c.at === "token" ? { tokenUrl: `${hostile.url}/token` } : { apiBaseUrl: hostile.url };
                    const { value: result, ms } = await timeToVerdict(() => checkSearchConsole(inputOf({ ...where, timeoutMs: BOUND_MS }), net));
                    assert.equal(result.status, "fail");
                    assert.match(result.reason, c.call);
                    assert.match(result.reason, /the deadline of 2 s \(golive:searchConsole\.timeoutSeconds\) passed/);
                    assert.ok(ms <= BOUND_MS + VERDICT_MARGIN_MS, `verdict after ${ms} ms`);
                } finally {
                    await hostile.close();
                }
            });
        }
    });
});
