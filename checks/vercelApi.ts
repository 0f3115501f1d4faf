// The program's own calls to Vercel's REST API (what the provider does not do: the DNS-01
// certificate order, a domain's verification). One call = one bounded request through checks/net;
// 429 and 5xx answers are retried as Vercel's own client retries them (checks/vercelRetry.ts),
// honouring Retry-After within the call's deadline, and the caller hears each retry (onRetry). The token is a secret:
// it is sent in the Authorization header and never appears in an error, a result or a log line.
// Dynamic providers serialize this module: no module-level state, everything built per call.
import { Deadline, deadlineIn, describeError, httpRequest, isTransientError, sleep } from "./net";
import { isLoopbackHost } from "../shared/loopback";
import { redact, registerSecret } from "../shared/redact";
import { isVercelRetryStatus, VERCEL_MAX_RETRIES, vercelRetryAfterMs, vercelRetryDelayMs } from "./vercelRetry";

/** Where the program reaches Vercel's REST API. */
export interface VercelApi {
    /** https://api.vercel.com, or the replica's loopback URL (golive:vercelApi.baseUrl). */
    baseUrl: string;
    /** vercel:team: the team that owns the project and the domains. */
    teamId?: string;
    /** Secret (vercel:apiToken); absent: VERCEL_API_TOKEN of the environment the engine runs in. */
    token?: string;
}

export const VERCEL_API_BASE_URL = "https://api.vercel.com";
/** One API call's bound, retries included. */
export const VERCEL_CALL_MS = 30_000;
const ATTEMPTS = VERCEL_MAX_RETRIES + 1;

/**
 * Vercel's error answer: `{ error: { code, message } }`, with the HTTP status. A plain Error with
 * fields, not a subclass: a class extending Error loses its message once Pulumi serializes it
 * into a dynamic provider.
 */
export interface VercelApiError extends Error {
    vercelApi: true;
    status: number;
    code: string;
    /** The rest of the error object (e.g. the project that holds a domain). */
    details: Record<string, unknown>;
}

export function vercelApiError(status: number, code: string, message: string, details: Record<string, unknown> = {}): VercelApiError {
    return Object.assign(new Error(message), { name: "VercelApiError", vercelApi: true as const, status, code, details });
}

export function isVercelApiError(err: unknown): err is VercelApiError {
    return !!err && typeof err === "object" && (err as { vercelApi?: unknown }).vercelApi === true;
}

/** The token the call uses: the secret input, else the engine's environment (read at run time). */
export function vercelToken(api: VercelApi): string {
    const token = api.token || process.env.VERCEL_API_TOKEN || "";
    if (!token) throw new Error("no Vercel API token: set it with `pulumi config set --secret vercel:apiToken` (or VERCEL_API_TOKEN in the environment)");
    return token;
}

function urlOf(api: VercelApi, path: string): string {
    const url = new URL(path, api.baseUrl.replace(/\/+$/, "") + "/");
    if (api.teamId) url.searchParams.set("teamId", api.teamId);
    return url.toString();
}

/**
 * One call to the API. Resolves to the JSON answer of a 2xx; throws a VercelApiError for Vercel's
 * refusal (4xx, or 5xx after the retries), an Error naming the call for anything else.
 */
