// `npm run bench:lighthouse`: golive verify against Lighthouse 12's SEO and best-practices
// categories, on the same replica site faults (replica/siteFaults.ts), in one run: which faults each
// catches, and how long each takes. Lighthouse runs in Debian's Chromium (headless, --no-sandbox,
// the flags of checks/chromium.ts); the replica world has its own DNS, so Chromium reaches it through
// --host-resolver-rules mapping the site's names to the replica's loopback address and port (every
// other name resolves to nothing), and, for this comparison only, --ignore-certificate-errors (the
// replica's CA cannot be handed to Chromium). Results go to bench/lighthouse-results.json only with
// --write. Nothing leaves loopback.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startWorld, ReplicaWorld } from "../replica/world";
import { vercelLikeSpec } from "../replica/site";
import { SITE_FAULTS, SiteFault } from "../replica/siteFaults";
import { runSuite, SuiteSettings } from "../checks/suite";
import { findChromium, HEADLESS_FLAGS, routingFlags } from "../checks/chromium";
import type { CheckResult, NetOptions } from "../checks/types";
import { saveResults } from "./checks";

const BRAND = "Kalia Beauty Studio";
const PAGES = ["/", "/services", "/tarifs", "/a-propos", "/contact", "/mentions-legales"];
/** The checks golive verify runs against a site (the outside-service checks need accounts). */
const SITE_CHECKS = ["dns", "tls", "https", "redirects", "smoke", "seo"];
const CATEGORIES = ["seo", "best-practices"];
const LIGHTHOUSE_TIMEOUT_MS = 90_000;

// Lighthouse 12 is an ES module; ts-node compiles `import()` to `require`, which cannot load it.
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<any>;

interface LighthouseRun {
    ms: number;
    /** Audits of the two categories that do not pass (score < 1), with their titles. */
    failing: Record<string, string>;
    runtimeError?: string;
    scores: Record<string, number | null>;
}

interface Browser {
    port: number;
    flags: string[];
    kill(): Promise<void>;
}

async function launchChromium(world: ReplicaWorld, net: NetOptions): Promise<Browser> {
    const chromePath = findChromium();
    if (!chromePath) throw new Error("no Chromium found (apt-get install chromium, or set CHROME_PATH)");
    const routing = await routingFlags([`https://www.${world.domain}/`, `https://${world.domain}/`], net);
    const flags = [...HEADLESS_FLAGS, ...routing];
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-bench-lh-"));
    const chromeLauncher = await importEsm("chrome-launcher");
    const chrome = await chromeLauncher.launch({ chromePath, chromeFlags: flags, userDataDir, logLevel: "silent" });
    return {
        port: chrome.port,
        flags,
        kill: async () => {
            await chrome.kill();
            fs.rmSync(userDataDir, { recursive: true, force: true });
        },
    };
}

