#!/usr/bin/env node
// golive's engine guard: `guard.js <pulumi> <args...>` runs one long engine command (up, preview,
// refresh, destroy) so that it ends with the golive command that started it, whatever ends golive.
//
// - The engine runs in a process group of its own: a Ctrl-C typed in the terminal reaches golive
//   (and this guard), never the engine directly, so golive decides how the engine stops.
// - SIGINT (golive's first Ctrl-C, or the terminal's): one SIGINT to the engine, which cancels
//   cleanly (it finishes the resource operations in flight, saves the state, releases the lock).
// - SIGTERM (golive's "stop at once"): SIGKILL to the engine and to every process it started.
// - golive gone (killed, crashed: this process's parent changed): the same clean cancel, then, if
//   the engine has not ended within GOLIVE_ENGINE_GRACE_MS (default 60 s), SIGKILL to all of it.
// - The engine ended: whatever it started and left running (its plugins, when it was killed) is
//   ended too.
// The Pulumi CLI starts its language host and each plugin in a process group of its own, so the
// guard keeps the tree it saw (pid and command line, every second) and ends those processes by pid.
// With GOLIVE_ENGINE_REGISTRY set, the tree is also written there (guard-<pid>.json), so that the
// next golive command can end what a guard killed with its parent left behind.
"use strict";
const { spawn } = require("child_process");
const fs = require("fs");
const path = require("path");
const tree = require("./processTree");

const SNAPSHOT_MS = 1000;
const PARENT_WATCH_MS = 250;
/** After the engine ended, how long its plugins get to end on their own. */
const AFTERMATH_MS = 2000;

function main() {
    const [engine, ...args] = process.argv.slice(2);
    if (!engine) {
        process.stderr.write("usage: guard.js <pulumi> <args...>\n");
        process.exit(2);
    }
    const graceMs = Number(process.env.GOLIVE_ENGINE_GRACE_MS) > 0 ? Number(process.env.GOLIVE_ENGINE_GRACE_MS) : 60_000;
    const registry = process.env.GOLIVE_ENGINE_REGISTRY;
    const parent = process.ppid;
    const startedAt = new Date().toISOString();
    const stackIndex = args.indexOf("--stack");
    const stack = stackIndex >= 0 ? args[stackIndex + 1] : undefined;

    const child = spawn(engine, args, { detached: true, stdio: ["inherit", "pipe", "pipe"] });
    /** Every process of the engine run seen so far: { pid, args }. */
    const known = [];
    let cancelled = false;
    let deadline;
    let stopping = false;
    const entry = registry ? path.join(registry, `guard-${process.pid}.json`) : undefined;

    const record = () => {
        if (!entry) return;
        try {
            fs.mkdirSync(registry, { recursive: true });
            const text = JSON.stringify({ guard: process.pid, parent, engine: child.pid, command: args[0], stack, startedAt, processes: known });
            fs.writeFileSync(`${entry}.tmp`, text);
            fs.renameSync(`${entry}.tmp`, entry);
        } catch {
            // the registry is a help for the next command, never a reason to fail this one
        }
    };
    const snapshot = () => {
        if (child.pid === undefined) return;
        let list;
        try {
            list = tree.listProcesses();
        } catch {
            return;
        }
        let added = false;
        // The engine's tree, and its session: what it started stays there once reparented to init.
        for (const p of [list.find((x) => x.pid === child.pid), ...tree.descendantsOf(child.pid, list), ...tree.sessionOf(child.pid, list)]) {
            if (p && !known.some((k) => k.pid === p.pid && k.args === p.args)) {
                known.push({ pid: p.pid, args: p.args });
                added = true;
            }
        }
        if (added) record();
    };

    // The engine's output, passed on; once golive is gone (EPIPE), still read, so the engine never
    // blocks or dies on a full or broken pipe while it cancels.
    for (const [from, to] of [
        [child.stdout, process.stdout],
        [child.stderr, process.stderr],
    ]) {
        to.on("error", () => undefined);
        from.on("data", (d) => {
            try {
                to.write(d);
            } catch {
                // the reader is gone
            }
        });
    }

    const stopNow = () => {
        if (stopping) return;
        stopping = true;
        snapshot();
        tree.signalAll(tree.stillRunning(known).map((p) => p.pid), "SIGKILL");
    };
    record(); // at once: the next golive command finds this run's session even if the guard dies now
    const cancel = () => {
        if (cancelled) return;
        cancelled = true;
        try {
            process.kill(child.pid, "SIGINT");
        } catch {
            // ended already
        }
    };
    const cancelWithin = (ms) => {
        cancel();
        if (!deadline) deadline = setTimeout(stopNow, ms);
    };

    process.on("SIGINT", cancel);
    process.on("SIGHUP", () => cancelWithin(graceMs));
    process.on("SIGTERM", stopNow);
    const watch = setInterval(() => {
        if (process.ppid !== parent) cancelWithin(graceMs);
    }, PARENT_WATCH_MS);
    const snapshots = setInterval(snapshot, SNAPSHOT_MS);
    setTimeout(snapshot, 200);

    child.on("error", (err) => {
        process.stderr.write(`golive engine guard: cannot run ${engine}: ${err.message}\n`);
        process.exit(127);
    });
    child.on("exit", (code, signal) => {
        clearInterval(watch);
        clearInterval(snapshots);
        if (deadline) clearTimeout(deadline);
        const finish = () => {
            snapshot();
            const left = tree.stillRunning(known.filter((p) => p.pid !== child.pid));
            tree.signalAll(left.map((p) => p.pid), "SIGKILL");
            if (entry) fs.rmSync(entry, { force: true });
            process.exitCode = code !== null ? code : 128 + (signal === "SIGKILL" ? 9 : signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1);
            // stdout/stderr drain, then the process ends on its own (nothing else keeps it alive).
            process.removeAllListeners("SIGINT");
            process.removeAllListeners("SIGTERM");
            process.removeAllListeners("SIGHUP");
        };
        // The engine ends its plugins itself when it exits normally: give them a moment.
        const until = Date.now() + AFTERMATH_MS;
        const wait = () => {
            let left;
            try {
                snapshot();
                left = tree.stillRunning(known.filter((p) => p.pid !== child.pid));
            } catch {
                left = [];
            }
            if (left.length === 0 || Date.now() >= until) finish();
            else setTimeout(wait, 100);
        };
        wait();
    });
}

if (require.main === module) main();
