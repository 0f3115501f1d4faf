// The program's retry rule for its own Vercel calls (checks/vercelApi.ts vercelCall), read off
// Vercel's generated client @vercel/sdk 1.28.35 (src/lib/retries.ts, the "backoff" strategy; the
// status codes every operation passes, e.g. src/funcs/certsGetCertById.ts): 429, 500, 502, 503
// and 504 are retried; the wait is `retry-after-ms`, else `retry-after` (whole seconds or an HTTP
// date), else 500 ms × n^1.5 plus up to 1 s at random (n = retries so far), capped at 60 s. The SDK
// bounds the retries by elapsed time only (1 h); here the call's own deadline bounds them, and the
// count is terraform-provider-vercel v5.10.0's (client/request.go: 3 retries). Pure: no I/O.
// Dynamic providers serialize this module: no module-level state beyond constants.

/** @vercel/sdk's `retryCodes` default. */
export const VERCEL_RETRY_STATUSES = [429, 500, 502, 503, 504];
/** Retries after the first attempt (terraform-provider-vercel's count; the SDK has none). */
export const VERCEL_MAX_RETRIES = 3;
/** @vercel/sdk `defaultBackoff`. */
export const VERCEL_BACKOFF = { initialIntervalMs: 500, exponent: 1.5, maxIntervalMs: 60_000, jitterMs: 1_000 } as const;

export function isVercelRetryStatus(status: number): boolean {
    return VERCEL_RETRY_STATUSES.includes(status);
}

/** `retryIntervalFromResponse`: what the answer asks, in ms (0 when it asks nothing readable). */
export function vercelRetryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number {
    const one = (name: string) => {
        const v = headers[name];
        return Array.isArray(v) ? v[0] : v;
    };
    const ms = one("retry-after-ms");
    if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
    const ra = one("retry-after") ?? "";
    if (!ra) return 0;
    if (Number.isInteger(Number(ra))) return Number(ra) * 1000;
    const at = Date.parse(ra);
    return Number.isInteger(at) ? Math.max(0, Math.ceil(at - now)) : 0;
}

/**
 * The wait before the next attempt after `retries` retries (0 before the first retry): what the
 * answer asks, else the SDK's backoff; never more than 60 s.
 */
export function vercelRetryDelayMs(retries: number, headers: Record<string, string | string[] | undefined> = {}, random: () => number = Math.random, now = Date.now()): number {
    let wait = vercelRetryAfterMs(headers, now);
    if (wait <= 0) wait = VERCEL_BACKOFF.initialIntervalMs * Math.pow(retries, VERCEL_BACKOFF.exponent) + random() * VERCEL_BACKOFF.jitterMs;
    return Math.min(wait, VERCEL_BACKOFF.maxIntervalMs);
}
