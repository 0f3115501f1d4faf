// When did this process stand still? A ticker every 20 ms: a gap over 100 ms between two ticks is
// a span during which the process ran nothing (event loop blocked, or not scheduled on a busy
// machine). The prober's process and the replica's process each keep one, so a probe that timed
// out can be told apart from a site that did not answer.
import { monitorEventLoopDelay, IntervalHistogram } from "perf_hooks";

const TICK_MS = 20;
const STALL_GAP_MS = 100;
/** Spans older than this are forgotten: no probe lasts that long. */
const KEEP_MS = 10 * 60_000;

export class StallWatch {
    /** Wall-clock spans during which this process ran nothing. */
    private readonly spans: Array<{ from: number; to: number }> = [];
    private lastTick = 0;
    private ticker?: NodeJS.Timeout;
    private lag?: IntervalHistogram;

    start(): void {
        if (this.ticker) return;
        this.lag = monitorEventLoopDelay({ resolution: 10 });
        this.lag.enable();
        this.lastTick = Date.now();
        this.ticker = setInterval(() => this.tick(), TICK_MS);
        // Watching must never keep the process alive.
        this.ticker.unref();
    }

    stop(): void {
        if (this.ticker) clearInterval(this.ticker);
        this.ticker = undefined;
        this.lag?.disable();
    }

    /** How long this process stood still between `from` and `to` (wall clock), the stall under way included. */
    stalledMs(from: number, to: number): number {
        // A stall that has just ended may be seen here before the ticker's first tick after it.
        const open = this.ticker && to - this.lastTick > STALL_GAP_MS ? [{ from: this.lastTick, to }] : [];
        return [...this.spans, ...open].reduce((ms, st) => ms + Math.max(0, Math.min(to, st.to) - Math.max(from, st.from)), 0);
    }

    /** The longest event-loop delay seen while watching, in ms. */
    get maxMs(): number {
        return this.lag ? Math.round(this.lag.max / 1e6) : 0;
    }

    private tick(): void {
        const now = Date.now();
        if (now - this.lastTick > STALL_GAP_MS) this.spans.push({ from: this.lastTick, to: now });
        this.lastTick = now;
        while (this.spans.length > 0 && this.spans[0].to < now - KEEP_MS) this.spans.shift();
    }
}
