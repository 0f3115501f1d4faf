// `golive report --html`: the go-live as one self-contained page (issue 26) the project manager
// forwards to the client and the engineer reads first after a failed go-live. Pure: the page's facts
// (rendering/goLivePage) in, HTML out; no network needed to open it (pictures as data: URIs, the timeline
// as inline SVG, no font, script or stylesheet from elsewhere); readable on a phone, printable.
import type { ChecklistLine, LineStatus } from "../program/report";
import { nextDateSteps, PHASE_TITLES } from "../program/report";
import type { ChecklistPhase } from "../program/report";
import type { GoLivePage, GoLiveTimeline, PageShot, ScoreRow } from "./goLivePage";
import { escapeHtml as esc, isInlineImage } from "./htmlEscape";
import { Lang, Words, wordsFor } from "./htmlWords";
import { renderTimelineSvg, TIMELINE_CSS } from "./htmlTimeline";
import { evidenceJson } from "../checks/inlineImage";

/** "2026-12-06 04:10:02 UTC" from an ISO time (anything else as given). */
export function displayTime(iso: string | undefined): string {
    if (!iso) return "";
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso;
}

const STATUS_CLASS: Record<LineStatus, string> = { done: "ok", "checked OK": "ok", failed: "bad", skipped: "warn", manual: "info", pending: "info", unknown: "warn" };

function verdictBlock(p: GoLivePage, w: Words): string {
    const v = p.verdict;
    const [cls, head, because] =
        v.kind === "live"
            ? ["ok", w.verdictLive(displayTime(v.since)), undefined]
            : v.kind === "rehearsed"
              ? ["ok", w.verdictRehearsed(displayTime(v.at)), undefined]
              : v.kind === "rolled-back"
                ? ["bad", w.verdictRolledBack(displayTime(v.at)), v.because]
                : v.kind === "failed"
                  ? ["bad", w.verdictFailed, v.because]
                  : ["info", w.verdictNotLive(v.phase), undefined];
    return `<div class="verdict ${cls}" role="status"><p class="verdict-head">${esc(head)}</p>${because ? `<p><strong>${esc(w.because)}</strong> ${esc(because)}</p>` : ""}</div>`;
}

function factsBlock(p: GoLivePage, w: Words): string {
    const count = (s: LineStatus) => p.checklist.filter((l) => l.status === s && l.phase !== "rollback").length;
    const summary = (Object.keys(STATUS_CLASS) as LineStatus[])
        .filter((s) => count(s) > 0)
        .map((s) => `${count(s)} ${w.statuses[s]}`)
        .join(", ");
    const rows: Array<[string, string]> = [
        [w.site, `https://www.${p.domain}/`],
        ...(p.stack ? [[w.stack, p.stack] as [string, string]] : []),
        [w.release, p.releaseRef ?? "—"],
        [w.tag, p.tag ?? "—"],
        [w.generated, displayTime(p.generatedAt)],
        [w.summary, summary],
    ];
    return `<dl class="facts">${rows.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join("")}</dl>`;
}

function shotFigure(s: PageShot | undefined, stage: "pre-switch" | "after-switch", url: string, w: Words): string {
    const heading = stage === "pre-switch" ? w.before : w.after;
    if (!s || !isInlineImage(s.image)) {
        const why = s?.missing ?? (s ? "the picture is not an inline image" : "");
        return `<figure class="shot missing"><div class="noshot"><p><strong>${esc(w.noShot)}</strong></p>${why ? `<p>${esc(why)}</p>` : ""}</div><figcaption><strong>${esc(heading)}</strong>${s ? ` · ${esc(w.takenAt)} ${esc(displayTime(s.takenAt))}` : ""}</figcaption></figure>`;
    }
    const how = stage === "pre-switch" ? (s.pinned ? w.pinnedOn(s.pinned) : "") : s.shows ?? w.throughDns;
    const size = s.width && s.height ? ` width="${s.width}" height="${s.height}"` : "";
    return `<figure class="shot"><img src="${s.image}" alt="${esc(w.shotAlt(url, w.stages[stage]))}"${size}><figcaption><strong>${esc(heading)}</strong> · ${esc(w.takenAt)} ${esc(displayTime(s.takenAt))}${how ? ` · ${esc(how)}` : ""}</figcaption></figure>`;
}

