import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { ReplicaDns } from "../../replica/dnsServer";
import { checkDnsPropagation, DnsPropagationCheck, DnsPropagationInput } from "../../checks/dnsPropagation";
import { providerOf } from "../helpers/engine";

describe("checks/dnsPropagation (MEP-07)", () => {
    let world: ReplicaWorld;
    let dnsAddr: string;
    let input: DnsPropagationInput;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        dnsAddr = world.net.dnsServers![0];
        input = { domain: world.domain, expected: { apex: ["127.0.0.2"], www: ["127.0.0.2"] }, timeoutMs: 3_000, pollMs: 100 };
    });
    after(() => world.close());
    afterEach(() => {
        world.dns.setSilent(false);
        world.dns.remove(world.www);
        world.pointAt("new");
    });

    it("passes at once when every server answers the new address, with answers per server", async () => {
        const r = await checkDnsPropagation(input, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.equal(r.id, "MEP-07");
        assert.equal(r.name, "DNS propagation");
        assert.equal(r.evidence.rounds, 1);
        assert.deepEqual((r.evidence.answers as Record<string, unknown>)[dnsAddr], { apex: ["127.0.0.2"], www: ["127.0.0.2"] });
        assert.deepEqual(r.evidence.servers, [{ server: dnsAddr, role: "configured" }]);
    });

    it("waits while DNS still points at the old host and passes once it switches", async () => {
        world.pointAt("old");
        const timer = setTimeout(() => world.pointAt("new"), 300);
        try {
            const r = await checkDnsPropagation({ ...input, timeoutMs: 5_000 }, world.net);
            assert.equal(r.status, "pass", r.reason);
            assert.ok((r.evidence.rounds as number) > 1, `rounds ${r.evidence.rounds}`);
            assert.ok((r.evidence.waitedMs as number) >= 300);
        } finally {
            clearTimeout(timer);
        }
    });

    it("fails, bounded, when DNS never switches, naming the resolver and its old answer", async () => {
        world.pointAt("old");
        const r = await checkDnsPropagation({ ...input, timeoutMs: 1_500 }, world.net);
        assert.equal(r.status, "fail");
        // Bounded by its deadline, in counts: it waited the 1.5 s out (a lower bound any machine
        // keeps) in more than one round, and in no more rounds than polls of 100 ms fit in it (its
        // round cap of 100 would show a check that ignored the deadline).
        const rounds = r.evidence.rounds as number;
        assert.ok(rounds > 1 && rounds <= 1 + 1_500 / 100, `rounds ${rounds}`);
        assert.ok((r.evidence.waitedMs as number) >= 1_500, `waited ${r.evidence.waitedMs} ms`);
        assert.match(
            r.reason,
            new RegExp(`1/1 resolvers answer other values for www\\.kaliabeautystudio\\.com after \\d+\\.\\d s: ${dnsAddr} → 127\\.0\\.0\\.3 \\(expected 127\\.0\\.0\\.2\\)`),
        );
        assert.match(r.reason, new RegExp(`for kaliabeautystudio\\.com after .*${dnsAddr} → 127\\.0\\.0\\.3`));
        assert.deepEqual((r.evidence.lagging as Record<string, unknown>)[dnsAddr], { apex: "127.0.0.3", www: "127.0.0.3" });
    });

    // Issue 18 item 5: the check knows what it expected and what it got, not which one is "old".
    it("names what the servers answered without calling it the old address (here it is the new host)", async () => {
        world.pointAt("new");
        const r = await checkDnsPropagation({ ...input, expected: { apex: ["127.0.0.3"], www: ["127.0.0.3"] }, timeoutMs: 300 }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`1/1 resolvers answer other values for www\\.kaliabeautystudio\\.com after [\\d.]+ s: ${dnsAddr} → 127\\.0\\.0\\.2 \\(expected 127\\.0\\.0\\.3\\)`));
        assert.doesNotMatch(r.reason, /\bold\b|\bnew\b/);
    });

    it("reports a silent server as an error, bounded", async () => {
        world.dns.setSilent(true);
        const r = await checkDnsPropagation({ ...input, timeoutMs: 1_000 }, world.net);
        assert.equal(r.status, "fail");
        // Bounded in counts: each round's queries give up within what is left of the 1 s, so the
        // rounds are no more than polls of 100 ms fit in it.
        const rounds = r.evidence.rounds as number;
        assert.ok(rounds >= 1 && rounds <= 1 + 1_000 / 100, `rounds ${rounds}`);
        assert.match(r.reason, new RegExp(`1/1 resolvers do not answer for www\\.kaliabeautystudio\\.com .*${dnsAddr} → error ETIMEOUT`));
        assert.deepEqual((r.evidence.answers as Record<string, { errors?: unknown }>)[dnsAddr].errors, { apex: "ETIMEOUT", www: "ETIMEOUT" });
    });

    it("tells a name that does not exist (NXDOMAIN) from a server that does not answer", async () => {
        world.dns.remove(world.www);
        const r = await checkDnsPropagation({ ...input, timeoutMs: 300 }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, new RegExp(`1/1 resolvers say the name does not exist for www\\.kaliabeautystudio\\.com .*${dnsAddr} → NXDOMAIN \\(no such name\\)`));
        assert.doesNotMatch(r.reason, /do not answer/);
        world.dns.setSilent(true);
        const silent = await checkDnsPropagation({ ...input, timeoutMs: 300 }, world.net);
        assert.match(silent.reason, /do not answer for www\.kaliabeautystudio\.com .*error ETIMEOUT \(no answer: server down or unreachable\)/);
    });

    it("says 'the one server asked' rather than 'all 1 servers'", async () => {
        const r = await checkDnsPropagation(input, world.net);
        assert.match(r.reason, new RegExp(`answer the expected values on the one server asked \\(${dnsAddr}\\)`));
        assert.doesNotMatch(r.reason, /all 1 servers/);
    });

    it("names only the servers that lag, among several", async () => {
        const other = (await ReplicaDns.start("127.0.0.1", 0)).addZone(world.domain);
        try {
            other.set(world.domain, "A", ["127.0.0.2"]).set(world.www, "A", ["127.0.0.9"]);
            const r = await checkDnsPropagation({ ...input, timeoutMs: 400 }, { ...world.net, dnsServers: [dnsAddr, other.address] });
            assert.equal(r.status, "fail");
            assert.match(r.reason, new RegExp(`^1/2 resolvers answer other values for www\\.kaliabeautystudio\\.com after [\\d.]+ s: ${other.address} → 127\\.0\\.0\\.9 \\(expected 127\\.0\\.0\\.2\\)$`));
            assert.deepEqual(Object.keys(r.evidence.lagging as object), [other.address]);
        } finally {
            await other.close();
        }
    });

    it("accepts a www CNAME when the expected value is a CNAME target, and flags the old A record", async () => {
        const cnameInput = { ...input, expected: { apex: ["127.0.0.2"], www: ["cname.vercel-dns.com"] }, timeoutMs: 300 };
        const before = await checkDnsPropagation(cnameInput, world.net);
        assert.equal(before.status, "fail");
        assert.match(before.reason, /www\.kaliabeautystudio\.com .* → 127\.0\.0\.2 \(expected cname\.vercel-dns\.com\)/);
        world.dns.remove(world.www);
        world.dns.set(world.www, "CNAME", ["cname.vercel-dns.com."]);
        const after = await checkDnsPropagation(cnameInput, world.net);
        assert.equal(after.status, "pass", after.reason);
        assert.deepEqual((after.evidence.answers as Record<string, { www: string[] }>)[dnsAddr].www, ["cname.vercel-dns.com"]);
    });

    describe("as a dynamic resource", () => {
        it("creates when propagated, rejects with MEP-07 when not, diffs on triggers", async () => {
            const { provider, inputs } = await providerOf(
                () => new DnsPropagationCheck("dns", { input: { ...input, timeoutMs: 500 }, net: world.net, triggers: { records: "v1" } }),
            );
            const created = await provider.create(inputs);
            assert.equal(created.outs.result.status, "pass");
            const { __provider, ...plain } = inputs;
            assert.deepEqual(await provider.diff(created.id, created.outs, plain), { changes: false });
            assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, triggers: { records: "v2" } }), { changes: true });
            world.pointAt("old");
            await assert.rejects(provider.create(inputs), /MEP-07 DNS propagation failed: .*answer other values/);
        });
    });
});
