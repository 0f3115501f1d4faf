// MEP-11: the smoke test, what a visitor of the key pages would hit. Each key page answers 200
// with HTML within a time budget (and shows its expected text), without leaving the site; an
// unknown path answers 404 (a site that answers 200 or 500 everywhere is not a site that works).
// Beyond the page itself, as a link checker and Lighthouse's best-practices audits would:
//  - the same-site links and assets (stylesheets, scripts, images, icons, media) of the key pages
//    answer (no 4xx/5xx), in a bounded number of requests;
//  - no mixed content: nothing on an https page is loaded, or a form posted, over http://;
//  - the document basics a browser guesses at when missing: doctype (else quirks mode), charset,
//    viewport (else the mobile page is a shrunken desktop page), and the page language;
//  - a page that answered only after retrying a 5xx says so; a server that keeps failing fails.
// Out of scope (they need a browser running the page): console errors, permission prompts,
// image sizing, font sizes. Title, description, canonical and indexing are MEP-14's.
import * as pulumi from "@pulumi/pulumi";
import { parse } from "node-html-parser";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { describeError, httpRequestNotingRetries, httpRequestWithRetry, Retried, timed } from "./net";
import { siteUrl } from "./siteUrl";
import type { CheckResult, NetOptions } from "./types";
import { plural } from "./words";

export const DEFAULT_PAGE_BUDGET_MS = 3_000;
/** Most requests spent on the links and assets of the key pages (the rest is counted, not fetched). */
export const DEFAULT_MAX_REFERENCE_CHECKS = 40;
/** Requests in flight at once for links and assets: a visitor's browser opens about six. */
const REFERENCE_CONCURRENCY = 6;
/** Same-site redirects followed for a link or an asset. */
const REFERENCE_HOPS = 3;

export interface KeyPage {
    /** Path on the site, starting with "/". */
    path: string;
    /** Text the page must show (compared case-insensitively, spaces normalized). */
    expectText?: string;
}

export interface SmokeTestInput {
    /** Origin the site serves from, e.g. https://www.example.com. */
    baseUrl: string;
    pages: KeyPage[];
    /** Each page must answer within this many ms (default 3000). */
    budgetMs?: number;
    /** Path probed for the 404; a random one by default. */
    notFoundPath?: string;
    /** Most requests spent checking links and assets (default 40; 0 checks none). */
    maxReferenceChecks?: number;
}

/** The document basics a browser otherwise guesses. */
export interface DocumentBasics {
    doctype: boolean;
    /** From <meta charset>, <meta http-equiv> in the first 1024 bytes, or the Content-Type header. */
    charset?: string;
    /** content of <meta name="viewport">. */
    viewport?: string;
    /** <html lang>. */
    lang?: string;
}

export interface PageEvidence {
    path: string;
    status?: number;
    elapsedMs?: number;
    bytes?: number;
    contentType?: string;
    missingText?: string;
    /** Answers retried before the one that stands, e.g. ["503", "503"]. */
    retried?: Retried;
    /** Where the page redirects, when it does. */
    location?: string;
    document?: DocumentBasics;
    /** http:// URLs loaded (or posted to) by this https page. */
    mixedContent?: string[];
    /** Same-site links and assets found on the page. */
    links?: number;
    assets?: number;
    error?: string;
    /**
     * A page over its budget is asked once more, alone, after the others (a cold start, or a moment the
     * checking machine stood still, is not the page's speed): its first time, kept beside the one that stands.
     */
    firstElapsedMs?: number;
    problems: string[];
}

export interface ReferenceEvidence {
    url: string;
    kind: "link" | "asset";
    /** Key pages that carry it. */
    from: string[];
    status?: number;
    /** Where a same-site redirect led. */
    finalUrl?: string;
    retried?: Retried;
    error?: string;
}

/** Lower-cases and collapses white space, so markup line breaks do not hide a phrase. */
function normalizeText(s: string): string {
    return s.replace(/\s+/g, " ").trim().toLowerCase();
}

/** The site's own hosts: the one it serves from and its apex (or its www). */
function siteHosts(baseUrl: string): string[] {
    const host = new URL(baseUrl).hostname.toLowerCase();
    return host.startsWith("www.") ? [host, host.slice(4)] : [host, `www.${host}`];
}

