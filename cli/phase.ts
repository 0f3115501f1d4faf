// `golive prepare` and `golive cutover` (and the common part of `golive adopt`): one phase of the
// plan as one guided `pulumi up`. Gates first (the program's own parsers on the stack's config, the
// phase order, the Cloudflare zone), then the preview as a short summary (a live record replaced or
// deleted is refused), confirmation, `up` with live progress, and a Markdown record of it all. A
// failed cutover shows the failed checks and asks for the plan's R-1 decision: roll back now (the
// previous phase, prepare, with `up`), or at once with --auto-rollback / golive:rollback.auto.
import { NAMESPACE, type Phase } from "../config/config";
import { buildChecklist, ChecklistLine, factsFromJson } from "../program/report";
import { configGates, ConfigMap, domainOf, Gate, gatesOfPhase, lastApplied, latestUpdate, nextStep, phaseOf, ttlWarning, zoneGate, type GateReport } from "../operations/phaseGates";
import { isCertificateFact, renderPreviewSummary, summarizePhasePreview } from "../operations/previewSummary";
import { certificateLine, isCheckResult } from "../program/report";
import { certificateBeforeSwitch } from "../checks/certificateFact";
import type { CheckResult } from "../checks/types";
import { failedCheckLines, seconds as secs } from "../operations/upProgress";
import { PhaseRecord, recordFileName, renderRecord, RollbackDecision, RollbackRun, writeRecordFile } from "../rendering/recordFile";
import { isLines } from "./report";
import { BUILD_TIMEOUT_KEY, parseBuildTimeout } from "../config/buildConfig";
import { saidOf, type DeploymentSeen } from "../operations/buildWatch";
import { parseVercelApiUrl } from "../config/certificateConfig";
import { configSource } from "../operations/phaseGates";
import { vercelCall } from "../checks/vercelApi";
import { deadlineIn } from "../checks/net";
import { applyWithProgress, Applied, BuildWatch, confirmApply, DEFAULT_DEPS, gateLines, GuidedArgs, GuidedDeps, isYes, parseGuidedArgs } from "./guided";
import { discover, GuidedStack, openStack, previewProgram, readConfig, readHistory, readOutputs, readState, setPhase, snapshotStackFile, writeLiveRecords } from "./engineStack";
import { valuesOrExit } from "./args";
import { preloadRecordsBack } from "./recordsBack";
import { beginRun, providerCallBoundMsOf, type RunFrame } from "./runFrame";
import { Look, lookAtSite, lookLines } from "./siteLook";
import { rollBackToPrepare } from "./wayBack";
import { directLines, failedAfterSwitch, planDirectWayBack, putBackNow, type DirectPlan } from "./directWayBack";
import type { RecordsPut } from "../operations/cloudflareDns";
import { judgeSite, waysOn, type SiteState } from "../operations/siteState";
import type { UpProgress } from "../operations/upProgress";
import type { FailureNote } from "../operations/failureNote";
import { ciRunOf } from "../operations/ciContext";
import { withMarkdownRecord } from "./markdownOutput";
import { newsOfCutover } from "./goLiveNews";

const WHAT: Record<Phase, string> = {
    adopt: "import the apex and www records serving today, exactly as Cloudflare holds them (48 h before H); nothing changes",
    prepare: "freeze the release (MEP-02), set up the Vercel project, variables, deployment and domains, lower the records' TTL in place",
    cutover: "point apex and www at Vercel in place (MEP-06), then run the post-deploy checks (MEP-07..MEP-16), MEP-17 message, MEP-18 tag",
};

