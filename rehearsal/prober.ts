// The visitor's view of the go-live: while the rehearsal runs, https://www.<domain>/ and the apex
// are requested every 50 ms through the replica DNS, and every failure (network or TLS error,
// status ≥ 400, too many redirects) is counted in the phase it happened in. Zero downtime (plan
// section 1) means zero failed probes.
import { monitorEventLoopDelay, IntervalHistogram } from "perf_hooks";
import { describeError, httpRequest, sleep } from "../checks/net";
import type { NetOptions } from "../checks/types";

/**
 * A probe slower than this counts as failed. The replica, the prober and the program share one
 * process, whose event loop stalls up to ~0.8 s while Pulumi serializes the check providers: that
 * stall is not the go-live's doing, and a visitor waiting 3 s is still served. Real downtime (a name
 * that does not resolve, a wrong certificate, an error status) fails at once whatever the timeout.
 * On a machine busy enough to stall the process longer, a probe that times out while the process
 * stood still for half this timeout is counted apart (`stalled`), not as failed.
 */
export const PROBE_TIMEOUT_MS = 3_000;

export interface ProbeSample {
    /** ms since the prober's clock origin. */
    at: number;
    url: string;
    phase: string;
    ok: boolean;
    status?: number;
    /** Who answered (`x-served-by`), or the error. */
    detail: string;
    /**
     * Timed out while this process (the replica's servers included) stood still for at least half
     * the probe timeout: the timeout measured the process, not the site. Not counted as failed.
     */
    stalled?: boolean;
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
    /** Probes that timed out during a stall of this process (see ProbeSample.stalled), not in `failed`. */
    stalled: number;
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
     * Longest stall of this process's event loop while probing. The replica's servers share it:
     * a stall near the probe timeout would show as failed probes that are not the go-live's doing.
     */
    eventLoopMaxMs: number;
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
    /** Hard cap on the prober's life (default 5 min), whatever happens to stop(). */
    maxDurationMs?: number;
    /** Clock shared with the engine, so probe times line up with steps. */
    now?: () => number;
}

const MAX_FAILURES_KEPT = 20;
/** The stall ticker's period; a gap over STALL_GAP_MS between two ticks is a stall of the process. */
const TICK_MS = 20;
const STALL_GAP_MS = 100;

/** One visit: follow up to `maxHops` redirects; OK when the last answer is < 400. */
export async function probeOnce(url: string, net: NetOptions, timeoutMs: number, maxHops: number): Promise<{ ok: boolean; status?: number; detail: string }> {
    let current = url;
    try {
        for (let hop = 0; hop <= maxHops; hop++) {
            const res = await httpRequest(current, net, { timeoutMs, maxBodyBytes: 200_000 });
            const by = res.headers["x-served-by"] ?? "?";
            const vercelError = res.headers["x-vercel-error"];
            if (res.status >= 300 && res.status < 400 && res.location) {
                if (hop === maxHops) return { ok: false, status: res.status, detail: `more than ${maxHops} redirects (last ${current} → ${res.location})` };
                current = res.location;
                continue;
            }
            if (res.status >= 400) return { ok: false, status: res.status, detail: `${res.status}${vercelError ? ` ${vercelError}` : ""} from ${by} for ${current}` };
            return { ok: true, status: res.status, detail: by };
        }
    } catch (err) {
        return { ok: false, detail: `${current}: ${describeError(err)}` };
    }
    return { ok: false, detail: "unreachable" };
}

export class Prober {
    private phase = "start";
    private running = false;
    private loops: Promise<void>[] = [];
    private capTimer?: NodeJS.Timeout;
    private startedAt = 0;
    private capped = false;
    private lag?: IntervalHistogram;
    private ticker?: NodeJS.Timeout;
    private lastTick = 0;
    /** Wall-clock spans during which this process ran nothing (event loop blocked or not scheduled). */
    private readonly stalls: Array<{ from: number; to: number }> = [];
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

    /** Starts one probing loop per URL. */
    start(label = "start"): this {
        if (this.running) return this;
        this.running = true;
        this.phase = label;
        this.startedAt = this.opts.now();
        this.lag = monitorEventLoopDelay({ resolution: 10 });
        this.lag.enable();
        this.lastTick = Date.now();
        this.ticker = setInterval(() => {
            const now = Date.now();
            if (now - this.lastTick > STALL_GAP_MS) this.stalls.push({ from: this.lastTick, to: now });
            this.lastTick = now;
        }, TICK_MS);
        this.loops = this.opts.urls.map((url) => this.loop(url));
        this.capTimer = setTimeout(() => {
            this.capped = true;
            this.running = false;
        }, this.opts.maxDurationMs);
        this.capTimer.unref();
        return this;
    }

    /** Probes from now on are counted under `label`. */
    mark(label: string): void {
        this.phase = label;
    }

    get currentPhase(): string {
        return this.phase;
    }

    /** Stops after the requests in flight (each bounded by its timeout) and returns the figures. */
    async stop(): Promise<ProbeFigures> {
        this.running = false;
        if (this.capTimer) clearTimeout(this.capTimer);
        await Promise.all(this.loops);
        this.lag?.disable();
        if (this.ticker) clearInterval(this.ticker);
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
            stalled: this.samples.filter((s) => s.stalled).length,
            byPhase,
            ...(failures.length ? { firstFailureAt: failures[0].at, lastFailureAt: failures[failures.length - 1].at } : {}),
            failures: failures.slice(0, MAX_FAILURES_KEPT),
            durationMs: this.opts.now() - this.startedAt,
            capped: this.capped,
            eventLoopMaxMs: this.lag ? Math.round(this.lag.max / 1e6) : 0,
        };
    }

    /** How long this process stood still between `from` and `to` (wall clock), the stall under way included. */
    private stalledMs(from: number, to: number): number {
        const open = to - this.lastTick > STALL_GAP_MS ? [{ from: this.lastTick, to }] : [];
        return [...this.stalls, ...open].reduce((ms, st) => ms + Math.max(0, Math.min(to, st.to) - Math.max(from, st.from)), 0);
    }

    private async loop(url: string): Promise<void> {
        while (this.running) {
            const started = Date.now();
            const phase = this.phase;
            const at = this.opts.now();
            const r = await probeOnce(url, this.opts.net, this.opts.timeoutMs, this.opts.maxHops);
            const timedOut = !r.ok && r.status === undefined && /timed out/.test(r.detail);
            const stalled = timedOut && this.stalledMs(started, Date.now()) >= this.opts.timeoutMs / 2;
            this.samples.push({ at, url, phase, ok: r.ok, ...(r.status !== undefined ? { status: r.status } : {}), detail: r.detail, ...(stalled ? { stalled } : {}) });
            await sleep(this.opts.intervalMs - (Date.now() - started));
        }
    }
}
