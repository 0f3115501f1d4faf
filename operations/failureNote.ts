// The failed (or interrupted) phase as the stack's own history keeps it (issue 18 item 3): the
// rollback's `up` carries, in its message, what failed with its evidence and who decided the
// rollback when and how, so that `golive report --stack` and `golive status` know it from the stack
// alone, without records/*.md. The message is a sentence a person reads in `pulumi stack history`,
// then one line `golive-failure: <JSON>` the report reads back. Pure.
import type { CheckResult } from "../checks/types";

export const NOTE_MARK = "golive-failure: ";

export interface FailureNote {
    /** The phase that failed, e.g. "cutover". */
    phase: string;
    /** ISO time it ended. */
    at: string;
    /** Interrupted (Ctrl-C…) rather than failed. */
    interrupted?: boolean;
    failedChecks: Array<Pick<CheckResult, "id" | "name" | "reason" | "evidence">>;
    /** Errors that are not a check's (a provider refusal…), first line each. */
    errors: string[];
    /** who decided the rollback, when, how. */
    decision?: { choice: string; by: string; at: string; how: string };
    /** Where the records pointed when the failure was seen (operations/siteLook). */
    records?: string;
    /**
     * The way back's data plane (issue 25): apex and www put back by Cloudflare's API directly at
     * the first failed check, before the engine caught up; `at` ISO when the calls ended.
     */
    recordsBackByApi?: { at: string; ok: boolean; calls: string[] };
}

const MAX_EVIDENCE = 600;

/** Evidence kept short enough for an update message, still JSON. */
function shortEvidence(e: unknown): Record<string, unknown> {
    const text = JSON.stringify(e ?? {});
    if (text.length <= MAX_EVIDENCE) return (e ?? {}) as Record<string, unknown>;
    return { excerpt: text.slice(0, MAX_EVIDENCE) + "…" };
}

export function noteOf(n: FailureNote): FailureNote {
    return { ...n, failedChecks: n.failedChecks.map((c) => ({ id: c.id, name: c.name, reason: c.reason, evidence: shortEvidence(c.evidence) })), errors: n.errors.map((e) => e.split("\n")[0].slice(0, 300)) };
}

/** "the failed cutover: MEP-09 HTTPS reachability failed (…)" */
export function failureSummary(n: FailureNote): string {
    const what = n.failedChecks.length > 0 ? n.failedChecks.map((c) => `${c.id} ${c.name} failed (${c.reason.split("\n")[0]})`).join("; ") : n.errors[0] ?? (n.interrupted ? "interrupted" : "failed");
    return `the ${n.interrupted ? "interrupted" : "failed"} ${n.phase} of ${n.at}: ${what}`;
}

/** The message of the rollback's update: the sentence, then the note. */
export function rollbackMessage(title: string, n: FailureNote): string {
    const note = noteOf(n);
    const decided = note.decision ? `; R-1 "${note.decision.choice}" decided by ${note.decision.by} at ${note.decision.at} (${note.decision.how})` : "";
    const direct = note.recordsBackByApi ? `; apex and www ${note.recordsBackByApi.ok ? "were put back" : "could not all be put back"} by Cloudflare's API at ${note.recordsBackByApi.at} (${note.recordsBackByApi.calls.join("; ")})` : "";
    return `${title} after ${failureSummary(note)}${decided}${direct}\n${NOTE_MARK}${JSON.stringify(note)}`;
}

/** The note in an update message, if it carries one. */
export function parseFailureNote(message: string | undefined): FailureNote | undefined {
    if (!message) return undefined;
    const line = message.split("\n").find((l) => l.startsWith(NOTE_MARK));
    if (!line) return undefined;
    try {
        const n = JSON.parse(line.slice(NOTE_MARK.length)) as FailureNote;
        return typeof n.phase === "string" && Array.isArray(n.failedChecks) && Array.isArray(n.errors) ? n : undefined;
    } catch {
        return undefined;
    }
}

/** The first line of an update message (the note left out), for a one-line display. */
export function messageTitle(message: string | undefined): string | undefined {
    return message?.split("\n")[0];
}
