// The thin layer that turns a pure check into a Pulumi dynamic resource.
//
// The provider object built here is serialized by Pulumi (closure serialization) into the
// resource's `__provider` input and run later by `@pulumi/pulumi/cmd/dynamic-provider` in
// another process. So: all work happens inside the methods, the check function is captured by
// value, and nothing unserializable (clients, sockets, timers) may be reachable from it.
import type * as pulumi from "@pulumi/pulumi";
import { describeError } from "./net";
import { pinnedCheck } from "./pins";
import type { CheckFn, CheckResult, NetOptions, PlanId } from "./types";
import { evidenceJson } from "./inlineImage";

/** The error a failed check throws, so `pulumi up` stops with its plan ID, reason and evidence. */
export function failureMessage(result: CheckResult): string {
    const evidence = evidenceJson(result.evidence);
    return `${result.id} ${result.name} failed: ${result.reason}\nevidence: ${evidence.length > 4000 ? evidence.slice(0, 4000) + "…" : evidence}`;
}

/** A failed check's error, as the engine reports it, back into its result (undefined if it is not one). */
export function resultFromFailure(error: string): CheckResult | undefined {
    const m = /(MEP-\d+|P-\d+) (.+?) failed: ([^\n]*)(?:\nevidence: (.*))?/s.exec(error);
    if (!m) return undefined;
    let evidence: Record<string, unknown> = {};
    try {
        evidence = m[4] ? JSON.parse(m[4]) : {};
    } catch {
        evidence = { raw: m[4] };
    }
    return { id: m[1] as PlanId, name: m[2], status: "fail", reason: m[3], evidence, durationMs: 0 };
}

/** Inputs every check resource accepts besides its own. */
export interface CheckTriggerArgs {
    /**
     * What the check is about: deployment id, record contents... A change re-runs the check;
     * a no-op `pulumi up` does not.
     */
    triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Bump to re-run the check on demand (config `checks.nonce`). */
    nonce?: pulumi.Input<string>;
    /**
     * Whether a failed result fails the step (default true). False records the failure without
     * stopping the update: the pre-switch checks at prepare tell the operator, hours before H,
     * what the cutover would find; at cutover they are enforced and the DNS records wait for them.
     */
    enforce?: pulumi.Input<boolean>;
    /** Stamped on the result: "pre-switch" for the checks run against the new host before DNS moves. */
    stage?: pulumi.Input<"pre-switch">;
}

/** What the provider layer knows of a check, for its messages and its diff. */
export interface CheckSpec {
    /** Plan ID and name, e.g. "MEP-13 Performance": named in every error of the layer. */
    label: string;
    /** Fields of `input` the check cannot run without, and what they hold. */
    required?: Record<string, "text" | "list" | "object">;
    /**
     * What the check assumes for a field of `input` that is absent. State written by an older
     * version of the program may lack a field the new one always sets: compared as this default,
     * it is no change, so an upgrade does not re-run the check unless a value that matters differs.
     */
    defaults?: Record<string, unknown>;
    /**
     * A check that sends mail or takes minutes (MEP-12, MEP-13): when only the enforcement changed
     * (prepare → cutover), the result recorded for the same inputs stands instead of running again.
     */
    runOncePerInput?: boolean;
    /**
     * Whether the check must run again, from the old and new inputs without the enforcement
     * (default: inputsDiffer). MEP-12 runs once per deployment whatever else changed.
     */
    runsAgain?: (olds: Record<string, any>, news: Record<string, any>) => boolean;
}

/** Inputs that say how a result is used, not what is checked. */
const USE_KEYS = ["enforce", "stage"];

/** JSON with object keys sorted: the engine's state does not keep the order the program wrote. */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_k, v) =>
        v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((key) => [key, (v as Record<string, unknown>)[key]])) : v,
    );
}

/** The check's input as it runs: absent fields (and undefined ones) take the declared defaults. */
function withDefaults(input: unknown, defaults: Record<string, unknown> | undefined): unknown {
    if (!defaults || !input || typeof input !== "object" || Array.isArray(input)) return input;
    const out: Record<string, unknown> = { ...defaults };
    for (const [key, v] of Object.entries(input as Record<string, unknown>)) if (v !== undefined && v !== null) out[key] = v;
    return out;
}

const isPlainObject = (x: unknown): boolean => !!x && typeof x === "object" && !Array.isArray(x);

/**
 * Whether `olds` (the state) and `news` (this run) differ in something that matters: the input
 * (absent fields read as their defaults), the net settings, the nonce, and the triggers both sides
 * name (an old state without a trigger cannot say it changed).
 */
