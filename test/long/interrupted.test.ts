// Issue 17 on the real engine: `golive cutover --yes` interrupted at ten points (issue 25's way back by Cloudflare's API among them), by Ctrl-C (SIGINT to
// its process group, as a terminal sends it) and by SIGKILL (to its process group: golive and the
// engine guard with it, the engine orphaned), each recovered by the documented command
// (`golive recover --stack <stack> --rollback --yes`), with a visitor's prober running throughout
// (0 failed probes) and nothing left running (every process of the run checked by pid).
// One stack at prepare for all the runs: each run ends with the stack back at prepare.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import type { FaultSpec } from "../../replica/control";
import { Prober, ProbeFigures } from "../../rehearsal/prober";
import { requireEngine } from "../helpers/prerequisites";
import { GoliveRun, leftOnStack, LiveStack, processTreeOf, startLiveStack, stillRunningOf } from "../helpers/liveStack";

const STACK = "interrupted";
const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!(await ok())) {
        if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
        await sleep(100);
    }
}

interface KillPoint {
    name: string;
    fault?: FaultSpec;
    /**
     * The new site fails once DNS points to it (as the rehearsal's fails-under-traffic), and R-1 is
     * given beforehand (--auto-rollback): the way back by Cloudflare's API at the first failed check
     * (issue 25). Its failed probes are the fault's, counted apart.
     */
    failsAfterSwitch?: boolean;
    reach(run: GoliveRun, ls: LiveStack): Promise<void>;
}

const faultStruck = (ls: LiveStack, fault: string) => until(`the ${fault} on dns-www`, () => ls.replica.control.faults.some((f) => f.fault === fault && f.name === "dns-www" && f.endedAt === undefined), 180_000);
const guardOf = (ls: LiveStack, command: string) => {
    const dir = path.join(ls.ws.projectDir, ".golive", "engine");
    return () => fs.existsSync(dir) && fs.readdirSync(dir).some((n) => n.endsWith(".json") && JSON.parse(fs.readFileSync(path.join(dir, n), "utf8")).command === command);
};

/** The ten points, in the order a cutover meets them. */
const POINTS: KillPoint[] = [
    {
        name: "during the preview",
        async reach(run, ls) {
            await run.waitFor(/Gates:[\s\S]*P-03\/P-04 Cloudflare zone/);
            await until("the cutover's preview running", guardOf(ls, "preview"), 60_000);
        },
    },
    { name: "while the checks before the switch run", reach: (run) => run.waitFor(/ preswitch-mep09-https: running/) },
    { name: "while Cloudflare holds www's update, not applied", fault: { type: DNS, op: "update", name: "dns-www", fault: "hang", holdMs: 4000 }, reach: (_run, ls) => faultStruck(ls, "hang") },
    { name: "after Cloudflare changed www, before the engine heard back", fault: { type: DNS, op: "update", name: "dns-www", fault: "apply-then-hang", holdMs: 4000 }, reach: (_run, ls) => faultStruck(ls, "apply-then-hang") },
    { name: "once both records are written to the state", reach: (run) => run.waitFor(/✓ update MEP-06 DNS record dns-(apex|www)[\s\S]*✓ update MEP-06 DNS record dns-(apex|www)/) },
    { name: "while the checks after the switch run", reach: (run) => run.waitFor(/ checks-mep09-https: running/) },
    {
        name: "after Cloudflare's API put both records back, before the engine caught up",
        failsAfterSwitch: true,
        reach: (run) => run.waitFor(/✓ (apex|www): PATCH dns_records\/\S+ accepted[\s\S]*✓ (apex|www): PATCH dns_records\/\S+ accepted/),
    },
    { name: "while MEP-15 and MEP-16 run", reach: (run) => run.waitFor(/ services-(search-console|analytics): running/) },
    { name: "during the last steps (challenge records removed)", reach: (run) => run.waitFor(/✓ delete MEP-08 DNS-01 challenge record/) },
    { name: "after the update succeeded, while golive ends", reach: (run) => run.waitFor(/cutover done:/) },
];

