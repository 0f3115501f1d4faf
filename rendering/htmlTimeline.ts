// The go-live's timeline as an inline SVG chart (issue 26): lanes for the phases, the checks
// before and after the switch, the visitors' requests (response time as a line, failures as red
// marks), the DNS switch as a vertical line and the way back as a band. Pure: data in, markup out.
import type { GoLiveTimeline, TimelineProbe } from "./goLivePage";
import type { Words } from "./htmlWords";
import { escapeHtml as esc } from "./htmlEscape";

const W = 960;
const LEFT = 118;
const RIGHT = 16;
const LANE = 30;
const CHART = 110;

const PHASE_FILL: Record<string, string> = { adopt: "#cbd5e1", prepare: "#93c5fd", cutover: "#fcd34d", checks: "#86efac", report: "#bbf7d0", rollback: "#fca5a5", "rollback-checks": "#fecaca" };

/** At most `max` probes: the slowest of each bucket and every failure, so spikes and failures stay visible. */
export function thinProbes(probes: readonly TimelineProbe[], max = 480): TimelineProbe[] {
    if (probes.length <= max) return [...probes];
    const size = Math.ceil(probes.length / max);
    const out: TimelineProbe[] = [];
    for (let i = 0; i < probes.length; i += size) {
        const bucket = probes.slice(i, i + size);
        const failed = bucket.filter((p) => !p.ok);
        out.push(...(failed.length ? failed : [bucket.reduce((a, b) => (b.ms > a.ms ? b : a))]));
    }
    return out;
}

const n1 = (x: number) => (Math.round(x * 10) / 10).toString();

/** A round step for the time axis (seconds), about 6–10 ticks. */
function tickStep(seconds: number): number {
    for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600]) if (seconds / s <= 10) return s;
    return 7200;
}

