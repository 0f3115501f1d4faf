import { strict as assert } from "assert";
import { ReplicaDns } from "../../replica/dnsServer";
import { CloudflareApiError, CloudflareZone } from "../../replica/cloudflareZone";

describe("replica/cloudflareZone: records as Cloudflare's API holds them", () => {
    let dns: ReplicaDns;
    let zone: CloudflareZone;
    beforeEach(async () => {
        dns = (await ReplicaDns.start("127.0.0.1", 0)).addZone("example.com");
        zone = new CloudflareZone("5a1f0c2e9b7d4e3f8a6b1c0d2e4f6a8b", dns);
    });
    afterEach(() => dns.close());

    it("serves what it holds, with ids, updated in place, and stops serving what is deleted", () => {
        const seeded = zone.seed({ id: "a1".repeat(16), name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 300, proxied: false });
        assert.deepEqual(dns.lookup("www.example.com", "A").map((r) => r.value), ["192.0.2.1"]);
        const updated = zone.update(seeded.id, { name: "www.example.com", type: "A", content: "192.0.2.2", ttl: 60, proxied: false, comment: "kept" });
        assert.equal(updated.id, seeded.id);
        assert.deepEqual(dns.lookup("www.example.com", "A").map((r) => [r.value, r.ttl]), [["192.0.2.2", 60]]);
        assert.equal(zone.get(seeded.id)!.comment, "kept");
        zone.delete(seeded.id);
        assert.deepEqual(dns.lookup("www.example.com"), []);
        assert.throws(() => zone.delete(seeded.id), /Record does not exist\. \(81044\)/);
    });

    it("refuses a CNAME beside an A of the same name (either way), a duplicate, and a type change in place", () => {
        const a = zone.create({ name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60, proxied: false });
        assert.throws(() => zone.create({ name: "www.example.com", type: "CNAME", content: "cname.vercel-dns.com", ttl: 60, proxied: false }), (e: Error) => e instanceof CloudflareApiError && e.code === 81053);
        assert.throws(() => zone.create({ name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60, proxied: false }), /An identical record already exists.*\(81058\)/);
        assert.throws(() => zone.update(a.id, { name: "www.example.com", type: "CNAME", content: "x.example.net", ttl: 60, proxied: false }), /cannot be changed in place/);
        zone.delete(a.id);
        const c = zone.create({ name: "www.example.com", type: "CNAME", content: "cname.vercel-dns.com.", ttl: 60, proxied: false });
        assert.equal(c.content, "cname.vercel-dns.com");
        assert.throws(() => zone.create({ name: "www.example.com", type: "A", content: "192.0.2.9", ttl: 60, proxied: false }), /\(81053\)/);
        // Two A records of one name are a set, as at Cloudflare.
        zone.create({ name: "example.com", type: "A", content: "192.0.2.1", ttl: 60, proxied: false });
        zone.create({ name: "example.com", type: "A", content: "192.0.2.2", ttl: 60, proxied: false });
        assert.deepEqual(dns.lookup("example.com", "A").map((r) => r.value).sort(), ["192.0.2.1", "192.0.2.2"]);
    });

    it("holds CAA records with their data and comment", () => {
        zone.create({ name: "example.com", type: "CAA", ttl: 300, proxied: false, comment: "ours", data: { flags: 0, tag: "issue", value: "letsencrypt.org" } });
        assert.deepEqual(dns.lookup("example.com", "CAA").map((r) => r.value), ['0 issue "letsencrypt.org"']);
        assert.deepEqual(zone.list({ type: "CAA" }).map((r) => [r.comment, r.data?.value]), [["ours", "letsencrypt.org"]]);
    });
});
