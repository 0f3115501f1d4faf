import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { vercelLikeSpec } from "../../replica/site";
import { checkSeoBasics, parseRobots, SeoBasicsCheck, SeoBasicsInput, SeoPageEvidence } from "../../checks/seoBasics";
import { providerOf } from "../helpers/engine";

const BRAND = "Kalia Beauty Studio";

describe("checks/seoBasics (MEP-14, P-02)", () => {
    let world: ReplicaWorld;
    let input: SeoBasicsInput;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        input = { baseUrl: `https://${world.www}`, pages: ["/", "/services", "/tarifs", "/a-propos", "/contact", "/mentions-legales"] };
    });
    after(() => world.close());
    afterEach(() => {
        world.newSite.spec = vercelLikeSpec(world.domain, BRAND);
    });
    const spec = () => world.newSite.spec;

    it("passes on a correct site, with evidence for pages, robots and sitemap", async () => {
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.equal(r.id, "MEP-14");
        const pages = r.evidence.pages as SeoPageEvidence[];
        assert.equal(pages.length, 6);
        assert.equal(pages[0].canonical, `https://${world.www}/`);
        assert.match(pages[2].title!, /^Tarifs/);
        assert.deepEqual((r.evidence.robots as { sitemaps: string[] }).sitemaps, [`https://${world.www}/sitemap.xml`]);
        const sitemap = r.evidence.sitemap as { urls: number; sample: { status: number }[] };
        assert.equal(sitemap.urls, 6);
        assert.equal(sitemap.sample.length, 5);
        assert.ok(sitemap.sample.every((s) => s.status === 200));
    });

    it("fails when robots.txt disallows the whole site", async () => {
        spec().robotsTxt = `User-agent: *\nDisallow: /\n\nSitemap: https://${world.www}/sitemap.xml\n`;
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /robots\.txt disallows the whole site for User-agent: \* \(Disallow: \/\)/);
    });

    it("reads robots.txt groups: Disallow: / for another agent or a sub-path is fine", () => {
        assert.equal(parseRobots("User-agent: BadBot\nDisallow: /\n\nUser-agent: *\nDisallow: /admin\n").disallowsAll, false);
        assert.equal(parseRobots("User-agent: Googlebot\nUser-agent: *\nDisallow: / # closed\n").disallowsAll, true);
        assert.equal(parseRobots("User-agent: *\nDisallow: /\nAllow: /\n").disallowsAll, false);
        assert.deepEqual(parseRobots("sitemap: https://x/s.xml\n").sitemaps, ["https://x/s.xml"]);
    });

    it("fails when robots.txt names no sitemap", async () => {
        spec().robotsTxt = "User-agent: *\nAllow: /\n";
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /robots\.txt does not name the sitemap/);
    });

    it("fails on noindex, in a meta tag or an X-Robots-Tag header", async () => {
        spec().pages["/services"].noindex = true;
        spec().handle = (req) => {
            if (req.path !== "/contact") return undefined;
            return { status: 200, headers: { "content-type": "text/html", "x-robots-tag": "noindex, nofollow" }, body: `<title>Contact</title><meta name="description" content="d"><link rel="canonical" href="https://${world.www}/contact">` };
        };
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /\/services: noindex \(meta robots "noindex"\)/);
        assert.match(r.reason, /\/contact: noindex \(X-Robots-Tag "noindex, nofollow"\)/);
    });

    it("fails on a missing description and on duplicate titles", async () => {
        delete spec().pages["/a-propos"].description;
        spec().pages["/tarifs"].title = spec().pages["/services"].title;
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /\/a-propos: no meta description/);
        assert.match(r.reason, /\/services: title "Nos soins – Kalia Beauty Studio" also used by \/tarifs/);
        assert.match(r.reason, /\/tarifs: title .* also used by \/services/);
    });

    it("fails on a canonical on the apex or on http", async () => {
        spec().handle = (req) => {
            const canon = req.path === "/" ? `https://${world.domain}/` : req.path === "/tarifs" ? `http://${world.www}/tarifs` : undefined;
            if (!canon) return undefined;
            return { status: 200, headers: { "content-type": "text/html" }, body: `<title>T ${req.path}</title><meta name="description" content="d"><link rel="canonical" href="${canon}">` };
        };
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /\/: canonical https:\/\/kaliabeautystudio\.com\/ is not on https:\/\/www\.kaliabeautystudio\.com/);
        assert.match(r.reason, /\/tarifs: canonical http:\/\/www\.kaliabeautystudio\.com\/tarifs is not on https:\/\/www\./);
    });

    it("fails on a sitemap listing http URLs, or a URL answering 404", async () => {
        spec().sitemapXml = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>http://${world.www}/</loc></url><url><loc>https://${world.www}/ancienne-page</loc></url><url><loc>https://${world.www}/tarifs</loc></url></urlset>`;
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /sitemap\.xml lists 1 URL\(s\) not on https:\/\/www\.kaliabeautystudio\.com \(e\.g\. http:\/\/www\./);
        assert.match(r.reason, /sitemap URL https:\/\/www\.kaliabeautystudio\.com\/ancienne-page answered 404/);
        assert.doesNotMatch(r.reason, /\/tarifs answered/);
    });

    it("reuses the key pages' answers for the sitemap sample instead of requesting them twice", async () => {
        spec().sitemapXml = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://${world.www}/</loc></url><url><loc>https://${world.www}/tarifs</loc></url><url><loc>https://${world.www}/nouveautes</loc></url></urlset>`;
        spec().pages["/nouveautes"] = { title: "Nouveautés", description: "Les nouveautés de l'institut." };
        const paths: string[] = [];
        spec().handle = (req) => {
            paths.push(req.path);
            return undefined;
        };
        const r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "pass", r.reason);
        const sample = (r.evidence as any).sitemap.sample as { url: string; status: number; keyPage?: boolean }[];
        assert.deepEqual(sample.map((x) => [x.url.replace(`https://${world.www}`, ""), x.status, x.keyPage ?? false]), [["/", 200, true], ["/tarifs", 200, true], ["/nouveautes", 200, false]]);
        assert.equal(paths.filter((p) => p === "/tarifs").length, 1, "a key page is fetched once");
        assert.equal(paths.filter((p) => p === "/nouveautes").length, 1, "a URL only in the sitemap is fetched for the sample");
    });

    it("fails on a sitemap that is not XML or not a urlset", async () => {
        spec().sitemapXml = "<html><body>oops";
        let r = await checkSeoBasics(input, world.net);
        assert.match(r.reason, /sitemap\.xml is not valid XML/);
        spec().sitemapXml = `<?xml version="1.0"?><sitemapindex><sitemap><loc>https://${world.www}/s1.xml</loc></sitemap></sitemapindex>`;
        r = await checkSeoBasics(input, world.net);
        assert.match(r.reason, /sitemap\.xml is a <sitemapindex>, expected a <urlset>/);
    });

    it("fails on placeholder content (lorem ipsum, TODO, Votre texte ici) with P-02", async () => {
        spec().pages["/a-propos"].text = "Lorem ipsum dolor sit amet.";
        spec().pages["/contact"].text = "VOTRE TEXTE ICI";
        let r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /^P-02 content final not met/);
        assert.match(r.reason, /\/a-propos: placeholder text "Lorem ipsum" \(P-02: content not final\)/);
        assert.match(r.reason, /\/contact: placeholder text "VOTRE TEXTE ICI"/);
        // Only visible text counts: a "todo" inside a script is not content.
        spec().pages = vercelLikeSpec(world.domain, BRAND).pages;
        spec().handle = (req) => req.path === "/" ? { status: 200, headers: { "content-type": "text/html" }, body: `<title>Accueil</title><meta name="description" content="d"><link rel="canonical" href="https://${world.www}/"><script>// TODO lorem ipsum</script><p>Bienvenue</p>` } : undefined;
        r = await checkSeoBasics(input, world.net);
        assert.equal(r.status, "pass", r.reason);
    });

    it("runs as the engine runs it: create passes, create rejects with MEP-14, diff sees changes", async () => {
        const { provider, inputs } = await providerOf(() => new SeoBasicsCheck("seo", { input, net: world.net, triggers: { deployment: "dpl_1" } }));
        const { __provider, ...plain } = inputs;
        const created = await provider.create(inputs);
        assert.equal(created.outs.result.status, "pass");
        assert.deepEqual(await provider.diff(created.id, created.outs, plain), { changes: false });
        assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, nonce: "2" }), { changes: true });
        spec().robotsTxt = "User-agent: *\nDisallow: /\n";
        await assert.rejects(provider.create(inputs), /MEP-14 SEO basics failed: robots\.txt disallows the whole site/);
    });
});
