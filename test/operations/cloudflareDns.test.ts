// The way back's data plane (issue 25): operations/cloudflareDns puts the site records back by Cloudflare's
// REST API (PATCH dns_records), both at once, retried as cloudflare-go retries, bounded; the replica
// serves that endpoint from the same zone (and the same faults) as its provider plugins.
import { strict as assert } from "assert";
import { CloudflareZone } from "../../replica/cloudflareZone";
import { cloudflareHandlers } from "../../replica/cloudflare";
import { ReplicaDns } from "../../replica/dnsServer";
import { startControlServer, type ControlServer } from "../../replica/control";
import type { ReplicaWorld } from "../../replica/world";
import { patchRecord, putRecordsBack, type RecordBack } from "../../operations/cloudflareDns";
import { putBackNow } from "../../operations/directWayBack";
import { directCallsKept } from "../../operations/wayBackJournal";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ZONE = "5a1f0c2e9b7d4e3f8a6b1c0d2e4f6a8b";
const APEX = "a1".repeat(16);
const WWW = "b2".repeat(16);
const OLD = "127.0.0.3";
const NEW = "127.0.0.2";
const TOKEN = "secret-token-never-shown";
const back: RecordBack[] = [
    { label: "apex", id: APEX, name: "example.com", type: "A", content: OLD, ttl: 60, proxied: false, comment: "old host" },
    { label: "www", id: WWW, name: "www.example.com", type: "A", content: OLD, ttl: 60, proxied: false },
];

