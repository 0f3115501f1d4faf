// MEP-14: basic SEO of the production site, and P-02 (final content) as far as a machine sees it.
// robots.txt lets crawlers in and names the sitemap; each key page has its own title, a
// description, no noindex, a canonical on https://www.; the sitemap lists https://www. URLs that
// answer 200; no placeholder text is left on a key page.
import * as pulumi from "@pulumi/pulumi";
import { parse } from "node-html-parser";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { describeError, httpRequestWithRetry, timed } from "./net";
import { siteUrl } from "./siteUrl";
import type { CheckResult, NetOptions } from "./types";
import { plural } from "./words";

export interface SeoBasicsInput {
    /** Origin the site serves from, e.g. https://www.example.com. */
    baseUrl: string;
    /** Paths of the key pages. */
    pages: string[];
    /** How many sitemap URLs are fetched (default 5). */
    sitemapSample?: number;
}

export interface SeoPageEvidence {
    path: string;
    status?: number;
    title?: string;
    description?: string;
    canonical?: string;
    noindex?: string;
    placeholder?: string;
    error?: string;
    problems: string[];
}

export interface RobotsEvidence {
    status?: number;
    disallowsAll: boolean;
    sitemaps: string[];
    error?: string;
    problems: string[];
}

export interface SitemapEvidence {
    status?: number;
    urls: number;
    notWww: string[];
    /** `keyPage`: the URL is a key page, whose answer is reused rather than fetched twice. */
    sample: { url: string; status?: number; error?: string; keyPage?: boolean }[];
    error?: string;
    problems: string[];
}

// P-02: what a page left unfinished usually says.
const PLACEHOLDERS = /lorem ipsum|\btodo\b|votre texte ici|texte à venir|texte a venir/i;

