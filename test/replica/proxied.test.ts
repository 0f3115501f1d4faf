// Proxied records in the replica (issue 19 item 3): the zone answers a proxied A/CNAME with the
// edge's address (TTL 300), the edge presents a certificate for the zone's names and forwards to
// the origin the record holds; the provider refuses a proxied record whose TTL is not 1; a visitor
// behind a caching resolver keeps the edge address for its TTL.
import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { seededZone } from "../../rehearsal/run";
import { LIVE_RECORD_IDS, replicaProviders, TYPES, VercelReplica, ZONE_ID } from "../../replica/providers";
import type { CloudflareZone } from "../../replica/cloudflareZone";
import { ReplicaDns } from "../../replica/dnsServer";
import { httpRequest, inspectTls, makeResolver } from "../../checks/net";

describe("replica: proxied records and Cloudflare's edge", function () {
    this.timeout(60_000);
    let world: ReplicaWorld;
    let zone: CloudflareZone;
    let vercel: VercelReplica;
    let providers: ReturnType<typeof replicaProviders>;
    before(async () => {
        world = await startWorld({ pointAt: "old", ttl: 300 });
        zone = seededZone(world);
        vercel = new VercelReplica(world, world.issue([world.domain, world.www]), {});
        providers = replicaProviders(world, zone, vercel, {}, () => 0, () => undefined);
    });
    after(async () => {
        vercel?.close();
        await world?.close();
    });
    const proxy = (id: string, on: boolean, content?: string) => {
        const r = zone.get(id)!;
        return zone.update(id, { name: r.name, type: r.type, content: content ?? r.content, ttl: on ? 1 : 60, proxied: on });
    };

    it("a proxied record is answered with the edge's address, TTL 300; the edge presents the zone's certificate and forwards to the record's origin", async () => {
        proxy(LIVE_RECORD_IDS.www, true);
        assert.deepEqual(world.dns.lookup(world.www, "A").map((r) => [r.value, r.ttl]), [[world.edge.host, 300]]);
        assert.deepEqual(await makeResolver(world.net.dnsServers!).resolve4(world.www), [world.edge.host]);
        const tls = await inspectTls(world.www, world.net);
        assert.equal(tls.authorized, true);
        assert.ok(tls.altNames.includes(`*.${world.domain}`), tls.altNames.join(", "));
        const res = await httpRequest(`https://${world.www}/`, world.net);
        assert.equal(res.status, 200);
        assert.equal(res.headers["x-served-by"], "old-host (via cloudflare)");
        assert.equal(res.headers["server"], "cloudflare");
        // Unproxied again: the origin's own address, the record's TTL.
        proxy(LIVE_RECORD_IDS.www, false);
        assert.deepEqual(world.dns.lookup(world.www, "A").map((r) => [r.value, r.ttl]), [[world.oldSite.host, 60]]);
    });

    it("the provider refuses to create a proxied record whose TTL is not 1; the API keeps TTL 1 for a proxied update (dns_record/resource.go)", async () => {
        const handler = providers.resources[TYPES.dnsRecord];
        const inputs = { zoneId: ZONE_ID, name: `shop.${world.domain}`, type: "A", content: world.oldSite.host, ttl: 300, proxied: true };
        await assert.rejects(handler({ op: "create", type: TYPES.dnsRecord, name: "shop", inputs }), /ttl must be set to 1 when `proxied` is true/);
        assert.deepEqual(zone.list({ name: `shop.${world.domain}` }), []);
        const created = await handler({ op: "create", type: TYPES.dnsRecord, name: "shop", inputs: { ...inputs, ttl: 1 } });
        await handler({ op: "update", type: TYPES.dnsRecord, name: "shop", inputs: { ...inputs, ttl: 120 }, id: created!.id });
        assert.equal(zone.get(created!.id!)?.ttl, 1);
        zone.delete(created!.id!);
    });

    it("a visitor behind a caching resolver keeps the edge's address for its TTL; after the switch to an unproxied Vercel record the edge forwards to Vercel", async () => {
        let clock = 0;
        const cache = await ReplicaDns.startCaching(world.dns, "127.0.0.1", () => clock);
        try {
            proxy(LIVE_RECORD_IDS.www, true);
            const cached = { ...world.net, dnsServers: [cache.address] };
            assert.deepEqual(await makeResolver(cached.dnsServers).resolve4(world.www), [world.edge.host]);
            // Cutover: www points to Vercel, unproxied (MEP-06); Vercel serves the name.
            vercel.addDomain(world.www);
            proxy(LIVE_RECORD_IDS.www, false, world.newSite.host);
            assert.deepEqual(await makeResolver(world.net.dnsServers!).resolve4(world.www), [world.newSite.host], "a fresh lookup: Vercel");
            clock += 299_000;
            assert.deepEqual(await makeResolver(cached.dnsServers).resolve4(world.www), [world.edge.host], "the cached answer, 299 s later");
            const viaEdge = await httpRequest(`https://${world.www}/`, cached);
            assert.equal(viaEdge.status, 200);
            assert.equal(viaEdge.headers["x-served-by"], "vercel (via cloudflare)");
            clock += 2_000;
            assert.deepEqual(await makeResolver(cached.dnsServers).resolve4(world.www), [world.newSite.host], "expired: the new answer");
        } finally {
            await cache.close();
            vercel.removeDomain(world.www);
            proxy(LIVE_RECORD_IDS.www, false, world.oldSite.host);
        }
    });

    it("a name the zone does not hold gets Cloudflare's 530 (error 1016) from the edge", async () => {
        world.dns.set(`ghost.${world.domain}`, "A", [world.edge.host], 60);
        const res = await httpRequest(`http://ghost.${world.domain}/`, world.net);
        assert.equal(res.status, 530);
        assert.match(res.body, /1016/);
    });
});
