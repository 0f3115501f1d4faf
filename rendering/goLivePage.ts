// The go-live page's facts (issue 26): what the client and the project manager are shown, gathered
// from the record a stack or a rehearsal keeps (stack outputs, a rehearsal record, `golive verify
// --json`). Pure: JSON and the checklist in, data out; rendering/htmlReport renders it. Nothing here is
// guessed: a fact the record lacks is absent, and the page says so.
import type { CheckResult } from "../checks/types";
import type { ChecklistFacts, ChecklistLine } from "../program/report";
import type { NextDate } from "../program/report";
import { isCheckResult, nextDateNeeds, nextDateOf } from "../program/report";
import { isInlineImage } from "../checks/inlineImage";

export { nextDateNeeds };

/** A page as a visitor saw it, at one moment (checks/screenshot PageShot, kept as recorded). */
export interface PageShot {
    url: string;
    stage: "pre-switch" | "after-switch";
    takenAt: string;
    image?: string;
    missing?: string;
    pinned?: string;
    /** What the picture shows when not the new site through public DNS (after a way back: the old site). */
    shows?: string;
    width?: number;
    height?: number;
}

/** One lane entry of the timeline, ms from `origin`. */
export interface TimelinePhase {
    label: string;
    startMs: number;
    endMs: number;
}

export interface TimelineCheck {
    id: string;
    name: string;
    stage: "pre-switch" | "after-switch";
    atMs: number;
    status: "pass" | "fail" | "skip";
}

/** A visitor's request (the rehearsal's prober, or a check's own request): when, how long, whether it was served. */
export interface TimelineProbe {
    atMs: number;
    ms: number;
    ok: boolean;
}

/** The visitors' lane: the rehearsal's prober (its URLs, every N ms), or, on a real day, the checks' own requests to the site's names. */
export type ProbesSource = { kind: "prober"; urls: string[]; everyMs: number } | { kind: "checks"; hosts: string[] };

export interface GoLiveTimeline {
    /** ISO time of 0 ms. */
    origin: string;
    endMs: number;
    phases: TimelinePhase[];
    dnsSwitchMs?: number;
    /** First failed check → the old site served again. */
    wayBack?: { startMs: number; endMs: number };
    checks: TimelineCheck[];
    probes: TimelineProbe[];
    /** Where the visitors' requests come from: said in the page's language. */
    probesSource?: ProbesSource;
    /** The same in English words, as pages written before `probesSource` kept it. */
    probesFrom?: string;
}

/** R-4: what was gathered on a failed cutover (saved with the record, shown in the incident section). */
export interface Incident {
    failedChecks: CheckResult[];
    /** The Vercel deployment's build log and events (`GET /v3/deployments/{id}/events`). */
    deploymentEvents?: Array<{ at?: string; type: string; text: string }>;
    deploymentEventsMissing?: string;
    probes?: { total: number; failed: number; failures: Array<{ atMs?: number; url: string; detail: string }> };
}

export type Verdict =
    | { kind: "live"; since?: string }
    | { kind: "rehearsed"; at?: string }
    | { kind: "rolled-back"; at?: string; because: string }
    | { kind: "failed"; because: string }
    | { kind: "not-live"; phase?: string };

export interface ScoreRow {
    url: string;
    strategy: string;
    stage: "pre-switch" | "after-switch";
    mode?: string;
    score?: number;
    error?: string;
    measuredUrl?: string;
    /** Lighthouse's final screenshot of the analysis (PageSpeed's, or the local run's), a data: URI. */
    screenshot?: string;
    /** Why a scored analysis has none. */
    screenshotMissing?: string;
}

export interface CertificateView {
    issuer?: string;
    names: string[];
    expiresAt?: string;
    /** Where the facts come from ("served on www.x after the switch", "issued at prepare"). */
    source: string;
}

export interface GoLivePage {
    domain: string;
    stack?: string;
    releaseRef?: string | null;
    tag?: string | null;
    generatedAt: string;
    rehearsal: boolean;
    verdict: Verdict;
    checklist: ChecklistLine[];
    shots: PageShot[];
    scores: ScoreRow[];
    certificate?: CertificateView;
    timeline?: GoLiveTimeline;
    incident?: Incident;
    /** R-6: what a new date needs (none when nothing failed). */
    nextDate?: NextDate;
}

