// Faults of a site going live, served by the replica: what a visitor, a crawler, a link checker or
// Lighthouse would meet on the key pages. Each one is a change to a Vercel-like SiteSpec; the
// tests prove that `golive verify` catches each, and `npm run bench:lighthouse` runs the same
// faults through Lighthouse's SEO and best-practices categories for comparison.
import type { PlanId } from "../checks/types";
import type { SiteSpec } from "./site";

export interface SiteFault {
    name: string;
    /** What is wrong, in one line. */
    summary: string;
    /** The key page where it shows (where a one-page tool such as Lighthouse must look). */
    page: string;
    /** The plan line whose check must catch it, and the words its reason must hold. */
    caughtBy: PlanId;
    reason: RegExp;
    apply(spec: SiteSpec): void;
}

const allPages = (spec: SiteSpec, change: (page: SiteSpec["pages"][string]) => void) => Object.values(spec.pages).forEach(change);

export const SITE_FAULTS: SiteFault[] = [
    // MEP-11: what the visitor of a key page meets.
    {
        name: "broken-link",
        summary: "/services links to /tarif (a typo of /tarifs), which answers 404",
        page: "/services",
        caughtBy: "MEP-11",
        reason: /broken link \/tarif on \/services: answers 404/,
        apply: (spec) => {
            spec.pages["/services"].body = '<p><a href="/tarif">Voir nos tarifs</a></p>';
        },
    },
    {
        name: "broken-asset",
        summary: "the home page shows /images/vitrine.jpg, which was not deployed (404)",
        page: "/",
        caughtBy: "MEP-11",
        reason: /broken asset \/images\/vitrine\.jpg on \/: answers 404/,
        apply: (spec) => {
            spec.pages["/"].body = '<img src="/images/vitrine.jpg" alt="La vitrine de l\'institut" width="600" height="400">';
        },
    },
    {
        name: "mixed-content",
        summary: "the home page loads a stylesheet over http:// (a hard-coded URL from the old site)",
        page: "/",
        caughtBy: "MEP-11",
        reason: /\/ mixed content: loads http:\/\/www\.[^ ]+\/theme\.css over http:\/\//,
        apply: (spec) => {
            spec.files["/theme.css"] = { contentType: "text/css; charset=utf-8", body: "h1{color:#a35}\n" };
            spec.pages["/"].head = `<link rel="stylesheet" href="http://www.${spec.domain}/theme.css">`;
        },
    },
    {
        name: "no-viewport",
        summary: 'the template lost its <meta name="viewport">: phones show a shrunken desktop page',
        page: "/",
        caughtBy: "MEP-11",
        reason: /\/ no <meta name="viewport">/,
        apply: (spec) => allPages(spec, (p) => (p.omit = [...(p.omit ?? []), "viewport"])),
    },
    {
        name: "no-doctype",
        summary: "the template lost its <!doctype html>: browsers render in quirks mode",
        page: "/",
        caughtBy: "MEP-11",
        reason: /\/ no <!doctype html>/,
        apply: (spec) => allPages(spec, (p) => (p.omit = [...(p.omit ?? []), "doctype"])),
    },
    {
        name: "no-charset",
        summary: "no charset anywhere (no <meta charset>, none in Content-Type): accents may show as Ã©",
        page: "/",
        caughtBy: "MEP-11",
        reason: /\/ no charset/,
        apply: (spec) =>
            allPages(spec, (p) => {
                p.omit = [...(p.omit ?? []), "charset"];
                p.contentType = "text/html";
            }),
    },
    {
        name: "no-lang",
        summary: "the template lost <html lang>: screen readers and translation guess the language",
        page: "/",
        caughtBy: "MEP-11",
        reason: /\/ no <html lang>/,
        apply: (spec) => allPages(spec, (p) => (p.omit = [...(p.omit ?? []), "lang"])),
    },
    {
        name: "offsite-redirect",
        summary: "/contact redirects (302) to a form on another host, forms.example.net",
        page: "/contact",
        caughtBy: "MEP-11",
        reason: /\/contact redirects off the site to https:\/\/forms\.example\.net\/kalia \(answered 302\)/,
        apply: (spec) => {
            spec.pages["/contact"].redirect = { status: 302, location: "https://forms.example.net/kalia" };
        },
    },
    {
        name: "server-error",
        summary: "/tarifs answers 503 on every request (a function that crashes)",
        page: "/tarifs",
        caughtBy: "MEP-11",
        reason: /\/tarifs answered 503 on all \d attempts/,
        apply: (spec) => {
            spec.pages["/tarifs"].status = 503;
        },
    },
    {
        name: "soft-404",
        summary: "unknown paths answer 200 with the home page (a catch-all rewrite)",
        page: "/",
        caughtBy: "MEP-11",
        reason: /an unknown path answered 200, expected 404/,
        apply: (spec) => {
            spec.notFoundStatus = 200;
        },
    },
    // MEP-10 and MEP-14 (with P-02): what a crawler meets.
    {
        name: "redirect-302",
        summary: "http→https and apex→www answer 302 (temporary) instead of 308",
        page: "/",
        caughtBy: "MEP-10",
        reason: /answered 302 \(temporary\)/,
        apply: (spec) => {
            spec.httpsRedirectStatus = 302;
            spec.apexRedirectStatus = 302;
        },
    },
    {
        name: "robots-disallow",
        summary: "robots.txt says Disallow: / (a staging leftover)",
        page: "/",
        caughtBy: "MEP-14",
        reason: /robots\.txt/,
        apply: (spec) => {
            spec.robotsTxt = "User-agent: *\nDisallow: /\n";
        },
    },
    {
        name: "noindex",
        summary: '/a-propos carries <meta name="robots" content="noindex">',
        page: "/a-propos",
        caughtBy: "MEP-14",
        reason: /\/a-propos.*noindex/,
        apply: (spec) => {
            spec.pages["/a-propos"].noindex = true;
        },
    },
    {
        name: "no-title",
        summary: "/tarifs has no <title>",
        page: "/tarifs",
        caughtBy: "MEP-14",
        reason: /\/tarifs.*no <title>/,
        apply: (spec) => {
            delete spec.pages["/tarifs"].title;
        },
    },
    {
        name: "no-description",
        summary: '/services has no <meta name="description">',
        page: "/services",
        caughtBy: "MEP-14",
        reason: /\/services.*no meta description/,
        apply: (spec) => {
            delete spec.pages["/services"].description;
        },
    },
    {
        name: "placeholder-text",
        summary: "/a-propos still says Lorem ipsum (P-02: content not final)",
        page: "/a-propos",
        caughtBy: "MEP-14",
        reason: /\/a-propos.*[Ll]orem ipsum/,
        apply: (spec) => {
            spec.pages["/a-propos"].text = "Lorem ipsum dolor sit amet.";
        },
    },
];

export function siteFaultNamed(name: string): SiteFault {
    const fault = SITE_FAULTS.find((f) => f.name === name);
    if (!fault) throw new Error(`unknown site fault '${name}'; known: ${SITE_FAULTS.map((f) => f.name).join(", ")}`);
    return fault;
}
