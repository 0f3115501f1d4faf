// `npm run bench`: the figures of the rehearsal, measured on the loopback replica; each is the median
// of several runs in this process, with its spread. Written to bench/results.json only with
// --write. Everything runs on this machine; nothing leaves loopback.
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { startWorld, ReplicaWorld } from "../replica/world";
import { checkDnsPropagation } from "../checks/dnsPropagation";
import { sleep } from "../checks/net";
import type { NetOptions } from "../checks/types";
import { Prober } from "../rehearsal/prober";
import { rehearse, RehearsalReport } from "../rehearsal/run";
import { Figure, figureOf, measureCheckSuite, saveResults, showFigure } from "./checks";

const RUNS = 5;
/** Start-ups of each command measured, interleaved with `node -e 0` (issue 18 item 9). */
const STARTUP_RUNS = Math.max(5, Math.min(31, Number(process.env.BENCH_STARTUP_RUNS ?? 9)));
/** The goal: a command's start-up at most this many times a bare `node -e 0` of the same run. */
const STARTUP_GOAL = 3;
const ROOT = path.join(__dirname, "..");

interface StartupFigures {
    runs: number;
    /** "compiled": dist/ matched the sources (cli/build.js); otherwise the bin ran the TypeScript. */
    mode: string;
    node: Figure;
    help: Figure;
    verifyHelp: Figure;
    /** Medians as multiples of `node -e 0`'s median in the same run. */
    ratio: { help: number; verifyHelp: number };
    goal: number;
}

/**
 * `golive --help` and `golive verify --help` through the bin (cli/golive.js, as npx runs it) against
 * `node -e 0`, each run in turn so a busy machine weighs on all three alike. dist/ is built first
 * when it does not match the sources: the figure is the shipped command's.
 */
function measureStartup(): StartupFigures {
    const build = require(path.join(ROOT, "cli", "build.js")) as { buildState(root?: string): string; build(root?: string): number };
    if (build.buildState(ROOT) !== "fresh" && build.build(ROOT) !== 0) throw new Error("cli/build.js failed: the compiled CLI cannot be measured");
    const mode = build.buildState(ROOT) === "fresh" ? "compiled" : "TypeScript (dist/ stale)";
    const bin = path.join(ROOT, "cli", "golive.js");
    const cases = { node: ["-e", "0"], help: [bin, "--help"], verifyHelp: [bin, "verify", "--help"] } as const;
    const ms: Record<keyof typeof cases, number[]> = { node: [], help: [], verifyHelp: [] };
    for (let i = 0; i < STARTUP_RUNS; i++) {
        for (const key of Object.keys(cases) as Array<keyof typeof cases>) {
            const t0 = process.hrtime.bigint();
            const r = spawnSync(process.execPath, [...cases[key]], { cwd: ROOT, stdio: "ignore", timeout: 60_000 });
            if (r.status !== 0) throw new Error(`${cases[key].join(" ")} exited ${r.status ?? r.signal}`);
            ms[key].push(Math.round(Number(process.hrtime.bigint() - t0) / 1e6));
        }
    }
    const node = figureOf(ms.node);
    const help = figureOf(ms.help);
    const verifyHelp = figureOf(ms.verifyHelp);
    const ratio = (f: Figure) => Math.round((f.median / node.median) * 100) / 100;
    return { runs: STARTUP_RUNS, mode, node, help, verifyHelp, ratio: { help: ratio(help), verifyHelp: ratio(verifyHelp) }, goal: STARTUP_GOAL };
}

function showStartup(s: StartupFigures): string {
    const met = s.ratio.help <= s.goal && s.ratio.verifyHelp <= s.goal;
    return (
        `start-up (${s.mode}, median of ${s.runs}, interleaved): node -e 0 ${showFigure(s.node)}; golive --help ${showFigure(s.help)} = ${s.ratio.help}×; ` +
        `golive verify --help ${showFigure(s.verifyHelp)} = ${s.ratio.verifyHelp}× (goal ≤ ${s.goal}×: ${met ? "met" : "NOT met"})`
    );
}
/** Rehearsals of each kind (clean, control): each takes seconds. */
const REHEARSALS = Math.max(1, Math.min(10, Number(process.env.BENCH_REHEARSALS ?? 3)));

