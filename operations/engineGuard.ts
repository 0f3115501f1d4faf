// Every engine run golive starts ends with golive (issue 17): the Automation API runs `pulumi`
// through scripts/engine-guard/bin/pulumi, which puts the long commands (up, preview, refresh,
// destroy) under the engine guard (scripts/engine-guard/guard.js). This module gives the Automation
// API that command, the environment the guard reads, and reads the guards' registry: the engine
// processes a guard killed with its parent left running (ended by the next golive command), and
// golive's own guards when it must stop at once.
import * as fs from "fs";
import * as path from "path";
import type { PulumiCommand } from "@pulumi/pulumi/automation";
import type { Engine } from "./engine";
import type * as ProcessTree from "../scripts/engine-guard/processTree";
import type { ProcessInfo } from "../scripts/engine-guard/processTree";
import { removeScratchDirs } from "../shared/scratchDirs";

export type { ProcessInfo };

/** scripts/engine-guard of this program (from the sources, or from a build one level deeper). */
export function guardRoot(): string {
    const candidates = [path.resolve(__dirname, "..", "scripts", "engine-guard"), path.resolve(__dirname, "..", "..", "scripts", "engine-guard")];
    const found = candidates.find((d) => fs.existsSync(path.join(d, "bin", "pulumi")));
    if (!found) throw new Error(`the engine guard is missing (looked in ${candidates.join(", ")})`);
    return found;
}

/**
 * The guard's process helpers, plain JavaScript beside guard.js: loaded from guardRoot(), so the
 * compiled CLI (dist/lib, one level deeper) finds the same file as the sources.
 */
const tree: typeof ProcessTree = new Proxy({} as typeof ProcessTree, {
    get: (_t, key) => (require(path.join(guardRoot(), "processTree")) as Record<string | symbol, unknown>)[key],
});

/** Where the guards of a project write what they run: <project>/.golive/engine. */
export function registryDir(projectDir: string): string {
    return path.join(projectDir, ".golive", "engine");
}

/** The environment the guard reads: the real engine's folder, the registry, the node to run it with. */
export function guardEnv(engine: Pick<Engine, "binDir">, registry: string): Record<string, string> {
    return { GOLIVE_ENGINE_BIN: engine.binDir, GOLIVE_ENGINE_REGISTRY: registry, GOLIVE_NODE: process.execPath };
}

/**
 * The engine `engine` as the Automation API's command, through the guard. The version is the real
 * engine's (PulumiCommand.get asks it); the Automation API puts the command's folder first on PATH,
 * and the guard's wrapper puts the engine's own folder before it.
 */
export async function guardedPulumiCommand(engine: Pick<Engine, "binDir">): Promise<PulumiCommand> {
    // Asked once per engine folder in this process: PulumiCommand.get runs `pulumi version` each time.
    let got = guardedCommands.get(engine.binDir);
    if (!got) {
        got = (async () => {
            const { PulumiCommand } = await import("@pulumi/pulumi/automation");
            const real = await PulumiCommand.get({ root: path.dirname(engine.binDir) });
            // PulumiCommand's constructor is private: the same object with the guard's command.
            return Object.assign(Object.create(Object.getPrototypeOf(real)), real, { command: path.join(guardRoot(), "bin", "pulumi") }) as PulumiCommand;
        })();
        guardedCommands.set(engine.binDir, got);
        got.catch(() => guardedCommands.delete(engine.binDir));
    }
    return got;
}
const guardedCommands = new Map<string, Promise<PulumiCommand>>();

/** What one guard wrote: the engine command it runs and every process of it seen so far. */
export interface GuardEntry {
    guard: number;
    /** The golive process that started it. */
    parent: number;
    engine: number;
    command: string;
    stack?: string;
    startedAt: string;
    processes: Array<{ pid: number; args: string }>;
    file: string;
}

export function readGuards(registry: string): GuardEntry[] {
    let names: string[];
    try {
        names = fs.readdirSync(registry).filter((n) => /^guard-\d+\.json$/.test(n));
    } catch {
        return [];
    }
    const out: GuardEntry[] = [];
    for (const name of names) {
        const file = path.join(registry, name);
        try {
            const e = JSON.parse(fs.readFileSync(file, "utf8"));
            if (typeof e.guard === "number" && Array.isArray(e.processes)) out.push({ ...e, file });
        } catch {
            // half-written or foreign: not ours to judge
        }
    }
    return out;
}

/** Whether the guard of `e` is still the running guard (same pid, a guard's command line). */
function guardRunning(e: GuardEntry, list: ProcessInfo[]): boolean {
    return list.some((p) => p.pid === e.guard && /engine-guard[/\\]guard\.js/.test(p.args));
}

export interface Leftover {
    entry: GuardEntry;
    /** Engine processes still running although their guard is gone. */
    running: Array<{ pid: number; args: string }>;
}

