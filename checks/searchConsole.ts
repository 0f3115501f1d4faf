// MEP-15: the sitemap is submitted to Google Search Console for indexing. A service account that
// owns the property (URL-prefix `https://www.example.com/` or `sc-domain:example.com`) calls
// `PUT webmasters/v3/sites/{siteUrl}/sitemaps/{feedpath}`, then reads the sitemap back as evidence.
import * as pulumi from "@pulumi/pulumi";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { fetchAccessToken, parseServiceAccountKey, serviceNet } from "./googleAuth";
import { deadlineIn, describeError, httpRequest, jsonBody, timed, withinDeadline, withRetry } from "./net";
import { redact } from "../shared/redact";
import type { CheckResult, NetOptions } from "./types";

export const SEARCH_CONSOLE_BASE_URL = "https://www.googleapis.com";
export const WEBMASTERS_SCOPE = "https://www.googleapis.com/auth/webmasters";
/** The whole check: token, submission and read-back (golive:searchConsole.timeoutSeconds). */
export const DEFAULT_SEARCH_CONSOLE_TIMEOUT_MS = 120_000;

export interface SearchConsoleInput {
    /** The property: `https://www.example.com/` (URL prefix, trailing slash) or `sc-domain:example.com`. */
    siteUrl: string;
    /** Absolute URL of the sitemap, e.g. https://www.example.com/sitemap.xml. */
    sitemapUrl: string;
    /** Secret (golive:searchConsole.serviceAccountKey): the key file JSON. */
    serviceAccountKey?: string;
    /** Default https://www.googleapis.com. */
    apiBaseUrl?: string;
    /** Default: the key's token_uri, else https://oauth2.googleapis.com/token. */
    tokenUrl?: string;
    /** Retries of 429/5xx answers (default 4 attempts, 1 s doubling up to 8 s). */
    retry?: { attempts?: number; baseMs?: number; maxMs?: number };
    /** The check's one deadline, token call included (default 120 000 ms). */
    timeoutMs?: number;
}

const NAME = "Search Console";

/** Checks the property and sitemap fit together; a message, or undefined when they do. */
export function propertyProblem(siteUrl: string, sitemapUrl: string): string | undefined {
    let sitemap: URL;
    try {
        sitemap = new URL(sitemapUrl);
    } catch {
        return `sitemap URL ${JSON.stringify(sitemapUrl)} is not absolute`;
    }
    if (siteUrl.startsWith("sc-domain:")) {
        const domain = siteUrl.slice("sc-domain:".length).toLowerCase();
        const host = sitemap.hostname.toLowerCase();
        return host === domain || host.endsWith(`.${domain}`) ? undefined : `sitemap ${sitemapUrl} is outside the domain property ${siteUrl}`;
    }
    if (!/^https?:\/\/[^/]+\//.test(siteUrl) || !siteUrl.endsWith("/")) {
        return `property ${JSON.stringify(siteUrl)} must be a URL prefix ending with "/" or sc-domain:<domain>`;
    }
    return sitemapUrl.startsWith(siteUrl) ? undefined : `sitemap ${sitemapUrl} is outside the URL-prefix property ${siteUrl}`;
}

function googleMessage(body: string): string {
    try {
        return redact((JSON.parse(body) as { error?: { message?: string } }).error?.message ?? "");
    } catch {
        return "";
    }
}

