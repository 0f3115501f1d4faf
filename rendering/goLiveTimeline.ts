// The go-live page's timeline (issue 26), one builder for both go-lives: the rehearsal's (its
// engine clock, its prober's marks and samples: rehearsal/goLivePage) and a real one's (what the
// guided cutover recorded: its apply, the DNS switch, each check as it ended, the way back, and,
// with no prober on the day, the checks' own HTTP requests). Pure: data in, GoLiveTimeline out.
import type { CheckResult, SeenRequest } from "../checks/types";
import { isPreSwitch } from "../program/stepLabels";
import type { PhaseRecord, RollbackRun } from "../operations/runRecord";
import type { GoLiveTimeline, ProbesSource, TimelineCheck, TimelinePhase, TimelineProbe } from "./goLivePage";

/** A step of `up` as both clocks keep it (rehearsal/engine Step, operations/upProgress ProgressStep): ms from the origin. */
export interface TimedStep {
    name: string;
    ok: boolean;
    error?: string;
    result?: unknown;
    endedAt?: number;
}

/** A check step's mark: its result as the resource output it, or its failure; none for the messages (MEP-01, MEP-17). */
export function timelineCheckOf(s: TimedStep): TimelineCheck | undefined {
    if (s.endedAt === undefined) return undefined;
    const r = s.result as CheckResult | undefined;
    const m = /\b(P-0\d|MEP-\d\d)\b/.exec(s.name) ?? /\b(P-0\d|MEP-\d\d)\b/.exec(s.error ?? "");
    const id = r?.id ?? m?.[1];
    if (!id || id === "MEP-01" || id === "MEP-17") return undefined;
    return { id, name: r?.name ?? s.name, stage: r?.stage === "pre-switch" || isPreSwitch(s.name) ? "pre-switch" : "after-switch", atMs: s.endedAt, status: s.ok ? (r?.status ?? "pass") : "fail" };
}

/** Phase marks (a label from a time on) as bands; a phase marked twice in a row (adopt's preview, then its update) is one band. */
export function phaseBands(marks: ReadonlyArray<{ at: number; label: string }>, endMs: number): TimelinePhase[] {
    const sorted = [...marks].sort((a, b) => a.at - b.at);
    const phases: TimelinePhase[] = [];
    sorted.forEach((m, k) => {
        const end = Math.max(0, k + 1 < sorted.length ? sorted[k + 1].at : endMs);
        const last = phases[phases.length - 1];
        if (last && last.label === m.label) last.endMs = end;
        else phases.push({ label: m.label, startMs: Math.max(0, m.at), endMs: end });
    });
    return phases;
}

export interface TimelineParts {
    /** Epoch ms of 0. */
    origin: number;
    endMs: number;
    phases: TimelinePhase[];
    steps: readonly TimedStep[];
    switchMs?: number;
    wayBack?: { startMs: number; endMs: number };
    probes: TimelineProbe[];
    probesSource: ProbesSource;
}

export function timelineOf(p: TimelineParts): GoLiveTimeline {
    return {
        origin: new Date(p.origin).toISOString(),
        endMs: p.endMs,
        phases: p.phases,
        ...(p.switchMs !== undefined ? { dnsSwitchMs: p.switchMs } : {}),
        ...(p.wayBack ? { wayBack: p.wayBack } : {}),
        checks: p.steps.map(timelineCheckOf).filter((c): c is TimelineCheck => !!c),
        probes: p.probes,
        probesSource: p.probesSource,
    };
}

function isSeenRequest(x: unknown): x is SeenRequest {
    const r = x as SeenRequest;
    return !!r && typeof r.at === "string" && typeof r.ms === "number" && typeof r.ok === "boolean" && typeof r.url === "string";
}

/**
 * The checks' own HTTP requests to the site's names (checks/pins `evidence.requests`), in time order,
 * ms from `origin`; requests to anything else (Google's APIs, the webhook) are not the site's.
 */
export function checkRequestProbes(results: readonly CheckResult[], hosts: readonly string[], origin: number): TimelineProbe[] {
    const origins = new Set(hosts.map((h) => `https://${h}`).concat(hosts.map((h) => `http://${h}`)));
    const seen = new Set<string>();
    const probes: TimelineProbe[] = [];
    for (const r of results) {
        const requests = Array.isArray(r.evidence?.requests) ? (r.evidence.requests as unknown[]).filter(isSeenRequest) : [];
        for (const q of requests) {
            if (!origins.has(q.url.replace(/:\d+$/, ""))) continue;
            // A failed check appears twice in a record (its step and the failed checks): one mark per request.
            const key = `${q.at}|${q.ms}|${q.url}`;
            if (seen.has(key)) continue;
            seen.add(key);
            probes.push({ atMs: Date.parse(q.at) - origin, ms: q.ms, ok: q.ok });
        }
    }
    return probes.sort((a, b) => a.atMs - b.atMs);
}