const retryNote = (retried: Retried | undefined) => (retried && retried.length > 0 ? ` after retrying ${retried.join(", ")}` : "");

/** Document basics, mixed content, and the links and assets of one page's HTML. */
export function inspectHtml(html: string, pageUrl: string, contentType: string | undefined): {
    document: DocumentBasics;
    mixedContent: string[];
    links: string[];
    assets: string[];
} {
    const root = parse(html);
    const head1024 = html.slice(0, 1024);
    const metaCharset = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head1024)?.[1];
    const headerCharset = /charset=([\w-]+)/i.exec(contentType ?? "")?.[1];
    const viewport = root.querySelectorAll("meta").find((m) => (m.getAttribute("name") ?? "").toLowerCase() === "viewport")?.getAttribute("content");
    const lang = root.querySelector("html")?.getAttribute("lang")?.trim();
    const document: DocumentBasics = {
        doctype: /^(\uFEFF)?\s*(<!--[\s\S]*?-->\s*)*<!doctype html/i.test(html),
        ...(metaCharset || headerCharset ? { charset: (metaCharset ?? headerCharset)!.toLowerCase() } : {}),
        ...(viewport !== undefined ? { viewport } : {}),
        ...(lang ? { lang } : {}),
    };
    const base = root.querySelector("base")?.getAttribute("href");
    const baseUrl = (() => {
        try {
            return base ? new URL(base, pageUrl).toString() : pageUrl;
        } catch {
            return pageUrl;
        }
    })();
    const resolve = (raw: string | undefined): string | undefined => {
        const v = raw?.trim();
        if (!v || v.startsWith("#") || /^(mailto|tel|javascript|data|blob|about):/i.test(v)) return undefined;
        try {
            const u = new URL(v, baseUrl);
            if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
            u.hash = "";
            return u.toString();
        } catch {
            return undefined;
        }
    };
    const attr = (selector: string, name: string) => root.querySelectorAll(selector).map((e) => e.getAttribute(name));
    const srcset = root
        .querySelectorAll("img[srcset], source[srcset]")
        .flatMap((e) => (e.getAttribute("srcset") ?? "").split(",").map((part) => part.trim().split(/\s+/)[0]));
    const linkRel = (rels: string[]) =>
        root
            .querySelectorAll("link[href]")
            .filter((l) => (l.getAttribute("rel") ?? "").toLowerCase().split(/\s+/).some((r) => rels.includes(r)))
            .map((l) => l.getAttribute("href"));
    const assets = [
        ...linkRel(["stylesheet", "icon", "apple-touch-icon", "manifest", "preload", "modulepreload"]),
        ...attr("script[src]", "src"),
        ...attr("img[src]", "src"),
        ...srcset,
        ...attr("source[src], video[src], audio[src], track[src], embed[src]", "src"),
        ...attr("iframe[src]", "src"),
        ...attr("object[data]", "data"),
        ...attr("video[poster]", "poster"),
    ]
        .map(resolve)
        .filter((u): u is string => !!u);
    const links = attr("a[href], area[href]", "href").map(resolve).filter((u): u is string => !!u);
    const https = new URL(pageUrl).protocol === "https:";
    // Mixed content: what the page loads, and where its forms post, over plain http.
    const formTargets = attr("form[action]", "action").map(resolve).filter((u): u is string => !!u);
    const mixedContent = https ? [...new Set([...assets, ...formTargets].filter((u) => u.startsWith("http://")))] : [];
    return { document, mixedContent, links: [...new Set(links)], assets: [...new Set(assets)] };
}

/** What is missing from the document basics, one phrase each. */
function documentProblems(d: DocumentBasics): string[] {
    const out: string[] = [];
    if (!d.doctype) out.push("no <!doctype html> (the browser falls back to quirks mode)");
    if (!d.charset) out.push("no charset (neither <meta charset> in the first 1024 bytes nor in Content-Type)");
    if (d.viewport === undefined) out.push('no <meta name="viewport"> (phones show a shrunken desktop page)');
    else if (!/width\s*=|initial-scale\s*=/i.test(d.viewport)) out.push(`viewport "${d.viewport}" sets neither width nor initial-scale`);
    if (!d.lang) out.push("no <html lang> (screen readers and translation guess the language)");
    return out;
}

