// `golive prepare` and `golive cutover` (and the common part of `golive adopt`): one phase of the
// plan as one guided `pulumi up`, read as its stages (operations/phaseStages, operations/phaseOutcome):
// the site first, the gates (the program's own parsers on the stack's config, the phase order, the
// Cloudflare zone), the preview as a short summary (a live record replaced or deleted is refused),
// confirmation, `up` with live progress, what the run ended as (a failed cutover: the failed checks
// and the plan's R-1 decision — roll back now to prepare, or at once with --auto-rollback /
// golive:rollback.auto), the Markdown record, the verdict.
import type { Phase } from "../config/config";
import type { ConfigMap } from "../operations/phaseGates";
import { readOutputs, openStack, type GuidedStack } from "../operations/engineStack";
import { cancelledBefore, confirmPhase, checklistOf, passGates, phaseRecordOf, showPreview, siteFirst, isStop, type Adoption, type Confirmed, type PhaseContext } from "../operations/phaseStages";
import { shootAfterSwitch, shootBeforeSwitch, shotsInputOf, type AfterSwitch, type ShotsInput } from "../operations/goLiveShots";
import { applyPhase, outcomeOf, verdictOf } from "../operations/phaseOutcome";
import { beginRun, providerCallBoundMsOf, type RunFrame } from "../operations/runFrame";
import type { PhaseRecord } from "../operations/runRecord";
import type { GuidedArgs, GuidedDeps } from "../operations/guided";
import { recordFileName, renderRecord, writeRunRecord } from "../rendering/recordFile";
import { DEFAULT_DEPS, parseGuidedArgs } from "./guided";
import { valuesOrExit } from "./args";
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

export interface PhaseRun {
    code: number;
    /** The record file written, when the phase was applied. */
    recordFile?: string;
    record?: PhaseRecord;
}

/** Adopt's discovery (cli/adopt.ts), before the gates. */
export type Adopt = (gs: GuidedStack, map: ConfigMap) => Promise<Adoption | { code: number }>;

/**
 * One guided phase. `adopt` is adopt's discovery (cli/adopt.ts); prepare and cutover look the
 * zone up in the gates. Resolves to the exit code and what was recorded.
 */
export async function runPhase(
    phase: Phase,
    args: GuidedArgs,
    deps: GuidedDeps,
    adopt?: Adopt,
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
    try {
        gs = inherited?.gs ?? (await openStack(args.stack, args.dir, deps.env));
    } catch (err) {
        deps.err(`${name}: ${(err as Error).message}`);
        return { code: 2 };
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
        return await guidedPhase({ phase, args, deps, gs, frame, origin, operator, name }, adopt);
    } finally {
        if (!inherited) frame.end();
    }
}

/** The phase as its stages: site first → gates → preview → confirm → apply → outcome → record → verdict. */
async function guidedPhase(ctx: PhaseContext, adopt?: Adopt): Promise<PhaseRun> {
    const sited = await siteFirst(ctx, !!adopt);
    if (isStop(sited)) return sited;
    const adoption = adopt ? await adopt(ctx.gs, sited.map) : undefined;
    if (adoption && isStop(adoption)) return adoption;
    const gated = await passGates(ctx, sited, adoption);
    if (isStop(gated)) return gated;
    const previewed = await showPreview(ctx, gated);
    if (isStop(previewed)) return previewed;
    const confirmed = await confirmPhase(ctx, previewed);
    if (isStop(confirmed)) return confirmed;
    const before = ctx.phase === "cutover" ? await shootBeforeSwitch(shotsOf(ctx, confirmed, { outputs: () => readOutputs(ctx.gs) })) : [];
    if (ctx.frame.interrupt.cancelled) return cancelledBefore(ctx, confirmed); // Ctrl-C while the pictures were taken
    const applied = await applyPhase(ctx, confirmed);
    const outcome = await outcomeOf(ctx, confirmed, applied);
    const endedAt = new Date(ctx.deps.now());
    const outputs = applied.run.ok ? (applied.run.outputs ?? {}) : await readOutputs(ctx.gs).catch((): Record<string, unknown> => ({}));
    const record = phaseRecordOf(ctx, confirmed, applied.run, outcome, checklistOf(ctx, confirmed, applied.run, outputs, endedAt), endedAt);
    if (ctx.phase === "cutover" && !record.interruption) {
        const after = await shootAfterSwitch(shotsOf(ctx, confirmed, { after: afterSwitchOf(record) }));
        Object.assign(record, await newsOfCutover({ map: confirmed.map, record, outputs, shots: [...before, ...after], projectDir: ctx.args.dir, deps: ctx.deps })); // MEP-17's page or R-3 at once, R-4 (issue 26)
    }
    const recordFile = keepRecord(ctx, record);
    const code = await verdictOf(ctx, applied.run, outcome, outputs, recordFile);
    return { code, ...(recordFile ? { recordFile } : {}), record };
}

/** What the screenshot stages need of the run: the config, the command's shooter, its clock and stderr. */
function shotsOf<T>(ctx: PhaseContext, confirmed: Confirmed, more: T): ShotsInput & T {
    return shotsInputOf(confirmed.map, ctx.deps, more);
}

/** Where the run left the site, for the after-switch pictures' label: live, or what the records say. */
function afterSwitchOf(record: PhaseRecord): AfterSwitch {
    const back = record.rollback?.ok ? record.rollback.dnsRestoredAt : undefined;
    return { live: record.ok, switched: !!record.dnsSwitchAt, ...(record.siteAfter ? { siteAfter: record.siteAfter } : {}), ...(back ? { rolledBackAt: back } : {}) };
}

/** A run always leaves its record (a taken name gets a suffix); one that cannot be written is said, and does not change the result. */
function keepRecord(ctx: PhaseContext, record: PhaseRecord): string | undefined {
    const { args, phase, origin, name, deps } = ctx;
    return writeRunRecord(name, args.records, recordFileName(args.stack, phase, new Date(origin)), renderRecord(record), deps.err);
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
