// The engine strips secret markers before it calls a dynamic provider (the provider declares
// acceptSecrets: false), while the mocks record them as `{ <sig>: <secret sig>, value }`. These
// helpers check the marker is there and give the provider what the engine would.
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export function isSecretValue(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Deep copy with every secret marker replaced by its plain value. */
export function unwrapSecrets<T>(v: T): T {
    if (Array.isArray(v)) return v.map(unwrapSecrets) as unknown as T;
    if (typeof v === "object" && v !== null) {
        if (isSecretValue(v)) return unwrapSecrets((v as unknown as { value: T }).value);
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)])) as T;
    }
    return v;
}
