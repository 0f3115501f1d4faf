// Pins (NetOptions.pins, issue 16): the checks look at the new host while public DNS still points at
// the old one, as `curl --resolve` does. The replica world starts pointed at the old host
// (127.0.0.3); the new host (127.0.0.2) serves a site the old one does not have (a page, a link,
// a tag, a 308 where the old host answers 301), so a check that passes on the new site's content
// could only have looked at the new host.
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { ImapFlow } from "imapflow";
import { checkAnalytics } from "../../checks/analytics";
import { endSpawnedBrowser, HEADLESS_FLAGS, newBrowserRun, routingFlags } from "../../checks/chromium";
import { checkContactForm } from "../../checks/contactForm";
import { HttpsReachabilityCheck, checkHttpsReachability } from "../../checks/httpsReachability";
import { describeError, httpRequest, lookupAddress } from "../../checks/net";
import { pinnedCheck, pinProblem } from "../../checks/pins";
import { checkRedirects } from "../../checks/redirects";
import { checkSeoBasics } from "../../checks/seoBasics";
import { checkSmokeTest } from "../../checks/smokeTest";
import { runSuite } from "../../checks/suite";
import { checkTlsCertificate } from "../../checks/tlsCertificate";
import type { CheckResult, NetOptions } from "../../checks/types";
import type { Reply, RequestInfo } from "../../replica/site";
import { vercelLikeSpec } from "../../replica/site";
import { GoogleFakes } from "../../replica/googleFakes";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { Mailbox, startDovecot } from "../fixtures/dovecot";
import { providerOf } from "../helpers/engine";
import { requireChromium, requireDovecot } from "../helpers/prerequisites";

const NEW = "127.0.0.2";
const OLD = "127.0.0.3";
/** A page only the new site has, linked from its home page. */
const NEW_PAGE = "/nouveau-soin";

