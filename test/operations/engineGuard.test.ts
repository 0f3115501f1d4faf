// Every engine run ends with golive (issue 17): the engine guard (scripts/engine-guard) against a
// stand-in engine that starts a "plugin" in a process group of its own, as the Pulumi CLI does.
// Each case checks the process tree afterwards: nothing of the run is left.
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { endLeftovers, guardRoot, leftoverEngines, readGuards, stopGuardsOf } from "../../operations/engineGuard";
import { isAlive } from "../../scripts/engine-guard/processTree";

const FAKE = path.resolve(__dirname, "..", "fixtures", "fakeEngine.js");
const GUARD = path.join(guardRoot(), "guard.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
        if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
        await sleep(50);
    }
}

interface Run {
    child: ChildProcess;
    out(): string;
    pids(): { engine: number; plugin: number };
    exited: Promise<number | null>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Run {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    return {
        child,
        out: () => out,
        pids() {
            const m = /engine (\d+) plugin (\d+)/.exec(out);
            if (!m) throw new Error(`no pids yet: ${out}`);
            return { engine: Number(m[1]), plugin: Number(m[2]) };
        },
        exited: new Promise((r) => child.on("close", (code) => r(code))),
    };
}

describe("operations/engineGuard: the engine and everything it started end with golive", function () {
    this.timeout(30_000);
    let registry: string;
    const started: number[] = [];
    beforeEach(() => (registry = fs.mkdtempSync(path.join(os.tmpdir(), "golive-guard-"))));
    afterEach(() => {
        for (const pid of started.splice(0)) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // ended, as it should
            }
        }
        fs.rmSync(registry, { recursive: true, force: true });
    });
    const guarded = (env: NodeJS.ProcessEnv = {}) => {
        const r = run(process.execPath, [GUARD, FAKE, "up", "--stack", "prod"], { GOLIVE_ENGINE_REGISTRY: registry, ...env });
        return r;
    };
    const ready = async (r: Run) => {
        await until("the engine started its plugin", () => /engine \d+ plugin \d+/.test(r.out()));
        const p = r.pids();
        started.push(p.engine, p.plugin);
        return p;
    };

    it("SIGINT (golive's first Ctrl-C): one SIGINT to the engine, which cancels cleanly; its exit code comes back; nothing left", async () => {
        const r = guarded();
        const p = await ready(r);
        r.child.kill("SIGINT");
        r.child.kill("SIGINT"); // the terminal's and golive's: the engine hears one
        assert.equal(await r.exited, 1);
        assert.match(r.out(), /SIGINT 1\n/);
        assert.doesNotMatch(r.out(), /SIGINT 2/);
        assert.match(r.out(), /update canceled/);
        await until("engine and plugin gone", () => !isAlive(p.engine) && !isAlive(p.plugin), 10_000);
        assert.deepEqual(readGuards(registry), [], "the registry entry goes with the run");
    });

    it("SIGTERM (stop at once): the engine and its plugin are killed now, even an engine that would not stop", async () => {
        const r = guarded({ FAKE_ENGINE_IGNORE_SIGINT: "1" });
        const p = await ready(r);
        r.child.kill("SIGINT");
        await until("the engine heard SIGINT", () => /SIGINT 1/.test(r.out()));
        r.child.kill("SIGTERM");
        assert.equal(await r.exited, 137);
        await until("engine and plugin gone", () => !isAlive(p.engine) && !isAlive(p.plugin), 10_000);
    });

    it("golive killed (the guard's parent gone): the engine cancels cleanly, nothing left", async () => {
        // A parent that starts the guard, then is SIGKILLed.
        const parent = run(process.execPath, ["-e", `const c = require("child_process").spawn(process.execPath, [${JSON.stringify(GUARD)}, ${JSON.stringify(FAKE)}, "up", "--stack", "prod"], { stdio: ["ignore", "inherit", "inherit"] }); setInterval(() => {}, 1000);`], { GOLIVE_ENGINE_REGISTRY: registry });
        const p = await ready(parent);
        parent.child.kill("SIGKILL");
        await until("engine and plugin gone", () => !isAlive(p.engine) && !isAlive(p.plugin));
        await until("the guard gone and its entry removed", () => readGuards(registry).length === 0);
    });

