// `golive prepare` and `golive cutover` (and the common part of `golive adopt`): one phase of the
// plan as one guided `pulumi up`. Gates first (the program's own parsers on the stack's config, the
// phase order, the Cloudflare zone), then the preview as a short summary (a live record replaced or
// deleted is refused), confirmation, `up` with live progress, and a Markdown record of it all. A
// failed cutover shows the failed checks and asks for the plan's R-1 decision: roll back now (the
// previous phase, prepare, with `up`), or at once with --auto-rollback / golive:rollback.auto.
import { NAMESPACE, parseDomain, type Phase } from "../lib/config";
import { buildChecklist, ChecklistLine, factsFromJson } from "../lib/report";
import { configGates, ConfigMap, Gate, lastApplied, latestUpdate, nextStep, orderGate, ttlWarning, zoneGate, type GateReport } from "../lib/phaseGates";
import { renderPreviewSummary, summarizePreview } from "../lib/previewSummary";
import { certificateLine, isCheckResult } from "../lib/report";
import { certificateBeforeSwitch, type CertificateFact } from "../checks/certificateFact";
import type { CheckResult } from "../checks/types";
import { failedCheckLines } from "../lib/upProgress";
import { PhaseRecord, recordFileName, renderRecord, RollbackDecision, RollbackRun, writeRecordFile } from "../lib/recordFile";
import { isLines } from "./report";
import { applyWithProgress, Applied, confirmApply, DEFAULT_DEPS, gateLines, GuidedArgs, GuidedDeps, isYes, parseGuidedArgs } from "./guided";
import { discover, GuidedStack, openStack, previewProgram, readConfig, readHistory, readOutputs, setPhase, snapshotStackFile, writeLiveRecords } from "./engineStack";
import { valuesOrExit } from "./args";
import { recordsBackFirst } from "./recordsBack";
import { ciRunOf } from "../lib/ciContext";
import { withMarkdownRecord } from "./markdownOutput";

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
        return { choice: "undecided", by: operator, at: new Date(deps.now()), how: `no terminal to ask and no --auto-rollback; roll back with: golive prepare --stack ${args.stack} --yes` };
    }
    const answer = await deps.ask("Roll back now to prepare (plan R-1: visitors go back to the old site)? [y/N] ");
    return { choice: isYes(answer) ? "rollback" : "no rollback", by: operator, at: new Date(deps.now()), how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
}

/**
 * R-2: the records back first (an update that touches only them: cli/recordsBack.ts), then the
 * previous phase's `up` reconciles the rest; the same records, in place.
 */
async function rollBack(gs: GuidedStack, deps: GuidedDeps, origin: number, map: ConfigMap, zoneId: string | undefined): Promise<RollbackRun> {
    deps.err("\nRolling back (R-2): apex and www back to prepare's records first, then the rest of prepare");
    const startedAt = deps.now();
    // The stack file says prepare first: both updates run (and are recorded in the history) as prepare.
    await setPhase(gs, "prepare");
    const first = zoneId ? await recordsBackFirst(gs.stack, { map, phase: "prepare", zoneId, now: deps.now }) : undefined;
    if (first) deps.err(first.ok ? `  ✓ MEP-06 apex and www back to prepare's records (${secs(first.endedAt - first.startedAt)})` : `  ✗ the records could not be put back on their own (${first.error}): the whole prepare update puts them back`);
    const r = await applyWithProgress(gs, "golive rollback to prepare (R-2)", deps, origin);
    const restored = first?.ok ? first.endedAt : r.progress.dnsChangedAt !== undefined ? origin + r.progress.dnsChangedAt : undefined;
    return {
        ok: r.ok && (first?.ok ?? true),
        startedAt: new Date(startedAt),
        endedAt: new Date(r.endedAt),
        ...(restored !== undefined ? { dnsRestoredAt: new Date(restored) } : {}),
        steps: r.progress.steps,
        errors: [...(first && !first.ok ? [`records first: ${first.error}`] : []), ...r.progress.errors, ...(r.ok ? [] : [r.error ?? "pulumi up failed"])],
    };
}

