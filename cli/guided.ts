// What the guided commands (golive adopt | prepare | cutover | status) share: their options, the
// outside world they talk to (tests replace it), the confirmation rule, the gates as printed, and
// `up` with live progress on stderr.
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { checkedStackName, parseCommandLine } from "./args";
import type { Gate } from "../operations/phaseGates";
import { UpProgress } from "../operations/upProgress";
import { buildTimeoutMessage, buildWaitLine } from "../operations/buildWatch";
import { PROGRAM_DIR } from "../shared/programDir";
import { GuidedStack, upProgram } from "./engineStack";
import { ciOperatorOf } from "../operations/ciContext";

/** What a guided command needs from the outside world. */
export interface GuidedDeps {
    /** The environment of every engine call (backend, passphrase, PATH): process.env in real use. */
    env: NodeJS.ProcessEnv;
    /** Whether a person can answer a question (stdin is a terminal). */
    interactive: boolean;
    /** Asks on stderr, reads one line. */
    ask(question: string): Promise<string>;
    /** Results, summaries and the record's path. */
    out(line: string): void;
    /** Live progress, refusals and errors. */
    err(line: string): void;
    /** ms since the epoch. */
    now(): number;
    /** Who runs the command (recorded as who decided): git user.name, else the login. */
    operator(dir: string): string;
    /** Registers a signal handler, returns its removal (default process.on; tests give a stand-in). */
    onSignal?(signal: NodeJS.Signals, handler: () => void): () => void;
    /** How long the engine gets to stop cleanly after Ctrl-C (default GOLIVE_CANCEL_WAIT_SECONDS, else 90 s). */
    cancelWaitMs?: number;
}

async function askOnTerminal(question: string): Promise<string> {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
        return await new Promise<string>((resolve) => {
            rl.question(question, resolve);
            // A terminal's Ctrl-C at the prompt reaches readline, not the process: no answer, and the
            // command's Ctrl-C handling (cli/interrupt) hears it.
            rl.on("SIGINT", () => {
                resolve("");
                process.emit("SIGINT", "SIGINT");
            });
        });
    } finally {
        rl.close();
    }
}

export function operatorOf(dir: string, env: NodeJS.ProcessEnv = process.env): string {
    // In CI, whoever started the run (a dispatch, a merge), named with the run.
    const ci = ciOperatorOf(env);
    if (ci) return ci;
    const r = spawnSync("git", ["config", "user.name"], { cwd: dir, env, encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "ignore"] });
    const name = r.status === 0 ? r.stdout.trim() : "";
    if (name) return name;
    try {
        return env.USER || env.LOGNAME || os.userInfo().username || "unknown";
    } catch {
        return "unknown";
    }
}

export const DEFAULT_DEPS: GuidedDeps = {
    env: process.env,
    interactive: !!process.stdin.isTTY,
    ask: askOnTerminal,
    out: (l) => process.stdout.write(l + "\n"),
    err: (l) => process.stderr.write(l + "\n"),
    now: () => Date.now(),
    operator: (dir) => operatorOf(dir),
};

/** The program's own directory: the default Pulumi project (also when run compiled from dist/). */
export { PROGRAM_DIR };

export interface GuidedArgs {
    stack: string;
    dir: string;
    /** Where the record files go (default <dir>/records). */
    records: string;
    yes: boolean;
    autoRollback: boolean;
    domain?: string;
    /** golive recover's way on. */
    finish?: boolean;
    rollback?: boolean;
    /** R-1 decided beforehand as no rollback (CI's on_failure input "keep"). */
    noRollback?: boolean;
    /** The record's Markdown on stdout, everything else on stderr (a CI run's summary). */
    markdown?: boolean;
}

export type Parsed = GuidedArgs | { error: string } | { help: true };

/** Every option a guided command may take; each command allows some (`allowed`). */
const GUIDED_OPTIONS = {
    stack: { type: "string" },
    dir: { type: "string" },
    records: { type: "string" },
    domain: { type: "string" },
    yes: { type: "boolean", short: "y" },
    "auto-rollback": { type: "boolean" },
    finish: { type: "boolean" },
    rollback: { type: "boolean" },
    "no-rollback": { type: "boolean" },
    markdown: { type: "boolean" },
} as const;

