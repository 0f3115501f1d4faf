// What a guided command (golive adopt | prepare | cutover | recover | rollback | plan) is given: the
// outside world it talks to (the cli gives the real one, tests a stand-in), the options it runs
// with (cli/guided parses them), and the confirmation rule.
import type { ShootPages } from "./goLiveShots";

/** What a guided command needs from the outside world. */
export interface GuidedDeps {
    /** The environment of every engine call (backend, passphrase, PATH): process.env in real use. */
    env: NodeJS.ProcessEnv;
    /** Whether a person can answer a question (stdin is a terminal). */
    interactive: boolean;
    /** Asks on stderr, reads one line. */
    ask(question: string): Promise<string>;
    /** Results, summaries and the record's path. */
    out(line: string): void;
    /** Live progress, refusals and errors. */
    err(line: string): void;
    /** ms since the epoch. */
    now(): number;
    /** Who runs the command (recorded as who decided): git user.name, else the login. */
    operator(dir: string): string;
    /** Registers a signal handler, returns its removal (default process.on; tests give a stand-in). */
    onSignal?(signal: NodeJS.Signals, handler: () => void): () => void;
    /** How long the engine gets to stop cleanly after Ctrl-C (default GOLIVE_CANCEL_WAIT_SECONDS, else 90 s). */
    cancelWaitMs?: number;
    /** The key pages' pictures of a cutover (operations/goLiveShots); without it, none are taken. */
    shootPages?: ShootPages;
}

export interface GuidedArgs {
    stack: string;
    dir: string;
    /** Where the record files go (default <dir>/records). */
    records: string;
    yes: boolean;
    autoRollback: boolean;
    domain?: string;
    /** golive recover's way on. */
    finish?: boolean;
    rollback?: boolean;
    /** R-1 decided beforehand as no rollback (CI's on_failure input "keep"). */
    noRollback?: boolean;
    /** The record's Markdown on stdout, everything else on stderr (a CI run's summary). */
    markdown?: boolean;
}

/** "y", "yes", "o", "oui" (the plan is French); anything else is no. */
export function isYes(answer: string): boolean {
    return /^(y|yes|o|oui)$/i.test(answer.trim());
}

/**
 * The confirmation rule: --yes confirms; otherwise a person must answer yes. Without a terminal
 * and without --yes nothing is applied (exit 2, like golive rollback).
 */
export async function confirmApply(deps: GuidedDeps, yes: boolean, question: string): Promise<{ ok: true; how: string } | { ok: false; code: number; message: string }> {
    if (yes) return { ok: true, how: "--yes" };
    if (!deps.interactive) return { ok: false, code: 2, message: "not a terminal: add --yes to apply; nothing was changed" };
    const answer = await deps.ask(question);
    if (!isYes(answer)) return { ok: false, code: 1, message: "cancelled: nothing was changed" };
    return { ok: true, how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
}