    it("golive killed and an engine that does not stop: killed at the end of GOLIVE_ENGINE_GRACE_MS", async () => {
        const parent = run(process.execPath, ["-e", `require("child_process").spawn(process.execPath, [${JSON.stringify(GUARD)}, ${JSON.stringify(FAKE)}, "up", "--stack", "prod"], { stdio: ["ignore", "inherit", "inherit"] }); setInterval(() => {}, 1000);`], {
            GOLIVE_ENGINE_REGISTRY: registry,
            GOLIVE_ENGINE_GRACE_MS: "2000",
            FAKE_ENGINE_IGNORE_SIGINT: "1",
        });
        const p = await ready(parent);
        parent.child.kill("SIGKILL");
        await until("engine and plugin killed after the grace", () => !isAlive(p.engine) && !isAlive(p.plugin), 15_000);
        // The order, not a clock: the clean cancel (SIGINT) first, the engine still running after it
        // (its "." every 200 ms), then the kill at the grace's end.
        const afterCancel = parent.out().split("SIGINT 1\n")[1];
        assert.ok(afterCancel !== undefined, `the engine was asked to cancel first: ${parent.out()}`);
        assert.match(afterCancel, /\./, "the engine ran on within the grace before it was killed");
    });

    it("the engine killed by someone else (its plugin orphaned under init): the guard ends the plugin", async () => {
        const r = guarded();
        const p = await ready(r);
        await until("the guard's snapshot of the tree", () => readGuards(registry).some((e) => e.processes.length >= 2), 10_000);
        process.kill(p.engine, "SIGKILL");
        assert.equal(await r.exited, 137);
        await until("the orphaned plugin ended", () => !isAlive(p.plugin), 10_000);
    });

    it("the guard killed with its golive (SIGKILL to both): the registry names what was left, and the next golive command ends it", async () => {
        const r = guarded({ FAKE_ENGINE_IGNORE_SIGINT: "1" });
        const p = await ready(r);
        await until("the tree recorded", () => readGuards(registry).some((e) => e.processes.length >= 2), 10_000);
        r.child.kill("SIGKILL");
        await r.exited;
        await sleep(300);
        assert.ok(isAlive(p.engine) && isAlive(p.plugin), "left running: nothing watched them");
        const left = leftoverEngines(registry, "prod");
        assert.equal(left.length, 1);
        assert.deepEqual(left[0].running.map((x) => x.pid).sort(), [p.engine, p.plugin].sort());
        assert.deepEqual(leftoverEngines(registry, "staging"), [], "another stack's runs are not this one's");
        const ended = await endLeftovers(registry, "prod", 500);
        assert.equal(ended.length, 2);
        await until("ended", () => !isAlive(p.engine) && !isAlive(p.plugin), 10_000);
        assert.deepEqual(readGuards(registry), []);
    });

    it("a process the engine started after the guard's last look is found by the engine's session when the guard is gone", async () => {
        const r = guarded({ FAKE_ENGINE_IGNORE_SIGINT: "1", FAKE_ENGINE_LATE: "1" });
        const p = await ready(r);
        await until("the late process started", () => /late \d+/.test(r.out()), 10_000);
        const late = Number(/late (\d+)/.exec(r.out())![1]);
        started.push(late, p.plugin);
        r.child.kill("SIGKILL"); // at once: before the guard's next look
        await r.exited;
        const left = leftoverEngines(registry, "prod");
        assert.equal(left.length, 1);
        assert.ok(left[0].running.some((x) => x.pid === late), JSON.stringify(left[0].running));
        await endLeftovers(registry, "prod", 300);
        await until("engine, plugin and late process ended", () => !isAlive(p.engine) && !isAlive(late), 10_000);
        // The stand-in's plugin has a session of its own (node cannot make a group only): the afterEach ends it if the guard never saw it.
    });

