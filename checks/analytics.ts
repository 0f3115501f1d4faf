// MEP-16: visit tracking works. Every key page carries the configured GA4 measurement ID (gtag.js
// snippet, or the Tag Manager container that holds it); with a service account, the GA4 Data API
// realtime report then shows at least one active user after the check visited the site.
import { spawn } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { endSpawnedBrowser, findChromium, HEADLESS_FLAGS, newBrowserRun, routingFlags } from "./chromium";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { fetchAccessToken, parseServiceAccountKey, serviceNet } from "./googleAuth";
import { Deadline, deadlineIn, describeError, httpRequest, httpRequestWithRetry, jsonBody, pinOf, sleep, subDeadline, timed, timeFor, withinDeadline, withRetry } from "./net";
import { redact } from "../shared/redact";
import type { CheckResult, NetOptions } from "./types";
import { plural } from "./words";

export const ANALYTICS_DATA_BASE_URL = "https://analyticsdata.googleapis.com";
export const ANALYTICS_SCOPE = "https://www.googleapis.com/auth/analytics.readonly";
/** The whole check: key pages, browser visit, token and realtime reports (golive:analytics.timeoutSeconds). */
export const DEFAULT_ANALYTICS_TIMEOUT_MS = 300_000;

export interface AnalyticsInput {
    /** Key pages, absolute URLs. */
    urls: string[];
    /** GA4 measurement ID, e.g. G-ABC123XYZ (golive:analytics.measurementId). */
    measurementId?: string;
    /** Tag Manager container (GTM-XXXX) that loads GA4, when the site uses Tag Manager. */
    tagManagerId?: string;
    /** GA4 property id (digits) for the realtime report. */
    propertyId?: string;
    /** Secret (golive:analytics.serviceAccountKey): key file JSON of a service account with Viewer access. */
    serviceAccountKey?: string;
    /** Default https://analyticsdata.googleapis.com. */
    apiBaseUrl?: string;
    /** Default: the key's token_uri, else Google's. */
    tokenUrl?: string;
    /** How long to wait for the visit to show in the realtime report (default 120 000 ms). */
    realtimeWaitMs?: number;
    /** Between two realtime reports (default 15 000 ms). */
    realtimePollMs?: number;
    /** "browser" (default): open the home page in headless Chromium so gtag.js runs; "none": rely on other visitors. */
    visit?: "browser" | "none";
    chromePath?: string;
    /** The check's one deadline, realtime wait included (default 300 000 ms). */
    timeoutMs?: number;
    /**
     * Before the switch: the tags only (pages fetched through the pinned new host); a visit in the
     * realtime report needs visitors reaching the site, so it is read after the switch.
     */
    tagsOnly?: boolean;
}

export interface PageTag {
    url: string;
    status?: number;
    found?: "gtag" | "tag-manager";
    error?: string;
}

const NAME = "Analytics";