/**
 * Parses `--stack <name> [--dir <dir>] [--records <dir>] [--yes] ...`, taking only the options
 * `allowed` lists, through the one option parser of every golive command (cli/args).
 */
export function parseGuidedArgs(argv: string[], allowed: string[]): Parsed {
    const options = Object.fromEntries(Object.entries(GUIDED_OPTIONS).filter(([name]) => allowed.includes(`--${name}`)));
    const parsed = parseCommandLine(argv, options);
    if ("help" in parsed || "error" in parsed) return parsed as { help: true } | { error: string };
    const v = parsed as { stack?: string; dir?: string; records?: string; domain?: string; yes?: boolean; "auto-rollback"?: boolean; finish?: boolean; rollback?: boolean; "no-rollback"?: boolean; markdown?: boolean };
    if (v["auto-rollback"] && v["no-rollback"]) return { error: "--auto-rollback and --no-rollback decide R-1 both ways: give one" };
    const stack = checkedStackName(v.stack);
    if (typeof stack !== "string") return stack;
    const dir = v.dir !== undefined ? path.resolve(v.dir) : PROGRAM_DIR;
    return {
        stack,
        dir,
        records: v.records !== undefined ? path.resolve(v.records) : path.join(dir, "records"),
        yes: !!v.yes,
        autoRollback: !!v["auto-rollback"],
        ...(v.domain !== undefined ? { domain: v.domain } : {}),
        ...(v.finish ? { finish: true } : {}),
        ...(v.rollback ? { rollback: true } : {}),
        ...(v["no-rollback"] ? { noRollback: true } : {}),
        ...(v.markdown ? { markdown: true } : {}),
    };
}

/** "y", "yes", "o", "oui" (the plan is French); anything else is no. */
export function isYes(answer: string): boolean {
    return /^(y|yes|o|oui)$/i.test(answer.trim());
}

/**
 * The confirmation rule: --yes confirms; otherwise a person must answer yes. Without a terminal
 * and without --yes nothing is applied (exit 2, like golive rollback).
 */
