// The record of one guided phase (traceability): who ran it and when, the gates, the preview, every
// resource and check as it finished, the failed checks with their evidence, the rollback decision
// (R-1: who decided, when, how) and the rollback, then the plan's checklist. A Markdown file named
// after the stack, the phase and the UTC time. Rendering is pure; writeRecordFile only writes.
import * as fs from "fs";
import * as path from "path";
import type { CheckResult } from "../checks/types";
import { ChecklistLine, renderMarkdown } from "./report";
import type { Gate } from "./phaseGates";
import type { ProgressStep } from "./upProgress";
import { ciRecordLines, type CiRun } from "./ciContext";

export interface RollbackDecision {
    choice: "rollback" | "no rollback" | "undecided";
    /** Who decided: git user.name or the login. */
    by: string;
    at: Date;
    /** How: "answered yes at the prompt", "--auto-rollback", "golive:rollback.auto agreed in config"... */
    how: string;
}

export interface RollbackRun {
    ok: boolean;
    startedAt: Date;
    endedAt: Date;
    /** When the site records were back at their previous content. */
    dnsRestoredAt?: Date;
    steps: ProgressStep[];
    errors: string[];
}

export interface PhaseRecord {
    stack: string;
    phase: string;
    domain: string;
    operator: string;
    engine: string;
    startedAt: Date;
    endedAt: Date;
    gates: Gate[];
    /** The preview summary as shown (lib/previewSummary renderPreviewSummary). */
    preview: string[];
    /** How the apply was confirmed: "--yes" or "answered yes at the prompt". */
    confirmation: string;
    ok: boolean;
    errors: string[];
    steps: ProgressStep[];
    /** ms since the epoch of the steps' clock origin (step times are relative to it). */
    clockOrigin: number;
    failedChecks: CheckResult[];
    dnsSwitchAt?: Date;
    firstFailedCheckAt?: Date;
    decision?: RollbackDecision;
    rollback?: RollbackRun;
    checklist: ChecklistLine[];
    releaseRef?: string | null;
    /** The CI run this phase ran in (GitHub Actions): its URL, who started it, who approved it. */
    ci?: CiRun;
}

/** golive-<stack>-<phase>-<YYYYMMDDTHHMMSSZ>.md */
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
        `- **Result:** ${r.ok ? "succeeded" : "FAILED"}${r.rollback ? (r.rollback.ok ? ", rolled back to prepare" : ", rollback FAILED") : ""}`,
        `- **Run by:** ${r.operator}`,
        `- **Started:** ${r.startedAt.toISOString()}`,
        `- **Ended:** ${r.endedAt.toISOString()} (${secondsBetween(r.startedAt, r.endedAt)})`,
        `- **Engine:** pulumi ${r.engine}`,
        `- **Confirmed:** ${r.confirmation}`,
        ...(r.dnsSwitchAt ? [`- **DNS switch:** ${r.dnsSwitchAt.toISOString()}`] : []),
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
        for (const c of r.failedChecks) out.push(`- **${c.id} ${c.name}:** ${c.reason} — evidence: \`${JSON.stringify(c.evidence).replace(/`/g, "'")}\``);
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
    if (r.rollback) {
        const rb = r.rollback;
        out.push(
            "## Rollback (R-2: golive:phase prepare, pulumi up)",
            "",
            `- **Result:** ${rb.ok ? "succeeded" : "FAILED"}`,
            `- **Started:** ${rb.startedAt.toISOString()}; **ended:** ${rb.endedAt.toISOString()} (${secondsBetween(rb.startedAt, rb.endedAt)})`,
            ...(rb.dnsRestoredAt ? [`- **Records back at their previous content:** ${rb.dnsRestoredAt.toISOString()}${r.firstFailedCheckAt ? ` (${secondsBetween(r.firstFailedCheckAt, rb.dnsRestoredAt)} after the first failed check)` : ""}`] : []),
            ...rb.errors.map((e) => `- error: ${e.split("\n")[0]}`),
            "",
            ...stepRows(rb.steps, r.clockOrigin),
        );
    }
    out.push(renderMarkdown(withRollbackDecision(r.checklist, r.decision, r.rollback), { domain: r.domain, phase: r.phase, stack: r.stack, releaseRef: r.releaseRef ?? null, generatedAt: r.endedAt.toISOString() }).replace(/^(#+) /gm, "#$1 "));
    return out.join("\n") + "\n";
}

/** Writes the record into `dir` (created if needed), never over an existing file; returns its path. */
export function writeRecordFile(dir: string, name: string, text: string): string {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    fs.writeFileSync(file, text, { flag: "wx" });
    return file;
}
