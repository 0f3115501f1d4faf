// The dress rehearsal: the whole go-live played on loopback, end to end, with a visitor's prober
// running the whole time. adopt → prepare → cutover (with the post-deploy checks as dynamic
// resources) → checks → report → rollback to prepare → checks against the old site. The checks
// that talk to outside services (MEP-12, MEP-13, MEP-15, MEP-16) run against loopback stand-ins.
import { startWorld, ReplicaWorld } from "../replica/world";
import { CHECKS, runSuite, SuiteSettings } from "../checks/suite";
import type { CheckResult, NetOptions } from "../checks/types";
import { resultFromFailure as resultFromError } from "../checks/dynamic";
import { buildChecklist, ChecklistLine } from "../lib/report";
import { countSteps, MockEngine, PhaseResult, StepOp } from "./engine";
import { Prober, ProbeFigures } from "./prober";
import { DnsChange, LIVE_RECORD_IDS, ReplicaBehaviour, replicaProviders, VercelReplica } from "./providers";
import { Fault, faultNamed } from "./faults";
import { program, warmUp } from "./program";
import { ServiceStandIns, startServiceStandIns } from "./services";
import { createSiteRepository, SiteRepository, startWebhookReceiver, WebhookReceiver } from "./releaseFixtures";
import { sleep } from "../checks/net";
import { findEngine, isEngine } from "../lib/engine";
import { startControlServer, ControlServer } from "../replica/control";
import { RealEngine } from "./realEngine";

export interface RehearsalOptions {
    /** A fault of rehearsal/faults.ts to inject. */
    fault?: string;
    /** Shorter waits (tests). */
    fast?: boolean;
    log?: (line: string) => void;
    /** The IMAP server binary (default /usr/sbin/dovecot); a missing one plays a machine without it. */
    dovecotBin?: string;
    /** Called once the outside services' stand-ins run (tests look at what they were given and saw). */
    onServices?: (services: ServiceStandIns) => void;
    /**
     * Which engine plays the phases: the real Pulumi CLI against the replica plugins ("pulumi"),
     * the embedded mock engine ("mock"), or the real one when this machine has it ("auto", default).
     */
    engine?: "auto" | "pulumi" | "mock";
}

/** Which engine ran the rehearsal. */
export interface EngineInfo {
    kind: "pulumi" | "mock";
    version: string;
    /** Why the real engine was not used, when it was not. */
    note?: string;
}

export interface PhaseSummary {
    phase: string;
    /** The `golive:phase` the config had. */
    configPhase: string;
    ok: boolean;
    durationMs: number;
    counts: Record<StepOp, number>;
    /** Resources that changed (not "same"). */
    changes: Array<{ op: StepOp; type: string; name: string; ok: boolean }>;
    errors: string[];
}

export interface RehearsalFigures {
    failedProbesCutover: number;
    failedProbesRollback: number;
    /** From the first DNS change of the cutover to the last check passing; null when a check failed. */
    dnsSwitchToGreenMs: number | null;
    totalMs: number;
    /** Deletes of DNS records over the whole run (goal: 0, records are updated in place). */
    dnsRecordDeletes: number;
    probes: ProbeFigures;
}

export interface RehearsalReport {
    ok: boolean;
    engine: EngineInfo;
    fault?: { name: string; summary: string; expect: string };
    domain: string;
    /** For `golive report --from`: the record is the cutover's, on the stack "rehearsal". */
    stack: "rehearsal";
    phase: "cutover";
    releaseRef: string;
    phases: PhaseSummary[];
    /** Results of the dynamic checks of the cutover (failures rebuilt from the engine's error). */
    cutoverChecks: CheckResult[];
    /** `golive verify` after the cutover, against the new site. */
    verifyNew: CheckResult[];
    /** The same checks after the rollback, against the old host. */
    verifyOld: CheckResult[];
    checklist: ChecklistLine[];
    /** What the release steps left behind: webhook messages (MEP-01, MEP-17) and the remote's tags (MEP-18). */
    release: { messages: string[]; remoteTags: Record<string, string>; commit: string };
    dnsChanges: DnsChange[];
    figures: RehearsalFigures;
    /** What the outside-service checks did against their stand-ins (proof they really ran). */
    outsideServices: OutsideServicesFigures;
    /** What this machine could not rehearse and why (e.g. MEP-12 without dovecot), one line each. */
    notes: string[];
    /** Why the rehearsal failed, one line each. */
    problems: string[];
}

