// `npm run bench:wayback`: what each fault costs visitors, and how short the way back is (issue 16).
//
// 1. Every fault of the rehearsal, once each on the mock engine: failed probes, whether a site record
//    ever changed, and the check that stopped the go-live (before the switch, after it, or prepare).
// 2. The fault only the switch can reveal (fails-under-traffic), several times on the real engine
//    when this machine has it, both ways back in the same run (issue 25): today's (the rollback's
//    records-first update once the cutover ended) and the new one (Cloudflare's API at the first
//    failed check): first failed check → both names on the old host at the zone's servers, and
//    probed; the failed probes; what a visitor behind a caching resolver sees. Goal for the new
//    path: median ≤ 1 s, ≤ 20 failed probes, 0 records deleted.
//
// Options: --runs N (engine runs, default 5), --engine mock|pulumi (default: pulumi when built),
// --faults-only, --way-back-only, --rate-limited (the way back under Cloudflare's rate limit: the
// rate-limited fault's 429s too, real engine only), --write (bench/wayback-results.json). Nothing leaves loopback.
import * as os from "os";
import { rehearse, RehearsalReport } from "../rehearsal/run";
import { FAULTS } from "../rehearsal/faults";
import { findEngine, isEngine } from "../operations/engine";
import { Figure, figureOf, saveResults, showFigure } from "./checks";

const GOAL_MS = 1_000;
const GOAL_FAILED_PROBES = 20;
const SWITCH_ONLY_FAULT = "fails-under-traffic";

interface FaultRow {
    fault: string;
    ok: boolean;
    failedProbes: number;
    setApart: number;
    dnsSwitched: boolean;
    /** Where the go-live stopped and on what: "before the switch: MEP-09", "prepare: …", "after the switch: MEP-09", or "—". */
    stoppedBy: string;
}

function stoppedBy(r: RehearsalReport): string {
    if (r.stoppedAt === "prepare") return `prepare: ${(r.problems[0] ?? "").replace(/^prepare failed, the go-live stops there: /, "").slice(0, 80)}`;
    const failed = r.cutoverChecks.filter((c) => c.status === "fail");
    if (failed.length === 0) return r.phases.some((p) => p.phase.startsWith("adopt") && !p.ok) ? "adopt (refused at preview)" : "—";
    const before = failed.filter((c) => c.stage === "pre-switch").map((c) => c.id);
    const after = failed.filter((c) => c.stage !== "pre-switch").map((c) => c.id);
    return before.length > 0 ? `before the switch: ${[...new Set(before)].join(", ")}` : `after the switch: ${[...new Set(after)].join(", ")}`;
}

async function faults(): Promise<FaultRow[]> {
    const rows: FaultRow[] = [];
    for (const f of [{ name: "" }, ...FAULTS.filter((x) => !x.needsRealEngine)]) {
        console.log(`rehearsal (mock engine), ${f.name || "clean"}…`);
        const r = await rehearse({ engine: "mock", fast: true, ...(f.name ? { fault: f.name } : {}) });
        rows.push({
            fault: f.name || "clean",
            ok: r.ok,
            failedProbes: r.figures.probes.failed,
            setApart: (r.figures.probes.stalled ?? 0) + (r.figures.probes.stalledReplica ?? 0),
            dnsSwitched: r.figures.dnsSwitched,
            stoppedBy: stoppedBy(r),
        });
    }
    return rows;
}

interface PathFigures {
    /** "engine" (the rollback's updates, the path before issue 25) or "direct" (Cloudflare's API at the first failed check). */
    path: "engine" | "direct";
    engine: string;
    runs: number;
    /** First failed check → both names on the old host at the zone's servers. */
    zoneMs: number[];
    zone: Figure | null;
    /** First failed check → both names probed on the old host. */
    probedMs: number[];
    probed: Figure | null;
    failedProbes: Figure | null;
    /** A visitor behind a caching resolver: up to this long on the new address (zone + the record's TTL). */
    cachedVisitor: Figure | null;
    recordDeletes: number;
}

