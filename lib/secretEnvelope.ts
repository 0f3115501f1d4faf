// How the Pulumi SDK marks a secret value on the wire (and in the mocks' inputs): an object
// { <sig key>: <secret sig>, value }. The engine hands dynamic providers plain values (they do not
// accept secrets), so the mock engine and the tests unwrap them the same way.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

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
