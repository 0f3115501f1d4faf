// A small stand-in for the Pulumi engine, built on the SDK's mock runtime: each `up(phase)` runs the
// real program once, and every registration is turned into the step the engine would take against
// the state left by the previous phase (create, import, update, replace, same, and delete for what
// the program no longer declares). Providers are replaced by handlers that act on the local
// replica, except dynamic resources: their serialized `__provider` is loaded and run for real, as
// `@pulumi/pulumi/cmd/dynamic-provider` does. Each registration waits for its inputs (the SDK only
// sends it once its dependencies are registered), so steps run in the order the engine would.
//
// What the real engine (v3.248) does and this one copies (../shared/reference/real-engine.md):
// - `import` reads the live resource, then *updates* it when the declared inputs differ (a
//   replacing difference is an error); an import id on a resource the state already has under
//   another id is an import-replacement;
// - a change of a key the provider's schema marks ForceNew (`replaceKeys`) replaces the resource:
//   create-before-delete, or delete-before-replace when the new registration asks for it;
// - a delete (dropped resource, replaced resource) is skipped when the *old* state was
//   retainOnDelete;
// - `preview` runs the program with the SDK in dry-run mode: invokes and import reads run, no
//   resource is changed.
import * as pulumi from "@pulumi/pulumi";
import { sleep } from "../checks/net";
import { unwrapSecrets } from "../shared/secretEnvelope";
import type { InvokeHandler, ProviderRequest, ResourceHandler, ResourceState } from "../replica/providerApi";
export type { InvokeHandler, ProviderRequest, ResourceHandler, ResourceState };

import requireFromString = require("require-from-string");

export type StepOp = "create" | "import" | "update" | "replace" | "same" | "delete";


/** Resource options of a registration that the mock runtime does not pass to `newResource`. */
interface RegistrationOptions {
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
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
    /** The provider ids before and after (imports, replaces, deletes). */
    ids?: { before?: string; after?: string };
    /** delete: skipped because the old state was retainOnDelete; replace: deleted first. */
    note?: "retained" | "delete-before-replace" | "replaced" | "import-replacement";
    /** preview: planned, not applied. */
    planned?: boolean;
}


export interface EngineOptions {
    project?: string;
    stack?: string;
    /** Provider handlers by type token; a type without one keeps its inputs as outputs. */
    resources?: Record<string, ResourceHandler>;
    /** Invoke handlers by token; any other invoke throws (a new data source cannot slip by). */
    invokes?: Record<string, InvokeHandler>;
    /** Per type, the input keys whose change replaces the resource (the provider schema's ForceNew). */
    replaceKeys?: Record<string, string[]>;
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
    /** Replaced resources an update that failed did not get to delete: the next one does. */
    private readonly pendingDeletes: ResourceState[] = [];
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
     * then deletes what the program no longer declares and what was replaced. Never throws:
     * failures are in the result.
     */
    up(phase: string, config: Record<string, string>, program: () => Promise<unknown>, secretKeys: string[] = []): Promise<PhaseResult> {
        return this.run(phase, config, program, secretKeys, false);
    }

    /**
     * `pulumi preview`: the program runs in dry-run mode, invokes and import reads run, and the
     * steps are planned (`planned: true`) without any provider change; the state is untouched.
     */
    preview(phase: string, config: Record<string, string>, program: () => Promise<unknown>, secretKeys: string[] = []): Promise<PhaseResult> {
        return this.run(phase, config, program, secretKeys, true);
    }

