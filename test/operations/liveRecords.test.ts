import { strict as assert } from "assert";
import { formatLiveRecords, liveRecordsFrom } from "../../operations/liveRecords";

const ID1 = "a".repeat(32);
const ID2 = "b".repeat(32);

describe("operations/liveRecords: the records serving today, as golive:liveRecords", () => {
    it("takes the apex and www records exactly as Cloudflare lists them (id, type, content, ttl, proxied, comment)", () => {
        const d = liveRecordsFrom("example.com", [
            { id: ID1, name: "example.com", type: "A", content: "192.0.2.1", ttl: 3600, proxied: false },
            { id: ID2, name: "www.example.com", type: "CNAME", content: "old.host.example.net", ttl: 1, proxied: true, comment: "old site" },
            { id: "c".repeat(32), name: "example.com", type: "MX", content: "mail.example.com", ttl: 300 },
            { id: "d".repeat(32), name: "example.com", type: "TXT", content: "v=spf1 -all", ttl: 300 },
        ]);
        assert.deepEqual(d.problems, []);
        assert.deepEqual(d.apex, { id: ID1, name: "example.com", type: "A", content: "192.0.2.1", ttl: 3600, proxied: false });
        assert.deepEqual(d.www, { id: ID2, name: "www.example.com", type: "CNAME", content: "old.host.example.net", ttl: 1, proxied: true, comment: "old site" });
        assert.deepEqual(formatLiveRecords(d), [
            `  example.com      A     192.0.2.1  ttl 3600  unproxied  id ${ID1}`,
            `  www.example.com  CNAME old.host.example.net  ttl auto  proxied  id ${ID2}  comment "old site"`,
        ]);
    });

    it("a first site (no record) adopts nothing; two records for one name or an AAAA are refused with the reason", () => {
        assert.deepEqual(liveRecordsFrom("example.com", []), { seen: [], problems: [] });
        const two = liveRecordsFrom("example.com", [
            { id: ID1, name: "example.com", type: "A", content: "192.0.2.1" },
            { id: ID2, name: "example.com", type: "A", content: "192.0.2.2" },
            { id: "c".repeat(32), name: "www.example.com", type: "AAAA", content: "2001:db8::1" },
            { name: "www.example.com", type: "A", content: "192.0.2.1" },
        ]);
        assert.equal(two.apex, undefined);
        assert.equal(two.www, undefined);
        assert.deepEqual(two.problems, [
            "example.com has 2 records (A 192.0.2.1, A 192.0.2.2): the program manages one record per name. Keep one at Cloudflare, then run golive adopt again.",
            "www.example.com has AAAA 2001:db8::1: IPv6 visitors would stay on the old host after the cutover. Delete the AAAA record(s) at Cloudflare, then run golive adopt again.",
            'www.example.com: Cloudflare listed the A record without its id (got undefined); it cannot be imported.',
        ]);
    });
});
