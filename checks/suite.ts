// The registry of post-deploy checks, in plan order, and the runner shared by `golive verify`, the
// benches and the rehearsal. The Pulumi component builds the same inputs through the `*InputOf`
// functions below, so both paths check exactly the same thing.
// Each check's module (and its HTTP, HTML, XML and IMAP libraries) is loaded when the check first
// runs: `golive verify --help` loads none, `--only dns` loads one.
import { reasonLine } from "./failures";
import type { CheckResult, NetOptions, PlanId } from "./types";
import type { DnsPropagationInput } from "./dnsPropagation";
import type { TlsCertificateInput } from "./tlsCertificate";
import type { HttpsReachabilityInput } from "./httpsReachability";
import type { RedirectsInput } from "./redirects";
import type { SmokeTestInput } from "./smokeTest";
import type { SeoBasicsInput } from "./seoBasics";
import { analyticsInputOf, contactFormInputOf, performanceInputOf, searchConsoleInputOf, ServicesSettings } from "./serviceInputs";

const netModule = () => require("./net") as typeof import("./net");
const pins = () => require("./pins") as typeof import("./pins");
const dns = () => require("./dnsPropagation") as typeof import("./dnsPropagation");
const tls = () => require("./tlsCertificate") as typeof import("./tlsCertificate");
const https = () => require("./httpsReachability") as typeof import("./httpsReachability");
const redirects = () => require("./redirects") as typeof import("./redirects");
const smoke = () => require("./smokeTest") as typeof import("./smokeTest");
const seo = () => require("./seoBasics") as typeof import("./seoBasics");
const contact = () => require("./contactForm") as typeof import("./contactForm");
const performance = () => require("./performance") as typeof import("./performance");
const searchConsole = () => require("./searchConsole") as typeof import("./searchConsole");
const analytics = () => require("./analytics") as typeof import("./analytics");

/** Everything the suite needs to know about the site; defaults apply to what is left out. */
export interface SuiteSettings {
    /** The apex, e.g. example.com; the site serves on www.<domain>. */
    domain: string;
    /** Key pages (MEP-11, MEP-14). */
    pages: { path: string; expectText?: string }[];
    /** MEP-07: what apex and www must resolve to (A addresses or CNAME targets). Unknown → dns is skipped. */
    expected?: { apex: string[]; www: string[] };
    /** MEP-07: authoritative servers, "ip[:port]". */
    authoritative?: string[];
    /** MEP-07: public resolvers asked. */
    resolvers?: string[];
    /** MEP-07: overall wait for propagation. */
    dnsTimeoutMs?: number;
    dnsPollMs?: number;
    /** MEP-08: certificate must stay valid this many more days. */
    minCertDays?: number;
    /** MEP-08: how long to wait for the site's certificate to be issued; the checks after it wait too. */
    certWaitMs?: number;
    /** MEP-08: pause between looks while waiting. */
    certPollMs?: number;
    /** MEP-09 budget for the home page. */
    httpsBudgetMs?: number;
    /** MEP-11 budget per key page. */
    pageBudgetMs?: number;
    /** MEP-14: sitemap URLs fetched. */
    sitemapSample?: number;
    /** MEP-12, MEP-13, MEP-15, MEP-16: outside services (config/servicesConfig.ts); without credentials those checks skip. */
    services?: ServicesSettings;
    /**
     * MEP-13: the deployment's own URL (e.g. https://kalia-abc123.vercel.app). With the site's names
     * pinned, PageSpeed Insights (which cannot use pins) measures the key pages there.
     */
    deploymentUrl?: string;
}

export interface CheckDefinition {
    /** Short key used by `--only` and the rehearsal, e.g. "redirects". */
    key: string;
    id: PlanId;
    name: string;
    run(settings: SuiteSettings, net: NetOptions): Promise<CheckResult>;
}

/** https://www.<domain>: where the site serves. */
export function baseUrlOf(s: { domain: string }): string {
    return `https://www.${s.domain}`;
}

// Inputs of each check, derived from the settings (also used by components/postDeployChecks.ts).
/** Whether the settings say what DNS must answer; without it MEP-07 has nothing to compare. */
export function hasExpectedRecords(s: SuiteSettings): s is SuiteSettings & { expected: { apex: string[]; www: string[] } } {
    return !!s.expected && (s.expected.apex.length > 0 || s.expected.www.length > 0);
}