    private async run(phase: string, config: Record<string, string>, program: () => Promise<unknown>, secretKeys: string[], dryRun: boolean): Promise<PhaseResult> {
        const steps: Step[] = [];
        const errors: string[] = [];
        const seen = new Set<string>();
        /** Replaced resources, deleted once every create and update is done (create-before-delete). */
        const replaced: ResourceState[] = [];
        const options = new Map<string, RegistrationOptions>();
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
                        const key = `${args.type}::${args.name}`;
                        return await this.step(args, options.get(key), { steps, seen, errors, replaced, log, dryRun });
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
            dryRun,
        );
        // The mock monitor passes no resource options to newResource: read them off the request.
        const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void>; getMonitor(): { registerResource: (req: any, cb: any) => void } };
        const monitor = settings.getMonitor();
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req: any, cb: any) => {
            options.set(`${req.getType()}::${req.getName()}`, { retainOnDelete: req.getRetainondelete?.() === true, deleteBeforeReplace: req.getDeletebeforereplace?.() === true });
            return register(req, cb);
        };
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

        // After creates and updates, as the engine does: the resources replaced create-before-delete
        // (and those a failed update left pending), then what the program no longer declares. A
        // failed update leaves what it did not reach as it was.
        const ok = errors.length === 0;
        if (!ok && !dryRun) this.pendingDeletes.push(...replaced);
        const condemned = ok ? [...(dryRun ? [...this.pendingDeletes] : this.pendingDeletes.splice(0)), ...replaced] : [];
        const dropped = ok ? [...this.state.entries()].reverse().filter(([key]) => !seen.has(key)).map(([, old]) => old) : [];
        const deletes = [...condemned.map((old) => ({ old, note: "replaced" as const })), ...dropped.map((old) => ({ old, note: undefined }))];
        for (const { old, note } of deletes) {
            const step: Step = { key: old.key, type: old.type, name: old.name, op: "delete", startedAt: this.now(), endedAt: 0, ok: true, ids: { before: old.id }, ...(note ? { note } : {}) };
            if (old.retainOnDelete) step.note = "retained";
            if (dryRun) step.planned = true;
            try {
                if (!dryRun) await this.deleteResource(old);
                if (!dryRun && !note) this.state.delete(old.key);
            } catch (err) {
                step.ok = false;
                step.error = message(err);
                errors.push(`delete ${old.key}: ${step.error}`);
            }
            step.endedAt = this.now();
            steps.push(step);
            log(`  - delete  ${old.type} ${old.name}${old.retainOnDelete ? " (retainOnDelete: left in place)" : ""}${step.ok ? "" : `: ${step.error}`}`);
        }
        const result: PhaseResult = { phase, ok: errors.length === 0, steps, errors, outputs, startedAt, endedAt: this.now() };
        if (!dryRun) this.phases.push(result);
        return result;
    }

    private async step(
        args: pulumi.runtime.MockResourceArgs,
        options: RegistrationOptions | undefined,
        run: { steps: Step[]; seen: Set<string>; errors: string[]; replaced: ResourceState[]; log: (l: string) => void; dryRun: boolean },
    ): Promise<pulumi.runtime.MockResourceResult> {
        const { steps, seen, errors, log, dryRun } = run;
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
        const opts: RegistrationOptions = options ?? { retainOnDelete: false, deleteBeforeReplace: false };
        const step: Step = { key, type: args.type, name: args.name, op: "create", startedAt: this.now(), endedAt: 0, ok: true, ...(dryRun ? { planned: true } : {}) };
        steps.push(step);
        try {
            let id: string;
            let outputs: Record<string, any>;
            let recorded = inputs;
            if (args.type.startsWith(DYNAMIC_PREFIX)) {
                ({ id, outputs } = await this.dynamicStep(step, plain, old, dryRun));
            } else if (importId && (!old || (old.importId ?? old.id) !== importId)) {
                ({ id, outputs, inputs: recorded } = await this.importStep(step, args, plain, inputs, importId, old, run));
            } else if (old && old.id && stableJson(old.inputs) === stableJson(inputs)) {
                step.op = "same";
                ({ id, outputs } = old);
            } else {
                const handler = this.opts.resources?.[args.type];
                const replaceKeys = this.opts.replaceKeys?.[args.type] ?? [];
                const replacing = !!old && replaceKeys.some((k) => stableJson(old.inputs[k]) !== stableJson(inputs[k]));
                if (replacing) {
                    step.op = "replace";
                    step.ids = { before: old!.id };
                    if (opts.deleteBeforeReplace) {
                        // Delete first (skipped if the old state was retainOnDelete), then create.
                        step.note = "delete-before-replace";
                        const del: Step = { key, type: args.type, name: args.name, op: "delete", startedAt: this.now(), endedAt: 0, ok: true, ids: { before: old!.id }, note: old!.retainOnDelete ? "retained" : "replaced", ...(dryRun ? { planned: true } : {}) };
                        steps.splice(steps.indexOf(step), 0, del);
                        if (!dryRun) await this.deleteResource(old!);
                        del.endedAt = this.now();
                        log(`  - delete  ${args.type} ${args.name} (replaced, delete first)${old!.retainOnDelete ? " (retainOnDelete: left in place)" : ""}`);
                    } else {
                        // Create the new one now; the old one is deleted after every create and update.
                        run.replaced.push(old!);
                    }
                    const done = handler && !dryRun ? await handler({ op: "create", type: args.type, name: args.name, inputs: plain }) : undefined;
                    id = done?.id ?? `${args.name}-${Math.random().toString(16).slice(2, 10)}`;
                    step.ids.after = id;
                    outputs = { ...inputs, ...(done?.outputs ?? {}) };
                } else {
                    step.op = old ? "update" : "create";
                    const done = handler && !dryRun ? await handler({ op: step.op, type: args.type, name: args.name, inputs: plain, ...(old ? { id: old.id, olds: old } : {}) }) : undefined;
                    id = done?.id ?? old?.id ?? `${args.name}-${Math.random().toString(16).slice(2, 10)}`;
                    outputs = { ...(dryRun && old ? old.outputs : {}), ...inputs, ...(done?.outputs ?? {}) };
                }
            }
            if (!dryRun) {
                this.state.set(key, { key, type: args.type, name: args.name, id, inputs: recorded, outputs, retainOnDelete: opts.retainOnDelete, ...(importId ? { importId } : {}) });
            }
            if (outputs.result !== undefined) step.result = outputs.result;
            log(`  ${step.op === "same" ? "=" : step.op === "update" ? "~" : step.op === "replace" ? "+-" : "+"} ${step.op.padEnd(6)}  ${args.type} ${args.name}${dryRun ? " (preview)" : ""}`);
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

    /**
     * `import`: the provider reads the live resource; then, as the engine has done since 3.174, a
     * declared input that differs without forcing a replace is an *update* of the live resource in
     * the same deployment, and one that would replace it is an error. A resource the state already
     * has under another id is an import-replacement: the old state is deleted at the end (a no-op
     * when it was retainOnDelete).
     */
    private async importStep(
        step: Step,
        args: pulumi.runtime.MockResourceArgs,
        plain: Record<string, any>,
        inputs: Record<string, any>,
        importId: string,
        old: ResourceState | undefined,
        run: { steps: Step[]; replaced: ResourceState[]; log: (l: string) => void; dryRun: boolean },
    ): Promise<{ id: string; outputs: Record<string, any>; inputs: Record<string, any> }> {
        step.op = "import";
        const handler = this.opts.resources?.[args.type];
        const read = handler ? await handler({ op: "read", type: args.type, name: args.name, inputs: plain, id: importId }) : { id: importId.split("/").pop(), inputs: plain, outputs: {} };
        if (!read || !read.inputs) throw new Error(`resource '${importId}' does not exist`);
        const id = read.id ?? importId;
        step.ids = { before: id, after: id };
        if (old) {
            step.note = "import-replacement";
            run.replaced.push(old);
        }
        const live = read.inputs;
        const changed = Object.keys(plain).filter((k) => k !== "__provider" && stableJson(plain[k]) !== stableJson(live[k]));
        const replaceKeys = this.opts.replaceKeys?.[args.type] ?? [];
        const forcing = changed.filter((k) => replaceKeys.includes(k));
        if (forcing.length > 0) {
            throw new Error(
                "previously-imported resources that still specify an ID may not be replaced; please remove the `import` declaration from your program; " +
                    forcing.map((k) => `${k}: ${JSON.stringify(live[k])} => ${JSON.stringify(plain[k])}`).join(", "),
            );
        }
        if (changed.length === 0) return { id, outputs: { ...inputs, ...(read.outputs ?? {}) }, inputs };
        // Import, then update what the program declares differently.
        const update: Step = { key: step.key, type: step.type, name: step.name, op: "update", startedAt: this.now(), endedAt: 0, ok: true, ids: { before: id, after: id }, ...(run.dryRun ? { planned: true } : {}) };
        run.steps.push(update);
        run.log(`  ~ update  ${args.type} ${args.name} after import: ${changed.join(", ")} differ from the live resource`);
        const done = handler && !run.dryRun ? await handler({ op: "update", type: args.type, name: args.name, inputs: plain, id, olds: { key: step.key, type: step.type, name: step.name, id, inputs: live, outputs: read.outputs ?? {} } }) : undefined;
        update.endedAt = this.now();
        return { id: done?.id ?? id, outputs: { ...inputs, ...(read.outputs ?? {}), ...(done?.outputs ?? {}) }, inputs };
    }

    /** The dynamic provider, deserialized and run as the engine runs it: create, or diff then update (preview: diff only). */
    private async dynamicStep(step: Step, inputs: Record<string, any>, old: ResourceState | undefined, dryRun: boolean): Promise<{ id: string; outputs: Record<string, any> }> {
        const provider = loadDynamicProvider(inputs.__provider);
        if (!old) {
            step.op = "create";
            if (dryRun) return { id: "", outputs: { ...inputs } };
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
        if (dryRun) return { id: old.id, outputs: old.outputs };
        if (!provider.update) throw new Error("dynamic provider has changes but no update");
        const updated = await provider.update(old.id, olds, inputs);
        return { id: old.id, outputs: wireChecked({ ...(updated.outs ?? {}), __provider: inputs.__provider }) };
    }

    /** The provider's delete, unless the state says retainOnDelete (the engine then skips it). */
    private async deleteResource(old: ResourceState): Promise<void> {
        if (old.retainOnDelete) return;
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