/** The engine runs of `stack` (every stack without one) whose guard is gone: what they left running. */
export function leftoverEngines(registry: string, stack?: string, list: ProcessInfo[] = tree.listProcesses()): Leftover[] {
    return readGuards(registry)
        .filter((e) => (stack === undefined || e.stack === stack) && !guardRunning(e, list))
        .map((entry) => {
            // What the guard saw, and everything still in the engine's session (started after its last look).
            const seen = tree.stillRunning(entry.processes, list);
            const session = tree.sessionOf(entry.engine, list).filter((p) => !seen.some((s) => s.pid === p.pid));
            return { entry, running: [...seen, ...session.map((p) => ({ pid: p.pid, args: p.args }))] };
        });
}

/**
 * Ends what dead guards left running and forgets them; returns what was ended. An engine still at
 * work gets a SIGINT first (it cancels cleanly: finishes its operations in flight, saves the state,
 * releases the stack) and up to `graceMs` to end; then whatever is left is killed (by pid and command
 * line: a pid taken since by another program is left alone).
 */
export async function endLeftovers(registry: string, stack?: string, graceMs = 30_000): Promise<Array<{ pid: number; args: string }>> {
    const left = leftoverEngines(registry, stack);
    const all = left.flatMap((l) => l.running);
    const engines = left.flatMap((l) => l.running.filter((p) => p.pid === l.entry.engine));
    tree.signalAll(
        engines.map((p) => p.pid),
        "SIGINT",
    );
    const until = Date.now() + (engines.length > 0 ? graceMs : 0);
    while (Date.now() < until && tree.stillRunning(engines).length > 0) await new Promise((r) => setTimeout(r, 200));
    // The engine's own end takes its plugins with it; give them a moment, then kill the rest.
    const settle = Date.now() + 2_000;
    while (Date.now() < settle && tree.stillRunning(all).length > 0) await new Promise((r) => setTimeout(r, 100));
    tree.signalAll(
        tree.stillRunning(all).map((p) => p.pid),
        "SIGKILL",
    );
    for (const l of left) fs.rmSync(l.entry.file, { force: true });
    return all;
}

/** Engine runs (guards) now running for `stack`, started by any process: another golive's run. */
export function runningEngines(registry: string, stack: string, list: ProcessInfo[] = tree.listProcesses()): GuardEntry[] {
    return readGuards(registry).filter((e) => e.stack === stack && guardRunning(e, list));
}

/**
 * golive's "stop at once": every guard under process `parent` gets SIGTERM (it kills its engine
 * and all the engine started), then, a moment later, whatever of those trees still runs is killed
 * here. Resolves to the processes that were running.
 */
export async function stopGuardsOf(parent: number, waitMs = 1500): Promise<ProcessInfo[]> {
    const list = tree.listProcesses();
    const guards = tree.descendantsOf(parent, list).filter((p) => /engine-guard[/\\]guard\.js/.test(p.args));
    const trees = guards.flatMap((g) => {
        const under = tree.descendantsOf(g.pid, list);
        const engine = list.find((p) => p.ppid === g.pid);
        return [g, ...under, ...(engine ? tree.sessionOf(engine.pid, list).filter((p) => !under.some((u) => u.pid === p.pid)) : [])];
    });
    tree.signalAll(
        guards.map((g) => g.pid),
        "SIGTERM",
    );
    const until = Date.now() + waitMs;
    while (Date.now() < until && tree.stillRunning(trees).length > 0) await new Promise((r) => setTimeout(r, 100));
    tree.signalAll(
        tree.stillRunning(trees).map((p) => p.pid),
        "SIGKILL",
    );
    return trees;
}

/**
 * A command that starts engine runs and servers in-process (golive rehearse): on SIGINT, SIGTERM or
 * SIGHUP, every process under this one is ended (the engine guards first, which end their engines'
 * trees, then the rest: the prober, the IMAP server), and the process exits 130. Returns the
 * handlers' removal.
 */
export function stopRehearsalOnSignal(say: (line: string) => void): () => void {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        say(`\n${signal === "SIGINT" ? "Ctrl-C" : signal}: stopping the rehearsal and every process it started`);
        void (async () => {
            try {
                await stopGuardsOf(process.pid);
                const rest = tree.descendantsOf(process.pid, tree.listProcesses()).filter((p) => !/\bps -A\b/.test(p.args));
                tree.signalAll(
                    rest.map((p) => p.pid),
                    "SIGTERM",
                );
                await new Promise((r) => setTimeout(r, 500));
                tree.signalAll(
                    tree.stillRunning(rest).map((p) => p.pid),
                    "SIGKILL",
                );
            } finally {
                // The folders it made (engine workspace, site repository, IMAP folder): its own stops never run now.
                removeScratchDirs();
                process.exit(130);
            }
        })();
    };
    const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
    for (const s of signals) process.on(s, handler);
    return () => {
        for (const s of signals) process.off(s, handler);
    };
}
