// The stages of a guided phase from `up` on (cli/phase.ts calls them in order after
// operations/phaseStages): apply with live progress (at cutover with the way back ready), then what
// the run ended as — interrupted, failed (at cutover: the records read and R-1 decided, R-2 run), or
// done — and the verdict printed at the end.
import { NAMESPACE } from "../config/config";
import { certificateBeforeSwitch } from "../checks/certificateFact";
import type { CheckResult } from "../checks/types";
import { certificateLine, isCheckResult } from "../program/report";
import { BUILD_TIMEOUT_KEY } from "../config/buildConfig";
import { preloadRecordsBack } from "./recordsBack";
import { applyWithProgress, buildWatchOf, type Applied } from "./applyWithProgress";
import { planDirectWayBack, directLines } from "./directWayBack";
import { decideRollback, earlyWayBack, recordLines, recordsConfirmed, type EarlyWayBack, type WentBack } from "./rollbackDecision";
import { rollBackToPrepare } from "./wayBack";
import { lookAtSite, lookLines } from "./siteLook";
import { readHistory, readState } from "./engineStack";
import { failedCheckLines, seconds as secs } from "./upProgress";
import { isCertificateFact } from "./previewSummary";
import { domainOf, lastApplied, latestUpdate, nextStep, phaseOf } from "./phaseGates";
import { waysOn } from "./siteState";
import { providerCallBoundMsOf } from "./runFrame";
import type { FailureNote } from "./failureNote";
import { EXIT_INTERRUPTED, type Confirmed, type Outcome, type PhaseContext } from "./phaseStages";

/** The stage "apply": `up` with live progress on stderr; at cutover the way back is ready before the switch. */
export interface AppliedPhase {
    run: Applied;
    /** What the early way back did while the engine ended the cutover (nothing elsewhere). */
    wentBack: WentBack;
}

export async function applyPhase(ctx: PhaseContext, confirmed: Confirmed): Promise<AppliedPhase> {
    const { gs, deps, phase, name, origin, frame, args, operator } = ctx;
    const interrupt = frame.interrupt;
    // At cutover, the way back is ready before the switch: the records-first program loaded, and
    // what the direct calls need read (issue 25).
    let early: EarlyWayBack | undefined;
    if (phase === "cutover") {
        preloadRecordsBack();
        early = earlyWayBack(await planDirectWayBack(gs.stack, confirmed.map, confirmed.zoneId, deps.env), args, confirmed.cfg.rollback.auto, deps, operator);
    }
    // Ctrl-C asks the engine to stop cleanly.
    deps.err(`\nApplying ${phase} (pulumi up):`);
    const run = await applyWithProgress(
        gs,
        name,
        deps,
        origin,
        interrupt.signal,
        phase === "adopt" ? undefined : buildWatchOf(confirmed.map, (why) => void interrupt.stopAtOnce(why)),
        early?.watch,
        {
            boundMs: providerCallBoundMsOf(deps.env),
            // A provider call that never answers: cancelled as Ctrl-C cancels, naming the call.
            onHang: (step, ranMs) => interrupt.cancel(`no answer: ${step.op} ${step.label}`, `no answer from ${step.type.startsWith("vercel:") ? "Vercel" : "Cloudflare"} for ${step.op} ${step.label} after ${Math.round(ranMs / 1000)} s (GOLIVE_PROVIDER_CALL_SECONDS)`),
        },
    );
    return { run, wentBack: early ? await early.settled() : {} };
}

/** Whether `up` ended because the run was cancelled (Ctrl-C, a bound), not because it failed. */
export const wasInterrupted = (ctx: PhaseContext, applied: AppliedPhase): boolean => !applied.run.ok && ctx.frame.interrupt.cancelled;

/** What the run ended as: interrupted, failed (and, at cutover, R-1), or done. */
export async function outcomeOf(ctx: PhaseContext, confirmed: Confirmed, applied: AppliedPhase): Promise<Outcome> {
    if (wasInterrupted(ctx, applied)) return interruptedOutcome(ctx, confirmed, applied);
    if (!applied.run.ok) return failedOutcome(ctx, confirmed, applied);
    return { next: [] };
}