export async function confirmApply(deps: GuidedDeps, yes: boolean, question: string): Promise<{ ok: true; how: string } | { ok: false; code: number; message: string }> {
    if (yes) return { ok: true, how: "--yes" };
    if (!deps.interactive) return { ok: false, code: 2, message: "not a terminal: add --yes to apply; nothing was changed" };
    const answer = await deps.ask(question);
    if (!isYes(answer)) return { ok: false, code: 1, message: "cancelled: nothing was changed" };
    return { ok: true, how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
}

export function gateLines(gates: readonly Gate[]): string[] {
    return gates.map((g) => `  ${g.ok ? "✓" : "✗"} ${g.id === "config" || g.id === "order" ? "" : `${g.id} `}${g.label}: ${g.detail}`);
}

/** Engine silence long enough to say what it waits on (a provider call that does not answer). */
export const STALL_NOTICE_MS = 30_000;

export interface Applied {
    ok: boolean;
    progress: UpProgress;
    /** ms since the epoch. */
    startedAt: number;
    endedAt: number;
    outputs?: Record<string, unknown>;
    error?: string;
}

/** MEP-04: the wait for Vercel's build, watched (operations/buildWatch). */
export interface BuildWatch {
    /** golive:buildTimeoutSeconds, in ms. */
    limitMs: number;
    /** What Vercel says of the newest production deployment now, if it can be read. */
    look?: () => Promise<string | undefined>;
    /** Stops the engine (the bound ran out): the command's interrupt. */
    stop(reason: string): void;
    /** A progress line this often while the build runs (default 30 s). */
    everyMs?: number;
}

const DEPLOYMENT_TYPE = "vercel:index/deployment:Deployment";

/** golive's bound on a hung provider call: how long, and what to do when one passes it (cancel the run). */
export interface HangBound {
    boundMs: number;
    /** Called once, with the step that went unanswered (its label, op) and how long it has run. */
    onHang(step: { label: string; op: string; type: string }, ranMs: number): void;
}

/** A step that is a call to a real provider's API (Cloudflare, Vercel); golive's own checks bound themselves. */
export const isProviderCall = (type: string) => type.startsWith("cloudflare:") || type.startsWith("vercel:");

/** The provider call, of those in flight, that has run `boundMs` or more (the oldest), if any. */
export function hungCall<T extends { type: string; startedAt: number; endedAt?: number }>(steps: readonly T[], nowOnOrigin: number, boundMs: number): T | undefined {
    return steps.filter((st) => st.endedAt === undefined && isProviderCall(st.type) && nowOnOrigin - st.startedAt >= boundMs).sort((a, b) => a.startedAt - b.startedAt)[0];
}

/** `pulumi up` with one progress line per resource and per check on stderr; times on `origin`'s clock. */
export async function applyWithProgress(gs: GuidedStack, message: string, deps: GuidedDeps, origin: number, signal?: AbortSignal, build?: BuildWatch, onProgress?: (progress: UpProgress) => void, hang?: HangBound): Promise<Applied> {
    const progress = new UpProgress();
    const startedAt = deps.now();
    let lastEventAt = deps.now();
    let stallSaid = 0;
    let hangSaid = false;
    const onEvent = (e: EngineEvent) => {
        lastEventAt = deps.now();
        for (const line of progress.onEvent(e, deps.now() - origin)) deps.err(line);
        onProgress?.(progress);
    };
    // A provider that does not answer (a hung API call) shows as silence: say what the engine waits on.
    const watch = setInterval(() => {
        const quiet = deps.now() - lastEventAt;
        if (quiet < STALL_NOTICE_MS || lastEventAt === stallSaid) return;
        stallSaid = lastEventAt;
        const waiting = progress.steps.filter((st) => st.endedAt === undefined).map((st) => st.label);
        deps.err(`  … nothing from the engine for ${Math.round(quiet / 1000)} s${waiting.length > 0 ? `: waiting on ${waiting.join(", ")}` : ""} — Ctrl-C stops cleanly once that ends; twice stops at once${hang ? ` (golive stops the run itself once a provider call has gone ${Math.round(hang.boundMs / 1000)} s unanswered)` : ""}`);
    }, 5_000);
    const buildTimer = build ? watchBuild(progress, build, deps, origin) : undefined;
    // golive's own bound on a provider call that never answers (the real Cloudflare client has none).
    const hangWatch = hang
        ? setInterval(() => {
              if (hangSaid) return;
              const hung = hungCall(progress.steps, deps.now() - origin, hang.boundMs);
              if (!hung) return;
              hangSaid = true;
              hang.onHang(hung, deps.now() - origin - hung.startedAt);
          }, Math.min(5_000, Math.max(500, hang.boundMs / 4)))
        : undefined;
    let r;
    try {
        r = await upProgram(gs, message, onEvent, signal);
    } finally {
        clearInterval(watch);
        buildTimer?.stop();
        if (hangWatch) clearInterval(hangWatch);
    }
    return { ok: r.ok, progress, startedAt, endedAt: deps.now(), ...(r.outputs ? { outputs: r.outputs } : {}), ...(r.error ? { error: r.error } : {}) };
}

/**
 * MEP-04: while the deployment step runs, a line every `everyMs` saying what Vercel says of the
 * build; at the bound, the reason into the run's errors and the engine stopped.
 */
function watchBuild(progress: UpProgress, build: BuildWatch, deps: GuidedDeps, origin: number): { stop(): void } {
    const every = build.everyMs ?? 30_000;
    let lastLine = 0;
    let looking = false;
    let said: string | undefined;
    let done = false;
    const tick = async () => {
        const step = progress.steps.find((s) => s.type === DEPLOYMENT_TYPE && s.endedAt === undefined && s.op !== "delete");
        if (!step || done || looking) return;
        const waited = deps.now() - origin - step.startedAt;
        if (waited >= build.limitMs) {
            done = true;
            const reason = buildTimeoutMessage(step.label, build.limitMs, said);
            progress.errors.push(`${step.name}: ${reason}`);
            deps.err(`  ✗ ${reason}`);
            build.stop(reason);
            return;
        }
        if (waited - lastLine < every) return;
        lastLine = waited;
        looking = true;
        try {
            said = (await build.look?.().catch(() => undefined)) ?? said;
        } finally {
            looking = false;
        }
        deps.err(buildWaitLine(step.label, waited, build.limitMs, said));
    };
    const timer = setInterval(() => void tick(), Math.min(5_000, every));
    timer.unref?.();
    return { stop: () => clearInterval(timer) };
}
