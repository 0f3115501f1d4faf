// Settings of the checks that talk to outside services (MEP-12, MEP-13, MEP-15, MEP-16) and the
// inputs they give each check. Pure (no Pulumi): `golive verify`, the suite and the Pulumi
// component build exactly the same inputs from the same settings. Secret fields hold clear text
// here: callers turn whole inputs into secrets (the component) or never print them (the CLI).
import type { ContactFormInput } from "./contactForm";
import type { PerformanceInput, Strategy } from "./performance";
import type { SearchConsoleInput } from "./searchConsole";
import type { AnalyticsInput } from "./analytics";
import { siteUrl } from "./siteUrl";

export interface ServicesSettings {
    /** MEP-12, golive:contactForm. */
    contactForm?: {
        /** Page of the form, e.g. /contact. */
        path: string;
        /** Where it posts (default: the page). */
        action?: string;
        method: "POST" | "GET";
        fields: { name?: string; email?: string; message?: string; subject?: string };
        hidden: Record<string, string>;
        sender?: { name?: string; email?: string; subject?: string };
        expectStatus?: number[];
        expectText?: string;
        deliveryTimeoutSeconds: number;
        pollSeconds: number;
    };
    /** MEP-12, golive:imap (password secret). */
    imap?: { host: string; port?: number; secure: boolean; user: string; mailbox?: string; password?: string };
    /** MEP-13, golive:pagespeed (apiKey secret). */
    pagespeed?: {
        apiKey?: string;
        baseUrl?: string;
        strategies: Strategy[];
        threshold: number;
        mode: "api" | "local" | "auto";
        localRuns: number;
        /** The check's one deadline, PSI and local fallback included. */
        timeoutSeconds: number;
    };
    /** MEP-15, golive:searchConsole (serviceAccountKey secret). */
    searchConsole?: { siteUrl?: string; sitemapUrl?: string; serviceAccountKey?: string; baseUrl?: string; tokenUrl?: string; timeoutSeconds: number };
    /** MEP-16, golive:analytics (serviceAccountKey secret). */
    analytics?: {
        measurementId?: string;
        tagManagerId?: string;
        propertyId?: string;
        serviceAccountKey?: string;
        baseUrl?: string;
        tokenUrl?: string;
        realtimeWaitSeconds: number;
        visit: "browser" | "none";
        /** The check's one deadline, realtime wait included. */
        timeoutSeconds: number;
    };
}

/** Defaults of the checks' deadlines (seconds), stated in Pulumi.yaml and the README. */
export const SERVICE_TIMEOUTS_S = { pagespeed: 600, searchConsole: 120, analytics: 300 };

/** What the builders need to know about the site. */
export interface SiteFacts {
    /** The apex; the site serves on www.<domain>. */
    domain: string;
    /** Key pages (paths). */
    pages: { path: string }[];
    /** The deployment's own URL (MEP-13 measures it with PageSpeed Insights when the names are pinned). */
    deploymentUrl?: string;
}

const origin = (s: SiteFacts) => `https://www.${s.domain}`;
const keyUrls = (s: SiteFacts) => (s.pages.length > 0 ? s.pages : [{ path: "/" }]).map((p) => siteUrl(origin(s), p.path));

/** MEP-12. Without golive:contactForm the form page defaults to /contact with the usual field names. */
export function contactFormInputOf(site: SiteFacts, cfg: ServicesSettings): ContactFormInput {
    const f = cfg.contactForm;
    return {
        pageUrl: siteUrl(origin(site), f?.path ?? "/contact"),
        ...(f?.action ? { action: f.action } : {}),
        method: f?.method ?? "POST",
        ...(f ? { fields: f.fields, hidden: f.hidden } : {}),
        ...(f?.sender ? { sender: f.sender } : {}),
        ...(f?.expectStatus ? { expectStatus: f.expectStatus } : {}),
        ...(f?.expectText ? { expectText: f.expectText } : {}),
        ...(cfg.imap ? { imap: { ...cfg.imap } } : {}),
        deliveryTimeoutMs: (f?.deliveryTimeoutSeconds ?? 180) * 1000,
        pollMs: (f?.pollSeconds ?? 5) * 1000,
    };
}

/** MEP-13 on every key page. */
export function performanceInputOf(site: SiteFacts, cfg: ServicesSettings): PerformanceInput {
    const p = cfg.pagespeed;
    return {
        urls: keyUrls(site),
        strategies: p?.strategies ?? ["mobile"],
        threshold: p?.threshold ?? 0.9,
        mode: p?.mode ?? "auto",
        localRuns: p?.localRuns ?? 3,
        timeoutMs: (p?.timeoutSeconds ?? SERVICE_TIMEOUTS_S.pagespeed) * 1000,
        ...(p?.apiKey ? { apiKey: p.apiKey } : {}),
        ...(p?.baseUrl ? { apiBaseUrl: p.baseUrl } : {}),
        ...(site.deploymentUrl ? { deploymentUrl: site.deploymentUrl } : {}),
    };
}

/** MEP-15. The property defaults to the URL prefix https://www.<domain>/. */
export function searchConsoleInputOf(site: SiteFacts, cfg: ServicesSettings): SearchConsoleInput {
    const s = cfg.searchConsole;
    return {
        siteUrl: s?.siteUrl ?? `${origin(site)}/`,
        sitemapUrl: s?.sitemapUrl ?? `${origin(site)}/sitemap.xml`,
        ...(s?.serviceAccountKey ? { serviceAccountKey: s.serviceAccountKey } : {}),
        ...(s?.baseUrl ? { apiBaseUrl: s.baseUrl } : {}),
        ...(s?.tokenUrl ? { tokenUrl: s.tokenUrl } : {}),
        timeoutMs: (s?.timeoutSeconds ?? SERVICE_TIMEOUTS_S.searchConsole) * 1000,
    };
}

/** MEP-16 on every key page. */
export function analyticsInputOf(site: SiteFacts, cfg: ServicesSettings): AnalyticsInput {
    const a = cfg.analytics;
    return {
        urls: keyUrls(site),
        ...(a?.measurementId ? { measurementId: a.measurementId } : {}),
        ...(a?.tagManagerId ? { tagManagerId: a.tagManagerId } : {}),
        ...(a?.propertyId ? { propertyId: a.propertyId } : {}),
        ...(a?.serviceAccountKey ? { serviceAccountKey: a.serviceAccountKey } : {}),
        ...(a?.baseUrl ? { apiBaseUrl: a.baseUrl } : {}),
        ...(a?.tokenUrl ? { tokenUrl: a.tokenUrl } : {}),
        realtimeWaitMs: (a?.realtimeWaitSeconds ?? 120) * 1000,
        visit: a?.visit ?? "browser",
        timeoutMs: (a?.timeoutSeconds ?? SERVICE_TIMEOUTS_S.analytics) * 1000,
    };
}
