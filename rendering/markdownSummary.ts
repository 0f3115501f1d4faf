// golive's summaries as Markdown, for a pull request's comment and a CI run's summary: a phase's
// plan (gates, what changes, what is verified before the switch and after it, the R-1 rule), the
// one comment that gathers every stack a pull request touches (found again by its hidden marker),
// and the lines of a run that ended before it had a record. Pure.
import type { Gate } from "../operations/phaseGates";
import type { PreviewSummary } from "../operations/previewSummary";

/** A gate that is met later, where the plan cannot check it (P-01: given at the apply in CI). */
export interface PendingGate {
    id: string;
    label: string;
    detail: string;
}

export interface PlanReport {
    stack: string;
    domain?: string;
    phase: string;
    /** The last successful update: its phase, when, and how golive names it. */
    applied?: { phase: string; at: string; name: string };
    gates: Gate[];
    pending: PendingGate[];
    /** The preview as golive prints it, and summarized; absent when the gates stopped the plan. */
    preview?: { lines: string[]; summary: PreviewSummary };
    previewErrors?: string[];
    notes: string[];
    /** What R-1 does in CI if a check fails after the switch (cutover). */
    rollbackRule?: string;
    /** The GitHub environment whose required reviewers approve the apply. */
    environment?: string;
    /** Whether the phase could be applied as it stands. */
    ready: boolean;
    /** Why not, in a few words. */
    verdict: string;
}

/** The hidden marker that finds a pull request's golive comment again. */
export function commentMarker(key: string): string {
    return `<!-- golive:${key} -->`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").trim() || "—";
const code = (s: string) => "`" + s.replace(/`/g, "'") + "`";
const fence = (lines: readonly string[]) => {
    // A fence longer than any run of backticks inside.
    const longest = Math.max(2, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))));
    const f = "`".repeat(longest + 1);
    return [f, ...lines, f];
};

/** The plan of one stack as a section of Markdown. */
export function renderPlanMarkdown(p: PlanReport, plainLines: readonly string[]): string {
    const out: string[] = [];
    out.push(`### ${p.ready ? "✅" : "❌"} ${code(p.stack)}${p.domain ? ` — ${p.domain}` : ""}: ${p.phase} ${p.ready ? "ready to apply" : "would be refused"}`, "");
    const applied = p.applied ? `applied now: **${p.applied.phase}** (${p.applied.name})` : "nothing applied yet";
    const how = p.environment ? `; the apply runs once a required reviewer of the GitHub environment ${code(p.environment)} approves it` : "";
    out.push(`${p.verdict}. Stack ${code(p.stack)}: ${applied}${how}.`, "");
    out.push("| Gate | Status | Detail |", "| :--- | :--- | :--- |");
    for (const g of p.gates) out.push(`| ${cell(`${g.id === "config" || g.id === "order" ? "" : `${g.id} `}${g.label}`)} | ${g.ok ? "✅ met" : "❌ not met"} | ${cell(g.detail)} |`);
    for (const g of p.pending) out.push(`| ${cell(`${g.id} ${g.label}`)} | ⏳ at the apply | ${cell(g.detail)} |`);
    out.push("");
    for (const n of p.notes) out.push(`> ⚠️ ${n}`, "");
    if (p.previewErrors && p.previewErrors.length > 0) {
        out.push("**The preview failed:**", "", ...p.previewErrors.map((e) => `- ${e.split("\n")[0]}`), "");
    }
    if (p.preview) {
        const s = p.preview.summary;
        const changes: string[] = [];
        if (s.imports.length > 0) changes.push(...s.imports.map((i) => `- ⬇️ import (adopted as it is): ${i}`));
        for (const r of s.recordsInPlace) changes.push(`- 🔁 record changing in place: ${code(r.record)} (${r.resource}): ${r.changes.map((c) => `${c.field} ${code(c.from)} → ${code(c.to)}`).join(", ") || "no field change"}`);
        if (s.creates.length > 0) changes.push(`- ➕ create: ${s.creates.join(", ")}`);
        if (s.updates.length > 0) changes.push(`- ✏️ update in place: ${s.updates.join(", ")}`);
        if (s.replaces.length > 0) changes.push(`- ♻️ **replace:** ${s.replaces.join(", ")}`);
        if (s.deletes.length > 0) changes.push(`- 🗑️ **delete:** ${s.deletes.join(", ")}`);
        out.push("**What changes**", "", ...(changes.length > 0 ? changes : ["- no change"]), "");
        for (const g of s.gaps) out.push(`> ⚠️ **Visitor-facing gap:** ${g}`, "");
        for (const n of s.notes) out.push(`> ℹ️ ${n}`, "");
        for (const r of s.refusals) out.push(`> ⛔ **Refused:** ${r}`, "");
        if (s.checksBefore.length > 0) out.push(`**Verified before the switch** (new host, names pinned to Vercel${s.recordsInPlace.length > 0 ? "; the records wait for them" : ""}): ${s.checksBefore.join(", ")}`, "");
        if (s.checks.length > 0) out.push(`**Checks${s.checksBefore.length > 0 ? " after the switch" : " that will run"}:** ${s.checks.join(", ")}`, "");
    }
    if (p.rollbackRule) out.push(`**If a check fails after the switch (R-1):** ${p.rollbackRule}`, "");
    out.push("<details><summary>golive plan, as printed</summary>", "", ...fence(plainLines), "", "</details>", "");
    return out.join("\n");
}

