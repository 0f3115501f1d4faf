import { strict as assert } from "assert";
import { routingFlags } from "../../checks/chromium";
import { checkDnsPropagation } from "../../checks/dnsPropagation";
import { httpRequest, inspectTls, lookupAddress, makeLookup, makeResolver } from "../../checks/net";
import { checkPerformance } from "../../checks/performance";
import { isLoopbackAddress } from "../../shared/loopback";

// GOLIVE_LOOPBACK_ONLY (test/setup.ts sets it for every test, `golive rehearse` for the rehearsal)
// covers DNS: a public resolver, a system lookup of an outside name, an answer or an address
// outside 127.0.0.0/8 and ::1 are refused with a message, and nothing is sent. "Nothing is sent" is
// observed on the resolver library: every query method and dns.lookup are spied on.
describe("checks/net: loopback only covers DNS (GOLIVE_LOOPBACK_ONLY)", () => {
    const calls: string[] = [];
    const restore: Array<() => void> = [];
    before(() => {
        assert.equal(process.env.GOLIVE_LOOPBACK_ONLY, "1", "test/setup.ts sets it");
        const spy = <T extends object>(target: T, name: string, label: string) => {
            const original = (target as Record<string, unknown>)[name] as (...a: unknown[]) => unknown;
            (target as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
                calls.push(`${label}(${String(args[0])})`);
                return original.apply(this, args);
            };
            restore.push(() => ((target as Record<string, unknown>)[name] = original));
        };
        // The module itself (an `import * as` copy has getters only): checks/net reads through to it.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const dns = require("dns") as typeof import("dns");
        spy(dns, "lookup", "dns.lookup");
        for (const m of ["resolve4", "resolve6", "resolveNs", "resolveCname", "resolveTxt", "setServers"]) spy(dns.promises.Resolver.prototype, m, `Resolver.${m}`);
    });
    after(() => restore.forEach((r) => r()));
    beforeEach(() => (calls.length = 0));

    const refusal = (what: RegExp) => (err: NodeJS.ErrnoException) => err.code === "ELOOPBACKONLY" && what.test(err.message) && /GOLIVE_LOOPBACK_ONLY is set/.test(err.message);

    it("tells loopback addresses apart", () => {
        for (const a of ["127.0.0.1", "127.9.8.7", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.2"]) assert.ok(isLoopbackAddress(a), a);
        for (const a of ["1.1.1.1", "8.8.8.8", "10.0.0.1", "::2", "2606:4700::1111", "::ffff:8.8.8.8", "localhost", "128.0.0.1"]) assert.ok(!isLoopbackAddress(a), a);
    });

    it("refuses a resolver on a public address (1.1.1.1, 8.8.8.8, 9.9.9.9), with or without a port; a loopback one is built", () => {
        for (const s of ["1.1.1.1", "8.8.8.8:53", "[2606:4700:4700::1111]:53", "9.9.9.9"]) assert.throws(() => makeResolver([s]), refusal(/^DNS server /));
        assert.throws(() => makeResolver(["127.0.0.1:5353", "1.1.1.1"]), refusal(/DNS server 1\.1\.1\.1 refused/));
        makeResolver(["127.0.0.1:5353", "[::1]:53"]);
        assert.deepEqual(calls, ["Resolver.setServers(127.0.0.1:5353,[::1]:53)"], "only the loopback resolver was set up");
    });

    it("refuses a system lookup of an outside name, before any lookup is made; localhost resolves", async () => {
        await assert.rejects(httpRequest("http://www.kalia-canary-site.example/", { timeoutMs: 2_000 }), refusal(/system lookup of www\.kalia-canary-site\.example/));
        await assert.rejects(lookupAddress("pagespeed.example.com", {}), refusal(/system lookup of pagespeed\.example\.com/));
        assert.deepEqual(calls, []);
        assert.ok(isLoopbackAddress(await lookupAddress("localhost", {})));
    });

    it("refuses a connection to an outside address (no lookup involved), HTTP and TLS alike", async () => {
        await assert.rejects(httpRequest("http://10.255.255.1:9/", { timeoutMs: 2_000 }), refusal(/connection to 10\.255\.255\.1/));
        await assert.rejects(httpRequest("https://[2606:4700::1111]/", { timeoutMs: 2_000 }), refusal(/connection to 2606:4700::1111/));
        await assert.rejects(inspectTls("8.8.8.8", { timeoutMs: 2_000 }, 443), refusal(/connection to 8\.8\.8\.8/));
    });

    it("refuses a pin to an outside address, a pin to an outside name and DNS servers outside the loopback", async () => {
        await assert.rejects(lookupAddress("www.example.com", { pins: { "www.example.com": "76.76.21.21" } }), refusal(/connection to www\.example\.com \(76\.76\.21\.21, outside the loopback\)/));
        await assert.rejects(lookupAddress("www.example.com", { pins: { "www.example.com": "cname.vercel-dns.com" } }), refusal(/system lookup of cname\.vercel-dns\.com/));
        await assert.rejects(lookupAddress("www.example.com", { dnsServers: ["1.1.1.1"] }), refusal(/lookup of www\.example\.com on the DNS server 1\.1\.1\.1/));
        assert.equal(await lookupAddress("www.example.com", { pins: { "www.example.com": "127.0.0.7" } }), "127.0.0.7");
        assert.deepEqual(calls, []);
    });

    it("MEP-07 without loopback DNS servers: skip, naming the refused public resolvers; none is asked", async () => {
        const r = await checkDnsPropagation({ domain: "kalia-canary-site.example", expected: { apex: ["76.76.21.21"], www: ["cname.vercel-dns.com"] }, timeoutMs: 2_000 }, {});
        assert.equal(r.status, "skip", r.reason);
        assert.match(r.reason, /DNS propagation not checked: DNS server 1\.1\.1\.1, 8\.8\.8\.8, 9\.9\.9\.9 refused: GOLIVE_LOOPBACK_ONLY is set/);
        assert.deepEqual(calls, []);
    });

    it("MEP-13 against the real PageSpeed host: refused, the host never looked up", async () => {
        const r = await checkPerformance({ urls: ["https://www.kalia-canary-site.example/"], mode: "api", apiKey: "canary-psi-key-0042", retry: { attempts: 1 } }, { timeoutMs: 2_000 });
        assert.equal(r.status, "fail");
        assert.match(r.reason + JSON.stringify(r.evidence), /system lookup of www\.googleapis\.com refused: GOLIVE_LOOPBACK_ONLY is set/);
        assert.ok(!JSON.stringify(r).includes("canary-psi-key"));
        assert.deepEqual(calls, []);
    });

    it("a browser run resolves nothing itself: outside names are refused, the rest of the world is NOTFOUND", async () => {
        await assert.rejects(routingFlags(["https://www.kalia-canary-site.example/"], {}), refusal(/system lookup of www\.kalia-canary-site\.example/));
        // A loopback address in the URL is let through by name (Chromium's MAP * catches address literals too); an outside one is not.
        assert.deepEqual(await routingFlags(["http://127.0.0.1:8080/"], {}), ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]);
        assert.deepEqual(await routingFlags(["http://192.0.2.10:8080/"], {}), ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost"]);
    });

    it("without GOLIVE_LOOPBACK_ONLY (a real go-live), the usual resolution applies", async () => {
        delete process.env.GOLIVE_LOOPBACK_ONLY;
        try {
            assert.equal(makeLookup({}), undefined, "Node's default lookup");
            makeResolver(["1.1.1.1"]); // built, not asked
        } finally {
            process.env.GOLIVE_LOOPBACK_ONLY = "1";
        }
    });
});
