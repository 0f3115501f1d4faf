// How the Pulumi engine marks values on the wire (and in the mocks' inputs): a secret is an object
// { <sig key>: <secret sig>, value }; a value a preview cannot know yet is one fixed string. The
// engine hands dynamic providers plain values (they do not accept secrets), so the mock engine,
// the replica provider plugins and the tests read them the same way.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The engine's marker for a value a preview cannot know yet (an output of a resource to create). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isSecretValue(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Deep copy with every secret wrapper replaced by its plain value. */
export function unwrapSecrets<T>(v: T): T {
    if (Array.isArray(v)) return v.map(unwrapSecrets) as unknown as T;
    if (typeof v === "object" && v !== null) {
        if (isSecretValue(v)) return unwrapSecrets((v as unknown as { value: T }).value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)])) as T;
    }
    return v;
}

/** `v` as a secret on the wire (what a provider that accepts secrets returns for a secret output). */
export function secretValue(v: unknown): unknown {
    return isSecretValue(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}
