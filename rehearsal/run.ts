// The dress rehearsal: the whole go-live played on loopback, end to end, with a visitor's prober
// running the whole time. adopt → prepare → cutover (with the post-deploy checks as dynamic
// resources) → checks → report → rollback to prepare → checks against the old site. The checks
// that talk to outside services (MEP-12, MEP-13, MEP-15, MEP-16) run against loopback stand-ins.
import { startWorld, ReplicaWorld } from "../replica/world";
import { CHECKS, runSuite, SuiteSettings } from "../checks/suite";
import type { CheckResult, NetOptions, PlanId } from "../checks/types";
import type { ChecklistLine, FailedUpdate, RollbackFact } from "../lib/report";
import { failedUpdateOf, rehearsalChecklist } from "./record";
import { countSteps, MockEngine, PhaseResult, StepOp } from "./engine";
import { PROBE_TIMEOUT_MS, Prober, ProbeFigures } from "./prober";
import { DnsChange, ReplicaBehaviour, replicaProviders, VercelReplica } from "./providers";
import { Fault, faultNamed } from "./faults";
import { program, warmUp } from "./program";
import { ServiceStandIns, startServiceStandIns } from "./services";
import { createSiteRepository, SiteRepository, startWebhookReceiver, WebhookReceiver } from "./releaseFixtures";
import { sleep } from "../checks/net";
import { plural } from "../checks/words";
import { clip, reasonLine } from "../lib/failures";
import { Progress } from "../lib/progress";