/** Interrupted: the stack file says what the stack runs (the phase before this one, issue 18 item 7), and where the site is. */
async function interruptedOutcome(ctx: PhaseContext, confirmed: Confirmed, applied: AppliedPhase): Promise<Outcome> {
    const { deps, phase, args, gs, frame } = ctx;
    const interrupt = frame.interrupt;
    const { progress } = applied.run;
    confirmed.snapshot.restore();
    deps.out(`\n${phase} INTERRUPTED (${interrupt.by === "SIGINT" ? "Ctrl-C" : interrupt.by ?? BUILD_TIMEOUT_KEY}${interrupt.stopped ? ", engine stopped at once" : ", engine stopped cleanly"})`);
    for (const e of progress.errors.filter((e) => !/canceled|cancelled/.test(e))) deps.out(`  ✗ ${e}`);
    if (interrupt.stopped) {
        const left = await readState(gs).catch(() => undefined);
        deps.out(`  What is left: the stack may be locked by the stopped engine${left && left.pending.length > 0 ? `, ${left.pending.length} operation(s) pending (${left.pending.map((p) => `${p.op} ${p.name}`).join(", ")})` : ""}; where apex and www point was not read (golive status --stack ${args.stack} reads it).`);
        return { interrupted: true, next: [`golive recover --stack ${args.stack}: clears what the run left, then finish the ${phase} or roll back`] };
    }
    const runs = confirmed.applied ? phaseOf(confirmed.applied) : "adopt";
    const after = await lookAtSite(gs, { map: { ...confirmed.map, [`${NAMESPACE}:phase`]: { value: runs, secret: false } }, records: !!domainOf(confirmed.map), zonePhase: phase });
    for (const l of lookLines(after)) deps.out(l);
    const next = waysOn(args.stack, { ...after.site, interrupted: after.site.interrupted ?? phase });
    return { interrupted: true, after, next: next.length > 0 ? next : [`golive ${phase} --stack ${args.stack} when ready: nothing of the ${phase} is left half-done`] };
}

/** Failed: the failed checks and errors; at cutover, the records and R-1. */
async function failedOutcome(ctx: PhaseContext, confirmed: Confirmed, applied: AppliedPhase): Promise<Outcome> {
    const { deps, phase } = ctx;
    const { run } = applied;
    const failedChecks = run.progress.failedChecks.length;
    deps.out(`\n${phase} FAILED: ${failedChecks > 0 ? `${failedChecks} check(s) failed` : run.error ?? "pulumi up failed"}`);
    for (const l of failedCheckLines(run.progress.results)) deps.out(l);
    for (const e of run.progress.errors) deps.out(`  ✗ ${e}`);
    return phase === "cutover" ? failedCutover(ctx, confirmed, applied) : { next: [] };
}

/**
 * A failed cutover: every word about visitors comes from the records — Cloudflare's own answers to
 * this run when it confirmed both (no time lost before R-1), else the records read now (also when
 * the API put them back meanwhile: the engine's answers are out of date). Once a name moved, R-1.
 */
async function failedCutover(ctx: PhaseContext, confirmed: Confirmed, applied: AppliedPhase): Promise<Outcome> {
    const { deps, gs, phase, origin, args, operator } = ctx;
    const { run, wentBack } = applied;
    const seenNow = wentBack.put ? undefined : recordsConfirmed(run.progress, confirmed.before);
    const after = seenNow ? undefined : await lookAtSite(gs, { map: confirmed.map, records: !!domainOf(confirmed.map), zonePhase: phase });
    const seen = seenNow ?? after!.site;
    for (const l of recordLines(seen, !!seenNow, run.progress, origin, deps)) deps.out(l);
    const moved = seen.where.apex === "vercel" || seen.where.www === "vercel" || !seen.stateKnows || !!wentBack.put;
    if (!moved) return { ...(after ? { after } : {}), next: [] };
    const decision = wentBack.decision ?? (await decideRollback(args, confirmed.cfg.rollback.auto, deps, operator));
    deps.out(`R-1: ${decision.choice} — ${decision.by}, ${decision.at.toISOString()} (${decision.how})`);
    if (decision.choice !== "rollback") {
        deps.out(`Not rolled back: ${seen.visitors}.`);
        return { decision, ...(after ? { after } : {}), next: waysOn(args.stack, { interrupted: "cutover", needsRecovery: after?.site.needsRecovery ?? false }) };
    }
    return rollBackAtCutover(ctx, confirmed, applied, { decision, ...(after ? { after } : {}), next: [] });
}

