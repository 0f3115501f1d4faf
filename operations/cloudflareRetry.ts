// The product's Cloudflare retry policy: what the real Cloudflare provider does when Cloudflare's
// API fails, so golive's own direct Cloudflare calls (the way back's records-first update) wait as
// long as the provider would and no longer. Read off cloudflare-go v6.6.0
// `internal/requestconfig/requestconfig.go` (`NewRequestConfig`, `shouldRetry`,
// `parseRetryAfterHeader`, `retryDelay`, `Execute`); terraform-provider-cloudflare v5.19.0
// (`internal/provider.go`) builds its client with no retry or timeout option, so these defaults
// are what @pulumi/cloudflare 6.x does. Pure: no I/O, the random source and clock are parameters.
// The replica imitates the same upstream with its own rule (replica/control.ts), never this one.

/** cloudflare-go v6.6.0 `NewRequestConfig`: `MaxRetries: 10` (it was 2 up to v6.5.0). */
export const CLOUDFLARE_MAX_RETRIES = 10;
/** `retryDelay`: 2 s × 2^retry (the first retry waits 2 s)… */
export const CLOUDFLARE_BACKOFF_BASE_MS = 2_000;
/** …capped at 30 s. */
export const CLOUDFLARE_BACKOFF_CAP_MS = 30_000;
/** A `Retry-After` (or `Retry-After-Ms`) is honoured when 0 ≤ it < 1 minute; otherwise the backoff applies. */
export const CLOUDFLARE_RETRY_AFTER_LIMIT_MS = 60_000;

/** Headers as Node gives them (lower-case names). */
export type RetryHeaders = Record<string, string | string[] | undefined>;

const header = (h: RetryHeaders, name: string): string | undefined => {
    const v = h[name];
    return Array.isArray(v) ? v[0] : v;
};

/**
 * `shouldRetry`: a connection error (no status), 408, 409, 429 and every 5xx are retried, unless
 * the answer says `x-should-retry: false` (and always when it says `true`).
 */
export function cloudflareShouldRetry(status: number | undefined, headers: RetryHeaders = {}): boolean {
    if (status === undefined) return true;
    const says = header(headers, "x-should-retry");
    if (says === "true") return true;
    if (says === "false") return false;
    return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * `parseRetryAfterHeader`: `Retry-After-Ms` first, then `Retry-After` in seconds (a decimal
 * number) or an HTTP date. Undefined when neither is there or readable.
 */
export function cloudflareRetryAfterMs(headers: RetryHeaders, now = Date.now()): number | undefined {
    const ms = header(headers, "retry-after-ms");
    if (ms !== undefined && ms.trim() !== "" && Number.isFinite(Number(ms))) return Number(ms);
    const ra = header(headers, "retry-after");
    if (ra === undefined || ra.trim() === "") return undefined;
    if (Number.isFinite(Number(ra))) return Number(ra) * 1000;
    const at = Date.parse(ra);
    return Number.isNaN(at) ? undefined : at - now;
}

/**
 * `retryDelay`: the wait before retry number `retry` + 1 (`retry` counts from 0): what the answer
 * asks when 0 ≤ it < 60 s, else 2 s × 2^retry capped at 30 s, less up to a quarter of it at random.
 */
export function cloudflareRetryDelayMs(retry: number, headers: RetryHeaders = {}, random: () => number = Math.random, now = Date.now()): number {
    const asked = cloudflareRetryAfterMs(headers, now);
    if (asked !== undefined && asked >= 0 && asked < CLOUDFLARE_RETRY_AFTER_LIMIT_MS) return asked;
    const delay = Math.min(CLOUDFLARE_BACKOFF_BASE_MS * 2 ** retry, CLOUDFLARE_BACKOFF_CAP_MS);
    return delay - Math.floor(random() * (delay / 4));
}

/** The longest the client can wait between attempts in all (no jitter, no Retry-After): 2+4+8+16+30×6 = 210 s. */
export function cloudflareMaxBackoffMs(): number {
    let total = 0;
    for (let r = 0; r < CLOUDFLARE_MAX_RETRIES; r++) total += Math.min(CLOUDFLARE_BACKOFF_BASE_MS * 2 ** r, CLOUDFLARE_BACKOFF_CAP_MS);
    return total;
}