interface ProbedPage {
    evidence: PageEvidence;
    links: string[];
    assets: string[];
}

async function probePage(baseUrl: string, page: KeyPage, budgetMs: number, net: NetOptions): Promise<ProbedPage> {
    const ev: PageEvidence = { path: page.path, problems: [] };
    const found = { links: [] as string[], assets: [] as string[] };
    try {
        const url = siteUrl(baseUrl, page.path);
        // The request may take a bit longer than the budget, so a slow page is reported as slow
        // (with its time) rather than as a timeout.
        const timeoutMs = Math.max(net.timeoutMs ?? 10_000, budgetMs * 2);
        const res = await httpRequestNotingRetries(url, net, { timeoutMs });
        ev.status = res.status;
        ev.elapsedMs = res.elapsedMs;
        ev.bytes = Buffer.byteLength(res.body, "utf8");
        ev.contentType = res.headers["content-type"];
        if (res.retried.length > 0) ev.retried = res.retried;
        if (res.location) ev.location = res.location;
        const attempts = res.retried.length + 1;
        if (res.status !== 200) {
            const offSite = res.location && !siteHosts(baseUrl).includes(new URL(res.location).hostname.toLowerCase());
            if (offSite) ev.problems.push(`redirects off the site to ${res.location} (answered ${res.status})`);
            else if (res.status >= 500 && attempts > 1) ev.problems.push(`answered ${res.status} on all ${attempts} attempts (${res.retried.join(", ")}, ${res.status})`);
            else ev.problems.push(res.location ? `answered ${res.status} → ${res.location}` : `answered ${res.status}`);
            return { evidence: ev, ...found };
        }
        if (!/^text\/html\b/i.test(ev.contentType ?? "")) {
            ev.problems.push(`content-type ${ev.contentType ?? "missing"}, expected text/html`);
            return { evidence: ev, ...found };
        }
        // Over the budget is judged once the page has been measured again (remeasureSlowPages).
        if (page.expectText) {
            const want = normalizeText(page.expectText);
            // Decoded text catches "l&#39;institut"; the raw body catches text inside attributes.
            const text = normalizeText(parse(res.body).text);
            if (!text.includes(want) && !normalizeText(res.body).includes(want)) {
                ev.missingText = page.expectText;
                ev.problems.push(`does not show ${JSON.stringify(page.expectText)}`);
            }
        }
        const html = inspectHtml(res.body, url, ev.contentType);
        ev.document = html.document;
        ev.problems.push(...documentProblems(html.document));
        if (html.mixedContent.length > 0) {
            ev.mixedContent = html.mixedContent;
            ev.problems.push(`mixed content: loads ${html.mixedContent[0]} over http://${html.mixedContent.length > 1 ? ` (and ${html.mixedContent.length - 1} more)` : ""}`);
        }
        const hosts = siteHosts(baseUrl);
        const onSite = (u: string) => hosts.includes(new URL(u).hostname.toLowerCase());
        found.links = html.links.filter(onSite);
        found.assets = html.assets.filter(onSite);
        ev.links = found.links.length;
        ev.assets = found.assets.length;
    } catch (err) {
        ev.error = `${describeError(err)}${retryNote((err as { retried?: Retried }).retried)}`;
        ev.problems.push(ev.error);
    }
    return { evidence: ev, ...found };
}

/** Whether the page answered 200 HTML, so that its time is what counts (a failed page says so already). */
const servedHtml = (ev: PageEvidence) => ev.status === 200 && /^text\/html\b/i.test(ev.contentType ?? "") && !ev.error;

/**
 * MEP-11's budget: a page over it is asked once more, alone and one after the other (bounded: one
 * request per slow page, the same timeout), so that a cold start or a busy moment of this machine is
 * not reported as the page's speed; the time that stands is the second, and both are said. Still
 * over the budget the second time, the page fails with both times.
 */