export function dnsInputOf(s: SuiteSettings): DnsPropagationInput {
    return {
        domain: s.domain,
        expected: { apex: s.expected?.apex ?? [], www: s.expected?.www ?? [] },
        ...(s.authoritative ? { authoritative: s.authoritative } : {}),
        ...(s.resolvers ? { resolvers: s.resolvers } : {}),
        ...(s.dnsTimeoutMs !== undefined ? { timeoutMs: s.dnsTimeoutMs } : {}),
        ...(s.dnsPollMs !== undefined ? { pollMs: s.dnsPollMs } : {}),
    };
}

export function tlsInputOf(s: SuiteSettings): TlsCertificateInput {
    return {
        hosts: [s.domain, `www.${s.domain}`],
        ...(s.minCertDays !== undefined ? { minDaysLeft: s.minCertDays } : {}),
        ...(s.certWaitMs !== undefined ? { waitMs: s.certWaitMs } : {}),
        ...(s.certPollMs !== undefined ? { pollMs: s.certPollMs } : {}),
    };
}

export function httpsInputOf(s: SuiteSettings): HttpsReachabilityInput {
    return { url: `${baseUrlOf(s)}/`, ...(s.httpsBudgetMs !== undefined ? { budgetMs: s.httpsBudgetMs } : {}) };
}

export function redirectsInputOf(s: SuiteSettings): RedirectsInput {
    return { domain: s.domain };
}

export function smokeInputOf(s: SuiteSettings): SmokeTestInput {
    return { baseUrl: baseUrlOf(s), pages: s.pages, ...(s.pageBudgetMs !== undefined ? { budgetMs: s.pageBudgetMs } : {}) };
}

export function seoInputOf(s: SuiteSettings): SeoBasicsInput {
    return { baseUrl: baseUrlOf(s), pages: s.pages.map((p) => p.path), ...(s.sitemapSample !== undefined ? { sitemapSample: s.sitemapSample } : {}) };
}

/** The checks in plan order. */
export const CHECKS: CheckDefinition[] = [
    {
        key: "dns",
        id: "MEP-07",
        name: "DNS propagation",
        run: async (s, net) => {
            const skip = (reason: string, evidence: Record<string, unknown> = {}): CheckResult => ({ id: "MEP-07", name: "DNS propagation", status: "skip", reason, evidence, durationMs: 0 });
            const pinned = sitePins(s, net);
            // MEP-07 asks the DNS servers themselves: pins do not reach it, so with the site's names
            // pinned it would only say where public DNS points (the old host, before the switch).
            // Expected values given explicitly still ask that question, and get its answer.
            if (pinned && !hasExpectedRecords(s)) {
                return skip(`the site's names are pinned (${pins().describePins(pinned)}): the checks look at that host, and MEP-07 asks public DNS, which pins do not change; give --expect-apex/--expect-www to ask where DNS points anyway`, { pins: pinned });
            }
            if (!hasExpectedRecords(s)) {
                return skip("no expected record values: set them with --expect-apex/--expect-www (golive verify) or from the DNS records (PostDeployChecks)");
            }
            const result = await dns().checkDnsPropagation(dnsInputOf(s), net);
            return pinned ? { ...result, reason: `${result.reason} (DNS asked directly: the pins ${pins().describePins(pinned)} do not apply to MEP-07)`, evidence: { ...result.evidence, pinsNotApplied: pinned } } : result;
        },
    },
    { key: "tls", id: "MEP-08", name: "TLS certificate", run: (s, net) => tls().checkTlsCertificate(tlsInputOf(s), net) },
    { key: "https", id: "MEP-09", name: "HTTPS reachability", run: (s, net) => https().checkHttpsReachability(httpsInputOf(s), net) },
    { key: "redirects", id: "MEP-10", name: "Redirects", run: (s, net) => redirects().checkRedirects(redirectsInputOf(s), net) },
    { key: "smoke", id: "MEP-11", name: "Smoke test", run: (s, net) => smoke().checkSmokeTest(smokeInputOf(s), net) },
    { key: "contact", id: "MEP-12", name: "Contact form", run: (s, net) => contact().checkContactForm(contactFormInputOf(s, s.services ?? {}), net) },
    { key: "performance", id: "MEP-13", name: "Performance", run: (s, net) => performance().checkPerformance(performanceInputOf(s, s.services ?? {}), net) },
    { key: "seo", id: "MEP-14", name: "SEO basics", run: (s, net) => seo().checkSeoBasics(seoInputOf(s), net) },
    { key: "searchconsole", id: "MEP-15", name: "Search Console", run: (s, net) => searchConsole().checkSearchConsole(searchConsoleInputOf(s, s.services ?? {}), net) },
    { key: "analytics", id: "MEP-16", name: "Analytics", run: (s, net) => analytics().checkAnalytics(analyticsInputOf(s, s.services ?? {}), net) },
];

