// One client's stack taken to prepare with the guided commands, against the replica, for the tests
// that interrupt, race or break a go-live (test/long): the replica world and its service API, an
// engine workspace, the stack (golive init, config, adopt, prepare), and `golive` run as an operator
// runs it, in a process of its own whose output can be waited on and which can be signalled.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { Engine } from "../../operations/engine";
import { createEngineWorkspace, EngineWorkspace } from "../../replica/engineWorkspace";
import { phaseConfig, RehearsalTargets } from "../../rehearsal/run";
import { main as init } from "../../cli/init";
import { main as adopt } from "../../cli/adopt";
import { prepare } from "../../cli/phase";
import type { GuidedDeps } from "../../operations/guided";
import { EngineReplica, startEngineReplica } from "./engineReplica";
import { descendantsOf, listProcesses, stillRunning } from "../../scripts/engine-guard/processTree";

const GOLIVE = path.resolve(__dirname, "..", "..", "cli", "golive.js");

export interface Io {
    out: string[];
    err: string[];
}

export interface LiveStack {
    replica: EngineReplica;
    ws: EngineWorkspace;
    stack: string;
    records: string;
    stackFile: string;
    deps(io: Io, over?: Partial<GuidedDeps>): GuidedDeps;
    /** golive:phase as the stack file says it. */
    filePhase(): string | undefined;
    /** What apex and www resolve to now, as the replica's DNS answers. */
    dnsNow(): { apex: string[]; www: string[] };
    /** `golive <args>` in a process of its own (its own process group), in the project. */
    golive(args: string[], opts?: { env?: NodeJS.ProcessEnv }): GoliveRun;
    close(): Promise<void>;
}

export interface GoliveRun {
    child: ChildProcess;
    pid: number;
    /** stdout and stderr as they came, interleaved. */
    output(): string;
    /** Resolves once the output matches `re` (rejects after `timeoutMs`, or when the process ends first). */
    waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
    /** Resolves with the exit code (or 128 + signal number) once the process has ended. */
    exited: Promise<number>;
}

export const newIo = (): Io => ({ out: [], err: [] });
export const text = (io: Io) => [...io.out, ...io.err].join("\n");

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function runGolive(args: string[], cwd: string, env: NodeJS.ProcessEnv): GoliveRun {
    // detached: its own process group, as a shell gives a command (Ctrl-C reaches that group).
    const child = spawn("node", [GOLIVE, ...args], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let all = "";
    const waiters: Array<{ re: RegExp; resolve(): void; reject(e: Error): void; timer: NodeJS.Timeout }> = [];
    const check = () => {
        for (const w of [...waiters]) {
            if (w.re.test(all)) {
                clearTimeout(w.timer);
                waiters.splice(waiters.indexOf(w), 1);
                w.resolve();
            }
        }
    };
    const onData = (d: Buffer) => {
        all += d.toString("utf8");
        if (process.env.GOLIVE_TEST_VERBOSE) process.stderr.write(d);
        check();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    const exited = new Promise<number>((resolve) =>
        child.on("close", (code, signal) => {
            for (const w of waiters.splice(0)) {
                clearTimeout(w.timer);
                w.reject(new Error(`golive ${args[0]} ended (${code ?? signal}) before its output matched ${w.re}:\n${all.slice(-3000)}`));
            }
            resolve(code ?? 128 + (signal ? SIGNALS[signal] ?? 1 : 1));
        }),
    );
    return {
        child,
        pid: child.pid!,
        output: () => all,
        waitFor(re, timeoutMs = 180_000) {
            if (re.test(all)) return Promise.resolve();
            return new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => {
                    waiters.splice(waiters.findIndex((w) => w.timer === timer), 1);
                    reject(new Error(`golive ${args[0]}: no output matching ${re} within ${timeoutMs} ms:\n${all.slice(-3000)}`));
                }, timeoutMs);
                waiters.push({ re, resolve, reject, timer });
            });
        },
        exited,
    };
}

/**
 * A new client's stack at prepare: golive init, the operator's keys, golive adopt, golive prepare,
 * then the client's approval (P-01) so that a cutover can run.
 */