export function usage(phase: Phase): string {
    return [
        `usage: golive ${phase} --stack <stack> [--yes]${phase === "cutover" ? " [--auto-rollback | --no-rollback]" : ""} [--markdown] [--dir <project dir>] [--records <dir>]`,
        "",
        `${phase}: ${WHAT[phase]}.`,
        phase === "adopt"
            ? "Reads the records through the Cloudflare provider, shows them, writes golive:liveRecords, previews (two imports, no change)."
            : "Checks the gates (config, phase order, zone), shows the preview, asks before applying.",
        "",
        "  --stack <stack>     the stack (e.g. prod)",
        "  --yes               apply without asking (without a terminal, nothing is applied without it)",
        ...(phase === "cutover"
            ? [
                  "  --auto-rollback     if a check fails, roll back to prepare at once (R-1 agreed beforehand; also golive:rollback.auto).",
                  "                      Without it, a failed check asks whether to roll back now (even with --yes).",
                  "  --no-rollback       if a check fails after the switch, keep the new site serving (R-1 decided beforehand, as",
                  "                      CI's on_failure input \"keep\"); the record says so and how to roll back.",
              ]
            : []),
        "  --markdown          print the record (Markdown) on stdout at the end, everything else on stderr (a CI run's summary)",
        "  --dir <dir>         the Pulumi project (default: this program's directory)",
        "  --records <dir>     where the Markdown record goes (default <project>/records)",
        "",
        "Exit code: 0 applied, 1 refused, cancelled or failed, 2 bad usage or no engine.",
    ].join("\n");
}

/** What adopt found and decided before the common flow takes over. */
export interface Adoption {
    map: ConfigMap;
    zone: Gate;
    /** golive:liveRecords to write before the preview. */
    liveRecords: Record<string, unknown>;
}

export interface PhaseRun {
    code: number;
    /** The record file written, when the phase was applied. */
    recordFile?: string;
    record?: PhaseRecord;
}

/** The checklist of a failed update: the last outputs' facts, with what this update did and saw. */
function checklistAfterFailure(gs: GuidedStack, phase: Phase, gates: GateReport, applied: Applied, outputs: Record<string, unknown>, at: Date): ChecklistLine[] {
    const cfg = gates.cfg!;
    let facts;
    try {
        facts = factsFromJson(outputs, { stack: gs.name, generatedAt: at.toISOString() });
    } catch {
        facts = { domain: cfg.domain, stack: gs.name, results: [], generatedAt: at.toISOString() };
    }
    const results = applied.progress.results;
    const isNote = (id: string) => id === "MEP-01" || id === "MEP-17";
    const dns = applied.progress.dnsRecords;
    return buildChecklist({
        ...facts,
        phase,
        stack: gs.name,
        approval: cfg.approval ?? null,
        releaseRef: cfg.vercel.releaseRef ?? null,
        ...(dns.apex || dns.www ? { dnsRecords: { apex: dns.apex ?? null, www: dns.www ?? null } } : {}),
        results: results.filter((r) => !isNote(r.id)),
        notifications: results.filter((r) => isNote(r.id)),
        webhookConfigured: !!gates.release?.notify,
        tag: gates.release?.release ? { tag: gates.release.release.tag } : null,
        generatedAt: at.toISOString(),
    });
}

