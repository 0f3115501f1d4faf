// MEP-13: initial performance analysis. Google PageSpeed Insights (API v5, runPagespeed,
// category=performance) scores each key page; every score must reach the threshold (0.90, the
// plan's "> 90"). Where the API cannot be reached (rehearsal, offline) a local mode runs
// Lighthouse itself in headless Chromium and keeps the median of several runs.
import { spawn } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { endSpawnedBrowser, findChromium, HEADLESS_FLAGS, newBrowserRun, routingFlags } from "./chromium";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { serviceNet } from "./googleAuth";
import { Deadline, deadlineError, deadlineIn, describeError, httpRequest, isTransientError, jsonBody, pinOf, timeFor, timed, withinDeadline, withRetry } from "./net";
import { isInlineImage } from "./inlineImage";
import { describePins } from "./pins";
import { redact, registerSecret } from "../shared/redact";
import { siteUrl } from "./siteUrl";
import type { CheckResult, NetOptions } from "./types";

export const PSI_BASE_URL = "https://www.googleapis.com";
export const DEFAULT_THRESHOLD = 0.9;
/** Time kept before the deadline to end Chromium and remove its profile. */
const BROWSER_END_RESERVE_MS = 500;
/** The whole check, PSI and local fallback together (golive:pagespeed.timeoutSeconds). */
export const DEFAULT_PERFORMANCE_TIMEOUT_MS = 600_000;
/**
 * Largest final screenshot kept, in characters of its data: URI. Lighthouse's is a JPEG frame of
 * the page's trace, tens of kilobytes: a bigger one is left out (and said) rather than carried in
 * the stack's state at every update.
 */
export const MAX_FINAL_SCREENSHOT_CHARS = 150_000;

export type Strategy = "mobile" | "desktop";

export interface PerformanceInput {
    /** Key pages, absolute URLs. */
    urls: string[];
    /** Default ["mobile"]. */
    strategies?: Strategy[];
    /** Lowest acceptable score, 0..1 (default 0.90). */
    threshold?: number;
    /** "api": PSI only; "local": Lighthouse here only; "auto" (default): PSI, local when PSI is unreachable. */
    mode?: "api" | "local" | "auto";
    /** Secret (golive:pagespeed.apiKey). */
    apiKey?: string;
    /** Default https://www.googleapis.com. */
    apiBaseUrl?: string;
    /** Per PSI request (default 90 000 ms: an analysis takes tens of seconds). */
    apiTimeoutMs?: number;
    /** Retries of 429/5xx answers (default 4 attempts, 2 s doubling up to 16 s). */
    retry?: { attempts?: number; baseMs?: number; maxMs?: number };
    /** Local Lighthouse runs per page and strategy; the median counts (default 3). */
    localRuns?: number;
    /** Per local run (default 120 000 ms). */
    localTimeoutMs?: number;
    /** Chromium binary (default $CHROME_PATH or /usr/bin/chromium). */
    chromePath?: string;
    /** The check's one deadline, PSI and local runs included (default 600 000 ms). */
    timeoutMs?: number;
    /**
     * The deployment's own URL, e.g. https://kalia-abc123.vercel.app. When the key pages' names are
     * pinned (NetOptions.pins), PageSpeed Insights, an outside service that cannot use pins,
     * measures the key pages' paths there instead; so does local Lighthouse while the pinned
     * host's certificate is not verified (a browser never accepts it). Unused without pins.
     */
    deploymentUrl?: string;
}

export interface PageScore {
    /** The key page. */
    url: string;
    /** Where it was measured, when not at `url` (the deployment's own URL). */
    measuredUrl?: string;
    strategy: Strategy;
    score?: number;
    /** Local mode: every run's score. */
    runs?: number[];
    attempts?: number;
    error?: string;
    /**
     * How the page looked at the end of the analysis: Lighthouse's `final-screenshot` audit
     * (PageSpeed's own, or the local run's whose score is the median), a data: URI shown on the go-live page.
     */
    finalScreenshot?: string;
    /** Why an analysis that scored has no final screenshot kept. */
    finalScreenshotMissing?: string;
}

const NAME = "Performance";

