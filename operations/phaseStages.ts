// The stages of a guided phase (golive adopt | prepare | cutover), each a small function called in
// order by cli/phase.ts: the site first (config read, where the site is, an interrupted run refused),
// the gates, the preview, the confirmation, `up` with progress, then what the run ended as. The
// gates and the preview are golive plan's too (cli/plan.ts): one copy of each. R-1 (decide, roll
// back) is operations/rollbackDecision; the record's data is built here, its file written by
// rendering/recordFile.
import type { GoLiveConfig, Phase } from "../config/config";
import { buildChecklist, isLines, type ChecklistLine, factsFromJson } from "../program/report";
import { configGates, domainOf, gateLines, gatesOfPhase, lastApplied, ttlWarning, zoneGate, type ConfigMap, type Gate, type GateReport, type UpdateEntry } from "./phaseGates";
import { renderPreviewSummary, summarizePhasePreview, type PreviewSummary } from "./previewSummary";
import { discover, previewProgram, readConfig, readOutputs, setPhase, snapshotStackFile, writeLiveRecords, type Discovery, type GuidedStack } from "./engineStack";
import { lookAtSite, lookLines, type Look } from "./siteLook";
import { confirmApply, type GuidedArgs, type GuidedDeps } from "./guided";
import type { Applied } from "./applyWithProgress";
import type { RunFrame } from "./runFrame";
import type { PhaseRecord } from "./runRecord";
import { ciRunOf } from "./ciContext";
import { siteLineOf } from "./goLiveShots";

/** Exit code of a phase stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** A stage that ends the run: its exit code (and, after `up`, what was recorded). */
export interface Stop {
    code: number;
}
export const isStop = (x: object): x is Stop => "code" in x;

/** What every stage of a guided command is given: the command, its stack and its run frame. */
export interface RunContext {
    args: GuidedArgs;
    deps: GuidedDeps;
    gs: GuidedStack;
    frame: RunFrame;
    /** ms since the epoch: the run's start, the clock origin of its steps. */
    origin: number;
    operator: string;
    /** "golive prepare"… */
    name: string;
}

/** What every stage of one guided phase is given. */
export interface PhaseContext extends RunContext {
    phase: Phase;
}

/** What adopt found and decided before the common flow takes over (cli/adopt.ts). */
export interface Adoption {
    map: ConfigMap;
    zone: Gate;
    /** golive:liveRecords to write before the preview. */
    liveRecords: Record<string, unknown>;
}

/** The stage "site first": the stack's config and where the site is, before anything changes. */
export interface Sited {
    map: ConfigMap;
    snapshot: { restore(): void };
    look: Look;
}

/**
 * Where the site is, before anything changes: an interrupted run's leftovers are cleared by golive
 * recover, never run over (issue 17). Prepare and cutover read the records (and the zone, the
 * P-03/P-04 gate) here; adopt reads them itself (`adopting`).
 */
export async function siteFirst(ctx: PhaseContext, adopting: boolean): Promise<Sited | Stop> {
    const { gs, frame, deps, name, phase, args } = ctx;
    let map: ConfigMap;
    try {
        map = await readConfig(gs);
    } catch (err) {
        deps.err(`${name}: refused: the stack config cannot be read: ${(err as Error).message}`);
        return { code: 1 };
    }
    const snapshot = snapshotStackFile(gs);
    const look = await lookAtSite(gs, { map, ...(frame.tookOver ? { run: frame.tookOver } : {}), records: !adopting && !!domainOf(map), zonePhase: phase, signal: frame.interrupt.signal });
    const site = look.site;
    if (frame.tookOver || site.needsRecovery || site.busy || site.interrupted) for (const l of lookLines(look)) deps.out(l);
    if (site.busy) {
        deps.err(`${name}: refused: ${site.busy} holds the stack; nothing was changed. Wait for it to end.`);
        return { code: 1 };
    }
    if (site.needsRecovery) {
        deps.err(`${name}: refused: ${site.headline}; nothing was changed. First: golive recover --stack ${args.stack} (it clears what the interrupted run left, then finishes the ${site.interrupted ?? phase} or rolls back)`);
        return { code: 1 };
    }
    return { map, snapshot, look };
}

/** The gates of a phase, judged: the config, the phase order, the Cloudflare zone. */
export interface JudgedGates {
    report: GateReport;
    gates: Gate[];
    /** The zone the records live in, when it was looked up here. */
    zoneId?: string;
}

/**
 * Gates (golive prepare | cutover | adopt and golive plan): the config parsed by the program's own
 * parsers (`judged`: the config as the gates see it), the phase order after the last applied
 * update, and the zone, looked up whenever the domain is valid so that every unmet gate shows at
 * once (adopt gives its own zone gate; a site look may hold the lookup already).
 */
