import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { vercelLikeSpec } from "../../replica/site";
import { checkRedirects, RedirectsCheck } from "../../checks/redirects";
import { providerOf } from "../helpers/engine";

describe("checks/redirects (MEP-10)", () => {
    let world: ReplicaWorld;
    let domain: string;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        domain = world.domain;
    });
    after(() => world.close());
    afterEach(() => {
        world.newSite.spec = vercelLikeSpec(domain, "Kalia Beauty Studio");
    });

    it("passes on the Vercel-like site and reports every chain", async () => {
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.equal(r.id, "MEP-10");
        assert.equal(r.name, "Redirects");
        const chains = r.evidence.chains as Record<string, string>;
        assert.equal(
            chains[`http://${domain}`],
            `http://${domain}/?golive=1 -308-> https://${domain}/?golive=1 -308-> https://www.${domain}/?golive=1 (200)`,
        );
        assert.equal(chains[`https://www.${domain}`], `https://www.${domain}/?golive=1 (200)`);
        assert.equal(chains[`http://www.${domain}`], `http://www.${domain}/?golive=1 -308-> https://www.${domain}/?golive=1 (200)`);
    });

    it("fails on a temporary 302", async () => {
        world.newSite.spec.apexRedirectStatus = 302;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`https://${domain} answered 302 \\(temporary\\) — must be 301 or 308`));
        assert.equal(r.reason.split("answered 302").length, 2, "the same fault seen from two start URLs is reported once");
        world.newSite.spec.apexRedirectStatus = 308;
        world.newSite.spec.httpsRedirectStatus = 302;
        const r2 = await checkRedirects({ domain }, world.net);
        assert.match(r2.reason, new RegExp(`^http://${domain} answered 302 \\(temporary\\) — must be 301 or 308`));
    });

    it("fails when the apex does not redirect to www", async () => {
        world.newSite.spec.apexRedirectStatus = null;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`apex does not redirect to www \\(https://${domain} answered 200\\)`));
        assert.match(r.reason, new RegExp(`wrong destination: http://${domain} ends at https://${domain}, not https://www.${domain}`));
    });

    it("fails when http does not redirect to https", async () => {
        world.newSite.spec.httpsRedirectStatus = null;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`http does not redirect to https \\(http://www.${domain} answered 200\\)`));
    });

    it("detects a redirect loop, bounded", async () => {
        // www bounces back to the apex, which sends to www again.
        world.newSite.spec.handle = (req) =>
            req.scheme === "https" && req.host === `www.${domain}` ? { status: 301, headers: { location: `https://${domain}${req.path}${req.query}` } } : undefined;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`redirect loop: https://${domain}/\\?golive=1 → https://www.${domain}/\\?golive=1 → https://${domain}/\\?golive=1`));
        // Bounded by the loop's detection: the chain stops where it comes back, a few hops in.
        const chain = (r.evidence.chains as Record<string, string>)[`http://${domain}`];
        assert.match(chain, /\(loop\)$/);
        assert.ok(chain.split(" → ").length <= 6, chain);
    });

    it("fails when a redirect drops the path and query", async () => {
        world.newSite.spec.handle = (req) =>
            req.scheme === "http" ? { status: 301, headers: { location: `https://${req.host}/` } } : undefined;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`^path lost: http://${domain}/\\?golive=1 redirects to https://${domain}/ \\(/\\?golive=1 became /\\)`));
        assert.doesNotMatch(r.reason, /wrong destination|ends at/, "the destination is right: only the path is lost");
    });

    it("compares URLs as the site means them: a Location with the mapped https port is the same place", async () => {
        // A staging host behind a port writes that port into its redirects.
        const port = world.net.httpsPort;
        world.newSite.spec.handle = (req) => {
            if (req.scheme === "http") return { status: 308, headers: { location: `https://${req.host}:${port}${req.path}${req.query}` } };
            if (req.host === domain) return { status: 308, headers: { location: `https://www.${domain}:${port}${req.path}${req.query}` } };
            return undefined;
        };
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.match((r.evidence.chains as Record<string, string>)[`http://${domain}`], new RegExp(`-308-> https://www\\.${domain.replace(/\./g, "\\.")}:${port}/\\?golive=1 \\(200\\)$`));
    });

    it("reports each defect of a chain on its own: temporary, path lost, wrong destination", async () => {
        // The apex sends every path, temporarily, to the home page of another subdomain.
        world.newSite.spec.handle = (req) =>
            req.scheme === "https" && req.host === domain ? { status: 302, headers: { location: `https://shop.${domain}/` } } : undefined;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`https://${domain} answered 302 \\(temporary\\)`));
        assert.match(r.reason, new RegExp(`path lost: https://${domain}/\\?golive=1 redirects to https://shop\\.${domain}/`));
        assert.match(r.reason, new RegExp(`wrong destination: https://${domain} ends at https://shop\\.${domain}, not https://www\\.${domain}`));
    });

    it("keeps a custom probe path", async () => {
        const r = await checkRedirects({ domain, path: "/tarifs?utm=x" }, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.match((r.evidence.chains as Record<string, string>)[`https://${domain}`], /tarifs\?utm=x \(200\)$/);
    });

    it("fails on too many hops", async () => {
        // https apex goes back to http www before reaching https www: 3 hops from http apex.
        world.newSite.spec.handle = (req) =>
            req.scheme === "https" && req.host === domain ? { status: 308, headers: { location: `http://www.${domain}${req.path}${req.query}` } } : undefined;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`http://${domain}: 3 hops > 2`));
        assert.doesNotMatch(r.reason, /http:\/\/www/);
    });

    it("fails when www itself redirects", async () => {
        world.newSite.spec.handle = (req) =>
            req.scheme === "https" && req.host === `www.${domain}` && req.path === "/" ? { status: 308, headers: { location: `https://www.${domain}/fr${req.query}` } } : undefined;
        const r = await checkRedirects({ domain }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`https://www.${domain} redirects \\(answered 308`));
    });

    describe("as a dynamic resource", () => {
        it("creates on the good site, rejects with MEP-10 on a broken one, diffs on triggers", async () => {
            const { provider, inputs } = await providerOf(
                () => new RedirectsCheck("redirects", { input: { domain }, net: world.net, triggers: { dns: "a" } }),
            );
            const created = await provider.create(inputs);
            assert.equal(created.outs.result.status, "pass");
            const { __provider, ...plain } = inputs;
            assert.deepEqual(await provider.diff(created.id, created.outs, plain), { changes: false });
            assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, triggers: { dns: "b" } }), { changes: true });
            world.newSite.spec.apexRedirectStatus = 302;
            await assert.rejects(provider.create(inputs), /MEP-10 Redirects failed: .*answered 302 \(temporary\)/);
        });
    });
});