/** The final screenshot of a Lighthouse result, as kept in a PageScore (or why it is not). */
export function finalScreenshotOf(lhr: unknown): Pick<PageScore, "finalScreenshot" | "finalScreenshotMissing"> {
    const data = (lhr as { audits?: Record<string, { details?: { data?: unknown } }> } | undefined)?.audits?.["final-screenshot"]?.details?.data;
    if (data === undefined) return { finalScreenshotMissing: "the analysis has no final-screenshot audit" };
    if (!isInlineImage(data)) return { finalScreenshotMissing: "the final screenshot is not a data: URI of a PNG, JPEG or WebP picture" };
    if (data.length > MAX_FINAL_SCREENSHOT_CHARS) return { finalScreenshotMissing: `the final screenshot is ${Math.round(data.length / 1024)} KB of data: URI, more than the ${Math.round(MAX_FINAL_SCREENSHOT_CHARS / 1024)} KB kept` };
    return { finalScreenshot: data };
}


function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

class ApiUnreachable extends Error {}

/** A key page and, when it is measured elsewhere, where. */
export interface MeasuredPage {
    url: string;
    measuredUrl?: string;
}

/** The key pages whose names are pinned, as "name → address" pins (empty when none is). */
function pinnedPagesOf(input: PerformanceInput, net: NetOptions): Record<string, string> {
    const out: Record<string, string> = {};
    for (const url of input.urls) {
        const host = new URL(url).hostname;
        const pin = pinOf(net, host);
        if (pin !== undefined) out[host] = pin;
    }
    return out;
}

/** The key pages measured at the deployment's own URL (same path and query) when their name is pinned. */
export function atDeployment(input: PerformanceInput, net: NetOptions): MeasuredPage[] {
    return input.urls.map((url) => {
        const u = new URL(url);
        return pinOf(net, u.hostname) !== undefined && input.deploymentUrl ? { url, measuredUrl: siteUrl(input.deploymentUrl, u.pathname + u.search) } : { url };
    });
}

/** One page through PSI, retrying 429 and 5xx with capped backoff. */
async function psiScore(input: PerformanceInput, page: MeasuredPage, strategy: Strategy, net: NetOptions, deadline: Deadline): Promise<PageScore> {
    const url = page.url;
    const at = page.measuredUrl ? { measuredUrl: page.measuredUrl } : {};
    const base = (input.apiBaseUrl ?? PSI_BASE_URL).replace(/\/+$/, "");
    registerSecret(input.apiKey);
    const query = new URLSearchParams({ url: page.measuredUrl ?? url, category: "performance", strategy, key: input.apiKey ?? "" });
    const endpoint = `${base}/pagespeedonline/v5/runPagespeed?${query}`;
    const snet = serviceNet(net, input.apiTimeoutMs ?? 90_000);
    const retry = input.retry ?? {};
    let attempts = 0;
    let res;
    try {
        res = await withRetry(
            () => {
                attempts++;
                return httpRequest(endpoint, snet, { deadline, call: `PageSpeed Insights for ${page.measuredUrl ?? url} (${strategy})` });
            },
            {
                attempts: retry.attempts ?? 4,
                baseMs: retry.baseMs ?? 2_000,
                maxMs: retry.maxMs ?? 16_000,
                deadlineMs: deadline.at - Date.now(),
                retryOn: (r) => r.status === 429 || r.status >= 500,
            },
        );
    } catch (err) {
        if (isTransientError(err) || (err as { code?: string }).code === "ENOTFOUND") throw new ApiUnreachable(redact(describeError(err), [input.apiKey]));
        throw err;
    }
    if (res.status !== 200) {
        let message = "";
        try {
            message = (JSON.parse(res.body) as { error?: { message?: string } }).error?.message ?? "";
        } catch {
            // not Google's error shape
        }
        return { url, ...at, strategy, attempts, error: redact(`PSI answered ${res.status}${message ? `: ${message}` : ""}`, [input.apiKey]) };
    }
    let answer: { lighthouseResult?: { categories?: { performance?: { score?: number | null } }; audits?: unknown } };
    try {
        answer = jsonBody(res, "PageSpeed Insights");
    } catch (err) {
        return { url, ...at, strategy, attempts, error: redact(describeError(err), [input.apiKey]) };
    }
    const score = answer?.lighthouseResult?.categories?.performance?.score;
    if (typeof score !== "number") return { url, ...at, strategy, attempts, error: "PSI answer has no lighthouseResult.categories.performance.score" };
    return { url, ...at, strategy, attempts, score, ...finalScreenshotOf(answer.lighthouseResult) };
}