function pagesSection(p: GoLivePage, w: Words): string {
    const urls = [...new Set(p.shots.map((s) => s.url))];
    const body = urls.length
        ? urls
              .map((url) => {
                  const find = (stage: PageShot["stage"]) => [...p.shots].reverse().find((s) => s.url === url && s.stage === stage);
                  const after = find("after-switch");
                  // After a rollback, the new site as it was live (the cutover's picture) before the old site again.
                  const live = after?.shows ? [...p.shots].reverse().find((s) => s.url === url && s.stage === "after-switch" && !s.shows && isInlineImage(s.image)) : undefined;
                  return `<div class="pair"><h3>${esc(url)}</h3><div class="side">${shotFigure(find("pre-switch"), "pre-switch", url, w)}${live ? shotFigure(live, "after-switch", url, w) : ""}${shotFigure(after, "after-switch", url, w)}</div></div>`;
              })
              .join("")
        : `<p class="note">${esc(w.noShots)}</p>`;
    return `<section aria-labelledby="pages"><h2 id="pages">${esc(w.pagesTitle)}</h2><p>${esc(w.pagesIntro)}</p>${body}</section>`;
}

/** Where the visitors' lane comes from, in the page's language (a page kept before it was said so: its English words). */
function probesNote(t: GoLiveTimeline, w: Words): string {
    const s = t.probesSource;
    const text = s ? (s.kind === "prober" ? w.probesFromProber(s.urls, s.everyMs) : w.probesFromChecks(s.hosts)) : t.probesFrom;
    return text ? `<p class="note">${esc(text)}</p>` : "";
}

function timelineSection(p: GoLivePage, w: Words): string {
    const body = p.timeline ? `<div class="chart-wrap">${renderTimelineSvg(p.timeline, w, p.domain)}</div>${probesNote(p.timeline, w)}` : `<p class="note">${esc(w.noTimeline)}</p>`;
    return `<section aria-labelledby="timeline"><h2 id="timeline">${esc(w.timelineTitle)}</h2><p>${esc(w.timelineIntro)}</p>${body}</section>`;
}

const pct = (s: number) => String(Math.round(s * 100));
/** What measured a score: PageSpeed Insights (mode api) or Lighthouse run here. */
const toolOf = (r: ScoreRow) => (r.mode === "api" ? "PageSpeed" : "Lighthouse");

function scoreCell(r: ScoreRow | undefined, w: Words): string {
    if (!r) return `<td class="small">${esc(w.notMeasured)}</td>`;
    if (r.score === undefined) return `<td class="bad">${esc(r.error ?? "—")}</td>`;
    const cls = r.score >= 0.9 ? "ok" : r.score >= 0.5 ? "warn" : "bad";
    return `<td><span class="score ${cls}">${pct(r.score)}</span>${r.mode ? ` <span class="small">${esc(toolOf(r))}</span>` : ""}</td>`;
}

/** Lighthouse's final screenshot of the newest analysis of a page that has one, as a thumbnail. */
function finalShotCell(rows: readonly ScoreRow[], w: Words): string {
    const shot = [...rows].reverse().find((r) => isInlineImage(r.screenshot));
    if (!shot) {
        const why = [...rows].reverse().find((r) => r.screenshotMissing)?.screenshotMissing;
        return `<td class="small">${esc(w.noFinalShot)}${why ? `: ${esc(why)}` : ""}</td>`;
    }
    const alt = w.finalShotAlt(shot.measuredUrl ?? shot.url, shot.strategy, toolOf(shot));
    return `<td><img class="thumb" src="${shot.screenshot}" alt="${esc(alt)}"></td>`;
}

function scoresSection(p: GoLivePage, w: Words): string {
    const keyed = p.scores.filter((r) => r.url);
    const keys = [...new Set(keyed.map((r) => `${r.url}\n${r.strategy}`))];
    const orphan = p.scores.filter((r) => !r.url);
    // MEP-13 runs before the switch, on the deployment itself: an "after" column only when something measured after it.
    const after = keyed.some((r) => r.stage === "after-switch");
    const shots = keyed.some((r) => r.screenshot || r.screenshotMissing);
    const head = [w.page, w.device, w.before, ...(after ? [w.after] : []), ...(shots ? [w.finalShot] : [])].map((h) => `<th scope="col">${esc(h)}</th>`).join("");
    const body = keys.length
        ? `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${keys
              .map((k) => {
                  const [url, strategy] = k.split("\n");
                  const rows = keyed.filter((r) => r.url === url && r.strategy === strategy);
                  const at = (stage: ScoreRow["stage"]) => [...rows].reverse().find((r) => r.stage === stage);
                  return `<tr><th scope="row">${esc(url)}</th><td>${esc(strategy)}</td>${scoreCell(at("pre-switch"), w)}${after ? scoreCell(at("after-switch"), w) : ""}${shots ? finalShotCell(rows, w) : ""}</tr>`;
              })
              .join("")}</tbody></table></div>`
        : `<p class="note">${esc(w.noScores)}</p>`;
    const notes = orphan.map((r) => `<p class="note">${esc(w.stages[r.stage])}: ${esc(r.error ?? "")}</p>`).join("");
    const once = keys.length && !after ? `<p class="note">${esc(w.scoresOnce)}</p>` : "";
    return `<section aria-labelledby="scores"><h2 id="scores">${esc(w.scoresTitle)}</h2><p>${esc(w.scoresIntro)}</p>${body}${once}${notes}</section>`;
}

