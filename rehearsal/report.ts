// The rehearsal's report, from what its stages saw (rehearsal/run.ts): the visitors' probes, the
// figures, the problems they show, what the outside services' stand-ins were asked, and the go-live
// page's timeline, pictures and incident.
import type { CheckResult } from "../checks/types";
import { buildChecklist, withIncident, withMessages } from "../program/report";
import { postWebhookMessage } from "../checks/notify";
import { postponementBody } from "../rendering/goLiveMessages";
import { wayBackEnd, type GoLiveTimeline } from "../rendering/goLivePage";
import { plural } from "../checks/words";
import type { ProbeFigures, ProbeSample } from "./prober";
import { rehearsalIncident, rehearsalTimeline } from "./goLivePage";
import { deploymentEventsOrWhy, type EventsOrWhy } from "../checks/deploymentEvents";
import type { Outcome, OutsideServicesFigures, Rehearsal, RehearsalFigures, RehearsalReport } from "./run";

/** What the visitors saw, their probers stopped. */
interface Probing {
    marks: Array<{ at: number; label: string }>;
    samples: readonly ProbeSample[];
    probes: ProbeFigures;
    cachedVisitorProbes?: ProbeFigures;
}

/** The report of a rehearsal: its figures, its problems and its record, from what ran (all phases, or up to a refusal). */
export async function reportOf(run: Rehearsal, outcome: Outcome): Promise<RehearsalReport> {
    const probing = await stopProbers(run);
    const figures = figuresOf(run, outcome, probing);
    noteProblems(run, outcome, probing, figures);
    const { world, services, webhook } = run.replica;
    const { repo } = run.stack;
    const { fault, seen } = run;
    const page = goLivePageOf(run, outcome, probing, outcome.failedUpdate ? await deploymentEventsOf(run, outcome) : undefined);
    const recorded =
        outcome.checklist ??
        buildChecklist({ phase: "adopt", domain: world.domain, stack: "rehearsal", zone: { name: world.domain, status: "active" }, results: [], webhookConfigured: true, generatedAt: new Date().toISOString() });
    // As the guided cutover: R-1 (and so R-3) only once a name moved; a cutover stopped before the switch postpones nothing yet.
    const r3 = outcome.failedUpdate && outcome.rollback && outcome.wayBack ? await tellTheClient(run, outcome, page.timeline) : undefined;
    const checklist = withMessages(withIncident(recorded, page.incident), r3 ? [r3] : [], { webhookConfigured: true, rollback: outcome.rollback });
    return {
        ok: seen.problems.length === 0,
        engine: run.engineInfo,
        ...(fault ? { fault: { name: fault.name, summary: fault.summary, expect: fault.expect, ...(fault.acceptedGap ? { acceptedGap: fault.acceptedGap } : {}) } } : {}),
        domain: world.domain,
        stack: "rehearsal",
        phase: "cutover",
        ...(outcome.failedUpdate ? { failedUpdate: outcome.failedUpdate } : {}),
        ...(outcome.stoppedAt ? { stoppedAt: outcome.stoppedAt } : {}),
        ...(outcome.rollback ? { rollback: outcome.rollback } : {}),
        releaseRef: repo.commit,
        ...(outcome.tag ? { tag: outcome.tag } : {}),
        phases: seen.phases,
        cutoverChecks: outcome.cutoverChecks,
        verifyNew: outcome.verifyNew,
        verifyOld: outcome.verifyOld,
        checklist,
        release: { messages: webhook.messages.map((m) => m.text ?? ""), remoteTags: repo.remoteTags(), commit: repo.commit },
        dnsChanges: seen.dnsChanges,
        figures,
        outsideServices: outsideServicesOf(run),
        notes: services.notes,
        problems: [...new Set(seen.problems)],
        ...page,
    };
}

