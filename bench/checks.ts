// `npm run bench:checks`: the post-deploy suite on the loopback replica, concurrent vs sequential.
// Targets (issue 3): concurrent suite < 1 s, ≥ 3x faster than sequential, peak RSS < 200 MB.
// Key pages answer after 50-80 ms, like a real page render, so that running the checks at the same
// time has something to win; on a zero-latency replica both modes are bound by TLS handshakes only.
import { writeFileSync } from "fs";
import * as path from "path";
import { startWorld } from "../replica/world";
import { CHECKS, runSuite, SuiteSettings } from "../checks/suite";
import type { CheckResult } from "../checks/types";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CORE = ["dns", "tls", "https", "redirects", "smoke", "seo"];
const TARGETS = { concurrentMs: 1_000, speedUp: 3, rssMb: 200 };

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

async function main(): Promise<number> {
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);
    const world = await startWorld({ pointAt: "new" });
    try {
        const paths = Object.keys(world.newSite.spec.pages);
        paths.forEach((p, i) => {
            world.newSite.spec.pages[p].delayMs = 50 + ((i * 37) % 31); // 50..80 ms, fixed per page
        });
        const delays = Object.fromEntries(paths.map((p) => [p, world.newSite.spec.pages[p].delayMs]));
        const settings: SuiteSettings = {
            domain: world.domain,
            pages: paths.map((p) => ({ path: p })),
            expected: { apex: ["127.0.0.2"], www: ["127.0.0.2"] },
            dnsTimeoutMs: 5_000,
            dnsPollMs: 200,
        };
        const only = CHECKS.map((c) => c.key).filter((k) => CORE.includes(k));
        const timedRun = async (concurrent: boolean): Promise<{ ms: number; results: CheckResult[] }> => {
            const started = process.hrtime.bigint();
            const results = await runSuite(settings, world.net, { only, concurrent });
            return { ms: Number(process.hrtime.bigint() - started) / 1e6, results };
        };
        await timedRun(true); // warm-up: module loading, first TLS contexts
        const concurrent: number[] = [];
        const sequential: number[] = [];
        let last: CheckResult[] = [];
        for (let i = 0; i < RUNS; i++) {
            const c = await timedRun(true);
            concurrent.push(Math.round(c.ms));
            last = c.results;
        }
        for (let i = 0; i < RUNS; i++) sequential.push(Math.round((await timedRun(false)).ms));
        clearInterval(sampler);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const maxRssMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
        const figures = {
            date: new Date().toISOString(),
            node: process.version,
            runs: RUNS,
            checks: only,
            pageDelayMs: delays,
            concurrentMedianMs: median(concurrent),
            sequentialMedianMs: median(sequential),
            speedUp: Math.round((median(sequential) / median(concurrent)) * 100) / 100,
            concurrentMs: concurrent,
            sequentialMs: sequential,
            peakRssMb: Math.round(peakRss / 1024 / 1024),
            maxRssMb: Math.round(maxRssMb),
            statuses: Object.fromEntries(last.map((r) => [r.id, r.status])),
            perCheckMs: Object.fromEntries(last.map((r) => [r.id, r.durationMs])),
        };
        const ok = {
            concurrent: figures.concurrentMedianMs < TARGETS.concurrentMs,
            speedUp: figures.speedUp >= TARGETS.speedUp,
            memory: Math.max(figures.peakRssMb, figures.maxRssMb) < TARGETS.rssMb,
            allPass: last.every((r) => r.status === "pass"),
        };
        const mark = (b: boolean) => (b ? "ok " : "MISS");
        console.log(`post-deploy suite on the loopback replica (${only.join(", ")}), ${RUNS} runs each after a warm-up`);
        console.log(`key pages answer after 50-80 ms (${paths.map((p) => `${p} ${delays[p]}`).join(", ")}) to stand for real page renders`);
        console.log(`[${mark(ok.concurrent)}] concurrent median  ${figures.concurrentMedianMs} ms   (target < ${TARGETS.concurrentMs} ms)  runs ${concurrent.join(", ")}`);
        console.log(`       sequential median  ${figures.sequentialMedianMs} ms   runs ${sequential.join(", ")}`);
        console.log(`[${mark(ok.speedUp)}] speed-up           ${figures.speedUp}x   (target ≥ ${TARGETS.speedUp}x)`);
        console.log(`[${mark(ok.memory)}] peak RSS           ${figures.peakRssMb} MB sampled, ${figures.maxRssMb} MB maxRSS   (target < ${TARGETS.rssMb} MB)`);
        console.log(`[${mark(ok.allPass)}] statuses           ${last.map((r) => `${r.id} ${r.status} ${r.durationMs} ms`).join(", ")}`);
        const out = path.join(__dirname, "checks-results.json");
        writeFileSync(out, JSON.stringify({ ...figures, targets: TARGETS, met: ok }, null, 2) + "\n");
        console.log(`figures written to ${path.relative(process.cwd(), out)}`);
        return Object.values(ok).every(Boolean) ? 0 : 1;
    } finally {
        clearInterval(sampler);
        await world.close();
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(`bench:checks: ${(err as Error).stack ?? err}`);
        process.exit(2);
    },
);
