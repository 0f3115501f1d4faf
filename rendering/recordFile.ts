// The record of one guided phase (traceability): who ran it and when, the gates, the preview, every
// resource and check as it finished, the failed checks with their evidence, the rollback decision
// (R-1: who decided, when, how) and the rollback, then the plan's checklist. A Markdown file named
// after the stack, the phase and the UTC time. Rendering is pure; writeRecordFile only writes.
import * as fs from "fs";
import * as path from "path";
import { ChecklistLine, renderMarkdown } from "../program/report";
import type { Gate } from "../operations/phaseGates";
import type { ProgressStep } from "../operations/upProgress";
import { ciRecordLines } from "../operations/ciContext";
import type { PhaseRecord, RecordedPage, RecoveryRecord, RollbackDecision, RollbackRun } from "../operations/runRecord";
import type { CheckResult } from "../checks/types";
import { evidenceJson } from "../checks/inlineImage";

export type { Interruption, PhaseRecord, RecordedPage, RecoveryRecord, RollbackDecision, RollbackRun } from "../operations/runRecord";

/** golive-<stack>-<phase>-<YYYYMMDDTHHMMSSZ>.md (writeRecordFile adds -2, -3… if that name is taken). */
export function recordFileName(stack: string, phase: string, at: Date): string {
    const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    return `golive-${stack}-${phase}-${stamp}.md`;
}

