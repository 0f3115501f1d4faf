// The product's Cloudflare retry policy, as cloudflare-go v6.6.0 requestconfig.go computes it:
// the schedule is asserted, never waited for.
import { strict as assert } from "assert";
import { CLOUDFLARE_MAX_RETRIES, cloudflareMaxBackoffMs, cloudflareRetryAfterMs, cloudflareRetryDelayMs, cloudflareShouldRetry } from "../../operations/cloudflareRetry";

describe("operations/cloudflareRetry: cloudflare-go v6.6's retry rule", () => {
    it("retries a connection error, 408, 409, 429 and 5xx; x-should-retry overrides the status", () => {
        assert.equal(cloudflareShouldRetry(undefined), true);
        for (const s of [408, 409, 429, 500, 502, 503, 504]) assert.equal(cloudflareShouldRetry(s), true, String(s));
        for (const s of [200, 400, 401, 403, 404, 422]) assert.equal(cloudflareShouldRetry(s), false, String(s));
        assert.equal(cloudflareShouldRetry(500, { "x-should-retry": "false" }), false);
        assert.equal(cloudflareShouldRetry(400, { "x-should-retry": "true" }), true);
    });

    it("10 retries, 2 s × 2^n capped at 30 s: the schedule without jitter is 2, 4, 8, 16, 30 ×6 s (210 s in all)", () => {
        assert.equal(CLOUDFLARE_MAX_RETRIES, 10);
        const schedule = Array.from({ length: CLOUDFLARE_MAX_RETRIES }, (_, r) => cloudflareRetryDelayMs(r, {}, () => 0));
        assert.deepEqual(schedule, [2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000, 30000, 30000]);
        assert.equal(cloudflareMaxBackoffMs(), 210_000);
    });

    it("jitter takes off up to a quarter of the backoff, never adds", () => {
        assert.equal(cloudflareRetryDelayMs(0, {}, () => 0.999), 2000 - 499);
        assert.equal(cloudflareRetryDelayMs(9, {}, () => 0.999), 30000 - 7492);
    });

    it("Retry-After-Ms, then Retry-After (seconds or an HTTP date), honoured under a minute; otherwise the backoff", () => {
        assert.equal(cloudflareRetryDelayMs(3, { "retry-after-ms": "250", "retry-after": "9" }), 250);
        assert.equal(cloudflareRetryDelayMs(3, { "retry-after": "1.5" }), 1500);
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after": new Date(10_000).toUTCString() }, () => 0, 4_000), 6000);
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after": "59" }, () => 0), 59_000);
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after": "60" }, () => 0), 2000, "a minute or more: the backoff");
        assert.equal(cloudflareRetryDelayMs(1, { "retry-after": "-1" }, () => 0), 4000, "negative: the backoff");
        assert.equal(cloudflareRetryDelayMs(1, { "retry-after": "soon" }, () => 0), 4000, "unreadable: the backoff");
        assert.equal(cloudflareRetryAfterMs({}), undefined);
    });
});