/** robots.txt rules of the `User-agent: *` group, and every Sitemap line. */
export function parseRobots(text: string): { disallowsAll: boolean; sitemaps: string[] } {
    const sitemaps: string[] = [];
    let agents: string[] = [];
    let inRules = false;
    let starDisallowAll = false;
    let starAllowAll = false;
    for (const rawLine of text.split(/\r?\n/)) {
        const line = rawLine.replace(/#.*$/, "").trim();
        const m = /^([A-Za-z-]+)\s*:\s*(.*)$/.exec(line);
        if (!m) continue;
        const field = m[1].toLowerCase();
        const value = m[2].trim();
        if (field === "sitemap") {
            sitemaps.push(value);
        } else if (field === "user-agent") {
            // A user-agent line after rules starts a new group.
            if (inRules) {
                agents = [];
                inRules = false;
            }
            agents.push(value.toLowerCase());
        } else if (field === "disallow" || field === "allow") {
            inRules = true;
            if (agents.includes("*") && value === "/") {
                if (field === "disallow") starDisallowAll = true;
                else starAllowAll = true; // equal length: Allow wins (RFC 9309)
            }
        }
    }
    return { disallowsAll: starDisallowAll && !starAllowAll, sitemaps };
}

/** Text a visitor sees: the body without scripts and styles, plus the title. */
function visibleText(root: ReturnType<typeof parse>): string {
    const body = root.querySelector("body") ?? root;
    for (const n of body.querySelectorAll("script, style, noscript, template")) n.remove();
    return `${root.querySelector("title")?.text ?? ""} ${body.text}`.replace(/\s+/g, " ");
}

async function inspectPage(baseUrl: string, path: string, net: NetOptions): Promise<SeoPageEvidence> {
    const ev: SeoPageEvidence = { path, problems: [] };
    const origin = new URL(baseUrl);
    try {
        const res = await httpRequestWithRetry(siteUrl(baseUrl, path), net);
        ev.status = res.status;
        if (res.status !== 200) {
            ev.problems.push(`answered ${res.status}`);
            return ev;
        }
        const root = parse(res.body);
        ev.title = root.querySelector("title")?.text.trim() ?? "";
        if (!ev.title) ev.problems.push("no <title>");
        const metas = root.querySelectorAll("meta");
        const meta = (name: string) => metas.find((m) => (m.getAttribute("name") ?? "").toLowerCase() === name)?.getAttribute("content")?.trim();
        ev.description = meta("description") ?? "";
        if (!ev.description) ev.problems.push("no meta description");
        const robotsMeta = [meta("robots"), meta("googlebot")].filter((x): x is string => !!x && /noindex/i.test(x));
        const robotsHeader = res.headers["x-robots-tag"];
        if (robotsMeta.length > 0) ev.noindex = `meta robots "${robotsMeta[0]}"`;
        else if (robotsHeader && /noindex/i.test(robotsHeader)) ev.noindex = `X-Robots-Tag "${robotsHeader}"`;
        if (ev.noindex) ev.problems.push(`noindex (${ev.noindex})`);
        const canonical = root
            .querySelectorAll("link")
            .find((l) => (l.getAttribute("rel") ?? "").toLowerCase().split(/\s+/).includes("canonical"))
            ?.getAttribute("href");
        ev.canonical = canonical;
        if (!canonical) {
            ev.problems.push("no canonical link");
        } else {
            let c: URL | undefined;
            try {
                c = new URL(canonical, baseUrl);
            } catch {
                c = undefined;
            }
            if (!c || c.protocol !== "https:" || c.hostname !== origin.hostname) {
                ev.problems.push(`canonical ${canonical} is not on https://${origin.hostname}`);
            }
        }
        const placeholder = PLACEHOLDERS.exec(visibleText(root));
        if (placeholder) {
            ev.placeholder = placeholder[0];
            ev.problems.push(`placeholder text "${placeholder[0]}" (P-02: content not final)`);
        }
    } catch (err) {
        ev.error = describeError(err);
        ev.problems.push(ev.error);
    }
    return ev;
}

async function inspectRobots(baseUrl: string, net: NetOptions): Promise<RobotsEvidence> {
    const ev: RobotsEvidence = { disallowsAll: false, sitemaps: [], problems: [] };
    try {
        const res = await httpRequestWithRetry(siteUrl(baseUrl, "/robots.txt"), net);
        ev.status = res.status;
        if (res.status !== 200) {
            ev.problems.push(`robots.txt answered ${res.status}`);
            return ev;
        }
        const robots = parseRobots(res.body);
        ev.disallowsAll = robots.disallowsAll;
        ev.sitemaps = robots.sitemaps;
        if (robots.disallowsAll) ev.problems.push("robots.txt disallows the whole site for User-agent: * (Disallow: /)");
        if (robots.sitemaps.length === 0) ev.problems.push("robots.txt does not name the sitemap (no Sitemap: line)");
    } catch (err) {
        ev.error = describeError(err);
        ev.problems.push(`robots.txt: ${ev.error}`);
    }
    return ev;
}

function asArray<T>(x: T | T[] | undefined): T[] {
    return x === undefined ? [] : Array.isArray(x) ? x : [x];
}

/** Spreads `n` picks over the list (first, last and between), so a sample is not just the top. */
function spread<T>(items: T[], n: number): T[] {
    if (items.length <= n) return items;
    if (n <= 1) return items.slice(0, Math.max(0, n));
    const picks = new Set<number>();
    for (let i = 0; i < n; i++) picks.add(Math.round((i * (items.length - 1)) / (n - 1)));
    return [...picks].map((i) => items[i]);
}

/** Answers of the key pages by URL, as inspectPage gets them (the sitemap sample reuses them). */
type KeyPageAnswers = Map<string, Promise<{ status?: number; error?: string }>>;

async function inspectSitemap(baseUrl: string, sampleSize: number, net: NetOptions, keyPages: KeyPageAnswers): Promise<SitemapEvidence> {
    const ev: SitemapEvidence = { urls: 0, notWww: [], sample: [], problems: [] };
    const origin = new URL(baseUrl);
    try {
        const res = await httpRequestWithRetry(siteUrl(baseUrl, "/sitemap.xml"), net);
        ev.status = res.status;
        if (res.status !== 200) {
            ev.problems.push(`sitemap.xml answered ${res.status}`);
            return ev;
        }
        const valid = XMLValidator.validate(res.body);
        if (valid !== true) {
            ev.problems.push(`sitemap.xml is not valid XML (${valid.err.msg}, line ${valid.err.line})`);
            return ev;
        }
        const doc = new XMLParser({ ignoreAttributes: true }).parse(res.body) as Record<string, any>;
        if (!doc.urlset) {
            const root = Object.keys(doc).filter((x) => !x.startsWith("?"))[0];
            ev.problems.push(`sitemap.xml is a <${root ?? "nothing"}>, expected a <urlset>`);
            return ev;
        }
        const locs = asArray<any>(doc.urlset.url)
            .map((u) => (typeof u?.loc === "string" ? u.loc.trim() : ""))
            .filter((x) => x !== "");
        ev.urls = locs.length;
        if (locs.length === 0) ev.problems.push("sitemap.xml lists no URL");
        const onOrigin = (u: string) => {
            try {
                const x = new URL(u);
                return x.protocol === "https:" && x.hostname === origin.hostname;
            } catch {
                return false;
            }
        };
        ev.notWww = locs.filter((u) => !onOrigin(u));
        if (ev.notWww.length > 0) {
            ev.problems.push(`sitemap.xml lists ${ev.notWww.length} URL(s) not on https://${origin.hostname} (e.g. ${ev.notWww[0]})`);
        }
        // Only URLs on the site's own origin are fetched: the sitemap does not choose where we connect.
        // A sampled URL that is a key page is not requested twice: its answer comes from the page check.
        ev.sample = await Promise.all(
            spread(locs.filter(onOrigin), sampleSize).map((url) => {
                const known = keyPages.get(url);
                if (known) return known.then((k) => ({ url, ...k, keyPage: true }));
                return httpRequestWithRetry(url, net).then(
                    (r) => ({ url, status: r.status as number | undefined, error: undefined as string | undefined }),
                    (err) => ({ url, status: undefined, error: describeError(err) }),
                );
            }),
        );
        for (const s of ev.sample) {
            if (s.status !== 200) ev.problems.push(`sitemap URL ${s.url} ${s.error ?? `answered ${s.status}`}`);
        }
    } catch (err) {
        ev.error = describeError(err);
        ev.problems.push(`sitemap.xml: ${ev.error}`);
    }
    return ev;
}

/** A key page's URL, or the raw path when it is not a site path (its own check reports why; nothing matches it). */
function keyPageUrl(baseUrl: string, path: string): string {
    try {
        return siteUrl(baseUrl, path);
    } catch {
        return path;
    }
}

export async function checkSeoBasics(input: SeoBasicsInput, net: NetOptions): Promise<CheckResult> {
    const name = "SEO basics";
    return timed<CheckResult>(
        async () => {
            const pageChecks = input.pages.map((p) => inspectPage(input.baseUrl, p, net));
            const keyPages: KeyPageAnswers = new Map(
                input.pages.map((p, i) => [keyPageUrl(input.baseUrl, p), pageChecks[i].then((e) => ({ status: e.status, error: e.error }))]),
            );
            const [pages, robots, sitemap] = await Promise.all([
                Promise.all(pageChecks),
                inspectRobots(input.baseUrl, net),
                inspectSitemap(input.baseUrl, input.sitemapSample ?? 5, net, keyPages),
            ]);
            // Each key page needs its own title: duplicates are reported on every page that shares one.
            const byTitle = new Map<string, string[]>();
            for (const p of pages) if (p.title) byTitle.set(p.title, [...(byTitle.get(p.title) ?? []), p.path]);
            for (const p of pages) {
                const same = p.title ? byTitle.get(p.title)! : [];
                if (same.length > 1) p.problems.push(`title "${p.title}" also used by ${same.filter((x) => x !== p.path).join(", ")}`);
            }
            const problems = [
                ...robots.problems,
                ...sitemap.problems,
                ...pages.filter((p) => p.problems.length > 0).map((p) => `${p.path}: ${p.problems.join(", ")}`),
            ];
            const evidence = { pages, robots, sitemap };
            if (problems.length > 0) {
                const p02 = pages.some((p) => p.placeholder);
                return {
                    id: "MEP-14",
                    name,
                    status: "fail",
                    reason: (p02 ? "P-02 content final not met; " : "") + problems.join("; "),
                    evidence,
                };
            }
            return {
                id: "MEP-14",
                name,
                status: "pass",
                reason: `robots.txt open with sitemap; ${plural(pages.length, "page")} with unique titles, descriptions, canonicals; ${plural(sitemap.urls, "sitemap URL")} (${sitemap.sample.length} sampled ${sitemap.sample.length === 1 ? "answers" : "answer"} 200)`,
                evidence,
            };
        },
        (err) => ({ id: "MEP-14", name, status: "fail", reason: `SEO check could not run: ${describeError(err)}`, evidence: {} }),
    );
}

/** MEP-14 (+P-02) as a resource. */
export class SeoBasicsCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<SeoBasicsInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkSeoBasics, { label: "MEP-14 SEO basics", required: { baseUrl: "text", pages: "list" } }), "SeoBasics", name, args, opts);
    }
}