export async function judgeGates(gs: GuidedStack, phase: Phase, o: { map: ConfigMap; judged?: ConfigMap; applied: UpdateEntry | undefined; zone?: Gate; discovery?: Discovery; approvalPending?: boolean; signal?: AbortSignal }): Promise<JudgedGates> {
    const report = configGates(o.judged ?? o.map, phase);
    const domain = domainOf(o.map);
    let zone = o.zone;
    let zoneId: string | undefined;
    if (domain && !o.zone) {
        const found = o.discovery ?? (await discover(gs, { domain, phase, records: false, ...(o.signal ? { signal: o.signal } : {}) }));
        zoneId = found.zone?.id;
        zone = zoneGate(found);
    }
    const gates = gatesOfPhase(report, phase, o.applied, zone, o.approvalPending ? { approvalPending: true } : {});
    return { report, gates, ...(zoneId ? { zoneId } : {}) };
}

/** The gates as printed: a heading, then one line per gate. */
export function sayGates(gates: readonly Gate[], say: (line: string) => void): void {
    say("Gates:");
    for (const l of gateLines(gates)) say(l);
}

/** The stage "gates" of a guided phase: its gates judged and printed; nothing is changed before they all pass. */
export interface Gated extends Sited {
    gates: Gate[];
    report: GateReport;
    cfg: GoLiveConfig;
    /** The last update applied, before this run. */
    applied?: UpdateEntry;
    zoneId?: string;
    adoption?: Adoption;
}

export async function passGates(ctx: PhaseContext, sited: Sited, adoption: Adoption | undefined): Promise<Gated | Stop> {
    const { gs, deps, name, phase, frame } = ctx;
    const map = adoption?.map ?? sited.map;
    const applied = lastApplied(sited.look.history);
    const { report, gates, zoneId } = await judgeGates(gs, phase, { map, applied, ...(adoption ? { zone: adoption.zone } : {}), ...(sited.look.discovery ? { discovery: sited.look.discovery } : {}), signal: frame.interrupt.signal });
    sayGates(gates, deps.out);
    if (frame.interrupt.cancelled) return cancelledBefore(ctx, sited);
    if (!gates.every((g) => g.ok) || !report.cfg) {
        deps.err(`${name}: refused: a gate is not met; nothing was changed`);
        return { code: 1 };
    }
    const warning = phase === "cutover" ? ttlWarning(report.cfg, applied, deps.now()) : undefined;
    if (warning) deps.out(`  ! ${warning}`);
    return { ...sited, map, gates, report, cfg: report.cfg, ...(applied ? { applied } : {}), ...(zoneId ? { zoneId } : {}), ...(adoption ? { adoption } : {}) };
}

/** A phase's preview, summarized (golive prepare | cutover | adopt and golive plan). */
export type PhasePreview =
    | { ok: false; errors: string[]; warnings: string[] }
    | { ok: true; warnings: string[]; summary: PreviewSummary; lines: string[]; /** The stack's outputs before the run (at cutover: prepare's certificate). */ before: Record<string, unknown> };

/**
 * The preview of `phase` with the stack file as it is now, summarized: a live record replaced or
 * deleted is a refusal. At cutover, what prepare left of the certificate decides whether visitors
 * meet a gap.
 */
export async function previewPhase(gs: GuidedStack, phase: Phase, report: Pick<GateReport, "checks"> & { cfg: GoLiveConfig }, signal?: AbortSignal): Promise<PhasePreview> {
    const preview = await previewProgram(gs, signal);
    if (!preview.ok) return { ok: false, errors: preview.errors, warnings: preview.warnings };
    // Cancelled meanwhile: nothing more is read (the caller sees the cancel first).
    if (signal?.aborted) return { ok: false, errors: [], warnings: preview.warnings };
    const before = phase === "cutover" ? await readOutputs(gs).catch((): Record<string, unknown> => ({})) : {};
    const summary = summarizePhasePreview(preview.steps, phase, report.cfg, report.checks, before.certificate);
    return { ok: true, warnings: preview.warnings, summary, lines: renderPreviewSummary(summary), before };
}

/** The stage "preview": the stack file set to the phase, its preview shown; a refusal leaves the file as it was. */
export interface Previewed extends Gated {
    previewLines: string[];
    before: Record<string, unknown>;
}

export async function showPreview(ctx: PhaseContext, gated: Gated): Promise<Previewed | Stop> {
    const { gs, deps, name, phase, frame } = ctx;
    if (gated.adoption) await writeLiveRecords(gs, gated.adoption.liveRecords);
    await setPhase(gs, phase);
    const preview = await previewPhase(gs, phase, gated, frame.interrupt.signal);
    if (frame.interrupt.cancelled) return cancelledBefore(ctx, gated);
    for (const w of preview.warnings) deps.out(`  ! warning: ${w.split("\n")[0]}`);
    if (!preview.ok) {
        gated.snapshot.restore();
        deps.out("Preview failed:");
        for (const e of preview.errors) deps.out(`  ${e.split("\n")[0]}`);
        deps.err(`${name}: refused: the preview failed; nothing was changed`);
        return { code: 1 };
    }
    deps.out("Preview:");
    for (const l of preview.lines) deps.out(l);
    if (preview.summary.refusals.length > 0) {
        gated.snapshot.restore();
        deps.err(`${name}: refused: the preview would replace or delete a live record, or change what this phase must not; nothing was changed`);
        return { code: 1 };
    }
    return { ...gated, previewLines: preview.lines, before: preview.before };
}

