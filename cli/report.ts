// `golive report [--from <file.json>] [--stack <stack>] [--out <file.md>]` — the go-live checklist
// (P-01..P-05, MEP-01..MEP-18, rollback plan) with statuses and evidence, as Markdown: the team's
// record of what was done and when (plan objective "Traçabilité").
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildChecklist, isCheckResult, isLines, ChecklistFacts, ChecklistLine, describePhase, factsFromJson, renderMarkdown, withRollback } from "../program/report";
import { findEngine, isEngine } from "../operations/engine";
import { parseFailureNote } from "../operations/failureNote";
import type { CheckResult } from "../checks/types";
import { EXIT, EXIT_CODES_TEXT, FileError, parseOptions, reportError, UsageError } from "./args";
import { goLivePageOf } from "../rendering/goLivePage";
import { renderHtmlReport } from "../rendering/htmlReport";
import { LANGS, type Lang } from "../rendering/htmlWords";
import { stackPageFiles } from "../operations/goLivePagePublish";

export { stackPageFiles };

export const USAGE = [
    "usage: golive report [--from <file.json | ->] [--stack <stack>] [--out <file.md>] [--html <file.html> [--lang fr|en]]",
    "",
    "  --from <file>    facts as JSON: `pulumi stack output --json`, `golive verify --json`, or a rehearsal record;",
    "                   - reads standard input: golive verify ... --json | golive report --from -",
    "  --stack <stack>  without --from, read `pulumi stack output --json` of this stack (needs the engine: npm run engine)",
    "  --out <file>     write the Markdown there instead of stdout",
    "  --html <file>    write the go-live page there instead: one self-contained HTML file (verdict, the key",
    "                   pages' screenshots before and after the switch, timeline, scores, certificate, checklist)",
    "  --lang <fr|en>   the page's language (default fr, the plan's)",
    "",
    EXIT_CODES_TEXT,
].join("\n");

export interface ReportDeps {
    /** `pulumi stack output --json` of a stack; throws an Error with code ENOENT (and findEngine's message) without the engine. */
    stackOutputs(stack: string | undefined): unknown;
    /** `pulumi stack history --json` of a stack (newest first): what failed and who decided a rollback is kept there. */
    stackHistory?(stack: string | undefined): unknown;
    /**
     * The JSON of the stack's go-live pages (`<page>.json`), newest first, where the guided
     * commands wrote them: what was sent about them (R-3) is kept there.
     */
    stackPages?(stack: string): unknown[];
    now(): string;
    /** Standard input, whole (`--from -`). */
    stdin(): Promise<string>;
    out(text: string): void;
    err(text: string): void;
}

/**
 * `pulumi stack output --json` through the engine every golive command uses (operations/engine); throws an
 * Error with code ENOENT and findEngine's message when there is none.
 */