function domainOf(map: ConfigMap): string | undefined {
    try {
        return parseDomain(map[`${NAMESPACE}:domain`]?.value);
    } catch {
        return undefined; // the config gate says why
    }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * One guided phase. `adoption` is adopt's discovery (cli/adopt.ts); prepare and cutover look the
 * zone up here. Resolves to the exit code and what was recorded.
 */
export async function runPhase(phase: Phase, args: GuidedArgs, deps: GuidedDeps, adopt?: (gs: GuidedStack, map: ConfigMap) => Promise<Adoption | { code: number }>): Promise<PhaseRun> {
    const name = `golive ${phase}`;
    const origin = deps.now();
    let gs: GuidedStack;
    try {
        gs = await openStack(args.stack, args.dir, deps.env);
    } catch (err) {
        deps.err(`${name}: ${(err as Error).message}`);
        return { code: 2 };
    }
    deps.out(`${name} — stack ${args.stack}: ${WHAT[phase]}`);
    let map: ConfigMap;
    try {
        map = await readConfig(gs);
    } catch (err) {
        deps.err(`${name}: refused: the stack config cannot be read: ${(err as Error).message}`);
        return { code: 1 };
    }
    const snapshot = snapshotStackFile(gs);
    let adoption: Adoption | undefined;
    if (adopt) {
        const a = await adopt(gs, map);
        if ("code" in a) return { code: a.code };
        adoption = a;
        map = a.map;
    }

    // Gates: nothing is changed before they all pass.
    const history = await readHistory(gs);
    const applied = lastApplied(history);
    const report = configGates(map, phase);
    const gates: Gate[] = [...report.gates, orderGate(phase, applied)];
    // The zone is looked up whenever the domain is valid, so every unmet gate shows at once.
    let domain = domainOf(map);
    if (adoption) gates.push(adoption.zone);
    let zoneId: string | undefined;
    if (domain && !adoption) {
        const found = await discover(gs, { domain, phase, records: false });
        zoneId = found.zone?.id;
        gates.push(zoneGate(found));
    }
    deps.out("Gates:");
    for (const l of gateLines(gates)) deps.out(l);
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
    const preview = await previewProgram(gs);
    if (!preview.ok) {
        snapshot.restore();
        deps.out("Preview failed:");
        for (const e of preview.errors) deps.out(`  ${e.split("\n")[0]}`);
        deps.err(`${name}: refused: the preview failed; nothing was changed`);
        return { code: 1 };
    }
    // At cutover, what prepare left of the certificate decides whether visitors meet a gap.
    const before = phase === "cutover" ? await readOutputs(gs).catch((): Record<string, unknown> => ({})) : {};
    const summary = summarizePreview(preview.steps, {
        allowRecordReplace: cfg.dns.allowRecordReplace,
        adopt: phase === "adopt",
        switchesToVercel: phase === "cutover",
        certificate: isCertificateFact(before.certificate) ? before.certificate : null,
        certWaitSeconds: report.checks?.certWaitSeconds ?? 300,
    });
    const previewLines = renderPreviewSummary(summary);
    deps.out("Preview:");
    for (const l of previewLines) deps.out(l);
    if (summary.refusals.length > 0) {
        snapshot.restore();
        deps.err(`${name}: refused: the preview would replace or delete a live record, or change what this phase must not; nothing was changed`);
        return { code: 1 };
    }
    const confirmed = await confirmApply(deps, args.yes, `Apply ${phase} to stack ${args.stack}? [y/N] `);
    if (!confirmed.ok) {
        snapshot.restore();
        deps.err(`${name}: ${confirmed.message}`);
        return { code: confirmed.code };
    }

    // Apply, with live progress on stderr.
    deps.err(`\nApplying ${phase} (pulumi up):`);
    const run = await applyWithProgress(gs, name, deps, origin);
    const operator = deps.operator(args.dir);
    const progress = run.progress;
    let decision: RollbackDecision | undefined;
    let rollback: RollbackRun | undefined;
    if (!run.ok) {
        const failedChecks = progress.failedChecks.length;
        deps.out(`\n${phase} FAILED: ${failedChecks > 0 ? `${failedChecks} check(s) failed` : run.error ?? "pulumi up failed"}`);
        for (const l of failedCheckLines(progress.results)) deps.out(l);
        for (const e of progress.errors) deps.out(`  ✗ ${e}`);
        if (phase === "cutover" && progress.dnsChangedAt !== undefined) {
            deps.out(`  DNS switched ${secs(deps.now() - origin - progress.dnsChangedAt)} ago (${new Date(origin + progress.dnsChangedAt).toISOString()}): visitors reach the new site.`);
            decision = await decideRollback(args, cfg.rollback.auto, deps, operator);
            deps.out(`R-1: ${decision.choice} — ${decision.by}, ${decision.at.toISOString()} (${decision.how})`);
            if (decision.choice === "rollback") {
                rollback = await rollBack(gs, deps, origin, map, zoneId);
                const back = rollback.dnsRestoredAt && progress.firstFailedCheckAt !== undefined ? ` ${secs(rollback.dnsRestoredAt.getTime() - origin - progress.firstFailedCheckAt)} after the first failed check` : "";
                deps.out(rollback.ok ? `Rolled back to prepare: the records hold their previous content again${back}.` : `ROLLBACK FAILED: ${rollback.errors.join("; ")}`);
            } else {
                deps.out(`Not rolled back: the new site keeps serving. To roll back: golive prepare --stack ${args.stack}`);
            }
        } else if (phase === "cutover") {
            deps.out("  The DNS records did not change: visitors still reach the old site.");
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
        ...(ciRunOf(deps.env) ? { ci: ciRunOf(deps.env)! } : {}),
    };
    const recordFile = writeRecordFile(args.records, recordFileName(args.stack, phase, new Date(origin)), renderRecord(record));
    let verdict = 0;
    if (run.ok && phase === "prepare") {
        verdict = prepareVerdict(outputs, deps);
    } else if (run.ok) {
        const checks = progress.results.filter((r) => r.id !== "MEP-01" && r.id !== "MEP-17");
        if (checks.length > 0) deps.out(`\n${phase} done: ${checks.filter((r) => r.status === "pass").length} checks passed, ${checks.filter((r) => r.status === "skip").length} skipped.`);
        else deps.out(`\n${phase} done.`);
    }
    deps.out(`Record: ${recordFile}`);
    const after = await readHistory(gs, 10).catch(() => []);
    deps.out(`Next: ${nextStep(args.stack, latestUpdate(after), lastApplied(after))}`);
    return { code: run.ok ? verdict : 1, recordFile, record };
}

function isCertificateFact(x: unknown): x is CertificateFact {
    return !!x && typeof x === "object" && typeof (x as CertificateFact).status === "string" && Array.isArray((x as CertificateFact).names);
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
