// The value parsers every config reader uses (config/config, config/checksConfig, config/certificateConfig,
// config/servicesConfig, config/releaseConfig): one rule per kind of value, and one error shape that
// names the key and says what is expected, e.g. `golive:ttl must be an integer, got "0x3c"`.
//
// The strict number rule: a number is a JSON number, or text written as plain decimal digits
// (an optional sign; for a decimal, one optional fraction). Number() alone would also take "0x3c",
// "1e2", "0b11", " 5 ", "Infinity" or "": these are refused, whichever key they are set on.
//
// No Pulumi import: `golive verify` and `--help` validate config without loading the SDK.

/**
 * A bad config value. A RunError: the engine shows its message alone (no stack), and the SDK does
 * not util.inspect it (measured on pulumi 3.248: ~30 s of CPU per failed preview otherwise). The SDK
 * recognises one by its `__pulumiRunError` flag (RunError.isInstance), so this needs no SDK loaded.
 */
export class ConfigError extends Error {
    /** What pulumi.RunError.isInstance reads. */
    public readonly __pulumiRunError = true;

    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

/** Throws the ConfigError every config reader reports with. */
export const fail = (message: string): never => {
    throw new ConfigError(message);
};

/** A plain object (structured config), not an array or null. */
export function isObject(x: unknown): x is Record<string, unknown> {
    return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Unset: absent, null (structured config), or empty text. */
export const isUnset = (raw: unknown): raw is undefined | null | "" => raw === undefined || raw === null || raw === "";

const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d+)?|\.\d+)$/;

/** Bounds of a number, and the unit said in the error ("seconds"). */
export interface NumberBounds {
    min?: number;
    max?: number;
    unit?: string;
}

function expected(kind: string, b: NumberBounds): string {
    const range =
        b.min !== undefined && b.max !== undefined
            ? ` between ${b.min} and ${b.max}`
            : b.min !== undefined
              ? ` of at least ${b.min}`
              : b.max !== undefined
                ? ` of at most ${b.max}`
                : "";
    return `${kind}${range}${b.unit ? ` (${b.unit})` : ""}`;
}

function number(key: string, raw: unknown, kind: "an integer" | "a number", pattern: RegExp, b: NumberBounds): number {
    const n = typeof raw === "string" && pattern.test(raw) ? Number(raw) : raw;
    const ok =
        typeof n === "number" &&
        Number.isFinite(n) &&
        (kind === "a number" || Number.isInteger(n)) &&
        (b.min === undefined || n >= b.min) &&
        (b.max === undefined || n <= b.max);
    if (!ok) return fail(`${key} must be ${expected(kind, b)}, got ${JSON.stringify(raw)}`);
    return n as number;
}

/** An integer (`60`, `"60"`, `"-1"`); the fallback when unset. `"0x3c"`, `"1e2"`, `"6.0"`, `" 6"` are refused. */
export function integerValue(key: string, raw: unknown, fallback: number, bounds: NumberBounds = {}): number {
    return isUnset(raw) ? fallback : number(key, raw, "an integer", INTEGER_TEXT, bounds);
}

/** An integer, or undefined when unset. */
export function optionalIntegerValue(key: string, raw: unknown, bounds: NumberBounds = {}): number | undefined {
    return isUnset(raw) ? undefined : number(key, raw, "an integer", INTEGER_TEXT, bounds);
}

/** A decimal number (`0.9`, `".5"`, `"2"`); the fallback when unset. `"1e2"`, `"0x10"`, `"5."`, `" 5"` are refused. */
export function decimalValue(key: string, raw: unknown, fallback: number, bounds: NumberBounds = {}): number {
    return isUnset(raw) ? fallback : number(key, raw, "a number", DECIMAL_TEXT, bounds);
}

/** `true`/`false`, as a boolean or as text; the fallback when unset. */
export function booleanValue(key: string, raw: unknown, fallback: boolean): boolean {
    if (isUnset(raw)) return fallback;
    if (raw === true || raw === "true") return true;
    if (raw === false || raw === "false") return false;
    return fail(`${key} must be true or false, got ${JSON.stringify(raw)}`);
}

/** One of `allowed`; the fallback when unset. */
export function oneOfValue<T extends string>(key: string, raw: unknown, allowed: readonly T[], fallback: T): T {
    if (isUnset(raw)) return fallback;
    if (typeof raw !== "string" || !allowed.includes(raw as T)) return fail(`${key} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
    return raw as T;
}

/** Text, or undefined when unset (a number or an object is refused; the value is not echoed: it may be a secret). */
export function textValue(key: string, raw: unknown): string | undefined {
    if (isUnset(raw)) return undefined;
    if (typeof raw !== "string") return fail(`${key} must be text, got ${typeof raw}`);
    return raw;
}
