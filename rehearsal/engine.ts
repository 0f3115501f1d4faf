// A small stand-in for the Pulumi engine, built on the SDK's mock runtime: each `up(phase)` runs the
// real program once, and every registration is turned into the step the engine would take against
// the state left by the previous phase (create, import, update, same, and delete for what the
// program no longer declares). Providers are replaced by handlers that act on the local replica,
// except dynamic resources: their serialized `__provider` is loaded and run for real, as
// `@pulumi/pulumi/cmd/dynamic-provider` does. Each registration waits for its inputs (the SDK only
// sends it once its dependencies are registered), so steps run in the order the engine would.
import * as pulumi from "@pulumi/pulumi";
import { sleep } from "../checks/net";
import { unwrapSecrets } from "../lib/secretEnvelope";

import requireFromString = require("require-from-string");

/** "replace" is the real engine's (a replaced resource); the mock engine never replaces. */
export type StepOp = "create" | "import" | "update" | "replace" | "same" | "delete";

/** One resource as the state holds it between phases. */
export interface ResourceState {
    /** `type::name`: the mock runtime does not pass the parent, and the program's names are unique. */
    key: string;
    type: string;
    name: string;
    id: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
}

export interface Step {
    key: string;
    type: string;
    name: string;
    op: StepOp;
    /** ms since the engine was created. */
    startedAt: number;
    endedAt: number;
    ok: boolean;
    error?: string;
    /** A check's result (the `result` output of a dynamic check resource). */
    result?: unknown;
}

/** What a provider handler is asked to do. `olds` is the previous state (update, delete). */
export interface ProviderRequest {
    op: Exclude<StepOp, "same" | "replace">;
    type: string;
    name: string;
    /** Inputs with secrets unwrapped, as a provider receives them. */
    inputs: Record<string, any>;
    /** The import id (import) or the state's id (update, delete). */
    id?: string;
    olds?: ResourceState;
}

export type ResourceHandler = (req: ProviderRequest) => Promise<{ id?: string; outputs?: Record<string, any> } | void>;
export type InvokeHandler = (inputs: Record<string, any>) => Promise<Record<string, any>> | Record<string, any>;

export interface EngineOptions {
    project?: string;
    stack?: string;
    /** Provider handlers by type token; a type without one keeps its inputs as outputs. */
    resources?: Record<string, ResourceHandler>;
    /** Invoke handlers by token; any other invoke throws (a new data source cannot slip by). */
    invokes?: Record<string, InvokeHandler>;
    /** Clock shared with the prober and the replica (default: ms since the engine was created). */
    now?: () => number;
    /** Longest a phase may take before it is declared hung (default 120 s). */
    phaseTimeoutMs?: number;
    log?: (line: string) => void;
}

export interface PhaseResult {
    phase: string;
    ok: boolean;
    steps: Step[];
    /** Failures: a provider error, a failed check, a program error. */
    errors: string[];
    outputs?: Record<string, unknown>;
    startedAt: number;
    endedAt: number;
}

const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";
/** JSON with sorted keys: the comparison the diff uses. */
export function stableJson(v: unknown): string {
    return JSON.stringify(v, (_k, x) =>
        x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x,
    );
}

interface DynamicProvider {
    create(inputs: any): Promise<{ id: string; outs?: any }>;
    diff?(id: string, olds: any, news: any): Promise<{ changes?: boolean }>;
    update?(id: string, olds: any, news: any): Promise<{ outs?: any }>;
    delete?(id: string, props: any): Promise<void>;
}

function loadDynamicProvider(serialized: unknown): DynamicProvider {
    if (typeof serialized !== "string" || serialized === "") throw new Error("dynamic resource without a serialized __provider");
    return requireFromString(serialized).handler() as DynamicProvider;
}

/**
 * The engine's dynamic-provider host sends a provider's outputs as a protobuf Struct: a value it
 * cannot encode (`undefined` anywhere) fails the step there with "Unexpected struct type.". The
 * mock engine refuses the same outputs the same way.
 */
function wireChecked(outs: Record<string, any>): Record<string, any> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const structproto = require("google-protobuf/google/protobuf/struct_pb");
    structproto.Struct.fromJavaScript(outs);
    return outs;
}

function message(err: unknown): string {
    const m = (err as Error)?.message;
    // The SDK sometimes rejects with an error whose text is only in `details` (gRPC-shaped).
    return m || (err as { details?: string })?.details || String(err);
}

export class MockEngine {
    /** The state carried from phase to phase, like a stack's checkpoint. */
    readonly state = new Map<string, ResourceState>();
    readonly phases: PhaseResult[] = [];
    private readonly t0 = Date.now();
    private readonly opts: EngineOptions;

    constructor(opts: EngineOptions = {}) {
        this.opts = opts;
    }