export interface SuiteOptions {
    /** Keys of the checks to run (default all). */
    only?: string[];
    /** Run the checks at the same time (default true). */
    concurrent?: boolean;
    /** Told when a check starts; the function it returns is called when the check ends (progress). */
    onStart?: (def: CheckDefinition) => () => void;
}

/** The pins of `net` on the site's own names (apex, www), or undefined when neither is pinned. */
export function sitePins(s: { domain: string }, net: NetOptions): Record<string, string> | undefined {
    // Without pins, nothing to load (golive verify of the live site).
    if (!net.pins || Object.keys(net.pins).length === 0) return undefined;
    const { pinOf } = netModule();
    const names = [s.domain, `www.${s.domain}`].filter((n) => pinOf(net, n) !== undefined);
    return names.length > 0 ? Object.fromEntries(names.map((n) => [n, pinOf(net, n)!])) : undefined;
}

/**
 * A check that throws is reported as a failure of that check; the others still run. Each result
 * shows the pins that applied and the certificates not verified (withNetEvidence).
 */
async function runOne(def: CheckDefinition, settings: SuiteSettings, net: NetOptions, opts: SuiteOptions): Promise<CheckResult> {
    const started = Date.now();
    const ended = opts.onStart?.(def);
    try {
        return await pins().withNetEvidence(net, (n) => def.run(settings, n));
    } catch (err) {
        return { id: def.id, name: def.name, status: "fail", reason: `check crashed: ${netModule().describeError(err)}`, evidence: {}, durationMs: Date.now() - started };
    } finally {
        ended?.();
    }
}

/** Runs the checks (concurrently by default); results come back in plan order. */
export async function runSuite(settings: SuiteSettings, net: NetOptions, opts: SuiteOptions = {}): Promise<CheckResult[]> {
    const unknown = (opts.only ?? []).filter((k) => !CHECKS.some((c) => c.key === k));
    if (unknown.length > 0) {
        throw new Error(`unknown ${unknown.length === 1 ? "check" : "checks"} ${unknown.join(", ")}; known: ${CHECKS.map((c) => c.key).join(", ")}`);
    }
    const selected = opts.only ? CHECKS.filter((c) => opts.only!.includes(c.key)) : CHECKS;
    // While the certificate may still be on its way (certWaitMs), MEP-08 waits for it first: the
    // checks after it would only see Vercel's *.vercel.app certificate.
    const tls = selected.find((c) => c.key === "tls");
    if (tls && (settings.certWaitMs ?? 0) > 0 && opts.concurrent !== false) {
        const tlsResult = await runOne(tls, settings, net, opts);
        const others = selected.filter((c) => c !== tls);
        const rest = await Promise.all(others.map((def) => runOne(def, settings, net, opts)));
        return selected.map((def) => (def === tls ? tlsResult : rest[others.indexOf(def)]));
    }
    if (opts.concurrent === false) {
        const results: CheckResult[] = [];
        for (const def of selected) results.push(await runOne(def, settings, net, opts));
        return results;
    }
    return Promise.all(selected.map((def) => runOne(def, settings, net, opts)));
}

/** The results as a plain-text checklist: ID, check, status, and the reason in one line (a failure: its first problem and a count of the rest). */
export function formatTable(results: CheckResult[]): string {
    const rows = results.map((r) => [r.id, r.name, r.status.toUpperCase(), reasonLine(r)]);
    const header = ["ID", "Check", "Status", "Reason"];
    const widths = [0, 1, 2].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join("  ").trimEnd();
    return [line(header), line(widths.map((w) => "-".repeat(w)).concat("------")), ...rows.map(line)].join("\n");
}
