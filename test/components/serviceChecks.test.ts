import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ServiceChecks } from "../../components/serviceChecks";
import { ServicesSettings } from "../../checks/serviceInputs";
import { GoogleFakes } from "../../replica/googleFakes";
import { loadProvider, recordRegistrations } from "../helpers/engine";
import { isSecretValue, unwrapSecrets } from "../helpers/secrets";

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((r) => o.apply(r));

describe("components/serviceChecks under mocks", () => {
    let fakes: GoogleFakes;
    before(async () => {
        fakes = await GoogleFakes.start();
    });
    after(() => fakes.close());

    it("creates the four service checks as secret-input children, after the given resources; no secret in any __provider", async () => {
        const registered = recordRegistrations();
        const account = fakes.serviceAccount();
        const secrets = { password: "imap-pw-7c1f9a", apiKey: "AIzaSy-component-test-key" };
        const settings: ServicesSettings = {
            imap: { host: "127.0.0.1", port: 1, secure: false, user: "contact@kaliabeautystudio.com", password: secrets.password },
            pagespeed: { apiKey: secrets.apiKey, baseUrl: fakes.baseUrl, strategies: ["mobile"], threshold: 0.9, mode: "api", localRuns: 1, timeoutSeconds: 30 },
            searchConsole: { serviceAccountKey: account.keyJson, baseUrl: fakes.baseUrl, timeoutSeconds: 30 },
            analytics: { measurementId: "G-KALIA2024", realtimeWaitSeconds: 1, visit: "none", timeoutSeconds: 30 },
        };
        const before = new pulumi.ComponentResource("test:index:Before", "site-checks");
        const checks = new ServiceChecks("services", {
            site: { domain: "kaliabeautystudio.com", pages: [{ path: "/" }, { path: "/services" }] },
            settings,
            net: { timeoutMs: 1_000, attempts: 1 },
            triggers: { deployment: "dpl_42" },
            nonce: "1",
            dependsOn: [before],
        });
        await unwrap(checks.urn);
        await Promise.all([checks.contactForm, checks.performance, checks.searchConsole, checks.analytics].map((c) => unwrap(c!.urn)));
        const component = registered.find((r) => r.type === "golive:checks:Services");
        assert.ok(component, "the component is registered with its type token");
        const children = registered.filter((r) => r.name.startsWith("services-"));
        assert.deepEqual(children.map((c) => c.name).sort(), ["services-analytics", "services-contact-form", "services-performance", "services-search-console"]);
        const keyLine = (JSON.parse(account.keyJson).private_key as string).split("\n")[1];
        for (const child of children) {
            assert.ok(isSecretValue(child.inputs.input), `${child.name}: input is a secret`);
            for (const secret of [secrets.password, secrets.apiKey, keyLine]) {
                assert.ok(!child.inputs.__provider.includes(secret), `${child.name}: __provider holds no secret`);
            }
        }
        const contact = unwrapSecrets(children.find((c) => c.name === "services-contact-form")!.inputs);
        assert.equal(contact.input.pageUrl, "https://www.kaliabeautystudio.com/contact");
        assert.equal(contact.nonce, undefined, "MEP-12 does not take the nonce");
        assert.deepEqual(contact.triggers, { deployment: "dpl_42" });
        const perf = unwrapSecrets(children.find((c) => c.name === "services-performance")!.inputs);
        assert.deepEqual(perf.input.urls, ["https://www.kaliabeautystudio.com/", "https://www.kaliabeautystudio.com/services"]);
        assert.equal(perf.nonce, "1");

        // The serialized providers run: Search Console has no owner → 403 → the create fails with the hint;
        // performance passes against the fake; the contact form fails to reach the (closed) site.
        const sc = children.find((c) => c.name === "services-search-console")!;
        await assert.rejects(loadProvider(sc.inputs).create(unwrapSecrets(sc.inputs)), /MEP-15 Search Console failed: .*as an Owner of the property https:\/\/www\.kaliabeautystudio\.com\//);
        const created = await loadProvider(perf).create(perf);
        assert.equal(created.outs.result.status, "pass", created.outs.result.reason);
        assert.ok(!JSON.stringify(created.outs.result).includes(secrets.apiKey));
    });

    it("without credentials every service check is a skip, never a pass", async () => {
        const { analyticsInputOf, contactFormInputOf, performanceInputOf, searchConsoleInputOf } = await import("../../checks/serviceInputs");
        const { checkContactForm } = await import("../../checks/contactForm");
        const { checkPerformance } = await import("../../checks/performance");
        const { checkSearchConsole } = await import("../../checks/searchConsole");
        const { checkAnalytics } = await import("../../checks/analytics");
        const site = { domain: "kaliabeautystudio.com", pages: [{ path: "/" }] };
        const net = { dnsServers: ["127.0.0.1:9"], timeoutMs: 500, attempts: 1 };
        const results = await Promise.all([
            checkContactForm(contactFormInputOf(site, {}), net),
            checkPerformance(performanceInputOf(site, {}), net),
            checkSearchConsole(searchConsoleInputOf(site, {}), net),
            checkAnalytics(analyticsInputOf(site, {}), net),
        ]);
        assert.deepEqual(results.map((r) => [r.id, r.status]), [["MEP-12", "skip"], ["MEP-13", "skip"], ["MEP-15", "skip"], ["MEP-16", "skip"]]);
        assert.match(results[0].reason, /golive:imap\.host/);
        assert.match(results[1].reason, /golive:pagespeed\.apiKey/);
        assert.match(results[2].reason, /golive:searchConsole\.serviceAccountKey/);
        assert.match(results[3].reason, /golive:analytics\.measurementId/);
    });
});