export interface RehearsalOptions {
    /** A fault of rehearsal/faults.ts to inject. */
    fault?: string;
    /** Shorter waits (tests). */
    fast?: boolean;
    log?: (line: string) => void;
    /** Where long waits are told ("waiting for …, 2.0 s"): stderr in the CLI. */
    progress?: (line: string) => void;
    /** The IMAP server binary (default /usr/sbin/dovecot); a missing one plays a machine without it. */
    dovecotBin?: string;
    /** Called once the outside services' stand-ins run (tests look at what they were given and saw). */
    onServices?: (services: ServiceStandIns) => void;
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
    fault?: { name: string; summary: string; expect: string };
    domain: string;
    /** For `golive report --from`: the record is the cutover's, on the stack "rehearsal". */
    stack: "rehearsal";
    phase: "cutover";
    /** The cutover's update failed: the record is built from what is known of it. */
    failedUpdate?: FailedUpdate;
    /** The rollback to prepare that ends every rehearsal (R-1, R-2). */
    rollback: RollbackFact;
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

// PROBE_TIMEOUT_MS lives with the prober (rehearsal/prober.ts), light enough for the CLI to load.
export { PROBE_TIMEOUT_MS };

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
        apex: { id: "a1".repeat(16), name: world.domain, type: "A", content: oldHost, ttl: 300, proxied: false },
        www: { id: "b2".repeat(16), name: world.www, type: "A", content: oldHost, ttl: 300, proxied: false },
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

/** A failed dynamic check's error (`MEP-10 Redirects failed: reason\nevidence: {...}`) as a result. */
export function resultFromError(error: string): CheckResult | undefined {
    const m = /(MEP-\d+|P-\d+) (.+?) failed: ([^\n]*)(?:\nevidence: (.*))?/s.exec(error);
    if (!m) return undefined;
    let evidence: Record<string, unknown> = {};
    try {
        evidence = m[4] ? JSON.parse(m[4]) : {};
    } catch {
        evidence = { raw: m[4] };
    }
    return { id: m[1] as PlanId, name: m[2], status: "fail", reason: m[3], evidence, durationMs: 0 };
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
    // Long waits are told on the progress writer (stderr in the CLI), --json or not.
    const waits = new Progress(options.progress, { prefix: "golive rehearse" });
    const world = await waits.during("starting the replica (CA, DNS server, old and new hosts)", () => startWorld({ pointAt: "old", ttl: 300 }), { announce: true });
    const problems: string[] = [];
    let prober: Prober | undefined;
    let webhook: WebhookReceiver | undefined;
    let repo: SiteRepository | undefined;
    let services: ServiceStandIns | undefined;
    try {
        const behaviour: ReplicaBehaviour = {};
        // Google's APIs, the client's mailbox and the new site's contact form, on loopback.
        services = await waits.during("starting the outside services' stand-ins (Google APIs, IMAP mailbox)", () => startServiceStandIns(world, options.dovecotBin ? { dovecotBin: options.dovecotBin } : {}), { announce: true });
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
        const eng = new MockEngine({ stack: "rehearsal", resources: providers.resources, invokes: providers.invokes, log: (l) => log(clip(l)), phaseTimeoutMs: options.fast ? 60_000 : 120_000, now });
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
        await waits.during("loading the program and the check providers", () => warmUp(settings, checkNet), { announce: true });
        // Time on each state between phases, so the prober sees every one of them.
        const settleMs = options.fast ? 300 : 1_000;
        prober = new Prober({ urls: [`https://${world.www}/`, `https://${world.domain}/`], net: { ...world.net, attempts: 1 }, timeoutMs: PROBE_TIMEOUT_MS, now });
        prober.start("adopt");

        const phases: PhaseSummary[] = [];
        const upPhase = async (label: string, configPhase: "adopt" | "prepare" | "cutover") => {
            prober!.mark(label);
            log(`\n== ${label} (golive:phase=${configPhase})`);
            const { config, secretKeys } = phaseConfig(world, configPhase, targets);
            const r = await waits.during(`\`pulumi up\` of the ${label} phase`, () => eng.up(label, config, program, secretKeys), { announce: !options.log });
            const summary = summarizePhase(r, configPhase);
            phases.push(summary);
            log(`   ${r.ok ? "ok" : "FAILED"} in ${summary.durationMs} ms: ${Object.entries(summary.counts).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ")}`);
            // Each error is already on its step's line above.
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
        const verifyNew = await waits.during("golive verify against the new site", () => runSuite({ ...settings, expected: { apex: [newAddress], www: [newAddress] } }, checkNet, { only }));
        for (const r of verifyNew) log(`   ${r.id.padEnd(6)} ${r.status.toUpperCase().padEnd(4)} ${r.name}: ${reasonLine(r)}`);

        // The report: the plan's checklist from the cutover's outputs and the results.
        prober.mark("report");
        // golive verify's results, plus what only the cutover ran (MEP-12/13/15/16) and its notifications.
        const isNotification = (r: CheckResult) => r.id === "MEP-01" || r.id === "MEP-17";
        const results = [...verifyNew, ...cutoverChecks.filter((c) => !isNotification(c) && !verifyNew.some((v) => v.id === c.id))];

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
        const verifyOld = await waits.during("golive verify against the old site", () => runSuite({ ...settings, expected: { apex: [oldAddress], www: [oldAddress] } }, checkNet, { only }));
        for (const r of verifyOld) log(`   ${r.id.padEnd(6)} ${r.status.toUpperCase().padEnd(4)} ${r.name}: ${reasonLine(r)}`);
        // A little time on the old site, so the prober sees it is back.
        await sleep(settleMs);

        // The record (rehearsal/record.ts): what the cutover did or, when it failed, what is known of
        // it, and the rollback that followed (R-1, R-2).
        const failedUpdate = failedUpdateOf(cutover);
        const rolledBack = rollback.steps.filter((s) => s.type.startsWith("cloudflare:") && s.op !== "same");
        const oldFailed = verifyOld.filter((r) => r.status === "fail");
        const rollbackFact: RollbackFact = {
            to: "prepare",
            ok: rollback.ok && oldFailed.length === 0,
            why: failedUpdate ? `the cutover failed (${failedUpdate.error})` : "the rehearsal ends every cutover with the rollback of plan section 4",
            evidence:
                `golive:phase=prepare and \`pulumi up\` ${rollback.ok ? "went through" : `failed (${rollback.errors[0]?.split("\n")[0] ?? "no error message"})`}: ` +
                `${rolledBack.length > 0 ? rolledBack.map((s) => `${s.name} ${s.op === "update" ? "updated in place" : s.op}${s.ok ? "" : " (failed)"}`).join(", ") : "no DNS record changed"} back to the old host ${world.oldSite.host}; ` +
                `checks against the old site: ${oldFailed.length === 0 ? `${plural(verifyOld.length, "check")} passed` : `${oldFailed.map((r) => r.id).join(", ")} failed`}`,
        };
        const { checklist } = rehearsalChecklist({
            domain: world.domain,
            stack: "rehearsal",
            config: phaseConfig(world, "cutover", targets).config,
            previous: prepare.outputs,
            cutover,
            results,
            notifications: cutoverChecks.filter(isNotification),
            rollback: rollbackFact,
            generatedAt: new Date().toISOString(),
        });

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
        // A check once, however many runs saw it fail and whatever random path its reason names.
        const failedOnce = (results: CheckResult[]) => results.filter((r, i) => r.status === "fail" && results.findIndex((x) => x.id === r.id && x.status === "fail") === i);
        for (const r of failedOnce([...cutoverChecks, ...verifyNew])) problems.push(`${r.id} ${r.name} failed: ${r.reason}`);
        for (const r of failedOnce(verifyOld)) problems.push(`after rollback: ${r.id} ${r.name} failed: ${r.reason}`);
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
            ...(fault ? { fault: { name: fault.name, summary: fault.summary, expect: fault.expect } } : {}),
            domain: world.domain,
            stack: "rehearsal",
            phase: "cutover",
            ...(failedUpdate ? { failedUpdate } : {}),
            rollback: rollbackFact,
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
        waits.stop();
        if (prober) await prober.stop();
        await webhook?.close();
        await services?.close();
        repo?.remove();
        await world.close();
    }
}
