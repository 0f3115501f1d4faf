// P-03/P-04: why the Cloudflare zone lookup (program/program lookupZone) failed, told apart from the
// words of the engine and of the provider, each with what to do. A refused token, a missing plugin
// or an unreachable API is not "no zone": the operator would look for the fault in the wrong place.
import { ConfigError, NAMESPACE } from "../config/config";

export type ZoneLookupFailure = "no-zone" | "token" | "plugin" | "network" | "engine-stopped" | "other";

/** The key of the token the Cloudflare provider uses, and what it must be allowed. */
export const CLOUDFLARE_TOKEN_KEY = "cloudflare:apiToken";
export const CLOUDFLARE_TOKEN_PERMISSIONS = "Zone:Read and DNS:Edit on the zone";

// The engine (pulumi v3.248) wraps a provider's invoke error so: the cause follows it.
const ENGINE_WRAPPING = /^(?:Error: )?invocation of \S+ returned an error: /;

// A plugin the engine could not find, or could not download (pkg/workspace plugin errors).
const PLUGIN = /no resource plugin 'pulumi-resource-cloudflare' found|Could not automatically download and install resource plugin 'pulumi-resource-cloudflare'|plugin install resource cloudflare/i;
// The upstream provider when the name filter matches no zone (terraform-provider-cloudflare v5,
// internal/services/zone/data_source.go), and the replica's own words.
const NO_ZONE = /failed to find exactly one result: 0 found|\bzone \S+ not found\b/i;
// cloudflare-go's API error: `<METHOD> "<url>": <status> <text> <body>`; Cloudflare's codes for a
// token it does not accept (9109 invalid token, 10000 authentication error, 10001 unauthorized,
// 9106/9107 missing credentials, 6003/6111 malformed Authorization header).
const TOKEN_STATUS = /": (401|403) (Unauthorized|Forbidden)\b/;
const TOKEN_CODE = /"code":\s*(9109|10000|10001|9106|9107|6003|6111)\b/;
// Go's network errors on the way to api.cloudflare.com.
const NETWORK = /dial tcp|no such host|network is unreachable|connection refused|connection reset|i\/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout/i;
// The SDK's text when the engine stops while an invoke waits (the engine says why on its own).
const ENGINE_STOPPED = /^Resource monitor is terminating$/;

function textOf(err: unknown): string {
    const text = err instanceof Error ? err.message : typeof err === "string" ? err : String((err as { message?: unknown })?.message ?? err);
    return text.trim().replace(ENGINE_WRAPPING, "");
}

/** Which failure the text of a failed lookup (the program's error or the engine's) describes. */
export function zoneLookupFailure(err: unknown): ZoneLookupFailure {
    const text = textOf(err);
    if (PLUGIN.test(text)) return "plugin";
    if (ENGINE_STOPPED.test(text)) return "engine-stopped";
    if (TOKEN_STATUS.test(text) || TOKEN_CODE.test(text)) return "token";
    if (NO_ZONE.test(text)) return "no-zone";
    if (NETWORK.test(text)) return "network";
    return "other";
}

/** The version of the Cloudflare plugin the SDK asks the engine for (its own package version). */
export function cloudflarePluginVersion(text = ""): string {
    const said = /at version v?(\d+\.\d+\.\d+)/.exec(text)?.[1];
    if (said) return said;
    try {
        return (require("@pulumi/cloudflare/package.json") as { version: string }).version.replace(/^v/, "");
    } catch {
        return "<version>";
    }
}

/** Cloudflare's status and error for a refused token, e.g. "403 Forbidden, 9109 Invalid access token". */
function refusal(text: string): string {
    const status = TOKEN_STATUS.exec(text);
    const errors = [...text.matchAll(/"code":\s*(\d+),\s*"message":\s*"([^"]*)"/g)].map((m) => `${m[1]} ${m[2]}`);
    return [status ? `${status[1]} ${status[2]}` : undefined, ...errors].filter(Boolean).join(", ") || text;
}

/** A failed zone lookup: a ConfigError (the engine shows its message alone) that says which failure it was. */
export class ZoneLookupError extends ConfigError {
    constructor(
        message: string,
        public readonly failure: ZoneLookupFailure,
    ) {
        super(message);
    }
}

/** The error for a failed lookup of `domain`'s zone, naming the cause and what to do. */
export function zoneLookupError(domain: string, err: unknown): ZoneLookupError {
    const text = textOf(err);
    const failure = zoneLookupFailure(text);
    return new ZoneLookupError(`${NAMESPACE}:domain ${domain}: ${explanation(failure, text)}`, failure);
}

function explanation(failure: ZoneLookupFailure, text: string): string {
    switch (failure) {
        case "no-zone":
            return (
                `no Cloudflare zone found with this name (P-03/P-04): add the domain to Cloudflare, or, if it is there, check that ` +
                `${CLOUDFLARE_TOKEN_KEY} is a token of that account with ${CLOUDFLARE_TOKEN_PERMISSIONS} (a token scoped to other zones lists none) (${text})`
            );
        case "token":
            return (
                `Cloudflare refused the API token (P-03/P-04: ${refusal(text)}): ${CLOUDFLARE_TOKEN_KEY} must be a valid API token with ${CLOUDFLARE_TOKEN_PERMISSIONS}; ` +
                `store a new one with \`pulumi config set --secret ${CLOUDFLARE_TOKEN_KEY}\` (it prompts, or reads the token from standard input)`
            );
        case "plugin": {
            const version = cloudflarePluginVersion(text);
            return (
                `the zone could not be looked up (P-03/P-04): the Cloudflare provider plugin ${version} is not installed and could not be downloaded: ` +
                `run \`pulumi plugin install resource cloudflare ${version}\` (without internet: add \`--file <the plugin's binary or tarball>\`) (${text})`
            );
        }
        case "network":
            return `the zone could not be looked up (P-03/P-04): could not reach Cloudflare's API (${text}); check this machine's network and proxy, then run again`;
        case "engine-stopped":
            return (
                "the zone could not be looked up (P-03/P-04): the engine stopped before Cloudflare answered; its own error (printed with this one) says why, " +
                "e.g. a provider plugin it could not load"
            );
        default:
            return `the Cloudflare zone lookup failed (P-03/P-04): ${text}`;
    }
}