// Lighthouse 12 is an ES module: it runs in a child Node process (also keeps Chromium's
// lifetime apart from the check's). Arguments travel as JSON in the environment.
const LIGHTHOUSE_SCRIPT = `
const a = JSON.parse(process.env.GOLIVE_LIGHTHOUSE);
const { default: lighthouse } = await import("lighthouse");
const chromeLauncher = await import("chrome-launcher");
const config = a.strategy === "desktop" ? (await import("lighthouse/core/config/desktop-config.js")).default : undefined;
const chrome = await chromeLauncher.launch({ chromePath: a.chromePath, chromeFlags: a.flags, userDataDir: a.userDataDir, logLevel: "silent" });
try {
  const r = await lighthouse(a.url, { port: chrome.port, output: "json", onlyCategories: ["performance"], logLevel: "error", maxWaitForLoad: a.maxWaitMs }, config);
  const lhr = r.lhr;
  const shot = lhr.audits && lhr.audits["final-screenshot"];
  process.stdout.write(JSON.stringify({ score: lhr.categories.performance.score, runtimeError: lhr.runtimeError && lhr.runtimeError.message, audits: shot ? { "final-screenshot": shot } : {} }));
} finally {
  await chrome.kill();
}
`;

/** One local Lighthouse run's score, and its final screenshot (or why none is kept). */
type LocalRun = { score: number } & Pick<PageScore, "finalScreenshot" | "finalScreenshotMissing">;

/**
 * One local Lighthouse run; resolves with the score or throws a short error. Whatever happens
 * (score, Lighthouse error, timeout), it settles only once Chromium and everything it started
 * are gone and its profile folder is removed: chrome-launcher puts Chromium in a process group of
 * its own, which killing the Node child's group does not reach.
 */
