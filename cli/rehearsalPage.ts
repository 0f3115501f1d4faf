// The rehearsal's go-live page (issue 26): its record rendered as `golive report --html` renders a
// stack's, written where asked or under .golive/, and the line that says where.
import * as fs from "fs";
import * as path from "path";
import type { RehearsalReport } from "../rehearsal/run";
import { buildChecklist, factsFromJson } from "../program/report";
import { goLivePageOf } from "../rendering/goLivePage";
import { renderHtmlReport } from "../rendering/htmlReport";
import type { Lang } from "../rendering/htmlWords";

/** The page of a rehearsal's go-live, as HTML (the checklist is the record's own). */
export function rehearsalPageHtml(report: RehearsalReport, lang: Lang = "fr", generatedAt = new Date().toISOString()): string {
    const facts = factsFromJson(report, { generatedAt });
    const lines = report.checklist?.length ? report.checklist : buildChecklist(facts);
    return renderHtmlReport(goLivePageOf(report, facts, lines), lang);
}

/** Where the page goes: `file`, or .golive/rehearsal-<time>.html under the current folder. */
export function rehearsalPagePath(file: string | undefined, now: Date): string {
    return path.resolve(file ?? path.join(".golive", `rehearsal-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.html`));
}

/** Writes the page at `rehearsalPagePath(file, now)`; returns the line to print. */
export function writeRehearsalPage(report: RehearsalReport, file?: string, now = new Date()): string {
    const target = rehearsalPagePath(file, now);
    try {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, rehearsalPageHtml(report, "fr", now.toISOString()));
        // The record beside it: `golive report --from` renders it again (in English, or as Markdown).
        const record = target.replace(/\.html?$/, "") + ".json";
        fs.writeFileSync(record, JSON.stringify(report, null, 2));
        return `go-live page: ${target}\n  (its record: ${record}; golive report --from ${path.relative(process.cwd(), record).startsWith("..") ? record : path.relative(process.cwd(), record)} --html <file> --lang en renders it in English)`;
    } catch (err) {
        return `golive rehearse: the go-live page could not be written to ${target}: ${(err as Error).message}`;
    }
}
