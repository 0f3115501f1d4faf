// The replica's service API fails on demand (issue 17), and the replica plugins call it as the real
// Cloudflare provider calls Cloudflare (cloudflare-go's retries): replica/control.ts.
import { strict as assert } from "assert";
import * as http from "http";
import { callControl, cloudflareRetryDelayMs, cloudflareShouldRetry, ControlServer, startControlServer } from "../../replica/control";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const update = (name: string) => ({ op: "update", type: DNS, name, id: `zone/${name}-id`, inputs: { zoneId: "z1", name: `${name}.example.fr`, type: "A", content: "192.0.2.2" } });

describe("replica/control: faults on demand, and Cloudflare's client retries", function () {
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

    it("500 once on www's update: answered 500 without applying, then retried after ~0.5 s and applied once", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "500" });
        const out = await callControl<{ outputs: { content: string } }>(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.equal(out.outputs.content, "192.0.2.2");
        assert.deepEqual(control.calls.map((c) => c.status), [500, 200]);
        assert.deepEqual(applied, ["update dns-www"]);
        assert.equal(waits.length, 1);
        assert.ok(waits[0] > 375 && waits[0] <= 500, String(waits[0]));
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

    it("500 every time: 3 attempts (2 retries), then the provider's own words", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "500", times: Infinity });
        await assert.rejects(callControl(control.url, "/resource", update("dns-www"), 5_000, sleep), /^Error: failed to make http request: PUT "https:\/\/api\.cloudflare\.com\/client\/v4\/zones\/z1\/dns_records\/dns-www-id": 500 Internal Server Error \{"success":false,"errors":\[\{"code":10000,"message":"Internal Server Error"\}\]\}$/);
        assert.deepEqual(control.calls.map((c) => c.status), [500, 500, 500]);
        assert.equal(waits.length, 2);
        assert.ok(waits[1] > 750 && waits[1] <= 1000, String(waits[1]));
        assert.deepEqual(applied, []);
    });

    it("apply-then-500: Cloudflare applied the change and the answer was a 500; the retry (a PUT: the same record again) succeeds", async () => {
        control.failNext({ type: DNS, op: "update", name: "dns-www", fault: "apply-then-500" });
        await callControl(control.url, "/resource", update("dns-www"), 5_000, sleep);
        assert.deepEqual(applied, ["update dns-www", "update dns-www"]);
        assert.deepEqual(control.calls.map((c) => c.status), [500, 200]);
    });

    it("hang: held unanswered until the caller goes away; the replica's own deadline ends the call, without a retry (the real client has none)", async () => {
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

    it("only Cloudflare's calls are retried; an API refusal (4xx) never is", async () => {
        control.failNext({ type: "vercel:index/project:Project", fault: "500" });
        await assert.rejects(callControl(control.url, "/resource", { op: "create", type: "vercel:index/project:Project", name: "site", inputs: {} }, 5_000, sleep), /500 Internal Server Error/);
        await assert.rejects(callControl(control.url, "/resource", { op: "create", type: "golive:refusing", name: "x", inputs: {} }, 5_000, sleep), /81053/);
        assert.equal(control.calls.length, 2);
        assert.deepEqual(waits, []);
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
        assert.equal(cloudflareRetryDelayMs(0, { "retry-after": "120" }, () => 0), 500, "a minute or more: backoff instead");
        assert.equal(cloudflareRetryDelayMs(1, {}, () => 0), 1000);
        assert.equal(cloudflareRetryDelayMs(10, {}, () => 0), 8000);
        assert.equal(cloudflareRetryDelayMs(10, {}, () => 0.999), 6002);
    });
});