export async function startLiveStack(opts: { engine: Engine; stack: string; domain?: string }): Promise<LiveStack> {
    const replica = await startEngineReplica({ now: () => Date.now(), world: { domain: opts.domain ?? "atelier-recover.fr", brand: "Atelier" } });
    const { world } = replica;
    let ws: EngineWorkspace | undefined;
    try {
        ws = await createEngineWorkspace({ engine: opts.engine, controlUrl: replica.control.url, stack: "workspace" });
        const w = ws;
        const stack = opts.stack;
        const records = path.join(w.projectDir, "records");
        const stackFile = path.join(w.projectDir, `Pulumi.${stack}.yaml`);
        const deps = (io: Io, over: Partial<GuidedDeps> = {}): GuidedDeps => ({
            env: w.env,
            interactive: false,
            ask: async () => "no",
            out: (l) => (io.out.push(l), process.env.GOLIVE_TEST_VERBOSE && console.log(l)),
            err: (l) => (io.err.push(l), process.env.GOLIVE_TEST_VERBOSE && console.error(l)),
            now: () => Date.now(),
            operator: () => "Camille (test)",
            ...over,
        });
        const must = async (what: string, run: (io: Io) => Promise<number>) => {
            const io = newIo();
            const code = await run(io);
            if (code !== 0) throw new Error(`${what} exited ${code}:\n${text(io).slice(-4000)}`);
        };
        await must("golive init", (io) => init(["--stack", stack, "--domain", world.domain, "--dir", w.projectDir], deps(io)));
        const r = await w.pulumi(["stack", "init", stack]);
        if (r.code !== 0) throw new Error(`pulumi stack init: ${r.stderr}`);
        const targets: RehearsalTargets = {
            // MEP-07 passes in its first round here (the replica's DNS answers a change at once); its
            // timeout is only waited out where DNS is not as expected (golive status or verify after
            // an interrupted or half-applied cutover), and no test depends on its length: 3 s, not 10.
            settings: { domain: world.domain, pages: [{ path: "/" }, { path: "/contact" }], dnsTimeoutMs: 3_000, httpsBudgetMs: 2_000, pageBudgetMs: 2_000, sitemapSample: 1 },
            net: { ...world.net, timeoutMs: 2_000, attempts: 2 },
            vercelApi: { url: replica.vercelApi.url, token: replica.vercelApi.token },
        };
        const { config, secretKeys } = phaseConfig(world, "prepare", targets);
        for (const k of ["golive:liveRecords", "golive:phase", "golive:domain", "golive:approvedBy", "golive:approvedAt"]) delete config[k];
        await w.setConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value, secret: secretKeys.includes(k) }])), stack);
        const guided = ["--stack", stack, "--yes", "--dir", w.projectDir, "--records", records];
        await must("golive adopt", (io) => adopt(guided, deps(io)));
        await must("golive prepare", (io) => prepare(guided, deps(io)));
        await w.setConfig({ "golive:approvedBy": { value: "Client (test)" }, "golive:approvedAt": { value: new Date().toISOString().slice(0, 10) } }, stack);
        return {
            replica,
            ws: w,
            stack,
            records,
            stackFile,
            deps,
            filePhase: () => ((yaml.load(fs.readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> })?.config?.["golive:phase"] as string | undefined),
            dnsNow: () => ({ apex: world.dns.lookup(world.domain, "A").map((x) => x.value), www: world.dns.lookup(world.www, "A").map((x) => x.value) }),
            // No browser per cutover in the engine scenarios: the pictures' stages are tested on their own (test/operations/goLiveShots).
            golive: (args, o = {}) => runGolive(args, w.projectDir, { GOLIVE_SCREENSHOTS: "off", ...w.env, ...o.env }),
            async close() {
                w.remove();
                await replica.close();
            },
        };
    } catch (err) {
        ws?.remove();
        await replica.close();
        throw err;
    }
}

/** golive's process and everything under it now (pid and command line), for "nothing left running". */
export function processTreeOf(pid: number): Array<{ pid: number; args: string }> {
    const list = listProcesses();
    const self = list.find((p) => p.pid === pid);
    return [...(self ? [self] : []), ...descendantsOf(pid, list)].map((p) => ({ pid: p.pid, args: p.args }));
}