describe(`long: a cutover interrupted at ${POINTS.length} points × ${process.env.GOLIVE_LONG_FULL === "1" ? "(Ctrl-C, SIGKILL)" : "Ctrl-C or SIGKILL in turn (GOLIVE_LONG_FULL=1: both)"}, recovered by golive recover (issue 17)`, function () {
    this.timeout(600_000);
    let ls: LiveStack;
    let prober: Prober;
    const runs: Array<{ point: string; how: string; exit: number; dnsAfterKill: string; recoverS: number; leftAfterKill: number }> = [];
    let figures: ProbeFigures | undefined;
    /** The prober's marks of the runs whose new site failed after the switch (their failed probes are the fault's). */
    const faultLabels: string[] = [];

    before(async function () {
        this.timeout(600_000);
        const engine = requireEngine(this);
        ls = await startLiveStack({ engine, stack: STACK });
        const { world } = ls.replica;
        prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: { ...world.net, attempts: 1 }, timeoutMs: 3_000, now: () => Date.now() });
        await prober.start("before").ready();
        // The Cloudflare provider's config, as a stack holds it: the replica's REST API and a token
        // (the way back by Cloudflare's API reads them; the replica plugins do not need them).
        await ls.ws.setConfig({ "cloudflare:baseUrl": { value: `${ls.replica.control.url}/client/v4` }, "cloudflare:apiToken": { value: "replica-token-interrupted", secret: true } }, STACK);
    });

    after(async () => {
        if (prober && !figures) figures = await prober.stop().catch(() => undefined);
        if (runs.length > 0) console.log(`      runs: ${JSON.stringify(runs)}\n      probes: ${JSON.stringify({ total: figures?.total, failed: figures?.failed, stalledSetApart: (figures?.stalled ?? 0) + (figures?.stalledReplica ?? 0) })}`);
        await ls?.close();
    });

    const dir = () => ["--dir", ls.ws.projectDir, "--records", ls.records];
    // golive rollback leaves the stack file with the target's config (prepare's, before the client's
    // approval): the approval is recorded again before the next cutover, as an operator would.
    const approve = () => ls.ws.setConfig({ "golive:approvedBy": { value: "Client (test)" }, "golive:approvedAt": { value: new Date().toISOString().slice(0, 10) } }, STACK);
    const dnsText = () => {
        const d = ls.dnsNow();
        return `apex ${d.apex.join(",")} www ${d.www.join(",")}`;
    };
    const history = async () => JSON.parse((await ls.ws.pulumi(["stack", "history", "--json", "--stack", STACK])).stdout || "[]") as Array<{ kind: string; result: string; config?: Record<string, { value: string }> }>;

    // Every point by both signals with GOLIVE_LONG_FULL=1 (20 runs: the way back by Cloudflare's API
    // by SIGKILL too); otherwise (`npm run test:long`, CI) every point once, the signals taking turns
    // (10 runs: both kinds of interruption at neighbouring points, within CI's time).
    const full = process.env.GOLIVE_LONG_FULL === "1";
    for (const [index, point] of POINTS.entries()) {
        for (const how of (["Ctrl-C", "SIGKILL"] as const).filter((_h, i) => full || i === index % 2)) {
            it(`${point.name} × ${how}: golive says where the site is, golive recover brings it back to prepare; nothing left running`, async () => {
                const { world } = ls.replica;
                prober.mark(`${point.name} × ${how}`);
                // Every check runs again in each run (a new nonce), whatever the runs before left in the state.
                const nonce = await ls.ws.pulumi(["config", "set", "--path", "golive:checks.nonce", `${POINTS.indexOf(point)}-${how}`, "--stack", STACK]);
                assert.equal(nonce.code, 0, nonce.stderr);
                if (point.fault) ls.replica.control.failNext(point.fault);
                const serving = world.newSite.spec;
                if (point.failsAfterSwitch) {
                    // Broken under traffic: 500 while either name's record points at the new host (the
                    // earlier points switched DNS too, so "once switched" would break this run from its start).
                    const previous = serving.handle;
                    const underTraffic = () => {
                        const d = ls.dnsNow();
                        return d.apex.includes(world.newSite.host) || d.www.includes(world.newSite.host);
                    };
                    world.newSite.spec = { ...serving, handle: (req) => (underTraffic() ? { status: 500, headers: { "content-type": "text/plain" }, body: "pool exhausted" } : previous ? previous(req) : undefined) };
                }
                const run = ls.golive(["cutover", "--stack", STACK, "--yes", ...(point.failsAfterSwitch ? ["--auto-rollback"] : []), ...dir()], { env: { GOLIVE_CANCEL_WAIT_SECONDS: "60" } });
                await point.reach(run, ls);
                const tree = processTreeOf(run.pid);
                assert.ok(tree.length >= 1, "golive runs");
                process.kill(-run.pid, how === "Ctrl-C" ? "SIGINT" : "SIGKILL");
                const exit = await run.exited;
                const out = run.output();
                let leftAfterKill = 0;
                if (how === "Ctrl-C") {
                    // Golive's own account: interrupted (or done, when the update had already ended), where the site is, a record.
                    if (exit === 130 && /cancelled \(Ctrl-C\) before anything was applied; nothing was changed/.test(out)) {
                        // Before `up`: nothing applied, nothing to record.
                        assert.equal(ls.filePhase(), "prepare", "the stack file as it was");
                    } else if (exit === 130) {
                        assert.match(out, /Ctrl-C: stopping cleanly/);
                        assert.match(out, /cutover INTERRUPTED \(Ctrl-C, engine stopped (cleanly|at once)\)/);
                        assert.match(out, /Where the site is: /);
                        const file = /Record: (.*)$/m.exec(out)?.[1];
                        assert.ok(file && /Result:\*\* INTERRUPTED \(SIGINT/.test(fs.readFileSync(file, "utf8")), `a record of the interruption:\n${out.slice(-2000)}`);
                        assert.equal(ls.filePhase(), "prepare", "the stack file says what the stack runs");
                    } else assert.equal(exit, 0, out.slice(-3000));
                    // Nothing of the run is left: the engine stopped cleanly and its guard ended the rest.
                    await until("every process of the run ended", () => stillRunningOf(tree).length === 0, 30_000);
                } else {
                    assert.equal(exit, 137);
                    await sleep(2000);
                    leftAfterKill = stillRunningOf(tree).length;
                }
                const dnsAfterKill = dnsText();
                ls.replica.control.clearFaults();
                world.newSite.spec = serving;
                if (point.failsAfterSwitch) {
                    // Killed after the API calls: the records are on the old host already, whatever the engine did not finish.
                    assert.equal(dnsAfterKill, `apex ${world.oldSite.host} www ${world.oldSite.host}`, out.slice(-3000));
                    faultLabels.push(`${point.name} × ${how}`);
                }

                // golive status says where the site is, from the records.
                const st = ls.golive(["status", "--stack", STACK, "--dir", ls.ws.projectDir]);
                assert.ok([0, 1].includes(await st.exited), st.output());
                const now = ls.dnsNow();
                const both = (h: string) => now.apex.join() === h && now.www.join() === h;
                assert.match(
                    st.output(),
                    both(world.newSite.host) ? /Where the site is: [^\n]*apex and www point to Vercel \(127\.0\.0\.2\)/ : both(world.oldSite.host) ? /Where the site is: [^\n]*apex and www point to the old host \(127\.0\.0\.3\)/ : /Where the site is: [^\n]*apex points to/,
                    `${dnsText()}\n${st.output()}`,
                );

                // The documented way back.
                const t0 = Date.now();
                const rc = ls.golive(["recover", "--stack", STACK, "--rollback", "--yes", ...dir()]);
                assert.equal(await rc.exited, 0, rc.output());
                let recoverS = (Date.now() - t0) / 1000;
                assert.match(rc.output(), /Where the site is: /);
                // The update had succeeded (or an orphaned engine finished it): nothing half-done; back to prepare with golive rollback.
                const applied = (await history()).find((e) => e.kind === "update" && e.result === "succeeded");
                if (applied?.config?.["golive:phase"]?.value === "cutover") {
                    assert.match(rc.output(), /Nothing is half-done: cutover applied/);
                    const rb = ls.golive(["rollback", "--stack", STACK, "--yes", ...dir()]);
                    assert.equal(await rb.exited, 0, rb.output());
                    recoverS = (Date.now() - t0) / 1000;
                    await approve();
                }
                assert.deepEqual(ls.dnsNow(), { apex: [world.oldSite.host], www: [world.oldSite.host] }, "back at prepare: the old site");
                assert.equal(ls.filePhase(), "prepare");
                const left = await leftOnStack(ls);
                assert.deepEqual(left, { backendLocks: [], pending: [], runLock: false, guards: 0 });
                assert.deepEqual(stillRunningOf(tree), [], "nothing of the interrupted run is running");
                const runs_ = await history();
                assert.equal(runs_.find((e) => e.kind === "update" && e.result === "succeeded")?.config?.["golive:phase"].value, "prepare", "the stack runs prepare");
                runs.push({ point: point.name, how, exit, dnsAfterKill, recoverS, leftAfterKill });
            });
        }
    }

    it("the site served throughout: 0 failed probes (but for the new site's failure after the switch, until the records were back)", async () => {
        figures = await prober.stop();
        assert.ok(figures.total > 0);
        const fault = faultLabels.reduce((n, l) => n + (figures!.byPhase[l]?.failed ?? 0), 0);
        assert.equal(figures.failed - fault, 0, JSON.stringify(figures.failures.filter((f) => !faultLabels.some((l) => JSON.stringify(f).includes(l))).slice(0, 5)));
    });
});