async function wayBack(runs: number, engine: "mock" | "pulumi"): Promise<PathFigures[]> {
    const paths: Array<"engine" | "direct"> = engine === "pulumi" ? ["engine", "direct"] : ["engine"];
    const acc = Object.fromEntries(paths.map((p) => [p, { zone: [] as number[], probed: [] as number[], failed: [] as number[], cached: [] as number[], deletes: 0 }]));
    let version: string = engine;
    // Both paths in the same run, alternated, so that the machine's load weighs on both alike.
    for (let i = 0; i < runs; i++) {
        for (const path of paths) {
            console.log(`rehearsal (${engine}), ${SWITCH_ONLY_FAULT}, way back ${path} (${i + 1}/${runs})…`);
            const r = await rehearse({ engine, fault: SWITCH_ONLY_FAULT, wayBack: path, ...(process.argv.includes("--rate-limited") ? { armAlso: "rate-limited" } : {}) });
            version = r.engine.kind === "pulumi" ? `pulumi ${r.engine.version}` : "mock";
            const a = acc[path];
            if (r.figures.wayBack?.zoneMs !== undefined) a.zone.push(r.figures.wayBack.zoneMs);
            if (r.figures.wayBack?.cachedVisitorMs !== undefined) a.cached.push(r.figures.wayBack.cachedVisitorMs);
            if (r.figures.failedCheckToOldSiteMs !== null) a.probed.push(r.figures.failedCheckToOldSiteMs);
            a.failed.push(r.figures.probes.failed);
            a.deletes += r.figures.dnsRecordDeletes;
        }
    }
    const fig = (xs: number[]) => (xs.length > 0 ? figureOf(xs) : null);
    return paths.map((path) => {
        const a = acc[path];
        return { path, engine: version, runs, zoneMs: a.zone, zone: fig(a.zone), probedMs: a.probed, probed: fig(a.probed), failedProbes: fig(a.failed), cachedVisitor: fig(a.cached), recordDeletes: a.deletes };
    });
}

async function main(): Promise<number> {
    const arg = (name: string) => {
        const i = process.argv.indexOf(name);
        return i >= 0 ? process.argv[i + 1] : undefined;
    };
    const runs = Math.max(1, Math.min(20, Number(arg("--runs") ?? 5)));
    const found = findEngine();
    const engine = (arg("--engine") as "mock" | "pulumi" | undefined) ?? (isEngine(found) ? "pulumi" : "mock");
    const results: Record<string, unknown> = {
        generatedAt: new Date().toISOString(),
        machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    };
    if (!process.argv.includes("--way-back-only")) {
        const rows = await faults();
        results.faults = rows;
        console.log("\nfault                 failed probes  site records moved  stopped by");
        for (const r of rows) console.log(`  ${r.fault.padEnd(20)}  ${String(r.failedProbes).padStart(13)}  ${(r.dnsSwitched ? "yes" : "no").padStart(18)}  ${r.stoppedBy}`);
    }
    let met = true;
    if (!process.argv.includes("--faults-only")) {
        const figures = await wayBack(runs, engine);
        results.wayBack = { goalMs: GOAL_MS, goalFailedProbes: GOAL_FAILED_PROBES, paths: figures };
        console.log(`\nthe way back (${SWITCH_ONLY_FAULT}, ${figures[0].engine}, ${runs} run(s) per path, both paths in this run):`);
        for (const w of figures) {
            const label = w.path === "direct" ? "new: Cloudflare's API at the first failed check" : "today's: the rollback's records-first update";
            console.log(`  ${label}`);
            console.log(`    first failed check → both names on the old host at the zone's servers: ${w.zone ? showFigure(w.zone) : "—"}`);
            console.log(`    first failed check → both names probed on the old host:                ${w.probed ? showFigure(w.probed) : "—"}`);
            console.log(`    failed probes (50 ms a probe per name):                                ${w.failedProbes ? showFigure(w.failedProbes, "") : "—"}`);
            console.log(`    records deleted:                                                       ${w.recordDeletes}`);
            console.log(`    a visitor behind a caching resolver: on the new address up to          ${w.cachedVisitor ? showFigure(w.cachedVisitor) : "—"} after the first failed check (the record's TTL after the way back)`);
        }
        const direct = figures.find((w) => w.path === "direct");
        met = !!direct?.zone && direct.zone.median <= GOAL_MS && !!direct.failedProbes && direct.failedProbes.median <= GOAL_FAILED_PROBES && direct.recordDeletes === 0;
        console.log(`goal (new path: median ≤ ${GOAL_MS} ms, ≤ ${GOAL_FAILED_PROBES} failed probes, 0 records deleted): ${met ? "met" : "NOT met"}`);
    }
    console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(", ")} (2 cores: figures taken under load are slower)`);
    saveResults("wayback-results.json", results);
    return met ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            console.error(`bench failed: ${(err as Error).message}`);
            process.exit(2);
        },
    );
}