const isShot = (x: any): x is PageShot => !!x && typeof x.url === "string" && (x.stage === "pre-switch" || x.stage === "after-switch") && typeof x.takenAt === "string";

function isTimeline(x: any): x is GoLiveTimeline {
    return !!x && typeof x.origin === "string" && typeof x.endMs === "number" && Array.isArray(x.phases) && Array.isArray(x.checks) && Array.isArray(x.probes);
}

/** A moment of the timeline (ms from its origin) as an ISO string. */
const timeOf = (t: GoLiveTimeline, ms: number) => new Date(Date.parse(t.origin) + ms).toISOString();

/** The time DNS moved, as an ISO string, when the timeline has it. */
function switchTime(t: GoLiveTimeline | undefined): string | undefined {
    return t?.dnsSwitchMs !== undefined ? timeOf(t, t.dnsSwitchMs) : undefined;
}

/** When the way back ended (the old site served again), as an ISO string, when the timeline has one. */
export function wayBackEnd(t: GoLiveTimeline | undefined): string | undefined {
    return t?.wayBack ? timeOf(t, t.wayBack.endMs) : undefined;
}

/** At the top of the page: live since…, rolled back at… because…, or where the go-live stands. */
export function verdictOf(facts: ChecklistFacts, opts: { rehearsal: boolean; timeline?: GoLiveTimeline }): Verdict {
    const endOfWayBack = wayBackEnd(opts.timeline);
    if (facts.failedUpdate && facts.rollback) return { kind: "rolled-back", ...(endOfWayBack ? { at: endOfWayBack } : rollbackTime(facts.rollback.evidence)), because: facts.failedUpdate.error };
    if (facts.failedUpdate) return { kind: "failed", because: facts.failedUpdate.error };
    if (facts.phase === "cutover" && facts.rollback && opts.rehearsal) return { kind: "rehearsed", ...(switchTime(opts.timeline) ? { at: switchTime(opts.timeline) } : {}) };
    if (facts.rollback) return { kind: "rolled-back", ...rollbackTime(facts.rollback.evidence), because: facts.rollback.why };
    if (facts.phase === "cutover") {
        const since = switchTime(opts.timeline) ?? notifiedAt(facts);
        return { kind: "live", ...(since ? { since } : {}) };
    }
    return { kind: "not-live", ...(facts.phase ? { phase: facts.phase } : {}) };
}

/** "done at 2026-…Z" in a rollback's evidence (program/report, cli/report withFailureFromHistory). */
function rollbackTime(evidence: string): { at?: string } {
    const m = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/.exec(evidence);
    return m ? { at: m[1] } : {};
}

/** MEP-17's message time, when the record has it. */
function notifiedAt(facts: ChecklistFacts): string | undefined {
    const sent = facts.notifications?.find((n) => n.id === "MEP-17" && n.status === "pass");
    const at = sent?.evidence?.at;
    return typeof at === "string" ? at : undefined;
}

/** MEP-13's scores, before and after the switch, page by page (PageSpeed Insights or local Lighthouse). */
export function scoresOf(results: readonly CheckResult[]): ScoreRow[] {
    const rows: ScoreRow[] = [];
    for (const r of results.filter((x) => x.id === "MEP-13")) {
        const stage = r.stage === "pre-switch" ? "pre-switch" : "after-switch";
        const scores = Array.isArray(r.evidence.scores) ? (r.evidence.scores as any[]) : [];
        for (const s of scores) {
            if (!s || typeof s.url !== "string") continue;
            rows.push({
                url: s.url,
                strategy: String(s.strategy ?? "mobile"),
                stage,
                mode: typeof r.evidence.mode === "string" ? r.evidence.mode : undefined,
                ...(typeof s.score === "number" ? { score: s.score } : {}),
                ...(s.error ? { error: String(s.error) } : {}),
                ...(s.measuredUrl ? { measuredUrl: String(s.measuredUrl) } : {}),
                ...(isInlineImage(s.finalScreenshot) ? { screenshot: s.finalScreenshot } : typeof s.finalScreenshotMissing === "string" ? { screenshotMissing: s.finalScreenshotMissing } : {}),
            });
        }
        if (scores.length === 0) rows.push({ url: "", strategy: "", stage, error: r.reason });
    }
    return rows;
}