/** The stage "confirm": --yes, or a person's yes; without either nothing is applied. */
export interface Confirmed extends Previewed {
    /** How the apply was confirmed, as recorded. */
    confirmation: string;
}

export async function confirmPhase(ctx: PhaseContext, previewed: Previewed): Promise<Confirmed | Stop> {
    const { deps, name, phase, args, frame } = ctx;
    const confirmed = await confirmApply(deps, args.yes, `Apply ${phase} to stack ${args.stack}? [y/N] `);
    if (frame.interrupt.cancelled) return cancelledBefore(ctx, previewed);
    if (!confirmed.ok) {
        previewed.snapshot.restore();
        deps.err(`${name}: ${confirmed.message}`);
        return { code: confirmed.code };
    }
    return { ...previewed, confirmation: confirmed.how };
}

/** Ctrl-C before `up`: nothing applied, the stack file as it was. */
export function cancelledBefore(ctx: Pick<PhaseContext, "name" | "deps">, sited: Pick<Sited, "snapshot">): Stop {
    sited.snapshot.restore();
    ctx.deps.err(`${ctx.name}: cancelled (Ctrl-C) before anything was applied; nothing was changed`);
    return { code: EXIT_INTERRUPTED };
}

/** The checklist of a run: the program's own when `up` succeeded, else the last outputs' facts with what this update did and saw. */
export function checklistOf(ctx: PhaseContext, confirmed: Confirmed, run: Applied, outputs: Record<string, unknown>, at: Date): ChecklistLine[] {
    if (run.ok && isLines(outputs.checklist)) return outputs.checklist;
    const { gs, phase } = ctx;
    const { cfg, report } = confirmed;
    let facts;
    try {
        facts = factsFromJson(outputs, { stack: gs.name, generatedAt: at.toISOString() });
    } catch {
        facts = { domain: cfg.domain, stack: gs.name, results: [], generatedAt: at.toISOString() };
    }
    const results = run.progress.results;
    const isNote = (id: string) => id === "MEP-01" || id === "MEP-17";
    const dns = run.progress.dnsRecords;
    return buildChecklist({
        ...facts,
        phase,
        stack: gs.name,
        approval: cfg.approval ?? null,
        releaseRef: cfg.vercel.releaseRef ?? null,
        ...(dns.apex || dns.www ? { dnsRecords: { apex: dns.apex ?? null, www: dns.www ?? null } } : {}),
        results: results.filter((r) => !isNote(r.id)),
        notifications: results.filter((r) => isNote(r.id)),
        webhookConfigured: !!report.release?.notify,
        tag: report.release?.release ? { tag: report.release.release.tag } : null,
        generatedAt: at.toISOString(),
    });
}

/** What the run ended as, after `up` (and R-1, at cutover): what the record says besides the steps. */
export type Outcome = Pick<PhaseRecord, "decision" | "rollback"> & {
    /** Stopped by Ctrl-C or a bound before `up` ended. */
    interrupted?: true;
    /** Where the site was read last, if it was. */
    after?: Look;
    /** The ways on printed at the end. */
    next: string[];
};

/** The record of the phase, as data (rendering/recordFile renders it). */
export function phaseRecordOf(ctx: PhaseContext, confirmed: Confirmed, run: Applied, outcome: Outcome, checklist: ChecklistLine[], endedAt: Date): PhaseRecord {
    const { args, phase, operator, gs, origin, deps, frame } = ctx;
    const { progress } = run;
    const interrupt = frame.interrupt;
    const ci = ciRunOf(deps.env);
    return {
        stack: args.stack,
        phase,
        domain: confirmed.cfg.domain,
        operator,
        engine: gs.engineVersion,
        startedAt: new Date(origin),
        endedAt,
        gates: confirmed.gates,
        preview: confirmed.previewLines,
        confirmation: confirmed.confirmation,
        ok: run.ok,
        errors: run.ok ? [] : [...progress.errors, ...(run.error ? [run.error] : [])],
        steps: progress.steps,
        clockOrigin: origin,
        apply: { startedAt: new Date(run.startedAt), endedAt: new Date(run.endedAt) },
        failedChecks: progress.failedChecks,
        ...(progress.dnsChangedAt !== undefined && phase === "cutover" ? { dnsSwitchAt: new Date(origin + progress.dnsChangedAt) } : {}),
        ...(progress.firstFailedCheckAt !== undefined ? { firstFailedCheckAt: new Date(origin + progress.firstFailedCheckAt) } : {}),
        ...(outcome.decision ? { decision: outcome.decision } : {}),
        ...(outcome.rollback ? { rollback: outcome.rollback } : {}),
        checklist,
        releaseRef: confirmed.cfg.vercel.releaseRef ?? null,
        ...(outcome.interrupted ? { interruption: { by: interrupt.by ?? "SIGINT", at: interrupt.at ?? endedAt, stoppedAtOnce: interrupt.stopped } } : {}),
        ...(outcome.after ? { siteAfter: [siteLineOf(outcome.after.site)] } : {}),
        ...(outcome.next.length > 0 ? { next: outcome.next } : {}),
        ...(ci ? { ci } : {}),
    };
}
