// `golive report [--from <file.json>] [--stack <stack>] [--out <file.md>]` — the go-live checklist
// (P-01..P-05, MEP-01..MEP-18, rollback plan) with statuses and evidence, as Markdown: the team's
// record of what was done and when (plan objective "Traçabilité").
import { spawnSync } from "child_process";
import * as fs from "fs";
import { buildChecklist, ChecklistLine, factsFromJson, renderMarkdown } from "../lib/report";

export const USAGE = [
    "usage: golive report [--from <file.json>] [--stack <stack>] [--out <file.md>]",
    "",
    "  --from <file>    facts as JSON: `pulumi stack output --json`, `golive verify --json`, or a rehearsal record",
    "  --stack <stack>  without --from, read `pulumi stack output --json` of this stack (needs the Pulumi CLI)",
    "  --out <file>     write the Markdown there instead of stdout",
].join("\n");

export interface ReportDeps {
    /** `pulumi stack output --json` of a stack; throws an Error with code ENOENT without the CLI. */
    stackOutputs(stack: string | undefined): unknown;
    now(): string;
    out(text: string): void;
    err(text: string): void;
}

export function pulumiStackOutputs(stack: string | undefined): unknown {
    const args = ["stack", "output", "--json", "--show-secrets=false", ...(stack ? ["--stack", stack] : [])];
    const r = spawnSync("pulumi", args, { encoding: "utf8", timeout: 60_000, maxBuffer: 20_000_000 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${(r.stderr || "").trim().split("\n").pop()}`);
    return JSON.parse(r.stdout);
}

const defaultDeps: ReportDeps = {
    stackOutputs: pulumiStackOutputs,
    now: () => new Date().toISOString(),
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t + "\n"),
};

/** A checklist as recorded in stack outputs (the `checklist` output). */
export function isLines(x: unknown): x is ChecklistLine[] {
    return Array.isArray(x) && x.length > 0 && x.every((l) => l && typeof l.id === "string" && typeof l.status === "string" && typeof l.action === "string");
}

export async function main(argv: string[], deps: ReportDeps = defaultDeps): Promise<number> {
    const opts: { from?: string; stack?: string; out?: string } = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            deps.out(USAGE + "\n");
            return 0;
        }
        const key = ({ "--from": "from", "--stack": "stack", "--out": "out" } as const)[a as "--from" | "--stack" | "--out"];
        const v = argv[i + 1];
        if (!key) {
            deps.err(`golive report: unknown option ${a}\n\n${USAGE}`);
            return 2;
        }
        if (v === undefined || v.startsWith("--")) {
            deps.err(`golive report: ${a} needs a value\n\n${USAGE}`);
            return 2;
        }
        opts[key] = v;
        i++;
    }

    let json: unknown;
    if (opts.from) {
        try {
            json = JSON.parse(fs.readFileSync(opts.from, "utf8"));
        } catch (err) {
            deps.err(`golive report: cannot read ${opts.from}: ${(err as Error).message}`);
            return 2;
        }
    } else {
        try {
            json = deps.stackOutputs(opts.stack);
        } catch (err) {
            const e = err as NodeJS.ErrnoException;
            deps.err(
                e.code === "ENOENT"
                    ? "golive report: without --from, the report reads `pulumi stack output --json`, and the Pulumi CLI is not on PATH. " +
                          "Install it and log in, or pass --from <file.json> (saved stack outputs, `golive verify --json`, a rehearsal record)."
                    : `golive report: ${e.message}`,
            );
            return 2;
        }
    }

    const generatedAt = deps.now();
    let markdown: string;
    try {
        const facts = factsFromJson(json, { ...(opts.stack ? { stack: opts.stack } : {}), generatedAt });
        // Stack outputs carry the checklist as recorded at deploy time: it is the record, keep it.
        const recorded = (json as { checklist?: unknown } | null)?.checklist;
        const lines = isLines(recorded) ? recorded : buildChecklist(facts);
        markdown = renderMarkdown(lines, { domain: facts.domain, phase: facts.phase, stack: facts.stack, releaseRef: facts.releaseRef, generatedAt });
    } catch (err) {
        deps.err(`golive report: ${(err as Error).message}`);
        return 2;
    }
    if (opts.out) {
        fs.writeFileSync(opts.out, markdown + "\n");
        deps.err(`golive report: written to ${opts.out}`);
    } else {
        deps.out(markdown + "\n");
    }
    return 0;
}