export function inputsDiffer(olds: Record<string, any> | undefined, news: Record<string, any> | undefined, defaults?: Record<string, unknown>): boolean {
    const o = olds ?? {};
    const n = news ?? {};
    const keys = new Set([...Object.keys(o), ...Object.keys(n)].filter((k) => k !== "__provider" && k !== "result"));
    for (const key of keys) {
        if (key === "triggers") {
            // The engine sends what is not known yet (a record being replaced, a preview) as an
            // unknown value, not an object: the check may have to run again.
            if (!isPlainObject(n.triggers ?? {}) || !isPlainObject(o.triggers ?? {})) return canonicalJson(o.triggers ?? null) !== canonicalJson(n.triggers ?? null);
            const ot = (o.triggers ?? {}) as Record<string, unknown>;
            const nt = (n.triggers ?? {}) as Record<string, unknown>;
            if (Object.keys(ot).some((t) => t in nt && canonicalJson(ot[t]) !== canonicalJson(nt[t]))) return true;
            continue;
        }
        const [a, b] = key === "input" ? [withDefaults(o.input, defaults), withDefaults(n.input, defaults)] : key === "net" ? [o.net ?? {}, n.net ?? {}] : [o[key], n[key]];
        if (canonicalJson(a ?? null) !== canonicalJson(b ?? null)) return true;
    }
    return false;
}

/** Why `input` cannot be run by the check, or undefined. */
function inputProblem(input: unknown, required: CheckSpec["required"]): string | undefined {
    if (!input || typeof input !== "object" || Array.isArray(input)) return "its input is missing";
    for (const [field, kind] of Object.entries(required ?? {})) {
        const v = (input as Record<string, unknown>)[field];
        const ok = kind === "text" ? typeof v === "string" && v !== "" : kind === "list" ? Array.isArray(v) : !!v && typeof v === "object" && !Array.isArray(v);
        if (!ok) return `its input has no ${field} (${kind === "text" ? "text" : kind === "list" ? "a list" : "an object"}), got ${v === undefined ? "nothing" : JSON.stringify(v)?.slice(0, 80)}`;
    }
    return undefined;
}

/**
 * A dynamic provider whose create and update run `checkFn(inputs)`. A "fail" throws, so `pulumi up`
 * stops with the check's plan ID and reason; "pass" and "skip" are kept as the `result` output.
 * Whatever the check throws reaches the engine as an Error naming the check (the engine reads
 * `.message` only: a string or a plain object thrown would arrive empty).
 */
// Captured names must not shadow a global of the test runner: Pulumi treats any name found on
// `global` as a built-in and does not capture it (mocha defines `run`, `it`, `describe`...).
export function checkProvider<I>(checkFn: (inputs: I) => Promise<CheckResult>, spec: CheckSpec = { label: "check" }): pulumi.dynamic.ResourceProvider {
    const runsAgain = spec.runsAgain ?? ((o: Record<string, any>, n: Record<string, any>) => inputsDiffer(o, n, spec.defaults));
    const withoutUse = (o: any): Record<string, any> => Object.fromEntries(Object.entries(o ?? {}).filter(([k]) => !USE_KEYS.includes(k)));
    const cleaned = (inputs: Record<string, unknown> | undefined) => {
        const clean: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(inputs ?? {})) {
            if (k !== "__provider" && k !== "result") clean[k] = v; // engine- and layer-owned keys
        }
        return clean;
    };
    // A failure fails the step unless the result is only recorded (enforce false, prepare).
    const judged = (clean: Record<string, unknown>, result: CheckResult) => {
        // The moment it failed, to the millisecond (the engine's events carry whole seconds only),
        // first, so that evidence cut short for the message keeps it.
        if (result.status === "fail" && clean.enforce !== false) throw new Error(failureMessage({ ...result, evidence: { failedAt: new Date().toISOString(), ...result.evidence } }));
        // The engine's dynamic-provider host sends outputs as a protobuf Struct, which refuses
        // `undefined` anywhere ("Unexpected struct type."): the result goes as JSON values only.
        return { ...clean, result: JSON.parse(JSON.stringify(result)) as CheckResult };
    };
    const execute = async (inputs: I & Record<string, unknown>) => {
        const clean = cleaned(inputs);
        if (spec.required) {
            const problem = inputProblem(clean.input, spec.required);
            if (problem) throw new Error(`${spec.label} cannot run: ${problem} (the resource's inputs are incomplete)`);
        }
        const checkInputs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(clean)) if (!USE_KEYS.includes(k)) checkInputs[k] = v;
        let result: CheckResult;
        try {
            result = await checkFn(checkInputs as I);
        } catch (err) {
            throw new Error(`${spec.label} could not run: ${describeError(err)}`);
        }
        if (!result || typeof result !== "object" || typeof result.status !== "string") {
            throw new Error(`${spec.label} gave no result (got ${describeError(result)})`);
        }
        if (clean.stage === "pre-switch") result = { ...result, stage: "pre-switch" };
        return judged(clean, result);
    };
    return {
        async create(inputs: any) {
            const outs = await execute(inputs);
            return { id: `${outs.result.id}-${Date.now().toString(36)}`, outs };
        },
        async diff(_id: string, olds: any, news: any) {
            const useChanged = USE_KEYS.some((k) => canonicalJson(olds?.[k] ?? null) !== canonicalJson(news?.[k] ?? null));
            return { changes: useChanged || runsAgain(withoutUse(olds), withoutUse(news)) };
        },
        // Without update the engine would keep the old outputs: the check must run again, unless it
        // is one that runs once per input and only the enforcement changed.
        async update(_id: string, olds: any, news: any) {
            const kept = olds?.result as CheckResult | undefined;
            if (spec.runOncePerInput && kept && typeof kept.status === "string" && !runsAgain(withoutUse(olds), withoutUse(news))) {
                return { outs: judged(cleaned(news), kept) };
            }
            return { outs: await execute(news) };
        },
    };
}