/** The probers stopped, and what they saw. */
async function stopProbers({ visitors }: Rehearsal): Promise<Probing> {
    const marks = visitors.prober.phaseMarks;
    const samples = visitors.prober.samples;
    const probes = await visitors.prober.stop();
    const cachedVisitorProbes = visitors.cachedProber ? await visitors.cachedProber.stop() : undefined;
    return { marks, samples, probes, ...(cachedVisitorProbes ? { cachedVisitorProbes } : {}) };
}

/** Failed probes counted under these phase marks. */
const failedIn = (probes: ProbeFigures, ...labels: string[]) => labels.reduce((n, l) => n + (probes.byPhase[l]?.failed ?? 0), 0);

function figuresOf(run: Rehearsal, outcome: Outcome, { probes, cachedVisitorProbes }: Probing): RehearsalFigures {
    const { world, vercel } = run.replica;
    const { switchAt } = outcome;
    const wwwCert = vercel.certificates.get(world.www);
    // MEP-08 after the switch: its wait for a certificate issued only then.
    const mep08 = outcome.cutoverChecks.find((c) => c.id === "MEP-08" && c.stage !== "pre-switch");
    return {
        failedProbesCutover: failedIn(probes, "cutover", "checks", "report"),
        failedProbesRollback: failedIn(probes, "rollback", "rollback-checks"),
        dnsSwitchToGreenMs: switchAt !== undefined && outcome.greenAt !== undefined ? outcome.greenAt - switchAt : null,
        failedCheckToOldSiteMs: outcome.failedCheckToOldSiteMs ?? null,
        ...(outcome.wayBack ? { wayBack: outcome.wayBack } : {}),
        totalMs: Date.now() - run.startedAt,
        // The site's records only: the DNS-01 challenge records go at the end of the cutover by design.
        dnsRecordDeletes: run.seen.dnsChanges.filter((c) => c.op === "remove" && (c.name === world.domain || c.name === world.www)).length,
        replacements: run.seen.phases.filter((p) => !p.preview).reduce((n, p) => n + p.counts.replace, 0),
        records: run.seen.records,
        certificate: {
            via: wwwCert?.via ?? null,
            issuedBeforeSwitchMs: wwwCert?.issuedAt !== undefined && switchAt !== undefined && wwwCert.issuedAt <= switchAt ? switchAt - wwwCert.issuedAt : null,
            issuedAfterSwitchMs: wwwCert?.issuedAt !== undefined && switchAt !== undefined && wwwCert.issuedAt > switchAt ? wwwCert.issuedAt - switchAt : null,
            checkWaitedMs: (mep08?.evidence.wait as { waitedMs?: number } | undefined)?.waitedMs ?? null,
            ...(wwwCert?.refused ? { refused: wwwCert.refused } : {}),
        },
        dnsSwitched: switchAt !== undefined,
        probes,
        ...(cachedVisitorProbes ? { cachedVisitorProbes } : {}),
        ...(run.armers.length > 0 ? { apiFaults: run.seen.apiFaults } : {}),
    };
}

/** The problems the checks and the figures show, after those the phases said. A gap the fault accepts knowingly is measured (figures), not a problem. */
function noteProblems(run: Rehearsal, outcome: Outcome, { probes, cachedVisitorProbes }: Probing, figures: RehearsalFigures): void {
    const problems = run.seen.problems;
    // A check once, however many runs saw it fail and whatever random path its reason names.
    const failedOnce = (results: CheckResult[]) => results.filter((r, i) => r.status === "fail" && results.findIndex((x) => x.id === r.id && x.status === "fail") === i);
    for (const r of failedOnce([...outcome.cutoverChecks, ...outcome.verifyNew])) problems.push(`${r.id} ${r.name} failed: ${r.reason}`);
    for (const r of failedOnce(outcome.verifyOld)) problems.push(`after rollback: ${r.id} ${r.name} failed: ${r.reason}`);
    const gapAccepted = !!run.fault?.acceptedGap;
    if (probes.failed > 0 && !gapAccepted) problems.push(`${plural(probes.failed, "failed probe")} (${failedIn(probes, "adopt", "prepare")} before cutover, ${figures.failedProbesCutover} during cutover, ${figures.failedProbesRollback} during rollback)`);
    if (figures.dnsRecordDeletes > 0 && !gapAccepted) problems.push(`${plural(figures.dnsRecordDeletes, "DNS record deletion")}: records must be updated in place`);
    if (probes.capped) problems.push("the prober hit its time cap");
    if (probes.proberLost) problems.push(`the prober's process ${probes.proberLost}: the probes after that are missing`);
    if (cachedVisitorProbes && cachedVisitorProbes.failed > 0 && !gapAccepted) problems.push(`${plural(cachedVisitorProbes.failed, "failed probe")} of visitors behind a caching resolver`);
}