describe("pins: the checks look at the new host while DNS points at the old one (issue 16)", function () {
    this.timeout(30_000);
    let world: ReplicaWorld;
    /** world.net with the apex and www pinned to the new host. */
    let pinned: NetOptions;

    before(async () => {
        world = await startWorld({ pointAt: "old" });
        pinned = { ...world.net, pins: { [world.domain]: NEW, [world.www]: NEW } };
    });
    after(() => world?.close());
    beforeEach(() => {
        const spec = vercelLikeSpec(world.domain, "Kalia Beauty Studio");
        spec.pages["/"].body = `<p><a href="${NEW_PAGE}">Notre nouveau soin</a></p>`;
        spec.pages[NEW_PAGE] = { title: "Nouveau soin – Kalia Beauty Studio", description: "Le soin lancé avec le nouveau site.", text: "Nouveau : le soin éclat." };
        spec.measurementId = "G-NEWSITE01";
        world.newSite.spec = spec;
        world.newSite.certs = { "*": world.issue([world.domain, world.www]) };
        world.dns.addZone("vercel-dns.com").set("cname.vercel-dns.com", "A", [NEW], 60);
    });

    const site = () => ({ baseUrl: `https://${world.www}`, pages: [{ path: "/" }, { path: NEW_PAGE }] });
    const evidence = (r: CheckResult) => r.evidence as Record<string, any>;
    /** Requests each host served while `fn` ran. */
    const servedDuring = async <T>(fn: () => Promise<T>): Promise<{ value: T; byNew: number; byOld: number }> => {
        const [n, o] = [world.newSite.served, world.oldSite.served];
        const value = await fn();
        return { value, byNew: world.newSite.served - n, byOld: world.oldSite.served - o };
    };

    it("MEP-08: the certificate is the new host's, seen through the pin (SNI keeps the name); the result shows the pins", async () => {
        const result = await pinnedCheck(checkTlsCertificate)({ hosts: [world.domain, world.www] }, pinned);
        assert.equal(result.status, "pass", result.reason);
        for (const host of [world.domain, world.www]) {
            assert.equal(evidence(result).hosts[host].address, NEW);
            assert.deepEqual(evidence(result).pinned[host], { pin: NEW, addresses: [NEW] });
        }
    });

    it("MEP-09, MEP-11 (links and assets included), MEP-14: every request reaches the new host, none the old", async () => {
        // Without pins, DNS sends the checks to the old site.
        assert.equal((await httpRequest(`https://${world.www}/`, world.net)).headers["x-served-by"], "old-host");
        const unpinned = await checkSmokeTest({ ...site(), maxReferenceChecks: 10 }, world.net);
        assert.match(unpinned.reason, new RegExp(`${NEW_PAGE} answered 404`));
        const { value, byOld, byNew } = await servedDuring(() =>
            Promise.all([
                pinnedCheck(checkHttpsReachability)({ url: `https://${world.www}/` }, pinned),
                pinnedCheck(checkSmokeTest)({ ...site(), maxReferenceChecks: 20 }, pinned),
                pinnedCheck(checkSeoBasics)({ baseUrl: site().baseUrl, pages: [NEW_PAGE] }, pinned),
            ]),
        );
        const [https, smoke, seo] = value;
        assert.equal(https.status, "pass", https.reason);
        assert.equal(evidence(https).servedBy, "vercel");
        assert.equal(smoke.status, "pass", smoke.reason);
        // The links and assets were checked too (and, like everything, by the new host: see byOld).
        const asset = evidence(smoke).references.list.find((r: { url: string }) => r.url === `https://${world.www}/styles.css`);
        assert.equal(asset?.status, 200);
        assert.equal(seo.status, "pass", seo.reason);
        for (const r of [https, smoke, seo]) assert.deepEqual(Object.keys(evidence(r).pinned), [world.www], r.id);
        assert.equal(byOld, 0, "the old host served nothing");
        assert.ok(byNew > 10, `the new host served ${byNew} requests`);
    });

    it("MEP-10: http → https and apex → www follow the pins hop by hop (the new host's 308s, not the old host's 301s)", async () => {
        const { value: result, byOld } = await servedDuring(() => pinnedCheck(checkRedirects)({ domain: world.domain }, pinned));
        assert.equal(result.status, "pass", result.reason);
        assert.equal(evidence(result).chains[`http://${world.domain}`], `http://${world.domain}/?golive=1 -308-> https://${world.domain}/?golive=1 -308-> https://${world.www}/?golive=1 (200)`);
        assert.equal(byOld, 0);
        assert.deepEqual(Object.keys(evidence(result).pinned).sort(), [world.domain, world.www]);
    });

    it("a name that is not pinned resolves as before: only www pinned, the apex answers from the old host, then its redirect lands on the new one", async () => {
        const result = await pinnedCheck(checkRedirects)({ domain: world.domain }, { ...world.net, pins: { [world.www]: NEW } });
        assert.equal(result.status, "pass", result.reason);
        // 301 is the old host's status; the last hop, on www, is the new host's page.
        assert.equal(evidence(result).chains[`https://${world.domain}`], `https://${world.domain}/?golive=1 -301-> https://${world.www}/?golive=1 (200)`);
        assert.equal(evidence(result).chains[`http://${world.www}`], `http://${world.www}/?golive=1 -308-> https://${world.www}/?golive=1 (200)`);
        assert.deepEqual(Object.keys(evidence(result).pinned), [world.www]);
    });

    it("a pin to a host name resolves that name (through net.dnsServers), as Vercel's cname.vercel-dns.com; a name that does not exist says which pin", async () => {
        const result = await pinnedCheck(checkHttpsReachability)({ url: `https://${world.www}/` }, { ...world.net, pins: { [world.www]: "cname.vercel-dns.com" } });
        assert.equal(result.status, "pass", result.reason);
        assert.equal(evidence(result).servedBy, "vercel");
        assert.deepEqual(evidence(result).pinned, { [world.www]: { pin: "cname.vercel-dns.com", addresses: [NEW] } });
        const missing = await httpRequest(`https://${world.www}/`, { ...world.net, attempts: 1, pins: { [world.www]: "nope.vercel-dns.com" } }).then(
            () => assert.fail("answered"),
            (err: Error) => err,
        );
        assert.match(describeError(missing), /^ENOTFOUND: www\.kaliabeautystudio\.com is pinned to nope\.vercel-dns\.com: nope\.vercel-dns\.com does not exist on 127\.0\.0\.1:\d+ \(NXDOMAIN\)$/);
    });

    it("a pin to a host name without DNS servers resolves it through the system resolver; names not pinned too", async () => {
        const observed = { pinned: {}, unverifiedTls: {} };
        const net: NetOptions = { pins: { "www.example.com": "localhost" }, observed };
        assert.equal(await lookupAddress("www.example.com", net), "127.0.0.1");
        assert.deepEqual(Object.keys(observed.pinned), ["www.example.com"]);
        assert.equal(await lookupAddress("localhost", net), "127.0.0.1");
        assert.deepEqual(Object.keys(observed.pinned), ["www.example.com"], "localhost itself is not pinned");
    });

    it("through the serialized provider (as the engine runs it): the check resource given net.pins looks at the new host and says so", async () => {
        const engine = await providerOf(() => new HttpsReachabilityCheck("pinned-https", { input: { url: `https://${world.www}/` }, net: pinned }));
        const { outs } = await engine.provider.create(engine.plain);
        assert.equal(outs.result.status, "pass", outs.result.reason);
        assert.equal(outs.result.evidence.servedBy, "vercel");
        assert.deepEqual(outs.result.evidence.pinned, { [world.www]: { pin: NEW, addresses: [NEW] } });
        // The observations are the run's own: nothing of them reaches the resource's inputs.
        assert.equal(outs.net.observed, undefined);
    });

    it("every check run keeps its own HTTP requests (issue 26, the go-live page's timeline): when, how long, answered or not, the origin only, at most 20", async () => {
        const before = Date.now();
        const smoke = await pinnedCheck(checkSmokeTest)({ ...site(), maxReferenceChecks: 40 }, world.net);
        const requests = evidence(smoke).requests as Array<{ at: string; ms: number; ok: boolean; url: string; status: number | string }>;
        assert.ok(requests.length > 0 && requests.length <= 20, `${requests.length} requests kept`);
        for (const r of requests) {
            assert.equal(r.url, `https://${world.www}`, "the origin only: a path or a query may hold a secret");
            assert.ok(Date.parse(r.at) >= before - 5 && Date.parse(r.at) <= Date.now(), r.at);
            assert.ok(r.ms >= 0);
            assert.equal(r.ok, typeof r.status === "number" && r.status < 500);
        }
        assert.ok(requests.some((r) => r.status === 200));
        // A request that gets no answer is kept as not served, with its error's code.
        const refused = await pinnedCheck(checkHttpsReachability)({ url: `https://${world.www}/` }, { ...world.net, attempts: 1, pins: { [world.www]: "127.0.0.9" } });
        assert.equal(refused.status, "fail");
        assert.deepEqual((evidence(refused).requests as any[]).map((r) => [r.ok, typeof r.status]), [[false, "string"]]);
        // Bounded: more requests than kept are counted.
        const many = await pinnedCheck(async (_: unknown, net: NetOptions) => {
            for (let i = 0; i < 25; i++) await httpRequest(`https://${world.www}/?n=${i}`, net);
            return { id: "MEP-09", name: "many", status: "pass", reason: "", evidence: {}, durationMs: 0 } as CheckResult;
        })(undefined, world.net);
        assert.equal((evidence(many).requests as unknown[]).length, 20);
        assert.equal(evidence(many).requestsDropped, 5);
        assert.ok(!JSON.stringify(evidence(many).requests).includes("n="), "no query kept");
    });

    it("MEP-16: the tag is looked for on the pinned host's pages", async () => {
        const urls = [`https://${world.www}/`, `https://${world.www}${NEW_PAGE}`];
        const unpinned = await checkAnalytics({ urls, measurementId: "G-NEWSITE01" }, world.net);
        assert.equal(unpinned.status, "fail");
        const result = await pinnedCheck(checkAnalytics)({ urls, measurementId: "G-NEWSITE01" }, pinned);
        // Tags found; the realtime report is not configured, so the line is a skip that says the tags were found.
        assert.equal(result.status, "skip", result.reason);
        assert.match(result.reason, /^2 key pages carry G-NEWSITE01, but tracking not verified/);
        assert.deepEqual(Object.keys(evidence(result).pinned), [world.www]);
    });

    describe("tlsUnverifiedBecause: the pinned host has no certificate for the names yet", () => {
        const because = "Vercel refused to pre-issue the certificate (order refused)";
        beforeEach(() => {
            // What Vercel serves for a name without its certificate: *.vercel.app.
            world.newSite.certs = { "*": world.issue(["*.vercel.app", "vercel.app"]) };
        });

        it("the HTTPS checks accept the certificate and every result says TLS was not verified, and why; MEP-08 still reports what it saw", async () => {
            const strict = await pinnedCheck(checkHttpsReachability)({ url: `https://${world.www}/` }, pinned);
            assert.equal(strict.status, "fail");
            assert.match(strict.reason, /ERR_TLS_CERT_ALTNAME_INVALID: certificate names \[\*\.vercel\.app, vercel\.app\] do not cover www\.kaliabeautystudio\.com/);
            const net = { ...pinned, tlsUnverifiedBecause: because };
            const [tls, https, redirects, smoke, seo] = await Promise.all([
                pinnedCheck(checkTlsCertificate)({ hosts: [world.domain, world.www] }, net),
                pinnedCheck(checkHttpsReachability)({ url: `https://${world.www}/` }, net),
                pinnedCheck(checkRedirects)({ domain: world.domain }, net),
                pinnedCheck(checkSmokeTest)({ ...site(), maxReferenceChecks: 5 }, net),
                pinnedCheck(checkSeoBasics)({ baseUrl: site().baseUrl, pages: ["/"] }, net),
            ]);
            for (const r of [https, redirects, smoke, seo]) {
                assert.equal(r.status, "pass", `${r.id}: ${r.reason}`);
                assert.ok(r.reason.endsWith(`(TLS not verified: ${because})`), `${r.id}: ${r.reason}`);
                assert.equal(evidence(r).tlsNotVerified.because, because);
                assert.equal(evidence(r).tlsNotVerified.hosts[world.www], "ERR_TLS_CERT_ALTNAME_INVALID", r.id);
            }
            assert.equal(evidence(redirects).tlsNotVerified.hosts[world.domain], "ERR_TLS_CERT_ALTNAME_INVALID");
            assert.equal(tls.status, "fail");
            assert.match(tls.reason, /certificate names \[\*\.vercel\.app, vercel\.app\] do not cover kaliabeautystudio\.com/);
            assert.doesNotMatch(tls.reason, /TLS not verified/);
            assert.equal(evidence(tls).tlsNotVerified, undefined);
        });

        it("through the serialized provider too", async () => {
            const engine = await providerOf(() => new HttpsReachabilityCheck("unverified-https", { input: { url: `https://${world.www}/` }, net: { ...pinned, tlsUnverifiedBecause: because } }));
            const { outs } = await engine.provider.create(engine.plain);
            assert.equal(outs.result.status, "pass", outs.result.reason);
            assert.match(outs.result.reason, /\(TLS not verified: Vercel refused to pre-issue the certificate \(order refused\)\)$/);
        });

        it("MEP-16 makes no browser visit of a pinned host whose certificate a browser would refuse, and says so", async () => {
            const fakes = await GoogleFakes.start();
            try {
                const account = fakes.serviceAccount();
                fakes.state.analyticsReaders = { "412345678": [account.email] };
                fakes.state.activeUsers = { "412345678": 1 };
                const input = { urls: [`https://${world.www}/`], measurementId: "G-NEWSITE01", propertyId: "412345678", serviceAccountKey: account.keyJson, apiBaseUrl: fakes.baseUrl, realtimeWaitMs: 600, realtimePollMs: 200, visit: "browser" as const, chromePath: "/nonexistent/chromium" };
                const result = await pinnedCheck(checkAnalytics)(input, { ...pinned, tlsUnverifiedBecause: because });
                assert.equal(result.status, "pass", result.reason);
                assert.equal(evidence(result).realtime.visit, `no browser visit of the pinned ${world.www}: TLS not verified: ${because}; waiting for other visitors`);
                assert.ok(result.reason.endsWith(`(TLS not verified: ${because})`), result.reason);
            } finally {
                await fakes.close();
            }
        });

        it("a check that made no HTTPS request to the site does not claim it: MEP-16 without a tag to fetch skips, unmarked", async () => {
            const result = await pinnedCheck(checkAnalytics)({ urls: [`https://${world.www}/`] }, { ...pinned, tlsUnverifiedBecause: because });
            assert.equal(result.status, "skip");
            assert.doesNotMatch(result.reason, /TLS not verified/);
        });
    });

    it("MEP-07 is skipped when the site's names are pinned, naming the pins; with expected values it asks DNS and says the pins do not apply", async () => {
        const settings = { domain: world.domain, pages: [{ path: "/" }], authoritative: world.net.dnsServers, resolvers: world.net.dnsServers, dnsTimeoutMs: 1_000, dnsPollMs: 100 };
        const [skipped] = await runSuite(settings, pinned, { only: ["dns"] });
        assert.equal(skipped.status, "skip");
        assert.match(skipped.reason, /^the site's names are pinned \(kaliabeautystudio\.com → 127\.0\.0\.2, www\.kaliabeautystudio\.com → 127\.0\.0\.2\): the checks look at that host, and MEP-07 asks public DNS/);
        const [asked] = await runSuite({ ...settings, expected: { apex: [OLD], www: [OLD] } }, pinned, { only: ["dns"] });
        assert.equal(asked.status, "pass", asked.reason);
        assert.match(asked.reason, /\(DNS asked directly: the pins kaliabeautystudio\.com → 127\.0\.0\.2, www\.kaliabeautystudio\.com → 127\.0\.0\.2 do not apply to MEP-07\)$/);
    });

    it("the suite (golive verify's runner) puts the pins in every result that used them", async () => {
        const results = await runSuite({ domain: world.domain, pages: [{ path: "/" }, { path: NEW_PAGE }] }, pinned, { only: ["tls", "https", "redirects", "smoke", "seo"] });
        for (const r of results) {
            assert.equal(r.status, "pass", `${r.id}: ${r.reason}`);
            assert.ok(evidence(r).pinned?.[world.www], `${r.id} shows the www pin`);
        }
    });

    it("validates a pin: a host name to an address or a host name, never to itself, no port", () => {
        assert.equal(pinProblem("www.example.com", "76.76.21.21"), undefined);
        assert.equal(pinProblem("www.example.com", "cname.vercel-dns.com"), undefined);
        assert.equal(pinProblem("example.com", "2001:db8::1"), undefined);
        assert.match(pinProblem("76.76.21.21", "76.76.21.21")!, /the name must be a host name/);
        assert.match(pinProblem("www.example.com", "76.76.21.21:443")!, /the address must be an IPv4 or IPv6 address, or a host name/);
        assert.match(pinProblem("www.example.com", "999.1.1.1")!, /the address must be/);
        assert.match(pinProblem("www.example.com", "www.example.com")!, /cannot be pinned to itself/);
    });

    describe("Chromium (MEP-13 local Lighthouse, MEP-16 visit) follows the pins", () => {
        it("routingFlags maps every pinned name to its address; without DNS servers other names resolve as usual", async () => {
            // A real go-live: names without a pin resolve as usual.
            delete process.env.GOLIVE_LOOPBACK_ONLY;
            try {
                assert.deepEqual(await routingFlags([`https://${world.www}/`], { pins: { [world.www]: NEW, [world.domain]: "::1" } }), [
                    `--host-resolver-rules=MAP ${world.www} ${NEW}, MAP ${world.domain} [::1]`,
                ]);
            } finally {
                process.env.GOLIVE_LOOPBACK_ONLY = "1";
            }
            // Under GOLIVE_LOOPBACK_ONLY (the tests, the rehearsal) the browser resolves nothing else itself.
            assert.deepEqual(await routingFlags([`https://${world.www}/`], { pins: { [world.www]: NEW, [world.domain]: "::1" } }), [
                `--host-resolver-rules=MAP ${world.www} ${NEW}, MAP ${world.domain} [::1], MAP * ~NOTFOUND, EXCLUDE localhost`,
            ]);
            assert.deepEqual(await routingFlags([`https://${world.www}/`], { ...world.net, pins: { [world.www]: "cname.vercel-dns.com" } }), [
                `--host-resolver-rules=MAP ${world.www} ${NEW}:${world.net.httpsPort}, MAP * ~NOTFOUND`,
                "--ignore-certificate-errors",
            ]);
        });

        it("a headless Chromium given those flags loads the new site while DNS points at the old one", async function () {
            requireChromium(this);
            const flags = await routingFlags([`https://${world.www}/`], pinned);
            const run = newBrowserRun("golive-pins-test-");
            const child = spawn("/usr/bin/chromium", [...HEADLESS_FLAGS, ...flags, `--user-data-dir=${run.profile}`, "--dump-dom", `https://${world.domain}/`], {
                stdio: ["ignore", "pipe", "ignore"],
                detached: true,
                env: { ...process.env, TMPDIR: run.tmp },
            });
            let dom = "";
            child.stdout!.on("data", (c: Buffer) => (dom += c.toString()));
            let timer: NodeJS.Timeout | undefined;
            try {
                await new Promise<void>((resolve) => {
                    timer = setTimeout(resolve, 25_000);
                    child.once("close", () => resolve());
                });
            } finally {
                clearTimeout(timer);
                assert.equal(await endSpawnedBrowser(child, run), "", "Chromium ended and its folder removed");
            }
            // The apex redirected to www, both through the pins: the page is the new site's.
            assert.match(dom, /servi par vercel/);
            assert.match(dom, /Notre nouveau soin/);
        });
    });

    describe("MEP-12: the form is posted to the pinned host", function () {
        let mb: Mailbox;
        before(async function () {
            requireDovecot(this);
            mb = await startDovecot();
        });
        after(async () => mb?.stop());

        it("the new site's form handler delivers the mail; DNS would have sent the post to the old site", async () => {
            const posts: string[] = [];
            world.newSite.spec.handle = async (req: RequestInfo): Promise<Reply | undefined> => {
                if (!(req.path === "/contact" && req.method === "POST")) return undefined;
                const form = Object.fromEntries(new URLSearchParams(req.body));
                posts.push(form.message);
                const c = new ImapFlow({ host: mb.host, port: mb.port, secure: false, auth: { user: mb.user, pass: mb.password }, logger: false });
                await c.connect();
                await c.append("INBOX", `From: site <noreply@${world.domain}>\r\nTo: ${mb.user}\r\nSubject: Nouveau message\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${form.message}\r\n`);
                await c.logout();
                return { status: 303, headers: { location: "/contact?envoye=1" } };
            };
            const input = {
                pageUrl: `https://${world.www}/contact`,
                imap: { host: mb.host, port: mb.port, secure: false, user: mb.user, password: mb.password },
                deliveryTimeoutMs: 5_000,
                pollMs: 200,
            };
            const result = await pinnedCheck(checkContactForm)(input, pinned);
            assert.equal(result.status, "pass", result.reason);
            assert.equal(posts.length, 1, "the new host received the form");
            assert.deepEqual(Object.keys(evidence(result).pinned), [world.www]);
        });
    });
});
