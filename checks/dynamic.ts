// The thin layer that turns a pure check into a Pulumi dynamic resource.
//
// The provider object built here is serialized by Pulumi (closure serialization) into the
// resource's `__provider` input and run later by `@pulumi/pulumi/cmd/dynamic-provider` in
// another process. So: all work happens inside the methods, the check function is captured by
// value, and nothing unserializable (clients, sockets, timers) may be reachable from it.
import * as pulumi from "@pulumi/pulumi";
import type { CheckFn, CheckResult, NetOptions, PlanId } from "./types";

/** The error a failed check throws, so `pulumi up` stops with its plan ID, reason and evidence. */
export function failureMessage(result: CheckResult): string {
    const evidence = JSON.stringify(result.evidence);
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
}

/**
 * A dynamic provider whose create and update run `checkFn(inputs)`. A "fail" throws, so `pulumi up`
 * stops with the check's plan ID and reason; "pass" and "skip" are kept as the `result` output.
 */
// Captured names must not shadow a global of the test runner: Pulumi treats any name found on
// `global` as a built-in and does not capture it (mocha defines `run`, `it`, `describe`...).
export function checkProvider<I>(checkFn: (inputs: I) => Promise<CheckResult>): pulumi.dynamic.ResourceProvider {
    const execute = async (inputs: I & Record<string, unknown>) => {
        const clean: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(inputs)) {
            if (k !== "__provider" && k !== "result") clean[k] = v; // engine- and layer-owned keys
        }
        const result = await checkFn(clean as I);
        if (result.status === "fail") throw new Error(failureMessage(result));
        // The engine's dynamic-provider host sends outputs as a protobuf Struct, which refuses
        // `undefined` anywhere ("Unexpected struct type."): the result goes as JSON values only.
        return { ...clean, result: JSON.parse(JSON.stringify(result)) as CheckResult };
    };
    return {
        async create(inputs: any) {
            const outs = await execute(inputs);
            return { id: `${outs.result.id}-${Date.now().toString(36)}`, outs };
        },
        async diff(_id: string, olds: any, news: any) {
            const keys = new Set([...Object.keys(olds ?? {}), ...Object.keys(news ?? {})]);
            const changed = [...keys].filter(
                (k) => !["__provider", "result"].includes(k) && JSON.stringify(olds?.[k]) !== JSON.stringify(news?.[k]),
            );
            return { changes: changed.length > 0 };
        },
        // Without update the engine would keep the old outputs: the check must run again.
        async update(_id: string, _olds: any, news: any) {
            return { outs: await execute(news) };
        },
    };
}

/** Base class of the check resources: declares the `result` output and the secret inputs. */
export class CheckResource extends pulumi.dynamic.Resource {
    // `declare`: a class field would reset the output the base constructor created (ES2022 class fields).
    declare public readonly result: pulumi.Output<CheckResult>;

    constructor(
        provider: pulumi.dynamic.ResourceProvider,
        type: string,
        name: string,
        inputs: Record<string, pulumi.Input<unknown>> | CheckArgs<unknown>,
        opts?: pulumi.CustomResourceOptions,
        secretKeys: string[] = [],
    ) {
        super(
            provider,
            name,
            { ...(inputs as Record<string, unknown>), result: undefined },
            {
                ...opts,
                additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secretKeys],
            },
            "golive",
            type,
        );
    }
}

/** Arguments of every check resource: the check's own input, how to reach the site, and triggers. */
export interface CheckArgs<I> extends CheckTriggerArgs {
    input: pulumi.Input<I>;
    net?: pulumi.Input<NetOptions>;
}

/** The provider for a check function of the usual `(input, net)` shape. */
export function providerFor<I>(checkFn: CheckFn<I>): pulumi.dynamic.ResourceProvider {
    return checkProvider((inputs: { input: I; net?: NetOptions }) => checkFn(inputs.input, inputs.net ?? {}));
}
