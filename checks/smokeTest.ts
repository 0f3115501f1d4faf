// MEP-11: the smoke test. The key pages answer 200 with HTML within a time budget (and show their
// expected text), and an unknown path answers 404: a site that answers 200 or 500 everywhere is
// not a site that works.
import * as pulumi from "@pulumi/pulumi";
import { parse } from "node-html-parser";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { describeError, httpRequestWithRetry, timed } from "./net";
import type { CheckResult, NetOptions } from "./types";

export const DEFAULT_PAGE_BUDGET_MS = 3_000;

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
}

export interface PageEvidence {
    path: string;
    status?: number;
    elapsedMs?: number;
    bytes?: number;
    contentType?: string;
    missingText?: string;
    error?: string;
    problems: string[];
}

/** Lower-cases and collapses white space, so markup line breaks do not hide a phrase. */
function normalizeText(s: string): string {
    return s.replace(/\s+/g, " ").trim().toLowerCase();
}

async function probePage(baseUrl: string, page: KeyPage, budgetMs: number, net: NetOptions): Promise<PageEvidence> {
    const url = new URL(page.path, baseUrl).toString();
    const ev: PageEvidence = { path: page.path, problems: [] };
    try {
        // The request may take a bit longer than the budget, so a slow page is reported as slow
        // (with its time) rather than as a timeout.
        const timeoutMs = Math.max(net.timeoutMs ?? 10_000, budgetMs * 2);
        const res = await httpRequestWithRetry(url, net, { timeoutMs });
        ev.status = res.status;
        ev.elapsedMs = res.elapsedMs;
        ev.bytes = Buffer.byteLength(res.body, "utf8");
        ev.contentType = res.headers["content-type"];
        if (res.status !== 200) {
            ev.problems.push(res.location ? `answered ${res.status} → ${res.location}` : `answered ${res.status}`);
        }
        if (!/^text\/html\b/i.test(ev.contentType ?? "")) {
            ev.problems.push(`content-type ${ev.contentType ?? "missing"}, expected text/html`);
        }
        if (res.elapsedMs > budgetMs) {
            ev.problems.push(`took ${res.elapsedMs} ms, budget ${budgetMs} ms`);
        }
        if (page.expectText) {
            const want = normalizeText(page.expectText);
            // Decoded text catches "l&#39;institut"; the raw body catches text inside attributes.
            const text = normalizeText(parse(res.body).text);
            if (!text.includes(want) && !normalizeText(res.body).includes(want)) {
                ev.missingText = page.expectText;
                ev.problems.push(`does not show ${JSON.stringify(page.expectText)}`);
            }
        }
    } catch (err) {
        ev.error = describeError(err);
        ev.problems.push(ev.error);
    }
    return ev;
}

export async function checkSmokeTest(input: SmokeTestInput, net: NetOptions): Promise<CheckResult> {
    const name = "Smoke test";
    return timed<CheckResult>(
        async () => {
            const budgetMs = input.budgetMs ?? DEFAULT_PAGE_BUDGET_MS;
            if (input.pages.length === 0) {
                return { id: "MEP-11", name, status: "fail", reason: "no key pages configured (golive:checks.pages)", evidence: {} };
            }
            const missingPath = input.notFoundPath ?? `/golive-404-${Math.random().toString(36).slice(2, 10)}`;
            // All pages at once: the smoke test is as long as the slowest page, not the sum.
            const [pages, notFound] = await Promise.all([
                Promise.all(input.pages.map((p) => probePage(input.baseUrl, p, budgetMs, net))),
                httpRequestWithRetry(new URL(missingPath, input.baseUrl).toString(), net).then(
                    (res) => ({ path: missingPath, status: res.status as number | undefined, error: undefined as string | undefined }),
                    (err) => ({ path: missingPath, status: undefined, error: describeError(err) }),
                ),
            ]);
            const failures = pages.filter((p) => p.problems.length > 0).map((p) => `${p.path} ${p.problems.join(", ")}`);
            if (notFound.status !== 404) {
                // The path is random: it stays in the evidence, out of the reason, so two runs read alike.
                const what = notFound.error ?? `answered ${notFound.status}`;
                failures.push(`an unknown path ${what}, expected 404`);
            }
            const evidence = { budgetMs, pages, notFound };
            if (failures.length > 0) {
                return { id: "MEP-11", name, status: "fail", reason: failures.join("; "), evidence };
            }
            const slowest = Math.max(...pages.map((p) => p.elapsedMs ?? 0));
            return {
                id: "MEP-11",
                name,
                status: "pass",
                reason: `${pages.length} key pages answer 200 HTML (slowest ${slowest} ms, budget ${budgetMs} ms); unknown path answers 404`,
                evidence,
            };
        },
        (err) => ({ id: "MEP-11", name, status: "fail", reason: `smoke test could not run: ${describeError(err)}`, evidence: {} }),
    );
}

/** MEP-11 as a resource: `pulumi up` stops if a key page is broken. */
export class SmokeTestCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<SmokeTestInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkSmokeTest), "SmokeTest", name, args, opts);
    }
}