function certificateSection(p: GoLivePage, w: Words): string {
    const c = p.certificate;
    const body = c
        ? `<dl class="facts">${[
              [w.issuer, c.issuer ?? "—"],
              [w.names, c.names.join(", ")],
              [w.expires, displayTime(c.expiresAt) || "—"],
              [w.source, c.source],
          ]
              .map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`)
              .join("")}</dl>`
        : `<p class="note">${esc(w.noCert)}</p>`;
    return `<section aria-labelledby="cert"><h2 id="cert">${esc(w.certTitle)}</h2>${body}</section>`;
}

function incidentSection(p: GoLivePage, w: Words): string {
    const i = p.incident;
    if (!i) return "";
    const checks = i.failedChecks
        .map((c) => `<li><strong>${esc(c.id)} ${esc(c.name)}</strong>${c.stage === "pre-switch" ? ` (${esc(w.stages["pre-switch"])})` : ""}: ${esc(c.reason)}<details><summary>${esc(w.evidence)}</summary><pre>${esc(evidenceJson(c.evidence, 2))}</pre></details></li>`)
        .join("");
    const events = i.deploymentEvents?.length
        ? `<h3>${esc(w.deploymentEvents)}</h3><pre class="log">${i.deploymentEvents.map((e) => esc(`${e.at ? `${displayTime(e.at)} ` : ""}[${e.type}] ${e.text}`)).join("\n")}</pre>`
        : i.deploymentEventsMissing
          ? `<h3>${esc(w.deploymentEvents)}</h3><p class="note">${esc(w.noDeploymentEvents)}: ${esc(i.deploymentEventsMissing)}</p>`
          : "";
    const probes = i.probes
        ? `<p>${esc(w.proberFigures(i.probes.failed, i.probes.total))}</p>${i.probes.failures.length ? `<ul class="small">${i.probes.failures.slice(0, 10).map((f) => `<li>${f.atMs !== undefined ? `${(f.atMs / 1000).toFixed(1)} s · ` : ""}${esc(f.url)}: ${esc(f.detail)}</li>`).join("")}</ul>` : ""}`
        : "";
    return `<section aria-labelledby="incident" class="incident"><h2 id="incident">${esc(w.incidentTitle)}</h2>${checks ? `<h3>${esc(w.failedChecks)}</h3><ul>${checks}</ul>` : ""}${events}${probes}</section>`;
}

function nextDateSection(p: GoLivePage, w: Words): string {
    const n = p.nextDate;
    if (!n) return "";
    const steps = nextDateSteps(n, w.nextDate);
    // A command between backticks is shown as code, escaped like the rest.
    const html = (t: string) => esc(t).replace(/`([^`]+)`/g, "<code>$1</code>");
    return `<section aria-labelledby="next"><h2 id="next">${esc(w.nextDateTitle)}</h2><ol>${steps.map((l) => `<li>${html(l)}</li>`).join("")}</ol></section>`;
}

