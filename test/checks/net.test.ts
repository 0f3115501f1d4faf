import { strict as assert } from "assert";
import { describeError, httpRequest, httpRequestWithRetry } from "../../checks/net";
import { startWorld, ReplicaWorld } from "../../replica/world";

describe("checks/net: what a failed name lookup says", () => {
    let world: ReplicaWorld;
    before(async () => (world = await startWorld({ pointAt: "new" })));
    after(() => world.close());
    afterEach(() => {
        world.dns.setSilent(false);
        world.pointAt("new");
    });

    it("a missing name is NXDOMAIN (not retried); a resolver that does not answer is said to be down (retried)", async () => {
        world.dns.remove(world.www);
        const missing = await httpRequest(`https://${world.www}/`, world.net).then(() => undefined, (e) => e as NodeJS.ErrnoException);
        assert.equal(missing?.code, "ENOTFOUND");
        assert.match(describeError(missing), new RegExp(`www\\.kaliabeautystudio\\.com does not exist on ${world.net.dnsServers![0]} \\(NXDOMAIN\\)`));

        world.pointAt("new");
        world.dns.setSilent(true);
        const net = { ...world.net, timeoutMs: 600, attempts: 1 };
        const dead = await httpRequest(`https://${world.www}/`, net).then(() => undefined, (e) => e as NodeJS.ErrnoException);
        assert.equal(dead?.code, "ETIMEOUT");
        assert.match(describeError(dead), /no answer from the DNS server .* for www\.kaliabeautystudio\.com \(ETIMEOUT\): the resolver is down or unreachable/);
        assert.doesNotMatch(describeError(dead), /does not exist|NXDOMAIN/);
        // A dead resolver is transient: the request is tried again (and the resolver is back).
        setTimeout(() => world.dns.setSilent(false), 700);
        const res = await httpRequestWithRetry(`https://${world.www}/`, { ...net, attempts: 3 });
        assert.equal(res.status, 200);
    });

    it("says which names a certificate covers when it does not cover the host", () => {
        const err = Object.assign(new Error("Hostname/IP does not match certificate's altnames: Host: www.example.com. is not in the cert's altnames: DNS:*.vercel.app, DNS:vercel.app"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
        assert.equal(describeError(err), "ERR_TLS_CERT_ALTNAME_INVALID: certificate names [*.vercel.app, vercel.app] do not cover www.example.com");
    });
});