    /** ms since the engine started: the time axis shared with the prober. */
    now(): number {
        return this.opts.now ? this.opts.now() : Date.now() - this.t0;
    }

    /**
     * One `pulumi up`: sets the config, runs `program` under mocks, waits for every registration,
     * then deletes what the program no longer declares. Never throws: failures are in the result.
     */
    async up(phase: string, config: Record<string, string>, program: () => Promise<unknown>, secretKeys: string[] = []): Promise<PhaseResult> {
        const steps: Step[] = [];
        const errors: string[] = [];
        const seen = new Set<string>();
        const startedAt = this.now();
        const log = this.opts.log ?? (() => undefined);
        let inFlight = 0;

        // A failed resource rejects its outputs and those of everything that depends on it; the
        // engine reports them as the update's failure, it does not crash.
        const onRejection = (reason: unknown) => {
            const m = message(reason);
            // Dependents of a failed resource fail with its error inside theirs: reported once.
            const own = steps.filter((s) => s.error).map((s) => s.error!);
            if (!own.some((e) => m.includes(e)) && !errors.some((e) => m.includes(e) || e.includes(m))) errors.push(m);
        };
        process.on("unhandledRejection", onRejection);

        await pulumi.runtime.setMocks(
            {
                newResource: async (args: pulumi.runtime.MockResourceArgs) => {
                    inFlight++;
                    try {
                        return await this.step(args, steps, seen, errors, log);
                    } finally {
                        inFlight--;
                    }
                },
                call: async (args: pulumi.runtime.MockCallArgs) => {
                    try {
                        const handler = this.opts.invokes?.[args.token];
                        if (!handler) throw new Error(`unexpected invoke ${args.token}: the rehearsal does not know this data source`);
                        return await handler(unwrapSecrets(args.inputs));
                    } catch (err) {
                        // The SDK rebuilds an invoke's error from gRPC `details` only.
                        throw Object.assign(new Error(message(err)), { details: message(err) });
                    }
                },
            },
            this.opts.project ?? "golive",
            this.opts.stack ?? "rehearsal",
            false,
        );
        pulumi.runtime.setAllConfig(config, secretKeys);

        let outputs: Record<string, unknown> | undefined;
        const deadline = this.opts.phaseTimeoutMs ?? 120_000;
        let timer: NodeJS.Timeout | undefined;
        try {
            await Promise.race([
                (async () => {
                    const returned = await program();
                    // The language host waits for every outstanding registration before it ends;
                    // after a failed step the engine stops the update once nothing is in flight
                    // (what depends on the failure is never registered).
                    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
                    let stopped = false;
                    const stopAfterFailure = (async () => {
                        while (!stopped && !(errors.length > 0 && inFlight === 0)) await sleep(50);
                    })();
                    await Promise.race([settings.waitForRPCs(), stopAfterFailure]).finally(() => (stopped = true));
                    if (errors.length === 0 && returned && typeof returned === "object") outputs = await resolveDeep(returned);
                })(),
                new Promise<never>((_, reject) => {
                    timer = setTimeout(() => reject(new Error(`phase ${phase} still running after ${deadline} ms (${inFlight} step(s) in flight)`)), deadline);
                }),
            ]);
        } catch (err) {
            onRejection(err);
        } finally {
            if (timer) clearTimeout(timer);
        }
        // Let rejections of dependents of a failed resource surface before the listener goes.
        await new Promise((r) => setTimeout(r, 20));
        process.off("unhandledRejection", onRejection);

        // An update that failed leaves what it did not reach as it was; a successful one deletes
        // what the program no longer declares (after creates and updates, as the engine does).
        if (errors.length === 0) {
            for (const [key, old] of [...this.state.entries()].reverse()) {
                if (seen.has(key)) continue;
                const step: Step = { key, type: old.type, name: old.name, op: "delete", startedAt: this.now(), endedAt: 0, ok: true };
                try {
                    await this.deleteResource(old);
                    this.state.delete(key);
                } catch (err) {
                    step.ok = false;
                    step.error = message(err);
                    errors.push(`delete ${key}: ${step.error}`);
                }
                step.endedAt = this.now();
                steps.push(step);
                log(`  - delete  ${old.type} ${old.name}${step.ok ? "" : `: ${step.error}`}`);
            }
        }
        const result: PhaseResult = { phase, ok: errors.length === 0, steps, errors, outputs, startedAt, endedAt: this.now() };
        this.phases.push(result);
        return result;
    }

