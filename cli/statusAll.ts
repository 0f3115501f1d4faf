// `golive status --all`: every stack of the clone in one table — the phase its stack file asks for,
// the phase applied and when, its last update and result, and its last watch (the stack tag
// golive:watch that the scheduled watch keeps). What an agency with many sites reads first.
import * as path from "path";
import { latestUpdate, lastApplied, phaseOf, updateName, type UpdateEntry } from "../operations/phaseGates";
import { decodeMemo, liveSince, WATCH_TAG } from "../operations/watch";
import { parseCommandLine, valuesOrExit } from "./args";
import { DEFAULT_DEPS, PROGRAM_DIR } from "./guided";
import type { GuidedDeps } from "../operations/guided";
import { stacksIn, surveyStacks } from "../operations/stackSurvey";
import { findEngine, isEngine } from "../operations/engine";

export const USAGE = [
    "usage: golive status --all [--markdown] [--dir <project dir>]",
    "",
    "Every stack of the clone (each Pulumi.<stack>.yaml): the phase its stack file asks for, the phase applied",
    "and when, the last update and its result, and the last watch (golive watch, kept as the stack tag",
    `${WATCH_TAG}). Reads the backend's history and tags: no passphrase needed.`,
    "",
    "  --markdown   the table as Markdown",
    "",
    "Exit code: 0 every stack read and none needs attention, 1 a stack could not be read, its last update",
    "failed or its last watch found a problem, 2 bad usage or no engine.",
].join("\n");

export interface StackRow {
    stack: string;
    domain: string;
    file: string;
    applied: string;
    lastUpdate: string;
    lastWatch: string;
    attention: boolean;
}

function when(at: Date | string | undefined, now: number): string {
    if (!at) return "";
    const d = new Date(at);
    const s = Math.round((now - d.getTime()) / 1000);
    const ago = s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : s < 172_800 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86_400)} days ago`;
    return `${d.toISOString().replace(/\.\d+Z$/, "Z")}, ${ago}`;
}

export function rowOf(look: { stack: string; file: { domain?: string; phase: string; problem?: string }; history?: UpdateEntry[]; tags?: Record<string, string>; error?: string }, now: number): StackRow {
    const base = { stack: look.stack, domain: look.file.domain ?? "—", file: look.file.problem ? `? (${look.file.problem})` : look.file.phase };
    if (!look.history) return { ...base, applied: "—", lastUpdate: `not read: ${look.error ?? "unknown"}`, lastWatch: "—", attention: true };
    const applied = lastApplied(look.history);
    const latest = latestUpdate(look.history);
    const since = liveSince(look.history);
    const memo = decodeMemo(look.tags?.[WATCH_TAG]);
    const failed = !!latest && latest.kind === "update" && latest.result !== "succeeded";
    return {
        ...base,
        applied: applied ? `${phaseOf(applied)} (${when(applied.endTime ?? applied.startTime, now)})` : "none",
        lastUpdate: latest ? `${latest.kind} of ${phaseOf(latest)}: ${latest.result} (${updateName(latest)})` : "none",
        lastWatch: memo ? `${memo.s === "ok" ? "ok" : `${memo.k.join(", ")}${memo.m ? ` +${memo.m}` : ""}`} (${when(memo.at, now)})` : since ? "never watched" : "—",
        attention: failed || memo?.s === "problems" || !!look.file.problem,
    };
}

const HEAD = ["Stack", "Domain", "Stack file", "Applied", "Last update", "Last watch"];
const cells = (r: StackRow) => [r.stack, r.domain, r.file, r.applied, r.lastUpdate, r.lastWatch];

export function plainTable(rows: readonly StackRow[]): string[] {
    const all = [HEAD, ...rows.map(cells)];
    const widths = HEAD.map((_, i) => Math.max(...all.map((c) => c[i].length)));
    const line = (c: string[]) => c.map((x, i) => (i < c.length - 1 ? x.padEnd(widths[i]) : x)).join("  ").trimEnd();
    return [line(HEAD), line(widths.map((w) => "-".repeat(w))), ...rows.map((r) => line(cells(r)) + (r.attention ? "  ←" : ""))];
}

export function markdownTable(rows: readonly StackRow[]): string[] {
    const esc = (s: string) => s.replace(/\|/g, "\\|");
    return [`| ${HEAD.join(" | ")} |`, `| ${HEAD.map(() => ":---").join(" | ")} |`, ...rows.map((r) => `| ${cells(r).map((c, i) => (i === 0 ? `${r.attention ? "⚠️ " : ""}\`${esc(c)}\`` : esc(c))).join(" | ")} |`)];
}

export async function main(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    const v = valuesOrExit("status", parseCommandLine(argv, { all: { type: "boolean" }, markdown: { type: "boolean" }, dir: { type: "string" } }), USAGE, deps);
    if (typeof v === "number") return v;
    const o = v as { all?: boolean; markdown?: boolean; dir?: string };
    const dir = o.dir !== undefined ? path.resolve(o.dir) : PROGRAM_DIR;
    const engine = findEngine(deps.env);
    if (!isEngine(engine)) {
        deps.err(`golive status: ${engine.missing}`);
        return 2;
    }
    const stacks = stacksIn(dir);
    if (stacks.length === 0) {
        deps.out(`golive status --all: no Pulumi.<stack>.yaml in ${dir}`);
        return 0;
    }
    const looks = await surveyStacks(stacks, dir, deps.env, { historySize: 20 });
    const now = deps.now();
    const rows = looks.map((l) => rowOf(l, now));
    const attention = rows.filter((r) => r.attention).length;
    const head = `golive status --all — ${rows.length} stack${rows.length === 1 ? "" : "s"} in ${dir}${attention > 0 ? `; ${attention} need${attention === 1 ? "s" : ""} attention` : ""}`;
    if (o.markdown) deps.out([`## ${head}`, "", ...markdownTable(rows), ""].join("\n"));
    else for (const l of [head, ...plainTable(rows)]) deps.out(l);
    return attention > 0 ? 1 : 0;
}