function escapeRegExp(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Which tag of the configured IDs the HTML carries, if any. */
export function findTag(html: string, measurementId: string, tagManagerId?: string): PageTag["found"] {
    const loadsGoogleTag = /googletagmanager\.com\/(gtag\/js|gtm\.js)/i.test(html) || /\bgtag\s*\(/.test(html);
    const has = (id: string) => new RegExp(`(^|[^A-Za-z0-9-])${escapeRegExp(id)}([^A-Za-z0-9-]|$)`).test(html);
    if (loadsGoogleTag && has(measurementId)) return "gtag";
    if (tagManagerId && /googletagmanager\.com\/(gtm\.js|ns\.html)/i.test(html) && has(tagManagerId)) return "tag-manager";
    return undefined;
}

async function pageTag(url: string, input: AnalyticsInput, net: NetOptions, deadline: Deadline): Promise<PageTag> {
    try {
        let current = url;
        // A few hops at most: key pages should answer directly, but a trailing-slash redirect is fine.
        for (let hop = 0; hop < 3; hop++) {
            const res = await httpRequestWithRetry(current, net, { deadline });
            if (res.location && res.status >= 300 && res.status < 400) {
                current = res.location;
                continue;
            }
            if (res.status !== 200) return { url, status: res.status, error: `answered ${res.status}` };
            return { url, status: res.status, found: findTag(res.body, input.measurementId!, input.tagManagerId) };
        }
        return { url, error: "too many redirects" };
    } catch (err) {
        if ((err as { deadlineExceeded?: boolean }).deadlineExceeded) throw err; // the check's verdict, not a page's
        return { url, error: describeError(err) };
    }
}

/**
 * Opens the page in headless Chromium so the tag runs, as a visitor's browser would. Settles once
 * Chromium and its processes are gone and its profile folder is removed, whatever happened.
 */
async function browserVisit(url: string, chromePath: string, net: NetOptions, timeoutMs: number): Promise<string> {
    const flags = await routingFlags([url], net);
    const run = newBrowserRun("golive-visit-");
    const args = [...HEADLESS_FLAGS, ...flags, `--user-data-dir=${run.profile}`, "--virtual-time-budget=10000", "--dump-dom", url];
    return new Promise<string>((resolve) => {
        let settled = false;
        let timer: NodeJS.Timeout | undefined;
        const child = spawn(chromePath, args, { stdio: ["ignore", "ignore", "ignore"], detached: true, env: { ...process.env, TMPDIR: run.tmp } });
        const done = (what: string) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            void endSpawnedBrowser(child, run).then((leak) => resolve(`${what}${leak}`));
        };
        timer = setTimeout(() => done(`browser visit stopped after ${timeoutMs} ms`), timeoutMs);
        child.once("error", (err) => done(`browser visit failed: ${describeError(err)}`));
        child.once("close", (code, signal) => done(signal ? `browser visit stopped after ${timeoutMs} ms` : `visited ${url} in headless Chromium (exit ${code})`));
    });
}

interface Realtime {
    status: "pass" | "fail" | "skip";
    reason: string;
    activeUsers?: number;
    reports?: number;
    visit?: string;
}

async function realtimeCheck(input: AnalyticsInput, net: NetOptions, deadline: Deadline): Promise<Realtime> {
    if (!input.propertyId) return { status: "skip", reason: "golive:analytics.propertyId is not set, realtime report not checked" };
    if (!input.serviceAccountKey) return { status: "skip", reason: "golive:analytics.serviceAccountKey is not set, realtime report not checked" };
    const key = parseServiceAccountKey(input.serviceAccountKey, "golive:analytics.serviceAccountKey");
    const snet = serviceNet(net);
    let visit = "no visit by the check (visit: none)";
    if (input.visit !== "none" && net.tlsUnverifiedBecause && pinOf(net, new URL(input.urls[0]).hostname) !== undefined) {
        // A browser never accepts a certificate it cannot verify: it would only see an error page.
        visit = `no browser visit of the pinned ${new URL(input.urls[0]).hostname}: TLS not verified: ${net.tlsUnverifiedBecause}; waiting for other visitors`;
    } else if (input.visit !== "none") {
        const chromePath = findChromium(input.chromePath);
        visit = chromePath ? await browserVisit(input.urls[0], chromePath, net, timeFor(deadline, "browser visit", 30_000)) : "no Chromium to visit the site (apt-get install chromium): waiting for other visitors";
    }
    const token = await fetchAccessToken(key, ANALYTICS_SCOPE, snet, input.tokenUrl, deadline);
    const base = (input.apiBaseUrl ?? ANALYTICS_DATA_BASE_URL).replace(/\/+$/, "");
    const endpoint = `${base}/v1beta/properties/${encodeURIComponent(input.propertyId)}:runRealtimeReport`;
    const waitMs = input.realtimeWaitMs ?? 120_000;
    const pollMs = input.realtimePollMs ?? 15_000;
    // The realtime wait bounds the reports (with room for one at least), inside the check's deadline.
    const oneReportMs = snet.timeoutMs ?? 10_000;
    const window = subDeadline(deadline, Math.max(waitMs, oneReportMs), `golive:analytics.realtimeWaitSeconds${waitMs < oneReportMs ? ", or one report's timeout" : ""}`);
    const waitEnd = Math.min(Date.now() + waitMs, window.at);
    let reports = 0;
    for (;;) {
        reports++;
        const res = await withRetry(
            () =>
                httpRequest(endpoint, snet, {
                    method: "POST",
                    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
                    body: JSON.stringify({ metrics: [{ name: "activeUsers" }] }),
                    deadline: window,
                    call: `GA4 realtime report ${reports}`,
                }),
            { attempts: 3, baseMs: 1_000, maxMs: 4_000, deadlineMs: window.at - Date.now(), retryOn: (r) => r.status === 429 || r.status >= 500 },
        );
        if (res.status === 403) {
            return { status: "fail", reason: `GA4 refused the realtime report (403): give ${key.client_email} Viewer access to property ${input.propertyId}`, reports, visit };
        }
        if (res.status !== 200) return { status: "fail", reason: `GA4 realtime report answered ${res.status}`, reports, visit };
        const body = jsonBody<{ rows?: { metricValues?: { value?: string }[] }[] }>(res, "GA4 realtime report");
        const activeUsers = (body.rows ?? []).reduce((n, r) => n + Number(r.metricValues?.[0]?.value ?? 0), 0);
        if (activeUsers >= 1) return { status: "pass", reason: `${plural(activeUsers, "active user")} in the GA4 realtime report`, activeUsers, reports, visit };
        if (Date.now() + pollMs > waitEnd) {
            return { status: "fail", reason: `no active user in the GA4 realtime report of property ${input.propertyId} within ${Math.round(waitMs / 1000)} s`, activeUsers, reports, visit };
        }
        await sleep(pollMs);
    }
}

export async function checkAnalytics(input: AnalyticsInput, net: NetOptions): Promise<CheckResult> {
    return timed<CheckResult>(
        async () => {
            if (!input.measurementId) {
                return { id: "MEP-16", name: NAME, status: "skip", reason: "golive:analytics.measurementId is not set (GA4 measurement ID, G-XXXXXXXXXX)", evidence: {} };
            }
            if (input.urls.length === 0) return { id: "MEP-16", name: NAME, status: "fail", reason: "no key pages to look at", evidence: {} };
            const deadline = deadlineIn(input.timeoutMs ?? DEFAULT_ANALYTICS_TIMEOUT_MS, "golive:analytics.timeoutSeconds");
            return withinDeadline(deadline, () => tagsThenRealtime(input, net, deadline));
        },
        (err) => ({ id: "MEP-16", name: NAME, status: "fail", reason: `analytics check could not run: ${redact(describeError(err))}`, evidence: {} }),
    );
}

async function tagsThenRealtime(input: AnalyticsInput, net: NetOptions, deadline: Deadline): Promise<Omit<CheckResult, "durationMs">> {
    const pages = await Promise.all(input.urls.map((u) => pageTag(u, input, net, deadline)));
    const missing = pages.filter((p) => !p.found);
    const ids = input.tagManagerId ? `${input.measurementId} (or ${input.tagManagerId})` : input.measurementId;
    if (missing.length > 0) {
        const why = missing.map((p) => `${p.url}${p.error ? ` (${p.error})` : ""}`).join(", ");
        return { id: "MEP-16", name: NAME, status: "fail", reason: `tag ${ids} missing on ${missing.length}/${pages.length} key pages: ${why}`, evidence: { measurementId: input.measurementId, pages } };
    }
    if (input.tagsOnly) {
        return { id: "MEP-16", name: NAME, status: "pass", reason: `${pages.length} key pages carry ${ids} (the realtime report is read after the switch)`, evidence: { measurementId: input.measurementId, pages } };
    }
    const realtime = await realtimeCheck(input, net, deadline).catch((err): Realtime => ({ status: "fail", reason: `the realtime report could not be read: ${redact(describeError(err))}` }));
    const evidence = { measurementId: input.measurementId, pages, realtime };
    const tagged = `${pages.length} key pages carry ${ids}`;
    if (realtime.status === "fail") return { id: "MEP-16", name: NAME, status: "fail", reason: `${tagged}, but ${realtime.reason}`, evidence };
    // MEP-16 asks that visits show up in real time: tags alone do not prove it, so without
    // the realtime report the line is a skip (that says the tags were found), not a pass.
    if (realtime.status === "skip") return { id: "MEP-16", name: NAME, status: "skip", reason: `${tagged}, but tracking not verified: ${realtime.reason}`, evidence };
    return { id: "MEP-16", name: NAME, status: "pass", reason: `${tagged}; ${realtime.reason}`, evidence };
}

/** MEP-16 as a resource; the input (service-account key) is secret as a whole. */
export class AnalyticsCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<AnalyticsInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkAnalytics, {
                label: "MEP-16 Analytics",
                required: { urls: "list" },
                defaults: { realtimeWaitMs: 120_000, visit: "browser", timeoutMs: DEFAULT_ANALYTICS_TIMEOUT_MS },
            }), "Analytics", name, args, opts, ["input"]);
    }
}