async function remeasureSlowPages(baseUrl: string, pages: PageEvidence[], budgetMs: number, net: NetOptions): Promise<void> {
    for (const ev of pages) {
        if (!servedHtml(ev) || (ev.elapsedMs ?? 0) <= budgetMs) continue;
        const first = ev.elapsedMs!;
        ev.firstElapsedMs = first;
        try {
            const res = await httpRequestNotingRetries(siteUrl(baseUrl, ev.path), net, { timeoutMs: Math.max(net.timeoutMs ?? 10_000, budgetMs * 2) });
            ev.elapsedMs = res.elapsedMs;
            if (res.status !== 200) ev.problems.push(`took ${first} ms, budget ${budgetMs} ms, then answered ${res.status} when measured again`);
            else if (res.elapsedMs > budgetMs) ev.problems.push(`took ${first} ms, then ${res.elapsedMs} ms measured again, budget ${budgetMs} ms`);
        } catch (err) {
            ev.problems.push(`took ${first} ms, budget ${budgetMs} ms, then ${describeError(err)} when measured again`);
        }
    }
}

/** One link or asset: its status after same-site redirects (HEAD, or GET where HEAD is refused). */
async function checkReference(ref: ReferenceEvidence, hosts: string[], net: NetOptions): Promise<void> {
    let url = ref.url;
    for (let hop = 0; hop <= REFERENCE_HOPS; hop++) {
        try {
            let res = await httpRequestNotingRetries(url, net, { method: "HEAD", maxBodyBytes: 1_000_000 });
            if (res.status === 405 || res.status === 501) res = await httpRequestNotingRetries(url, net, { maxBodyBytes: 5_000_000 });
            if (res.retried.length > 0) ref.retried = [...(ref.retried ?? []), ...res.retried];
            ref.status = res.status;
            if (res.status >= 300 && res.status < 400 && res.location) {
                // A redirect off the site is where the link goes: not ours to check.
                if (!hosts.includes(new URL(res.location).hostname.toLowerCase())) return;
                url = res.location;
                ref.finalUrl = url;
                continue;
            }
            return;
        } catch (err) {
            ref.error = describeError(err);
            return;
        }
    }
}

/** A limiter: at most `limit` of the functions given to it run at once. */
function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
    let active = 0;
    const queue: Array<() => void> = [];
    const release = () => {
        active--;
        queue.shift()?.();
    };
    return <T>(fn: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => {
            const start = () => {
                active++;
                fn().then(resolve, reject).finally(release);
            };
            if (active < limit) start();
            else queue.push(start);
        });
}

const isBroken = (r: ReferenceEvidence) => !!r.error || (r.status !== undefined && r.status >= 400);