export function pulumiStackOutputs(stack: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): unknown {
    const engine = findEngine(env);
    if (!isEngine(engine)) throw Object.assign(new Error(engine.missing), { code: "ENOENT" });
    const args = ["stack", "output", "--json", "--show-secrets=false", ...(stack ? ["--stack", stack] : [])];
    const r = spawnSync(path.join(engine.binDir, "pulumi"), args, { cwd, env, encoding: "utf8", timeout: 60_000, maxBuffer: 20_000_000 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${(r.stderr || "").trim().split("\n").pop()}`);
    return JSON.parse(r.stdout);
}

/** `pulumi stack history --json` (no secrets) through the engine golive finds (operations/engine). */
export function pulumiStackHistory(stack: string | undefined, env: NodeJS.ProcessEnv = process.env): unknown {
    const engine = findEngine(env);
    const bin = isEngine(engine) ? path.join(engine.binDir, "pulumi") : "pulumi";
    const args = ["stack", "history", "--json", "--show-secrets=false", "--page-size", "20", ...(stack ? ["--stack", stack] : [])];
    const r = spawnSync(bin, args, { encoding: "utf8", timeout: 60_000, maxBuffer: 20_000_000, env });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${(r.stderr || "").trim().split("\n").pop()}`);
    return JSON.parse(r.stdout);
}

/**
 * The failed (or interrupted) phase and the rollback after it, as the stack's history keeps them
 * (issue 18 item 3): the newest successful update, when it is golive's rollback, carries in its
 * message what failed with its evidence and who decided (operations/failureNote).
 */
export function withFailureFromHistory(facts: ChecklistFacts, history: unknown): ChecklistFacts | undefined {
    if (!Array.isArray(history)) return undefined;
    const applied = history.find((e) => e && e.kind === "update" && e.result === "succeeded");
    const note = parseFailureNote(applied?.message);
    if (!note) return undefined;
    const to = applied.config?.["golive:phase"]?.value ?? facts.phase ?? "prepare";
    const first = note.failedChecks[0];
    const failed: CheckResult[] = note.failedChecks.map((c) => ({ id: c.id, name: c.name, status: "fail", reason: c.reason, evidence: (c.evidence ?? {}) as Record<string, unknown>, durationMs: 0 }) as CheckResult);
    const d = note.decision;
    return {
        ...facts,
        phase: note.phase,
        failedUpdate: { phase: note.phase, error: first ? `${first.id} ${first.name} failed: ${first.reason}` : note.errors[0] ?? (note.interrupted ? "interrupted" : "failed") },
        rollback: {
            to,
            ok: true,
            why: d ? `${d.choice === "rollback" ? "roll back now" : d.choice}: decided by ${d.by} at ${d.at} (${d.how})` : "rolled back",
            evidence: `golive:phase back to ${to} and pulumi up, done at ${new Date(applied.endTime ?? applied.startTime).toISOString()}${note.records ? `; when it failed: ${note.records}` : ""} (stack history)`,
        },
        results: [...facts.results.filter((r) => !failed.some((f) => f.id === r.id && r.stage !== "pre-switch")), ...failed],
    };
}

/**
 * The stack's go-live page (`<page>.json`, newest first) about what the stack shows: after a rollback,
 * the newest page about a rollback (the cutover's own when R-1 rolled it back, else golive rollback's
 * or golive recover --rollback's); live, the newest page when it is a cutover's that went through.
 * None otherwise: a page about another run is never shown as this one's.
 */
export function stackPageOf(facts: ChecklistFacts, pages: readonly unknown[]): Record<string, unknown> | undefined {
    const isPage = (p: unknown): p is Record<string, unknown> => !!p && typeof p === "object" && !Array.isArray(p);
    if (facts.rollback) return pages.find((p): p is Record<string, unknown> => isPage(p) && !!p.rollback);
    const newest = pages[0];
    return facts.phase === "cutover" && !facts.failedUpdate && isPage(newest) && !newest.rollback && !newest.failedUpdate ? newest : undefined;
}

/**
 * R-3 as the command that sent it kept it (issue 26): the newest go-live page of the stack about a
 * rollback holds the postponement message in its notifications. The stack's history holds the
 * rollback but not R-3 (sent after the rollback's update, with the page's link), so the page's
 * JSON is R-3's one record; the report adds it to the facts when the stack shows that rollback.
 */
export function withPostponementFromPages(facts: ChecklistFacts, pages: readonly unknown[]): ChecklistFacts {
    const page = facts.rollback ? stackPageOf(facts, pages) : undefined;
    const sent = (page && Array.isArray(page.notifications) ? page.notifications : []).filter((n): n is CheckResult => isCheckResult(n) && n.id === "R-3");
    if (sent.length === 0) return facts;
    return { ...facts, notifications: [...(facts.notifications ?? []).filter((n) => n.id !== "R-3"), ...sent] };
}

/**
 * What only the run's page keeps (issue 26), added to the stack's outputs for the page rendered
 * again later (`golive report --stack <stack> --html`): the key pages' pictures, the timeline and
 * R-4's incident, from the page about what the stack shows (stackPageOf).
 */
export function withPageOfRun(json: unknown, facts: ChecklistFacts, pages: readonly unknown[]): unknown {
    const page = stackPageOf(facts, pages);
    if (!page || !json || typeof json !== "object" || Array.isArray(json)) return json;
    const kept = Object.fromEntries((["screenshots", "timeline", "incident"] as const).filter((k) => page[k] !== undefined).map((k) => [k, page[k]]));
    return { ...json, ...kept };
}

const defaultDeps: ReportDeps = {
    stackOutputs: pulumiStackOutputs,
    stackHistory: pulumiStackHistory,
    stackPages: stackPageFiles,
    now: () => new Date().toISOString(),
    stdin: readStdin,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t + "\n"),
};

/** All of standard input, bounded: `--from -` must not wait forever on a terminal. */
export function readStdin(timeoutMs = 600_000): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        const timer = setTimeout(() => reject(new Error(`nothing ended standard input within ${timeoutMs / 1000} s`)), timeoutMs);
        process.stdin.on("data", (c: Buffer) => chunks.push(c));
        process.stdin.once("end", () => {
            clearTimeout(timer);
            resolve(Buffer.concat(chunks).toString("utf8"));
        });
        process.stdin.once("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
    });
}

