// `golive plan --stack <name>`: what `golive prepare|cutover` would do, without doing it — the gates
// and the preview of the phase the stack file asks for (or --phase), as the guided command shows
// them, then the stack file exactly as it was. A pull request's review reads it (--markdown, the
// comment the preview workflow posts). With --approval-from <environment>, P-01 is not asked of the
// stack file: the apply run's approval by a required reviewer of that GitHub environment gives it.
import { NAMESPACE, PHASES, type Phase } from "../config/config";
import { domainOf, lastApplied, phaseOf, ttlWarning, updateName, type ConfigMap } from "../operations/phaseGates";
import { judgeGates, previewPhase, sayGates, type JudgedGates, type PhasePreview } from "../operations/phaseStages";
import { planFailedMarkdown, renderPlanMarkdown, type PendingGate, type PlanReport } from "../rendering/markdownSummary";
import { valuesOrExit, parseCommandLine, checkedStackName } from "./args";
import { DEFAULT_DEPS, PROGRAM_DIR } from "./guided";
import type { GuidedDeps } from "../operations/guided";
import { openStack, readConfig, readHistory, setPhase, snapshotStackFile, type GuidedStack } from "../operations/engineStack";
import * as path from "path";

export const USAGE = [
    "usage: golive plan --stack <stack> [--phase adopt|prepare|cutover] [--markdown] [--approval-from <environment>] [--dir <project dir>]",
    "",
    "The gates and the preview of the phase the stack file asks for (golive:phase, or --phase), as",
    "golive prepare|cutover would show them; nothing is applied and the stack file is left as it was.",
    "",
    "  --stack <stack>               the stack (e.g. prod)",
    "  --phase <phase>               preview this phase instead of the stack file's golive:phase",
    "  --markdown                    print the plan as Markdown on stdout (a pull request comment); the plain lines go to stderr",
    "  --approval-from <environment> P-01 is given at the apply by a required reviewer of this GitHub environment",
    "                                (golive ci approval): the plan does not ask golive:approvedBy of the stack file",
    "  --dir <dir>                   the Pulumi project (default: this program's directory)",
    "",
    "Exit code: 0 the phase could be applied, 1 it would be refused (a gate, the preview), 2 bad usage or no engine.",
].join("\n");

const OPTIONS = {
    stack: { type: "string" },
    phase: { type: "string" },
    markdown: { type: "boolean" },
    "approval-from": { type: "string" },
    dir: { type: "string" },
} as const;

/** A GitHub environment name as golive takes it: never read as an option. */
export const ENVIRONMENT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export interface PlanArgs {
    stack: string;
    phase?: Phase;
    markdown: boolean;
    approvalFrom?: string;
    dir: string;
}

export function parsePlanArgs(argv: string[]): PlanArgs | { help: true } | { error: string } {
    const parsed = parseCommandLine(argv, OPTIONS);
    if ("help" in parsed || "error" in parsed) return parsed as { help: true } | { error: string };
    const v = parsed as { stack?: string; phase?: string; markdown?: boolean; "approval-from"?: string; dir?: string };
    const stack = checkedStackName(v.stack);
    if (typeof stack !== "string") return stack;
    if (v.phase !== undefined && !(PHASES as readonly string[]).includes(v.phase)) return { error: `--phase must be one of ${PHASES.join(", ")}, got ${JSON.stringify(v.phase)}` };
    if (v["approval-from"] !== undefined && !ENVIRONMENT_NAME.test(v["approval-from"])) return { error: `--approval-from must be a GitHub environment name like golive-${stack}, got ${JSON.stringify(v["approval-from"])}` };
    return {
        stack,
        markdown: !!v.markdown,
        dir: v.dir !== undefined ? path.resolve(v.dir) : PROGRAM_DIR,
        ...(v.phase ? { phase: v.phase as Phase } : {}),
        ...(v["approval-from"] ? { approvalFrom: v["approval-from"] } : {}),
    };
}