/** What a check resource is: a pulumi.dynamic.Resource with the check's `result` output. */
type CheckResourceClass = new (
    provider: pulumi.dynamic.ResourceProvider,
    type: string,
    name: string,
    inputs: Record<string, pulumi.Input<unknown>> | CheckArgs<unknown>,
    opts?: pulumi.CustomResourceOptions,
    secretKeys?: string[],
) => pulumi.dynamic.Resource & { readonly result: pulumi.Output<CheckResult> };

/**
 * Base class of the check resources: declares the `result` output and the secret inputs. It becomes
 * a subclass of pulumi.dynamic.Resource when the first check resource is declared, so a module that
 * only runs checks (`golive verify`, the rehearsal's checks) does not load the SDK (~0.6 s).
 */
class LazyCheckResource {
    constructor(
        provider: pulumi.dynamic.ResourceProvider,
        type: string,
        name: string,
        inputs: Record<string, pulumi.Input<unknown>> | CheckArgs<unknown>,
        opts?: pulumi.CustomResourceOptions,
        secretKeys: string[] = [],
    ) {
        const { dynamic } = require("@pulumi/pulumi") as typeof pulumi;
        if (Object.getPrototypeOf(LazyCheckResource.prototype) !== dynamic.Resource.prototype) {
            Object.setPrototypeOf(LazyCheckResource.prototype, dynamic.Resource.prototype);
            Object.setPrototypeOf(LazyCheckResource, dynamic.Resource);
        }
        // The SDK's constructor builds the object of the actual check class (new.target), as `super` would.
        return Reflect.construct(
            dynamic.Resource,
            [
                provider,
                name,
                { ...(inputs as Record<string, unknown>), result: undefined },
                { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secretKeys] },
                "golive",
                type,
            ],
            new.target,
        );
    }
}

export const CheckResource = LazyCheckResource as unknown as CheckResourceClass;

/** Arguments of every check resource: the check's own input, how to reach the site, and triggers. */
export interface CheckArgs<I> extends CheckTriggerArgs {
    input: pulumi.Input<I>;
    net?: pulumi.Input<NetOptions>;
}

/**
 * The provider for a check function of the usual `(input, net)` shape. The result shows the pins
 * that applied and the certificates not verified (pinnedCheck): a check resource given
 * `net.pins` looks at the pinned host and says so.
 */
export function providerFor<I>(checkFn: CheckFn<I>, spec: CheckSpec): pulumi.dynamic.ResourceProvider {
    // One provider object per check and label: the SDK serializes a provider once per object
    // (dynamic/index.js providerCache), and a cutover declares most checks twice (before and after
    // the switch); each serialization parses the closure with TypeScript (~0.1 s of CPU).
    const byLabel = providers.get(checkFn) ?? new Map<string, pulumi.dynamic.ResourceProvider>();
    providers.set(checkFn, byLabel);
    let provider = byLabel.get(spec.label);
    if (!provider) {
        const pinned = pinnedCheck(checkFn);
        provider = checkProvider((inputs: { input: I; net?: NetOptions }) => pinned(inputs.input, inputs.net ?? {}), spec);
        byLabel.set(spec.label, provider);
    }
    return provider;
}
const providers = new WeakMap<CheckFn<never>, Map<string, pulumi.dynamic.ResourceProvider>>();