export interface OutsideServicesFigures {
    /** PageSpeed Insights analyses requested (MEP-13). */
    psiRequests: number;
    /** Sitemaps submitted to Search Console, by property (MEP-15). */
    sitemaps: Record<string, string[]>;
    /** GA4 realtime reports read (MEP-16). */
    realtimeRequests: number;
    /** Whether a loopback mailbox ran (MEP-12), and the form messages delivered into it. */
    mailbox: boolean;
    mailsDelivered: number;
}

/** The production tag the rehearsal's release step makes (golive:release.tag). */
const RELEASE_TAG = "v1.0.0";

/** Checks the rehearsal runs (those of the suite that need no outside account). */
const REPLICA_CHECKS = ["dns", "tls", "https", "redirects", "smoke", "seo"];

/**
 * A probe slower than this counts as failed. The replica, the prober and the program share one
 * process, whose event loop stalls up to ~0.8 s while Pulumi serializes the check providers: that
 * stall is not the go-live's doing, and a visitor waiting 3 s is still served. Real downtime (a name
 * that does not resolve, a wrong certificate, an error status) fails at once whatever the timeout.
 */
export const PROBE_TIMEOUT_MS = 3_000;

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** What the rehearsal's stack config points at besides the replica's hosts. */
export interface RehearsalTargets {
    /** The post-deploy checks' settings (key pages, budgets). */
    settings: SuiteSettings;
    /** How the checks reach the replica: its DNS server, ports and CA. */
    net: NetOptions;
    /** MEP-01 / MEP-17 receiver. */
    webhookUrl?: string;
    /** MEP-18: the site repository and its frozen commit. */
    repo?: { repoPath: string; commit: string };
    /** MEP-12, MEP-13, MEP-15, MEP-16: golive:contactForm/imap/pagespeed/searchConsole/analytics and which are secret. */
    services?: Pick<ServiceStandIns, "config" | "secretKeys">;
}

/** The stack config of one phase, as Pulumi.<stack>.yaml would hold it for the replica's domain. */
export function phaseConfig(world: ReplicaWorld, phase: "adopt" | "prepare" | "cutover", targets?: RehearsalTargets): { config: Record<string, string>; secretKeys: string[] } {
    const oldHost = world.oldSite.host;
    const live = {
        apex: { id: LIVE_RECORD_IDS.apex, name: world.domain, type: "A", content: oldHost, ttl: 300, proxied: false },
        www: { id: LIVE_RECORD_IDS.www, name: world.www, type: "A", content: oldHost, ttl: 300, proxied: false },
    };
    const config: Record<string, string> = {
        "golive:phase": phase,
        "golive:domain": world.domain,
        "golive:gitRepo": "kalia-beauty-studio/site",
        "golive:releaseRef": targets?.repo?.commit ?? "v1.0.0",
        "golive:ttl": "60",
        "golive:liveRecords": JSON.stringify(live),
        "golive:envVars": JSON.stringify(["CONTACT_TO"]),
        "golive:envValues": JSON.stringify({ CONTACT_TO: "rdv@" + world.domain }),
        "golive:approvedBy": "Client (rehearsal)",
        "golive:approvedAt": new Date().toISOString().slice(0, 10),
    };
    const secretKeys = ["golive:envValues"];
    if (targets) {
        const s = targets.settings;
        config["golive:checks"] = JSON.stringify({
            pages: s.pages,
            dnsTimeoutSeconds: Math.max(1, Math.round((s.dnsTimeoutMs ?? 10_000) / 1000)),
            budgets: { httpsMs: s.httpsBudgetMs, pageMs: s.pageBudgetMs },
            sitemapSample: s.sitemapSample,
            network: targets.net,
        });
        if (targets.webhookUrl) {
            config["golive:notify"] = JSON.stringify({ webhookUrl: targets.webhookUrl });
            secretKeys.push("golive:notify");
        }
        if (targets.repo) {
            config["golive:release"] = JSON.stringify({ tag: RELEASE_TAG, repoPath: targets.repo.repoPath, remote: "origin" });
        }
        if (targets.services) {
            Object.assign(config, targets.services.config);
            secretKeys.push(...targets.services.secretKeys);
        }
    }
    return { config, secretKeys };
}

