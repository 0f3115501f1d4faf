import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { Prober } from "../../rehearsal/prober";
import { sleep } from "../../checks/net";

describe("rehearsal/prober: counts what a visitor would see", () => {
    let world: ReplicaWorld;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
    });
    after(() => world.close());

    it("counts failures only in the window where the site fails, per phase", async () => {
        const prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: world.net, timeoutMs: 1_000 }).start("before");
        let figures;
        try {
            await sleep(300);
            // A probe counts in the window it started in: a gap on each side of the outage keeps
            // the probes in flight at a switch out of the neighbouring windows.
            prober.mark("outage");
            await sleep(100);
            world.newSite.spec.pages["/"].status = 503;
            await sleep(300);
            world.newSite.spec.pages["/"].status = 200;
            await sleep(100);
            prober.mark("after");
            await sleep(300);
        } finally {
            figures = await prober.stop();
        }
        assert.equal(figures.byPhase.before.failed, 0);
        assert.ok(figures.byPhase.before.total >= 6, JSON.stringify(figures.byPhase));
        assert.ok(figures.byPhase.outage.failed >= 4, JSON.stringify(figures.byPhase));
        assert.match(figures.failures[0].detail, /503 from vercel/);
        assert.ok(figures.byPhase.after.total >= 4);
        assert.equal(figures.byPhase.after.failed, 0, JSON.stringify(figures.byPhase.after));
        assert.equal(figures.capped, false);
    });

    it("a probe that timed out while this process stood still is counted apart, not as failed; a slow site still fails", async () => {
        // Every answer takes 300 ms, so probes are in flight when the process stops for 1.5 s (the
        // replica's servers with it): their 1 s timeout then measures the process, not the site.
        world.newSite.spec.pages["/"].delayMs = 300;
        const prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: world.net, timeoutMs: 1_000 }).start("stall");
        let stalled;
        try {
            await sleep(400);
            const until = Date.now() + 1_500;
            while (Date.now() < until) {
                // the whole process stands still, as on a machine with no core to spare
            }
            await sleep(400);
            stalled = await prober.stop();
        } finally {
            world.newSite.spec.pages["/"].delayMs = undefined;
        }
        assert.equal(stalled.failed, 0, JSON.stringify(stalled.failures));
        assert.ok(stalled.stalled >= 1, JSON.stringify(stalled));
        assert.ok(stalled.eventLoopMaxMs >= 1_400);

        // Without a stall, a site slower than the timeout is a failed probe.
        world.newSite.spec.pages["/"].delayMs = 1_500;
        const slow = new Prober({ urls: [`https://${world.www}/`], net: world.net, timeoutMs: 1_000 }).start("slow");
        let figures;
        try {
            await sleep(1_200);
            figures = await slow.stop();
        } finally {
            world.newSite.spec.pages["/"].delayMs = undefined;
        }
        assert.ok(figures.failed >= 1, JSON.stringify(figures));
        assert.equal(figures.stalled, 0);
        assert.match(figures.failures[0].detail, /timed out after 1000 ms/);
    });

    it("stops by itself at its hard cap", async () => {
        const prober = new Prober({ urls: [`https://${world.www}/`], net: world.net, maxDurationMs: 200 }).start();
        await sleep(400);
        const f = await prober.stop();
        assert.equal(f.capped, true);
        assert.ok(f.total <= 8, `${f.total} probes after the cap`);
    });
});