export async function checkSearchConsole(input: SearchConsoleInput, net: NetOptions): Promise<CheckResult> {
    return timed<CheckResult>(
        async () => {
            const property = { siteUrl: input.siteUrl, sitemapUrl: input.sitemapUrl };
            if (!input.serviceAccountKey) {
                return { id: "MEP-15", name: NAME, status: "skip", reason: "golive:searchConsole.serviceAccountKey is not set (pulumi config set --secret --path 'golive:searchConsole.serviceAccountKey' < key.json)", evidence: property };
            }
            const problem = propertyProblem(input.siteUrl, input.sitemapUrl);
            if (problem) return { id: "MEP-15", name: NAME, status: "fail", reason: problem, evidence: property };
            const key = parseServiceAccountKey(input.serviceAccountKey, "golive:searchConsole.serviceAccountKey");
            const snet = serviceNet(net);
            const deadline = deadlineIn(input.timeoutMs ?? DEFAULT_SEARCH_CONSOLE_TIMEOUT_MS, "golive:searchConsole.timeoutSeconds");
            return withinDeadline(deadline, async () => {
                const token = await fetchAccessToken(key, WEBMASTERS_SCOPE, snet, input.tokenUrl, deadline);
                const base = (input.apiBaseUrl ?? SEARCH_CONSOLE_BASE_URL).replace(/\/+$/, "");
                const endpoint = `${base}/webmasters/v3/sites/${encodeURIComponent(input.siteUrl)}/sitemaps/${encodeURIComponent(input.sitemapUrl)}`;
                const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
                const retry = input.retry ?? {};
                const call = (method: string) =>
                    withRetry(
                        () =>
                            httpRequest(endpoint, snet, {
                                method,
                                headers: method === "PUT" ? { ...headers, "Content-Length": "0" } : headers,
                                deadline,
                                call: method === "PUT" ? "sitemap submission" : "sitemap read-back",
                            }),
                        {
                            attempts: retry.attempts ?? 4,
                            baseMs: retry.baseMs ?? 1_000,
                            maxMs: retry.maxMs ?? 8_000,
                            deadlineMs: deadline.at - Date.now(),
                            retryOn: (r) => r.status === 429 || r.status >= 500,
                        },
                    );
                const submitted = await call("PUT");
                const evidence: Record<string, unknown> = { ...property, serviceAccount: key.client_email, submitStatus: submitted.status };
                if (submitted.status === 403) {
                    return {
                        id: "MEP-15",
                        name: NAME,
                        status: "fail",
                        reason: `Search Console refused (403): add the service account ${key.client_email} as an Owner of the property ${input.siteUrl} (Search Console → Settings → Users and permissions), then run again`,
                        evidence: { ...evidence, message: googleMessage(submitted.body) },
                    };
                }
                if (submitted.status < 200 || submitted.status >= 300) {
                    const message = googleMessage(submitted.body);
                    return { id: "MEP-15", name: NAME, status: "fail", reason: `sitemap submission answered ${submitted.status}${message ? `: ${message}` : ""}`, evidence: { ...evidence, message } };
                }
                // Reading it back is evidence only: Search Console may list it a little later.
                try {
                    const read = await call("GET");
                    if (read.status === 200) {
                        const s = jsonBody<Record<string, unknown>>(read, "Search Console (sitemap read-back)");
                        evidence.sitemap = { lastSubmitted: s.lastSubmitted, isPending: s.isPending, errors: s.errors, warnings: s.warnings, lastDownloaded: s.lastDownloaded };
                    } else {
                        evidence.readBackStatus = read.status;
                    }
                } catch (err) {
                    evidence.readBackError = redact(describeError(err));
                }
                return { id: "MEP-15", name: NAME, status: "pass", reason: `sitemap ${input.sitemapUrl} submitted to ${input.siteUrl} (${submitted.status})`, evidence };
            });
        },
        (err) => ({ id: "MEP-15", name: NAME, status: "fail", reason: `Search Console submission could not run: ${redact(describeError(err))}`, evidence: { siteUrl: input?.siteUrl } }),
    );
}

/** MEP-15 as a resource; the input (service-account key) is secret as a whole. */
export class SearchConsoleCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<SearchConsoleInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkSearchConsole, {
                label: "MEP-15 Search Console",
                required: { siteUrl: "text", sitemapUrl: "text" },
                defaults: { timeoutMs: DEFAULT_SEARCH_CONSOLE_TIMEOUT_MS },
            }), "SearchConsole", name, args, opts, ["input"]);
    }
}
