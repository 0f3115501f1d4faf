// Ctrl-C is a cancel (issue 17). The first SIGINT, SIGTERM or SIGHUP asks the engine to stop cleanly
// (the Automation API's AbortSignal: one SIGINT to the engine, through its guard), says so, and
// waits a bounded time; a second one, or the end of that wait, stops the engine and everything it
// started at once (operations/engineGuard stopGuardsOf) and says what that leaves. Between engine calls,
// the command reads `cancelled` and stops at the next step.
export type InterruptState = "running" | "cancelling" | "stopped";

export interface InterruptOptions {
    /** Where the messages go (the command's stderr). */
    err(line: string): void;
    /** How long the engine gets to stop cleanly before it is stopped at once. */
    cancelWaitMs: number;
    /** What "stop at once" does: end the engine runs of this process (real use: stopGuardsOf(process.pid)). */
    stopNow(): Promise<unknown>;
    /** The recovery command, for the messages. */
    recoverCommand: string;
    /** Registers a signal handler; returns its removal (tests give a stand-in for process.on). */
    onSignal?(signal: NodeJS.Signals, handler: () => void): () => void;
}

const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The default wait for a clean stop: a resource operation in flight is a provider call or a check. */
export const DEFAULT_CANCEL_WAIT_MS = 90_000;

const processSignal = (signal: NodeJS.Signals, handler: () => void) => {
    process.on(signal, handler);
    return () => void process.off(signal, handler);
};

export class Interrupt {
    private readonly controller = new AbortController();
    private removers: Array<() => void> = [];
    private timer?: NodeJS.Timeout;
    private stopping?: Promise<void>;
    state: InterruptState = "running";
    /** What started the cancel, for the record: a signal, or golive's own bound on a hung provider call. */
    by?: string;
    at?: Date;

    constructor(private readonly opts: InterruptOptions) {}

    /** Aborted at the first signal: given to every long engine call (up, preview, refresh). */
    get signal(): AbortSignal {
        return this.controller.signal;
    }

    get cancelled(): boolean {
        return this.state !== "running";
    }

    get stopped(): boolean {
        return this.state === "stopped";
    }

    install(): this {
        const on = this.opts.onSignal ?? processSignal;
        for (const s of SIGNALS) this.removers.push(on(s, () => this.receive(s)));
        return this;
    }

    /** Handlers off and the wait cleared (the command is done with the engine). */
    uninstall(): void {
        for (const r of this.removers.splice(0)) r();
        if (this.timer) clearTimeout(this.timer);
    }

    /** A signal arrived (also what a terminal prompt's Ctrl-C calls). */
    receive(signal: NodeJS.Signals): void {
        if (this.state === "running") return this.first(signal);
        if (this.state === "cancelling") void this.stopAtOnce(`${signal === "SIGINT" ? "Ctrl-C" : signal} again`);
    }

    private first(signal: NodeJS.Signals): void {
        this.begin(signal, signal === "SIGINT" ? "Ctrl-C" : signal);
    }

    /**
     * A cancel golive starts itself, exactly as the first Ctrl-C (a clean stop, then at once after
     * the bounded wait): `by` is recorded, `why` said. Nothing when a cancel is already under way.
     */
    cancel(by: string, why: string): void {
        if (this.state === "running") this.begin(by, why);
    }

    private begin(by: string, why: string): void {
        this.state = "cancelling";
        this.by = by;
        this.at = new Date();
        const s = Math.round(this.opts.cancelWaitMs / 1000);
        this.opts.err(
            `\n${why}: stopping cleanly — the engine finishes the resource operations in flight (up to ${s} s), ` +
                "saves the state and releases the stack; nothing new starts. Press Ctrl-C again to stop at once.",
        );
        this.controller.abort();
        this.timer = setTimeout(() => void this.stopAtOnce(`the engine did not stop within ${s} s`), this.opts.cancelWaitMs);
        this.timer.unref?.();
    }

    /** Ends the engine now; resolves once it is ended. */
    stopAtOnce(why: string): Promise<void> {
        this.stopping ??= (async () => {
            this.state = "stopped";
            if (this.timer) clearTimeout(this.timer);
            this.opts.err(
                `${why}: stopping at once — the engine and every process it started are ended now. What it was doing is left unfinished ` +
                    `(the stack may stay locked, with operations pending): ${this.opts.recoverCommand} clears it.`,
            );
            await this.opts.stopNow();
        })();
        return this.stopping;
    }
}
