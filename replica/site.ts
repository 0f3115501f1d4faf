// A website on a loopback address, HTTP and HTTPS, that behaves like a host of the site: the old
// host before the go-live, or Vercel after it (http→https and apex→www redirects, key pages,
// robots.txt, sitemap). Its behaviour is a plain mutable `spec`, so tests and the rehearsal's
// `--break` faults change it at run time.
import * as http from "http";
import * as https from "https";
import * as tls from "tls";
import { AddressInfo } from "net";
import type { KeyPair } from "./pki";

export interface PageSpec {
    title?: string;
    description?: string;
    /** Text of the main content. */
    text?: string;
    status?: number;
    /** Answer after this many ms (a slow page). */
    delayMs?: number;
    /** Adds `<meta name="robots" content="noindex">`. */
    noindex?: boolean;
    /** Whole HTML, replacing the rendered page. */
    html?: string;
    /** Markup added at the end of <head> / of <main> (faults: an http:// asset, a broken link). */
    head?: string;
    body?: string;
    /** Parts of the document left out (faults a browser tolerates but a visitor or a crawler pays for). */
    omit?: Array<"doctype" | "charset" | "viewport" | "lang">;
    /** Content-Type header (default text/html; charset=utf-8). */
    contentType?: string;
    /** Answers the next `times` requests with `status` before serving normally (a flaky server). */
    failFirst?: { status: number; times: number };
    /** Redirects there instead of serving. */
    redirect?: { status: number; location: string };
    /** Awaited before the page answers (a test holds pages to see which requests arrive together). */
    beforeAnswer?: () => Promise<void>;
}

/** A static file of the site (stylesheet, icon, image). */
export interface FileSpec {
    contentType: string;
    body: string;
}

export interface Reply {
    status: number;
    headers?: Record<string, string>;
    body?: string;
}

export interface SiteSpec {
    /** Who this host is, shown in every page and in the `x-served-by` header ("old-host", "vercel"). */
    label: string;
    brand: string;
    /** The apex domain, e.g. kaliabeautystudio.com. */
    domain: string;
    pages: Record<string, PageSpec>;
    /** http:// → https:// status; null serves plain HTTP content. */
    httpsRedirectStatus: number | null;
    /** https://apex → https://www status; null serves content on the apex too. */
    apexRedirectStatus: number | null;
    /** Status of unknown paths. */
    notFoundStatus: number;
    /** null answers 404. */
    robotsTxt: string | null;
    /** "auto" lists every page under https://www.<domain>; null answers 404. */
    sitemapXml: string | "auto" | null;
    /** Static files by path; every page links the stylesheet, the icon and the logo. */
    files: Record<string, FileSpec>;
    /** GA4 measurement id put in every page's gtag snippet. */
    measurementId?: string;
    /** Runs first; a Reply wins over everything else (contact form, injected faults). */
    handle?: (req: RequestInfo) => Promise<Reply | undefined> | Reply | undefined;
}

export interface RequestInfo {
    method: string;
    scheme: "http" | "https";
    host: string;
    path: string;
    query: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}

export interface SiteOptions {
    /** Loopback address to bind, e.g. 127.0.0.2. */
    host: string;
    httpPort?: number;
    httpsPort?: number;
    /** Certificates by SNI name; "*" is the default. Mutable at run time through `site.certs`. */
    certs: Record<string, KeyPair>;
    spec: SiteSpec;
}

const MAX_BODY = 1_000_000;

/** The key pages of a small beauty-studio site, in French like the real one. */
export function defaultPages(brand: string): Record<string, PageSpec> {
    return {
        "/": { title: `${brand} – Institut de beauté`, description: `${brand} : soins du visage, épilation, manucure et maquillage sur rendez-vous.`, text: "Bienvenue à l'institut. Prenez rendez-vous en ligne." },
        "/services": { title: `Nos soins – ${brand}`, description: "Soins du visage, du corps, épilation, beauté des mains et des pieds.", text: "Découvrez nos soins." },
        "/tarifs": { title: `Tarifs – ${brand}`, description: "Les tarifs de nos prestations, forfaits et cartes cadeaux.", text: "Soin du visage : 65 €." },
        "/a-propos": { title: `À propos – ${brand}`, description: "L'équipe, l'institut et notre façon de travailler.", text: "Une équipe passionnée." },
        "/contact": { title: `Contact – ${brand}`, description: "Adresse, horaires, téléphone et formulaire de contact.", text: "Écrivez-nous." },
        "/mentions-legales": { title: `Mentions légales – ${brand}`, description: "Mentions légales et politique de confidentialité du site.", text: "Éditeur du site." },
    };
}

