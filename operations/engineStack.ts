// The guided commands' door to the Pulumi engine (Automation API): select the stack with the engine
// operations/engine finds, read and write its config, look the zone and the live records up through the
// Cloudflare provider (an inline program run as a preview on the same stack: the provider answers,
// the results are captured in this process), preview, and `up` with the engine's events. Every long
// engine call runs under the engine guard (operations/engineGuard) and takes the command's AbortSignal.
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { findEngine, isEngine } from "./engine";
import { guardEnv, guardedPulumiCommand, registryDir } from "./engineGuard";
import type { ConfigMap, UpdateEntry } from "./phaseGates";
import type { Phase } from "../config/config";
import { SITE_RECORD_TYPES, type ListedRecord } from "./liveRecords";
import { plannedStepOf, PlannedStep } from "./previewSummary";
import { outputValues } from "./secretOutput";
import { keepStateRead, readOfConfig, readOfState } from "./stackReads";

export interface GuidedStack {
    name: string;
    /** The Pulumi project directory. */
    dir: string;
    stack: Stack;
    engineVersion: string;
    /** Where this project's engine guards write what they run (operations/engineGuard). */
    registry: string;
}

/** The engine's own words from a failed CLI call (its `error:` lines), not the Automation API's wrapping. */
export function cliMessage(err: unknown): string {
    const stderr = (err as { commandResult?: { stderr?: string } })?.commandResult?.stderr;
    const text = stderr ?? String((err as Error)?.message ?? err);
    const errors = text.split("\n").filter((l) => /^error: /.test(l.trim())).map((l) => l.trim().replace(/^error: /, ""));
    const useful = errors.filter((l) => !/^(update|preview) failed$/.test(l));
    return (useful.length > 0 ? useful : errors.length > 0 ? errors : [text.trim().split("\n").pop() ?? ""]).join("; ");
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/** Selects `name` in `dir` with the engine of this machine; throws with what to do when it cannot. */
export async function openStack(name: string, dir: string, env: NodeJS.ProcessEnv): Promise<GuidedStack> {
    const engine = findEngine(env);
    if (!isEngine(engine)) throw new Error(engine.missing);
    if (!fs.existsSync(path.join(dir, "Pulumi.yaml"))) throw new Error(`${dir} is not the Pulumi project (no Pulumi.yaml): pass --dir <project dir>`);
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const pulumiCommand = await guardedPulumiCommand(engine);
    const registry = registryDir(dir);
    try {
        const stack = await LocalWorkspace.selectStack({ stackName: name, workDir: dir }, { workDir: dir, envVars: { ...stringEnv(env), ...guardEnv(engine, registry) }, pulumiCommand });
        return { name, dir, stack, engineVersion: engine.version, registry };
    } catch (err) {
        throw new Error(`cannot select stack ${name}: ${cliMessage(err)} (create it with: pulumi stack init ${name})`);
    }
}

/** The stack's config with secrets in clear (they stay in this process), project defaults included. */
export async function readConfig(gs: GuidedStack): Promise<ConfigMap> {
    try {
        // A copy each time: the caller may change its map (operations/stackReads keeps the read).
        return structuredClone((await readOfConfig(gs.stack, "all", () => gs.stack.getAllConfig())) as ConfigMap);
    } catch (err) {
        throw new Error(cliMessage(err));
    }
}

/** Newest first; secrets left encrypted (only golive:phase is read). */
export async function readHistory(gs: GuidedStack, pageSize = 10): Promise<UpdateEntry[]> {
    return structuredClone((await readOfState(gs.stack, `history:${pageSize}`, () => gs.stack.history(pageSize, 1, false))) as unknown as UpdateEntry[]);
}

/** The stack outputs of the last successful update, plain values; a secret one stays secret (operations/secretOutput). */
export async function readOutputs(gs: GuidedStack): Promise<Record<string, unknown>> {
    return outputValues(await readOfState(gs.stack, "outputs", () => gs.stack.outputs()));
}

/**
 * Keeps Pulumi.<stack>.yaml as it is now; `restore()` puts it back byte for byte (a refused or
 * cancelled phase leaves the stack file as it found it).
 */
export function snapshotStackFile(gs: GuidedStack): { restore(): void } {
    const file = path.join(gs.dir, `Pulumi.${gs.name}.yaml`);
    const before = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    return {
        restore() {
            if (before === undefined) fs.rmSync(file, { force: true });
            else fs.writeFileSync(file, before);
        },
    };
}

export async function setPhase(gs: GuidedStack, phase: Phase): Promise<void> {
    await gs.stack.setConfig("golive:phase", { value: phase, secret: false });
}

/** Writes golive:liveRecords as one structured value, exactly (numbers stay numbers, a comment stays text). */
export async function writeLiveRecords(gs: GuidedStack, live: Record<string, unknown>): Promise<void> {
    await gs.stack.setAllConfigJson(JSON.stringify({ "golive:liveRecords": { value: JSON.stringify(live), objectValue: live, secret: false } }));
}

export interface Discovery {
    zone?: { id: string; name: string; status: string };
    records?: ListedRecord[];
    /** The lookup's own message (program/program lookupZone's, or the provider's) when it failed. */
    error?: string;
}

/**
 * The apex and www records of the site's types, through the provider's getDnsRecords, one list per
 * name and type: a list mixing a CAA record (common at the apex) with other types fails in the
 * provider (its dynamic `data.flags`; terraform-provider-cloudflare issues 5581, 6518, 7004), so
 * none is asked for. Runs inside a Pulumi program.
 */
export async function listSiteRecords(zoneId: string, domain: string): Promise<ListedRecord[]> {
    const cloudflare = await import("@pulumi/cloudflare");
    const asks = [domain, `www.${domain}`].flatMap((name) => SITE_RECORD_TYPES.map((type) => cloudflare.getDnsRecords({ zoneId, name: { exact: name }, type })));
    const lists = await Promise.all(asks);
    return lists.flatMap((l) => l.results ?? []).map((r) => ({
        id: r.id,
        name: r.name,
        type: r.type,
        content: r.content,
        ttl: r.ttl,
        proxied: r.proxied,
        ...(r.comment ? { comment: r.comment } : {}),
    }));
}

/**
 * The zone gate (P-03/P-04) and, for adopt, the apex and www records, through the Cloudflare
 * provider: an inline program, run as a preview of this stack (nothing is applied), calls the same
 * lookupZone as the program and getDnsRecords; the provider's answers are captured here.
 */
export async function discover(gs: GuidedStack, opts: { domain: string; phase: Phase; records: boolean; signal?: AbortSignal }): Promise<Discovery> {
    const found: Discovery = {};
    // The lookup saw the engine stop (a plugin it could not load…): the engine's own error says why.
    let engineStopped = false;
    const program = async () => {
        try {
            const { lookupZone } = await import("../program/program");
            const zone = await lookupZone(opts.domain, opts.phase);
            found.zone = zone;
            if (opts.records) found.records = await listSiteRecords(zone.id, opts.domain);
        } catch (err) {
            // Caught here, so the preview ends normally (a failed program costs the SDK ~20 s).
            found.error = (err as Error)?.message ?? String(err);
            engineStopped = (err as { failure?: string })?.failure === "engine-stopped";
        }
        return {};
    };
    try {
        await gs.stack.preview({ program, message: `golive: look up ${opts.domain} at Cloudflare`, ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
        // The engine may end the preview before the program has seen its lookup fail.
        const said = cliMessage(err);
        const { zoneLookupError, zoneLookupFailure } = await import("../program/zoneLookup");
        if (engineStopped || (found.error === undefined && zoneLookupFailure(said) !== "other")) found.error = zoneLookupError(opts.domain, said).message;
        else found.error ??= said;
    }
    // A copy: the program may still be unwinding after the engine has stopped.
    return { ...found };
}

export interface PreviewRun {
    ok: boolean;
    steps: PlannedStep[];
    errors: string[];
    warnings: string[];
}

/** `pulumi preview` of the program; never throws. Engine warnings (pending operations…) come back in `warnings`. */
export async function previewProgram(gs: GuidedStack, signal?: AbortSignal): Promise<PreviewRun> {
    const steps: PlannedStep[] = [];
    const errors: string[] = [];
    const warnings: string[] = [];
    const onEvent = (e: EngineEvent) => {
        if (e.resourcePreEvent) steps.push(plannedStepOf(e.resourcePreEvent.metadata));
        const d = e.diagnosticEvent;
        if (d && d.severity === "error" && !/^(update|preview) failed/.test(d.message.trim())) errors.push(d.message.trim());
        if (d && d.severity === "warning" && !warnings.includes(d.message.trim())) warnings.push(d.message.trim());
    };
    try {
        await gs.stack.preview({ onEvent, message: "golive preview", ...(signal ? { signal } : {}) });
        return { ok: true, steps, errors, warnings };
    } catch (err) {
        return { ok: false, steps, errors: errors.length > 0 ? [...new Set(errors)] : [cliMessage(err)], warnings };
    }
}

/** `pulumi up` of the program, each engine event handed to `onEvent`; never throws. */
export async function upProgram(gs: GuidedStack, message: string, onEvent: (e: EngineEvent) => void, signal?: AbortSignal): Promise<{ ok: boolean; outputs?: Record<string, unknown>; error?: string }> {
    try {
        const r = await gs.stack.up({ onEvent, message, ...(signal ? { signal } : {}) });
        // The outputs the update just read are the next readOutputs' answer (same checkpoint).
        await keepStateRead(gs.stack, "outputs", r.outputs);
        return { ok: true, outputs: outputValues(r.outputs) };
    } catch (err) {
        return { ok: false, error: cliMessage(err) };
    }
}

/** The site records and the pending operations as the stack's state holds them (`pulumi stack export`). */
export interface StateView {
    pending: Array<{ op: string; name: string; urn: string }>;
    records: { apex?: { type: string; content: string }; www?: { type: string; content: string } };
    /** The zone the site records live in (their zoneId input). */
    zoneId?: string;
    /** Any resource at all in the state. */
    empty: boolean;
}

/** Reads the stack's state; secrets stay encrypted (only the records' type and content are read). */
export async function readState(gs: GuidedStack): Promise<StateView> {
    const d = (await readOfState(gs.stack, "export", () => gs.stack.exportStack())).deployment ?? {};
    const resources: Array<{ urn: string; type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }> = d.resources ?? [];
    const view: StateView = { pending: [], records: {}, empty: resources.length === 0 };
    for (const r of resources) {
        const m = /::dns-(apex|www)$/.exec(r.urn);
        if (!m || r.type !== "cloudflare:index/dnsRecord:DnsRecord") continue;
        view.records[m[1] as "apex" | "www"] = { type: String(r.outputs?.type ?? r.inputs?.type ?? ""), content: String(r.outputs?.content ?? r.inputs?.content ?? "") };
        view.zoneId ??= typeof r.inputs?.zoneId === "string" ? (r.inputs.zoneId as string) : undefined;
    }
    for (const p of (d.pending_operations ?? []) as Array<{ type: string; resource: { urn: string } }>) {
        view.pending.push({ op: p.type, name: p.resource.urn.split("::").pop() ?? p.resource.urn, urn: p.resource.urn });
    }
    return view;
}

/** `pulumi cancel`: removes the lock an engine that is gone left on the stack. */
export async function cancelStaleLock(gs: GuidedStack): Promise<void> {
    await gs.stack.cancel();
}

/**
 * `pulumi refresh --clear-pending-creates`: every resource read back from its provider (the records
 * as Cloudflare holds them), and the creates an interrupted engine never saw end dropped from the
 * state (they are created again by the next `up`). Never throws.
 */
export async function refreshState(gs: GuidedStack, onEvent: (e: EngineEvent) => void, signal?: AbortSignal): Promise<{ ok: boolean; error?: string }> {
    try {
        await gs.stack.refresh({ clearPendingCreates: true, onEvent, message: "golive recover: refresh (records read back, pending creates cleared)", ...(signal ? { signal } : {}) });
        return { ok: true };
    } catch (err) {
        return { ok: false, error: cliMessage(err) };
    }
}
