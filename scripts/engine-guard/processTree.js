// The processes of this machine as `ps` lists them, and the tree under one of them: what the engine
// guard (guard.js) and golive (operations/engineGuard.ts) use to end an engine run with everything it
// started. The Pulumi CLI starts its language host and each plugin in a process group of its own,
// so a process group is not enough: a killed CLI leaves them running under init (pid 1).
// Plain JavaScript: the guard runs it with node alone, before and without ts-node.
"use strict";
const { execFileSync } = require("child_process");

const PS_TIMEOUT_MS = 5000;

const ps = (format) => execFileSync("ps", ["-A", "-o", format], { encoding: "utf8", timeout: PS_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });

/**
 * Every process: pid, parent pid, session id where `ps` tells it (Linux), and command line. The
 * engine guard starts the engine as a session leader: whatever the engine starts stays in that
 * session, even once reparented to init, so the session finds all of it.
 */
function listProcesses() {
    const list = [];
    let out;
    try {
        out = ps("pid=,ppid=,sid=,args=");
        for (const line of out.split("\n")) {
            const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line);
            if (m) list.push({ pid: Number(m[1]), ppid: Number(m[2]), sid: Number(m[3]), args: m[4] });
        }
        return list;
    } catch {
        // a ps without session ids (macOS): the tree by parent only
    }
    out = ps("pid=,ppid=,args=");
    for (const line of out.split("\n")) {
        const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
        if (m) list.push({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] });
    }
    return list;
}

/** The processes of session `sid` (none where ps does not tell sessions). */
function sessionOf(sid, list) {
    return list.filter((p) => p.sid === sid);
}

/** The processes under `pid` (children, their children, ...), from one listing. */
function descendantsOf(pid, list) {
    const found = [];
    const queue = [pid];
    const seen = new Set(queue);
    while (queue.length > 0) {
        const parent = queue.shift();
        for (const p of list) {
            if (p.ppid === parent && !seen.has(p.pid)) {
                seen.add(p.pid);
                found.push(p);
                queue.push(p.pid);
            }
        }
    }
    return found;
}

/** Whether a process with this pid runs (signal 0; a zombie waiting to be reaped does not count). */
function isAlive(pid) {
    try {
        process.kill(pid, 0);
    } catch (err) {
        return !!err && err.code === "EPERM";
    }
    try {
        const stat = execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8", timeout: PS_TIMEOUT_MS, stdio: ["ignore", "pipe", "ignore"] });
        return !/^\s*Z/.test(stat);
    } catch {
        return false; // gone between the two calls
    }
}

/**
 * Those of `known` (pid and command line as seen before) still running as the same program: the
 * command line must be the same, so a pid taken since by another program is left alone.
 */
function stillRunning(known, list) {
    const now = list || listProcesses();
    return known.filter((k) => now.some((p) => p.pid === k.pid && p.args === k.args));
}

/** Sends `signal` to each pid; a process already gone is not an error. */
function signalAll(pids, signal) {
    for (const pid of pids) {
        try {
            process.kill(pid, signal);
        } catch {
            // gone already
        }
    }
}

module.exports = { listProcesses, descendantsOf, sessionOf, isAlive, stillRunning, signalAll };