/** The JSON of --from: a file, or standard input for "-". */
async function readFrom(from: string, deps: ReportDeps): Promise<unknown> {
    const what = from === "-" ? "standard input" : from;
    let text: string;
    try {
        text = from === "-" ? await deps.stdin() : fs.readFileSync(from, "utf8");
    } catch (err) {
        throw new FileError(`cannot read --from ${what}: ${(err as Error).message}`);
    }
    if (text.trim() === "") throw new FileError(`--from ${what} is empty: expected JSON (stack outputs, \`golive verify --json\`, a rehearsal record)`);
    try {
        return JSON.parse(text);
    } catch (err) {
        throw new FileError(`--from ${what} is not JSON: ${(err as Error).message}`);
    }
}

export async function main(argv: string[], deps: ReportDeps = defaultDeps): Promise<number> {
    let opts;
    let json: unknown;
    try {
        opts = parseOptions(argv, { from: { type: "string" }, stack: { type: "string" }, out: { type: "string" }, html: { type: "string" }, lang: { type: "string" }, help: { type: "boolean", short: "h" } });
        if (opts.help) {
            deps.out(USAGE + "\n");
            return EXIT.ok;
        }
        if (opts.lang !== undefined && !LANGS.includes(opts.lang as Lang)) throw new UsageError(`--lang must be ${LANGS.join(" or ")}, got ${JSON.stringify(opts.lang)}`);
        if (opts.lang !== undefined && opts.html === undefined) throw new UsageError("--lang applies to the page: give --html <file> too");
        if (opts.html === "") throw new UsageError("--html needs a file name");
        if (opts.from !== undefined) json = await readFrom(opts.from, deps);
    } catch (err) {
        return reportError("report", err, USAGE, deps.err);
    }
    if (opts.from === undefined) {
        try {
            json = deps.stackOutputs(opts.stack);
        } catch (err) {
            const e = err as NodeJS.ErrnoException;
            deps.err(
                e.code === "ENOENT"
                    ? `golive report: ${e.message}. Without --from, the report reads \`pulumi stack output --json\` through it; ` +
                          "or pass --from <file.json> (saved stack outputs, `golive verify --json`, a rehearsal record)."
                    : `golive report: ${e.message}`,
            );
            return EXIT.usage;
        }
    }

    const generatedAt = deps.now();
    let markdown: string;
    let html: string | undefined;
    try {
        let facts = factsFromJson(json, { ...(opts.stack ? { stack: opts.stack } : {}), generatedAt });
        // Read from the stack: a failed cutover rolled back since is kept in the history (the
        // rollback update's message), not in the outputs, which are the previous phase's.
        let failure: ChecklistFacts | undefined;
        if (opts.from === undefined && deps.stackHistory) {
            try {
                failure = withFailureFromHistory(facts, deps.stackHistory(opts.stack));
            } catch {
                failure = undefined; // the history adds to the outputs; without it, the outputs alone
            }
        }
        if (failure) facts = failure;
        // R-3, the pictures, the timeline and R-4 are kept with the page the run wrote (cli/goLiveNews), not in the history.
        const pages = opts.from === undefined && opts.stack && deps.stackPages && (facts.rollback || (opts.html !== undefined && facts.phase === "cutover")) ? deps.stackPages(opts.stack) : [];
        facts = withPostponementFromPages(facts, pages);
        // Stack outputs carry the checklist as recorded at deploy time: it is the record, keep it
        // (with the rollback carried out since, when the JSON says so).
        const recorded = (json as { checklist?: unknown } | null)?.checklist;
        const lines = isLines(recorded) && !failure ? withRollback(recorded, facts) : buildChecklist(facts);
        markdown = renderMarkdown(lines, { domain: facts.domain, phase: describePhase(facts), stack: facts.stack, releaseRef: facts.releaseRef, generatedAt });
        if (opts.html !== undefined) html = renderHtmlReport(goLivePageOf(withPageOfRun(json, facts, pages), facts, lines), (opts.lang ?? "fr") as Lang);
    } catch (err) {
        deps.err(`golive report: ${opts.from === undefined ? "" : `--from ${opts.from === "-" ? "standard input" : opts.from}: `}${(err as Error).message}`);
        return opts.from === undefined ? EXIT.usage : EXIT.file;
    }
    if (opts.html !== undefined) {
        try {
            fs.writeFileSync(opts.html, html!);
        } catch (err) {
            deps.err(`golive report: cannot write --html ${opts.html}: ${(err as Error).message}`);
            return EXIT.file;
        }
        deps.err(`golive report: the go-live page is ${path.resolve(opts.html)}`);
        if (!opts.out) return EXIT.ok;
    }
    if (opts.out) {
        try {
            fs.writeFileSync(opts.out, markdown + "\n");
        } catch (err) {
            deps.err(`golive report: cannot write --out ${opts.out}: ${(err as Error).message}`);
            return EXIT.file;
        }
        deps.err(`golive report: written to ${opts.out}`);
    } else {
        deps.out(markdown + "\n");
    }
    return EXIT.ok;
}
