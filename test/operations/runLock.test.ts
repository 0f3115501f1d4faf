// No races (issue 17): one golive run at a time on a stack (operations/runLock), and the engine's own lock
// on a file backend read as Pulumi's diy backend writes it (operations/backendLock).
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { acquireRunLock, describeHolder, holderAlive, readRunLock, runLockFile } from "../../operations/runLock";
import { describeBackendLock, fileBackendRoot, lockFiles, readFileBackendLocks } from "../../operations/backendLock";

describe("operations/runLock: one golive run at a time on a stack", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-lock-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the first run takes it; a second is refused with who holds it and since when; after release it is free", () => {
        const file = runLockFile(dir, "prod");
        assert.equal(file, path.join(dir, ".golive", "prod.lock"));
        const first = acquireRunLock(file, { command: "golive cutover", phase: "cutover", stack: "prod", operator: "Camille" });
        assert.ok(first.ok);
        const second = acquireRunLock(file, { command: "golive rollback", stack: "prod", operator: "Léa" });
        assert.ok(!second.ok);
        assert.equal(second.held.alive, true);
        assert.match(describeHolder(second.held), new RegExp(`^golive cutover \\(pid ${process.pid} on ${os.hostname()}, run by Camille\\) since 20\\d\\d-[^ ]+Z, \\d+ s ago$`));
        first.lock.release();
        assert.ok(!fs.existsSync(file));
        const third = acquireRunLock(file, { command: "golive rollback", stack: "prod", operator: "Léa" });
        assert.ok(third.ok);
        third.lock.release();
    });

    it("a lock whose holder was killed is stale: taken over, and returned so the look can say what it was doing", async () => {
        const file = runLockFile(dir, "prod");
        // A real process that took the lock, then SIGKILLed.
        const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
        await new Promise((r) => setTimeout(r, 200));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify({ pid: child.pid, host: os.hostname(), operator: "Camille", command: "golive cutover", phase: "cutover", stack: "prod", startedAt: new Date().toISOString() }));
        assert.equal(readRunLock(file)!.alive, true);
        child.kill("SIGKILL");
        await new Promise((r) => child.on("exit", r));
        assert.equal(readRunLock(file)!.alive, false);
        const got = acquireRunLock(file, { command: "golive recover", stack: "prod", operator: "Léa" });
        assert.ok(got.ok);
        assert.equal(got.tookOver?.info.command, "golive cutover");
        assert.equal(got.tookOver?.info.phase, "cutover");
        assert.equal(readRunLock(file)!.info.pid, process.pid);
        got.lock.release();
    });

    it("a pid taken since by another program does not hold the lock (the process started after the lock)", () => {
        const old = new Date(Date.now() - 3_600_000).toISOString();
        assert.equal(holderAlive({ pid: process.pid, host: os.hostname(), startedAt: new Date(Date.now() + 60_000).toISOString() }), true, "started before the lock: the holder");
        const r = spawnSync("ps", ["-o", "etimes=", "-p", String(process.pid)], { encoding: "utf8" });
        const age = Number(r.stdout.trim()) * 1000;
        assert.equal(holderAlive({ pid: process.pid, host: os.hostname(), startedAt: new Date(Date.now() - age - 3_600_000).toISOString() }), false, "a lock older than the process: another program has the pid");
        assert.equal(holderAlive({ pid: process.pid, host: "another-machine", startedAt: old }), "unknown");
    });

    it("a half-written lock (holder killed while writing) is stale", () => {
        const file = runLockFile(dir, "prod");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, '{"pid": 12');
        assert.equal(readRunLock(file)!.alive, false);
        const got = acquireRunLock(file, { command: "golive cutover", stack: "prod", operator: "x" });
        assert.ok(got.ok);
        got.lock.release();
    });

    it("two takers of a stale lock: exactly one wins", () => {
        const file = runLockFile(dir, "prod");
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify({ pid: 999_999_9, host: os.hostname(), operator: "gone", command: "golive cutover", stack: "prod", startedAt: new Date(0).toISOString() }));
        const a = acquireRunLock(file, { command: "golive cutover", stack: "prod", operator: "a" });
        const b = acquireRunLock(file, { command: "golive rollback", stack: "prod", operator: "b" }, () => true);
        assert.ok(a.ok);
        assert.ok(!b.ok, "the second sees the first's live lock");
        if (a.ok) a.lock.release();
    });
});

describe("operations/backendLock: the engine's lock on a file backend", () => {
    let root: string;
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "golive-backend-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("file:// URLs (and ~) name a folder; other backends none", () => {
        assert.equal(fileBackendRoot("file:///tmp/state"), "/tmp/state");
        assert.equal(fileBackendRoot("file://~"), os.homedir());
        assert.equal(fileBackendRoot("https://api.pulumi.com"), undefined);
        assert.equal(fileBackendRoot(undefined), undefined);
    });

    it("reads the lock Pulumi's diy backend writes (pid, user, host, time), project-scoped and legacy, and whether its engine runs", () => {
        const dir = path.join(root, ".pulumi", "locks", "organization", "golive", "prod");
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "9f1c.json"), JSON.stringify({ pid: 4242, username: "camille", hostname: "vm", timestamp: "2026-11-21T18:00:00.123456789+01:00" }));
        fs.writeFileSync(path.join(dir, "9f1c.json.attrs"), "{}");
        fs.mkdirSync(path.join(root, ".pulumi", "locks", "prod"), { recursive: true });
        fs.writeFileSync(path.join(root, ".pulumi", "locks", "prod", "0a.json"), JSON.stringify({ pid: 7, username: "u", hostname: "vm", timestamp: "2026-11-21T17:00:00Z" }));
        assert.equal(lockFiles(root, "golive", "prod").length, 2);
        const locks = readFileBackendLocks(root, "golive", "prod", () => false);
        const l = locks.find((x) => x.pid === 4242)!;
        assert.deepEqual({ ...l, file: undefined }, { pid: 4242, user: "camille", host: "vm", since: "2026-11-21T17:00:00.123Z", file: undefined, alive: false });
        assert.equal(describeBackendLock(l), "pulumi pid 4242 on vm, user camille, since 2026-11-21T17:00:00.123Z — no longer running");
        assert.deepEqual(readFileBackendLocks(root, "golive", "staging"), []);
    });
});