/** What the outside-service checks asked of their stand-ins (proof they really ran). */
function outsideServicesOf({ replica: { services } }: Rehearsal): OutsideServicesFigures {
    const google = services.google.state;
    return {
        psiRequests: google.psiRequests.length,
        sitemaps: JSON.parse(JSON.stringify(google.sitemaps)),
        realtimeRequests: google.realtimeRequests,
        mailbox: !!services.mailbox,
        mailsDelivered: services.formPosts,
    };
}

/**
 * R-3 as the guided cutover sends it once a failed cutover is rolled back: the postponement, whether
 * visitors have the old site again and since when, the page's link, through the same webhook
 * (the replica's receiver), in French as golive:report.lang defaults.
 */
async function tellTheClient(run: Rehearsal, outcome: Outcome, timeline: GoLiveTimeline): Promise<CheckResult> {
    const { world, webhook } = run.replica;
    const backAt = wayBackEnd(timeline);
    const wayBackOk = outcome.rollback!.ok;
    const body = postponementBody({ site: `https://www.${world.domain}/`, because: outcome.failedUpdate!.error, wayBackOk, ...(wayBackOk && backAt ? { backAt } : {}), link: run.options.pageLink ?? "the rehearsal's page (golive rehearse --page)" });
    return postWebhookMessage({ id: "R-3", name: "Postponement notification" }, webhook.url, body, run.stack.checkNet);
}

/**
 * R-4 as the guided cutover gathers it: the production deployment's build log and events, read from
 * the replica's Vercel API through the product's client (checks/deploymentEvents), or why not.
 */
function deploymentEventsOf(run: Rehearsal, outcome: Outcome): Promise<EventsOrWhy> {
    const { url, token } = run.replica.vercelApi;
    return deploymentEventsOrWhy({ baseUrl: url, token }, outcome.deploymentId);
}

/** The go-live page's timeline, pictures and incident (rehearsal/goLivePage). */
function goLivePageOf(run: Rehearsal, outcome: Outcome, { marks, samples, probes }: Probing, events: EventsOrWhy | undefined) {
    const t0 = run.engine.t0;
    const checkSteps = run.seen.phaseRuns.flatMap((r) => r.steps.filter((s) => s.type.startsWith("pulumi-nodejs:dynamic")));
    const firstFail = Math.min(...checkSteps.filter((s) => !s.ok).map((s) => s.endedAt));
    const timeline = rehearsalTimeline({
        t0, endAt: Date.now() - t0, marks, samples, checkSteps, switchAt: outcome.switchAt, probedUrls: run.visitors.probed, intervalMs: 50,
        ...(outcome.wayBack && Number.isFinite(firstFail) ? { wayBack: { startMs: firstFail, endMs: firstFail + outcome.wayBack.totalMs } } : {}),
    });
    const failed = outcome.cutoverChecks.filter((c) => c.status === "fail");
    // Read when the cutover failed (reportOf), as the guided cutover reads them.
    const incident = outcome.failedUpdate && events ? rehearsalIncident(failed, events, probes) : undefined;
    return { timeline, ...(run.options.screenshots?.length ? { screenshots: run.seen.screenshots } : {}), ...(incident ? { incident } : {}) };
}