/** Those of `tree` still running (same pid, same command line). */
export function stillRunningOf(tree: Array<{ pid: number; args: string }>): Array<{ pid: number; args: string }> {
    return stillRunning(tree);
}

/** What an interrupted run can leave on the stack, read without golive: the engine's lock files, pending operations, golive's lock. */
export async function leftOnStack(ls: LiveStack): Promise<{ backendLocks: string[]; pending: string[]; runLock: boolean; guards: number }> {
    const root = (ls.ws.env.PULUMI_BACKEND_URL ?? "").replace(/^file:\/\//, "");
    const locks: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (p.endsWith(".json") && p.includes(`${path.sep}${ls.stack}${path.sep}`)) locks.push(p);
        }
    };
    walk(path.join(root, ".pulumi", "locks"));
    const exp = await ls.ws.pulumi(["stack", "export", "--stack", ls.stack]);
    const pending = ((JSON.parse(exp.stdout || "{}").deployment?.pending_operations ?? []) as Array<{ type: string; resource: { urn: string } }>).map((p) => `${p.type} ${p.resource.urn.split("::").pop()}`);
    const registry = path.join(ls.ws.projectDir, ".golive", "engine");
    const guards = fs.existsSync(registry) ? fs.readdirSync(registry).filter((n) => /^guard-\d+\.json$/.test(n)).length : 0;
    return { backendLocks: locks, pending, runLock: fs.existsSync(path.join(ls.ws.projectDir, ".golive", `${ls.stack}.lock`)), guards };
}

/**
 * One stack at prepare for several test files (test/long runs them one after the other in one
 * process): init, adopt and prepare on the engine cost minutes, and what those files test starts
 * from prepare. A file gets the stack the file before released only if that file left it as a fresh
 * one is (see atPrepare); otherwise a new one is started, so a file that fails cannot break the next.
 * Each file that shares it calls releaseLiveStack in its `after`; the last one kept is closed by a
 * root `after` hook, once every file has run.
 */
let shared: LiveStack | undefined;
const SHARED_STACK = "atelier";
// Registered when a test file imports this module (mocha's globals; at the top level: the root suite's).
if (typeof after === "function") {
    after(async () => {
        const last = shared;
        shared = undefined;
        await last?.close();
    });
}

export async function sharedLiveStack(opts: { engine: Engine }): Promise<LiveStack> {
    if (shared) {
        // Released at prepare (releaseLiveStack checked it): what a file may have changed besides,
        // as a fresh stack has it: no fault armed, the client's approval recorded.
        shared.replica.control.clearFaults();
        await shared.ws.setConfig({ "golive:approvedBy": { value: "Client (test)" }, "golive:approvedAt": { value: new Date().toISOString().slice(0, 10) } }, shared.stack);
        return shared;
    }
    shared = await startLiveStack({ engine: opts.engine, stack: SHARED_STACK });
    return shared;
}

/** A file is done with the shared stack: kept for the next file if it is as a fresh one, closed otherwise. */
export async function releaseLiveStack(ls: LiveStack | undefined): Promise<void> {
    if (!ls) return;
    if (shared === ls && (await atPrepare(ls).catch(() => false))) return;
    if (shared === ls) shared = undefined;
    await ls.close();
}

/** As startLiveStack leaves it: prepare in the stack file and applied, the old host on both names, nothing left on the stack. */
async function atPrepare(ls: LiveStack): Promise<boolean> {
    const old = ls.replica.world.oldSite.host;
    const dns = ls.dnsNow();
    if (ls.filePhase() !== "prepare" || dns.apex.join() !== old || dns.www.join() !== old) return false;
    const left = await leftOnStack(ls);
    if (left.backendLocks.length > 0 || left.pending.length > 0 || left.runLock || left.guards > 0) return false;
    const history = await ls.ws.pulumi(["stack", "history", "--json", "--stack", ls.stack]);
    const applied = (JSON.parse(history.stdout || "[]") as Array<{ kind: string; result: string; config?: Record<string, { value: string }> }>).find((e) => e.kind === "update" && e.result === "succeeded");
    return applied?.config?.["golive:phase"]?.value === "prepare";
}
