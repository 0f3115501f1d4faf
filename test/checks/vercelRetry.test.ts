// The program's own Vercel calls retry 429 and 5xx as Vercel's client does (checks/vercelRetry.ts,
// @vercel/sdk's backoff), honour Retry-After within the call's deadline and say each retry; the
// replica's REST API answers 429/5xx on demand (replica/vercelApi.ts failNext). No test waits for
// a backoff: the schedule is asserted, the served retries ask for a few ms (retry-after-ms), or
// Retry-After: 0 (the SDK's first backoff, under 1 s).
import { strict as assert } from "assert";
import { deadlineIn } from "../../checks/net";
import { vercelCall, isVercelApiError } from "../../checks/vercelApi";
import { isVercelRetryStatus, VERCEL_MAX_RETRIES, vercelRetryDelayMs } from "../../checks/vercelRetry";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";

describe("checks/vercelRetry + vercelCall: Vercel's 429 and 5xx, retried as Vercel's client does", function () {
    this.timeout(20_000);

    it("the rule: 429, 500, 502, 503, 504; Retry-After(-Ms) first, else 500 ms × n^1.5 + up to 1 s, at most 60 s", () => {
        for (const s of [429, 500, 502, 503, 504]) assert.equal(isVercelRetryStatus(s), true, String(s));
        for (const s of [400, 403, 404, 409, 501]) assert.equal(isVercelRetryStatus(s), false, String(s));
        assert.equal(VERCEL_MAX_RETRIES, 3);
        assert.deepEqual([0, 1, 2, 3].map((n) => vercelRetryDelayMs(n, {}, () => 0)), [0, 500, 500 * 2 ** 1.5, 500 * 3 ** 1.5]);
        assert.equal(vercelRetryDelayMs(1, {}, () => 0.5), 1000);
        assert.equal(vercelRetryDelayMs(0, { "retry-after": "7" }), 7000);
        assert.equal(vercelRetryDelayMs(0, { "retry-after-ms": "250", "retry-after": "7" }), 250);
        assert.equal(vercelRetryDelayMs(0, { "retry-after": new Date(20_000).toUTCString() }, () => 0, 8_000), 12_000);
        assert.equal(vercelRetryDelayMs(0, { "retry-after": "600" }), 60_000, "capped at the SDK's maxInterval");
    });

    describe("against the replica's REST API", () => {
        let vw: VercelWorld;
        beforeEach(async () => {
            vw = await startVercelWorld();
        });
        afterEach(() => vw.close());
        const api = () => ({ baseUrl: vw.api.url, token: vw.api.token, teamId: "team_kalia" });
        const certCall = () => vercelCall<{ id?: string }>(api(), "GET", "/v7/certs/missing", undefined, deadlineIn(10_000, "test"), (n) => notes.push(n));
        let notes: string[] = [];
        beforeEach(() => (notes = []));

        it("a 429 with Retry-After: 0, then the answer: one retry, said", async () => {
            vw.api.failNext({ path: "/v7/certs", status: 429, retryAfterSeconds: 0 });
            await assert.rejects(certCall(), (e: unknown) => isVercelApiError(e) && e.status === 404);
            assert.deepEqual(vw.api.calls.map((c) => c.status), [429, 404]);
            assert.equal(notes.length, 1);
            assert.match(notes[0], /^Vercel API GET \/v7\/certs\/missing: 429 rate_limited; retry 1 of 3 in (0\.\d|1\.0) s$/);
        });

        it("503 every time: 4 attempts, then Vercel's words with the count", async () => {
            vw.api.failNext({ status: 503, times: Infinity, retryAfterMs: 5 });
            await assert.rejects(certCall(), (e: unknown) => isVercelApiError(e) && e.status === 503 && /\(internal_server_error, after 4 attempts\)$/.test(e.message));
            assert.deepEqual(vw.api.calls.map((c) => c.status), [503, 503, 503, 503]);
            assert.equal(notes.length, 3);
            vw.api.clearFaults();
        });

        it("a Retry-After beyond the call's deadline: no wait past it, said so", async () => {
            vw.api.failNext({ status: 429, retryAfterSeconds: 30 });
            await assert.rejects(certCall(), (e: unknown) => isVercelApiError(e) && e.status === 429 && /the next retry \(in 30\.0 s\) would pass this call's deadline/.test(e.message));
            // No wait at all: every wait is announced before it starts (onRetry), and none was.
            assert.deepEqual(notes, [], "no retry announced, so no wait");
            assert.deepEqual(vw.api.calls.map((c) => c.status), [429]);
        });

        it("faults match method, path and op; an order's finalize can be rate-limited alone", async () => {
            vw.api.failNext({ method: "PATCH", path: "/v3/certs", op: "finalizeOrder", status: 429, retryAfterSeconds: 0 });
            await assert.rejects(certCall(), (e: unknown) => isVercelApiError(e) && e.status === 404);
            await assert.rejects(vercelCall(api(), "PATCH", "/v3/certs", { op: "finalizeOrder", domains: ["nowhere.example"] }, deadlineIn(10_000, "test"), (n) => notes.push(n)));
            assert.deepEqual(vw.api.calls.map((c) => [c.op ?? c.path, c.status]), [["/v7/certs/missing", 404], ["finalizeOrder", 429], ["finalizeOrder", vw.api.calls[2].status]]);
            assert.notEqual(vw.api.calls[2].status, 429);
        });
    });
});