/** What P-01 looks like when the apply run's environment gives it. */
function pendingApproval(environment: string, map: ConfigMap): { pending: PendingGate; note?: string; placeholder: ConfigMap } {
    const typed = map[`${NAMESPACE}:approvedBy`]?.value;
    return {
        pending: {
            id: "P-01",
            label: "client approval",
            detail: `given at the apply: a required reviewer of GitHub environment ${environment} approves the run, and golive ci approval records who and when as golive:approvedBy / golive:approvedAt`,
        },
        ...(typed ? { note: `golive:approvedBy is set in the stack file (${JSON.stringify(typed)}): the apply replaces it with the approval of environment ${environment}` } : {}),
        // Only for the gates and the preview: the program refuses a cutover without P-01.
        placeholder: {
            [`${NAMESPACE}:approvedBy`]: { value: `a required reviewer of ${environment} (at the apply)`, secret: false },
            [`${NAMESPACE}:approvedAt`]: { value: new Date().toISOString().slice(0, 10), secret: false },
        },
    };
}

/** R-1 in CI, where nobody can be asked: what the stack file and the run's input decide. */
function rollbackRuleOf(auto: boolean): string {
    return auto
        ? "rolled back to prepare at once, records first (golive:rollback.auto is true in the stack file)."
        : "decided by the apply run's `on_failure` input: `rollback` rolls back at once, `keep` keeps the new site serving. A merge runs with `stack-config`, and golive:rollback.auto is not true here: nobody decides, the new site keeps serving and the record says how to roll back. Set golive:rollback.auto true to roll back at once.";
}

/** What planStack gives back: the exit code, the plan as data (for --markdown), the lines said. */
export interface PlanRun {
    code: number;
    report?: PlanReport;
    lines: string[];
}

/** The stack, its config and the phase to plan, once read. */
interface PlanTarget {
    gs: GuidedStack;
    map: ConfigMap;
    phase: Phase;
    filePhase: string;
}

/** The plan of one stack, as its stages: target → gates → preview → verdict. Never applies, and leaves the stack file as it was. */
export async function planStack(args: PlanArgs, deps: GuidedDeps): Promise<PlanRun> {
    const lines: string[] = [];
    const say = (l: string) => {
        lines.push(l);
        deps.out(l);
    };
    const target = await planTarget(args, deps);
    if ("code" in target) return { ...target, lines };
    say(`golive plan — stack ${args.stack}: ${target.phase}${args.phase && args.phase !== target.filePhase ? ` (the stack file says ${target.filePhase})` : ""}; nothing is applied`);
    const gated = await planGates(args, target, deps, say);
    if (!gated.gates.every((g) => g.ok) || !gated.report.cfg) {
        say(`Refused: a gate is not met; the preview was not run.`);
        return { code: 1, report: { ...gated.base, verdict: "Refused: a gate is not met (the table says which); the preview was not run" }, lines };
    }
    const preview = await planPreview(target, gated.approval, { cfg: gated.report.cfg, checks: gated.report.checks });
    return { ...planVerdict(args, target.phase, gated.base, preview, say), lines };
}

/** The stack opened, its config read, the phase to plan (--phase, else the stack file's). */
async function planTarget(args: PlanArgs, deps: GuidedDeps): Promise<PlanTarget | { code: number }> {
    let gs: GuidedStack;
    try {
        gs = await openStack(args.stack, args.dir, deps.env);
    } catch (err) {
        deps.err(`golive plan: ${(err as Error).message}`);
        return { code: 2 };
    }
    let map: ConfigMap;
    try {
        map = await readConfig(gs);
    } catch (err) {
        deps.err(`golive plan: the stack config cannot be read: ${(err as Error).message}`);
        return { code: 1 };
    }
    const filePhase = phaseOf({ config: map });
    const phase = args.phase ?? (filePhase as Phase);
    if (!(PHASES as readonly string[]).includes(phase)) {
        deps.err(`golive plan: golive:phase in Pulumi.${args.stack}.yaml is ${JSON.stringify(filePhase)}: one of ${PHASES.join(", ")} is expected`);
        return { code: 1 };
    }
    return { gs, map, phase, filePhase };
}