/** A spec that behaves like the Vercel deployment of the site. */
export function vercelLikeSpec(domain: string, brand: string, label = "vercel"): SiteSpec {
    return {
        label,
        brand,
        domain,
        pages: defaultPages(brand),
        httpsRedirectStatus: 308,
        apexRedirectStatus: 308,
        notFoundStatus: 404,
        robotsTxt: `User-agent: *\nAllow: /\n\nSitemap: https://www.${domain}/sitemap.xml\n`,
        sitemapXml: "auto",
        files: defaultFiles(brand),
    };
}

/** What a small site serves besides its pages: a stylesheet, an icon and a logo. */
export function defaultFiles(brand: string): Record<string, FileSpec> {
    return {
        "/styles.css": { contentType: "text/css; charset=utf-8", body: "body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}nav a{margin-right:.5rem}\n" },
        "/favicon.ico": { contentType: "image/svg+xml", body: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#c58"/></svg>` },
        "/logo.svg": { contentType: "image/svg+xml", body: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" width="120" height="40"><title>${escapeHtml(brand)}</title><text x="4" y="26" font-size="16">${escapeHtml(brand)}</text></svg>` },
    };
}

function escapeHtml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function renderPage(spec: SiteSpec, path: string, page: PageSpec): string {
    if (page.html !== undefined) return page.html;
    const canonical = `https://www.${spec.domain}${path === "/" ? "/" : path}`;
    const gtag = spec.measurementId
        ? `<script async src="https://www.googletagmanager.com/gtag/js?id=${spec.measurementId}"></script>\n<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());gtag('config','${spec.measurementId}');</script>`
        : "";
    const nav = Object.keys(spec.pages).map((p) => `<a href="${p}">${escapeHtml(spec.pages[p].title ?? p)}</a>`).join(" | ");
    const omit = page.omit ?? [];
    return `${omit.includes("doctype") ? "" : "<!doctype html>\n"}<html${omit.includes("lang") ? "" : ' lang="fr"'}>
<head>
${omit.includes("charset") ? "" : '<meta charset="utf-8">'}
${omit.includes("viewport") ? "" : '<meta name="viewport" content="width=device-width, initial-scale=1">'}
${page.title !== undefined ? `<title>${escapeHtml(page.title)}</title>` : ""}
${page.description !== undefined ? `<meta name="description" content="${escapeHtml(page.description)}">` : ""}
${page.noindex ? '<meta name="robots" content="noindex">' : ""}
<link rel="canonical" href="${canonical}">
<link rel="stylesheet" href="/styles.css">
<link rel="icon" href="/favicon.ico">
${gtag}
${page.head ?? ""}
</head>
<body>
<header><img src="/logo.svg" alt="${escapeHtml(spec.brand)}" width="120" height="40"></header>
<nav>${nav}</nav>
<main><h1>${escapeHtml(page.title ?? spec.brand)}</h1><p>${escapeHtml(page.text ?? "")}</p>${page.body ?? ""}</main>
<footer>${escapeHtml(spec.brand)} · servi par ${escapeHtml(spec.label)}</footer>
</body>
</html>
`;
}

export function renderSitemap(spec: SiteSpec): string {
    const urls = Object.keys(spec.pages)
        .map((p) => `  <url><loc>https://www.${spec.domain}${p}</loc></url>`)
        .join("\n");
    return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>\n`;
}

/** What the site answers, as a pure function of its spec and the request. */
export async function respond(spec: SiteSpec, req: RequestInfo): Promise<Reply> {
    const custom = spec.handle ? await spec.handle(req) : undefined;
    if (custom) return custom;
    const host = req.host.toLowerCase();
    const www = `www.${spec.domain}`;
    if (req.scheme === "http" && spec.httpsRedirectStatus !== null) {
        return { status: spec.httpsRedirectStatus, headers: { location: `https://${host}${req.path}${req.query}` } };
    }
    if (host === spec.domain && spec.apexRedirectStatus !== null) {
        return { status: spec.apexRedirectStatus, headers: { location: `https://${www}${req.path}${req.query}` } };
    }
    if (req.path === "/robots.txt") {
        return spec.robotsTxt === null
            ? { status: 404, body: "Not found" }
            : { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: spec.robotsTxt };
    }
    if (req.path === "/sitemap.xml") {
        if (spec.sitemapXml === null) return { status: 404, body: "Not found" };
        const body = spec.sitemapXml === "auto" ? renderSitemap(spec) : spec.sitemapXml;
        return { status: 200, headers: { "content-type": "application/xml; charset=utf-8" }, body };
    }
    const file = spec.files?.[req.path];
    if (file) return { status: 200, headers: { "content-type": file.contentType }, body: file.body };
    const page = spec.pages[req.path];
    if (page?.failFirst && page.failFirst.times > 0) {
        page.failFirst.times--;
        return { status: page.failFirst.status, headers: { "content-type": "text/plain" }, body: "temporarily unavailable" };
    }
    if (page?.redirect) return { status: page.redirect.status, headers: { location: page.redirect.location } };
    if (!page) {
        return { status: spec.notFoundStatus, headers: { "content-type": "text/html; charset=utf-8" }, body: "<!doctype html><title>Page introuvable</title><h1>404</h1>" };
    }
    if (page.delayMs) await new Promise((r) => setTimeout(r, Math.min(page.delayMs!, 60_000)));
    if (page.beforeAnswer) await page.beforeAnswer();
    return { status: page.status ?? 200, headers: { "content-type": page.contentType ?? "text/html; charset=utf-8" }, body: renderPage(spec, req.path, page) };
}

/** A running replica host: an HTTP and an HTTPS server on one loopback address. */
export class ReplicaSite {
    /** Requests served, for the figures. */
    public served = 0;
    private readonly sockets = new Set<import("net").Socket>();

    private constructor(
        public readonly host: string,
        public readonly httpServer: http.Server,
        public readonly httpsServer: https.Server,
        public spec: SiteSpec,
        public certs: Record<string, KeyPair>,
    ) {}

    static async start(opts: SiteOptions): Promise<ReplicaSite> {
        const contexts = new Map<string, tls.SecureContext>();
        const contextFor = (name: string, pair: KeyPair) => {
            const key = `${name}\n${pair.certPem}`;
            let ctx = contexts.get(key);
            if (!ctx) {
                ctx = tls.createSecureContext({ cert: pair.certPem, key: pair.keyPem });
                contexts.set(key, ctx);
            }
            return ctx;
        };
        const fallback = opts.certs["*"] ?? Object.values(opts.certs)[0];
        if (!fallback) throw new Error("ReplicaSite needs at least one certificate");
        // eslint-disable-next-line prefer-const
        let site: ReplicaSite;
        const handler = (scheme: "http" | "https") => (req: http.IncomingMessage, res: http.ServerResponse) => {
            const chunks: Buffer[] = [];
            let size = 0;
            req.on("data", (c: Buffer) => {
                size += c.length;
                if (size <= MAX_BODY) chunks.push(c);
            });
            req.on("end", () => {
                const url = new URL(req.url ?? "/", "http://x");
                const info: RequestInfo = {
                    method: req.method ?? "GET",
                    scheme,
                    host: (req.headers.host ?? "").replace(/:\d+$/, ""),
                    path: url.pathname,
                    query: url.search,
                    headers: req.headers,
                    body: Buffer.concat(chunks).toString("utf8"),
                };
                site.served++;
                respond(site.spec, info).then(
                    (reply) => {
                        res.writeHead(reply.status, { "x-served-by": site.spec.label, ...(reply.headers ?? {}) });
                        res.end(req.method === "HEAD" ? undefined : reply.body ?? "");
                    },
                    (err) => {
                        res.writeHead(500, { "x-served-by": site.spec.label });
                        res.end(`replica error: ${(err as Error).message}`);
                    },
                );
            });
        };
        const httpServer = http.createServer(handler("http"));
        const httpsServer = https.createServer(
            {
                cert: fallback.certPem,
                key: fallback.keyPem,
                SNICallback: (name, cb) => {
                    const pair = site.certs[name.toLowerCase()] ?? site.certs["*"] ?? Object.values(site.certs)[0];
                    cb(null, contextFor(name, pair));
                },
            },
            handler("https"),
        );
        site = new ReplicaSite(opts.host, httpServer, httpsServer, opts.spec, { ...opts.certs });
        for (const server of [httpServer, httpsServer]) {
            server.on("connection", (s) => {
                site.sockets.add(s);
                s.on("close", () => site.sockets.delete(s));
            });
        }
        await listen(httpServer, opts.host, opts.httpPort ?? 0);
        await listen(httpsServer, opts.host, opts.httpsPort ?? 0);
        return site;
    }

    get httpPort(): number {
        return (this.httpServer.address() as AddressInfo).port;
    }

    get httpsPort(): number {
        return (this.httpsServer.address() as AddressInfo).port;
    }

    async close(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        await Promise.all([
            new Promise<void>((r) => this.httpServer.close(() => r())),
            new Promise<void>((r) => this.httpsServer.close(() => r())),
        ]);
    }
}

export function listen(server: http.Server | https.Server, host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
            server.off("error", reject);
            resolve();
        });
    });
}

/** Finds a port free on every given loopback address (old and new host share the port numbers). */
export async function freePortOn(hosts: string[], tries = 20): Promise<number> {
    for (let i = 0; i < tries; i++) {
        const probe = http.createServer();
        await listen(probe, hosts[0], 0);
        const port = (probe.address() as AddressInfo).port;
        await new Promise<void>((r) => probe.close(() => r()));
        const others = hosts.slice(1).map((h) => {
            const s = http.createServer();
            return listen(s, h, port).then(
                () => new Promise<boolean>((r) => s.close(() => r(true))),
                () => false,
            );
        });
        if ((await Promise.all(others)).every(Boolean)) return port;
    }
    throw new Error(`no port free on all of ${hosts.join(", ")} after ${tries} tries`);
}
