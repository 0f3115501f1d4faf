import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { createCa, issueCertificate } from "../../replica/pki";
import { Prober, ProbeFigures } from "../../rehearsal/prober";
import { sleep } from "../../checks/net";
import { startWorldProcess, WorldProcess } from "../fixtures/worldProcess";
import { isRunning as alive } from "../helpers/processes";

const ROOT = path.join(__dirname, "..", "..");
const TS_NODE = require.resolve("ts-node/register/transpile-only");

/** The whole process stands still, as on a machine with no core to spare. */
function blockFor(ms: number): { from: number; to: number } {
    const from = Date.now();
    while (Date.now() < from + ms) {
        // busy
    }
    return { from, to: Date.now() };
}


/** Waits, polling, until `ok()` holds: what the test waits for is a count of probes, not a time. */
async function waitFor(what: string, ok: () => boolean, capMs = 15_000): Promise<void> {
    const until = Date.now() + capMs;
    while (!ok()) {
        if (Date.now() > until) throw new Error(`not within ${capMs} ms: ${what}`);
        await sleep(20);
    }
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
        if (!alive(pid)) return true;
        await sleep(50);
    }
    return !alive(pid);
}

describe("rehearsal/prober: counts what a visitor would see, from a process of its own", function () {
    this.timeout(30_000);
    let world: ReplicaWorld;
    before(async () => {
        world = await startWorld({ pointAt: "new" });
    });
    after(() => world.close());

    it("counts failures only in the window where the site fails, per phase (the phase a probe was sent in)", async () => {
        const prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: world.net, timeoutMs: 1_000 }).start("before");
        let figures;
        try {
            await prober.ready();
            const phase = (label: string) => prober.figures().byPhase[label] ?? { total: 0, failed: 0 };
            await waitFor("6 probes before the outage", () => phase("before").total >= 6);
            // A probe counts in the window it was sent in: a gap on each side of the outage (probes
            // answered, counted) keeps the probes in flight at a switch out of the neighbouring windows.
            prober.mark("outage");
            assert.equal(prober.currentPhase, "outage");
            await waitFor("2 probes sent in the outage window answered before the site fails", () => phase("outage").total >= 2);
            world.newSite.spec.pages["/"].status = 503;
            await waitFor("4 failed probes in the outage", () => phase("outage").failed >= 4);
            world.newSite.spec.pages["/"].status = 200;
            const okBefore = phase("outage").total - phase("outage").failed;
            await waitFor("2 probes answered after the restore", () => phase("outage").total - phase("outage").failed >= okBefore + 2);
            prober.mark("after");
            await waitFor("4 probes after the outage", () => phase("after").total >= 4);
        } finally {
            world.newSite.spec.pages["/"].status = 200;
            figures = await prober.stop();
        }
        assert.equal(figures.byPhase.before.failed, 0);
        assert.ok(figures.byPhase.before.total >= 6, JSON.stringify(figures.byPhase));
        assert.ok(figures.byPhase.outage.failed >= 4, JSON.stringify(figures.byPhase));
        assert.match(figures.failures[0].detail, /503 from vercel/);
        assert.ok(figures.byPhase.after.total >= 4);
        assert.equal(figures.byPhase.after.failed, 0, JSON.stringify(figures.byPhase.after));
        assert.equal(figures.capped, false);
        assert.equal(figures.proberLost, undefined);
        assert.equal(typeof figures.proberStartMs, "number");
        assert.ok(prober.pid === undefined, "the prober's process is gone after stop()");
    });

    it("checks certificates as a browser does: Vercel's *.vercel.app certificate for www, or one from a CA nobody trusts, is a failed probe naming the error", async () => {
        const certs = world.newSite.certs;
        const probe = async () => {
            const prober = new Prober({ urls: [`https://${world.www}/`], net: world.net, timeoutMs: 1_000 }).start("tls");
            await prober.ready();
            await waitFor("a probe answered", () => prober.figures().total >= 1);
            return prober.stop();
        };
        let wrongName: ProbeFigures;
        let untrusted: ProbeFigures;
        try {
            world.newSite.certs = { "*": world.issue(["*.vercel.app"]) };
            wrongName = await probe();
            const stranger = createCa("a CA no browser trusts");
            world.newSite.certs = { "*": issueCertificate(stranger, { names: [world.domain, world.www] }) };
            untrusted = await probe();
        } finally {
            world.newSite.certs = certs;
        }
        for (const f of [wrongName, untrusted]) {
            assert.ok(f.total >= 1, JSON.stringify(f));
            assert.equal(f.failed, f.total, "every probe failed");
            assert.equal(f.stalled + f.stalledReplica, 0, "an answer with a wrong certificate is never set apart");
        }
        assert.match(wrongName.failures[0].detail, /ERR_TLS_CERT_ALTNAME_INVALID: certificate names \[\*\.vercel\.app\] do not cover www\.kaliabeautystudio\.com/);
        assert.match(untrusted.failures[0].detail, /UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate/);
    });

    it("keeps probing while this process stands still: a failure during the stall is counted, not hidden", async () => {
        // The sites and the DNS in their own process, answering 500: only the prober's parent stalls.
        let remote: WorldProcess | undefined;
        let figures: ProbeFigures;
        let block: { from: number; to: number };
        try {
            remote = await startWorldProcess();
            await remote.setHomeStatus(500);
            const prober = new Prober({ urls: [`https://${remote.www}/`, `https://${remote.domain}/`], net: remote.net, timeoutMs: 1_000, now: () => Date.now() }).start("stall");
            try {
                await prober.ready();
                await waitFor("the first probes answered", () => prober.figures().total >= 2);
                block = blockFor(1_500);
                await waitFor("a probe sent after the stall answered", () => prober.samples.some((x) => x.at > block.to));
            } finally {
                figures = await prober.stop();
            }
            assert.equal(figures.proberLost, undefined);
            // The samples' times are the caller's clock (here the wall clock): sent during the stall.
            const during = prober.samples.filter((s) => s.at >= block.from + 100 && s.at <= block.to - 100);
            assert.ok(during.length >= 4, `${during.length} probes sent while this process stood still for 1.5 s`);
            assert.ok(during.every((s) => !s.ok && s.status === 500 && !s.stalled), JSON.stringify(during.slice(0, 3)));
        } finally {
            await remote?.close();
        }
        assert.equal(figures.failed, figures.total, "a 500 is a failure, whoever stalls");
        assert.equal(figures.stalled + figures.stalledReplica, 0);
        assert.ok(figures.eventLoopMaxMs >= 1_400, `this process's stall is in the figures (${figures.eventLoopMaxMs} ms)`);
    });

    it("a probe that timed out while the replica's process (this one) stood still is counted apart with the reason; a slow site still fails", async () => {
        // The request's timeout (1 s) comes first with the world's DNS timeout (3 s, a query gives up
        // after half of it); with a DNS timeout of 1 s the query gives up first (0.5 s).
        for (const [net, timedOut] of [
            [world.net, /timed out after 1000 ms/],
            [{ ...world.net, timeoutMs: 1_000 }, /no answer from the DNS server .* \(ETIMEOUT\)/],
        ] as const) {
            const prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net, timeoutMs: 1_000 }).start("stall");
            let stalled: ProbeFigures;
            try {
                await prober.ready();
                // The stall's place among the probes decides which timeout a probe meets (DNS or
                // request): this case is about a stall, so its timing stays as measured.
                await sleep(300);
                blockFor(1_500);
                await sleep(400);
            } finally {
                stalled = await prober.stop();
            }
            assert.equal(stalled.failed, 0, JSON.stringify(stalled.failures));
            assert.ok(stalled.stalledReplica >= 1, JSON.stringify(stalled));
            const apart = stalled.setApart.filter((x) => x.stalled === "replica");
            assert.ok(apart.some((s) => timedOut.test(s.detail)), JSON.stringify(apart));
            for (const s of apart) assert.match(s.setApartBecause ?? "", /timed out while the replica's process \(its DNS and site servers\) stood still \d+ ms of the \d+ ms it waited \(probe timeout 1000 ms\)/);
            assert.ok(stalled.eventLoopMaxMs >= 1_400);
        }

        // Without a stall, a site slower than the timeout is a failed probe.
        world.newSite.spec.pages["/"].delayMs = 1_500;
        const slow = new Prober({ urls: [`https://${world.www}/`], net: world.net, timeoutMs: 1_000 }).start("slow");
        let figures;
        try {
            await slow.ready();
            await waitFor("a probe timed out", () => slow.figures().failed >= 1);
        } finally {
            figures = await slow.stop();
            world.newSite.spec.pages["/"].delayMs = undefined;
        }
        assert.ok(figures.failed >= 1, JSON.stringify(figures));
        assert.equal(figures.stalled + figures.stalledReplica, 0);
        assert.match(figures.failures[0].detail, /timed out after 1000 ms/);
    });

    it("stops by itself at its hard cap, and its process ends", async () => {
        const prober = new Prober({ urls: [`https://${world.www}/`], net: world.net, maxDurationMs: 300 }).start();
        await prober.ready();
        const pid = prober.pid!;
        assert.ok(await goneWithin(pid, 5_000), "the prober's process ended at its cap");
        const f = await prober.stop();
        assert.equal(f.capped, true);
        assert.ok(f.total <= 10, `${f.total} probes after the cap`);
        assert.equal(f.proberLost, undefined);
    });

    it("stop() is bounded when the prober's process hangs: it is killed and the figures say so", async () => {
        const prober = new Prober({ urls: [`https://${world.www}/`], net: world.net, timeoutMs: 300 }).start();
        await prober.ready();
        const pid = prober.pid!;
        try {
            process.kill(pid, "SIGSTOP");
            const f = await prober.stop();
            assert.match(f.proberLost ?? "", /did not answer stop\(\) within \d+ ms: killed/);
            assert.ok(await goneWithin(pid, 5_000), "the hung process was killed");
        } finally {
            if (alive(pid)) process.kill(pid, "SIGKILL");
        }
    });

    for (const how of ["is killed with SIGKILL", "exits without stop()"] as const) {
        it(`the prober's process ends when the process that started it ${how}`, async () => {
            // Probes a closed loopback port: quick refusals, nothing served.
            const script = `
                const { Prober } = require(${JSON.stringify(path.join(ROOT, "rehearsal", "prober"))});
                const p = new Prober({ urls: ["https://127.0.0.1:1/"], net: {}, timeoutMs: 500 }).start();
                p.ready().then(() => {
                    process.stdout.write("prober " + p.pid + "\\n");
                    ${how === "exits without stop()" ? "setTimeout(() => process.exit(0), 200);" : ""}
                });
                setInterval(() => {}, 1000);`;
            const parent = spawn(process.execPath, ["-r", TS_NODE, "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
            let pid: number | undefined;
            try {
                pid = await new Promise<number>((resolve, reject) => {
                    let out = "";
                    const timer = setTimeout(() => reject(new Error(`no prober started within 20 s: ${out}`)), 20_000);
                    parent.stdout!.on("data", (d: Buffer) => {
                        out += d.toString();
                        const m = /prober (\d+)/.exec(out);
                        if (m) {
                            clearTimeout(timer);
                            resolve(Number(m[1]));
                        }
                    });
                });
                assert.ok(alive(pid), "the prober runs");
                if (how === "is killed with SIGKILL") parent.kill("SIGKILL");
                assert.ok(await goneWithin(pid, 10_000), `the prober's process ${pid} still runs after its parent ended`);
            } finally {
                if (parent.exitCode === null) parent.kill("SIGKILL");
                if (pid && alive(pid)) process.kill(pid, "SIGKILL");
            }
        });
    }

    it("the prober's process loads the network module only, not the Pulumi SDK", async () => {
        const script = `require(${JSON.stringify(path.join(ROOT, "rehearsal", "proberChild"))}); process.stdout.write(JSON.stringify(Object.keys(require.cache)));`;
        const child = spawn(process.execPath, ["-r", TS_NODE, "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
        let out = "";
        child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
        const code = await new Promise<number | null>((r) => child.on("close", r));
        assert.equal(code, 0);
        const modules = JSON.parse(out) as string[];
        assert.ok(modules.some((m) => m.endsWith(path.join("checks", "net.ts"))));
        assert.deepEqual(modules.filter((m) => /[\\/]@pulumi[\\/]/.test(m)), []);
    });
});
