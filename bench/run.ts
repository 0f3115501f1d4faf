// `npm run bench`: the figures of the rehearsal, measured on the loopback replica; each is the median
// of several runs in this process, with its spread. Written to bench/results.json only with
// --write. Everything runs on this machine; nothing leaves loopback.
import * as os from "os";
import { startWorld, ReplicaWorld } from "../replica/world";
import { checkDnsPropagation } from "../checks/dnsPropagation";
import { sleep } from "../checks/net";
import type { NetOptions } from "../checks/types";
import { Prober } from "../rehearsal/prober";
import { rehearse, RehearsalReport } from "../rehearsal/run";
import { Figure, figureOf, measureCheckSuite, saveResults, showFigure } from "./checks";

const RUNS = 5;
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

if (require.main === module) {
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
