// Runs dynamic providers the way the engine does: the resource's `__provider` input (the
// serialized provider) is loaded with require-from-string and `.handler()` is called, exactly as
// `@pulumi/pulumi/cmd/dynamic-provider` does. A provider that captured something Pulumi cannot
// serialize fails here, at registration, instead of in a user's `pulumi up`.
import * as pulumi from "@pulumi/pulumi";
import requireFromString = require("require-from-string");
import { unwrapSecrets } from "./secrets";

export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** Turns mocks on and records every resource registration. Call before creating resources. */
export function recordRegistrations(): Registered[] {
    const registered: Registered[] = [];
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`unexpected invoke ${args.token} in a dynamic-provider test`);
            },
        },
        "golive",
        "test",
        false,
    );
    return registered;
}

/**
 * Waits until `resource` is registered and returns its inputs as the engine would receive them.
 * A provider that fails to serialize never registers: that surfaces as an unhandled rejection,
 * or at worst as this bounded wait running out, never as a hang.
 */
export async function registeredInputs(resource: pulumi.CustomResource, registered: Registered[], waitMs = 10_000): Promise<Record<string, any>> {
    let onRejection: ((reason: unknown) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_, reject) => {
        onRejection = (reason) => reject(reason instanceof Error ? reason : new Error(String(reason)));
        process.once("unhandledRejection", onRejection);
        timer = setTimeout(
            () => reject(new Error(`resource not registered within ${waitMs} ms: its dynamic provider probably failed to serialize`)),
            waitMs,
        );
    });
    let urn: string;
    try {
        urn = await Promise.race([new Promise<string>((resolve) => resource.urn.apply(resolve)), failed]);
    } finally {
        clearTimeout(timer);
        process.off("unhandledRejection", onRejection!);
    }
    const name = urn.split("::").pop()!;
    const found = registered.find((r) => r.name === name);
    if (!found) throw new Error(`resource ${name} was not registered`);
    return found.inputs;
}

export interface EngineProvider {
    create(inputs: Record<string, any>): Promise<{ id: string; outs: Record<string, any> }>;
    diff(id: string, olds: Record<string, any>, news: Record<string, any>): Promise<{ changes?: boolean; replaces?: string[] }>;
    update(id: string, olds: Record<string, any>, news: Record<string, any>): Promise<{ outs: Record<string, any> }>;
}

/** Deserializes `inputs.__provider` like cmd/dynamic-provider does. */
export function loadProvider(inputs: Record<string, any>): EngineProvider {
    const serialized = inputs.__provider;
    if (typeof serialized !== "string" || serialized.length === 0) {
        throw new Error("no serialized __provider input");
    }
    return requireFromString(serialized).handler() as EngineProvider;
}

/**
 * Creates the resource under mocks and returns its engine-loaded provider, its inputs as
 * registered (secret envelopes kept, for secrecy assertions) and `plain`: the inputs as
 * cmd/dynamic-provider hands them to the provider (it does not accept secrets, so they arrive
 * unwrapped).
 */
export async function providerOf(make: () => pulumi.CustomResource): Promise<{ provider: EngineProvider; inputs: Record<string, any>; plain: Record<string, any>; serialized: string }> {
    const registrations = recordRegistrations();
    const resource = make();
    const inputs = await registeredInputs(resource, registrations);
    return { provider: loadProvider(inputs), inputs, plain: unwrapSecrets(inputs), serialized: inputs.__provider };
}
