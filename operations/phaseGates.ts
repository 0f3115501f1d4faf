// The go/no-go gates a guided phase checks before it changes anything, decided by the program's
// own config parsers (config/config, config/checksConfig, config/servicesConfig, config/releaseConfig) on the
// stack's config, so the messages are the ones `pulumi preview` would print. Also: which phase the
// stack has reached (its update history) and what the next step is. Pure.
import { parseCertificateConfig, parseVercelApiUrl } from "../config/certificateConfig";
import { parseBuildTimeout } from "../config/buildConfig";
import { ConfigError, GoLiveConfig, NAMESPACE, parseConfig, parseDomain, Phase, phaseOf, PHASES, RawConfigSource } from "../config/config";
import { ChecksConfig, parseChecksConfig } from "../config/checksConfig";
import { parseServicesConfig } from "../config/servicesConfig";
import { parseReleaseConfig, ReleaseConfig } from "../config/releaseConfig";
import { parseReportConfig } from "../config/reportConfig";
import { whatNext, type HistoryFacts } from "./siteState";
import { parseFailureNote } from "./failureNote";

/** `pulumi config --json` (Automation API getAllConfig): objects and arrays as JSON text. */
export type ConfigMap = Record<string, { value: string; secret: boolean }>;

/** The stack config as the program reads it, with some `golive:` keys replaced. */
export function configSource(map: ConfigMap, overrides: Record<string, string> = {}): RawConfigSource {
    return {
        get: (key) => overrides[key] ?? map[`${NAMESPACE}:${key}`]?.value,
        isSecret: (key) => !(key in overrides) && !!map[`${NAMESPACE}:${key}`]?.secret,
    };
}

export interface Gate {
    /** Plan line, or "config" / "order" for the program's other preconditions. */
    id: string;
    label: string;
    ok: boolean;
    /** Why it passes (evidence), or the parser's message when it does not. */
    detail: string;
}

export interface GateReport {
    ok: boolean;
    gates: Gate[];
    /** The parsed config of the target phase, when every config gate passed. */
    cfg?: Readonly<GoLiveConfig>;
    checks?: Readonly<ChecksConfig>;
    release?: ReleaseConfig;
}

const message = (err: unknown) => (err instanceof ConfigError || err instanceof Error ? err.message : String(err));

function attempt<T>(fn: () => T): { value?: T; error?: string } {
    try {
        return { value: fn() };
    } catch (err) {
        return { error: message(err) };
    }
}

// Values that satisfy one gate, so each other gate is judged alone (every missing item shows at once).
const NEUTRAL = {
    releaseRef: { releaseRef: "refs/tags/golive-gate-check" },
    envValues: { envVars: "[]", envValues: "{}" },
    approval: { approvedBy: "golive-gate-check", approvedAt: "2000-01-01" },
};

/**
 * The config gates of `phase`: the stack config itself (every key valid), MEP-02 release ref and
 * P-05 production variables from prepare on, P-01 approval at cutover. Each message is the
 * program's own (it would fail `pulumi preview` the same way).
 */
