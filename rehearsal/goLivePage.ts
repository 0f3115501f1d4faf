// What the rehearsal keeps for its go-live page (issue 26, rendering/goLivePage): the timeline on the
// engine's clock (the prober's phase marks, the check resources as they ended, the DNS switch, the
// way back, every probe's response time), the key pages' screenshots taken at their moments, and on
// a failed cutover the incident: failed checks, the deployment's events, the prober's figures.
import type { CheckResult, NetOptions } from "../checks/types";
import { screenshotPages } from "../checks/screenshot";
import type { GoLiveTimeline, Incident, PageShot, TimelineCheck } from "../rendering/goLivePage";
import { isPreSwitch } from "../program/stepLabels";
import type { Step } from "./engine";
import type { ProbeFigures, ProbeSample } from "./prober";

export interface TimelineInput {
    /** Wall-clock ms of the engine clock's 0. */
    t0: number;
    endAt: number;
    marks: ReadonlyArray<{ at: number; label: string }>;
    samples: readonly ProbeSample[];
    /** The check resources' steps of every phase that ran. */
    checkSteps: readonly Step[];
    switchAt?: number;
    /** First failed check → the old site served again (rehearsal/run WayBack), on the engine clock. */
    wayBack?: { startMs: number; endMs: number };
    probedUrls: string[];
    intervalMs: number;
}

/** A check step's result, as the resource output it or as its failure. */
function checkOf(s: Step): TimelineCheck | undefined {
    const r = s.result as CheckResult | undefined;
    const m = /\b(P-0\d|MEP-\d\d)\b/.exec(s.name) ?? /\b(P-0\d|MEP-\d\d)\b/.exec(s.error ?? "");
    const id = r?.id ?? m?.[1];
    if (!id || id === "MEP-01" || id === "MEP-17") return undefined;
    return { id, name: r?.name ?? s.name, stage: r?.stage === "pre-switch" || isPreSwitch(s.name) ? "pre-switch" : "after-switch", atMs: s.endedAt, status: s.ok ? (r?.status ?? "pass") : "fail" };
}

export function rehearsalTimeline(i: TimelineInput): GoLiveTimeline {
    const end = i.endAt;
    const marks = [...i.marks].sort((a, b) => a.at - b.at);
    // A phase marked twice in a row (adopt's preview, then its update) is one band.
    const phases: GoLiveTimeline["phases"] = [];
    marks.forEach((m, k) => {
        const endMs = Math.max(0, k + 1 < marks.length ? marks[k + 1].at : end);
        const last = phases[phases.length - 1];
        if (last && last.label === m.label) last.endMs = endMs;
        else phases.push({ label: m.label, startMs: Math.max(0, m.at), endMs });
    });
    return {
        origin: new Date(i.t0).toISOString(),
        endMs: end,
        phases,
        ...(i.switchAt !== undefined ? { dnsSwitchMs: i.switchAt } : {}),
        ...(i.wayBack ? { wayBack: i.wayBack } : {}),
        checks: i.checkSteps.map(checkOf).filter((c): c is TimelineCheck => !!c),
        probes: i.samples.filter((s) => !s.stalled).map((s) => ({ atMs: s.at, ms: s.ms ?? 0, ok: s.ok })),
        probesFrom: `the rehearsal's prober: ${i.probedUrls.join(" and ")} every ${i.intervalMs} ms as a visitor (through the replica's public DNS)`,
    };
}

/** R-4 on a failed cutover: what failed with its evidence, the deployment's events, the visitors' figures. */
export function rehearsalIncident(failed: CheckResult[], events: Incident["deploymentEvents"] | string, probes: ProbeFigures): Incident {
    return {
        failedChecks: failed,
        ...(typeof events === "string" ? { deploymentEventsMissing: events } : { deploymentEvents: events }),
        probes: { total: probes.total, failed: probes.failed, failures: probes.failures.slice(0, 10).map((f) => ({ atMs: f.at, url: f.url, detail: f.detail })) },
    };
}

/**
 * The key pages before the switch, on the new host with the site's names pinned to it (as the
 * pre-switch checks see it), or after it through the replica's public DNS.
 */
export function shootKeyPages(urls: string[], stage: PageShot["stage"], net: NetOptions, pins: Record<string, string>): Promise<PageShot[]> {
    return screenshotPages(urls, stage, stage === "pre-switch" ? { ...net, pins } : net, { timeoutMs: 30_000, width: 1024, height: 640 });
}
