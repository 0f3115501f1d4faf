// `npm run bench:wayback`: what each fault costs visitors, and how short the way back is (issue 16).
//
// 1. Every fault of the rehearsal, once each on the mock engine: failed probes, whether a site record
//    ever changed, and the check that stopped the go-live (before the switch, after it, or prepare).
// 2. The fault only the switch can reveal (fails-under-traffic), several times on the real engine
//    when this machine has it: from the first failed check to both names on the old host again
//    (R-1 decided at once, the records back first), median and spread, against the goal (≤ 2 s).
//
// Options: --runs N (engine runs, default 5), --engine mock|pulumi (default: pulumi when built),
// --faults-only, --way-back-only, --rate-limited (the way back under Cloudflare's rate limit: the
// rate-limited fault's 429s too, real engine only), --write (bench/wayback-results.json). Nothing leaves loopback.
import * as os from "os";
import { rehearse, RehearsalReport } from "../rehearsal/run";
import { FAULTS } from "../rehearsal/faults";
import { findEngine, isEngine } from "../lib/engine";
import { Figure, figureOf, saveResults, showFigure } from "./checks";

const GOAL_MS = 2_000;
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

async function wayBack(runs: number, engine: "mock" | "pulumi"): Promise<{ engine: string; runs: number; ms: number[]; figure: Figure | null; failedProbes: Figure | null; goalMs: number }> {
    const ms: number[] = [];
    const failed: number[] = [];
    let version: string = engine;
    for (let i = 0; i < runs; i++) {
        console.log(`rehearsal (${engine}), ${SWITCH_ONLY_FAULT} (${i + 1}/${runs})…`);
        const r = await rehearse({ engine, fault: SWITCH_ONLY_FAULT, ...(process.argv.includes("--rate-limited") ? { armAlso: "rate-limited" } : {}) });
        version = r.engine.kind === "pulumi" ? `pulumi ${r.engine.version}` : "mock";
        if (r.figures.failedCheckToOldSiteMs !== null) ms.push(r.figures.failedCheckToOldSiteMs);
        failed.push(r.figures.probes.failed);
    }
    return { engine: version, runs, ms, figure: ms.length > 0 ? figureOf(ms) : null, failedProbes: failed.length > 0 ? figureOf(failed) : null, goalMs: GOAL_MS };
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
        const w = await wayBack(runs, engine);
        results.wayBack = w;
        met = !!w.figure && w.figure.median <= GOAL_MS;
        console.log(
            `\nfirst failed check → old site on both names (${SWITCH_ONLY_FAULT}, ${w.engine}, ${w.ms.length}/${w.runs} runs): ` +
                `${w.figure ? showFigure(w.figure) : "—"} (goal median ≤ ${GOAL_MS} ms: ${met ? "met" : "NOT met"}); failed probes ${w.failedProbes ? showFigure(w.failedProbes, "") : "—"}`,
        );
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