export async function checkSmokeTest(input: SmokeTestInput, net: NetOptions): Promise<CheckResult> {
    const name = "Smoke test";
    return timed<CheckResult>(
        async () => {
            const budgetMs = input.budgetMs ?? DEFAULT_PAGE_BUDGET_MS;
            const maxChecks = Math.max(0, Math.min(500, input.maxReferenceChecks ?? DEFAULT_MAX_REFERENCE_CHECKS));
            if (input.pages.length === 0) {
                return { id: "MEP-11", name, status: "fail", reason: "no key pages configured (golive:checks.pages)", evidence: {} };
            }
            const missingPath = input.notFoundPath ?? `/golive-404-${Math.random().toString(36).slice(2, 10)}`;
            const hosts = siteHosts(input.baseUrl);
            // Links and assets are checked as soon as their page is read, each URL once, at most
            // `maxChecks` of them; a link to a key page takes that page's own answer.
            const keyPageUrls = new Map(input.pages.map((p) => [new URL(p.path, input.baseUrl).toString(), p.path]));
            const refs = new Map<string, ReferenceEvidence>();
            const refChecks: Promise<void>[] = [];
            const limit = limiter(REFERENCE_CONCURRENCY);
            let checked = 0;
            let unchecked = 0;
            const readReferences = (p: ProbedPage) => {
                for (const [kind, urls] of [["asset", p.assets], ["link", p.links]] as const) {
                    for (const url of urls) {
                        const known = refs.get(url);
                        if (known) {
                            if (!known.from.includes(p.evidence.path)) known.from.push(p.evidence.path);
                            continue;
                        }
                        const ref: ReferenceEvidence = { url, kind, from: [p.evidence.path] };
                        refs.set(url, ref);
                        if (keyPageUrls.has(url)) continue;
                        if (checked >= maxChecks) {
                            unchecked++;
                            continue;
                        }
                        checked++;
                        refChecks.push(limit(() => checkReference(ref, hosts, net)));
                    }
                }
                return p;
            };
            // All pages at once: the smoke test is as long as the slowest page, not the sum.
            const [probed, notFound] = await Promise.all([
                Promise.all(input.pages.map((p) => probePage(input.baseUrl, p, budgetMs, net).then(readReferences))),
                httpRequestWithRetry(siteUrl(input.baseUrl, missingPath), net).then(
                    (res) => ({ path: missingPath, status: res.status as number | undefined, error: undefined as string | undefined }),
                    (err) => ({ path: missingPath, status: undefined, error: describeError(err) }),
                ),
            ]);
            await Promise.all(refChecks);
            const pages = probed.map((p) => p.evidence);
            await remeasureSlowPages(input.baseUrl, pages, budgetMs, net);
            const byUrl = new Map(pages.map((p) => [new URL(p.path, input.baseUrl).toString(), p]));
            for (const ref of refs.values()) {
                const keyPage = byUrl.get(ref.url);
                if (keyPage) {
                    // Its own answer stands (and its own problems are listed with it).
                    ref.status = keyPage.status;
                    if (keyPage.error) ref.error = keyPage.error;
                }
            }
            const broken = [...refs.values()].filter((r) => isBroken(r) && !keyPageUrls.has(r.url));
            const reusedKeyPages = [...refs.keys()].filter((u) => keyPageUrls.has(u)).length;
            const shortUrl = (u: string) => (hosts.includes(new URL(u).hostname.toLowerCase()) ? new URL(u).pathname + new URL(u).search : u);

            const failures = pages.filter((p) => p.problems.length > 0).flatMap((p) => p.problems.map((problem) => `${p.path} ${problem}`));
            for (const b of broken) {
                const what = b.error ?? `answers ${b.status}${b.finalUrl ? ` (at ${shortUrl(b.finalUrl)})` : ""}`;
                failures.push(`broken ${b.kind} ${shortUrl(b.url)} on ${b.from.join(", ")}: ${what}`);
            }
            if (notFound.status !== 404) {
                // The path is random: it stays in the evidence, out of the reason, so two runs read alike.
                const what = notFound.error ?? `answered ${notFound.status}`;
                failures.push(`an unknown path ${what}, expected 404`);
            }
            const references = {
                found: refs.size,
                checked,
                reusedKeyPages,
                notChecked: unchecked,
                maxChecks,
                broken: broken.length,
                list: [...refs.values()],
            };
            const evidence = { budgetMs, pages, notFound, references };
            if (failures.length > 0) {
                return { id: "MEP-11", name, status: "fail", reason: failures.join("; "), evidence };
            }
            const slowest = Math.max(...pages.map((p) => p.elapsedMs ?? 0));
            const retried = [
                ...pages.filter((p) => p.retried && p.retried.length > 0).map((p) => `${p.path} answered only after retrying ${p.retried!.join(", ")}`),
                ...pages.filter((p) => p.firstElapsedMs !== undefined).map((p) => `${p.path} took ${p.firstElapsedMs} ms at first, ${p.elapsedMs} ms measured again`),
            ];
            const refText = refs.size === 0
                ? "no same-site links or assets on them"
                : `${plural(refs.size, "same-site link or asset", "same-site links and assets")} answer${refs.size === 1 ? "s" : ""}${unchecked > 0 ? ` (${unchecked} not checked: over the bound of ${maxChecks} requests)` : ""}`;
            return {
                id: "MEP-11",
                name,
                status: "pass",
                reason:
                    `${plural(pages.length, "key page")} answer${pages.length === 1 ? "s" : ""} 200 HTML (slowest ${slowest} ms, budget ${budgetMs} ms) with doctype, charset, viewport and lang, no mixed content; ` +
                    `${refText}; unknown path answers 404${retried.length ? `; ${retried.join("; ")}` : ""}`,
                evidence,
            };
        },
        (err) => ({ id: "MEP-11", name, status: "fail", reason: `smoke test could not run: ${describeError(err)}`, evidence: {} }),
    );
}

/** MEP-11 as a resource: `pulumi up` stops if a key page is broken. */
export class SmokeTestCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<SmokeTestInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkSmokeTest, { label: "MEP-11 Smoke test", required: { baseUrl: "text", pages: "list" } }), "SmokeTest", name, args, opts);
    }
}
