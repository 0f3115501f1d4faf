// One golive run at a time on a stack (issue 17, "no races"): a lock file next to the stack,
// <project>/.golive/<stack>.lock, created exclusively before anything else, holding who runs what
// since when. A second run refuses with that. A holder that is gone (killed: its pid no longer runs,
// or runs another program since) leaves a stale lock, taken over atomically (renamed away first, so
// two takers cannot both win) and reported: what it was doing is what the site look examines.
// The backend's own lock (the engine's, during an update) is the second guard, for runs that do not
// go through golive.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface RunLockInfo {
    pid: number;
    host: string;
    /** Who runs it (git user.name or the login). */
    operator: string;
    /** "golive cutover", "golive recover"… */
    command: string;
    /** The phase the run applies, when it applies one. */
    phase?: string;
    stack: string;
    /** ISO time the lock was taken. */
    startedAt: string;
}

export interface HeldLock {
    info: RunLockInfo;
    file: string;
    /** Whether its holder still runs: unknown on another host. */
    alive: boolean | "unknown";
}

export function runLockFile(projectDir: string, stack: string): string {
    return path.join(projectDir, ".golive", `${stack}.lock`);
}

/** How long ago a process started, from `ps` (undefined when ps cannot tell). */
function processAgeMs(pid: number): number | undefined {
    const r = spawnSync("ps", ["-o", "etimes=", "-p", String(pid)], { encoding: "utf8", timeout: 5_000, stdio: ["ignore", "pipe", "ignore"] });
    const s = Number(r.stdout?.trim());
    return r.status === 0 && Number.isFinite(s) && r.stdout.trim() !== "" ? s * 1000 : undefined;
}

/**
 * Whether the process that took the lock at `startedAt` still runs: the pid exists and started no
 * later than the lock (a pid taken since by another program does not count).
 */
export function holderAlive(info: Pick<RunLockInfo, "pid" | "host" | "startedAt">, now = Date.now()): boolean | "unknown" {
    if (info.host !== os.hostname()) return "unknown";
    try {
        process.kill(info.pid, 0);
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
    }
    const age = processAgeMs(info.pid);
    if (age === undefined) return true;
    return now - age <= new Date(info.startedAt).getTime() + 2_000;
}

export function readRunLock(file: string, alive: typeof holderAlive = holderAlive): HeldLock | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
    try {
        const info = JSON.parse(text) as RunLockInfo;
        if (typeof info.pid !== "number" || typeof info.startedAt !== "string") throw new Error("not a lock");
        return { info, file, alive: alive(info) };
    } catch {
        // Half-written by a holder killed while writing it: nobody can hold it.
        return { info: { pid: 0, host: os.hostname(), operator: "unknown", command: "golive", stack: path.basename(file, ".lock"), startedAt: new Date(0).toISOString() }, file, alive: false };
    }
}

const ago = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s ago` : ms < 7_200_000 ? `${Math.round(ms / 60_000)} min ago` : `${Math.round(ms / 3_600_000)} h ago`);

/** "golive cutover (pid 1234 on host, run by Camille) since 2026-…Z, 35 s ago" */
export function describeHolder(h: HeldLock, now = Date.now()): string {
    const i = h.info;
    return `${i.command} (pid ${i.pid} on ${i.host}, run by ${i.operator}) since ${i.startedAt}, ${ago(now - new Date(i.startedAt).getTime())}`;
}

export class RunLock {
    private released = false;
    private readonly onExit = () => this.release();

    constructor(
        readonly file: string,
        readonly info: RunLockInfo,
    ) {
        process.on("exit", this.onExit);
    }

    /** Removes the lock if it is still this run's. Idempotent; synchronous (also runs at process exit). */
    release(): void {
        if (this.released) return;
        this.released = true;
        process.off("exit", this.onExit);
        try {
            const now = JSON.parse(fs.readFileSync(this.file, "utf8")) as RunLockInfo;
            if (now.pid === this.info.pid && now.startedAt === this.info.startedAt) fs.rmSync(this.file, { force: true });
        } catch {
            // gone already
        }
    }
}

export type Acquired = { ok: true; lock: RunLock; tookOver?: HeldLock } | { ok: false; held: HeldLock };

/**
 * Takes the lock of `stack` for this run, or says who holds it. A stale lock (holder gone) is taken
 * over and returned as `tookOver`.
 */
export function acquireRunLock(file: string, info: Omit<RunLockInfo, "pid" | "host" | "startedAt">, alive: typeof holderAlive = holderAlive): Acquired {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const mine: RunLockInfo = { ...info, pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
    let tookOver: HeldLock | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
        try {
            fs.writeFileSync(file, JSON.stringify(mine, null, 2) + "\n", { flag: "wx" });
            return { ok: true, lock: new RunLock(file, mine), ...(tookOver ? { tookOver } : {}) };
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
        const held = readRunLock(file, alive);
        if (!held) continue; // released meanwhile
        if (held.alive !== false) return { ok: false, held };
        // Stale: move it aside (one taker wins the rename), then create ours.
        const aside = `${file}.stale-${process.pid}`;
        try {
            fs.renameSync(file, aside);
            fs.rmSync(aside, { force: true });
            tookOver = held;
        } catch {
            // another run took it over first: read again
        }
    }
    const held = readRunLock(file, alive);
    if (held) return { ok: false, held };
    throw new Error(`cannot take ${file}`);
}
