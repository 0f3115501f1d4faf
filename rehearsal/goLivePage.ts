// What the rehearsal keeps for its go-live page (issue 26, rendering/goLivePage): the timeline on the
// engine's clock (the prober's phase marks, the check resources as they ended, the DNS switch, the
// way back, every probe's response time), the key pages' screenshots taken at their moments, and on
// a failed cutover the incident: failed checks, the deployment's events, the prober's figures.
import type { CheckResult } from "../checks/types";
import type { EventsOrWhy } from "../checks/deploymentEvents";
import type { GoLiveTimeline, Incident } from "../rendering/goLivePage";
import { phaseBands, timelineOf } from "../rendering/goLiveTimeline";
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

/** The rehearsal's timeline: the shared builder (rendering/goLiveTimeline) on the engine's clock, its prober's samples as the visitors. */
export function rehearsalTimeline(i: TimelineInput): GoLiveTimeline {
    return timelineOf({
        origin: i.t0,
        endMs: i.endAt,
        phases: phaseBands(i.marks, i.endAt),
        steps: i.checkSteps,
        ...(i.switchAt !== undefined ? { switchMs: i.switchAt } : {}),
        ...(i.wayBack ? { wayBack: i.wayBack } : {}),
        probes: i.samples.filter((s) => !s.stalled).map((s) => ({ atMs: s.at, ms: s.ms ?? 0, ok: s.ok })),
        probesSource: { kind: "prober", urls: i.probedUrls, everyMs: i.intervalMs },
    });
}

/** R-4 on a failed cutover: what failed with its evidence, the deployment's events, the visitors' figures. */
export function rehearsalIncident(failed: CheckResult[], events: EventsOrWhy, probes: ProbeFigures): Incident {
    return {
        failedChecks: failed,
        ...events,
        probes: { total: probes.total, failed: probes.failed, failures: probes.failures.slice(0, 10).map((f) => ({ atMs: f.at, url: f.url, detail: f.detail })) },
    };
}

/** The key pages, shot as a guided cutover shoots them (checks/screenshot). */
export { shootKeyPages } from "../checks/screenshot";