/** From the replica record change to the DNS check passing and to the prober reaching the new host. */
async function switchLatency(world: ReplicaWorld, net: NetOptions): Promise<Record<string, unknown>> {
    const toCheck: number[] = [];
    const toProber: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        world.pointAt("old");
        const prober = new Prober({ urls: [`https://${world.www}/`], net: { ...net, attempts: 1 }, timeoutMs: 1_000 }).start("old");
        try {
            await prober.ready();
            await sleep(200);
            const check = checkDnsPropagation({ domain: world.domain, expected: { apex: [world.newSite.host], www: [world.newSite.host] }, timeoutMs: 5_000, pollMs: 50 }, net);
            await sleep(100);
            const switchedAt = Date.now();
            world.pointAt("new");
            prober.mark("new");
            const result = await check;
            if (result.status !== "pass") throw new Error(`DNS check did not see the switch: ${result.reason}`);
            toCheck.push(Date.now() - switchedAt);
            const deadline = Date.now() + 3_000;
            while (Date.now() < deadline && !prober.samples.some((s) => s.phase === "new" && s.detail === "vercel")) await sleep(5);
            const seen = prober.samples.find((s) => s.phase === "new" && s.detail === "vercel");
            if (!seen) throw new Error("the prober never reached the new host");
            // Probe start times are on the prober's clock; the sample's end is when it was recorded.
            toProber.push(Date.now() - switchedAt);
        } finally {
            await prober.stop();
        }
    }
    return { runs: RUNS, dnsCheck: figureOf(toCheck), prober: figureOf(toProber), samples: { dnsCheck: toCheck, prober: toProber }, note: "DNS check polls every 50 ms; the prober probes every 50 ms; the replica DNS has no cache" };
}

/** Several rehearsals of one kind, one after the other, in this process: each figure's median and spread. */
async function rehearsals(label: string, fault?: string) {
    const runs: RehearsalReport[] = [];
    for (let i = 0; i < REHEARSALS; i++) {
        console.log(`rehearsal, ${label} (${i + 1}/${REHEARSALS})…`);
        runs.push(await rehearse({ fast: true, ...(fault ? { fault } : {}) }));
    }
    const numbers = (pick: (r: RehearsalReport) => number | null) => runs.map(pick).filter((x): x is number => x !== null);
    const fig = (xs: number[]): Figure | null => (xs.length > 0 ? figureOf(xs) : null);
    return {
        runs: runs.length,
        ok: runs.filter((r) => r.ok).length,
        failedProbesCutover: fig(numbers((r) => r.figures.failedProbesCutover)),
        failedProbesRollback: fig(numbers((r) => r.figures.failedProbesRollback)),
        probes: fig(numbers((r) => r.figures.probes.total)),
        dnsSwitchToGreenMs: fig(numbers((r) => r.figures.dnsSwitchToGreenMs)),
        totalMs: fig(numbers((r) => r.figures.totalMs)),
        eventLoopMaxMs: fig(numbers((r) => r.figures.probes.eventLoopMaxMs)),
    };
}

type RehearsalFigures = Awaited<ReturnType<typeof rehearsals>>;

