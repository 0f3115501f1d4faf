// The dress rehearsal: the whole go-live played on loopback, end to end, with a visitor's prober
// running the whole time. adopt → prepare → cutover (with the post-deploy checks as dynamic
// resources) → checks → report → rollback to prepare → checks against the old site. The checks
// that talk to outside services (MEP-12, MEP-13, MEP-15, MEP-16) run against loopback stand-ins.
import { startWorld, ReplicaWorld } from "../replica/world";
import { CHECKS, runSuite, SuiteSettings } from "../checks/suite";
import type { CheckResult, NetOptions } from "../checks/types";
import { resultFromFailure as resultFromError } from "../checks/dynamic";
import { buildChecklist, type ChecklistLine, type FailedUpdate, type RollbackFact } from "../program/report";
import { failedUpdateOf, rehearsalChecklist } from "./record";
import { countSteps, MockEngine, PhaseResult, Step, StepOp } from "./engine";
import { PROBE_TIMEOUT_MS, Prober, ProbeFigures, type ProbeSample } from "./prober";
import { DnsChange, LIVE_RECORD_IDS, REPLACE_KEYS, ReplicaBehaviour, replicaProviders, TYPES, vercelCnameOf, VercelReplica, ZONE_ID } from "../replica/providers";
import { refusalOf } from "../program/providerRefusals";
import { VERCEL_BUILD_LIMIT_MS } from "../replica/vercel";
import { CloudflareZone } from "../replica/cloudflareZone";
import { ReplicaDns } from "../replica/dnsServer";
import { OWN_CAA_COMMENT } from "../program/dnsPlan";
import { Fault, faultNamed } from "./faults";
import { program, warmUp } from "./program";
import { ServiceStandIns, startServiceStandIns } from "./services";
import { createSiteRepository, SiteRepository, startWebhookReceiver, WebhookReceiver } from "./releaseFixtures";
import { sleep } from "../checks/net";
import { findEngine, isEngine } from "../operations/engine";
import { startControlServer, ControlServer } from "../replica/control";
import { startVercelApi, VercelApi } from "../replica/vercelApi";
import { RealEngine } from "./realEngine";
import { plural } from "../checks/words";
import { clip, reasonLine } from "../checks/failures";
import { Progress } from "../operations/progress";
import { isPreSwitch } from "../program/stepLabels";
import type { GoLiveTimeline, Incident, PageShot } from "../rendering/goLivePage";
import { rehearsalIncident, rehearsalTimeline, shootKeyPages } from "./goLivePage";

export interface RehearsalOptions {
    /** A fault of rehearsal/faults.ts to inject. */
    fault?: string;
    /**
     * Another fault whose API failures (its `arm`) strike too, e.g. rate-limited with
     * fails-under-traffic: the way back timed under Cloudflare's rate limit (bench/wayBack.ts --rate-limited).
     */
    armAlso?: string;
    /** Shorter waits (tests). */
    fast?: boolean;
    log?: (line: string) => void;
    /** Where long waits are told ("waiting for …, 2.0 s"): stderr in the CLI. */
    progress?: (line: string) => void;
    /** The IMAP server binary (default /usr/sbin/dovecot); a missing one plays a machine without it. */
    dovecotBin?: string;
    /** Called once the outside services' stand-ins run (tests look at what they were given and saw). */
    onServices?: (services: ServiceStandIns) => void;
    /**
     * Which engine plays the phases: the real Pulumi CLI against the replica plugins ("pulumi"),
     * the embedded mock engine ("mock"), or the real one when this machine has it ("auto", default).
     */
    engine?: "auto" | "pulumi" | "mock";
    /**
     * Key pages (paths) photographed for the go-live page (issue 26): before the switch on the new
     * host, names pinned, and after it through public DNS. None by default (Chromium, ~2 s a page).
     */
    screenshots?: string[];
    /**
     * Tests: the replica's build clock runs this many times faster, and the provider's 5 s poll with
     * it (same polls, same states as a real build of that length, in less time). Default 1.
     */
    buildClockScale?: number;
    /** The real engine's way back after a failed cutover: "direct" (by Cloudflare's API at the first failed check, as golive cutover does) or "engine" (the rollback's updates only, the path before issue 25). Default "direct". */
    wayBack?: "engine" | "direct";
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
    changes: Array<{ op: StepOp; type: string; name: string; ok: boolean; note?: Step["note"]; ids?: Step["ids"] }>;
    errors: string[];
    /** A `pulumi preview` (nothing applied). */
    preview?: boolean;
}

/** The apex and www records as the replica's Cloudflare zone holds them at one moment. */
export interface RecordsSnapshot {
    apex: Array<{ id: string; type: string; content: string }>;
    www: Array<{ id: string; type: string; content: string }>;
    /** CAA records of apex and www: `name value` and the comment when there is one. */
    caa: string[];
}

