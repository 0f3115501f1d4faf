// The visitor's view of the go-live: while the rehearsal runs, https://www.<domain>/ and the apex
// are requested every 50 ms through the replica DNS, and every failure (network or TLS error,
// status ≥ 400, too many redirects) is counted in the phase it was sent in. Zero downtime (plan
// section 1) means zero failed probes.
//
// The probes run in a process of their own (rehearsal/proberChild.ts): this process hosts the
// replica's DNS and sites (and, on the mock engine, the engine itself), and a stall here must
// neither stop the probing (hiding a failure a visitor would see) nor, unnoticed, make probes time
// out (inventing one). This side knows the phases; the child sends each probe with its wall-clock
// send time, and the probe is counted in the phase current at that time.
import { ChildProcess, fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { NetOptions } from "../checks/types";
import { StallWatch } from "./stallWatch";
import { freshBuildDir } from "../shared/freshBuild";

/**
 * A probe slower than this counts as failed. The replica and the program share one process, whose
 * event loop stalls up to ~0.8 s while Pulumi serializes the check providers: that stall is not the
 * go-live's doing, and a visitor waiting 3 s is still served. Real downtime (a name that does not
 * resolve, a wrong certificate, an error status) fails at once whatever the timeout. On a machine
 * busy enough to stall a process longer, a probe that timed out while the prober's or the
 * replica's process stood still for half its wait (at most half this timeout) is counted apart,
 * with the reason.
 */
export const PROBE_TIMEOUT_MS = 3_000;

/** Why a probe is set apart: which process stood still while it timed out. */
export type StalledProcess = "prober" | "replica";

export interface ProbeSample {
    /** When the probe was sent, ms on the prober's clock (the `now` option). */
    at: number;
    url: string;
    /** The phase current when the probe was sent. */
    phase: string;
    ok: boolean;
    status?: number;
    /** Who answered (`x-served-by`), or the error. */
    detail: string;
    /** How long it took, sent to answer or error (ms). */
    ms?: number;
    /**
     * Set apart, not counted as failed: the probe timed out (no answer, no DNS answer) while a
     * process stood still for at least half its wait (at most half the probe timeout), so the
     * timeout measured that process, not the site. "prober": the prober's own process; "replica": the process serving the
     * replica's DNS and sites (the one that created the Prober). An error or a wrong answer (status
     * ≥ 400, a wrong certificate, NXDOMAIN) is never set apart.
     */
    stalled?: StalledProcess;
    /** Why it was set apart, with the length of the stall. */
    setApartBecause?: string;
}

export interface PhaseFigures {
    total: number;
    failed: number;
    /** Who served the successful probes, e.g. { "old-host": 40, vercel: 12 }. */
    servedBy: Record<string, number>;
}

export interface ProbeFigures {
    total: number;
    failed: number;
    /** Probes that timed out while the prober's own process stood still (see ProbeSample.stalled), not in `failed`. */
    stalled: number;
    /** Probes that timed out while the replica's process (DNS and sites) stood still, not in `failed`. */
    stalledReplica: number;
    /** The first probes set apart (up to 20), each with its reason. */
    setApart: ProbeSample[];
    byPhase: Record<string, PhaseFigures>;
    /** ms (prober clock) of the first failure, if any. */
    firstFailureAt?: number;
    lastFailureAt?: number;
    /** Up to 20 failures, first ones first. */
    failures: ProbeSample[];
    durationMs: number;
    /** True when the hard cap stopped the prober before stop(). */
    capped: boolean;
    /**
     * Longest stall of the replica's process (this one: its DNS and site servers, the mock engine)
     * while probing. A stall near the probe timeout makes probes time out: those are set apart.
     */
    eventLoopMaxMs: number;
    /** Longest stall of the prober's own process while probing (known once it has stopped). */
    proberEventLoopMaxMs: number;
    /** ms from starting the prober's process to its first probe; null when it never probed. */
    proberStartMs: number | null;
    /** Set when the prober's process ended before stop() asked it to (or did not answer it): the figures miss what came after. */
    proberLost?: string;
}

export interface ProberOptions {
    urls: string[];
    net: NetOptions;
    /** Interval between two probes of a URL (default 50 ms). */
    intervalMs?: number;
    /** Per-request timeout (default 1 000 ms): a hung request is a failed probe. */
    timeoutMs?: number;
    /** Redirects followed (default 2: http→https, apex→www). */
    maxHops?: number;
    /** Hard cap on the prober's life (default 5 min), whatever happens to stop() or to this process. */
    maxDurationMs?: number;
    /** Clock shared with the engine (ms), so probe times line up with steps. */
    now?: () => number;
}

/** What the prober's process needs to probe (sent once, over IPC). */
export interface ProbeSettings {
    urls: string[];
    net: NetOptions;
    intervalMs: number;
    timeoutMs: number;
    maxHops: number;
    maxDurationMs: number;
}

/** Messages from this process to the prober's. */
export type ToProber = { t: "start"; settings: ProbeSettings } | { t: "stop" };

/** Messages from the prober's process. */
export type FromProber =
    | { t: "ready" }
    | {
          t: "sample";
          url: string;
          /** Wall clock (Date.now) when the probe was sent and when its answer (or error) came. */
          sent: number;
          ended: number;
          ok: boolean;
          status?: number;
          detail: string;
          /** No answer in time (request or DNS query timed out): the only outcome a stall can explain. */
          timedOut: boolean;
          /** How long the prober's own process stood still while this probe was out (timed-out probes only). */
          proberStalledMs: number;
      }
    | { t: "done"; capped: boolean; eventLoopMaxMs: number };

const MAX_KEPT = 20;
/** Beyond the probes in flight (each bounded by its timeouts): time for the child to answer stop(). */
const STOP_GRACE_MS = 2_000;
/** Time for the prober's process to load (ts-node, axios) and send its first probe. */
const START_BOUND_MS = 30_000;

/** The child's entry, and how to run it: through ts-node when this module runs as TypeScript. */
function childCommand(): { entry: string; execArgv: string[]; env: NodeJS.ProcessEnv } {
    const ext = path.extname(__filename);
    const entry = path.join(__dirname, `proberChild${ext}`);
    if (ext !== ".ts") return { entry, execArgv: [], env: process.env };
    // The build of these sources when it is fresh (cli/build.js), as the replica plugins: it starts
    // without loading TypeScript.
    const build = freshBuildDir();
    const compiled = build && path.join(build, "rehearsal", "proberChild.js");
    if (compiled && fs.existsSync(compiled)) return { entry: compiled, execArgv: [], env: process.env };
    // The project's tsconfig wherever the caller's working directory is; only the transpiler, no
    // type check (the parent's options, e.g. --inspect, are not passed on).
    return {
        entry,
        execArgv: ["-r", require.resolve("ts-node/register/transpile-only")],
        env: { ...process.env, TS_NODE_PROJECT: path.join(__dirname, "..", "tsconfig.json") },
    };
}

export class Prober {
    private phase = "start";
    /** Phase changes, wall clock: a probe belongs to the phase current when it was sent. */
    private readonly marks: Array<{ at: number; label: string }> = [];
    private child?: ChildProcess;
    private stopping = false;
    private done = false;
    private closed?: Promise<void>;
    private readyState?: Promise<void>;
    private startedAt = 0;
    private capped = false;
    private lost?: string;
    private startMs: number | null = null;
    private proberLagMs = 0;
    private stderrTail = "";
    /** Stalls of this process, where the replica's servers run. */
    private readonly replica = new StallWatch();
    readonly samples: ProbeSample[] = [];
    private readonly opts: Required<Omit<ProberOptions, "now">> & { now: () => number };

    constructor(opts: ProberOptions) {
        const t0 = Date.now();
        this.opts = {
            intervalMs: 50,
            timeoutMs: 1_000,
            maxHops: 2,
            maxDurationMs: 300_000,
            now: () => Date.now() - t0,
            ...opts,
        };
    }

    /** The prober's process id while it runs. */
    get pid(): number | undefined {
        return this.child?.pid;
    }

    /** Starts the prober's process (one probing loop per URL); ready() says when it probes. */
    start(label = "start"): this {
        if (this.child) return this;
        this.mark(label);
        this.startedAt = this.opts.now();
        this.stopping = false;
        this.done = false;
        this.replica.start();
        const { urls, net, intervalMs, timeoutMs, maxHops, maxDurationMs } = this.opts;
        // Its own hard cap on life, counted from its start: the time to load, the cap on probing,
        // the probes in flight and the grace to report.
        const lifeMs = START_BOUND_MS + maxDurationMs + this.stopBoundMs();
        const cmd = childCommand();
        const forkedAt = Date.now();
        const child = fork(cmd.entry, [String(lifeMs)], { execArgv: cmd.execArgv, env: cmd.env, stdio: ["ignore", "ignore", "pipe", "ipc"], serialization: "json" });
        this.child = child;
        child.stderr?.on("data", (d: Buffer) => {
            this.stderrTail = (this.stderrTail + d.toString("utf8")).slice(-2_000);
        });
        // The prober never keeps this process alive: if it ends without stop(), the child sees the
        // IPC channel close and exits.
        child.unref();
        child.channel?.unref();
        (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
        let readyResolve!: () => void;
        let readyReject!: (err: Error) => void;
        this.readyState = new Promise<void>((resolve, reject) => {
            readyResolve = resolve;
            readyReject = reject;
        });
        this.readyState.catch(() => undefined);
        const startTimer = setTimeout(() => {
            if (this.startMs !== null || this.child !== child) return;
            this.lose(`did not start probing within ${START_BOUND_MS / 1000} s: killed`);
            child.kill("SIGKILL");
        }, START_BOUND_MS);
        startTimer.unref();
        child.on("message", (m: FromProber) => {
            if (m.t === "ready") {
                this.startMs = Date.now() - forkedAt;
                clearTimeout(startTimer);
                readyResolve();
            } else if (m.t === "sample") this.record(m);
            else if (m.t === "done") {
                this.done = true;
                this.capped ||= m.capped;
                this.proberLagMs = Math.max(this.proberLagMs, m.eventLoopMaxMs);
            }
        });
        child.on("error", (err) => this.lose(`could not run: ${err.message}`));
        this.closed = new Promise<void>((resolve) => {
            child.on("close", (code, signal) => {
                clearTimeout(startTimer);
                if (!this.done && !this.lost) this.lose(`exited before its figures were in (${signal ?? `code ${code}`})${this.stderrTail.trim() ? `: ${this.stderrTail.trim().split("\n").slice(-3).join(" | ")}` : ""}`);
                readyReject(new Error(`the prober's process ${this.lost}`));
                resolve();
            });
        });
        child.send({ t: "start", settings: { urls, net, intervalMs, timeoutMs, maxHops, maxDurationMs } } satisfies ToProber);
        return this;
    }

    /** Resolves once the prober's process sends probes; rejects, saying why, if it never does. */
    ready(): Promise<void> {
        return this.readyState ?? Promise.reject(new Error("the prober was not started"));
    }

    /** The phases marked so far (`mark`), on the caller's clock (the `now` option). */
    get phaseMarks(): Array<{ at: number; label: string }> {
        const shift = this.opts.now() - Date.now();
        return this.marks.map((m) => ({ at: m.at + shift, label: m.label }));
    }

    /** Probes sent from now on are counted under `label`. */
    mark(label: string): void {
        this.phase = label;
        this.marks.push({ at: Date.now(), label });
    }

    get currentPhase(): string {
        return this.phase;
    }

    /**
     * Stops after the probes in flight (each bounded by its timeouts) and returns the figures.
     * Bounded: a prober's process that does not answer in time is killed (and `proberLost` says so).
     */
    async stop(): Promise<ProbeFigures> {
        const child = this.child;
        if (!child) return this.figures();
        this.stopping = true;
        if (this.startMs === null) {
            // Not probing yet: nothing to wait for.
            child.kill("SIGKILL");
            this.done = true;
        } else if (child.connected) {
            child.send({ t: "stop" } satisfies ToProber, () => undefined);
        }
        let timer: NodeJS.Timeout | undefined;
        const inTime = await Promise.race([this.closed!.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.stopBoundMs())))]);
        clearTimeout(timer);
        if (!inTime) {
            this.lose(`did not answer stop() within ${this.stopBoundMs()} ms: killed`);
            child.kill("SIGKILL");
            await Promise.race([this.closed, new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
        }
        this.replica.stop();
        this.child = undefined;
        return this.figures();
    }

    figures(): ProbeFigures {
        const byPhase: Record<string, PhaseFigures> = {};
        const failures = this.samples.filter((s) => !s.ok && !s.stalled);
        for (const s of this.samples) {
            const f = (byPhase[s.phase] ??= { total: 0, failed: 0, servedBy: {} });
            f.total++;
            if (s.ok) f.servedBy[s.detail] = (f.servedBy[s.detail] ?? 0) + 1;
            else if (!s.stalled) f.failed++;
        }
        return {
            total: this.samples.length,
            failed: failures.length,
            stalled: this.samples.filter((s) => s.stalled === "prober").length,
            stalledReplica: this.samples.filter((s) => s.stalled === "replica").length,
            setApart: this.samples.filter((s) => s.stalled).slice(0, MAX_KEPT),
            byPhase,
            ...(failures.length ? { firstFailureAt: failures[0].at, lastFailureAt: failures[failures.length - 1].at } : {}),
            failures: failures.slice(0, MAX_KEPT),
            durationMs: this.opts.now() - this.startedAt,
            capped: this.capped,
            eventLoopMaxMs: this.replica.maxMs,
            proberEventLoopMaxMs: this.proberLagMs,
            proberStartMs: this.startMs,
            ...(this.lost ? { proberLost: this.lost } : {}),
        };
    }

    /** The longest a stop() can take with a prober's process that answers: its probes in flight, then the grace. */
    private stopBoundMs(): number {
        return (this.opts.maxHops + 1) * this.opts.timeoutMs + this.opts.intervalMs + STOP_GRACE_MS;
    }

    private lose(why: string): void {
        if (!this.lost && !(this.stopping && this.done)) this.lost = why;
    }

    private record(m: Extract<FromProber, { t: "sample" }>): void {
        // The phase current when the probe was sent (marks are in order of wall-clock time).
        let phase = this.marks[0]?.label ?? this.phase;
        for (const mark of this.marks) {
            if (mark.at > m.sent) break;
            phase = mark.label;
        }
        let stalled: StalledProcess | undefined;
        let because: string | undefined;
        if (!m.ok && m.timedOut) {
            // Half the wait: a DNS query without answer gives up before the request (checks/net makeLookup).
            const waited = m.ended - m.sent;
            const half = Math.min(this.opts.timeoutMs, waited) / 2;
            const of = `of the ${waited} ms it waited (probe timeout ${this.opts.timeoutMs} ms)`;
            const replicaMs = this.replica.stalledMs(m.sent, m.ended);
            if (m.proberStalledMs >= half) {
                stalled = "prober";
                because = `timed out while the prober's own process stood still ${m.proberStalledMs} ms ${of}`;
            } else if (replicaMs >= half) {
                stalled = "replica";
                because = `timed out while the replica's process (its DNS and site servers) stood still ${replicaMs} ms ${of}`;
            }
        }
        this.samples.push({
            // The wall-clock send time on the caller's clock.
            at: m.sent + (this.opts.now() - Date.now()),
            url: m.url,
            phase,
            ok: m.ok,
            ...(m.status !== undefined ? { status: m.status } : {}),
            detail: m.detail,
            ms: m.ended - m.sent,
            ...(stalled ? { stalled, setApartBecause: because } : {}),
        });
    }
}