function checklistSection(lines: readonly ChecklistLine[], w: Words): string {
    const parts: string[] = [];
    for (const phase of Object.keys(PHASE_TITLES) as ChecklistPhase[]) {
        const rows = lines.filter((l) => l.phase === phase);
        if (rows.length === 0) continue;
        parts.push(
            `<h3>${esc(w.phases[phase])}</h3><div class="table-wrap"><table class="checklist"><thead><tr><th scope="col">${esc(w.id)}</th><th scope="col">${esc(w.action)}</th><th scope="col">${esc(w.owner)}</th><th scope="col">${esc(w.status)}</th><th scope="col">${esc(w.evidence)}</th></tr></thead><tbody>${rows
                .map(
                    (l) =>
                        `<tr data-id="${esc(l.id)}" data-status="${esc(l.status)}"><th scope="row">${esc(l.id)}</th><td>${esc(w.actions?.[l.id] ?? l.action)}</td><td>${esc(l.owner)}</td><td><span class="badge ${STATUS_CLASS[l.status]}">${esc(w.statuses[l.status])}</span></td><td class="evidence">${esc(l.evidence || "—")}</td></tr>`,
                )
                .join("")}</tbody></table></div>`,
        );
    }
    return `<section aria-labelledby="checklist"><h2 id="checklist">${esc(w.checklistTitle)}</h2>${parts.join("")}</section>`;
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#0f172a;background:#f1f5f9}
main{max-width:1100px;margin:0 auto;padding:16px}
header,section{background:#fff;border-radius:10px;padding:16px 20px;margin:0 0 16px;box-shadow:0 1px 2px rgba(15,23,42,.08)}
h1{font-size:1.6rem;margin:0 0 12px}
h2{font-size:1.25rem;margin:0 0 8px;border-bottom:2px solid #e2e8f0;padding-bottom:4px}
h3{font-size:1.05rem;margin:16px 0 8px;word-break:break-all}
.verdict{border-radius:8px;padding:12px 16px;margin:0 0 12px;border-left:8px solid}
.verdict p{margin:4px 0}
.verdict-head{font-size:1.35rem;font-weight:700}
.verdict.ok{background:#dcfce7;border-color:#15803d;color:#14532d}
.verdict.bad{background:#fee2e2;border-color:#b91c1c;color:#7f1d1d}
.verdict.info{background:#e0f2fe;border-color:#0369a1;color:#0c4a6e}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:8px 16px;margin:0}
.facts div{min-width:0}
.facts dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.03em;color:#475569}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.note{color:#334155;font-style:italic}
.small{font-size:.85rem;color:#334155}
.side{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.shot{margin:0;border:1px solid #cbd5e1;border-radius:6px;overflow:hidden;background:#f8fafc}
.shot img{display:block;width:100%;height:auto}
.shot figcaption{padding:6px 8px;font-size:.85rem;color:#1e293b;border-top:1px solid #e2e8f0}
.noshot{aspect-ratio:16/10;display:flex;flex-direction:column;justify-content:center;padding:12px;color:#7f1d1d;background:#fef2f2}
.noshot p{margin:4px 0;overflow-wrap:anywhere}
.chart-wrap{overflow-x:auto}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{border-bottom:1px solid #e2e8f0;padding:6px 8px;text-align:left;vertical-align:top}
thead th{background:#f1f5f9;color:#0f172a}
tbody th{white-space:nowrap}
img.thumb{display:block;width:72px;height:auto;border:1px solid #cbd5e1;border-radius:4px;background:#fff}
td.evidence{overflow-wrap:anywhere;color:#1e293b;font-size:.85rem}
.badge,.score{display:inline-block;border-radius:999px;padding:1px 10px;font-weight:600;white-space:nowrap}
.ok{background:#dcfce7;color:#14532d}
.bad{background:#fee2e2;color:#7f1d1d}
.warn{background:#fef3c7;color:#78350f}
.info{background:#e0f2fe;color:#0c4a6e}
td.bad{background:#fff}
.incident{border:2px solid #b91c1c}
code{font-size:.9em;background:#f1f5f9;border-radius:4px;padding:0 4px;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f8fafc;border:1px solid #e2e8f0;padding:8px;font-size:.8rem;max-height:360px;overflow:auto}
footer{color:#334155;font-size:.85rem;text-align:center;padding:8px 0 24px}
@media (max-width:700px){
 main{padding:8px}
 header,section{padding:12px;border-radius:6px}
 h1{font-size:1.3rem}
 .side{grid-template-columns:1fr}
 table.checklist thead{display:none}
 table.checklist tr{display:block;border-bottom:1px solid #cbd5e1;padding:6px 0}
 table.checklist th,table.checklist td{display:block;border:0;padding:2px 4px}
}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 header,section{box-shadow:none;border:0;padding:0;margin:0 0 12pt}
 .pair,.shot,tr,.verdict,svg{break-inside:avoid}
 h2,h3{break-after:avoid}
 pre{max-height:none}
 details>*{display:block}
 .chart-wrap,.table-wrap{overflow:visible}
}
${TIMELINE_CSS}`;

/** The whole page. */
export function renderHtmlReport(p: GoLivePage, lang: Lang): string {
    const w = wordsFor(lang);
    const title = w.title(p.domain);
    return [
        "<!doctype html>",
        `<html lang="${lang}">`,
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        // Nothing from elsewhere: no script at all, styles and pictures only from this file.
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
        `<title>${esc(title)}</title>`,
        `<style>${CSS}</style>`,
        "</head>",
        "<body><main>",
        `<header><h1>${esc(title)}</h1>${verdictBlock(p, w)}${p.rehearsal ? `<p class="note">${esc(w.rehearsalNote)}</p>` : ""}${factsBlock(p, w)}</header>`,
        incidentSection(p, w),
        nextDateSection(p, w),
        pagesSection(p, w),
        timelineSection(p, w),
        scoresSection(p, w),
        certificateSection(p, w),
        checklistSection(p.checklist, w),
        `</main><footer>${esc(w.footer)}</footer></body></html>`,
    ].join("\n");
}