export interface RehearsalFigures {
    failedProbesCutover: number;
    failedProbesRollback: number;
    /** From the first DNS change of the cutover to the last check passing; null when a check failed. */
    dnsSwitchToGreenMs: number | null;
    /**
     * A failed cutover (plan R-1 decided at once, as `--auto-rollback`): from the first failed check to
     * both names served by the old host again; the rehearsal's own verify and report, which run in
     * between, are left out. Null when no check failed or the old site did not come back.
     */
    failedCheckToOldSiteMs: number | null;
    /** Where that time went (a cutover that failed after the switch). */
    wayBack?: WayBack;
    totalMs: number;
    /** Deletes of the apex and www records over the whole run (goal: 0, records are updated in place). */
    dnsRecordDeletes: number;
    /** Resources replaced (delete + create) over the whole run (goal: 0 unless a type change is configured). */
    replacements: number;
    /** The zone's apex and www records before the go-live and after each phase that ran. */
    records: Partial<Record<"before" | "adopt" | "prepare" | "cutover" | "rollback", RecordsSnapshot>>;
    /**
     * MEP-08: how Vercel issued the www certificate (dns-01 at prepare, http-01 once DNS pointed to it),
     * how long before or after the switch, and how long the check after the switch waited for it.
     */
    certificate: { via: string | null; issuedBeforeSwitchMs: number | null; issuedAfterSwitchMs: number | null; checkWaitedMs: number | null; refused?: string };
    /** Whether the cutover changed a site record at all (a check that failed before the switch stops it first). */
    dnsSwitched: boolean;
    probes: ProbeFigures;
    /** The same visits from behind a caching resolver (visitors who keep an answer for its TTL), when the fault asks for them. */
    cachedVisitorProbes?: ProbeFigures;
    /**
     * A fault that makes the replica's APIs fail (rate-limited): the failed answers given per phase,
     * and how long the cutover and the rollback took with them (`pulumi up`, `golive rollback`).
     */
    apiFaults?: { cutover: { struck: number; ms: number } | null; rollback: { struck: number; ms: number } | null };
}

export interface RehearsalReport {
    ok: boolean;
    engine: EngineInfo;
    fault?: { name: string; summary: string; expect: string; acceptedGap?: string };
    domain: string;
    /** For `golive report --from`: the record is the cutover's, on the stack "rehearsal". */
    stack: "rehearsal";
    phase: "cutover";
    /** The cutover's update failed: the record is built from what is known of it. */
    failedUpdate?: FailedUpdate;
    /** A phase before the cutover failed and the go-live stopped there (no cutover, no rollback). */
    stoppedAt?: "prepare";
    /** The rollback to prepare that ends every rehearsal (R-1, R-2); absent when adopt was refused. */
    rollback?: RollbackFact;
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
    /** The go-live page's timeline (rendering/goLivePage, golive report --html). */
    timeline?: GoLiveTimeline;
    /** The key pages as a visitor saw them before and after the switch (RehearsalOptions.screenshots). */
    screenshots?: PageShot[];
    /** R-4 on a failed cutover: failed checks, the deployment's events, the prober's figures. */
    incident?: Incident;
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
    /** The replica's Vercel REST API: the base URL and bearer token the program's own Vercel calls (certificate order, domain verification) use. */
    vercelApi?: { url: string; token: string };
}

/** The records serving before the go-live, as the replica's Cloudflare zone holds them (and golive:liveRecords says). */
export function liveRecordsOf(world: ReplicaWorld) {
    const oldHost = world.oldSite.host;
    return {
        apex: { id: LIVE_RECORD_IDS.apex, name: world.domain, type: "A" as const, content: oldHost, ttl: 300, proxied: false },
        www: { id: LIVE_RECORD_IDS.www, name: world.www, type: "A" as const, content: oldHost, ttl: 300, proxied: false },
    };
}

/**
 * The replica's Cloudflare zone as it is before the go-live: the records serving the old site (the
 * ids golive:liveRecords names), and the name Vercel recommends for a www CNAME.
 */
export function seededZone(world: ReplicaWorld): CloudflareZone {
    const zone = new CloudflareZone(ZONE_ID, world.dns);
    const live = liveRecordsOf(world);
    for (const r of [live.apex, live.www]) zone.seed(r);
    zone.seed({ id: "d4".repeat(16), name: vercelCnameOf(world), type: "A", content: world.newSite.host, ttl: 300, proxied: false });
    return zone;
}

/** The stack config of one phase, as Pulumi.<stack>.yaml would hold it for the replica's domain. */
export function phaseConfig(world: ReplicaWorld, phase: "adopt" | "prepare" | "cutover", targets?: RehearsalTargets, fault?: Pick<Fault, "configure">): { config: Record<string, string>; secretKeys: string[] } {
    const live = liveRecordsOf(world);
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
            certWaitSeconds: Math.round((s.certWaitMs ?? 0) / 1000),
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
        if (targets.vercelApi) {
            // MEP-05/MEP-08 before H: the program's own calls to Vercel (certificate order, domain
            // verification) go to the replica's REST API, with the provider's token.
            config["golive:vercelApiUrl"] = targets.vercelApi.url;
            config["vercel:apiToken"] = targets.vercelApi.token;
            secretKeys.push("vercel:apiToken");
            config["golive:certificate"] = JSON.stringify({ timeoutSeconds: 8, pollSeconds: 1 });
        }
    }
    fault?.configure?.(config, world);
    return { config, secretKeys };
}

/** The apex and www records (and their CAA records) the zone holds now. */
export function snapshotRecords(zone: CloudflareZone, world: ReplicaWorld): RecordsSnapshot {
    const site = (name: string) => zone.list({ name }).filter((r) => r.type === "A" || r.type === "CNAME").map((r) => ({ id: r.id, type: r.type, content: r.content }));
    const caa = [world.domain, world.www]
        .flatMap((name) => zone.list({ name, type: "CAA" }))
        .map((r) => `${r.name} ${r.content}${r.comment === OWN_CAA_COMMENT ? " (managed by golive)" : r.comment ? ` (${r.comment})` : ""}`);
    return { apex: site(world.domain), www: site(world.www), caa };
}

