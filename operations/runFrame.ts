// What frames every golive command that changes a stack (adopt, prepare, cutover, recover, rollback):
// the stack's run lock taken before anything else (a second run refuses, saying who holds the stack
// and since when: operations/runLock), and Ctrl-C handled as a cancel (operations/interrupt) until the run ends.
import { stopGuardsOf } from "./engineGuard";
import { acquireRunLock, describeHolder, HeldLock, RunLock, runLockFile } from "./runLock";
import { DEFAULT_CANCEL_WAIT_MS, Interrupt } from "./interrupt";

export interface FrameDeps {
    err(line: string): void;
    env: NodeJS.ProcessEnv;
    onSignal?(signal: NodeJS.Signals, handler: () => void): () => void;
    cancelWaitMs?: number;
}

export interface RunFrame {
    lock: RunLock;
    interrupt: Interrupt;
    /** The lock a run that is gone left (taken over): what it was doing is for the site look. */
    tookOver?: HeldLock;
    /** Signal handlers off, lock released. Idempotent. */
    end(): void;
}

export function cancelWaitMsOf(deps: Pick<FrameDeps, "cancelWaitMs" | "env">): number {
    if (deps.cancelWaitMs !== undefined) return deps.cancelWaitMs;
    const s = Number(deps.env.GOLIVE_CANCEL_WAIT_SECONDS);
    return Number.isFinite(s) && s > 0 ? s * 1000 : DEFAULT_CANCEL_WAIT_MS;
}

/** How long a provider call may go unanswered before golive cancels the run, unless GOLIVE_PROVIDER_CALL_SECONDS says otherwise. */
export const DEFAULT_PROVIDER_CALL_MS = 600_000;

/**
 * golive's own bound on one provider call (a Cloudflare or Vercel resource operation): the real
 * Cloudflare client sets no request timeout (cloudflare-go v6.6.0 requestconfig.go), so only this
 * ends a call that never answers. The default, 600 s, lets cloudflare-go's whole retry schedule
 * (10 retries, about 210 s of waits) and a Vercel build of several minutes finish.
 * GOLIVE_PROVIDER_CALL_SECONDS: whole seconds, 5 to 7200.
 */
export function providerCallBoundMsOf(env: NodeJS.ProcessEnv): number {
    const raw = env.GOLIVE_PROVIDER_CALL_SECONDS;
    if (raw === undefined || raw.trim() === "") return DEFAULT_PROVIDER_CALL_MS;
    const s = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || s < 5 || s > 7200) {
        throw new Error(`GOLIVE_PROVIDER_CALL_SECONDS must be a whole number of seconds from 5 to 7200 (how long a Cloudflare or Vercel call may go unanswered), got ${JSON.stringify(raw.slice(0, 40))}`);
    }
    return s * 1000;
}

/** Takes the stack for this run, or says who has it (nothing else has been done then). */
export function beginRun(o: { dir: string; stack: string; command: string; phase?: string; operator: string }, deps: FrameDeps): RunFrame | { refused: string } {
    const got = acquireRunLock(runLockFile(o.dir, o.stack), { command: o.command, stack: o.stack, operator: o.operator, ...(o.phase ? { phase: o.phase } : {}) });
    if (!got.ok) {
        const other = got.held.alive === "unknown" ? ` It runs on another machine; if it is gone, remove ${got.held.file}.` : " Wait for it to end, or stop it in its terminal (Ctrl-C).";
        return { refused: `refused: ${describeHolder(got.held)} holds stack ${o.stack}; nothing was changed.${other}` };
    }
    const interrupt = new Interrupt({
        err: deps.err,
        cancelWaitMs: cancelWaitMsOf(deps),
        stopNow: () => stopGuardsOf(process.pid),
        recoverCommand: `golive recover --stack ${o.stack}`,
        ...(deps.onSignal ? { onSignal: deps.onSignal } : {}),
    }).install();
    let ended = false;
    return {
        lock: got.lock,
        interrupt,
        ...(got.tookOver ? { tookOver: got.tookOver } : {}),
        end() {
            if (ended) return;
            ended = true;
            interrupt.uninstall();
            got.lock.release();
        },
    };
}
