// No long silences: every wait longer than a second says what it waits for and how long it has
// waited, on stderr (the CLIs pass a writer to it), so `--json` on stdout stays clean.

export interface ProgressOptions {
    /** First word of each line, e.g. "golive verify". */
    prefix: string;
    /** A wait is announced once it lasts this long (default 1 s)… */
    firstAfterMs?: number;
    /** …then again every this many ms (default 5 s). */
    everyMs?: number;
    now?: () => number;
}

interface Wait {
    what: string;
    startedAt: number;
    limitMs?: number;
    announcedAt?: number;
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/** Tracks the waits under way and reports the long ones, one line per report. */
export class Progress {
    private readonly waits = new Set<Wait>();
    private timer: NodeJS.Timeout | undefined;
    private readonly firstAfterMs: number;
    private readonly everyMs: number;
    private readonly now: () => number;

    constructor(private readonly write: ((line: string) => void) | undefined, private readonly opts: ProgressOptions) {
        this.firstAfterMs = opts.firstAfterMs ?? 1_000;
        this.everyMs = opts.everyMs ?? 5_000;
        this.now = opts.now ?? Date.now;
    }

    /** Starts a wait; call the returned function when it is over. */
    begin(what: string, limitMs?: number): () => void {
        if (!this.write) return () => undefined;
        const wait: Wait = { what, startedAt: this.now(), ...(limitMs !== undefined ? { limitMs } : {}) };
        this.waits.add(wait);
        if (!this.timer) {
            this.timer = setInterval(() => this.tick(), Math.min(250, this.firstAfterMs));
            this.timer.unref();
        }
        return () => {
            this.waits.delete(wait);
            if (this.waits.size === 0) this.stop();
        };
    }

    /**
     * Runs `work`, announcing it when it takes more than a second. Work that blocks the event loop
     * (module loading, key generation) leaves no timer a chance: `announce` says it up front.
     */
    async during<T>(what: string, work: () => Promise<T>, opts: { limitMs?: number; announce?: boolean } = {}): Promise<T> {
        if (opts.announce && this.write) this.write(`${this.opts.prefix}: ${what}…`);
        const done = this.begin(what, opts.limitMs);
        try {
            return await work();
        } finally {
            done();
        }
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
        this.timer = undefined;
    }

    /** Reports the waits that are due, in one line (run by the timer every quarter second). */
    tick(): void {
        const now = this.now();
        const due = [...this.waits].filter((w) => now - w.startedAt >= this.firstAfterMs && (w.announcedAt === undefined || now - w.announcedAt >= this.everyMs));
        if (due.length === 0) return;
        for (const w of due) w.announcedAt = now;
        const text = due.map((w) => `${w.what} (${seconds(now - w.startedAt)}${w.limitMs !== undefined ? ` of at most ${seconds(w.limitMs)}` : ""})`).join("; ");
        this.write!(`${this.opts.prefix}: waiting for ${text}`);
    }
}