function lighthouseRun(url: string, strategy: Strategy, chromePath: string, flags: string[], timeoutMs: number, deadline?: Deadline): Promise<LocalRun> {
    const run = newBrowserRun("golive-lh-");
    return new Promise<LocalRun>((resolve, reject) => {
        let settled = false;
        // Declared before `finish` uses it (the closure serializer needs it in this order).
        let timer: NodeJS.Timeout | undefined;
        const child = spawn(process.execPath, ["--input-type=module", "-e", LIGHTHOUSE_SCRIPT], {
            cwd: process.cwd(),
            // TMPDIR inside the run folder: what Chromium leaves there goes with it (chrome-launcher passes the env on).
            env: { ...process.env, TMPDIR: run.tmp, GOLIVE_LIGHTHOUSE: JSON.stringify({ url, strategy, chromePath, flags, userDataDir: run.profile, maxWaitMs: Math.max(10_000, timeoutMs - 20_000) }) },
            stdio: ["ignore", "pipe", "pipe"],
            detached: true, // its own process group, ended with it
        });
        const finish = (err: Error | undefined, done?: LocalRun) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            void endSpawnedBrowser(child, run).then((leak) => {
                if (err) reject(new Error(`${err.message}${leak}`));
                else if (leak) reject(new Error(`Lighthouse scored ${url}${leak}`));
                else resolve(done!);
            });
        };
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4_000)));
        timer = setTimeout(() => {
            finish(deadline ? deadlineError(deadline, `Lighthouse run on ${url}`, timeoutMs) : new Error(`Lighthouse run on ${url} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        child.once("error", (err) => finish(err));
        child.once("close", (code) => {
            try {
                const out = JSON.parse(stdout) as { score: number | null; runtimeError?: string; audits?: unknown };
                if (out.runtimeError) return finish(new Error(`Lighthouse: ${out.runtimeError}`));
                if (typeof out.score !== "number") return finish(new Error("Lighthouse gave no performance score"));
                finish(undefined, { score: out.score, ...finalScreenshotOf(out) });
            } catch {
                finish(new Error(`Lighthouse exited ${code}: ${stderr.trim().split("\n").slice(-3).join(" ").slice(0, 400)}`));
            }
        });
    });
}

async function localScores(input: PerformanceInput, pages: MeasuredPage[], strategies: Strategy[], chromePath: string, net: NetOptions, deadline: Deadline): Promise<PageScore[]> {
    const flags = [...HEADLESS_FLAGS, ...(await routingFlags(pages.map((p) => p.measuredUrl ?? p.url), net))];
    const runs = Math.max(1, Math.min(9, input.localRuns ?? 3));
    const out: PageScore[] = [];
    // One browser at a time: parallel runs on one machine skew each other's timings.
    for (const page of pages) {
        const url = page.measuredUrl ?? page.url;
        const at = page.measuredUrl ? { measuredUrl: page.measuredUrl } : {};
        for (const strategy of strategies) {
            const scores: number[] = [];
            const done: LocalRun[] = [];
            try {
                for (let i = 0; i < runs; i++) {
                    const call = `Lighthouse run ${i + 1}/${runs} on ${url} (${strategy})`;
                    const own = input.localTimeoutMs ?? 120_000;
                    // Capped by the deadline, it ends a little earlier: ending Chromium takes a moment too.
                    const capped = timeFor(deadline, call, own + BROWSER_END_RESERVE_MS) - BROWSER_END_RESERVE_MS;
                    if (capped <= 0) throw deadlineError(deadline, call);
                    const timeoutMs = Math.min(own, capped);
                    const one = await lighthouseRun(url, strategy, chromePath, flags, timeoutMs, timeoutMs < own ? deadline : undefined);
                    scores.push(one.score);
                    done.push(one);
                }
                const score = median(scores);
                // The picture of the run nearest the median: the page as the score kept saw it.
                const { finalScreenshot, finalScreenshotMissing } = done.reduce((a, b) => (Math.abs(b.score - score) < Math.abs(a.score - score) ? b : a));
                out.push({ url: page.url, ...at, strategy, score, runs: scores, ...(finalScreenshot ? { finalScreenshot } : { finalScreenshotMissing }) });
            } catch (err) {
                out.push({ url: page.url, ...at, strategy, runs: scores, error: describeError(err) });
            }
        }
    }
    return out;
}

function verdict(scores: PageScore[], threshold: number, mode: "api" | "local", extra: Record<string, unknown>): Omit<CheckResult, "durationMs"> {
    const evidence = { mode, threshold, scores, ...extra };
    const errors = scores.filter((s) => s.error);
    const low = scores.filter((s) => s.score !== undefined && s.score < threshold);
    const pct = (n: number) => Math.round(n * 100);
    if (errors.length > 0 || low.length > 0) {
        const parts = [
            ...low.map((s) => `${where(s)} (${s.strategy}) scores ${pct(s.score!)} < ${pct(threshold)}`),
            ...errors.map((s) => `${where(s)} (${s.strategy}): ${s.error}`),
        ];
        return { id: "MEP-13", name: NAME, status: "fail", reason: parts.join("; "), evidence };
    }
    const lowest = Math.min(...scores.map((s) => s.score!));
    const measuredAt = typeof extra.measuredAt === "string" ? `; measured at ${extra.measuredAt}` : "";
    return { id: "MEP-13", name: NAME, status: "pass", reason: `${scores.length} page analyses (${mode === "api" ? "PageSpeed Insights" : "local Lighthouse, median"}) score ≥ ${pct(threshold)}, lowest ${pct(lowest)}${measuredAt}`, evidence };
}

/** A page as measured: "https://www.x/tarifs", or "https://www.x/tarifs (at https://kalia-abc.vercel.app/tarifs)". */
function where(s: PageScore): string {
    return s.measuredUrl ? `${s.url} (at ${s.measuredUrl})` : s.url;
}

export async function checkPerformance(input: PerformanceInput, net: NetOptions): Promise<CheckResult> {
    return timed<CheckResult>(
        async () => {
            const mode = input.mode ?? "auto";
            const threshold = input.threshold ?? DEFAULT_THRESHOLD;
            const strategies: Strategy[] = input.strategies && input.strategies.length > 0 ? input.strategies : ["mobile"];
            if (input.urls.length === 0) return { id: "MEP-13", name: NAME, status: "fail", reason: "no key pages to analyse", evidence: {} };
            const deadline = deadlineIn(input.timeoutMs ?? DEFAULT_PERFORMANCE_TIMEOUT_MS, "golive:pagespeed.timeoutSeconds");
            return withinDeadline(deadline, () => measure(input, net, mode, threshold, strategies, deadline));
        },
        (err) => ({ id: "MEP-13", name: NAME, status: "fail", reason: `performance check could not run: ${redact(describeError(err), [input?.apiKey])}`, evidence: {} }),
    );
}

/**
 * PSI on every page and strategy, or local Lighthouse when PSI cannot be reached; all within
 * `deadline`. With the key pages' names pinned, PSI measures the deployment's own URL (it cannot
 * use pins) and local Lighthouse uses the pins, or the deployment's URL while the pinned host's
 * certificate is not verified.
 */
async function measure(input: PerformanceInput, net: NetOptions, mode: "api" | "local" | "auto", threshold: number, strategies: Strategy[], deadline: Deadline): Promise<Omit<CheckResult, "durationMs">> {
    const pinned = pinnedPagesOf(input, net);
    const isPinned = Object.keys(pinned).length > 0;
    const deployment = input.deploymentUrl ? new URL(input.deploymentUrl).origin : undefined;
    const atDeploymentUrl = (why: string) => ({ measuredAt: `${deployment} (the deployment's own URL: ${why})`, pins: pinned });
    let unreachable: string | undefined;
    if (mode !== "local") {
        if (!input.apiKey) {
            return { id: "MEP-13", name: NAME, status: "skip", reason: "golive:pagespeed.apiKey is not set (pulumi config set --secret --path golive:pagespeed.apiKey ...)", evidence: { mode } };
        }
        if (isPinned && !deployment) {
            // PSI would measure whatever public DNS points at (the old host before the switch).
            const why = `the key pages' names are pinned (${describePins(pinned)}) and PageSpeed Insights, an outside service, cannot use pins: give the deployment's own URL (deploymentUrl) to measure it there`;
            if (mode === "api") return { id: "MEP-13", name: NAME, status: "skip", reason: why, evidence: { mode, pins: pinned } };
            unreachable = why;
        } else {
            try {
                const scores: PageScore[] = [];
                // Sequential: PSI's per-minute quota is small and a burst only earns 429s.
                for (const page of atDeployment(input, net)) for (const s of strategies) scores.push(await psiScore(input, page, s, net, deadline));
                return verdict(scores, threshold, "api", isPinned ? atDeploymentUrl("PageSpeed Insights cannot use the pins") : {});
            } catch (err) {
                if (!(err instanceof ApiUnreachable) || mode === "api") throw err;
                unreachable = `PageSpeed Insights unreachable (${err.message})`;
            }
        }
    }
    // A browser never accepts a certificate it cannot verify: while the pinned host's is not
    // verified, local Lighthouse measures the deployment's own URL, or cannot measure.
    const unverified = isPinned && net.tlsUnverifiedBecause;
    if (unverified && !deployment) {
        const why = unreachable ? `${unreachable}; ` : "";
        return { id: "MEP-13", name: NAME, status: "skip", reason: `${why}local Lighthouse cannot load the pinned names (${describePins(pinned)}): TLS not verified: ${net.tlsUnverifiedBecause}, and a browser is not told to accept any certificate; give the deployment's own URL (deploymentUrl)`, evidence: { mode, pins: pinned } };
    }
    const chromePath = findChromium(input.chromePath);
    if (!chromePath) {
        const why = unreachable ? `${unreachable} and ` : "";
        return { id: "MEP-13", name: NAME, status: "skip", reason: `${why}no Chromium for a local Lighthouse run (apt-get install chromium, or set CHROME_PATH)`, evidence: { mode } };
    }
    const pages = unverified ? atDeployment(input, net) : input.urls.map((url) => ({ url }));
    const extra = unverified ? atDeploymentUrl(`TLS not verified: ${net.tlsUnverifiedBecause}`) : isPinned ? { pins: pinned } : {};
    return verdict(await localScores(input, pages, strategies, chromePath, net, deadline), threshold, "local", { chromePath, ...extra, ...(unreachable ? { note: `${unreachable}, measured locally` } : {}) });
}

/** MEP-13 as a resource; the input (API key) is secret as a whole. */
export class PerformanceCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<PerformanceInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkPerformance, {
                label: "MEP-13 Performance",
                required: { urls: "list" },
                // What the check assumes when absent: state written before a field existed is no change.
                defaults: { strategies: ["mobile"], threshold: DEFAULT_THRESHOLD, mode: "auto", localRuns: 3, timeoutMs: DEFAULT_PERFORMANCE_TIMEOUT_MS },
                // Minutes per run: prepare's result stands at cutover while the deployment is the same.
                runOncePerInput: true,
            }), "Performance", name, args, opts, ["input"]);
    }
}