/**
 * A real go-live's timeline from what the guided cutover recorded: the cutover's `up` (and the
 * way back's), the DNS switch (the site records' change, as the engine reported it), each check as
 * its resource ended, the way back from the first failed check to the records back, and the
 * checks' own requests to apex and www.
 */
export function realTimeline(r: Pick<PhaseRecord, "domain" | "clockOrigin" | "endedAt" | "apply" | "steps" | "failedChecks" | "dnsSwitchAt" | "firstFailedCheckAt" | "rollback">): GoLiveTimeline {
    const origin = r.clockOrigin;
    const at = (d: Date) => d.getTime() - origin;
    const endMs = Math.max(at(r.endedAt), r.rollback ? at(r.rollback.endedAt) : 0);
    const marks = [
        ...(r.apply ? [{ at: at(r.apply.startedAt), label: "cutover" }, { at: at(r.apply.endedAt), label: "report" }] : []),
        ...(r.rollback ? [{ at: at(r.rollback.startedAt), label: "rollback" }, { at: at(r.rollback.endedAt), label: "report" }] : []),
    ];
    // "report": what the command did after `up` (the way back's decision, the page); the last band runs to the end.
    const phases = phaseBands(marks, endMs).filter((p) => p.endMs > p.startMs);
    const back = r.rollback?.ok && r.rollback.dnsRestoredAt && r.firstFailedCheckAt ? { startMs: at(r.firstFailedCheckAt), endMs: at(r.rollback.dnsRestoredAt) } : undefined;
    return timelineOf({
        origin,
        endMs,
        phases,
        steps: r.steps,
        ...(r.dnsSwitchAt ? { switchMs: at(r.dnsSwitchAt) } : {}),
        ...(back ? { wayBack: back } : {}),
        ...ownRequests(r.domain, r.steps, r.failedChecks, origin),
    });
}

/** The visitors' lane of a day with no prober: the checks' own requests to apex and www, and where they come from. */
function ownRequests(domain: string, steps: readonly { result?: CheckResult }[], failed: readonly CheckResult[], origin: number): Pick<TimelineParts, "probes" | "probesSource"> {
    const hosts = [domain, `www.${domain}`];
    const results = [...steps.map((s) => s.result).filter((x): x is CheckResult => !!x), ...failed];
    return {
        probes: checkRequestProbes(results, hosts, origin),
        probesSource: { kind: "checks", hosts },
    };
}

/**
 * The timeline of a rollback of a cutover run on its own (`golive rollback`, `golive recover
 * --rollback`), from its record: its `up` as a band, the way back from the rollback's start to the
 * records back (the old site served again: the page's "rolled back at"), each check of its `up` as
 * it ended, and their own requests to apex and www. The cutover's failure happened in another run:
 * its own page has that timeline.
 */
export function rollbackTimeline(r: { domain: string; clockOrigin: number; endedAt: Date; rollback: RollbackRun }): GoLiveTimeline {
    const origin = r.clockOrigin;
    const rb = r.rollback;
    const at = (d: Date) => d.getTime() - origin;
    const endMs = Math.max(at(r.endedAt), at(rb.endedAt));
    const up = rb.apply ?? { startedAt: rb.startedAt, endedAt: rb.endedAt };
    // Before the rollback's start: the site read, what an interrupted run left cleared, the plan, the confirmation (no band).
    const marks = [
        ...(at(up.startedAt) > at(rb.startedAt) ? [{ at: at(rb.startedAt), label: "records first" }] : []),
        { at: at(up.startedAt), label: "rollback" },
        { at: at(up.endedAt), label: "report" },
    ];
    const phases = phaseBands(marks, endMs).filter((p) => p.endMs > p.startMs);
    const back = rb.dnsRestoredAt ? { startMs: Math.min(at(rb.startedAt), at(rb.dnsRestoredAt)), endMs: at(rb.dnsRestoredAt) } : undefined;
    return timelineOf({ origin, endMs, phases, steps: rb.steps, ...(back ? { wayBack: back } : {}), ...ownRequests(r.domain, rb.steps, [], origin) });
}
