// The answers Cloudflare's DNS gives (issue 23 item 8): a proxied name answers A and AAAA from the
// edge (the replica's anycast: 127.0.0.4 and ::1, where visitors reach the same edge on both), and
// a CNAME at the zone's apex is flattened (the apex answers its target's addresses, never a CNAME).
import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { seededZone } from "../../rehearsal/run";
import { LIVE_RECORD_IDS } from "../../replica/providers";
import type { CloudflareZone } from "../../replica/cloudflareZone";
import { httpRequest, makeResolver } from "../../checks/net";
import { checkDnsPropagation } from "../../checks/dnsPropagation";
import * as https from "https";

describe("replica: Cloudflare's DNS answers: AAAA for proxied names, the apex CNAME flattened", function () {
    this.timeout(60_000);
    let world: ReplicaWorld;
    let zone: CloudflareZone;
    before(async () => {
        world = await startWorld({ pointAt: "old", ttl: 300 });
        zone = seededZone(world);
    });
    after(async () => world?.close());

    it("a proxied name answers the edge's A and AAAA (TTL 300); the edge serves on both; unproxied, no AAAA", async function () {
        if (!world.edge.host6) this.skip(); // no IPv6 loopback on this machine: the edge answers A only
        const r = zone.get(LIVE_RECORD_IDS.www)!;
        zone.update(r.id, { name: r.name, type: r.type, content: r.content, ttl: 1, proxied: true });
        const resolver = makeResolver(world.net.dnsServers!);
        assert.deepEqual(await resolver.resolve4(world.www), [world.edge.host]);
        assert.deepEqual(await resolver.resolve6(world.www), [world.edge.host6]);
        assert.deepEqual(world.dns.lookup(world.www, "AAAA").map((x) => x.ttl), [300]);
        // The probers and checks still take the A answer (checks/net prefers IPv4): the same edge.
        const res = await httpRequest(`https://${world.www}/`, world.net);
        assert.equal(res.headers["x-served-by"], "old-host (via cloudflare)");
        // And the IPv6 edge forwards the same way (a visitor on IPv6).
        const v6 = await new Promise<{ status?: number; servedBy?: unknown }>((resolve, reject) => {
            const req = https.request({ host: world.edge.host6, port: world.net.httpsPort, path: "/", servername: world.www, headers: { host: world.www }, ca: world.ca.certPem, timeout: 5_000 }, (x) => {
                x.resume();
                resolve({ status: x.statusCode, servedBy: x.headers["x-served-by"] });
            });
            req.on("error", reject);
            req.end();
        });
        assert.deepEqual(v6, { status: 200, servedBy: "old-host (via cloudflare)" });
        zone.update(r.id, { name: r.name, type: r.type, content: r.content, ttl: 60, proxied: false });
        await assert.rejects(resolver.resolve6(world.www), /ENODATA|ENOTFOUND/);
    });

    it("an apex CNAME is flattened: the apex answers the target's A set, no CNAME; MEP-07 compares those addresses", async () => {
        const apex = zone.get(LIVE_RECORD_IDS.apex)!;
        world.dns.set("origin.example.net", "A", [world.newSite.host], 60);
        // Only a CNAME may hold the name: the A record becomes the CNAME (as an operator would edit it).
        zone.delete(apex.id);
        const cname = zone.create({ name: world.domain, type: "CNAME", content: "origin.example.net", ttl: 120, proxied: false });
        try {
            const resolver = makeResolver(world.net.dnsServers!);
            assert.deepEqual(await resolver.resolve4(world.domain), [world.newSite.host]);
            await assert.rejects(resolver.resolveCname(world.domain), /ENODATA/);
            assert.deepEqual(world.dns.lookup(world.domain, "A").map((x) => [x.value, x.ttl]), [[world.newSite.host, 120]]);
            // A CNAME below the apex is not flattened.
            const sub = zone.create({ name: `shop.${world.domain}`, type: "CNAME", content: "origin.example.net", ttl: 120, proxied: false });
            assert.deepEqual(await resolver.resolveCname(`shop.${world.domain}`), ["origin.example.net"]);
            zone.delete(sub.id);
            // MEP-07 with the apex expected at the CNAME's target: the zone's servers answer addresses, compared as such.
            const result = await checkDnsPropagation({ domain: world.domain, expected: { apex: ["origin.example.net"], www: [] }, authoritative: world.net.dnsServers!, resolvers: [], timeoutMs: 3_000, pollMs: 100 } as never, world.net);
            assert.equal(result.status, "pass", `${result.reason} ${JSON.stringify(result.evidence)}`);
        } finally {
            zone.delete(cname.id);
            zone.seed({ ...apex });
        }
    });
});
