import { strict as assert } from "assert";
import { parseChecksConfig, suiteSettingsOf } from "../../config/checksConfig";

describe("config/checksConfig: golive:checks", () => {
    it("applies defaults when unset", () => {
        const cfg = parseChecksConfig(undefined);
        assert.deepEqual(cfg, { pages: [{ path: "/" }], dnsTimeoutSeconds: 600, minCertDays: 14, certWaitSeconds: 300, budgets: {}, sitemapSample: 5 });
        assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.pages[0]));
    });

    it("reads the whole object (as an object or the engine's JSON text)", () => {
        const raw = {
            pages: ["/", { path: "/tarifs", expectText: "65 €" }],
            resolvers: ["1.1.1.1", "127.0.0.1:5353"],
            authoritativeNameservers: ["[2606:4700::1]:53"],
            dnsTimeoutSeconds: 900,
            minCertDays: 21,
            certWaitSeconds: 120,
            budgets: { httpsMs: 4000, pageMs: "2500" },
            sitemapSample: 3,
            nonce: 2,
        };
        const cfg = parseChecksConfig(JSON.stringify(raw));
        assert.deepEqual(cfg, {
            pages: [{ path: "/" }, { path: "/tarifs", expectText: "65 €" }],
            resolvers: ["1.1.1.1", "127.0.0.1:5353"],
            authoritativeNameservers: ["[2606:4700::1]:53"],
            dnsTimeoutSeconds: 900,
            minCertDays: 21,
            certWaitSeconds: 120,
            budgets: { httpsMs: 4000, pageMs: 2500 },
            sitemapSample: 3,
            nonce: "2",
        });
        assert.deepEqual(suiteSettingsOf("example.com", cfg, { apex: ["1.2.3.4"], www: [] }), {
            domain: "example.com",
            pages: [{ path: "/" }, { path: "/tarifs", expectText: "65 €" }],
            expected: { apex: ["1.2.3.4"], www: [] },
            authoritative: ["[2606:4700::1]:53"],
            resolvers: ["1.1.1.1", "127.0.0.1:5353"],
            dnsTimeoutMs: 900_000,
            minCertDays: 21,
            certWaitMs: 120_000,
            httpsBudgetMs: 4000,
            pageBudgetMs: 2500,
            sitemapSample: 3,
        });
    });

    it("names the key in every error", () => {
        const cases: [unknown, RegExp][] = [
            [{ certWaitSeconds: 7200 }, /golive:checks\.certWaitSeconds must be an integer between 0 and 3600, got 7200$/],
            [{ pages: ["/", "/a", { path: "tarifs" }] }, /golive:checks\.pages\[2\]\.path is a path of the site: it must start with "\/", got "tarifs"$/],
            [{ pages: [] }, /golive:checks\.pages must be a non-empty list/],
            [{ pages: ["/", "/"] }, /golive:checks\.pages lists \/ twice/],
            [{ pages: [{ path: "/", expect: "x" }] }, /golive:checks\.pages\[0\] has unknown field\(s\) expect/],
            [{ pages: [{ path: "/", expectText: " " }] }, /golive:checks\.pages\[0\]\.expectText must be non-empty/],
            [{ resolvers: ["1.1.1.1", "dns.google"] }, /golive:checks\.resolvers\[1\] must be an IP address/],
            [{ authoritativeNameservers: ["1.1.1.1:99999"] }, /golive:checks\.authoritativeNameservers\[0\] must be an IP address/],
            [{ dnsTimeoutSeconds: 0 }, /golive:checks\.dnsTimeoutSeconds must be an integer between 1 and 86400, got 0/],
            [{ minCertDays: 1.5 }, /golive:checks\.minCertDays must be an integer/],
            [{ budgets: { pageMs: 10 } }, /golive:checks\.budgets\.pageMs must be an integer between 100 and 60000/],
            [{ budgets: { page: 1000 } }, /golive:checks\.budgets has unknown key\(s\) page/],
            [{ sitemapSample: -1 }, /golive:checks\.sitemapSample must be an integer between 0 and 50/],
            [{ page: ["/"] }, /golive:checks has unknown key\(s\) page; known: pages,/],
            ["not json", /golive:checks must be structured config/],
            [[1], /golive:checks must be an object/],
            [{ network: { dnsServers: ["resolver.local"] } }, /golive:checks\.network\.dnsServers\[0\] must be an IP address/],
            [{ network: { httpsPort: 70000 } }, /golive:checks\.network\.httpsPort must be an integer between 1 and 65535/],
            // Issue 9 item 8: ports and counts are whole numbers, and text only as plain digits.
            [{ network: { httpsPort: 8443.5 } }, /golive:checks\.network\.httpsPort must be an integer between 1 and 65535, got 8443\.5/],
            [{ network: { attempts: 2.5 } }, /golive:checks\.network\.attempts must be an integer between 1 and 10, got 2\.5/],
            [{ network: { httpPort: "0x50" } }, /golive:checks\.network\.httpPort must be an integer between 1 and 65535, got "0x50"/],
            [{ sitemapSample: "1e1" }, /golive:checks\.sitemapSample must be an integer between 0 and 50, got "1e1"/],
            [{ network: { caPem: "not a certificate" } }, /golive:checks\.network\.caPem must be a PEM certificate/],
            [{ network: { proxy: "x" } }, /golive:checks\.network has unknown key\(s\) proxy/],
        ];
        for (const [raw, message] of cases) assert.throws(() => parseChecksConfig(raw), message, JSON.stringify(raw));
    });

    it("reads golive:checks.network, where a rehearsal or staging run points the checks", () => {
        const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        const cfg = parseChecksConfig({ network: { dnsServers: ["127.0.0.1:5353"], httpPort: 8080, httpsPort: "8443", caPem: pem, timeoutMs: 2000, attempts: 2 } });
        assert.deepEqual(cfg.network, { dnsServers: ["127.0.0.1:5353"], httpPort: 8080, httpsPort: 8443, caPem: pem, timeoutMs: 2000, attempts: 2 });
        assert.equal(parseChecksConfig({}).network, undefined, "the real Internet by default");
    });
});