describe("operations/cloudflareDns: the records back by Cloudflare's API", () => {
    let dns: ReplicaDns;
    let zone: CloudflareZone;
    let control: ControlServer;
    const changes: Array<{ name: string; content?: string }> = [];
    let api: { baseUrl: string; token: string };

    beforeEach(async () => {
        dns = await ReplicaDns.start();
        zone = new CloudflareZone(ZONE, dns);
        zone.seed({ id: APEX, name: "example.com", type: "A", content: NEW, ttl: 60, proxied: false, comment: "old host" });
        zone.seed({ id: WWW, name: "www.example.com", type: "A", content: NEW, ttl: 60, proxied: false });
        changes.length = 0;
        const handlers = cloudflareHandlers({ domain: "example.com" } as unknown as ReplicaWorld, zone, {}, () => Date.now(), (c) => changes.push({ name: c.name, content: c.content }));
        control = await startControlServer(handlers);
        api = { baseUrl: `${control.url}/client/v4`, token: TOKEN };
    });
    afterEach(async () => {
        await control.close();
        await dns.close();
    });

    it("puts apex and www back in place, both at once, in the zone the plugins act on: same ids, nothing deleted", async () => {
        const put = await putRecordsBack(api, ZONE, back, 5_000);
        assert.equal(put.ok, true, JSON.stringify(put));
        assert.deepEqual(put.calls.map((c) => [c.label, c.ok, c.attempts, c.status]), [["apex", true, 1, 200], ["www", true, 1, 200]]);
        assert.equal(zone.get(APEX)?.content, OLD);
        assert.equal(zone.get(WWW)?.content, OLD);
        assert.equal(zone.get(APEX)?.comment, "old host");
        assert.deepEqual(changes.map((c) => c.name).sort(), ["example.com", "www.example.com"]);
        assert.equal(control.calls.filter((c) => c.path === "/client/v4/dns_records").length, 2);
    });

    it("a rate limit (429, Retry-After 1) is waited out as cloudflare-go waits it, and said", async () => {
        control.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", fault: "429", retryAfterSeconds: 1 });
        const waits: number[] = [];
        const call = await patchRecord(api, ZONE, back[1], 5_000, async (ms) => void waits.push(ms));
        assert.equal(call.ok, true, JSON.stringify(call));
        assert.equal(call.attempts, 2);
        assert.deepEqual(waits, [1000]);
        assert.equal(zone.get(WWW)?.content, OLD);
    });

    it("a fault for the REST API (via rest, as the rate-limited fault arms it) strikes the direct PATCHes only, never the provider's calls", async () => {
        control.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", via: "rest", fault: "429", retryAfterSeconds: 3, times: 4 });
        control.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", name: "dns-www", via: "provider", fault: "429", times: 1 });
        const waits: number[] = [];
        const put = await putRecordsBack(api, ZONE, back, 15_000, async (ms) => void waits.push(ms));
        assert.equal(put.ok, true, JSON.stringify(put));
        assert.deepEqual(put.calls.map((c) => [c.label, c.attempts]), [["apex", 3], ["www", 3]]);
        assert.deepEqual(waits, [3000, 3000, 3000, 3000], "Retry-After: 3 waited twice by each call");
        assert.deepEqual(control.faults.map((f) => f.fault), ["429", "429", "429", "429"], "the provider's fault is left for the provider");
    });

    it("the way back keeps what its calls did where its plan says (beside the run lock), for a recover after a kill", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-kept-"));
        try {
            const keptIn = path.join(dir, ".golive", "prod.records-back-by-api.json");
            const put = await putBackNow({ api, zoneId: ZONE, records: back, keptIn });
            assert.equal(put.ok, true, JSON.stringify(put));
            const kept = directCallsKept(keptIn)!;
            assert.equal(kept.ok, true);
            assert.deepEqual(kept.calls.map((l) => /^✓ (apex|www): PATCH dns_records\/(\w+) accepted \((\S+) A 127\.0\.0\.3\) at \d{4}-/.exec(l)?.slice(1, 4)), [["apex", APEX, "example.com"], ["www", WWW, "www.example.com"]]);
            assert.doesNotMatch(fs.readFileSync(keptIn, "utf8"), new RegExp(TOKEN));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("no token is refused (9106) and not retried; a record not in the zone is 81044; the token is never in a message", async () => {
        const none = await patchRecord({ ...api, token: "" }, ZONE, back[0], 5_000, async () => undefined);
        assert.equal(none.ok, false);
        assert.equal(none.attempts, 1);
        assert.match(none.error ?? "", /HTTP 400: 9106/);
        const missing = await patchRecord(api, ZONE, { ...back[0], id: "c3".repeat(16) }, 5_000, async () => undefined);
        assert.match(missing.error ?? "", /HTTP 404: 81044 Record does not exist/);
        assert.doesNotMatch(JSON.stringify([none, missing]), new RegExp(TOKEN));
        assert.equal(zone.get(APEX)?.content, NEW, "nothing changed");
    });

    it("a call Cloudflare never answers ends at the bound, whatever the server does", async () => {
        control.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", fault: "hang", times: Infinity });
        const call = await patchRecord(api, ZONE, back[0], 300, async () => undefined);
        assert.equal(call.ok, false);
        assert.match(call.error ?? "", /ran out of time|timed out/);
        control.clearFaults();
    });

    it("refuses a base URL that is plain http off loopback before any call", async () => {
        const put = await putRecordsBack({ baseUrl: "http://api.example.net/client/v4", token: TOKEN }, ZONE, back, 1_000);
        assert.equal(put.ok, false);
        assert.match(put.calls[0].error ?? "", /cloudflare:baseUrl must be https:\/\//);
    });

    it("retries with the one Cloudflare policy (operations/cloudflareRetry, cloudflare-go v6.6.0, tested there): a 500 waits 2 s less up to a quarter, then goes through", async () => {
        control.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", fault: "500" });
        const waits: number[] = [];
        const call = await patchRecord(api, ZONE, back[0], 10_000, async (ms) => void waits.push(ms));
        assert.equal(call.ok, true, JSON.stringify(call));
        assert.equal(call.attempts, 2);
        assert.equal(waits.length, 1);
        assert.ok(waits[0] > 1_500 && waits[0] <= 2_000, `the first retry's wait: ${waits[0]} ms`);
    });
});
