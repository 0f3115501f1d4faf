// How failed checks read in a summary (golive verify's table, the rehearsal's end): each failure
// once, as its plan ID, one line of reason made of its first problem, and a count of the others.
// The JSON outputs keep every word; this is for the person reading a terminal.
import type { CheckResult } from "./types";
import { plural } from "./words";

/** Longest line of reason in a summary. */
export const SUMMARY_WIDTH = 200;

/** Cuts a text to one line of at most `max` characters. */
export function clip(text: string, max = SUMMARY_WIDTH): string {
    // A log line keeps its indentation; the rest becomes one line.
    const indent = /^[ ]*/.exec(text)![0];
    const line = indent + text.replace(/\s+/g, " ").trim();
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The problems a reason lists: the checks join them with "; ". */
export function problemsOf(reason: string): string[] {
    return reason
        .split(/;\s+/)
        .map((p) => p.trim())
        .filter((p) => p !== "");
}

/** A result's reason in one line: a pass or skip as it is, a failure as its first problem and a count of the rest. */
export function reasonLine(r: Pick<CheckResult, "status" | "reason">, max = SUMMARY_WIDTH): string {
    if (r.status !== "fail") return clip(r.reason, max);
    const [first = r.reason, ...rest] = problemsOf(r.reason);
    const more = rest.length > 0 ? ` (and ${plural(rest.length, "more problem")})` : "";
    return `${clip(first, max - more.length)}${more}`;
}

export interface FailureGroup {
    /** Where these results come from, e.g. "cutover", "after the rollback". */
    label: string;
    results: CheckResult[];
}

/**
 * Each failed check once, across every run that saw it: "MEP-10 Redirects: <first problem> (and 2
 * more problems) [cutover, new site]". A check that failed differently in a later run (e.g. after the
 * rollback) is listed again under that run's label only when its first problem differs.
 */
export function failureSummary(groups: FailureGroup[], max = SUMMARY_WIDTH): string[] {
    const seen = new Map<string, { line: string; labels: string[] }>();
    for (const g of groups) {
        for (const r of g.results) {
            if (r.status !== "fail") continue;
            const line = `${r.id} ${r.name}: ${reasonLine(r, max)}`;
            const key = `${r.id}\n${problemsOf(r.reason)[0] ?? ""}`;
            const byId = [...seen.entries()].find(([k]) => k.startsWith(`${r.id}\n`));
            // The same check failing with the same first problem in another run: one line, two labels.
            const entry = seen.get(key) ?? (byId && sameFault(byId[0], key) ? byId[1] : undefined);
            if (entry) {
                if (!entry.labels.includes(g.label)) entry.labels.push(g.label);
            } else {
                seen.set(key, { line, labels: [g.label] });
            }
        }
    }
    return [...seen.values()].map((e) => `${e.line} [${e.labels.join(", ")}]`);
}

/** Two first problems of one check that differ only in a generated part (a random path, a duration). */
function sameFault(a: string, b: string): boolean {
    const shape = (s: string) => s.replace(/\/golive-[\w-]+/g, "/…").replace(/\b\d+(\.\d+)? ?(ms|s)\b/g, "T");
    return shape(a) === shape(b);
}