function summarizePhase(r: PhaseResult, configPhase: string): PhaseSummary {
    return {
        phase: r.phase,
        configPhase,
        ok: r.ok,
        durationMs: r.endedAt - r.startedAt,
        counts: countSteps(r.steps),
        changes: r.steps.filter((s) => s.op !== "same").map((s) => ({ op: s.op, type: s.type, name: s.name, ok: s.ok, ...(s.note ? { note: s.note } : {}), ...(s.ids ? { ids: s.ids } : {}) })),
        errors: r.errors,
        ...(r.steps.some((s) => s.planned) || r.phase.endsWith("(preview)") ? { preview: true } : {}),
    };
}

export async function rehearse(options: RehearsalOptions = {}): Promise<RehearsalReport> {
    // Everything a rehearsal starts talks to loopback only (the engine and its plugins inherit it).
    process.env.GOLIVE_LOOPBACK_ONLY = "1";
    const log = options.log ?? (() => undefined);
    const fault: Fault | undefined = options.fault ? faultNamed(options.fault) : undefined;
    const alsoArmed: Fault | undefined = options.armAlso ? faultNamed(options.armAlso) : undefined;
    const armers = [fault, alsoArmed].filter((f): f is Fault => !!f?.arm);
    const started = Date.now();
    // Long waits are told on the progress writer (stderr in the CLI), --json or not.
    const waits = new Progress(options.progress, { prefix: "golive rehearse" });
    const choice = options.engine ?? "auto";
    const found = choice === "mock" ? undefined : findEngine();
    if (choice === "pulumi" && found && !isEngine(found)) throw new Error(found.missing);
    const realEngine = found && isEngine(found) ? found : undefined;
    for (const f of [fault, alsoArmed]) if (f?.needsRealEngine && !realEngine) throw new Error(`the ${f.name} fault needs the real Pulumi engine (npm run engine, then --engine pulumi): ${f.needsRealEngine}${found && !isEngine(found) ? `; ${found.missing}` : ""}`);
    const engineInfo: EngineInfo = realEngine
        ? { kind: "pulumi", version: realEngine.version }
        : { kind: "mock", version: "embedded", ...(found && !isEngine(found) ? { note: found.missing } : {}) };
    const engineLine = `engine: ${engineInfo.kind === "pulumi" ? `pulumi ${engineInfo.version} (${realEngine!.source === "PATH" ? "on PATH" : "built by npm run engine"}), replica provider plugins` : `embedded mock engine${engineInfo.note ? ` (${engineInfo.note})` : ""}`}`;
    log(engineLine);
    if (!options.log) options.progress?.(engineLine);
    const world = await waits.during("starting the replica (CA, DNS server, old and new hosts)", () => startWorld({ pointAt: "old", ttl: 300 }), { announce: true });
    const problems: string[] = [];
    let control: ControlServer | undefined;
    let real: RealEngine | undefined;
    let prober: Prober | undefined;
    let cachedProber: Prober | undefined;
    let visitorsCache: ReplicaDns | undefined;
    const mark = (label: string) => {
        prober?.mark(label);
        cachedProber?.mark(label);
    };
    let webhook: WebhookReceiver | undefined;
    let repo: SiteRepository | undefined;
    let services: ServiceStandIns | undefined;
    let vercel: VercelReplica | undefined;
    let vercelApi: VercelApi | undefined;
    try {
        const behaviour: ReplicaBehaviour = {};
        // The Cloudflare zone as it is before the go-live: the records serving the old site (the ids
        // golive:liveRecords names), and the name Vercel recommends for a www CNAME.
        const zone = seededZone(world);
        // Google's APIs, the client's mailbox and the new site's contact form, on loopback.
        services = await waits.during("starting the outside services' stand-ins (Google APIs, IMAP mailbox)", () => startServiceStandIns(world, options.dovecotBin ? { dovecotBin: options.dovecotBin } : {}), { announce: true });
        webhook = await startWebhookReceiver();
        for (const note of services.notes) log(`note: ${note}`);
        options.onServices?.(services);
        vercel = new VercelReplica(world, world.issue([world.domain, world.www]), behaviour);
        vercelApi = await startVercelApi(vercel);
        fault?.apply(world, behaviour, services, zone, vercel);
        if (options.buildClockScale !== undefined) behaviour.buildClockScale = options.buildClockScale;
        if (fault) log(`fault injected: ${fault.name}: ${fault.summary}`);

        const dnsChanges: DnsChange[] = [];
        const apiFaults: NonNullable<RehearsalFigures["apiFaults"]> = { cutover: null, rollback: null };
        // The engine's clock is the time axis of the steps, the DNS changes and the probes.
        const t0 = Date.now();
        const now = () => Date.now() - t0;
        const providers = replicaProviders(world, zone, vercel, behaviour, now, (c) => dnsChanges.push(c));
        // One definition of the replica: the mock engine calls its handlers in-process, the real
        // engine's plugins through the replica's service API.
        const mock = realEngine ? undefined : new MockEngine({ stack: "rehearsal", resources: providers.resources, invokes: providers.invokes, replaceKeys: REPLACE_KEYS, log: (l) => log(clip(l)), phaseTimeoutMs: options.fast ? 60_000 : 120_000, now });
        if (realEngine) {
            control = await startControlServer(providers);
            real = await RealEngine.start({ engine: realEngine, controlUrl: control.url, stack: "rehearsal", now, log: (l) => log(clip(l)), wayBack: options.wayBack ?? "direct" });
        }
        const runPhase = (label: string, config: Record<string, string>, secretKeys: string[], preview: boolean): Promise<PhaseResult> =>
            real
                ? preview
                    ? real.previewPhase(`${label} (preview)`, config, secretKeys)
                    : real.up(label, config, secretKeys)
                : preview
                  ? mock!.preview(`${label} (preview)`, config, program, secretKeys)
                  : mock!.up(label, config, program, secretKeys);
        const checkNet: NetOptions = { ...world.net, timeoutMs: 2_000, attempts: 2 };
        const settings: SuiteSettings = {
            domain: world.domain,
            pages: ["/", "/services", "/tarifs", "/a-propos", "/contact", "/mentions-legales"].map((path) => ({ path })),
            dnsTimeoutMs: options.fast ? 5_000 : 10_000,
            dnsPollMs: 100,
            // Without a certificate before the switch (order-refused), MEP-08 waits this long for Vercel's after it.
            certWaitMs: options.fast ? 10_000 : 20_000,
            httpsBudgetMs: 2_000,
            pageBudgetMs: 2_000,
            sitemapSample: 3,
        };
        repo = createSiteRepository();
        const targets: RehearsalTargets = { settings, net: checkNet, webhookUrl: webhook.url, repo, services, vercelApi: { url: vercelApi.url, token: vercelApi.token } };
        await waits.during("loading the program and the check providers", () => warmUp(settings, checkNet), { announce: true });
        // Time on each state between phases, so the prober sees every one of them.
        const settleMs = options.fast ? 300 : 1_000;
        const probed = [`https://${world.www}/`, `https://${world.domain}/`];
        // The prober's life is capped (5 min by default); a fault's long build (slow-build) adds its
        // length, and a second prepare (order-lapsed: it waits out the resolvers' cached TXT answers) 3 min.
        const buildWallMs = (behaviour.build?.buildMs ?? 0) / (behaviour.buildClockScale ?? 1);
        const maxDurationMs = 5 * 60_000 + Math.min(buildWallMs, VERCEL_BUILD_LIMIT_MS) + (buildWallMs > 0 ? 60_000 : 0) + (fault?.prepareAgain ? 3 * 60_000 : 0);
        prober = new Prober({ urls: probed, net: { ...world.net, attempts: 1 }, timeoutMs: PROBE_TIMEOUT_MS, now, maxDurationMs });
        await prober.start("adopt").ready();
        if (fault?.cachingVisitors) {
            // Visitors whose resolver keeps each answer for its TTL (they still hold the old address after a switch).
            visitorsCache = await ReplicaDns.startCaching(world.dns);
            cachedProber = new Prober({ urls: probed, net: { ...world.net, dnsServers: [visitorsCache.address], attempts: 1 }, timeoutMs: PROBE_TIMEOUT_MS, now, maxDurationMs });
            await cachedProber.start("adopt").ready();
        }

        const records: RehearsalFigures["records"] = { before: snapshotRecords(zone, world) };
        const phases: PhaseSummary[] = [];
        // For the go-live page: every phase's check steps, and the key pages' pictures.
        const phaseRuns: PhaseResult[] = [];
        const screenshots: PageShot[] = [];
        const shootPages = async (stage: PageShot["stage"]) => {
            if (!options.screenshots?.length) return;
            const urls = options.screenshots.map((p) => `https://${world.www}${p}`);
            const pins = { [world.www]: world.newSite.host, [world.domain]: world.newSite.host };
            screenshots.push(...(await waits.during(`screenshots of the key pages ${stage === "pre-switch" ? "on the new host before the switch" : "after the switch"}`, () => shootKeyPages(urls, stage, world.net, pins))));
        };
        // how: "up" (the phase's config), "preview", or "golive rollback" (the real engine: the
        // command's own path, history → target update's commit and config → `pulumi up`).
        const upPhase = async (label: string, configPhase: "adopt" | "prepare" | "cutover", how: "up" | "preview" | "golive rollback" = "up") => {
            const preview = how === "preview";
            mark(label);
            log(`\n== ${label}${preview ? " (pulumi preview)" : how === "golive rollback" ? " (golive rollback --yes)" : ""} (golive:phase=${configPhase})`);
            const { config, secretKeys } = phaseConfig(world, configPhase, targets, fault);
            const run = () => (how === "golive rollback" && real ? real.rollback(label, { config, secretKeys, zoneId: ZONE_ID }) : runPhase(label, config, secretKeys, preview));
            const r = await waits.during(`\`${how === "golive rollback" ? "golive rollback" : `pulumi ${how}`}\` of the ${label} phase`, run, { announce: !options.log });
            const summary = summarizePhase(r, configPhase);
            phases.push(summary);
            if (!preview) phaseRuns.push(r);
            log(`   ${r.ok ? "ok" : "FAILED"} in ${summary.durationMs} ms: ${Object.entries(summary.counts).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ")}`);
            // Each error is already on its step's line above. A failed cutover is rolled back at once
            // (R-1 agreed beforehand): no time on the failed state.
            if (!preview && !(label === "cutover" && !r.ok)) await sleep(settleMs);
            return r;
        };

        /** The figures, the problems and the report, from what ran (all phases, or up to a refusal). */
        const finish = async (ran: {
            phases: PhaseSummary[];
            records: RehearsalFigures["records"];
            dnsChanges: DnsChange[];
            cutoverChecks: CheckResult[];
            verifyNew: CheckResult[];
            verifyOld: CheckResult[];
            checklist?: ChecklistLine[];
            switchAt: number | undefined;
            greenAt: number | undefined;
            failedUpdate?: FailedUpdate;
            rollback?: RollbackFact;
            failedCheckToOldSiteMs?: number | null;
            wayBack?: WayBack;
            /** The phase whose failure stopped the go-live before the cutover. */
            stoppedAt?: "prepare";
        }): Promise<RehearsalReport> => {
            const marks = prober!.phaseMarks;
            const samples = prober!.samples;
            const probes = await prober!.stop();
            prober = undefined;
            const cachedVisitorProbes = cachedProber ? await cachedProber.stop() : undefined;
            cachedProber = undefined;
            const failedIn = (...labels: string[]) => labels.reduce((n, l) => n + (probes.byPhase[l]?.failed ?? 0), 0);
            const wwwCert = vercel!.certificates.get(world.www);
            // MEP-08 after the switch: its wait for a certificate issued only then.
            const mep08 = ran.cutoverChecks.find((c) => c.id === "MEP-08" && c.stage !== "pre-switch");
            const figures: RehearsalFigures = {
                failedProbesCutover: failedIn("cutover", "checks", "report"),
                failedProbesRollback: failedIn("rollback", "rollback-checks"),
                dnsSwitchToGreenMs: ran.switchAt !== undefined && ran.greenAt !== undefined ? ran.greenAt - ran.switchAt : null,
                failedCheckToOldSiteMs: ran.failedCheckToOldSiteMs ?? null,
                ...(ran.wayBack ? { wayBack: ran.wayBack } : {}),
                totalMs: Date.now() - started,
                // The site's records only: the DNS-01 challenge records go at the end of the cutover by design.
                dnsRecordDeletes: ran.dnsChanges.filter((c) => c.op === "remove" && (c.name === world.domain || c.name === world.www)).length,
                replacements: ran.phases.filter((p) => !p.preview).reduce((n, p) => n + p.counts.replace, 0),
                records: ran.records,
                certificate: {
                    via: wwwCert?.via ?? null,
                    issuedBeforeSwitchMs: wwwCert?.issuedAt !== undefined && ran.switchAt !== undefined && wwwCert.issuedAt <= ran.switchAt ? ran.switchAt - wwwCert.issuedAt : null,
                    issuedAfterSwitchMs: wwwCert?.issuedAt !== undefined && ran.switchAt !== undefined && wwwCert.issuedAt > ran.switchAt ? wwwCert.issuedAt - ran.switchAt : null,
                    checkWaitedMs: (mep08?.evidence.wait as { waitedMs?: number } | undefined)?.waitedMs ?? null,
                    ...(wwwCert?.refused ? { refused: wwwCert.refused } : {}),
                },
                dnsSwitched: ran.switchAt !== undefined,
                probes,
                ...(cachedVisitorProbes ? { cachedVisitorProbes } : {}),
                ...(armers.length > 0 ? { apiFaults } : {}),
            };
            // A check once, however many runs saw it fail and whatever random path its reason names.
            const failedOnce = (results: CheckResult[]) => results.filter((r, i) => r.status === "fail" && results.findIndex((x) => x.id === r.id && x.status === "fail") === i);
            for (const r of failedOnce([...ran.cutoverChecks, ...ran.verifyNew])) problems.push(`${r.id} ${r.name} failed: ${r.reason}`);
            for (const r of failedOnce(ran.verifyOld)) problems.push(`after rollback: ${r.id} ${r.name} failed: ${r.reason}`);
            // A gap the fault accepts knowingly is measured (figures), not a problem.
            const gapAccepted = !!fault?.acceptedGap;
            if (probes.failed > 0 && !gapAccepted) problems.push(`${plural(probes.failed, "failed probe")} (${failedIn("adopt", "prepare")} before cutover, ${figures.failedProbesCutover} during cutover, ${figures.failedProbesRollback} during rollback)`);
            if (figures.dnsRecordDeletes > 0 && !gapAccepted) problems.push(`${plural(figures.dnsRecordDeletes, "DNS record deletion")}: records must be updated in place`);
            if (probes.capped) problems.push("the prober hit its time cap");
            if (probes.proberLost) problems.push(`the prober's process ${probes.proberLost}: the probes after that are missing`);
            if (cachedVisitorProbes && cachedVisitorProbes.failed > 0 && !gapAccepted) problems.push(`${plural(cachedVisitorProbes.failed, "failed probe")} of visitors behind a caching resolver`);
            const google = services!.google.state;
            const outsideServices: OutsideServicesFigures = {
                psiRequests: google.psiRequests.length,
                sitemaps: JSON.parse(JSON.stringify(google.sitemaps)),
                realtimeRequests: google.realtimeRequests,
                mailbox: !!services!.mailbox,
                mailsDelivered: services!.formPosts,
            };
            const checklist =
                ran.checklist ??
                buildChecklist({ phase: "adopt", domain: world.domain, stack: "rehearsal", zone: { name: world.domain, status: "active" }, results: [], webhookConfigured: true, generatedAt: new Date().toISOString() });
            return {
                ok: problems.length === 0,
                engine: engineInfo,
                ...(fault ? { fault: { name: fault.name, summary: fault.summary, expect: fault.expect, ...(fault.acceptedGap ? { acceptedGap: fault.acceptedGap } : {}) } } : {}),
                domain: world.domain,
                stack: "rehearsal",
                phase: "cutover",
                ...(ran.failedUpdate ? { failedUpdate: ran.failedUpdate } : {}),
                ...(ran.stoppedAt ? { stoppedAt: ran.stoppedAt } : {}),
                ...(ran.rollback ? { rollback: ran.rollback } : {}),
                releaseRef: repo!.commit,
                phases: ran.phases,
                cutoverChecks: ran.cutoverChecks,
                verifyNew: ran.verifyNew,
                verifyOld: ran.verifyOld,
                checklist,
                release: { messages: webhook!.messages.map((m) => m.text ?? ""), remoteTags: repo!.remoteTags(), commit: repo!.commit },
                dnsChanges: ran.dnsChanges,
                figures,
                outsideServices,
                notes: services!.notes,
                problems: [...new Set(problems)],
                ...goLivePageFacts(ran, marks, samples, probes),
            };
        };
        /** The go-live page's timeline, pictures and incident (rehearsal/goLivePage). */
        const goLivePageFacts = (ran: { switchAt: number | undefined; wayBack?: WayBack; cutoverChecks: CheckResult[]; failedUpdate?: FailedUpdate }, marks: Array<{ at: number; label: string }>, samples: readonly ProbeSample[], probes: ProbeFigures) => {
            const checkSteps = phaseRuns.flatMap((r) => r.steps.filter((s) => s.type.startsWith("pulumi-nodejs:dynamic")));
            const firstFail = Math.min(...checkSteps.filter((s) => !s.ok).map((s) => s.endedAt));
            const timeline = rehearsalTimeline({
                t0, endAt: Date.now() - t0, marks, samples, checkSteps, switchAt: ran.switchAt, probedUrls: probed, intervalMs: 50,
                ...(ran.wayBack && Number.isFinite(firstFail) ? { wayBack: { startMs: firstFail, endMs: firstFail + ran.wayBack.totalMs } } : {}),
            });
            const failed = ran.cutoverChecks.filter((c) => c.status === "fail");
            const incident = ran.failedUpdate ? rehearsalIncident(failed, "the rehearsal's Vercel replica serves no build log yet", probes) : undefined;
            return { timeline, ...(options.screenshots?.length ? { screenshots } : {}), ...(incident ? { incident } : {}) };
        };

        // As README's workflow: adopt is previewed first; a refusal stops the go-live there.
        const adoptPreview = await upPhase("adopt", "adopt", "preview");
        if (!adoptPreview.ok) {
            problems.push(`adopt refused at preview: ${adoptPreview.errors.map((e) => e.split("\n")[0]).join("; ")}`);
            records.adopt = snapshotRecords(zone, world);
            return await finish({ phases, records, dnsChanges, cutoverChecks: [], verifyNew: [], verifyOld: [], switchAt: undefined, greenAt: undefined });
        }
        const adopt = await upPhase("adopt", "adopt");
        if (!adopt.ok) problems.push("adopt failed");
        records.adopt = snapshotRecords(zone, world);
        let prepare = await upPhase("prepare", "prepare");
        if (prepare.ok && fault?.prepareAgain) {
            log(`\n(the operator runs prepare again: ${fault.prepareAgain})`);
            prepare = await upPhase("prepare (again)", "prepare");
        }
        records.prepare = snapshotRecords(zone, world);
        if (!prepare.ok) {
            // What prepare finds (a build that fails, a domain another project keeps) stops the go-live
            // there: the operator fixes it hours before H; DNS was never pointed anywhere new.
            // A provider's refusal reads as the operator would read it (program/providerRefusals), the provider's words kept.
            const dnsUnchanged = !prepare.steps.some((s) => s.type === TYPES.dnsRecord && s.op !== "same" && s.ok);
            const explained = (e: string) => {
                const refusal = refusalOf(e, dnsUnchanged);
                return refusal ? `${refusal.id} ${refusal.text}` : e.split("\n")[0];
            };
            problems.push(`prepare failed, the go-live stops there: ${prepare.errors.map(explained).join("; ")}`);
            const prepareChecks = checkResultsOf(prepare);
            return await finish({ phases, records, dnsChanges, cutoverChecks: prepareChecks, verifyNew: [], verifyOld: [], switchAt: undefined, greenAt: undefined, stoppedAt: "prepare" });
        }
        await shootPages("pre-switch");
        const armed = (phase: "cutover" | "rollback") => {
            if (armers.length === 0 || !control || !vercelApi) return;
            for (const f of armers) f.arm!(phase, { providers: control, vercelRest: vercelApi });
            return control.faults.length;
        };
        const struckFrom = armed("cutover");
        const cutover = await upPhase("cutover", "cutover");
        if (!cutover.ok) for (const shot of screenshots.filter((x) => x.stage === "pre-switch")) screenshots.push({ url: shot.url, stage: "after-switch", takenAt: new Date().toISOString(), missing: "no picture after the switch: the cutover failed and was rolled back at once (R-1 agreed beforehand); the way back waits for no picture", width: shot.width, height: shot.height });
        records.cutover = snapshotRecords(zone, world);
        if (struckFrom !== undefined) {
            apiFaults.cutover = { struck: control!.faults.length - struckFrom, ms: cutover.endedAt - cutover.startedAt };
            log(`   ${armers.map((f) => f.name).join(", ")}: ${apiFaults.cutover.struck} failed API answer(s) during the cutover, which took ${(apiFaults.cutover.ms / 1000).toFixed(1)} s`);
        }

        // Check results of the cutover: outputs of the check resources, or rebuilt from their failure.
        const checkSteps = cutover.steps.filter((s) => s.type.startsWith("pulumi-nodejs:dynamic"));
        const cutoverChecks = checkResultsOf(cutover);
        if (!cutover.ok) problems.push(`cutover failed (\`pulumi up\` would exit non-zero): ${plural(cutover.errors.length, "error")}`);
        const switchAt = dnsChanges.find((c) => c.at >= cutover.startedAt && c.at <= cutover.endedAt && c.op === "set")?.at;
        const greenAt = cutover.ok && checkSteps.length > 0 ? Math.max(...checkSteps.map((s) => s.endedAt)) : undefined;
        const isNotification = (r: CheckResult) => r.id === "MEP-01" || r.id === "MEP-17";
        const only = REPLICA_CHECKS.filter((k) => CHECKS.some((c) => c.key === k));

        // `golive verify` against the live (new) site, as the operator runs it after a cutover that
        // went through. A failed cutover is rolled back at once instead (R-1 agreed beforehand).
        let verifyNew: CheckResult[] = [];
        if (cutover.ok) {
            await shootPages("after-switch");
            mark("checks");
            log("\n== checks (golive verify against the new site)");
            const newAddress = world.newSite.host;
            const wwwNew = cutover.outputs ? [String((cutover.outputs as any).dnsRecords?.www?.content ?? newAddress)] : [newAddress];
            verifyNew = await waits.during("golive verify against the new site", () => runSuite({ ...settings, expected: { apex: [newAddress], www: wwwNew } }, checkNet, { only }));
            for (const r of verifyNew) log(`   ${r.id.padEnd(6)} ${r.status.toUpperCase().padEnd(4)} ${r.name}: ${reasonLine(r)}`);
            mark("report");
        }
        // golive verify's results, plus what only the cutover ran (before the switch, MEP-12/13/15/16) and its notifications.
        const results = [...verifyNew, ...cutoverChecks.filter((c) => !isNotification(c) && !verifyNew.some((v) => v.id === c.id && v.stage === c.stage))];

        // Plan section 4: back to the previous phase; the same records go back in place. The fault
        // was the cutover's mistake: the rollback itself is done right.
        if (behaviour.deleteThenRecreateMs !== undefined) {
            delete behaviour.deleteThenRecreateMs;
            log("\n(fault lifted for the rollback: records are updated in place)");
        }
        // Plan section 4 on the real engine is `golive rollback` (the records back first, then the
        // prepare update from the stack history); on the mock engine, the previous phase's `pulumi up`.
        const rollbackStruckFrom = armed("rollback");
        const rollback = await upPhase("rollback", "prepare", real ? "golive rollback" : "up");
        if (rollbackStruckFrom !== undefined) {
            apiFaults.rollback = { struck: control!.faults.length - rollbackStruckFrom, ms: rollback.endedAt - rollback.startedAt };
            log(`   ${armers.map((f) => f.name).join(", ")}: ${apiFaults.rollback.struck} failed API answer(s) during the rollback, which took ${(apiFaults.rollback.ms / 1000).toFixed(1)} s`);
        }
        if (!rollback.ok) problems.push(`rollback failed: ${rollback.errors.join("; ")}`);
        records.rollback = snapshotRecords(zone, world);
        const wayBack = switchAt !== undefined ? wayBackOf(checkSteps, cutover, rollback, prober.samples, dnsChanges.filter((c) => c.name === world.domain || c.name === world.www), Number(phaseConfig(world, "prepare").config["golive:ttl"])) : null;
        const failedCheckToOldSiteMs = wayBack?.totalMs ?? null;
        mark("rollback-checks");
        log("\n== checks against the old site after the rollback");
        const oldAddress = world.oldSite.host;
        // What the old records hold: a proxied one is answered with Cloudflare's edge address.
        const liveAfterRollback = JSON.parse(phaseConfig(world, "prepare", targets, fault).config["golive:liveRecords"]) as Record<"apex" | "www", { proxied?: boolean }>;
        const answered = (which: "apex" | "www") => [liveAfterRollback[which]?.proxied ? world.edge.host : oldAddress];
        const verifyOld = await waits.during("golive verify against the old site", () => runSuite({ ...settings, certWaitMs: 0, expected: { apex: answered("apex"), www: answered("www") } }, checkNet, { only }));
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
                `${real ? "\`golive rollback --yes\` (back to the prepare update from the stack history)" : "golive:phase=prepare and \`pulumi up\`"} ${rollback.ok ? "went through" : `failed (${rollback.errors[0]?.split("\n")[0] ?? "no error message"})`}: ` +
                `${rolledBack.length > 0 ? rolledBack.map((s) => `${s.name} ${s.op === "update" ? "updated in place" : s.op}${s.ok ? "" : " (failed)"}`).join(", ") : "no DNS record changed"} back to the old host ${world.oldSite.host}; ` +
                `checks against the old site: ${oldFailed.length === 0 ? `${plural(verifyOld.length, "check")} passed` : `${oldFailed.map((r) => r.id).join(", ")} failed`}`,
        };
        const { checklist } = rehearsalChecklist({
            domain: world.domain,
            stack: "rehearsal",
            config: phaseConfig(world, "cutover", targets, fault).config,
            previous: prepare.outputs,
            cutover,
            results,
            notifications: cutoverChecks.filter(isNotification),
            rollback: rollbackFact,
            generatedAt: new Date().toISOString(),
        });
        return await finish({ phases, records, dnsChanges, cutoverChecks, verifyNew, verifyOld, checklist, switchAt, greenAt, failedUpdate, rollback: rollbackFact, failedCheckToOldSiteMs, ...(wayBack ? { wayBack } : {}) });
    } finally {
        waits.stop();
        if (prober) await prober.stop();
        if (cachedProber) await cachedProber.stop();
        await visitorsCache?.close();
        vercel?.close();
        real?.close();
        await control?.close();
        await vercelApi?.close();
        await webhook?.close();
        await services?.close();
        repo?.remove();
        await world.close();
    }
}