export interface CommentTarget {
    stack: string;
    phase: string;
}

/**
 * The pull request's one golive comment: the marker, a header, each stack's section (from the plan
 * jobs), a line for each stack whose plan is missing (its job failed before it), and where it ran.
 */
export function renderPlanComment(o: { marker: string; sha?: string; runUrl?: string; at: string; sections: Array<{ stack: string; markdown: string }>; targets: readonly CommentTarget[] }): string {
    const out = [o.marker, "## golive preview", ""];
    out.push(`The phase each stack file asks for, previewed${o.sha ? ` at ${code(o.sha.slice(0, 12))}` : ""}; this comment is updated on each push. After the merge, the **golive apply** workflow applies it once a required reviewer of the stack's environment approves.`, "");
    const byStack = new Map(o.sections.map((s) => [s.stack, s.markdown]));
    const stacks = [...new Set([...o.targets.map((t) => t.stack), ...o.sections.map((s) => s.stack)])].sort();
    if (stacks.length === 0) out.push("No stack file and no program file changed: nothing to preview.", "");
    for (const stack of stacks) {
        const md = byStack.get(stack);
        if (md) out.push(md.trim(), "");
        else {
            const t = o.targets.find((x) => x.stack === stack);
            out.push(`### ❌ ${code(stack)}${t ? `: ${t.phase}` : ""} — no preview`, "", `The plan job of this stack ended before it wrote its preview${o.runUrl ? `: see [the run](${o.runUrl})` : ""}.`, "");
        }
    }
    out.push(`<sub>${o.runUrl ? `[Run](${o.runUrl}) · ` : ""}${o.at}</sub>`, "");
    return out.join("\n");
}

/** A plan that could not run (no engine, no passphrase, the stack unknown to the backend): what it said. */
export function planFailedMarkdown(stack: string, lines: readonly string[]): string {
    return [`### ❌ ${code(stack)} — the plan could not run`, "", ...fence(lines), ""].join("\n");
}

/** A run that ended before it had a record (refused at the gates, bad usage): its lines, as Markdown. */
export function runLinesMarkdown(title: string, lines: readonly string[], exitCode: number): string {
    return [`# ${title}`, "", `Exit code ${exitCode}: ${exitCode === 0 ? "done" : exitCode === 2 ? "bad usage or no engine" : "refused or failed"}; nothing was recorded.`, "", ...fence(lines), ""].join("\n");
}