/** R-1: who decides, when, how. Agreed beforehand (flag or config), asked, or left open without a terminal. */
export async function decideRollback(args: Pick<GuidedArgs, "autoRollback" | "stack" | "noRollback">, autoInConfig: boolean, deps: Pick<GuidedDeps, "interactive" | "ask" | "now">, operator: string): Promise<RollbackDecision> {
    if (args.noRollback) return { choice: "no rollback", by: operator, at: new Date(deps.now()), how: `--no-rollback: decided beforehand, the new site keeps serving; to roll back: golive prepare --stack ${args.stack}` };
    const agreed = args.autoRollback ? "--auto-rollback" : autoInConfig ? "golive:rollback.auto agreed in config" : undefined;
    if (agreed) return { choice: "rollback", by: operator, at: new Date(deps.now()), how: `${agreed}: rolled back at once` };
    if (!deps.interactive) {
        return { choice: "undecided", by: operator, at: new Date(deps.now()), how: `no terminal to ask and no --auto-rollback; roll back with: golive recover --stack ${args.stack} --rollback --yes` };
    }
    const answer = await deps.ask("Roll back now to prepare (plan R-1: visitors go back to the old site)? [y/N] ");
    return { choice: isYes(answer) ? "rollback" : "no rollback", by: operator, at: new Date(deps.now()), how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
}


/**
 * One guided phase. `adoption` is adopt's discovery (cli/adopt.ts); prepare and cutover look the
 * zone up here. Resolves to the exit code and what was recorded.
 */
export async function runPhase(
    phase: Phase,
    args: GuidedArgs,
    deps: GuidedDeps,
    adopt?: (gs: GuidedStack, map: ConfigMap) => Promise<Adoption | { code: number }>,
    /** The stack and the run frame of a command that already holds them (golive recover --finish). */
    inherited?: { gs: GuidedStack; frame: RunFrame },
): Promise<PhaseRun> {
    const name = `golive ${phase}`;
    const origin = deps.now();
    try {
        providerCallBoundMsOf(deps.env);
    } catch (err) {
        deps.err(`${name}: ${(err as Error).message}; nothing was changed`);
        return { code: 2 };
    }
    let gs: GuidedStack;
    if (inherited) gs = inherited.gs;
    else {
        try {
            gs = await openStack(args.stack, args.dir, deps.env);
        } catch (err) {
            deps.err(`${name}: ${(err as Error).message}`);
            return { code: 2 };
        }
    }
    deps.out(`${name} — stack ${args.stack}: ${WHAT[phase]}`);
    // One run at a time on a stack, and Ctrl-C as a cancel, before anything else (issue 17).
    const operator = deps.operator(args.dir);
    const frame = inherited?.frame ?? beginRun({ dir: args.dir, stack: args.stack, command: name, phase, operator }, deps);
    if ("refused" in frame) {
        deps.err(`${name}: ${frame.refused}`);
        return { code: 1 };
    }
    try {
        return await guidedPhase(phase, args, deps, { gs, frame, origin, operator, name }, adopt);
    } finally {
        if (!inherited) frame.end();
    }
}

interface RunContext {
    gs: GuidedStack;
    frame: RunFrame;
    origin: number;
    operator: string;
    name: string;
}

/** Exit code of a phase stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

async function guidedPhase(phase: Phase, args: GuidedArgs, deps: GuidedDeps, ctx: RunContext, adopt?: (gs: GuidedStack, map: ConfigMap) => Promise<Adoption | { code: number }>): Promise<PhaseRun> {
    const { gs, frame, origin, operator, name } = ctx;
    const interrupt = frame.interrupt;
    let map: ConfigMap;
    try {
        map = await readConfig(gs);
    } catch (err) {
        deps.err(`${name}: refused: the stack config cannot be read: ${(err as Error).message}`);
        return { code: 1 };
    }
    const snapshot = snapshotStackFile(gs);

    // Where the site is, before anything changes: an interrupted run's leftovers are cleared by
    // golive recover, never run over (issue 17). Prepare and cutover read the records (and the zone,
    // the P-03/P-04 gate) here; adopt reads them itself.
    let domain = domainOf(map);
    const look = await lookAtSite(gs, { map, ...(frame.tookOver ? { run: frame.tookOver } : {}), records: !adopt && !!domain, zonePhase: phase, signal: interrupt.signal });
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
    let adoption: Adoption | undefined;
    if (adopt) {
        const a = await adopt(gs, map);
        if ("code" in a) return { code: a.code };
        adoption = a;
        map = a.map;
    }

    // Gates: nothing is changed before they all pass.
    const history = look.history;
    const applied = lastApplied(history);
    const report = configGates(map, phase);
    // The zone is looked up whenever the domain is valid, so every unmet gate shows at once.
    domain = domainOf(map);
    let zone: Gate | undefined = adoption?.zone;
    let zoneId: string | undefined;
    if (domain && !adoption) {
        const found = look.discovery ?? (await discover(gs, { domain, phase, records: false, signal: interrupt.signal }));
        zoneId = found.zone?.id;
        zone = zoneGate(found);
    }
    const gates = gatesOfPhase(report, phase, applied, zone);
    deps.out("Gates:");
    for (const l of gateLines(gates)) deps.out(l);
    if (interrupt.cancelled) return cancelledBefore(name, snapshot, deps);
    if (!gates.every((g) => g.ok) || !report.cfg) {
        deps.err(`${name}: refused: a gate is not met; nothing was changed`);
        return { code: 1 };
    }
    const cfg = report.cfg;
    const warning = phase === "cutover" ? ttlWarning(cfg, applied, deps.now()) : undefined;
    if (warning) deps.out(`  ! ${warning}`);

    // Preview, summarized; a live record replaced or deleted is refused.
    if (adoption) await writeLiveRecords(gs, adoption.liveRecords);
    await setPhase(gs, phase);
    const preview = await previewProgram(gs, interrupt.signal);
    if (interrupt.cancelled) return cancelledBefore(name, snapshot, deps);
    for (const w of preview.warnings) deps.out(`  ! warning: ${w.split("\n")[0]}`);
    if (!preview.ok) {
        snapshot.restore();
        deps.out("Preview failed:");
        for (const e of preview.errors) deps.out(`  ${e.split("\n")[0]}`);
        deps.err(`${name}: refused: the preview failed; nothing was changed`);
        return { code: 1 };
    }
    // At cutover, what prepare left of the certificate decides whether visitors meet a gap.
    const before = phase === "cutover" ? await readOutputs(gs).catch((): Record<string, unknown> => ({})) : {};
    const summary = summarizePhasePreview(preview.steps, phase, cfg, report.checks, before.certificate);
    const previewLines = renderPreviewSummary(summary);
    deps.out("Preview:");
    for (const l of previewLines) deps.out(l);
    if (summary.refusals.length > 0) {
        snapshot.restore();
        deps.err(`${name}: refused: the preview would replace or delete a live record, or change what this phase must not; nothing was changed`);
        return { code: 1 };
    }
    const confirmed = await confirmApply(deps, args.yes, `Apply ${phase} to stack ${args.stack}? [y/N] `);
    if (interrupt.cancelled) return cancelledBefore(name, snapshot, deps);
    if (!confirmed.ok) {
        snapshot.restore();
        deps.err(`${name}: ${confirmed.message}`);
        return { code: confirmed.code };
    }

    // Apply, with live progress on stderr; Ctrl-C asks the engine to stop cleanly. At cutover, what
    // a rollback would need is loaded now.
    // At cutover, the way back is ready before the switch: the records-first program loaded, and
    // what the direct calls need read (issue 25).
    let early: EarlyWayBack | undefined;
    if (phase === "cutover") {
        preloadRecordsBack();
        early = earlyWayBack(await planDirectWayBack(gs.stack, map, zoneId, deps.env), args, cfg.rollback.auto, deps, operator);
    }
    deps.err(`\nApplying ${phase} (pulumi up):`);
    const run = await applyWithProgress(
        gs,
        name,
        deps,
        origin,
        interrupt.signal,
        phase === "adopt" ? undefined : buildWatchOf(map, (why) => void interrupt.stopAtOnce(why)),
        early?.watch,
        {
            boundMs: providerCallBoundMsOf(deps.env),
            // A provider call that never answers: cancelled as Ctrl-C cancels, naming the call.
            onHang: (step, ranMs) => interrupt.cancel(`no answer: ${step.op} ${step.label}`, `no answer from ${step.type.startsWith("vercel:") ? "Vercel" : "Cloudflare"} for ${step.op} ${step.label} after ${Math.round(ranMs / 1000)} s (GOLIVE_PROVIDER_CALL_SECONDS)`),
        },
    );
    const progress = run.progress;
    const interrupted = !run.ok && interrupt.cancelled;
    const wentBack = early ? await early.settled() : {};
    let decision: RollbackDecision | undefined;
    let rollback: RollbackRun | undefined;
    let after: Look | undefined;
    let next: string[] = [];
    if (interrupted) {
        // The stack file says what the stack runs: the phase before this one (issue 18 item 7).
        snapshot.restore();
        deps.out(`\n${phase} INTERRUPTED (${interrupt.by === "SIGINT" ? "Ctrl-C" : interrupt.by ?? BUILD_TIMEOUT_KEY}${interrupt.stopped ? ", engine stopped at once" : ", engine stopped cleanly"})`);
        for (const e of progress.errors.filter((e) => !/canceled|cancelled/.test(e))) deps.out(`  ✗ ${e}`);
        if (interrupt.stopped) {
            const left = await readState(gs).catch(() => undefined);
            deps.out(`  What is left: the stack may be locked by the stopped engine${left && left.pending.length > 0 ? `, ${left.pending.length} operation(s) pending (${left.pending.map((p) => `${p.op} ${p.name}`).join(", ")})` : ""}; where apex and www point was not read (golive status --stack ${args.stack} reads it).`);
            next = [`golive recover --stack ${args.stack}: clears what the run left, then finish the ${phase} or roll back`];
        } else {
            after = await lookAtSite(gs, { map: { ...map, [`${NAMESPACE}:phase`]: { value: applied ? phaseOf(applied) : "adopt", secret: false } }, records: !!domain, zonePhase: phase });
            for (const l of lookLines(after)) deps.out(l);
            next = waysOn(args.stack, { ...after.site, interrupted: after.site.interrupted ?? phase });
            if (next.length === 0) next = [`golive ${phase} --stack ${args.stack} when ready: nothing of the ${phase} is left half-done`];
        }
    } else if (!run.ok) {
        const failedChecks = progress.failedChecks.length;
        deps.out(`\n${phase} FAILED: ${failedChecks > 0 ? `${failedChecks} check(s) failed` : run.error ?? "pulumi up failed"}`);
        for (const l of failedCheckLines(progress.results)) deps.out(l);
        for (const e of progress.errors) deps.out(`  ✗ ${e}`);
        if (phase === "cutover") {
            // Every word about visitors comes from the records: Cloudflare's own answers to this run
            // when it confirmed both (no time lost before R-1), else the records read now.
            // Records put back by the API meanwhile: the engine's answers are out of date, read them.
            const confirmed = wentBack.put ? undefined : recordsConfirmed(progress, before);
            if (!confirmed) after = await lookAtSite(gs, { map, records: !!domain, zonePhase: phase });
            const seen = confirmed ?? after!.site;
            for (const l of recordLines(seen, !!confirmed, progress, origin, deps)) deps.out(l);
            const moved = seen.where.apex === "vercel" || seen.where.www === "vercel" || !seen.stateKnows || !!wentBack.put;
            if (moved) {
                decision = wentBack.decision ?? (await decideRollback(args, cfg.rollback.auto, deps, operator));
                deps.out(`R-1: ${decision.choice} — ${decision.by}, ${decision.at.toISOString()} (${decision.how})`);
                if (decision.choice === "rollback") {
                    const note: FailureNote = {
                        phase,
                        at: new Date(deps.now()).toISOString(),
                        failedChecks: progress.failedChecks,
                        errors: [...progress.errors, ...(failedChecks === 0 && run.error ? [run.error] : [])],
                        decision: { choice: decision.choice, by: decision.by, at: decision.at.toISOString(), how: decision.how },
                        ...(after ? { records: after.site.records } : {}),
                        ...(wentBack.put ? { recordsBackByApi: { at: new Date(wentBack.put.endedAt).toISOString(), ok: wentBack.put.ok, calls: directLines(wentBack.put) } } : {}),
                    };
                    // Put back by the API: the records-first update finds Cloudflare as declared, no refresh needed.
                    const refreshFirst = !!after && !after.site.stateKnows && !wentBack.put?.ok;
                    rollback = await rollBackToPrepare(gs, deps, { map, zoneId, refreshFirst, note, origin, signal: interrupt.signal, ...(wentBack.put?.ok ? { restoredAt: wentBack.put.endedAt } : {}) });
                    after = await lookAtSite(gs, { map: { ...map, [`${NAMESPACE}:phase`]: { value: "prepare", secret: false } }, records: !!domain, zonePhase: "prepare" });
                    const back = rollback.dnsRestoredAt && progress.firstFailedCheckAt !== undefined ? ` ${secs(rollback.dnsRestoredAt.getTime() - origin - progress.firstFailedCheckAt)} after the first failed check` : "";
                    const home = after.site.where.apex === "old" && after.site.where.www === "old";
                    deps.out(
                        rollback.ok && home
                            ? `Rolled back to prepare: the records hold their previous content again${back}.`
                            : `ROLLBACK ${rollback.ok ? "INCOMPLETE" : "FAILED"}${rollback.errors.length > 0 ? `: ${rollback.errors.join("; ")}` : ""}`,
                    );
                    deps.out(`  Records read from Cloudflare now: ${after.site.records}; ${after.site.visitors}.`);
                    if (!rollback.ok || !home) next = waysOn(args.stack, { interrupted: "cutover", needsRecovery: after.site.needsRecovery });
                } else {
                    next = waysOn(args.stack, { interrupted: "cutover", needsRecovery: after?.site.needsRecovery ?? false });
                    deps.out(`Not rolled back: ${seen.visitors}.`);
                }
            }
        }
    }

    const endedAt = new Date(deps.now());
    let outputs: Record<string, unknown> = run.outputs ?? {};
    if (!run.ok) outputs = await readOutputs(gs).catch(() => ({}));
    const checklist = run.ok && isLines(outputs.checklist) ? outputs.checklist : checklistAfterFailure(gs, phase, report, run, outputs, endedAt);
    const record: PhaseRecord = {
        stack: args.stack,
        phase,
        domain: cfg.domain,
        operator,
        engine: gs.engineVersion,
        startedAt: new Date(origin),
        endedAt,
        gates,
        preview: previewLines,
        confirmation: confirmed.how,
        ok: run.ok,
        errors: run.ok ? [] : [...progress.errors, ...(run.error ? [run.error] : [])],
        steps: progress.steps,
        clockOrigin: origin,
        failedChecks: progress.failedChecks,
        ...(progress.dnsChangedAt !== undefined && phase === "cutover" ? { dnsSwitchAt: new Date(origin + progress.dnsChangedAt) } : {}),
        ...(progress.firstFailedCheckAt !== undefined ? { firstFailedCheckAt: new Date(origin + progress.firstFailedCheckAt) } : {}),
        ...(decision ? { decision } : {}),
        ...(rollback ? { rollback } : {}),
        checklist,
        releaseRef: cfg.vercel.releaseRef ?? null,
        ...(interrupted ? { interruption: { by: interrupt.by ?? "SIGINT", at: interrupt.at ?? endedAt, stoppedAtOnce: interrupt.stopped } } : {}),
        ...(after ? { siteAfter: [`${after.site.headline}; ${after.site.visitors}.`] } : {}),
        ...(next.length > 0 ? { next } : {}),
        ...(ciRunOf(deps.env) ? { ci: ciRunOf(deps.env)! } : {}),
    };
    if (phase === "cutover" && !interrupted) Object.assign(record, await newsOfCutover({ map, record, outputs, projectDir: args.dir, deps })); // issue 26: the page, MEP-17's page or R-3, R-4
    // A run always leaves its record (a taken name gets a suffix); a record that cannot be written
    // is said, and does not change the run's result.
    let recordFile: string | undefined;
    try {
        recordFile = writeRecordFile(args.records, recordFileName(args.stack, phase, new Date(origin)), renderRecord(record));
    } catch (err) {
        deps.err(`${name}: the record could not be written to ${args.records}: ${(err as Error).message}`);
    }
    let verdict = 0;
    if (run.ok && phase === "prepare") {
        verdict = prepareVerdict(outputs, deps);
    } else if (run.ok) {
        const checks = progress.results.filter((r) => r.id !== "MEP-01" && r.id !== "MEP-17");
        if (checks.length > 0) deps.out(`\n${phase} done: ${checks.filter((r) => r.status === "pass").length} checks passed, ${checks.filter((r) => r.status === "skip").length} skipped.`);
        else deps.out(`\n${phase} done.`);
    }
    if (recordFile) deps.out(`Record: ${recordFile}`);
    if (next.length > 0) {
        deps.out("Next:");
        for (const n of next) deps.out(`  ${n}`);
    } else if (!interrupt.stopped) {
        const hist = await readHistory(gs, 10).catch(() => []);
        deps.out(`Next: ${nextStep(args.stack, latestUpdate(hist), lastApplied(hist))}`);
    }
    const code = interrupted ? EXIT_INTERRUPTED : run.ok ? verdict : 1;
    return { code, ...(recordFile ? { recordFile } : {}), record };
}

/** What the early way back did while the engine ended the cutover: R-1 and the direct calls. */
interface WentBack {
    decision?: RollbackDecision;
    put?: RecordsPut;
}

interface EarlyWayBack {
    /** Called after each engine event with the update's progress. */
    watch: (progress: UpProgress) => void;
    /** What happened, once the decision and the calls (if any) are over. */
    settled: () => Promise<WentBack>;
}

/**
 * The data plane first (issue 25): at the first failed check after the switch, R-1 is taken then
 * (given beforehand, or asked at once at the prompt), and "roll back" puts apex and www back to
 * prepare's records by Cloudflare's API at once, while the engine still ends the cutover. Without a
 * terminal and without R-1 given, or with --no-rollback, nothing happens here.
 */
function earlyWayBack(direct: DirectPlan, args: GuidedArgs, autoInConfig: boolean, deps: GuidedDeps, operator: string): EarlyWayBack {
    let started: Promise<WentBack> | undefined;
    const decidedBefore = args.autoRollback || autoInConfig;
    const go = async (): Promise<WentBack> => {
        const decision = await decideRollback(args, autoInConfig, deps, operator);
        if (decision.choice !== "rollback") return { decision };
        if (!direct.ok) {
            deps.err(`  R-1: roll back — the records go back through the engine (${direct.why})`);
            return { decision };
        }
        deps.err("  R-1: roll back — apex and www back to prepare's records by Cloudflare's API now, while the engine ends the cutover");
        const put = await putBackNow(direct.plan);
        for (const l of directLines(put)) deps.err(`    ${l}`);
        return { decision, put };
    };
    return {
        watch: (progress) => {
            if (started || args.noRollback || !(decidedBefore || deps.interactive) || !failedAfterSwitch(progress)) return;
            started = go();
        },
        settled: () => started ?? Promise.resolve({}),
    };
}

/**
 * Where apex and www point when Cloudflare confirmed both records' updates in this run (its answers
 * carry the records' content), judged as the site look judges them; undefined otherwise.
 */
function recordsConfirmed(progress: UpProgress, before: Record<string, unknown>): SiteState | undefined {
    const { apex, www } = progress.dnsRecords;
    if (!apex || !www) return undefined;
    const dns = (before.dnsRecords ?? {}) as Record<"apex" | "www", { oldContent?: string | null; newContent?: string | null } | undefined>;
    const target = (l: "apex" | "www") => ({ ...(dns[l]?.oldContent ? { old: dns[l]!.oldContent! } : {}), ...(dns[l]?.newContent ? { vercel: dns[l]!.newContent! } : {}) });
    const view = { apex: [{ type: apex.type, content: apex.content }], www: [{ type: www.type, content: www.content }] };
    return judgeSite({ stack: "", pending: [], leftoverProcesses: 0, live: view, state: { apex: view.apex[0], www: view.www[0] }, targets: { apex: target("apex"), www: target("www") } });
}

/**
 * What visitors reach (after "DNS switched … ago" when this run changed both records, "apex
 * switched … ago, www did not" when only one), then the records and where they were read.
 */
export function recordLines(seen: SiteState, confirmed: boolean, progress: Pick<UpProgress, "dnsChangedAt" | "dnsRecords">, origin: number, deps: Pick<GuidedDeps, "now">): string[] {
    const at = progress.dnsChangedAt;
    const changed = (["apex", "www"] as const).filter((l) => progress.dnsRecords[l] !== undefined);
    const what = changed.length === 2 ? "DNS switched" : changed.length === 1 ? `${changed[0]} switched, ${changed[0] === "apex" ? "www" : "apex"} did not,` : "DNS switched";
    const switched = at !== undefined ? `${what} ${secs(deps.now() - origin - at)} ago (${new Date(origin + at).toISOString()}): ` : "";
    const visitors = switched ? seen.visitors : seen.visitors.replace(/^./, (c) => c.toUpperCase());
    const state = seen.stateKnows ? "" : seen.headline.includes("does not know www's") ? "; the stack's state does not know www's change yet" : seen.headline.includes("does not know apex's") ? "; the stack's state does not know apex's change yet" : "; the stack's state does not know it yet";
    return [`  ${switched}${visitors}.`, `  Records ${confirmed ? "as Cloudflare answered this run" : "read from Cloudflare now"}: ${seen.records}${state}.`];
}

/** Ctrl-C before `up`: nothing applied, the stack file as it was. */
function cancelledBefore(name: string, snapshot: { restore(): void }, deps: GuidedDeps): PhaseRun {
    snapshot.restore();
    deps.err(`${name}: cancelled (Ctrl-C) before anything was applied; nothing was changed`);
    return { code: EXIT_INTERRUPTED };
}

/**
 * What prepare found about the go-live it prepares: the certificate (MEP-08 before H) and the new
 * site checked before the switch. Hours before H, the operator knows whether the cutover would
 * pass; 1 when it would not (prepare's changes are applied all the same).
 */
function prepareVerdict(outputs: Record<string, unknown>, deps: GuidedDeps): number {
    const cert = isCertificateFact(outputs.certificate) ? outputs.certificate : undefined;
    const pre = (Array.isArray(outputs.preSwitch) ? outputs.preSwitch : []).filter(isCheckResult) as CheckResult[];
    deps.out("\nprepare done.");
    if (cert) deps.out(`  ${certificateBeforeSwitch(cert) ? "✓" : "!"} MEP-08 ${certificateLine(cert)}`);
    const failed = pre.filter((r) => r.status === "fail");
    if (pre.length > 0) {
        deps.out(`  The new site before the switch (names pinned to Vercel): ${pre.filter((r) => r.status === "pass").length} passed, ${failed.length} failed, ${pre.filter((r) => r.status === "skip").length} skipped.`);
        for (const r of pre) if (r.status !== "pass") deps.out(`    ${r.status === "fail" ? "✗" : "-"} ${r.id} ${r.name}: ${r.reason}`);
    }
    if (failed.length > 0 || (cert && cert.status === "pending")) {
        deps.out("  The cutover would stop before DNS moves (visitors keep the old site): fix what failed, then run golive prepare again.");
        return 1;
    }
    if (cert && !certificateBeforeSwitch(cert)) deps.out("  The cutover would pass, with a gap visitors see: no certificate before the switch (see MEP-08 above).");
    else if (pre.length > 0) deps.out("  The cutover would pass these checks: what is left at hour H is the DNS change itself.");
    return 0;
}

async function command(phase: Phase, argv: string[], deps: GuidedDeps): Promise<number> {
    const allowed = ["--stack", "--dir", "--records", "--yes", "--markdown", ...(phase === "cutover" ? ["--auto-rollback", "--no-rollback"] : [])];
    const args = valuesOrExit(phase, parseGuidedArgs(argv, allowed), usage(phase), deps);
    if (typeof args === "number") return args;
    if (args.markdown) return withMarkdownRecord(`golive ${phase} — stack ${args.stack}`, deps, (quiet) => runPhase(phase, args, quiet));
    return (await runPhase(phase, args, deps)).code;
}

export function prepare(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    return command("prepare", argv, deps);
}

export function cutover(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    return command("cutover", argv, deps);
}

/**
 * MEP-04: the wait for Vercel's build bounded by golive:buildTimeoutSeconds, and what Vercel says of
 * the project's newest production deployment meanwhile (GET /v7/deployments, with the provider's
 * own token and team; read in memory, never printed).
 */
function buildWatchOf(map: ConfigMap, stop: (why: string) => void): BuildWatch | undefined {
    let limitS: number;
    let baseUrl: string;
    try {
        limitS = parseBuildTimeout(configSource(map).get("buildTimeoutSeconds"));
        baseUrl = parseVercelApiUrl(configSource(map));
    } catch {
        return undefined; // the config gate refused it already (operations/phaseGates)
    }
    const project = map[`${NAMESPACE}:projectName`]?.value || (domainOf(map) ?? "").replace(/\./g, "-");
    const token = map["vercel:apiToken"]?.value;
    const teamId = map["vercel:team"]?.value;
    const api = { baseUrl, ...(teamId ? { teamId } : {}), ...(token ? { token } : {}) };
    return {
        limitMs: limitS * 1000,
        stop: () => stop(`the wait for Vercel's build reached ${BUILD_TIMEOUT_KEY} (${limitS} s)`),
        look: async () => {
            if (!project) return undefined;
            const r = await vercelCall<{ deployments?: DeploymentSeen[] }>(api, "GET", `/v7/deployments?projectId=${encodeURIComponent(project)}&target=production&limit=1`, undefined, deadlineIn(10_000, "a look at Vercel's build"));
            const d = r.deployments?.[0];
            return d ? saidOf(d, Date.now()) : undefined;
        },
    };
}