/**
 * Where the way back's time goes, on the engine's clock: the engine ending the failed cutover after
 * its first failed check, the rollback starting, the records' update, the visitors' next probe.
 */
export interface WayBack {
    /** First failed check → both names probed on the old host. */
    totalMs: number;
    /** First failed check → both names served by the old host at the zone's servers (the goal's figure). */
    zoneMs?: number;
    /**
     * A visitor behind a caching resolver: the new address may be kept for the record's TTL after the
     * way back, so until this long after the first failed check at most (zoneMs + TTL).
     */
    cachedVisitorMs?: number;
    /** How the records went back: by Cloudflare's API at the first failed check, or by the rollback's update. */
    how?: "direct" | "engine";
    /** First failed check → the cutover's `up` returned. */
    cutoverEndsMs?: number;
    /** The cutover's end → the rollback started (the decision; in the rehearsal, at once). */
    rollbackStartsMs?: number;
    /** The rollback's start → both records updated (the records-first update on the real engine). */
    recordsMs?: number;
    /** Both records updated → both names probed on the old host. */
    probesMs?: number;
}

function wayBackOf(checkSteps: Step[], cutover: PhaseResult | undefined, rollback: PhaseResult, samples: readonly ProbeSample[], siteChanges: readonly DnsChange[], ttlSeconds: number): WayBack | null {
    const failedAt = checkSteps.filter((s) => !s.ok).map((s) => s.endedAt);
    if (failedAt.length === 0) return null;
    const first = Math.min(...failedAt);
    const urls = [...new Set(samples.map((p) => p.url))];
    // The old site back: the first probe of each name on the old host after the first failed check
    // (by the API, the records can be back before the cutover's update ends).
    const backAt = urls.map((url) => samples.find((p) => p.url === url && p.at >= first && p.ok && p.detail.startsWith("old-host"))?.at);
    if (urls.length === 0 || backAt.some((t) => t === undefined)) return null;
    // At the zone's servers: the change of each name after the first failed check (the way back).
    const names = [...new Set(siteChanges.map((c) => c.name))];
    const zoneAt = names.map((n) => siteChanges.find((c) => c.name === n && c.op === "set" && c.at >= first)?.at);
    const zoneBack = names.length === 2 && zoneAt.every((t) => t !== undefined) ? Math.max(...(zoneAt as number[])) : undefined;
    const how = cutover && zoneBack !== undefined && zoneBack <= cutover.endedAt ? "direct" : "engine";
    const back = Math.max(...(backAt as number[]));
    // The first update of each record (a later "same" step of the reconciling update is not it).
    const records = ["dns-apex", "dns-www"].map((n) => rollback.steps.find((s) => s.name === n && s.op !== "same")?.endedAt).filter((t): t is number => t !== undefined);
    const recordsAt = records.length > 0 ? Math.max(...records) : undefined;
    return {
        totalMs: back - first,
        ...(zoneBack !== undefined ? { zoneMs: zoneBack - first, cachedVisitorMs: zoneBack - first + ttlSeconds * 1000, how } : {}),
        ...(cutover ? { cutoverEndsMs: cutover.endedAt - first, rollbackStartsMs: rollback.startedAt - cutover.endedAt } : {}),
        ...(recordsAt !== undefined && how === "engine" ? { recordsMs: recordsAt - rollback.startedAt, probesMs: back - recordsAt } : {}),
    };
}

/** The results of a phase's check resources: their outputs, or rebuilt from their failure. */
function checkResultsOf(phase: PhaseResult): CheckResult[] {
    return phase.steps
        .filter((s) => s.type.startsWith("pulumi-nodejs:dynamic"))
        .map((s) => {
            const r = s.ok ? (s.result as CheckResult | undefined) : resultFromError(s.error ?? "");
            // A failure's message does not carry the stage: the resource's name does.
            return r && !s.ok && isPreSwitch(s.name) ? { ...r, stage: "pre-switch" as const } : r;
        })
        .filter((r): r is CheckResult => !!r && typeof r.id === "string" && typeof r.status === "string");
}