export async function vercelCall<T>(
    api: VercelApi,
    method: "GET" | "POST" | "PATCH",
    path: string,
    body?: unknown,
    deadline: Deadline = deadlineIn(VERCEL_CALL_MS, "a Vercel API call"),
    /** Told each time a retry is needed: what Vercel answered and how long the call waits. */
    onRetry?: (note: string) => void,
): Promise<T> {
    // The tests and the rehearsal run with GOLIVE_LOOPBACK_ONLY: nothing may leave the machine.
    const host = new URL(api.baseUrl).hostname;
    if (process.env.GOLIVE_LOOPBACK_ONLY && !isLoopbackHost(host)) {
        throw new Error(`Vercel API at ${host} refused: GOLIVE_LOOPBACK_ONLY is set (a test or a rehearsal must point golive:vercelApiUrl at the replica)`);
    }
    const token = vercelToken(api);
    registerSecret(token);
    const what = `Vercel API ${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
        let status = 0;
        let text = "";
        let headers: Record<string, string | string[] | undefined> = {};
        try {
            const res = await httpRequest(urlOf(api, path), { timeoutMs: 15_000 }, {
                method,
                headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", Accept: "application/json" },
                ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
                deadline,
                call: "Vercel API",
                maxBodyBytes: 1_000_000,
            });
            status = res.status;
            text = res.body;
            headers = res.headers;
        } catch (err) {
            if (!isTransientError(err) || attempt >= ATTEMPTS) throw new Error(`${what} failed: ${redact(describeError(err), [token])}`);
            const wait = Math.min(vercelRetryDelayMs(attempt - 1), Math.max(0, deadline.at - Date.now()));
            onRetry?.(`${what}: ${redact(describeError(err), [token])}; retry ${attempt} of ${ATTEMPTS - 1} in ${(wait / 1000).toFixed(1)} s`);
            await sleep(wait);
            continue;
        }
        let json: any;
        try {
            json = text ? JSON.parse(text) : {};
        } catch {
            json = undefined;
        }
        if (status >= 200 && status < 300) {
            if (json === undefined) throw new Error(`${what} answered ${status} with a body that is not JSON`);
            return json as T;
        }
        const err = json?.error ?? {};
        const code = typeof err.code === "string" ? err.code : `http_${status}`;
        // The API's own words, through the one redaction: a proxy that echoes the request would quote the token.
        const message = typeof err.message === "string" ? redact(err.message, [token]) : `answered ${status}`;
        const transient = isVercelRetryStatus(status);
        const wait = vercelRetryDelayMs(attempt - 1, headers);
        const beyondDeadline = transient && attempt < ATTEMPTS && Date.now() + wait >= deadline.at;
        if (transient && attempt < ATTEMPTS && !beyondDeadline) {
            const asked = vercelRetryAfterMs(headers) > 0 ? " (as Vercel asked)" : "";
            onRetry?.(`${what}: ${status} ${code}; retry ${attempt} of ${ATTEMPTS - 1} in ${(wait / 1000).toFixed(1)} s${asked}`);
            await sleep(wait);
            continue;
        }
        const { code: _c, message: _m, ...rest } = err as Record<string, unknown>;
        const details = redactedDetails(rest, token);
        // The vercel CLI's APIError (errors-ts.ts) takes retryAfterMs from Retry-After on 429/503:
        // the certificate's finalize loop honours it (a domain answer, not this call's retry).
        const retryAfterMs = vercelRetryAfterMs(headers);
        if (retryAfterMs > 0 && (status === 429 || status === 503)) details.retryAfterMs = retryAfterMs;
        const tried = transient && attempt > 1 ? `, after ${attempt} attempts` : "";
        const late = beyondDeadline ? `; the next retry (in ${(wait / 1000).toFixed(1)} s) would pass this call's deadline` : "";
        throw vercelApiError(status, code, `${what}: ${message} (${code}${tried}${late})`, details);
    }
}

/** The rest of Vercel's error object through the same redaction (messages quote it); dropped if that breaks it. */
function redactedDetails(details: Record<string, unknown>, token: string): Record<string, unknown> {
    try {
        return JSON.parse(redact(JSON.stringify(details), [token])) as Record<string, unknown>;
    } catch {
        return {};
    }
}

/** A refusal because the token is not accepted: the operator's config, not Vercel's state. */
export function isTokenRefusal(err: unknown): boolean {
    return isVercelApiError(err) && (err.status === 401 || (err.status === 403 && ["forbidden", "invalid_token", "not_authorized"].includes(err.code) && !err.details.domain));
}

/** What to do when the token is refused, naming the config keys. */
export const TOKEN_HINT = "check vercel:apiToken (a token with access to the team of vercel:team) and vercel:team";
