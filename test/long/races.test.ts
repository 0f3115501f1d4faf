// Issue 17 on the real engine: two golive runs on the same stack never both proceed. The second is
// refused with who holds the stack and since when, before any preview; the first goes on and leaves
// its record. Also a plain `pulumi` run holding the engine's lock.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { requireEngine } from "../helpers/prerequisites";
import { GoliveRun, leftOnStack, LiveStack, releaseLiveStack, sharedLiveStack } from "../helpers/liveStack";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("long: two golive runs on one stack (issue 17)", function () {
    this.timeout(600_000);
    let ls: LiveStack;
    let STACK: string;
    const figures: Record<string, unknown> = {};

    before(async function () {
        this.timeout(600_000);
        // The stack at prepare that providerFaults.test.ts used before this file, when it left it at prepare (helpers/liveStack).
        ls = await sharedLiveStack({ engine: requireEngine(this) });
        STACK = ls.stack;
    });
    after(async () => {
        if (Object.keys(figures).length > 0) console.log(`      figures: ${JSON.stringify(figures)}`);
        await releaseLiveStack(ls);
    });

    const dir = () => ["--dir", ls.ws.projectDir, "--records", ls.records];
    // golive rollback leaves the stack file with the target's config (prepare's, before the client's
    // approval): the approval is recorded again before the next cutover, as an operator would.
    const approve = () => ls.ws.setConfig({ "golive:approvedBy": { value: "Client (test)" }, "golive:approvedAt": { value: new Date().toISOString().slice(0, 10) } }, STACK);
    const lockFile = () => path.join(ls.ws.projectDir, ".golive", `${STACK}.lock`);
    const refusedBy = (out: string, holder: string) => new RegExp(`refused: ${holder} \\(pid \\d+ on [^,]+, run by [^)]+\\) since 20\\d\\d-[^ ]+Z, \\d+ s ago holds stack ${STACK}; nothing was changed`).test(out);
    const records = () => (fs.existsSync(ls.records) ? fs.readdirSync(ls.records) : []);

    it("a rollback started while a cutover runs is refused, saying who and since when, before any preview; the cutover goes on and leaves its record", async () => {
        const before = records().length;
        const cutover = ls.golive(["cutover", "--stack", STACK, "--yes", ...dir()]);
        await cutover.waitFor(/Gates:/);
        assert.ok(fs.existsSync(lockFile()), "the cutover holds the stack");
        const t0 = Date.now();
        const rollback = ls.golive(["rollback", "--stack", STACK, "--yes", ...dir()]);
        assert.equal(await rollback.exited, 1, rollback.output());
        figures.refusedInS = (Date.now() - t0) / 1000;
        assert.ok(refusedBy(rollback.output(), "golive cutover"), rollback.output());
        assert.doesNotMatch(rollback.output(), /Where the site is|Preview|Rolling back/, "refused before looking or previewing");
        assert.equal(await cutover.exited, 0, cutover.output().slice(-3000));
        assert.match(cutover.output(), /cutover done:/);
        assert.deepEqual(ls.dnsNow(), { apex: [ls.replica.world.newSite.host], www: [ls.replica.world.newSite.host] });
        assert.equal(records().length, before + 1, "the cutover's record, and none for the refused rollback");
        assert.ok(!fs.existsSync(lockFile()), "released");
    });

    it("a cutover started while a rollback runs is refused the same way; the rollback goes on", async () => {
        const rollback = ls.golive(["rollback", "--stack", STACK, "--yes", ...dir()]);
        await rollback.waitFor(/Where the site is:/);
        const cutover = ls.golive(["cutover", "--stack", STACK, "--yes", ...dir()]);
        assert.equal(await cutover.exited, 1, cutover.output());
        assert.ok(refusedBy(cutover.output(), "golive rollback"), cutover.output());
        assert.doesNotMatch(cutover.output(), /Gates:|Preview/);
        assert.equal(await rollback.exited, 0, rollback.output().slice(-3000));
        assert.deepEqual(ls.dnsNow(), { apex: [ls.replica.world.oldSite.host], www: [ls.replica.world.oldSite.host] });
        await approve();
    });

    it("two cutovers started at the same moment: exactly one proceeds and leaves its record, the other is refused", async () => {
        const before = records();
        const runs: GoliveRun[] = [ls.golive(["cutover", "--stack", STACK, "--yes", ...dir()]), ls.golive(["cutover", "--stack", STACK, "--yes", ...dir()])];
        const codes = await Promise.all(runs.map((r) => r.exited));
        assert.deepEqual([...codes].sort(), [0, 1], runs.map((r) => r.output().slice(-1500)).join("\n-----\n"));
        const loser = runs[codes.indexOf(1)];
        const winner = runs[codes.indexOf(0)];
        assert.ok(refusedBy(loser.output(), "golive cutover"), loser.output());
        assert.match(winner.output(), /cutover done:/);
        const added = records().filter((r) => !before.includes(r));
        assert.equal(added.length, 1, `one record: ${added.join(", ")}`);
        assert.ok(winner.output().includes(added[0]), "the winner's record");
        const rb = ls.golive(["rollback", "--stack", STACK, "--yes", ...dir()]);
        assert.equal(await rb.exited, 0, rb.output());
        await approve();
    });

    it("a plain `pulumi` run holding the engine's lock: golive cutover is refused, naming the engine's pid, and changes nothing", async () => {
        // A refresh started by hand: it holds the backend's lock while it runs, kept running by
        // Cloudflare holding its read of www until the cutover has been refused (then released: the
        // client's retry is answered); 120 s at most.
        ls.replica.control.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "read", name: "dns-www", fault: "hang", holdMs: 120_000 });
        const hand = ls.ws.pulumi(["refresh", "--yes", "--skip-preview", "--stack", STACK]);
        const lockDir = path.join((ls.ws.env.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, ""), ".pulumi", "locks");
        const locked = () => {
            const walk = (d: string): boolean => fs.existsSync(d) && fs.readdirSync(d, { withFileTypes: true }).some((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith(".json")));
            return walk(lockDir);
        };
        for (const end = Date.now() + 60_000; !locked() && Date.now() < end; ) await sleep(50);
        assert.ok(locked(), "the refresh took the engine's lock");
        const readHeld = () => ls.replica.control.faults.some((f) => f.op === "read" && f.fault === "hang" && f.endedAt === undefined);
        for (const end = Date.now() + 60_000; !readHeld() && Date.now() < end; ) await sleep(50);
        assert.ok(readHeld(), "Cloudflare holds the refresh's read of www");
        const cutover = ls.golive(["cutover", "--stack", STACK, "--yes", ...dir()]);
        const code = await cutover.exited;
        // The order, not a clock: the refresh's read was still held (so the refresh still ran, holding
        // the lock) when the cutover ended refused; only then is it released.
        const held = ls.replica.control.faults.find((f) => f.op === "read" && f.fault === "hang");
        assert.ok(held && held.endedAt === undefined, "the refresh was still running when the cutover was refused");
        ls.replica.control.clearFaults();
        const r = await hand;
        assert.equal(r.code, 0, r.stderr);
        assert.equal(code, 1, cutover.output().slice(-2000));
        assert.match(cutover.output(), /refused: pulumi pid \d+ on [^,]+, user [^,]+, since 20[^ ]+ \(the engine's own lock\) holds the stack; nothing was changed/);
        assert.doesNotMatch(cutover.output(), /Gates:|Preview:/);
        assert.ok(held.endedAt !== undefined, "released by clearFaults");
        figures.backendLockRefused = true;
        assert.deepEqual(await leftOnStack(ls), { backendLocks: [], pending: [], runLock: false, guards: 0 });
    });
});