    private async step(args: pulumi.runtime.MockResourceArgs, steps: Step[], seen: Set<string>, errors: string[], log: (l: string) => void): Promise<pulumi.runtime.MockResourceResult> {
        const key = `${args.type}::${args.name}`;
        seen.add(key);
        const old = this.state.get(key);
        const inputs = args.inputs as Record<string, any>;
        const plain = unwrapSecrets(inputs);
        const importId = args.id || undefined; // the mock monitor passes "" when there is none
        // Components have no provider: their registration is bookkeeping, not a step.
        if (args.custom === false) {
            seen.delete(key);
            return { id: undefined, state: inputs };
        }
        const step: Step = { key, type: args.type, name: args.name, op: "create", startedAt: this.now(), endedAt: 0, ok: true };
        steps.push(step);
        try {
            let id: string;
            let outputs: Record<string, any>;
            if (args.type.startsWith(DYNAMIC_PREFIX)) {
                ({ id, outputs } = await this.dynamicStep(step, plain, old));
            } else if (old && old.id && !importId && stableJson(old.inputs) === stableJson(inputs)) {
                step.op = "same";
                ({ id, outputs } = old);
            } else {
                step.op = importId && !old ? "import" : old ? "update" : "create";
                const handler = this.opts.resources?.[args.type];
                const done = handler ? await handler({ op: step.op, type: args.type, name: args.name, inputs: plain, id: importId ?? old?.id, olds: old }) : undefined;
                id = done?.id ?? old?.id ?? importId ?? `${args.name}-${Math.random().toString(16).slice(2, 10)}`;
                outputs = { ...inputs, ...(done?.outputs ?? {}) };
            }
            this.state.set(key, { key, type: args.type, name: args.name, id, inputs, outputs });
            if (outputs.result !== undefined) step.result = outputs.result;
            log(`  ${step.op === "same" ? "=" : step.op === "update" ? "~" : "+"} ${step.op.padEnd(6)}  ${args.type} ${args.name}`);
            return { id, state: outputs };
        } catch (err) {
            step.ok = false;
            step.error = message(err);
            errors.push(`${args.type} ${args.name}: ${step.error}`);
            log(`  ! ${step.op} failed  ${args.type} ${args.name}: ${step.error.split("\n")[0]}`);
            throw err;
        } finally {
            step.endedAt = this.now();
        }
    }

    /** The dynamic provider, deserialized and run as the engine runs it: create, or diff then update. */
    private async dynamicStep(step: Step, inputs: Record<string, any>, old: ResourceState | undefined): Promise<{ id: string; outputs: Record<string, any> }> {
        const provider = loadDynamicProvider(inputs.__provider);
        if (!old) {
            step.op = "create";
            const created = await provider.create(inputs);
            return { id: created.id, outputs: wireChecked({ ...(created.outs ?? {}), __provider: inputs.__provider }) };
        }
        const olds = unwrapSecrets(old.outputs);
        const diff = provider.diff ? await provider.diff(old.id, olds, inputs) : { changes: stableJson(old.inputs) !== stableJson(inputs) };
        if (!diff.changes) {
            step.op = "same";
            return { id: old.id, outputs: old.outputs };
        }
        step.op = "update";
        if (!provider.update) throw new Error("dynamic provider has changes but no update");
        const updated = await provider.update(old.id, olds, inputs);
        return { id: old.id, outputs: wireChecked({ ...(updated.outs ?? {}), __provider: inputs.__provider }) };
    }

    private async deleteResource(old: ResourceState): Promise<void> {
        if (old.type.startsWith(DYNAMIC_PREFIX)) {
            const provider = loadDynamicProvider(old.outputs.__provider ?? old.inputs.__provider);
            if (provider.delete) await provider.delete(old.id, unwrapSecrets(old.outputs));
            return;
        }
        const handler = this.opts.resources?.[old.type];
        if (handler && old.id) await handler({ op: "delete", type: old.type, name: old.name, inputs: unwrapSecrets(old.inputs), id: old.id, olds: old });
    }
}

/** Resolves Outputs and promises nested in plain objects (the stack outputs). */
export async function resolveDeep(v: unknown): Promise<any> {
    if (pulumi.Output.isInstance(v)) {
        // promise() rejects when the resource behind the output failed (apply would never run).
        return resolveDeep(await (v as unknown as { promise(): Promise<unknown> }).promise());
    }
    if (v && typeof (v as Promise<unknown>).then === "function") return resolveDeep(await v);
    if (Array.isArray(v)) return Promise.all(v.map(resolveDeep));
    if (v && typeof v === "object" && !(v instanceof pulumi.Resource)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = await resolveDeep(x);
        return out;
    }
    return v;
}

/** Steps of a phase counted by operation, for the narrative. */
export function countSteps(steps: Step[]): Record<StepOp, number> {
    const counts: Record<StepOp, number> = { create: 0, import: 0, update: 0, replace: 0, same: 0, delete: 0 };
    for (const s of steps) counts[s.op]++;
    return counts;
}
