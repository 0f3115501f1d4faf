// The real Pulumi engine, driven through the Automation API against the replica: each `up(phase)`
// is a real `pulumi up` of the program (its own language host, the engine's step generator, the
// replica provider plugins, the engine's dynamic-provider host for the checks), and its events are
// turned into the steps the rehearsal and the tests read, on the same clock as the prober.
import * as path from "path";
import type { EngineEvent, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { freshStackFile, programRepo, readHistory, RollbackStack, rollbackStackOf, runRollback } from "../operations/automation";
import { historyReaches, planRollback } from "../operations/rollback";
import { createEngineWorkspace, EngineWorkspace, type ProgramForm } from "../replica/engineWorkspace";
import { recordsBackFirst } from "../operations/recordsBack";
import { preloadRecordsBack } from "../components/recordsFirst";
import { guardEnv, guardedPulumiCommand, registryDir } from "../operations/engineGuard";
import type { Engine } from "../operations/engine";
import type { PhaseResult, Step, StepOp } from "./engine";
import { resultFromFailure } from "../checks/dynamic";
import { outputValues } from "../operations/secretOutput";
import { CLOUDFLARE_BASE_URL_KEY, directLines, failedAfterSwitch, planDirectWayBack, putBackNow } from "../operations/directWayBack";
import { CLOUDFLARE_TOKEN_KEY } from "../program/zoneLookup";
import { UpProgress } from "../operations/upProgress";
import type { RecordsPut } from "../operations/cloudflareDns";
import { randomBytes } from "crypto";

export interface RealEngineOptions {
    engine: Engine;
    /** The replica's service API (replica/control.ts). */
    controlUrl: string;
    stack?: string;
    /** How the engine runs the program (replica/engineWorkspace programForm): the build when fresh, unless "typescript". */
    program?: ProgramForm;
    now?: () => number;
    log?: (line: string) => void;
    /**
     * How a cutover that fails after the switch goes back (issue 25): "direct", as golive cutover
     * with R-1 given beforehand, puts apex and www back by Cloudflare's API at the first failed check
     * while the engine ends the cutover; "engine" (default) leaves it all to the rollback's updates.
     */
    wayBack?: "engine" | "direct";
}

export interface PreviewResult {
    ok: boolean;
    /** Steps the preview plans, components left out. */
    steps: Array<{ op: string; type: string; name: string }>;
    errors: string[];
    stdout: string;
}

/** The engine's operation as the rehearsal counts it. */
function stepOp(op: string): StepOp {
    switch (op) {
        case "create":
        case "create-replacement":
            return "create";
        case "import":
        case "import-replacement":
            return "import";
        case "delete":
        case "delete-replaced":
        case "discard":
        case "discard-replaced":
            return "delete";
        case "replace":
            return "replace";
        case "same":
        case "read":
            return "same";
        default:
            return "update";
    }
}

const nameOf = (urn: string) => urn.split("::").pop() ?? urn;

export class RealEngine {
    readonly kind = "pulumi" as const;
    readonly version: string;
    readonly phases: PhaseResult[] = [];
    private readonly t0 = Date.now();
    /** The Cloudflare provider's token in this workspace (the replica asks for one, as Cloudflare does). */
    private readonly cloudflareToken = randomBytes(20).toString("hex");
    /** The direct calls of the last cutover that failed after the switch, when taken. */
    recordsBackByApi?: RecordsPut;

    private constructor(
        readonly ws: EngineWorkspace,
        private readonly stack: Stack,
        private readonly pulumiCommand: PulumiCommand,
        private readonly opts: RealEngineOptions,
    ) {
        this.version = opts.engine.version;
    }

    static async start(opts: RealEngineOptions): Promise<RealEngine> {
        const ws = await createEngineWorkspace({ engine: opts.engine, controlUrl: opts.controlUrl, stack: opts.stack ?? "rehearsal", ...(opts.program ? { program: opts.program } : {}) });
        try {
            const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
            // Through the engine guard, as golive runs it: every engine run ends with the rehearsal (issue 17).
            const pulumiCommand = await guardedPulumiCommand(opts.engine);
            Object.assign(ws.env, guardEnv(opts.engine, registryDir(ws.projectDir)));
            const stack = await LocalWorkspace.selectStack({ stackName: ws.stack, workDir: ws.projectDir }, { workDir: ws.projectDir, envVars: ws.env as Record<string, string>, pulumiCommand });
            return new RealEngine(ws, stack, pulumiCommand, opts);
        } catch (err) {
            ws.remove();
            throw err;
        }
    }

    now(): number {
        return this.opts.now ? this.opts.now() : Date.now() - this.t0;
    }

    /** Makes the stack config exactly `config` (keys of an earlier phase that it lacks are removed). */
    async setConfig(config: Record<string, string>, secretKeys: string[] = []): Promise<void> {
        freshStackFile(this.ws.projectDir, this.ws.projectDir, this.ws.stack);
        const values: Record<string, { value: string; secret?: boolean }> = {};
        // The program's Cloudflare provider config: the replica's REST API and a token, as a stack holds them.
        values[CLOUDFLARE_BASE_URL_KEY] = { value: `${this.opts.controlUrl}/client/v4` };
        values[CLOUDFLARE_TOKEN_KEY] = { value: this.cloudflareToken, secret: true };
        for (const [k, v] of Object.entries(config)) values[k] = { value: v, secret: secretKeys.includes(k) };
        await this.ws.setConfig(values);
    }

    async preview(config: Record<string, string>, secretKeys: string[] = []): Promise<PreviewResult> {
        await this.setConfig(config, secretKeys);
        const r = await this.ws.pulumi(["preview", "--stack", this.ws.stack, "--json"]);
        let parsed: { steps?: Array<{ op: string; urn: string; newState?: { custom?: boolean; type: string }; oldState?: { custom?: boolean; type: string } }>; diagnostics?: Array<{ message: string; severity: string }> } = {};
        try {
            parsed = JSON.parse(r.stdout);
        } catch {
            // not JSON: the error is on stderr
        }
        const steps = (parsed.steps ?? [])
            .filter((s) => (s.newState ?? s.oldState)?.custom !== false && !s.urn.includes("pulumi:pulumi:Stack"))
            .map((s) => ({ op: s.op, type: (s.newState ?? s.oldState)?.type ?? "", name: nameOf(s.urn) }));
        const errors = (parsed.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => d.message.trim());
        if (r.code !== 0 && errors.length === 0) errors.push((r.stderr || r.stdout).trim());
        return { ok: r.code === 0, steps, errors, stdout: r.stdout };
    }

    /** A `pulumi preview` as the rehearsal counts phases: the planned steps, nothing applied. */
    async previewPhase(label: string, config: Record<string, string>, secretKeys: string[] = []): Promise<PhaseResult> {
        const startedAt = this.now();
        const r = await this.preview(config, secretKeys);
        const at = this.now();
        const steps: Step[] = r.steps.map((s) => ({ key: s.name, type: s.type, name: s.name, op: stepOp(s.op), startedAt, endedAt: at, ok: r.ok }));
        const result: PhaseResult = { phase: label, ok: r.ok, steps, errors: r.errors, startedAt, endedAt: at };
        this.phases.push(result);
        return result;
    }

    /** The engine's events turned into the rehearsal's steps, on its clock. */
    private collector(): { onEvent: (e: EngineEvent) => void; steps: Map<string, Step>; errors: string[] } {
        const log = this.opts.log ?? (() => undefined);
        const steps = new Map<string, Step>();
        const errors: string[] = [];
        const onEvent = (e: EngineEvent) => {
            const at = this.now() - (Date.now() - e.timestamp * 1000);
            const meta = e.resourcePreEvent?.metadata ?? e.resOutputsEvent?.metadata ?? e.resOpFailedEvent?.metadata;
            if (meta) {
                const state = meta.new ?? meta.old;
                if (state?.custom === false || meta.type === "pulumi:pulumi:Stack" || meta.type.startsWith("pulumi:providers:")) return;
                const key = `${meta.urn}#${meta.op}`;
                let step = steps.get(key);
                if (!step) {
                    step = { key: meta.urn, type: meta.type, name: nameOf(meta.urn), op: stepOp(meta.op), startedAt: at, endedAt: at, ok: true };
                    steps.set(key, step);
                }
                if (e.resOutputsEvent) {
                    step.endedAt = at;
                    const result = meta.new?.outputs?.result;
                    if (result !== undefined) step.result = result;
                    log(`  ${step.op === "same" ? "=" : step.op === "update" ? "~" : step.op === "delete" ? "-" : "+"} ${step.op.padEnd(6)}  ${meta.type} ${step.name}`);
                }
                if (e.resOpFailedEvent) {
                    step.endedAt = at;
                    step.ok = false;
                }
            }
            const diag = e.diagnosticEvent;
            if (diag && diag.severity === "error" && diag.urn && !diag.urn.includes("pulumi:pulumi:Stack")) {
                const message = diag.message.trim();
                // A failed check says when it failed (ms); the event itself has whole seconds only.
                const failedAt = Date.parse(String((resultFromFailure(message)?.evidence as { failedAt?: unknown } | undefined)?.failedAt ?? ""));
                for (const s of steps.values()) {
                    if (s.key !== diag.urn) continue;
                    if (!s.error) s.error = message;
                    if (Number.isFinite(failedAt)) s.endedAt = this.now() - (Date.now() - failedAt);
                }
                if (!errors.some((x) => x === message)) errors.push(`${nameOf(diag.urn)}: ${message}`);
                log(`  ! ${nameOf(diag.urn)}: ${message.split("\n")[0]}`);
            } else if (diag && diag.severity === "error" && errors.length === 0 && !/update failed/.test(diag.message)) {
                errors.push(diag.message.trim());
            }
        };
        return { onEvent, steps, errors };
    }

    /** Runs `apply` (an update that reports through onEvent) and turns what it did into a PhaseResult. Never throws. */
    private async phase(label: string, apply: (onEvent: (e: EngineEvent) => void) => Promise<unknown>): Promise<PhaseResult> {
        const startedAt = this.now();
        const { onEvent, steps, errors } = this.collector();
        let outputs: Record<string, unknown> | undefined;
        try {
            const applied = await apply(onEvent);
            // `up` read the outputs already (Automation API): read them again only when it did not say.
            const read = (applied as { outputs?: Parameters<typeof outputValues>[0] } | undefined)?.outputs;
            outputs = outputValues(read ?? (await this.stack.outputs()));
        } catch (err) {
            if (errors.length === 0) errors.push(String((err as Error)?.message ?? err).split("\n").slice(-5).join("\n").trim());
        }
        const list = [...steps.values()];
        for (const s of list) if (!s.ok && !s.error) s.error = "failed";
        const result: PhaseResult = { phase: label, ok: errors.length === 0, steps: list, errors, ...(outputs ? { outputs } : {}), startedAt, endedAt: this.now() };
        this.phases.push(result);
        return result;
    }

    /** One `pulumi up` with the phase's config. Never throws: failures are in the result. */
    async up(label: string, config: Record<string, string>, secretKeys: string[] = []): Promise<PhaseResult> {
        // As golive cutover does: what the records-first rollback needs is loaded before the switch.
        const cutover = config["golive:phase"] === "cutover";
        if (cutover) preloadRecordsBack();
        this.recordsBackByApi = undefined;
        let direct: Promise<unknown> | undefined;
        const result = await this.phase(label, async (onEvent) => {
            await this.setConfig(config, secretKeys);
            let watch = onEvent;
            if (cutover && this.opts.wayBack === "direct") {
                // What golive cutover --auto-rollback reads before the switch, then does at the first failed check.
                const map = Object.fromEntries([...Object.entries(config).map(([k, v]) => [k, { value: v, secret: secretKeys.includes(k) }]), [CLOUDFLARE_BASE_URL_KEY, { value: `${this.opts.controlUrl}/client/v4` }], [CLOUDFLARE_TOKEN_KEY, { value: this.cloudflareToken, secret: true }]]);
                const plan = await planDirectWayBack(this.stack, map, undefined, {});
                if (!plan.ok) (this.opts.log ?? (() => undefined))(`  (the direct way back cannot be taken: ${plan.why})`);
                const progress = new UpProgress();
                watch = (e) => {
                    onEvent(e);
                    progress.onEvent(e as Parameters<UpProgress["onEvent"]>[0], this.now());
                    if (direct || !plan.ok || !failedAfterSwitch(progress)) return;
                    direct = putBackNow(plan.plan).then((put) => {
                        this.recordsBackByApi = put;
                        for (const l of directLines(put)) (this.opts.log ?? (() => undefined))(`  R-2 by Cloudflare's API: ${l}`);
                    });
                };
            }
            return this.stack.up({ onEvent: watch, message: `golive ${label}` });
        });
        await direct;
        return result;
    }

    /**
     * `golive rollback --yes` as the command runs it (operations/automation + operations/rollback): the stack's
     * history, the last successful update before the current one, its program commit in a worktree
     * and its config, then `pulumi up`; the engine's events are collected as for any phase.
     */
    async rollback(label: string, recordsFirst?: { config: Record<string, string>; secretKeys: string[]; zoneId: string }): Promise<PhaseResult> {
        const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
        return this.phase(label, async (onEvent) => {
            if (recordsFirst) {
                // The records back first (operations/recordsBack.ts), before anything else is read: the stack
                // file still holds the switched phase, so the history's plan below skips this update
                // as identical to the one it undoes.
                const map = Object.fromEntries(Object.entries(recordsFirst.config).map(([k, v]) => [k, { value: v, secret: recordsFirst.secretKeys.includes(k) }]));
                const put = this.recordsBackByApi;
                const said = put ? `; already put back by Cloudflare's API at ${new Date(put.endedAt).toISOString()} (${directLines(put).join("; ")})` : undefined;
                const first = await recordsBackFirst(this.stack, { map, phase: "prepare", zoneId: recordsFirst.zoneId, now: () => this.now(), onEvent, ...(said ? { said } : {}) });
                if (!first.ok) throw new Error(`the records could not be put back first: ${first.error}`);
            }
            const open = async (stackName: string, workDir: string): Promise<RollbackStack> => {
                const stack = await LocalWorkspace.selectStack({ stackName, workDir }, { workDir, envVars: this.ws.env as Record<string, string>, pulumiCommand: this.pulumiCommand });
                // The command's own calls, with the events of its `up` reported here.
                return rollbackStackOf(stack, onEvent);
            };
            const dir = this.ws.projectDir;
            const repo = programRepo(dir);
            const history = await readHistory(this.ws.stack, dir, (entries) => historyReaches(entries), open);
            const plan = planRollback(history, repo);
            await runRollback({ stackName: this.ws.stack, projectDir: dir, repo, plan, dryRun: false, onOutput: () => undefined }, open);
        });
    }

    close(): void {
        this.ws.remove();
    }
}