/** The certificate: as served after the switch (MEP-08's evidence), else as prepare left it. */
export function certificateOf(facts: ChecklistFacts): CertificateView | undefined {
    const served = [...facts.results].reverse().find((r) => r.id === "MEP-08" && r.stage !== "pre-switch" && r.evidence?.hosts) ?? facts.results.find((r) => r.id === "MEP-08" && r.evidence?.hosts);
    const hosts = (served?.evidence.hosts ?? {}) as Record<string, { issuer?: string; altNames?: string[]; validTo?: string }>;
    const first = Object.entries(hosts).find(([, h]) => h && (h.issuer || h.altNames));
    if (first) {
        const [host, h] = first;
        const names = [...new Set(Object.values(hosts).flatMap((x) => x?.altNames ?? []))];
        return { ...(h.issuer ? { issuer: h.issuer } : {}), names: names.length ? names : [host], ...(h.validTo ? { expiresAt: new Date(h.validTo).toISOString() } : {}), source: `MEP-08 ${served!.stage === "pre-switch" ? "before the switch, names pinned" : "through public DNS"}: ${Object.keys(hosts).join(", ")}` };
    }
    const c = facts.certificate;
    if (c && (c.status === "issued" || c.status === "exists")) return { names: c.names, ...(c.expiresAt ? { expiresAt: c.expiresAt } : {}), source: `Vercel, ${c.status === "issued" ? `issued before the switch${c.issuedAt ? ` at ${c.issuedAt}` : ""}` : "already held"}` };
    return undefined;
}

/** Everything the page shows, from the record's JSON and the checklist built from it. */
export function goLivePageOf(json: unknown, recorded: ChecklistFacts, checklist: ChecklistLine[]): GoLivePage {
    let facts = recorded;
    const o = (json && typeof json === "object" && !Array.isArray(json) ? json : {}) as Record<string, any>;
    const rehearsal = o.stack === "rehearsal" && typeof o.figures === "object";
    const timeline = isTimeline(o.timeline) ? o.timeline : undefined;
    const shots: PageShot[] = Array.isArray(o.screenshots) ? o.screenshots.filter(isShot) : [];
    // A rehearsal record keeps its check runs apart (cutover, verify against the new site): the
    // scores and the certificate are read from them too.
    const runs = ["cutoverChecks", "verifyNew"].flatMap((k) => (Array.isArray(o[k]) ? (o[k] as unknown[]).filter(isCheckResult) : []));
    if (runs.length) facts = { ...facts, results: [...runs, ...facts.results] };
    const incident = incidentOf(o, facts);
    const nextDate = nextDateOf(facts);
    return {
        domain: facts.domain,
        ...(facts.stack ? { stack: facts.stack } : {}),
        releaseRef: facts.releaseRef ?? null,
        // The tag as MEP-18 made it: one configured but not (yet) created is not shown as the release's.
        tag: facts.tag?.outcome && !facts.tag.error ? facts.tag.tag : null,
        generatedAt: facts.generatedAt,
        rehearsal,
        verdict: verdictOf(facts, { rehearsal, ...(timeline ? { timeline } : {}) }),
        checklist,
        shots,
        scores: scoresOf(facts.results),
        ...(certificateOf(facts) ? { certificate: certificateOf(facts) } : {}),
        ...(timeline ? { timeline } : {}),
        ...(incident ? { incident } : {}),
        ...(nextDate ? { nextDate } : {}),
    };
}

/** R-4 as the record keeps it (`incident`), else the failed checks alone; none when nothing failed. */
function incidentOf(o: Record<string, any>, facts: ChecklistFacts): Incident | undefined {
    const kept = o.incident && typeof o.incident === "object" ? o.incident : undefined;
    const failedChecks: CheckResult[] = (kept && Array.isArray(kept.failedChecks) ? kept.failedChecks.filter(isCheckResult) : facts.results.filter((r) => r.status === "fail"));
    if (!facts.failedUpdate && failedChecks.length === 0 && !kept) return undefined;
    return {
        failedChecks,
        ...(kept && Array.isArray(kept.deploymentEvents) ? { deploymentEvents: kept.deploymentEvents } : {}),
        ...(kept && typeof kept.deploymentEventsMissing === "string" ? { deploymentEventsMissing: kept.deploymentEventsMissing } : {}),
        ...(kept && kept.probes ? { probes: kept.probes } : {}),
    };
}