/** One Lighthouse run of the SEO and best-practices categories on `url`, bounded in time. */
async function lighthouseRun(url: string, browser: Browser): Promise<LighthouseRun> {
    const { default: lighthouse } = await importEsm("lighthouse");
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Lighthouse did not finish ${url} within ${LIGHTHOUSE_TIMEOUT_MS / 1000} s`)), LIGHTHOUSE_TIMEOUT_MS);
    });
    try {
        const result = await Promise.race([
            lighthouse(url, { port: browser.port, output: "json", onlyCategories: CATEGORIES, logLevel: "error", maxWaitForLoad: 30_000 }),
            deadline,
        ]);
        const lhr = result.lhr;
        const failing: Record<string, string> = {};
        for (const cat of CATEGORIES) {
            for (const ref of lhr.categories[cat].auditRefs as Array<{ id: string }>) {
                const audit = lhr.audits[ref.id];
                const scored = audit.scoreDisplayMode === "binary" || audit.scoreDisplayMode === "numeric" || audit.scoreDisplayMode === "metricSavings";
                if ((scored && typeof audit.score === "number" && audit.score < 1) || audit.scoreDisplayMode === "error") failing[ref.id] = audit.title;
            }
        }
        return {
            ms: Date.now() - started,
            failing,
            ...(lhr.runtimeError ? { runtimeError: `${lhr.runtimeError.code}: ${lhr.runtimeError.message}` } : {}),
            scores: Object.fromEntries(CATEGORIES.map((c) => [c, lhr.categories[c].score])),
        };
    } finally {
        clearTimeout(timer);
    }
}

/** golive verify's site checks, as the CLI runs them. */
async function verifyRun(settings: SuiteSettings, net: NetOptions): Promise<{ ms: number; results: CheckResult[] }> {
    const started = Date.now();
    const results = await runSuite(settings, net, { only: SITE_CHECKS });
    return { ms: Date.now() - started, results };
}

export interface FaultComparison {
    fault: string;
    summary: string;
    page: string;
    golive: { caught: boolean; failed: string[]; byOwner: boolean; ms: number; reason?: string };
    lighthouse: { caught: boolean; newlyFailing: Record<string, string>; runtimeError?: string; ms: number };
}

export async function compare(faults: SiteFault[] = SITE_FAULTS, log: (line: string) => void = console.log) {
    const world = await startWorld({ pointAt: "new" });
    const net: NetOptions = { ...world.net, timeoutMs: 5_000, attempts: 2 };
    const settings: SuiteSettings = {
        domain: world.domain,
        pages: PAGES.map((p) => ({ path: p })),
        expected: { apex: [world.newSite.host], www: [world.newSite.host] },
        dnsTimeoutMs: 2_000,
        dnsPollMs: 200,
    };
    const reset = () => (world.newSite.spec = vercelLikeSpec(world.domain, BRAND));
    const browser = await launchChromium(world, net);
    log(`Chromium flags: ${browser.flags.filter((f) => f.startsWith("--host-resolver-rules") || f === "--ignore-certificate-errors").join(" ")}`);
    log("(--ignore-certificate-errors for this comparison only: the replica's CA cannot be given to Chromium; golive verify trusts that CA and checks the certificate)");
    try {
        // Baselines on the clean site: what each tool already flags there does not count as catching a fault.
        reset();
        const clean = await verifyRun(settings, net);
        const cleanFailures = clean.results.filter((r) => r.status === "fail");
        if (cleanFailures.length > 0) throw new Error(`golive verify fails on the clean replica: ${cleanFailures.map((r) => `${r.id} ${r.reason}`).join("; ")}`);
        const baseline: Record<string, LighthouseRun> = {};
        for (const page of [...new Set(faults.map((f) => f.page))]) {
            baseline[page] = await lighthouseRun(`https://www.${world.domain}${page}`, browser);
            const already = Object.keys(baseline[page].failing);
            log(`baseline ${page}: Lighthouse ${baseline[page].ms} ms, SEO ${baseline[page].scores.seo}, best practices ${baseline[page].scores["best-practices"]}${already.length ? `; already failing on the clean site: ${already.join(", ")}` : ""}`);
        }
        log(`baseline: golive verify ${clean.ms} ms, ${clean.results.length} checks pass`);

        const rows: FaultComparison[] = [];
        for (const fault of faults) {
            reset();
            fault.apply(world.newSite.spec);
            const v = await verifyRun(settings, net);
            const failed = v.results.filter((r) => r.status === "fail");
            const owner = failed.find((r) => r.id === fault.caughtBy);
            const lh = await lighthouseRun(`https://www.${world.domain}${fault.page}`, browser);
            const newlyFailing = Object.fromEntries(Object.entries(lh.failing).filter(([id]) => !(id in baseline[fault.page].failing)));
            const row: FaultComparison = {
                fault: fault.name,
                summary: fault.summary,
                page: fault.page,
                golive: { caught: failed.length > 0, failed: failed.map((r) => r.id), byOwner: !!owner && fault.reason.test(owner.reason), ms: v.ms, ...(owner ? { reason: owner.reason.split("; ")[0] } : {}) },
                lighthouse: { caught: Object.keys(newlyFailing).length > 0 || !!lh.runtimeError, newlyFailing, ...(lh.runtimeError ? { runtimeError: lh.runtimeError } : {}), ms: lh.ms },
            };
            rows.push(row);
            const lhText = row.lighthouse.runtimeError ? `page did not load (${row.lighthouse.runtimeError.split(":")[0]})` : Object.keys(newlyFailing).join(", ") || "—";
            log(`${fault.name.padEnd(17)} golive ${row.golive.caught ? `CAUGHT (${row.golive.failed.join(", ")})` : "missed"} ${v.ms} ms | Lighthouse ${row.lighthouse.caught ? `CAUGHT (${lhText})` : "missed"} ${lh.ms} ms`);
        }
        reset();
        const total = (pick: (r: FaultComparison) => number) => rows.reduce((n, r) => n + pick(r), 0);
        return {
            generatedAt: new Date().toISOString(),
            machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model },
            lighthouse: JSON.parse(fs.readFileSync(require.resolve("lighthouse/package.json"), "utf8")).version as string,
            categories: CATEGORIES,
            notes: [
                "golive verify runs its six site checks on the six key pages; Lighthouse audits the one key page where the fault shows (told where to look)",
                "Chromium resolves the site's names to the replica with --host-resolver-rules and ignores certificate errors (the replica's own CA)",
                "an audit counts when it fails on the faulty site and passed on the clean one; a page Lighthouse cannot load counts as caught",
            ],
            faults: rows,
            caught: { golive: rows.filter((r) => r.golive.caught).length, lighthouse: rows.filter((r) => r.lighthouse.caught).length, of: rows.length },
            wallMs: { golive: total((r) => r.golive.ms), lighthouse: total((r) => r.lighthouse.ms) },
        };
    } finally {
        await browser.kill();
        await world.close();
    }
}

if (require.main === module) {
    compare().then(
        (results) => {
            const { caught, wallMs, faults } = results;
            const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
            console.log(
                [
                    "",
                    `faults caught: golive verify ${caught.golive}/${caught.of}, Lighthouse ${results.lighthouse} (SEO + best practices) ${caught.lighthouse}/${caught.of}`,
                    `wall time: golive verify ${wallMs.golive} ms in all (median ${median(faults.map((f) => f.golive.ms))} ms per run, 6 pages), ` +
                        `Lighthouse ${wallMs.lighthouse} ms in all (median ${median(faults.map((f) => f.lighthouse.ms))} ms per run, 1 page)`,
                    `missed by golive verify: ${faults.filter((f) => !f.golive.caught).map((f) => f.fault).join(", ") || "none"}`,
                    `missed by Lighthouse: ${faults.filter((f) => !f.lighthouse.caught).map((f) => f.fault).join(", ") || "none"}`,
                ].join("\n"),
            );
            saveResults("lighthouse-results.json", results);
            process.exit(0);
        },
        (err) => {
            console.error(`bench:lighthouse failed: ${(err as Error).message}`);
            process.exit(1);
        },
    );
}
