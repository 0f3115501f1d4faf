// The one redaction every text golive prints from an outside answer passes (an API's error
// message, a webhook's or PageSpeed's answer, a network error naming a URL): a server or a proxy
// that echoes the request puts golive's own credentials in it.
//   - the exact values golive sent: each client registers its token or key when it is built
//     (registerSecret), and redact() removes them, raw and URL-encoded;
//   - the shapes a credential travels in: `Authorization: …`, `Bearer …`, `key=…`, `token=…`,
//     a JSON "access_token", a PEM private key.
// Dynamic providers serialize the checks by value: no module-level state; the registered values
// live on globalThis of the process that built the client (the program's or the provider's).

/** What a removed value reads as. */
export const REDACTED = "[redacted]";

interface SecretRegistry {
    __goliveSecrets?: Set<string>;
}

/** Registers a value golive sends (a token, an API key): redact() removes it from every text. */
export function registerSecret(value: string | undefined): void {
    // Short values would match ordinary words; no token golive holds is shorter.
    if (!value || value.length < 6) return;
    const g = globalThis as unknown as SecretRegistry;
    const set = (g.__goliveSecrets ??= new Set<string>());
    set.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) set.add(encoded);
}

/** `text` without the registered values, `extra` ones, nor any credential-shaped part. */
export function redact(text: string, extra: Array<string | undefined> = []): string {
    const g = globalThis as unknown as SecretRegistry;
    const values = [...(g.__goliveSecrets ?? []), ...extra.filter((v): v is string => !!v && v.length >= 6)];
    // Longest first: a value that contains another goes whole.
    let out = String(text);
    for (const v of values.sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
    return (
        out
            // PEM private keys (a service account's key file), also with escaped newlines.
            .replace(/-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, `-----BEGIN $1PRIVATE KEY-----${REDACTED}`)
            // A header echoed as text or JSON: Authorization: Bearer x / "authorization":"token x" / Proxy-Authorization.
            .replace(/(authorization|x-api-key|api-key|cookie)(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token)\s+)?[^\s"',;}]+/gi, `$1$2${REDACTED}`)
            // A scheme and its credential wherever it stands.
            .replace(/\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=:-]{4,}/gi, `$1$2${REDACTED}`)
            // Query and form parameters: key=…, token=…, access_token=…, client_secret=…
            .replace(/\b(key|api_?key|token|access_token|refresh_token|id_token|client_secret|password|secret|assertion|signature|sig)=[^&\s"'<>]+/gi, `$1=${REDACTED}`)
            // The same names as JSON fields.
            .replace(/"(key|api_?key|token|access_token|refresh_token|id_token|client_secret|private_key|password|secret|assertion)"(\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `"$1"$2"${REDACTED}"`)
            // A JSON Web Token (a signed assertion or an access token) anywhere.
            .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g, REDACTED)
    );
}