/** R-1 and R-2 of the checklist filled in with the decision and the rollback that followed. */
export function withRollbackDecision(lines: readonly ChecklistLine[], decision: RollbackDecision | undefined, rollback: RollbackRun | undefined): ChecklistLine[] {
    return lines.map((l) => {
        if (l.id === "R-1" && decision) {
            const what = decision.choice === "rollback" ? "roll back now" : decision.choice === "no rollback" ? "no rollback" : "no decision taken";
            return { ...l, status: decision.choice === "undecided" ? "pending" : "done", evidence: `${what}: decided by ${decision.by} at ${decision.at.toISOString()} (${decision.how})` };
        }
        if (l.id === "R-2" && rollback) {
            return {
                ...l,
                status: rollback.ok ? "done" : "failed",
                evidence: rollback.ok
                    ? `golive:phase back to prepare and pulumi up, done at ${rollback.endedAt.toISOString()}${rollback.dnsRestoredAt ? `; records back at ${rollback.dnsRestoredAt.toISOString()}` : ""}`
                    : `the rollback's pulumi up failed: ${rollback.errors.join("; ")}`,
            };
        }
        return l;
    });
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").trim() || "—";
const secondsBetween = (a: Date, b: Date) => `${((b.getTime() - a.getTime()) / 1000).toFixed(1)} s`;

function stepRows(steps: readonly ProgressStep[], origin: number): string[] {
    if (steps.length === 0) return ["No resource changed.", ""];
    const rows = ["| Time (UTC) | Step | Result |", "| :--- | :--- | :--- |"];
    for (const s of steps) {
        const at = new Date(origin + (s.endedAt ?? s.startedAt)).toISOString().slice(11, 23);
        const result = s.result ? `${s.result.status}: ${s.result.reason}` : s.ok ? `${s.op} done` : `failed: ${s.error ?? ""}`;
        rows.push(`| ${at} | ${cell(s.label)} | ${cell(result.split("\n")[0])} |`);
    }
    return [...rows, ""];
}

export function renderRecord(r: PhaseRecord): string {
    const out: string[] = [
        `# golive ${r.phase} — ${r.domain} (stack ${r.stack})`,
        "",
        `- **Result:** ${r.interruption ? `INTERRUPTED (${r.interruption.by} at ${r.interruption.at.toISOString()}${r.interruption.stoppedAtOnce ? ", engine stopped at once" : ", engine stopped cleanly"})` : r.ok ? "succeeded" : "FAILED"}${r.rollback ? (r.rollback.ok ? ", rolled back to prepare" : ", rollback FAILED") : ""}`,
        `- **Run by:** ${r.operator}`,
        `- **Started:** ${r.startedAt.toISOString()}`,
        `- **Ended:** ${r.endedAt.toISOString()} (${secondsBetween(r.startedAt, r.endedAt)})`,
        `- **Engine:** pulumi ${r.engine}`,
        `- **Confirmed:** ${r.confirmation}`,
        ...(r.dnsSwitchAt ? [`- **DNS switch:** ${r.dnsSwitchAt.toISOString()}`] : []),
        ...(r.siteAfter && r.siteAfter.length > 0 ? [`- **Site at the end (from the records Cloudflare holds):** ${r.siteAfter.join(" ")}`] : []),
        ...(r.next && r.next.length > 0 ? [`- **Next:** ${r.next.join("; ")}`] : []),
        ...(r.ci ? ciRecordLines(r.ci) : []),
        "",
        "## Gates",
        "",
        "| Gate | Status | Detail |",
        "| :--- | :--- | :--- |",
        ...r.gates.map((g) => `| ${cell(`${g.id === "config" || g.id === "order" ? "" : `${g.id} `}${g.label}`)} | ${g.ok ? "✅ ok" : "❌ refused"} | ${cell(g.detail)} |`),
        "",
        "## Preview",
        "",
        "```",
        ...r.preview.map((l) => l.replace(/^ {2}/, "")),
        "```",
        "",
        "## Progress",
        "",
        ...stepRows(r.steps, r.clockOrigin),
    ];
    if (r.errors.length > 0) out.push("## Errors", "", ...r.errors.map((e) => `- ${e.split("\n")[0]}`), "");
    if (r.failedChecks.length > 0) {
        out.push("## Failed checks", "");
        for (const c of r.failedChecks) out.push(`- **${c.id} ${c.name}:** ${c.reason} — evidence: \`${evidenceJson(c.evidence).replace(/`/g, "'")}\``);
        if (r.dnsSwitchAt && r.firstFailedCheckAt) out.push(`- First failed check ${secondsBetween(r.dnsSwitchAt, r.firstFailedCheckAt)} after the DNS switch.`);
        out.push("");
    }
    if (r.decision) {
        out.push(
            "## Rollback decision (R-1)",
            "",
            `- **Decision:** ${r.decision.choice}`,
            `- **Decided by:** ${r.decision.by}`,
            `- **At:** ${r.decision.at.toISOString()}`,
            `- **How:** ${r.decision.how}`,
            "",
        );
    }
    if (r.rollback) out.push(...rollbackLines(r.rollback, "golive:phase prepare, pulumi up", r.clockOrigin, r.firstFailedCheckAt));
    out.push(...incidentLines(r.incident), ...newsLines(r.page, r.messages));
    out.push(renderMarkdown(withRollbackDecision(r.checklist, r.decision, r.rollback), { domain: r.domain, phase: r.phase, stack: r.stack, releaseRef: r.releaseRef ?? null, generatedAt: r.endedAt.toISOString() }).replace(/^(#+) /gm, "#$1 "));
    return out.join("\n") + "\n";
}

/**
 * Writes the record into `dir` (created if needed), never over an existing file: when `name` is
 * taken (two runs in the same second), the next free `<name>-2.md`, `-3`… Returns its path.
 */
export function writeRecordFile(dir: string, name: string, text: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const base = name.replace(/\.md$/, "");
    for (let n = 1; n <= 1000; n++) {
        const file = path.join(dir, n === 1 ? name : `${base}-${n}.md`);
        try {
            fs.writeFileSync(file, text, { flag: "wx" });
            return file;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
    }
    throw new Error(`no free record name for ${name} in ${dir}`);
}

/**
 * Whether the newest record of `phase` on `stack` in `dir`, started at most `before` (the update's
 * start: the record's name carries the run's start, a little earlier), says the run was
 * interrupted (Ctrl-C or a signal) rather than failed. Undefined when no such record is there.
 */
export function recordSaysInterrupted(dir: string, stack: string, phase: string, before: Date): boolean | undefined {
    let names: string[];
    try {
        names = fs.readdirSync(dir);
    } catch {
        return undefined;
    }
    const prefix = `golive-${stack}-${phase}-`;
    const stampOf = (n: string) => /^(\d{8}T\d{6}Z)/.exec(n.slice(prefix.length))?.[1];
    const at = (stamp: string) => Date.parse(stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"));
    const newest = names
        .filter((n) => n.startsWith(prefix) && n.endsWith(".md") && stampOf(n) && at(stampOf(n)!) <= before.getTime() + 1000)
        .sort()
        .pop();
    if (!newest) return undefined;
    try {
        return /^- \*\*Result:\*\* INTERRUPTED/m.test(fs.readFileSync(path.join(dir, newest), "utf8"));
    } catch {
        return undefined;
    }
}

export function renderRecoveryRecord(r: RecoveryRecord, kind: "recover" | "rollback"): string {
    const out = [
        `# golive ${kind} — ${r.domain ?? "?"} (stack ${r.stack})`,
        "",
        `- **Result:** ${r.ok ? (kind === "recover" ? "recovered" : "rolled back") : kind === "recover" ? "NOT recovered" : "NOT rolled back"}`,
        `- **Run by:** ${r.operator}`,
        `- **Started:** ${r.startedAt.toISOString()}`,
        `- **Ended:** ${r.endedAt.toISOString()} (${secondsBetween(r.startedAt, r.endedAt)})`,
        `- **Engine:** pulumi ${r.engine}`,
        "",
        "## Found",
        "",
        ...r.before.map((l) => `- ${l.trim().replace(/^! /, "")}`),
        "",
        "## Cleared",
        "",
        ...(r.cleared.length > 0 ? r.cleared.map((l) => `- ${l}`) : ["Nothing was left to clear."]),
        "",
        "## After",
        "",
        ...r.after.map((l) => `- ${l.trim().replace(/^! /, "")}`),
        "",
    ];
    if (r.way) out.push("## Way on", "", `- **Choice:** ${r.way.choice} (${r.way.how})`, `- **Result:** ${r.way.result}`, "");
    if (r.rollback) out.push(...rollbackLines(r.rollback, "records first, then prepare", r.clockOrigin));
    out.push(...newsLines(r.page, r.messages));
    return out.join("\n") + "\n";
}

/**
 * The stage "record" of golive prepare | cutover | adopt | recover | rollback: the record written
 * (writeRecordFile), its path returned; one that cannot be written is said on `err`, and does not
 * change the run's result.
 */
export function writeRunRecord(command: string, dir: string, name: string, text: string, err: (line: string) => void): string | undefined {
    try {
        return writeRecordFile(dir, name, text);
    } catch (e) {
        err(`${command}: the record could not be written to ${dir}: ${(e as Error).message}`);
        return undefined;
    }
}

/** The page, its upload and the messages that carried it: the record's lines (both kinds of record). */
function newsLines(page: RecordedPage | undefined, messages: readonly CheckResult[] | undefined): string[] {
    if (!page && !messages?.length) return [];
    const out = ["## Go-live page and messages (MEP-17, R-3)", ""];
    if (page) {
        out.push(page.missing ? `- **Page:** not written: ${page.missing}` : `- **Page:** ${page.file}${page.link !== page.file ? ` — published at ${page.link}` : ""}`);
        if (page.pictures) out.push(`- **Key pages' pictures:** ${page.pictures}`);
        if (page.upload) out.push(`- **Upload:** ${page.upload.ok ? "done" : "FAILED"} (${page.upload.detail}, ${(page.upload.ms / 1000).toFixed(1)} s)`);
    }
    for (const m of messages ?? []) out.push(`- **${m.id} ${m.name}:** ${m.status === "pass" ? "sent" : m.status === "skip" ? "manual" : "FAILED"} — ${m.reason}${typeof m.evidence.at === "string" ? ` at ${m.evidence.at}` : ""}`);
    return [...out, ""];
}

/** R-4: the Vercel deployment's events as read on the failed cutover (a code block: backquotes become quotes). */
function incidentLines(incident: PhaseRecord["incident"]): string[] {
    if (!incident) return [];
    const events = incident.deploymentEvents ?? [];
    const line = (e: { at?: string; type: string; text: string }) => `${e.at ?? ""} [${e.type}] ${e.text}`.replace(/`/g, "'").replace(/\r?\n/g, " ");
    return ["## Vercel deployment events (R-4)", "", ...(events.length > 0 ? ["```", ...events.map(line), "```"] : [`Not gathered: ${incident.deploymentEventsMissing ?? "no event"}`]), ""];
}

/** The rollback's section, in both kinds of record: how it went, when the records were back (and how long after the first failed check, when one is known), its steps. */
function rollbackLines(rb: RollbackRun, how: string, clockOrigin: number, firstFailedCheckAt?: Date): string[] {
    const back = rb.dnsRestoredAt ? `- **Records back at their previous content:** ${rb.dnsRestoredAt.toISOString()}${firstFailedCheckAt ? ` (${secondsBetween(firstFailedCheckAt, rb.dnsRestoredAt)} after the first failed check)` : ""}` : undefined;
    return [
        `## Rollback (R-2: ${how})`,
        "",
        `- **Result:** ${rb.ok ? "succeeded" : "FAILED"}`,
        `- **Started:** ${rb.startedAt.toISOString()}; **ended:** ${rb.endedAt.toISOString()} (${secondsBetween(rb.startedAt, rb.endedAt)})`,
        ...(back ? [back] : []),
        ...rb.errors.map((e) => `- error: ${e.split("\n")[0]}`),
        "",
        ...stepRows(rb.steps, clockOrigin),
    ];
}
