import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { httpRequest, inspectTls, makeResolver } from "../../checks/net";

describe("replica world: the go-live on loopback", () => {
    let world: ReplicaWorld;
    before(async () => {
        world = await startWorld({ pointAt: "old" });
    });
    after(() => world.close());

    it("serves the zone from its DNS server and moves it on demand", async () => {
        const resolver = makeResolver(world.net.dnsServers!);
        assert.deepEqual(await resolver.resolve4(world.www), ["127.0.0.3"]);
        world.pointAt("new");
        assert.deepEqual(await resolver.resolve4(world.www), ["127.0.0.2"]);
        await assert.rejects(resolver.resolve4(`nope.${world.domain}`), /ENOTFOUND/);
        world.dns.set(`shop.${world.domain}`, "CNAME", [world.www]);
        assert.deepEqual(await resolver.resolve4(`shop.${world.domain}`), ["127.0.0.2"]);
    });

    it("answers over HTTPS through the replica DNS, ports and CA", async () => {
        world.pointAt("new");
        const res = await httpRequest(`https://${world.www}/`, world.net);
        assert.equal(res.status, 200);
        assert.equal(res.headers["x-served-by"], "vercel");
        assert.match(res.body, /<title>Kalia Beauty Studio/);
        const apex = await httpRequest(`http://${world.domain}/tarifs?x=1`, world.net);
        assert.equal(apex.status, 308);
        assert.equal(apex.location, `https://${world.domain}/tarifs?x=1`);
        world.pointAt("old");
        const old = await httpRequest(`https://${world.www}/`, world.net);
        assert.equal(old.headers["x-served-by"], "old-host");
    });

    it("presents a certificate the replica CA vouches for, and one it does not", async () => {
        const good = await inspectTls(world.www, world.net);
        assert.equal(good.authorized, true);
        assert.deepEqual(good.altNames.sort(), [world.domain, world.www].sort());
        const untrusted = await inspectTls(world.www, { ...world.net, caPem: undefined });
        assert.equal(untrusted.authorized, false);
        assert.match(untrusted.authorizationError ?? "", /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
    });
});