export function configGates(map: ConfigMap, phase: Phase): GateReport {
    const at = (overrides: Record<string, string>) => configSource(map, { phase, ...overrides });
    const gates: Gate[] = [];
    const after = (p: Phase) => PHASES.indexOf(phase) >= PHASES.indexOf(p);
    // The gates listed on their own below are left out of the config gate.
    const listed = { ...(after("prepare") ? { ...NEUTRAL.releaseRef, ...NEUTRAL.envValues } : {}), ...(phase === "cutover" ? NEUTRAL.approval : {}) };
    const base = attempt(() => parseConfig(at(listed)));
    const checks = attempt(() => parseChecksConfig(map[`${NAMESPACE}:checks`]?.value));
    const services = attempt(() => parseServicesConfig(configSource(map)));
    const release = attempt(() => parseReleaseConfig(configSource(map)));
    const certificate = attempt(() => parseCertificateConfig(configSource(map)));
    const vercelApi = attempt(() => parseVercelApiUrl(configSource(map)));
    const buildTimeout = attempt(() => parseBuildTimeout(configSource(map).get("buildTimeoutSeconds")));
    const page = attempt(() => parseReportConfig(configSource(map)));
    const configErrors = [base.error, checks.error, services.error, release.error, certificate.error, vercelApi.error, buildTimeout.error, page.error].filter((e): e is string => !!e);
    gates.push({ id: "config", label: "stack config", ok: configErrors.length === 0, detail: configErrors.length === 0 ? "every golive: key is valid" : configErrors.join("; ") });

    if (after("prepare")) {
        const ref = attempt(() => parseConfig(at({ ...NEUTRAL.envValues, ...NEUTRAL.approval })));
        gates.push({ id: "MEP-02", label: "release ref (code freeze)", ok: !ref.error, detail: ref.error ?? `deploys ${ref.value!.vercel.releaseRef} (golive:releaseRef)` });
        const env = attempt(() => parseConfig(at({ ...NEUTRAL.releaseRef, ...NEUTRAL.approval })));
        const names = env.value?.vercel.envVars.map((v) => v.key) ?? [];
        gates.push({
            id: "P-05",
            label: "production variables",
            ok: !env.error,
            detail: env.error ?? (names.length > 0 ? `${names.length} set as secrets: ${names.join(", ")}` : "none declared (golive:envVars)"),
        });
    }
    if (phase === "cutover") {
        const approval = attempt(() => parseConfig(at({ ...NEUTRAL.releaseRef, ...NEUTRAL.envValues })));
        const a = approval.value?.approval;
        gates.push({ id: "P-01", label: "client approval", ok: !approval.error, detail: approval.error ?? `approved by ${a!.by} on ${a!.at}` });
    }
    const ok = gates.every((g) => g.ok);
    const full = ok ? attempt(() => parseConfig(configSource(map, { phase }))) : {};
    if (ok && full.error) gates.push({ id: "config", label: "stack config", ok: false, detail: full.error });
    return {
        ok: ok && !full.error,
        gates,
        ...(full.value ? { cfg: full.value } : {}),
        ...(checks.value ? { checks: checks.value } : {}),
        ...(release.value ? { release: release.value } : {}),
    };
}

/**
 * Every gate of a guided phase before anything changes, in the order the operator sees them: the
 * config gates (configGates), the order of the phases, then the zone (P-03/P-04) when it was
 * looked up. One list for `golive plan` and the guided phases. `approvalPending`: P-01 is shown
 * as pending (golive plan --approval-from, the approval comes with the apply run), not as a gate.
 */
export function gatesOfPhase(report: GateReport, phase: Phase, applied: UpdateEntry | undefined, zone?: Gate, opts: { approvalPending?: boolean } = {}): Gate[] {
    const config = opts.approvalPending ? report.gates.filter((g) => g.id !== "P-01") : report.gates;
    return [...config, orderGate(phase, applied), ...(zone ? [zone] : [])];
}

/** The apex that golive:domain holds in the stack config; undefined when unset or invalid (the config gate says why). */
export function domainOf(map: ConfigMap | undefined): string | undefined {
    try {
        return parseDomain(map?.[`${NAMESPACE}:domain`]?.value);
    } catch {
        return undefined;
    }
}

/** P-03/P-04 from the zone lookup the program itself makes (program/program lookupZone). */
export function zoneGate(result: { zone?: { name: string; status: string }; error?: string }): Gate {
    if (result.error || !result.zone) return { id: "P-03/P-04", label: "Cloudflare zone", ok: false, detail: result.error ?? "the zone was not looked up" };
    return { id: "P-03/P-04", label: "Cloudflare zone", ok: true, detail: `${result.zone.name} found, status ${result.zone.status}` };
}

/** One entry of `pulumi stack history --json` (Automation API UpdateSummary), as far as used here. */
export interface UpdateEntry {
    version: number;
    kind: string;
    result: string;
    startTime: Date | string;
    endTime?: Date | string;
    message?: string;
    config?: Record<string, { value?: string; secret?: boolean } | undefined>;
}

export { phaseOf };