export async function bench(): Promise<Record<string, unknown>> {
    console.log("start-up of the golive command…");
    const startup = measureStartup();
    console.log(showStartup(startup));
    // The suite's timing is bench:checks' measurement (replica in a child process, with latency).
    console.log("check suite: concurrent vs sequential…");
    const suite = await measureCheckSuite();
    const world = await startWorld({ pointAt: "new" });
    let latency: Record<string, unknown>;
    try {
        const net: NetOptions = { ...world.net, timeoutMs: 2_000, attempts: 2 };
        console.log("DNS switch → detected…");
        latency = await switchLatency(world, net);
    } finally {
        await world.close();
    }
    const clean = await rehearsals("clean");
    const control = await rehearsals("delete-recreate fault (control)", "delete-recreate");
    return {
        generatedAt: new Date().toISOString(),
        machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model },
        startup,
        checkSuite: {
            checks: suite.checks,
            runs: suite.runs,
            judgedOn: suite.judgedOn,
            concurrent: suite.scenarios.rtt.concurrent,
            sequential: suite.scenarios.rtt.sequential,
            speedup: suite.scenarios.rtt.speedUp,
            speedupRange: suite.scenarios.rtt.speedUpRange,
            pagesOnly: { concurrent: suite.scenarios.pagesOnly.concurrent, sequential: suite.scenarios.pagesOnly.sequential, speedup: suite.scenarios.pagesOnly.speedUp },
            peakRssMb: suite.peakRssMb,
        },
        dnsSwitchToDetected: latency,
        rehearsal: { clean, deleteRecreate: control },
        peakMemoryMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
}

if (require.main === module && process.argv.includes("--startup")) {
    // `npm run bench -- --startup`: the start-up figures alone (seconds, not the rehearsals' minutes).
    try {
        console.log(showStartup(measureStartup()));
        process.exit(0);
    } catch (err) {
        console.error(`bench failed: ${(err as Error).message}`);
        process.exit(1);
    }
} else if (require.main === module) {
    bench().then(
        (results) => {
            const s = results.checkSuite as { checks: string[]; runs: number; judgedOn: string; concurrent: Figure; sequential: Figure; speedup: number; speedupRange: { min: number; max: number }; pagesOnly: { speedup: number } };
            const l = results.dnsSwitchToDetected as { dnsCheck: Figure; prober: Figure };
            const r = results.rehearsal as Record<"clean" | "deleteRecreate", RehearsalFigures>;
            const show = (f: Figure | null, unit = " ms") => (f ? showFigure(f, unit) : "—");
            console.log(
                [
                    "",
                    `check suite (${s.checks.join(", ")}), median of ${s.runs}, ${s.judgedOn}:`,
                    `  concurrent ${showFigure(s.concurrent)}, sequential ${showFigure(s.sequential)}, speed-up ${s.speedup}× (${s.speedupRange.min}–${s.speedupRange.max}× run by run); page delays only ×${s.pagesOnly.speedup}`,
                    `DNS switch → detected: DNS check ${showFigure(l.dnsCheck)}, prober ${showFigure(l.prober)}`,
                    `rehearsal, clean (${r.clean.ok}/${r.clean.runs} ok): failed probes in cutover ${show(r.clean.failedProbesCutover, "")}, in rollback ${show(r.clean.failedProbesRollback, "")}; ` +
                        `DNS switch → all checks green ${show(r.clean.dnsSwitchToGreenMs)}; whole rehearsal ${show(r.clean.totalMs)}`,
                    `rehearsal, delete-then-recreate fault (control): failed probes in cutover ${show(r.deleteRecreate.failedProbesCutover, "")}`,
                    showStartup(results.startup as StartupFigures),
                    `peak memory (max RSS) of this process: ${results.peakMemoryMB} MB`,
                ].join("\n"),
            );
            saveResults("results.json", results);
            // The control must show downtime, or the prober proves nothing; a clean run must show none.
            const cleanProbes = r.clean.failedProbesCutover?.max ?? 0;
            const controlProbes = r.deleteRecreate.failedProbesCutover?.min ?? 0;
            process.exit(cleanProbes === 0 && controlProbes > 0 ? 0 : 1);
        },
        (err) => {
            console.error(`bench failed: ${(err as Error).message}`);
            process.exit(1);
        },
    );
}
