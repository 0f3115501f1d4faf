// A secret stack output read back stays a secret. The Automation API's `outputs()` (and an `up`'s
// result) hands every value in clear beside a `secret` flag; dropping the flag would let status,
// watch, a report or a record file print it. Printed, logged or serialized, a SecretOutput reads
// "[secret]"; its value is reached only on purpose, through reveal().
import { inspect } from "util";

/** What a secret output reads as wherever it is shown. */
export const SECRET_TEXT = "[secret]";

export class SecretOutput {
    readonly #value: unknown;
    constructor(value: unknown) {
        this.#value = value;
    }
    /** The value itself, for a caller that must use it (none prints it). */
    reveal(): unknown {
        return this.#value;
    }
    toJSON(): string {
        return SECRET_TEXT;
    }
    toString(): string {
        return SECRET_TEXT;
    }
    [inspect.custom](): string {
        return SECRET_TEXT;
    }
}

/** Stack outputs as plain values, each secret one kept as a SecretOutput. */
export function outputValues(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? new SecretOutput(v.value) : v.value]));
}