/** The gates as golive prepare | cutover judge them (operations/phaseStages), P-01 pending when the apply run's environment gives it. */
async function planGates(args: PlanArgs, t: PlanTarget, deps: GuidedDeps, say: (l: string) => void): Promise<JudgedGates & { base: PlanReport; approval?: ReturnType<typeof pendingApproval> }> {
    const { gs, map, phase } = t;
    const applied = lastApplied(await readHistory(gs));
    const approval = phase === "cutover" && args.approvalFrom ? pendingApproval(args.approvalFrom, map) : undefined;
    const judged = await judgeGates(gs, phase, { map, judged: approval ? { ...map, ...approval.placeholder } : map, applied, approvalPending: !!approval });
    const { report, gates } = judged;
    sayGates(gates, say);
    if (approval) say(`  … P-01 ${approval.pending.label}: ${approval.pending.detail}`);
    const notes: string[] = [];
    if (approval?.note) notes.push(approval.note);
    const warning = phase === "cutover" && report.cfg ? ttlWarning(report.cfg, applied, deps.now()) : undefined;
    if (warning) notes.push(warning);
    for (const n of notes) say(`  ! ${n}`);
    const domain = domainOf(map);
    const base: PlanReport = {
        stack: args.stack,
        ...(domain ? { domain } : {}),
        phase,
        ...(applied ? { applied: { phase: phaseOf(applied), at: new Date(applied.endTime ?? applied.startTime).toISOString(), name: updateName(applied) } } : {}),
        gates,
        pending: approval ? [approval.pending] : [],
        notes,
        ...(phase === "cutover" && report.cfg ? { rollbackRule: rollbackRuleOf(report.cfg.rollback.auto) } : {}),
        ...(args.approvalFrom ? { environment: args.approvalFrom } : {}),
        ready: false,
        verdict: "",
    };
    return { ...judged, base, ...(approval ? { approval } : {}) };
}

/** The preview (operations/phaseStages), with the stack file as the phase would set it; then the file as it was. */
async function planPreview(t: PlanTarget, approval: ReturnType<typeof pendingApproval> | undefined, report: Parameters<typeof previewPhase>[2]): Promise<PhasePreview> {
    const { gs, phase } = t;
    const snapshot = snapshotStackFile(gs);
    try {
        await setPhase(gs, phase);
        if (approval) await gs.stack.setAllConfig(Object.fromEntries(Object.entries(approval.placeholder).map(([k, v]) => [k, { value: v.value, secret: false }])));
        return await previewPhase(gs, phase, report);
    } finally {
        snapshot.restore();
    }
}

/** Ready (0) when the preview refuses nothing, else refused (1). */
function planVerdict(args: PlanArgs, phase: Phase, base: PlanReport, preview: PhasePreview, say: (l: string) => void): { code: number; report: PlanReport } {
    if (!preview.ok) {
        say("Preview failed:");
        for (const e of preview.errors) say(`  ${e.split("\n")[0]}`);
        return { code: 1, report: { ...base, previewErrors: preview.errors, verdict: "Refused: the preview failed" } };
    }
    say("Preview:");
    for (const l of preview.lines) say(l);
    const ready = preview.summary.refusals.length === 0;
    say(ready ? `Ready: golive ${phase} --stack ${args.stack} would apply this.` : `Refused: the preview would replace or delete a live record, or change what this phase must not.`);
    return {
        code: ready ? 0 : 1,
        report: {
            ...base,
            preview: { lines: preview.lines, summary: preview.summary },
            ready,
            verdict: ready ? "Ready to apply: every gate is met and the preview refuses nothing" : "Refused: the preview would replace or delete a live record, or change what this phase must not",
        },
    };
}

export async function main(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    const args = valuesOrExit("plan", parsePlanArgs(argv), USAGE, deps);
    if (typeof args === "number") return args;
    if (!args.markdown) return (await planStack(args, deps)).code;
    // Markdown on stdout only; what a person reads in the log goes to stderr.
    const said: string[] = [];
    const r = await planStack(args, { ...deps, out: (l) => (said.push(l), deps.err(l)), err: (l) => (said.push(l), deps.err(l)) });
    deps.out(r.report ? renderPlanMarkdown(r.report, r.lines) : planFailedMarkdown(args.stack, said));
    return r.code;
}
