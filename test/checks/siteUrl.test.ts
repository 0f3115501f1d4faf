import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { sitePathProblem, siteUrl } from "../../checks/siteUrl";
import { checkSmokeTest } from "../../checks/smokeTest";
import { checkSeoBasics } from "../../checks/seoBasics";
import { checkContactForm } from "../../checks/contactForm";
import { analyticsInputOf, contactFormInputOf, performanceInputOf } from "../../checks/serviceInputs";
import { parseChecksConfig } from "../../config/checksConfig";
import { parseServicesConfig } from "../../config/servicesConfig";

// Paths that a URL parser reads as another host, or that are not paths at all.
const HOSTILE_PATHS = ["//evil.example/x", "/\\evil.example/x", "\\\\evil.example/x", "https://evil.example/x", "/\t/evil.example/x", "/\n/evil.example", "evil.example/x", "/a b", "/#frag"];

describe("checks/siteUrl: configured paths are site paths only (issue 9 item 7)", () => {
    it("accepts site paths and builds their URL on the site", () => {
        for (const p of ["/", "/contact", "/a-propos/", "/search?q=soin&x=1", "/@team", "/%2F%2Fevil.example"]) assert.equal(sitePathProblem(p), undefined, p);
        assert.equal(siteUrl("https://www.kaliabeautystudio.com", "/search?q=soin"), "https://www.kaliabeautystudio.com/search?q=soin");
        assert.equal(siteUrl("https://www.kaliabeautystudio.com/contact", "/api/contact"), "https://www.kaliabeautystudio.com/api/contact");
        assert.equal(siteUrl("https://www.kaliabeautystudio.com", "/@evil.example"), "https://www.kaliabeautystudio.com/@evil.example");
    });

    it("refuses every path that would leave the site, whatever reaches it", () => {
        for (const p of HOSTILE_PATHS) {
            assert.ok(sitePathProblem(p), p);
            assert.throws(() => siteUrl("https://www.kaliabeautystudio.com", p), /is not a path of https:\/\/www\.kaliabeautystudio\.com/, p);
        }
        assert.match(sitePathProblem("//evil.example/x")!, /single "\/"/);
        assert.match(sitePathProblem("/\\evil.example/x")!, /backslash/);
    });

    it("config: golive:checks.pages[].path, golive:contactForm.path and .action are refused at preview, naming the key", () => {
        assert.throws(() => parseChecksConfig({ pages: ["/", "//evil.example/x"] }), /golive:checks\.pages\[1\]\.path is a path of the site: it must start with a single "\/" .*got "\/\/evil\.example\/x"/);
        assert.throws(() => parseChecksConfig({ pages: [{ path: "/\\evil.example/x" }] }), /golive:checks\.pages\[0\]\.path is a path of the site: it must not contain a backslash/);
        const services = (v: Record<string, unknown>) => parseServicesConfig({ get: (k) => (v[k] === undefined ? undefined : JSON.stringify(v[k])), isSecret: () => false });
        assert.throws(() => services({ contactForm: { path: "//evil.example/contact" } }), /golive:contactForm\.path is a path of the site: it must start with a single "\/"/);
        assert.throws(() => services({ contactForm: { path: "/contact", action: "//evil.example/post" } }), /golive:contactForm\.action is a path of the site .*must start with a single "\/"/);
        assert.throws(() => services({ contactForm: { path: "/contact", action: "https://evil.example/post" } }), /golive:contactForm\.action is a path of the site .*must start with "\/"/);
        assert.equal(services({ contactForm: { path: "/contact", action: "/api/contact" } }).contactForm?.action, "/api/contact");
    });

    it("the input builders refuse a bad path that slipped past config", () => {
        const site = { domain: "kaliabeautystudio.com", pages: [{ path: "/" }, { path: "//evil.example/x" }] };
        assert.throws(() => performanceInputOf(site, {}), /not a path of https:\/\/www\.kaliabeautystudio\.com/);
        assert.throws(() => analyticsInputOf(site, {}), /not a path of/);
        const form = { path: "//evil.example/contact", method: "POST" as const, fields: {}, hidden: {}, deliveryTimeoutSeconds: 5, pollSeconds: 1 };
        assert.throws(() => contactFormInputOf({ domain: "kaliabeautystudio.com", pages: [] }, { contactForm: form }), /not a path of/);
    });

    describe("the checks never request another host, even when handed such a path", () => {
        let site: http.Server;
        let evil: http.Server;
        let siteBase: string;
        let evilHost: string;
        let evilHits = 0;
        before(async () => {
            site = http.createServer((req, res) => {
                req.resume();
                if (req.url === "/") res.writeHead(200, { "content-type": "text/html" }).end("<title>Accueil</title><p>Bienvenue</p>");
                else if (req.url?.startsWith("/contact")) res.writeHead(303, { location: "/contact?ok=1" }).end();
                else res.writeHead(404).end();
            });
            evil = http.createServer((req, res) => {
                evilHits++;
                req.resume();
                res.writeHead(200, { "content-type": "text/html" }).end("<title>evil</title>");
            });
            await Promise.all([site, evil].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
            siteBase = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
            evilHost = `127.0.0.1:${(evil.address() as AddressInfo).port}`;
        });
        after(() => {
            site.close();
            evil.close();
        });
        beforeEach(() => (evilHits = 0));

        it("MEP-11 smoke test and MEP-14 SEO report the page as not a site path and do not request it", async () => {
            const smoke = await checkSmokeTest({ baseUrl: siteBase, pages: [{ path: "/" }, { path: `//${evilHost}/x` }] }, { attempts: 1 });
            assert.equal(smoke.status, "fail");
            assert.match(smoke.reason, new RegExp(`//${evilHost}/x "//${evilHost}/x" is not a path of ${siteBase}: it must start with a single "/"`));
            const seo = await checkSeoBasics({ baseUrl: siteBase, pages: ["/", `/\\${evilHost}/x`] }, { attempts: 1 });
            assert.equal(seo.status, "fail");
            assert.match(seo.reason, /is not a path of .*backslash/);
            assert.equal(evilHits, 0, "nothing reached the other host");
        });

        it("MEP-12 never posts the form to another host", async () => {
            const result = await checkContactForm(
                { pageUrl: `${siteBase}/contact`, action: `//${evilHost}/post`, imap: { host: "127.0.0.1", port: 1, secure: false, user: "u", password: "p" }, deliveryTimeoutMs: 1_000 },
                { attempts: 1 },
            );
            assert.equal(result.status, "fail");
            assert.match(result.reason, /contact form check could not run: .* is not a path of http:\/\/127\.0\.0\.1:\d+/);
            assert.equal(evilHits, 0, "the form was not posted elsewhere");
        });
    });
});