/** "update 7", or its end time where the backend does not number updates (the file backend). */
export function updateName(e: UpdateEntry): string {
    return e.version ? `update ${e.version}` : `the update of ${new Date(e.endTime ?? e.startTime).toISOString()}`;
}

/** The newest operation that acted on the stack (a backend that lists previews in the history: not those). */
export function latestUpdate(history: UpdateEntry[]): UpdateEntry | undefined {
    return history.find((e) => e.kind !== "preview");
}

/** The newest successful `up` (history is newest first), if any. */
export function lastApplied(history: UpdateEntry[]): UpdateEntry | undefined {
    return history.find((e) => e.kind === "update" && e.result === "succeeded");
}

/** The phases must be applied in order: prepare after adopt, cutover after prepare (plan section 3). */
export function orderGate(target: Phase, applied: UpdateEntry | undefined): Gate {
    const label = "phase order";
    const done = applied ? phaseOf(applied) : undefined;
    if (target === "adopt") return { id: "order", label, ok: true, detail: done ? `last applied: ${done}` : "first update of this stack" };
    const needs: Phase = target === "prepare" ? "adopt" : "prepare";
    const ok = done !== undefined && PHASES.indexOf(done as Phase) >= PHASES.indexOf(needs);
    return {
        id: "order",
        label,
        ok,
        detail: ok
            ? `last applied: ${done} (${updateName(applied!)})`
            : `${target} comes after ${needs}, and the last successful update applied ${done ?? "nothing yet"}: run golive ${needs} first`,
    };
}

/**
 * What the operator does next from the history alone (where the records are not read): the one
 * decision of operations/siteState whatNext, with the site's place unknown.
 */
export function nextStep(stack: string, latest: UpdateEntry | undefined, applied: UpdateEntry | undefined): string {
    return whatNext(stack, { where: { apex: "unknown", www: "unknown" }, needsRecovery: false }, historyFactsOf(latest, applied));
}

/** What whatNext reads of the history: the newest update, the applied one, and the way back the applied one is (its failure note). */
export function historyFactsOf(latest: UpdateEntry | undefined, applied: UpdateEntry | undefined, latestInterrupted?: boolean): HistoryFacts {
    const undone = parseFailureNote(applied?.message);
    return {
        ...(latest ? { latest: { kind: latest.kind, result: latest.result, phase: phaseOf(latest) } } : {}),
        ...(applied ? { applied: phaseOf(applied) } : {}),
        ...(latestInterrupted ? { latestInterrupted } : {}),
        ...(undone ? { rolledBackFrom: { phase: undone.phase, ...(undone.interrupted ? { interrupted: true } : {}) } } : {}),
    };
}

/**
 * Cutover soon after prepare: resolvers that cached the records before prepare lowered their TTL
 * may keep the old answer up to the old TTL, so the switch (and a rollback) reaches them later.
 */
export function ttlWarning(cfg: Pick<GoLiveConfig, "dns">, applied: UpdateEntry | undefined, now: number): string | undefined {
    if (!applied || phaseOf(applied) !== "prepare" || !applied.endTime) return undefined;
    const ttls = [cfg.dns.live.apex?.ttl, cfg.dns.live.www?.ttl].filter((t): t is number => t !== undefined).map((t) => (t === 1 ? 300 : t));
    if (ttls.length === 0) return undefined;
    const oldTtl = Math.max(...ttls);
    const elapsed = Math.round((now - new Date(applied.endTime).getTime()) / 1000);
    if (elapsed >= oldTtl) return undefined;
    return `prepare was applied ${elapsed} s ago, less than the old TTL (${oldTtl} s): resolvers that cached the old records before may keep them up to ${oldTtl - elapsed} s more, for the switch and for a rollback`;
}

/** The gates as every guided command prints them: ✓ or ✗, the plan ID, what was found. */
export function gateLines(gates: readonly Gate[]): string[] {
    return gates.map((g) => `  ${g.ok ? "✓" : "✗"} ${g.id === "config" || g.id === "order" ? "" : `${g.id} `}${g.label}: ${g.detail}`);
}