/** R-1 said roll back: R-2 (records first, then prepare), then the records read again. */
async function rollBackAtCutover(ctx: PhaseContext, confirmed: Confirmed, applied: AppliedPhase, decided: Outcome & { decision: NonNullable<Outcome["decision"]> }): Promise<Outcome> {
    const { deps, gs, phase, origin, args, frame } = ctx;
    const { run, wentBack } = applied;
    const { decision, after: seen } = decided;
    const { progress } = run;
    const note: FailureNote = {
        phase,
        at: new Date(deps.now()).toISOString(),
        failedChecks: progress.failedChecks,
        errors: [...progress.errors, ...(progress.failedChecks.length === 0 && run.error ? [run.error] : [])],
        decision: { choice: decision.choice, by: decision.by, at: decision.at.toISOString(), how: decision.how },
        ...(seen ? { records: seen.site.records } : {}),
        ...(wentBack.put ? { recordsBackByApi: { at: new Date(wentBack.put.endedAt).toISOString(), ok: wentBack.put.ok, calls: directLines(wentBack.put) } } : {}),
    };
    // Put back by the API: the records-first update finds Cloudflare as declared, no refresh needed.
    const refreshFirst = !!seen && !seen.site.stateKnows && !wentBack.put?.ok;
    const map = confirmed.map;
    const rollback = await rollBackToPrepare(gs, deps, { map, zoneId: confirmed.zoneId, refreshFirst, note, origin, signal: frame.interrupt.signal, ...(wentBack.put?.ok ? { restoredAt: wentBack.put.endedAt } : {}) });
    const after = await lookAtSite(gs, { map: { ...map, [`${NAMESPACE}:phase`]: { value: "prepare", secret: false } }, records: !!domainOf(map), zonePhase: "prepare" });
    const back = rollback.dnsRestoredAt && progress.firstFailedCheckAt !== undefined ? ` ${secs(rollback.dnsRestoredAt.getTime() - origin - progress.firstFailedCheckAt)} after the first failed check` : "";
    const home = after.site.where.apex === "old" && after.site.where.www === "old";
    deps.out(rollback.ok && home ? `Rolled back to prepare: the records hold their previous content again${back}.` : `ROLLBACK ${rollback.ok ? "INCOMPLETE" : "FAILED"}${rollback.errors.length > 0 ? `: ${rollback.errors.join("; ")}` : ""}`);
    deps.out(`  Records read from Cloudflare now: ${after.site.records}; ${after.site.visitors}.`);
    return { decision, rollback, after, next: !rollback.ok || !home ? waysOn(args.stack, { interrupted: "cutover", needsRecovery: after.site.needsRecovery }) : [] };
}

/**
 * The verdict, printed last: what the phase found (prepare: would the cutover pass), the record's
 * path, the ways on; resolves to the exit code.
 */
export async function verdictOf(ctx: PhaseContext, run: Applied, outcome: Outcome, outputs: Record<string, unknown>, recordFile: string | undefined): Promise<number> {
    const { deps, phase, args, gs, frame } = ctx;
    let verdict = 0;
    if (run.ok && phase === "prepare") verdict = prepareVerdict(outputs, deps.out);
    else if (run.ok) doneLine(phase, run.progress.results, deps.out);
    if (recordFile) deps.out(`Record: ${recordFile}`);
    if (outcome.next.length > 0) {
        deps.out("Next:");
        for (const n of outcome.next) deps.out(`  ${n}`);
    } else if (!frame.interrupt.stopped) {
        const hist = await readHistory(gs, 10).catch(() => []);
        deps.out(`Next: ${nextStep(args.stack, latestUpdate(hist), lastApplied(hist))}`);
    }
    return outcome.interrupted ? EXIT_INTERRUPTED : run.ok ? verdict : 1;
}

/** "<phase> done", with the checks counted when the phase ran any. */
function doneLine(phase: string, results: readonly CheckResult[], say: (l: string) => void): void {
    const checks = results.filter((r) => r.id !== "MEP-01" && r.id !== "MEP-17");
    if (checks.length > 0) say(`\n${phase} done: ${checks.filter((r) => r.status === "pass").length} checks passed, ${checks.filter((r) => r.status === "skip").length} skipped.`);
    else say(`\n${phase} done.`);
}

/**
 * What prepare found about the go-live it prepares: the certificate (MEP-08 before H) and the new
 * site checked before the switch. Hours before H, the operator knows whether the cutover would
 * pass; 1 when it would not (prepare's changes are applied all the same).
 */
function prepareVerdict(outputs: Record<string, unknown>, say: (l: string) => void): number {
    const cert = isCertificateFact(outputs.certificate) ? outputs.certificate : undefined;
    const pre = (Array.isArray(outputs.preSwitch) ? outputs.preSwitch : []).filter(isCheckResult) as CheckResult[];
    say("\nprepare done.");
    if (cert) say(`  ${certificateBeforeSwitch(cert) ? "✓" : "!"} MEP-08 ${certificateLine(cert)}`);
    const failed = pre.filter((r) => r.status === "fail");
    if (pre.length > 0) {
        say(`  The new site before the switch (names pinned to Vercel): ${pre.filter((r) => r.status === "pass").length} passed, ${failed.length} failed, ${pre.filter((r) => r.status === "skip").length} skipped.`);
        for (const r of pre) if (r.status !== "pass") say(`    ${r.status === "fail" ? "✗" : "-"} ${r.id} ${r.name}: ${r.reason}`);
    }
    if (failed.length > 0 || (cert && cert.status === "pending")) {
        say("  The cutover would stop before DNS moves (visitors keep the old site): fix what failed, then run golive prepare again.");
        return 1;
    }
    if (cert && !certificateBeforeSwitch(cert)) say("  The cutover would pass, with a gap visitors see: no certificate before the switch (see MEP-08 above).");
    else if (pre.length > 0) say("  The cutover would pass these checks: what is left at hour H is the DNS change itself.");
    return 0;
}