function summarizePhase(r: PhaseResult, configPhase: string): PhaseSummary {
    return {
        phase: r.phase,
        configPhase,
        ok: r.ok,
        durationMs: r.endedAt - r.startedAt,
        counts: countSteps(r.steps),
        changes: r.steps.filter((s) => s.op !== "same").map((s) => ({ op: s.op, type: s.type, name: s.name, ok: s.ok })),
        errors: r.errors,
    };
}

export async function rehearse(options: RehearsalOptions = {}): Promise<RehearsalReport> {
    const log = options.log ?? (() => undefined);
    const fault: Fault | undefined = options.fault ? faultNamed(options.fault) : undefined;
    const started = Date.now();
    const choice = options.engine ?? "auto";
    const found = choice === "mock" ? undefined : findEngine();
    if (choice === "pulumi" && found && !isEngine(found)) throw new Error(found.missing);
    const realEngine = found && isEngine(found) ? found : undefined;
    const engineInfo: EngineInfo = realEngine
        ? { kind: "pulumi", version: realEngine.version }
        : { kind: "mock", version: "embedded", ...(found && !isEngine(found) ? { note: found.missing } : {}) };
    log(`engine: ${engineInfo.kind === "pulumi" ? `pulumi ${engineInfo.version} (${realEngine!.source === "PATH" ? "on PATH" : "built by npm run engine"}), replica provider plugins` : `embedded mock engine${engineInfo.note ? ` (${engineInfo.note})` : ""}`}`);
    const world = await startWorld({ pointAt: "old", ttl: 300 });
    const problems: string[] = [];
    let control: ControlServer | undefined;
    let real: RealEngine | undefined;
    let prober: Prober | undefined;
    let webhook: WebhookReceiver | undefined;
    let repo: SiteRepository | undefined;
    let services: ServiceStandIns | undefined;
    try {
        const behaviour: ReplicaBehaviour = {};
        // Google's APIs, the client's mailbox and the new site's contact form, on loopback.
        services = await startServiceStandIns(world, options.dovecotBin ? { dovecotBin: options.dovecotBin } : {});
        webhook = await startWebhookReceiver();
        for (const note of services.notes) log(`note: ${note}`);
        options.onServices?.(services);
        const vercel = new VercelReplica(world, world.issue([world.domain, world.www]), behaviour);
        fault?.apply(world, behaviour, services);
        if (fault) log(`fault injected: ${fault.name}: ${fault.summary}`);

        const dnsChanges: DnsChange[] = [];
        // The engine's clock is the time axis of the steps, the DNS changes and the probes.
        const t0 = Date.now();
        const now = () => Date.now() - t0;
        const providers = replicaProviders(world, vercel, behaviour, now, (c) => dnsChanges.push(c));
        // One definition of the replica: the mock engine calls its handlers in-process, the real
        // engine's plugins through the replica's service API.
        const mock = realEngine ? undefined : new MockEngine({ stack: "rehearsal", resources: providers.resources, invokes: providers.invokes, log: (l) => log(l), phaseTimeoutMs: options.fast ? 60_000 : 120_000, now });
        if (realEngine) {
            control = await startControlServer(providers);
            real = await RealEngine.start({ engine: realEngine, controlUrl: control.url, stack: "rehearsal", now, log: (l) => log(l) });
        }
        const runPhase = (label: string, config: Record<string, string>, secretKeys: string[]): Promise<PhaseResult> =>
            real ? real.up(label, config, secretKeys) : mock!.up(label, config, program, secretKeys);
        const checkNet: NetOptions = { ...world.net, timeoutMs: 2_000, attempts: 2 };
        const settings: SuiteSettings = {
            domain: world.domain,
            pages: ["/", "/services", "/tarifs", "/a-propos", "/contact", "/mentions-legales"].map((path) => ({ path })),
            dnsTimeoutMs: options.fast ? 5_000 : 10_000,
            dnsPollMs: 100,
            httpsBudgetMs: 2_000,
            pageBudgetMs: 2_000,
            sitemapSample: 3,
        };
        repo = createSiteRepository();
        const targets: RehearsalTargets = { settings, net: checkNet, webhookUrl: webhook.url, repo, services };
        await warmUp(settings, checkNet);
        // Time on each state between phases, so the prober sees every one of them.
        const settleMs = options.fast ? 300 : 1_000;
        prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: { ...world.net, attempts: 1 }, timeoutMs: PROBE_TIMEOUT_MS, now });
        prober.start("adopt");

        const phases: PhaseSummary[] = [];
        const upPhase = async (label: string, configPhase: "adopt" | "prepare" | "cutover") => {
            prober!.mark(label);
            log(`\n== ${label} (golive:phase=${configPhase})`);
            const { config, secretKeys } = phaseConfig(world, configPhase, targets);
            const r = await runPhase(label, config, secretKeys);
            const summary = summarizePhase(r, configPhase);
            phases.push(summary);
            log(`   ${r.ok ? "ok" : "FAILED"} in ${summary.durationMs} ms: ${Object.entries(summary.counts).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ")}`);
            for (const e of r.errors) log(`   error: ${e.split("\n")[0]}`);
            await sleep(settleMs);
            return r;
        };

        const adopt = await upPhase("adopt", "adopt");
        if (!adopt.ok) problems.push("adopt failed");
        const prepare = await upPhase("prepare", "prepare");
        if (!prepare.ok) problems.push("prepare failed");
        const cutover = await upPhase("cutover", "cutover");

        // Check results of the cutover: outputs of the check resources, or rebuilt from their failure.
        const checkSteps = cutover.steps.filter((s) => s.type.startsWith("pulumi-nodejs:dynamic"));
        const cutoverChecks: CheckResult[] = checkSteps
            .map((s) => (s.ok ? (s.result as CheckResult | undefined) : resultFromError(s.error ?? "")))
            .filter((r): r is CheckResult => !!r);
        if (!cutover.ok) problems.push(`cutover failed (\`pulumi up\` would exit non-zero): ${plural(cutover.errors.length, "error")}`);
        const switchAt = dnsChanges.find((c) => c.at >= cutover.startedAt && c.at <= cutover.endedAt)?.at;
        const greenAt = cutover.ok && checkSteps.length > 0 ? Math.max(...checkSteps.map((s) => s.endedAt)) : undefined;

        // `golive verify` against the live (new) site, as the operator runs it after the cutover.
        prober.mark("checks");
        log("\n== checks (golive verify against the new site)");
        const only = REPLICA_CHECKS.filter((k) => CHECKS.some((c) => c.key === k));
        const newAddress = world.newSite.host;
        const verifyNew = await runSuite({ ...settings, expected: { apex: [newAddress], www: [newAddress] } }, checkNet, { only });
        for (const r of verifyNew) log(`   ${r.id.padEnd(6)} ${r.status.toUpperCase().padEnd(4)} ${r.name}: ${r.reason}`);

        // The report: the plan's checklist from the cutover's outputs and the results.
        prober.mark("report");
        const out = (cutover.outputs ?? {}) as Record<string, any>;
        // golive verify's results, plus what only the cutover ran (MEP-12/13/15/16) and its notifications.
        const isNotification = (r: CheckResult) => r.id === "MEP-01" || r.id === "MEP-17";
        const results = [...verifyNew, ...cutoverChecks.filter((c) => !isNotification(c) && !verifyNew.some((v) => v.id === c.id))];
        // The program's own record when the cutover went through (the `checklist` stack output);
        // otherwise the one `golive report` would build from the checks that ran.
        const checklist: ChecklistLine[] = Array.isArray(out.checklist) ? out.checklist : buildChecklist({
            phase: "cutover",
            domain: world.domain,
            stack: "rehearsal",
            approval: out.approval ?? { by: "Client (rehearsal)", at: new Date().toISOString().slice(0, 10) },
            releaseRef: out.releaseRef ?? "v1.0.0",
            deploymentId: out.vercel?.deploymentId ?? null,
            deploymentUrl: out.vercel?.deploymentUrl ?? null,
            zone: out.zone ?? null,
            envVars: out.vercel?.envVars ?? [],
            dnsRecords: out.dnsRecords ?? null,
            results,
            notifications: cutoverChecks.filter(isNotification),
            webhookConfigured: true,
            // The tag is configured; the failed cutover never reached it.
            tag: { tag: RELEASE_TAG },
            generatedAt: new Date().toISOString(),
        });

        // Plan section 4: back to the previous phase; the same records go back in place. The fault
        // was the cutover's mistake: the rollback itself is done right.
        if (behaviour.deleteThenRecreateMs !== undefined) {
            delete behaviour.deleteThenRecreateMs;
            log("\n(fault lifted for the rollback: records are updated in place)");
        }
        const rollback = await upPhase("rollback", "prepare");
        if (!rollback.ok) problems.push(`rollback failed: ${rollback.errors.join("; ")}`);
        prober.mark("rollback-checks");
        log("\n== checks against the old site after the rollback");
        const oldAddress = world.oldSite.host;
        const verifyOld = await runSuite({ ...settings, expected: { apex: [oldAddress], www: [oldAddress] } }, checkNet, { only });
        for (const r of verifyOld) log(`   ${r.id.padEnd(6)} ${r.status.toUpperCase().padEnd(4)} ${r.name}: ${r.reason}`);
        // A little time on the old site, so the prober sees it is back.
        await sleep(settleMs);

        const probes = await prober.stop();
        prober = undefined;
        const failedIn = (...labels: string[]) => labels.reduce((n, l) => n + (probes.byPhase[l]?.failed ?? 0), 0);
        const figures: RehearsalFigures = {
            failedProbesCutover: failedIn("cutover", "checks", "report"),
            failedProbesRollback: failedIn("rollback", "rollback-checks"),
            dnsSwitchToGreenMs: switchAt !== undefined && greenAt !== undefined ? greenAt - switchAt : null,
            totalMs: Date.now() - started,
            dnsRecordDeletes: dnsChanges.filter((c) => c.op === "remove").length,
            probes,
        };
        for (const r of [...cutoverChecks, ...verifyNew]) if (r.status === "fail") problems.push(`${r.id} ${r.name} failed: ${r.reason}`);
        for (const r of verifyOld) if (r.status === "fail") problems.push(`after rollback: ${r.id} ${r.name} failed: ${r.reason}`);
        if (probes.failed > 0) problems.push(`${plural(probes.failed, "failed probe")} (${failedIn("adopt", "prepare")} before cutover, ${figures.failedProbesCutover} during cutover, ${figures.failedProbesRollback} during rollback)`);
        if (figures.dnsRecordDeletes > 0) problems.push(`${plural(figures.dnsRecordDeletes, "DNS record deletion")}: records must be updated in place`);
        if (probes.capped) problems.push("the prober hit its time cap");
        const google = services.google.state;
        const outsideServices: OutsideServicesFigures = {
            psiRequests: google.psiRequests.length,
            sitemaps: JSON.parse(JSON.stringify(google.sitemaps)),
            realtimeRequests: google.realtimeRequests,
            mailbox: !!services.mailbox,
            mailsDelivered: services.formPosts,
        };
        return {
            ok: problems.length === 0,
            engine: engineInfo,
            ...(fault ? { fault: { name: fault.name, summary: fault.summary, expect: fault.expect } } : {}),
            domain: world.domain,
            stack: "rehearsal",
            phase: "cutover",
            releaseRef: repo.commit,
            phases,
            cutoverChecks,
            verifyNew,
            verifyOld,
            checklist,
            release: { messages: webhook.messages.map((m) => m.text ?? ""), remoteTags: repo.remoteTags(), commit: repo.commit },
            dnsChanges,
            figures,
            outsideServices,
            notes: services.notes,
            problems: [...new Set(problems)],
        };
    } finally {
        if (prober) await prober.stop();
        real?.close();
        await control?.close();
        await webhook?.close();
        await services?.close();
        repo?.remove();
        await world.close();
    }
}