export function renderTimelineSvg(t: GoLiveTimeline, w: Words, domain: string): string {
    const end = Math.max(1, t.endMs);
    const x = (ms: number) => LEFT + (Math.max(0, Math.min(end, ms)) / end) * (W - LEFT - RIGHT);
    const lanes = { phases: 24, before: 24 + LANE, after: 24 + 2 * LANE, chart: 24 + 3 * LANE + 10 };
    const H = lanes.chart + CHART + 34;
    const out: string[] = [];
    out.push(`<svg class="timeline" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="tl-title tl-desc" xmlns="http://www.w3.org/2000/svg">`);
    const failedProbes = t.probes.filter((p) => !p.ok).length;
    out.push(`<title id="tl-title">${esc(w.timelineLabel(domain))}</title>`);
    out.push(`<desc id="tl-desc">${esc(`${t.phases.map((p) => `${p.label} ${n1(p.startMs / 1000)}–${n1(p.endMs / 1000)} s`).join(", ")}${t.dnsSwitchMs !== undefined ? `; ${w.dnsSwitch} ${n1(t.dnsSwitchMs / 1000)} s` : ""}${t.probes.length ? `; ${w.failedRequests(failedProbes, t.probes.length)}` : ""}`)}</desc>`);
    // Lane labels.
    const label = (y: number, text: string) => out.push(`<text x="8" y="${y + 19}" class="lane">${esc(text)}</text>`);
    label(lanes.phases, w.phasesLane);
    label(lanes.before, w.checksBefore);
    label(lanes.after, w.checksAfter);
    label(lanes.chart + CHART / 2 - 12, w.visitors);
    // Time axis and grid.
    const step = tickStep(end / 1000);
    for (let s = 0; s * 1000 <= end; s += step) {
        const gx = n1(x(s * 1000));
        out.push(`<line x1="${gx}" y1="18" x2="${gx}" y2="${lanes.chart + CHART}" class="grid"/>`);
        out.push(`<text x="${gx}" y="${H - 12}" class="tick" text-anchor="middle">${s}${w.seconds}</text>`);
    }
    // The way back, behind everything.
    if (t.wayBack) out.push(`<rect x="${n1(x(t.wayBack.startMs))}" y="18" width="${n1(Math.max(2, x(t.wayBack.endMs) - x(t.wayBack.startMs)))}" height="${lanes.chart + CHART - 18}" class="wayback"><title>${esc(`${w.wayBack}: ${n1(t.wayBack.startMs / 1000)}–${n1(t.wayBack.endMs / 1000)} s`)}</title></rect>`);
    // Phases.
    for (const p of t.phases) {
        const px = x(p.startMs);
        const pw = Math.max(2, x(p.endMs) - px);
        out.push(`<g><rect x="${n1(px)}" y="${lanes.phases + 2}" width="${n1(pw)}" height="${LANE - 6}" rx="3" fill="${PHASE_FILL[p.label] ?? "#e2e8f0"}" stroke="#475569" stroke-width="0.5"><title>${esc(`${p.label}: ${n1(p.startMs / 1000)}–${n1(p.endMs / 1000)} s`)}</title></rect>`);
        if (pw > 44) out.push(`<text x="${n1(px + 4)}" y="${lanes.phases + 19}" class="phase">${esc(p.label)}</text>`);
        out.push(`</g>`);
    }
    // Checks: one mark each, coloured and shaped by status (a cross for a failure).
    for (const c of t.checks) {
        const cy = (c.stage === "pre-switch" ? lanes.before : lanes.after) + LANE / 2;
        const cx = x(c.atMs);
        const tip = `<title>${esc(`${c.id} ${c.name} (${w.stages[c.stage]}): ${w.checkStatus[c.status]}, ${n1(c.atMs / 1000)} s`)}</title>`;
        if (c.status === "fail") out.push(`<path d="M${n1(cx - 6)} ${n1(cy - 6)}l12 12m0 -12l-12 12" class="check-fail">${tip}</path>`);
        else out.push(`<circle cx="${n1(cx)}" cy="${n1(cy)}" r="5" class="check-${c.status}">${tip}</circle>`);
    }
    // Visitors: response time as a line, failures as red ticks at the top of the chart.
    if (t.probes.length) {
        const probes = thinProbes(t.probes);
        const top = Math.max(50, ...probes.filter((p) => p.ok).map((p) => p.ms));
        const y = (ms: number) => lanes.chart + CHART - (Math.min(ms, top) / top) * (CHART - 14);
        out.push(`<rect x="${LEFT}" y="${lanes.chart}" width="${W - LEFT - RIGHT}" height="${CHART}" class="chart"/>`);
        out.push(`<text x="${LEFT + 4}" y="${lanes.chart + 12}" class="tick">${esc(`${w.latency}, max ${Math.round(top)}`)}</text>`);
        const ok = probes.filter((p) => p.ok);
        if (ok.length) out.push(`<polyline class="latency" points="${ok.map((p) => `${n1(x(p.atMs))},${n1(y(p.ms))}`).join(" ")}"/>`);
        for (const p of probes.filter((q) => !q.ok)) out.push(`<line x1="${n1(x(p.atMs))}" y1="${lanes.chart + 2}" x2="${n1(x(p.atMs))}" y2="${lanes.chart + CHART}" class="probe-fail"/>`);
        out.push(`<text x="${W - RIGHT - 4}" y="${lanes.chart + 12}" class="tick" text-anchor="end">${esc(w.failedRequests(failedProbes, t.probes.length))}</text>`);
    }
    // The DNS switch, on top.
    if (t.dnsSwitchMs !== undefined) {
        const sx = n1(x(t.dnsSwitchMs));
        out.push(`<line x1="${sx}" y1="14" x2="${sx}" y2="${lanes.chart + CHART}" class="switch"/>`);
        out.push(`<text x="${sx}" y="12" class="switch-label" text-anchor="middle">${esc(w.dnsSwitch)}</text>`);
    }
    out.push("</svg>");
    return out.join("");
}

/** The chart's styles (inside the page's one <style>). */
export const TIMELINE_CSS = `
.timeline{width:100%;height:auto;font-family:inherit;background:#fff}
.timeline .lane{font-size:13px;fill:#1e293b;font-weight:600}
.timeline .tick{font-size:11px;fill:#334155}
.timeline .phase{font-size:12px;fill:#0f172a}
.timeline .grid{stroke:#e2e8f0;stroke-width:1}
.timeline .chart{fill:#f8fafc;stroke:#cbd5e1}
.timeline .latency{fill:none;stroke:#1d4ed8;stroke-width:1.2}
.timeline .probe-fail{stroke:#b91c1c;stroke-width:1.5}
.timeline .switch{stroke:#7c3aed;stroke-width:2;stroke-dasharray:5 3}
.timeline .switch-label{font-size:12px;fill:#5b21b6;font-weight:700}
.timeline .wayback{fill:#fee2e2;opacity:.8}
.timeline .check-pass{fill:#15803d}
.timeline .check-skip{fill:#fff;stroke:#92400e;stroke-width:2}
.timeline .check-fail{stroke:#b91c1c;stroke-width:3}
`;