    it("golive's stop at once (stopGuardsOf): every guard under a process gets SIGTERM; their trees end", async () => {
        const parent = run(process.execPath, ["-e", `require("child_process").spawn(process.execPath, [${JSON.stringify(GUARD)}, ${JSON.stringify(FAKE)}, "up", "--stack", "prod"], { stdio: ["ignore", "inherit", "inherit"] }); setInterval(() => {}, 1000);`], { FAKE_ENGINE_IGNORE_SIGINT: "1" });
        started.push(parent.child.pid!);
        const p = await ready(parent);
        await sleep(300);
        const trees = await stopGuardsOf(parent.child.pid!);
        assert.ok(trees.some((t) => t.pid === p.engine) && trees.some((t) => t.pid === p.plugin), JSON.stringify(trees));
        await until("engine and plugin gone", () => !isAlive(p.engine) && !isAlive(p.plugin), 10_000);
    });

    it("the `pulumi` the Automation API runs: short commands straight to the engine, long ones under the guard", async () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "golive-fakebin-"));
        try {
            fs.symlinkSync(FAKE, path.join(bin, "pulumi"));
            const wrapper = path.join(guardRoot(), "bin", "pulumi");
            const short = run(wrapper, ["config", "get", "x"], { GOLIVE_ENGINE_BIN: bin, GOLIVE_NODE: process.execPath });
            assert.equal(await short.exited, 0);
            assert.equal(short.out(), "fake pulumi config get x\n");
            const long = run(wrapper, ["up", "--stack", "prod"], { GOLIVE_ENGINE_BIN: bin, GOLIVE_NODE: process.execPath, GOLIVE_ENGINE_REGISTRY: registry });
            const p = await ready(long);
            await until("the guard registered the run", () => readGuards(registry).length === 1, 10_000);
            const entry = readGuards(registry)[0];
            assert.equal(entry.engine, p.engine);
            assert.equal(entry.stack, "prod");
            assert.equal(entry.command, "up");
            long.child.kill("SIGINT");
            assert.equal(await long.exited, 1);
            const missing = run(wrapper, ["version"], { GOLIVE_ENGINE_BIN: "" });
            assert.equal(await missing.exited, 127);
            assert.match(missing.out(), /GOLIVE_ENGINE_BIN is not set/);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("stop at once finds a guard the way the Automation API starts it (through the `pulumi` wrapper), and ends its tree", async () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "golive-fakebin-"));
        try {
            fs.symlinkSync(FAKE, path.join(bin, "pulumi"));
            const wrapper = path.join(guardRoot(), "bin", "pulumi");
            const parent = run(process.execPath, ["-e", `require("child_process").spawn(${JSON.stringify(wrapper)}, ["up", "--stack", "prod"], { stdio: ["ignore", "inherit", "inherit"] }); setInterval(() => {}, 1000);`], {
                GOLIVE_ENGINE_BIN: bin,
                GOLIVE_NODE: process.execPath,
                GOLIVE_ENGINE_REGISTRY: registry,
                FAKE_ENGINE_IGNORE_SIGINT: "1",
            });
            started.push(parent.child.pid!);
            const p = await ready(parent);
            await until("the guard registered the run", () => readGuards(registry).length === 1, 10_000);
            const trees = await stopGuardsOf(parent.child.pid!);
            assert.ok(trees.some((t) => t.pid === p.engine) && trees.some((t) => t.pid === p.plugin), `the guard found through the wrapper: ${JSON.stringify(trees)}`);
            await until("engine and plugin gone", () => !isAlive(p.engine) && !isAlive(p.plugin), 10_000);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });
});
