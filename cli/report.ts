// `golive report [--from <file.json>] [--stack <stack>] [--out <file.md>]` — the go-live checklist
// (P-01..P-05, MEP-01..MEP-18, rollback plan) with statuses and evidence, as Markdown: the team's
// record of what was done and when (plan objective "Traçabilité").
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { findEngine, isEngine } from "../lib/engine";
import { buildChecklist, ChecklistLine, describePhase, factsFromJson, renderMarkdown, withRollback } from "../lib/report";
import { EXIT, EXIT_CODES_TEXT, FileError, parseOptions, reportError } from "./args";

export const USAGE = [
    "usage: golive report [--from <file.json | ->] [--stack <stack>] [--out <file.md>]",
    "",
    "  --from <file>    facts as JSON: `pulumi stack output --json`, `golive verify --json`, or a rehearsal record;",
    "                   - reads standard input: golive verify ... --json | golive report --from -",
    "  --stack <stack>  without --from, read `pulumi stack output --json` of this stack (needs the engine: npm run engine)",
    "  --out <file>     write the Markdown there instead of stdout",
    "",
    EXIT_CODES_TEXT,
].join("\n");

export interface ReportDeps {
    /** `pulumi stack output --json` of a stack; throws an Error with code ENOENT (and findEngine's message) without the engine. */
    stackOutputs(stack: string | undefined): unknown;
    now(): string;
    /** Standard input, whole (`--from -`). */
    stdin(): Promise<string>;
    out(text: string): void;
    err(text: string): void;
}

/**
 * `pulumi stack output --json` through the engine every golive command uses (lib/engine); throws an
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

const defaultDeps: ReportDeps = {
    stackOutputs: pulumiStackOutputs,
    now: () => new Date().toISOString(),
    stdin: readStdin,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t + "\n"),
};

/** A checklist as recorded in stack outputs (the `checklist` output). */
export function isLines(x: unknown): x is ChecklistLine[] {
    return Array.isArray(x) && x.length > 0 && x.every((l) => l && typeof l.id === "string" && typeof l.status === "string" && typeof l.action === "string");
}

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
        opts = parseOptions(argv, { from: { type: "string" }, stack: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } });
        if (opts.help) {
            deps.out(USAGE + "\n");
            return EXIT.ok;
        }
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
    try {
        const facts = factsFromJson(json, { ...(opts.stack ? { stack: opts.stack } : {}), generatedAt });
        // Stack outputs carry the checklist as recorded at deploy time: it is the record, keep it
        // (with the rollback carried out since, when the JSON says so).
        const recorded = (json as { checklist?: unknown } | null)?.checklist;
        const lines = isLines(recorded) ? withRollback(recorded, facts) : buildChecklist(facts);
        markdown = renderMarkdown(lines, { domain: facts.domain, phase: describePhase(facts), stack: facts.stack, releaseRef: facts.releaseRef, generatedAt });
    } catch (err) {
        deps.err(`golive report: ${opts.from === undefined ? "" : `--from ${opts.from === "-" ? "standard input" : opts.from}: `}${(err as Error).message}`);
        return opts.from === undefined ? EXIT.usage : EXIT.file;
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
