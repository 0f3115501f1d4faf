// The replica's service API fails on demand (issue 17), and the replica plugins call it as the real
// Cloudflare provider calls Cloudflare (cloudflare-go's retries): replica/control.ts.
import { strict as assert } from "assert";
import * as http from "http";
import { callControl, CLOUDFLARE_CLIENT_RETRY, cloudflareRetryDelayMs, cloudflareShouldRetry, ControlServer, startControlServer, VERCEL_CLIENT_RETRY } from "../../replica/control";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const update = (name: string) => ({ op: "update", type: DNS, name, id: `zone/${name}-id`, inputs: { zoneId: "z1", name: `${name}.example.fr`, type: "A", content: "192.0.2.2" } });

describe("replica/control: faults on demand, and the real providers' client retries", function () {
    this.timeout(20_000);
    let control: ControlServer;
    let applied: string[];
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    beforeEach(async () => {
        applied = [];
        waits.length = 0;
        control = await startControlServer({
            resources: {
                [DNS]: async (req) => {
                    applied.push(`${req.op} ${req.name}`);
                    return { id: req.id, outputs: { content: req.inputs.content } };
                },
                "vercel:index/project:Project": async () => ({ id: "p" }),
                "golive:refusing": async () => {
                    throw new Error("An A, AAAA, or CNAME record with that host already exists. (81053)");
                },
            },
            invokes: {},
        });
    });
    afterEach(() => control.close());

    it("500 once on www's update: answered 500 without applying, then retried after ~2 s and applied once", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "500" });
        const out = await callControl<{ outputs: { content: string } }>(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.equal(out.outputs.content, "192.0.2.2");
        assert.deepEqual(control.calls.map((c) => c.status), [500, 200]);
        assert.deepEqual(applied, ["update dns-www"]);
        assert.equal(waits.length, 1);
        assert.ok(waits[0] > 1500 && waits[0] <= 2000, String(waits[0]));
        assert.deepEqual(control.faults.map((f) => [f.fault, f.op, f.name]), [["500", "update", "dns-www"]]);
    });

    it("a fault strikes only its kind: apex's update and www's create pass", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "500" });
        await callControl(control.url, "/resource", update("dns-apex"), 5_000, sleep);
        await callControl(control.url, "/resource", { ...update("dns-www"), op: "create" }, 5_000, sleep);
        assert.deepEqual(control.calls.map((c) => c.status), [200, 200]);
    });

    it("429 with Retry-After: waited as asked, then applied", async () => {
        control.failNext({ type: DNS, op: "update", fault: "429", retryAfterSeconds: 2 });
        await callControl(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.deepEqual(waits, [2000]);
        assert.deepEqual(control.calls.map((c) => c.status), [429, 200]);
    });

    it("500 every time: 11 attempts (10 retries, cloudflare-go v6.6), then the provider's own words", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "500", times: Infinity });
        await assert.rejects(callControl(control.url, "/resource", update("dns-www"), 5_000, sleep), /^Error: failed to make http request: PUT "https:\/\/api\.cloudflare\.com\/client\/v4\/zones\/z1\/dns_records\/dns-www-id": 500 Internal Server Error \{"success":false,"errors":\[\{"code":10000,"message":"Internal Server Error"\}\]\}$/);
        assert.deepEqual(control.calls.map((c) => c.status), Array(11).fill(500));
        assert.equal(waits.length, 10);
        assert.ok(waits[1] > 3000 && waits[1] <= 4000, String(waits[1]));
        assert.ok(waits[9] > 22_500 && waits[9] <= 30_000, String(waits[9]));
        assert.deepEqual(applied, []);
    });

    it("a Retry-After-Ms on a 500 is honoured too (cloudflare-go reads it whatever the status)", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "500", times: 2, retryAfterMs: 200 });
        await callControl(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.deepEqual(waits, [200, 200]);
        assert.deepEqual(control.calls.map((c) => c.status), [500, 500, 200]);
    });

    it("apply-then-500: Cloudflare applied the change and the answer was a 500; the retry (a PUT: the same record again) succeeds", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "apply-then-500" });
        await callControl(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.deepEqual(applied, ["update dns-www", "update dns-www"]);
        assert.deepEqual(control.calls.map((c) => c.status), [500, 200]);
    });

    it("hang: held unanswered until the caller goes away; the caller's deadline (here 300 ms) ends the call, without a retry", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "hang" });
        const t0 = Date.now();
        await assert.rejects(callControl(control.url, "/resource", update("dns-www"), 300, sleep), /no answer within 300 ms/);
        assert.ok(Date.now() - t0 >= 290);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(control.faults[0].fault, "hang");
        assert.ok(control.faults[0].endedAt, "the hold ended when the caller went away");
        assert.equal(control.calls.length, 1);
        assert.deepEqual(applied, []);
    });

    it("apply-then-hang: Cloudflare changed the record and its answer never comes (until the hold ends: a connection error, retried)", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "apply-then-hang", holdMs: 100 });
        await callControl(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.deepEqual(applied, ["update dns-www", "update dns-www"]);
        assert.deepEqual(control.calls.map((c) => c.status), [undefined, 200]);
    });

    it("a hang with a hold ends with the connection closed unanswered (a connection error: retried)", async () => {
        control.failNext({ type: DNS, op: "update", fault: "hang", holdMs: 100 });
        await callControl(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.deepEqual(control.calls.map((c) => c.status), [undefined, 200]);
        assert.deepEqual(applied, ["update dns-www"]);
    });

    it("a Vercel call is retried as terraform-provider-vercel retries: a 5xx never; an API refusal (4xx) never", async () => {
        control.failNext({ type: "vercel:index/project:Project", fault: "500" });
        await assert.rejects(callControl(control.url, "/resource", { op: "create", type: "vercel:index/project:Project", name: "site", inputs: {} }, 5_000, sleep), /^Error: unexpected error: internal_server_error - /);
        await assert.rejects(callControl(control.url, "/resource", { op: "create", type: "golive:refusing", name: "x", inputs: {} }, 5_000, sleep), /81053/);
        assert.equal(control.calls.length, 2);
        assert.deepEqual(waits, []);
    });

    it("a Vercel call's 429 is retried after Retry-After, 3 times at most, then Vercel's words", async () => {
        control.failNext({ type: "vercel:index/project:Project", fault: "429", retryAfterSeconds: 7, times: 2 });
        await callControl(control.url, "/resource", { op: "create", type: "vercel:index/project:Project", name: "site", inputs: {} }, 5_000, sleep);
        assert.deepEqual(waits, [7000, 7000]);
        assert.deepEqual(control.calls.map((c) => c.status), [429, 429, 200]);
        waits.length = 0;
        control.failNext({ type: "vercel:index/project:Project", fault: "429", times: Infinity });
        await assert.rejects(callControl(control.url, "/resource", { op: "create", type: "vercel:index/project:Project", name: "site", inputs: {} }, 5_000, sleep), /rate_limited - Rate limit exceeded/);
        assert.deepEqual(waits, [1000, 1000, 1000], "Retry-After: 1 (the default) three times");
        control.clearFaults();
    });

    it("terraform-provider-vercel's rule: 429 only, with Vercel's error body, Retry-After under 5 minutes (else no retry), 1 s when absent; a 5-minute request timeout", () => {
        const body = JSON.stringify({ error: { code: "rate_limited", message: "x" } });
        assert.equal(VERCEL_CLIENT_RETRY.maxRetries, 3);
        assert.equal(VERCEL_CLIENT_RETRY.shouldRetry(429, { "retry-after": "299" }, body), true);
        assert.equal(VERCEL_CLIENT_RETRY.shouldRetry(429, { "retry-after": "300" }, body), false);
        assert.equal(VERCEL_CLIENT_RETRY.shouldRetry(429, {}, "{}"), false, "not an API error: not retried");
        for (const s of [500, 502, 503, undefined]) assert.equal(VERCEL_CLIENT_RETRY.shouldRetry(s, {}, body), false, String(s));
        assert.equal(VERCEL_CLIENT_RETRY.delayMs(0, { "retry-after": "12" }), 12_000);
        assert.equal(VERCEL_CLIENT_RETRY.delayMs(2, { "retry-after": "soon" }), 1_000);
        assert.equal(VERCEL_CLIENT_RETRY.requestTimeoutMs, 300_000);
        assert.equal(CLOUDFLARE_CLIENT_RETRY.requestTimeoutMs, undefined, "cloudflare-go sets no request timeout");
    });

    it("faults can be set through the API (POST /faults) and cleared", async () => {
        await new Promise<void>((resolve, reject) => {
            const req = http.request(new URL("/faults", control.url), { method: "POST", headers: { "content-type": "application/json" } }, (res) => (res.resume(), res.on("end", () => resolve())));
            req.on("error", reject);
            req.end(JSON.stringify({ type: DNS, op: "update", fault: "500", times: 5 }));
        });
        control.clearFaults();
        await callControl(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.deepEqual(control.calls.map((c) => c.status), [200]);
    });

    it("cloudflare-go's rules: what is retried and how long it waits", () => {
        assert.equal(cloudflareShouldRetry(undefined), true);
        for (const s of [408, 409, 429, 500, 502, 503, 504]) assert.equal(cloudflareShouldRetry(s), true, String(s));
        for (const s of [400, 401, 403, 404, 422]) assert.equal(cloudflareShouldRetry(s), false, String(s));
        assert.equal(cloudflareShouldRetry(500, { "x-should-retry": "false" }), false);
        assert.equal(cloudflareShouldRetry(400, { "x-should-retry": "true" }), true);
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after-ms": "250" }), 250);
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after": "3" }), 3000);
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after": new Date(10_000).toUTCString() }, () => 0, 4_000), 6000);
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after": "120" }, () => 0), 2000, "a minute or more: backoff instead");
        assert.equal(cloudflareRetryDelayMs(1, {}, () => 0), 4000);
        assert.equal(cloudflareRetryDelayMs(10, {}, () => 0), 30_000);
        assert.equal(cloudflareRetryDelayMs(10, {}, () => 0.999), 22_508);
        assert.equal(CLOUDFLARE_CLIENT_RETRY.maxRetries, 10);
    });
});
