import { strict as assert } from "assert";
import * as net from "net";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { checkHttpsReachability, HttpsReachabilityCheck } from "../../checks/httpsReachability";
import { defaultPages } from "../../replica/site";
import { providerOf } from "../helpers/engine";

describe("checks/httpsReachability (MEP-09)", () => {
    let world: ReplicaWorld;
    let url: string;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        url = `https://${world.www}/`;
    });
    after(() => world.close());
    afterEach(() => {
        world.newSite.spec.pages = defaultPages("Kalia Beauty Studio");
        world.pointAt("new");
    });

    it("passes when www answers 200 within the budget, with the evidence", async () => {
        const r = await checkHttpsReachability({ url }, world.net);
        assert.equal(r.status, "pass", r.reason);
        assert.equal(r.id, "MEP-09");
        assert.equal(r.name, "HTTPS reachability");
        assert.equal(r.evidence.status, 200);
        assert.equal(r.evidence.servedBy, "vercel");
        assert.match(String(r.evidence.contentType), /text\/html/);
        assert.ok((r.evidence.bytes as number) > 100);
        assert.equal(typeof r.evidence.elapsedMs, "number");
        assert.equal(typeof r.durationMs, "number");
    });

    it("fails when / answers 500", async () => {
        world.newSite.spec.pages["/"] = { ...world.newSite.spec.pages["/"], status: 500 };
        const r = await checkHttpsReachability({ url }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /answered 500 \(expected 200\)/);
        assert.equal(r.evidence.status, 500);
    });

    it("fails when / is slower than its budget", async () => {
        world.newSite.spec.pages["/"] = { ...world.newSite.spec.pages["/"], delayMs: 700 };
        const r = await checkHttpsReachability({ url, budgetMs: 300 }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /answered 200 in \d+ ms, over the 300 ms budget/);
        assert.ok((r.evidence.elapsedMs as number) >= 650);
    });

    it("fails on a redirect instead of the page, naming the target", async () => {
        const r = await checkHttpsReachability({ url: `https://${world.domain}/` }, world.net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /answered 308 → https:\/\/www\.kaliabeautystudio\.com\/ \(expected 200/);
    });

    it("fails, bounded, when nothing listens: its attempts counted, not timed", async () => {
        // A port that accepts and drops every connection (ECONNRESET, transient as a refusal is):
        // the check gives up after its 2 attempts, which the server counts.
        let connections = 0;
        const dropper = net.createServer((socket) => {
            connections++;
            socket.destroy();
        });
        await new Promise<void>((resolve) => dropper.listen(0, world.newSite.host, resolve));
        try {
            const dropped = await checkHttpsReachability({ url }, { ...world.net, httpsPort: (dropper.address() as net.AddressInfo).port, attempts: 2 });
            assert.equal(dropped.status, "fail");
            assert.equal(connections, 2, "one connection per attempt, then the verdict");
        } finally {
            await new Promise((resolve) => dropper.close(resolve));
        }
        const r = await checkHttpsReachability({ url }, { ...world.net, httpsPort: 1, attempts: 2 });
        assert.equal(r.status, "fail");
        assert.match(r.reason, /unreachable: .*ECONNREFUSED/);
    });

    describe("as a dynamic resource", () => {
        it("creates on the good site, rejects with MEP-09 on a broken one, diffs on triggers", async () => {
            const { provider, inputs } = await providerOf(
                () => new HttpsReachabilityCheck("https", { input: { url, budgetMs: 3_000 }, net: world.net, triggers: { deployment: "d1" } }),
            );
            const created = await provider.create(inputs);
            assert.equal(created.outs.result.status, "pass");
            assert.match(created.id, /^MEP-09-/);
            const { __provider, ...plain } = inputs;
            assert.deepEqual(await provider.diff(created.id, created.outs, plain), { changes: false });
            assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, triggers: { deployment: "d2" } }), { changes: true });
            world.newSite.spec.pages["/"] = { ...world.newSite.spec.pages["/"], status: 500 };
            await assert.rejects(provider.create(inputs), /MEP-09 HTTPS reachability failed: .*answered 500/);
        });
    });
});
