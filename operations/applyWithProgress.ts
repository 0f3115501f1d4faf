// `pulumi up` with live progress on stderr, as every guided command applies: one line per resource
// and per check (operations/upProgress), a word when the engine falls silent, MEP-04's bound on
// Vercel's build, and golive's own bound on a provider call that never answers.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { UpProgress } from "./upProgress";
import { buildTimeoutMessage, buildWaitLine } from "./buildWatch";
import { GuidedStack, upProgram } from "./engineStack";
import type { GuidedDeps } from "./guided";
import { BUILD_TIMEOUT_KEY, parseBuildTimeout } from "../config/buildConfig";
import { NAMESPACE } from "../config/config";
import { parseVercelApiUrl } from "../config/certificateConfig";
import { vercelCall } from "../checks/vercelApi";
import { deadlineIn } from "../checks/net";
import { saidOf, type DeploymentSeen } from "./buildWatch";
import { configSource, domainOf, type ConfigMap } from "./phaseGates";

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

/**
 * MEP-04: the wait for Vercel's build bounded by golive:buildTimeoutSeconds, and what Vercel says of
 * the project's newest production deployment meanwhile (GET /v7/deployments, with the provider's
 * own token and team; read in memory, never printed).
 */
export function buildWatchOf(map: ConfigMap, stop: (why: string) => void): BuildWatch | undefined {
    let limitS: number;
    let baseUrl: string;
    try {
        limitS = parseBuildTimeout(configSource(map).get("buildTimeoutSeconds"));
        baseUrl = parseVercelApiUrl(configSource(map));
    } catch {
        return undefined; // the config gate refused it already (operations/phaseGates)
    }
    const project = map[`${NAMESPACE}:projectName`]?.value || (domainOf(map) ?? "").replace(/\./g, "-");
    const token = map["vercel:apiToken"]?.value;
    const teamId = map["vercel:team"]?.value;
    const api = { baseUrl, ...(teamId ? { teamId } : {}), ...(token ? { token } : {}) };
    return {
        limitMs: limitS * 1000,
        stop: () => stop(`the wait for Vercel's build reached ${BUILD_TIMEOUT_KEY} (${limitS} s)`),
        look: async () => {
            if (!project) return undefined;
            const r = await vercelCall<{ deployments?: DeploymentSeen[] }>(api, "GET", `/v7/deployments?projectId=${encodeURIComponent(project)}&target=production&limit=1`, undefined, deadlineIn(10_000, "a look at Vercel's build"));
            const d = r.deployments?.[0];
            return d ? saidOf(d, Date.now()) : undefined;
        },
    };
}
