// The dress rehearsal: the whole go-live played on loopback, end to end, with a visitor's prober
// running the whole time. adopt → prepare → cutover (with the post-deploy checks as dynamic
// resources) → checks → report → rollback to prepare → checks against the old site. The checks
// that talk to outside services (MEP-12, MEP-13, MEP-15, MEP-16) run against loopback stand-ins.
// `rehearse` reads as its stages; rehearsal/report.ts turns what they saw into the report.
import { startWorld, ReplicaWorld } from "../replica/world";
import { CHECKS, runSuite, SuiteSettings } from "../checks/suite";
import type { CheckResult, NetOptions } from "../checks/types";
import { resultFromFailure as resultFromError } from "../checks/dynamic";
import type { ChecklistLine, FailedUpdate, RollbackFact, TagFact } from "../program/report";
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
import { Engine, findEngine, isEngine } from "../operations/engine";
import { startControlServer, ControlServer } from "../replica/control";
import { startVercelApi, VercelApi } from "../replica/vercelApi";
import { RealEngine } from "./realEngine";
import { plural } from "../checks/words";
import { clip, reasonLine } from "../checks/failures";
import { Progress } from "../operations/progress";
import { isPreSwitch } from "../program/stepLabels";
import type { GoLiveTimeline, Incident, PageShot } from "../rendering/goLivePage";
import { shootKeyPages } from "./goLivePage";
import { reportOf } from "./report";
import { Started } from "./started";

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
     * Where the go-live page will be (cli/rehearse writes it once the rehearsal returns): R-3's
     * message links it, as the guided command links its published page.
     */
    pageLink?: string;
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
    /** How the real engine ran the program: its build (dist/, of these sources) or index.ts through ts-node. */
    program?: "compiled" | "typescript";
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
    /** MEP-18 as the cutover made it, when it ran (the go-live page's header). */
    tag?: TagFact;
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

/** How a phase is run: its config's `pulumi up`, a `pulumi preview`, or `golive rollback` (the real engine: the command's own path, history → target update's commit and config → `pulumi up`). */
type How = "up" | "preview" | "golive rollback";

/** What a rehearsal knows before it starts anything: its options, fault and engine, and where it keeps what it sees. */
export interface Setup {
    options: RehearsalOptions;
    log: (line: string) => void;
    /** Long waits, told on the progress writer (stderr in the CLI), --json or not. */
    waits: Progress;
    fault?: Fault;
    /** The faults whose API failures strike during the cutover and the rollback (their `arm`). */
    armers: Fault[];
    engineInfo: EngineInfo;
    /** The real Pulumi engine, when it plays the phases. */
    pulumi?: Engine;
    startedAt: number;
    /** Time on each state between phases, so the prober sees every one of them. */
    settleMs: number;
    /** Everything the rehearsal started: it all ends with the rehearsal, however it ends. */
    started: Started;
    seen: Seen;
}

/** What the phases did so far: filled in by the stages, read by the report. */
export interface Seen {
    problems: string[];
    phases: PhaseSummary[];
    /** The phases applied (previews left out): their check steps draw the go-live page's timeline. */
    phaseRuns: PhaseResult[];
    records: RehearsalFigures["records"];
    dnsChanges: DnsChange[];
    apiFaults: NonNullable<RehearsalFigures["apiFaults"]>;
    /** The key pages as a visitor saw them, for the go-live page. */
    screenshots: PageShot[];
}

/** The replica world and what stands in for the outside services around it. */
export interface Replica {
    world: ReplicaWorld;
    /** The Cloudflare zone as it is before the go-live (seededZone). */
    zone: CloudflareZone;
    behaviour: ReplicaBehaviour;
    vercel: VercelReplica;
    /** Vercel's REST API, the program's own Vercel calls' target. */
    vercelApi: VercelApi;
    /** Google's APIs, the client's mailbox and the new site's contact form, on loopback. */
    services: ServiceStandIns;
    /** MEP-01 / MEP-17's receiver. */
    webhook: WebhookReceiver;
}

/** The engine that plays the phases, and its clock: the time axis of the steps, the DNS changes and the probes. */
export interface PhaseEngine {
    t0: number;
    now: () => number;
    run: (label: string, how: How, config: Record<string, string>, secretKeys: string[]) => Promise<PhaseResult>;
    /** The real engine (absent on the mock engine) and the replica's service API its plugins call. */
    real?: RealEngine;
    control?: ControlServer;
}

/** What the stack's config points at besides the replica's hosts, and how the rehearsal's own checks reach them. */
export interface Stack {
    settings: SuiteSettings;
    checkNet: NetOptions;
    /** MEP-18: the site repository and its frozen commit. */
    repo: SiteRepository;
    targets: RehearsalTargets;
}

/** The visitors: a prober on www and apex, and the same behind a caching resolver when the fault asks for them. */
export interface Visitors {
    probed: string[];
    prober: Prober;
    cachedProber?: Prober;
}

/** One rehearsal's state, shared by its stages. */
export interface Rehearsal extends Setup {
    replica: Replica;
    engine: PhaseEngine;
    stack: Stack;
    visitors: Visitors;
}

/** The cutover as it ran: its result, its check steps and results, when DNS switched and when all was green. */
interface CutoverRun {
    result: PhaseResult;
    checkSteps: Step[];
    checks: CheckResult[];
    switchAt: number | undefined;
    greenAt: number | undefined;
}

/** What the go-live came to (all phases, or up to a refusal), for the report. */
export interface Outcome {
    cutoverChecks: CheckResult[];
    verifyNew: CheckResult[];
    verifyOld: CheckResult[];
    checklist?: ChecklistLine[];
    /** MEP-18 as the cutover made it (the page's header). */
    tag?: TagFact | null;
    /** The production deployment prepare made (R-4 reads its events on a failed cutover). */
    deploymentId?: string;
    switchAt: number | undefined;
    greenAt: number | undefined;
    failedUpdate?: FailedUpdate;
    rollback?: RollbackFact;
    failedCheckToOldSiteMs?: number | null;
    wayBack?: WayBack;
    /** The phase whose failure stopped the go-live before the cutover. */
    stoppedAt?: "prepare";
}

/** A go-live that stopped before any check ran. */
const nothingChecked = (): Outcome => ({ cutoverChecks: [], verifyNew: [], verifyOld: [], switchAt: undefined, greenAt: undefined });

/**
 * The dress rehearsal, stage after stage. Everything a stage starts is in `started` from the moment
 * it runs, and ends with the rehearsal in the one `finally`, however the rehearsal ends.
 */
export async function rehearse(options: RehearsalOptions = {}): Promise<RehearsalReport> {
    // Everything a rehearsal starts talks to loopback only (the engine and its plugins inherit it).
    process.env.GOLIVE_LOOPBACK_ONLY = "1";
    const setup = begin(options);
    try {
        const replica = await startReplica(setup);
        const engine = await startEngine(setup, replica);
        const stack = await loadProgram(setup, replica);
        const visitors = await startVisitors(setup, replica, engine);
        const run: Rehearsal = { ...setup, replica, engine, stack, visitors };
        if (!(await adopt(run))) return await reportOf(run, nothingChecked());
        const prepared = await prepare(run);
        if (!prepared.ok) return await reportOf(run, stoppedAtPrepare(run, prepared));
        const cutover = await cutOver(run);
        const verifyNew = await verifyNewSite(run, cutover);
        const rollback = await rollBack(run);
        const wayBack = measureWayBack(run, cutover, rollback);
        const verifyOld = await verifyOldSite(run);
        return await reportOf(run, record(run, { prepared, cutover, verifyNew, rollback, wayBack, verifyOld }));
    } finally {
        await setup.started.stopAll();
    }
}

/** The fault and the engine, said before anything starts (a fault the mock engine cannot play stops here). */
function begin(options: RehearsalOptions): Setup {
    const log = options.log ?? (() => undefined);
    const fault = options.fault ? faultNamed(options.fault) : undefined;
    const alsoArmed = options.armAlso ? faultNamed(options.armAlso) : undefined;
    const startedAt = Date.now();
    const waits = new Progress(options.progress, { prefix: "golive rehearse" });
    const { engineInfo, pulumi, line } = chooseEngine(options.engine ?? "auto", [fault, alsoArmed]);
    log(line);
    if (!options.log) options.progress?.(line);
    const started = new Started();
    started.add(waits, (w) => w.stop());
    return {
        options,
        log,
        waits,
        fault,
        armers: [fault, alsoArmed].filter((f): f is Fault => !!f?.arm),
        engineInfo,
        pulumi,
        startedAt,
        settleMs: options.fast ? 300 : 1_000,
        started,
        seen: { problems: [], phases: [], phaseRuns: [], records: {}, dnsChanges: [], apiFaults: { cutover: null, rollback: null }, screenshots: [] },
    };
}

/** The real engine when asked for, or when this machine has it ("auto"); the embedded mock engine otherwise. */
function chooseEngine(choice: "auto" | "pulumi" | "mock", faults: Array<Fault | undefined>): { engineInfo: EngineInfo; pulumi?: Engine; line: string } {
    const found = choice === "mock" ? undefined : findEngine();
    if (choice === "pulumi" && found && !isEngine(found)) throw new Error(found.missing);
    const pulumi = found && isEngine(found) ? found : undefined;
    for (const f of faults) if (f?.needsRealEngine && !pulumi) throw new Error(`the ${f.name} fault needs the real Pulumi engine (npm run engine, then --engine pulumi): ${f.needsRealEngine}${found && !isEngine(found) ? `; ${found.missing}` : ""}`);
    const engineInfo: EngineInfo = pulumi ? { kind: "pulumi", version: pulumi.version } : { kind: "mock", version: "embedded", ...(found && !isEngine(found) ? { note: found.missing } : {}) };
    const line = `engine: ${pulumi ? `pulumi ${engineInfo.version} (${pulumi.source === "PATH" ? "on PATH" : "built by npm run engine"}), replica provider plugins` : `embedded mock engine${engineInfo.note ? ` (${engineInfo.note})` : ""}`}`;
    return { engineInfo, ...(pulumi ? { pulumi } : {}), line };
}

/**
 * The replica world (CA, DNS server, old and new hosts), the Cloudflare zone as it is before the
 * go-live, the outside services' stand-ins, the webhook receiver, Vercel and its REST API; then the
 * fault, injected.
 */
async function startReplica({ options, waits, started, log, fault }: Setup): Promise<Replica> {
    const world = started.add(await waits.during("starting the replica (CA, DNS server, old and new hosts)", () => startWorld({ pointAt: "old", ttl: 300 }), { announce: true }), (w) => w.close());
    const behaviour: ReplicaBehaviour = {};
    const zone = seededZone(world);
    const services = started.add(
        await waits.during("starting the outside services' stand-ins (Google APIs, IMAP mailbox)", () => startServiceStandIns(world, options.dovecotBin ? { dovecotBin: options.dovecotBin } : {}), { announce: true }),
        (s) => s.close(),
    );
    const webhook = started.add(await startWebhookReceiver(), (w) => w.close());
    for (const note of services.notes) log(`note: ${note}`);
    options.onServices?.(services);
    const vercel = started.add(new VercelReplica(world, world.issue([world.domain, world.www]), behaviour), (v) => v.close());
    const vercelApi = started.add(await startVercelApi(vercel), (a) => a.close());
    fault?.apply(world, behaviour, services, zone, vercel);
    if (options.buildClockScale !== undefined) behaviour.buildClockScale = options.buildClockScale;
    if (fault) log(`fault injected: ${fault.name}: ${fault.summary}`);
    return { world, zone, behaviour, vercel, vercelApi, services, webhook };
}

/**
 * The engine on the replica's providers. One definition of the replica: the mock engine calls its
 * handlers in-process, the real engine's plugins through the replica's service API.
 */
async function startEngine({ options, log, pulumi, started, seen, engineInfo }: Setup, { world, zone, vercel, behaviour }: Replica): Promise<PhaseEngine> {
    const t0 = Date.now();
    const now = () => Date.now() - t0;
    const providers = replicaProviders(world, zone, vercel, behaviour, now, (c) => seen.dnsChanges.push(c));
    if (!pulumi) {
        const mock = new MockEngine({ stack: "rehearsal", resources: providers.resources, invokes: providers.invokes, replaceKeys: REPLACE_KEYS, log: (l) => log(clip(l)), phaseTimeoutMs: options.fast ? 60_000 : 120_000, now });
        // `golive rollback` on the mock engine is the previous phase's `pulumi up`.
        const run: PhaseEngine["run"] = (label, how, config, secretKeys) => (how === "preview" ? mock.preview(`${label} (preview)`, config, program, secretKeys) : mock.up(label, config, program, secretKeys));
        return { t0, now, run };
    }
    const control = started.add(await startControlServer(providers), (c) => c.close());
    const real = started.add(await RealEngine.start({ engine: pulumi, controlUrl: control.url, stack: "rehearsal", now, log: (l) => log(clip(l)), wayBack: options.wayBack ?? "direct" }), (r) => r.close());
    engineInfo.program = real.ws.program;
    log(`program: ${real.ws.program === "compiled" ? "the build of index.ts and its folders (dist/, of these very sources)" : "index.ts through ts-node, as pulumi up runs it"}`);
    const run: PhaseEngine["run"] = (label, how, config, secretKeys) =>
        how === "preview" ? real.previewPhase(`${label} (preview)`, config, secretKeys) : how === "golive rollback" ? real.rollback(label, { config, secretKeys, zoneId: ZONE_ID }) : real.up(label, config, secretKeys);
    return { t0, now, run, real, control };
}

/** What the stack's config points at (checks' settings, the site repository, the stand-ins), and the program and check providers loaded. */
async function loadProgram({ options, waits, started }: Setup, { world, webhook, services, vercelApi }: Replica): Promise<Stack> {
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
    const repo = started.add(createSiteRepository(), (r) => r.remove());
    const targets: RehearsalTargets = { settings, net: checkNet, webhookUrl: webhook.url, repo, services, vercelApi: { url: vercelApi.url, token: vercelApi.token } };
    await waits.during("loading the program and the check providers", () => warmUp(settings, checkNet), { announce: true });
    return { settings, checkNet, repo, targets };
}

/** The visitors' prober on www and apex, and the same behind a caching resolver when the fault asks for them. */
async function startVisitors({ fault, started }: Setup, { world, behaviour }: Replica, { now }: PhaseEngine): Promise<Visitors> {
    const probed = [`https://${world.www}/`, `https://${world.domain}/`];
    // The prober's life is capped (5 min by default); a fault's long build (slow-build) adds its
    // length, and a second prepare (order-lapsed: it waits out the resolvers' cached TXT answers) 3 min.
    const buildWallMs = (behaviour.build?.buildMs ?? 0) / (behaviour.buildClockScale ?? 1);
    const maxDurationMs = 5 * 60_000 + Math.min(buildWallMs, VERCEL_BUILD_LIMIT_MS) + (buildWallMs > 0 ? 60_000 : 0) + (fault?.prepareAgain ? 3 * 60_000 : 0);
    const prober = started.add(new Prober({ urls: probed, net: { ...world.net, attempts: 1 }, timeoutMs: PROBE_TIMEOUT_MS, now, maxDurationMs }), (p) => p.stop());
    await prober.start("adopt").ready();
    if (!fault?.cachingVisitors) return { probed, prober };
    // Visitors whose resolver keeps each answer for its TTL (they still hold the old address after a switch).
    const visitorsCache = started.add(await ReplicaDns.startCaching(world.dns), (c) => c.close());
    const cachedProber = started.add(new Prober({ urls: probed, net: { ...world.net, dnsServers: [visitorsCache.address], attempts: 1 }, timeoutMs: PROBE_TIMEOUT_MS, now, maxDurationMs }), (p) => p.stop());
    await cachedProber.start("adopt").ready();
    return { probed, prober, cachedProber };
}

/** Adopt, previewed first as README's workflow says: a refusal at preview stops the go-live there. */
async function adopt(run: Rehearsal): Promise<boolean> {
    snapshot(run, "before");
    const preview = await playPhase(run, "adopt", "adopt", "preview");
    if (!preview.ok) {
        run.seen.problems.push(`adopt refused at preview: ${preview.errors.map((e) => e.split("\n")[0]).join("; ")}`);
        snapshot(run, "adopt");
        return false;
    }
    const adopted = await playPhase(run, "adopt", "adopt");
    if (!adopted.ok) run.seen.problems.push("adopt failed");
    snapshot(run, "adopt");
    return true;
}

/** Prepare, and prepare again when the fault says the operator would. */
async function prepare(run: Rehearsal): Promise<PhaseResult> {
    const first = await playPhase(run, "prepare", "prepare");
    const again = first.ok ? run.fault?.prepareAgain : undefined;
    if (again) run.log(`\n(the operator runs prepare again: ${again})`);
    const prepared = again ? await playPhase(run, "prepare (again)", "prepare") : first;
    snapshot(run, "prepare");
    return prepared;
}

/**
 * What prepare finds (a build that fails, a domain another project keeps) stops the go-live there:
 * the operator fixes it hours before H; DNS was never pointed anywhere new. A provider's refusal
 * reads as the operator would read it (program/providerRefusals), the provider's words kept.
 */
function stoppedAtPrepare(run: Rehearsal, prepared: PhaseResult): Outcome {
    const dnsUnchanged = !prepared.steps.some((s) => s.type === TYPES.dnsRecord && s.op !== "same" && s.ok);
    const explained = (e: string) => {
        const refusal = refusalOf(e, dnsUnchanged);
        return refusal ? `${refusal.id} ${refusal.text}` : e.split("\n")[0];
    };
    run.seen.problems.push(`prepare failed, the go-live stops there: ${prepared.errors.map(explained).join("; ")}`);
    return { ...nothingChecked(), cutoverChecks: checkResultsOf(prepared), stoppedAt: "prepare" };
}

/**
 * The cutover, its post-deploy checks as dynamic resources (MEP-06 to MEP-18): the key pages
 * photographed on the new host first, the fault's API failures armed, the zone read after.
 */
async function cutOver(run: Rehearsal): Promise<CutoverRun> {
    await shootPages(run, "pre-switch");
    const struckFrom = armFaults(run, "cutover");
    const result = await playPhase(run, "cutover", "cutover");
    if (!result.ok) noPicturesAfterSwitch(run);
    snapshot(run, "cutover");
    if (struckFrom !== undefined) run.seen.apiFaults.cutover = struckDuring(run, "cutover", result, struckFrom);
    // Check results of the cutover: outputs of the check resources, or rebuilt from their failure.
    const checkSteps = result.steps.filter((s) => s.type.startsWith("pulumi-nodejs:dynamic"));
    const checks = checkResultsOf(result);
    if (!result.ok) run.seen.problems.push(`cutover failed (\`pulumi up\` would exit non-zero): ${plural(result.errors.length, "error")}`);
    const switchAt = run.seen.dnsChanges.find((c) => c.at >= result.startedAt && c.at <= result.endedAt && c.op === "set")?.at;
    const greenAt = result.ok && checkSteps.length > 0 ? Math.max(...checkSteps.map((s) => s.endedAt)) : undefined;
    return { result, checkSteps, checks, switchAt, greenAt };
}

/**
 * `golive verify` against the live (new) site, as the operator runs it after a cutover that went
 * through. A failed cutover is rolled back at once instead (R-1 agreed beforehand).
 */
async function verifyNewSite(run: Rehearsal, cutover: CutoverRun): Promise<CheckResult[]> {
    if (!cutover.result.ok) return [];
    const { world } = run.replica;
    await shootPages(run, "after-switch");
    mark(run, "checks");
    run.log("\n== checks (golive verify against the new site)");
    const newAddress = world.newSite.host;
    const wwwNew = cutover.result.outputs ? [String((cutover.result.outputs as any).dnsRecords?.www?.content ?? newAddress)] : [newAddress];
    const verifyNew = await run.waits.during("golive verify against the new site", () => runSuite({ ...run.stack.settings, expected: { apex: [newAddress], www: wwwNew } }, run.stack.checkNet, { only: rehearsedChecks() }));
    logResults(run, verifyNew);
    mark(run, "report");
    return verifyNew;
}

/**
 * Plan section 4 (R-2): back to the previous phase, the same records in place. On the real engine
 * it is `golive rollback` (the records back first, then the prepare update from the stack history);
 * on the mock engine, the previous phase's `pulumi up`. The fault was the cutover's mistake: the
 * rollback itself is done right.
 */
async function rollBack(run: Rehearsal): Promise<PhaseResult> {
    const { behaviour } = run.replica;
    if (behaviour.deleteThenRecreateMs !== undefined) {
        delete behaviour.deleteThenRecreateMs;
        run.log("\n(fault lifted for the rollback: records are updated in place)");
    }
    const struckFrom = armFaults(run, "rollback");
    const rollback = await playPhase(run, "rollback", "prepare", run.engine.real ? "golive rollback" : "up");
    if (struckFrom !== undefined) run.seen.apiFaults.rollback = struckDuring(run, "rollback", rollback, struckFrom);
    if (!rollback.ok) run.seen.problems.push(`rollback failed: ${rollback.errors.join("; ")}`);
    snapshot(run, "rollback");
    return rollback;
}

/** Where the way back's time went (a cutover that failed after the switch), read as soon as the rollback ends. */
function measureWayBack(run: Rehearsal, cutover: CutoverRun, rollback: PhaseResult): WayBack | null {
    if (cutover.switchAt === undefined) return null;
    const { world } = run.replica;
    const siteChanges = run.seen.dnsChanges.filter((c) => c.name === world.domain || c.name === world.www);
    return wayBackOf(cutover.checkSteps, cutover.result, rollback, run.visitors.prober.samples, siteChanges, Number(phaseConfig(world, "prepare").config["golive:ttl"]));
}

/** The same checks against the old site after the rollback, then a little time on it, so the prober sees it is back. */
async function verifyOldSite(run: Rehearsal): Promise<CheckResult[]> {
    const { world } = run.replica;
    mark(run, "rollback-checks");
    run.log("\n== checks against the old site after the rollback");
    const oldAddress = world.oldSite.host;
    // What the old records hold: a proxied one is answered with Cloudflare's edge address.
    const liveAfterRollback = JSON.parse(phaseConfig(world, "prepare", run.stack.targets, run.fault).config["golive:liveRecords"]) as Record<"apex" | "www", { proxied?: boolean }>;
    const answered = (which: "apex" | "www") => [liveAfterRollback[which]?.proxied ? world.edge.host : oldAddress];
    const verifyOld = await run.waits.during("golive verify against the old site", () => runSuite({ ...run.stack.settings, certWaitMs: 0, expected: { apex: answered("apex"), www: answered("www") } }, run.stack.checkNet, { only: rehearsedChecks() }));
    logResults(run, verifyOld);
    await sleep(run.settleMs);
    return verifyOld;
}

/**
 * The record (rehearsal/record.ts): what the cutover did or, when it failed, what is known of it,
 * and the rollback that followed (R-1, R-2).
 */
function record(run: Rehearsal, ran: { prepared: PhaseResult; cutover: CutoverRun; verifyNew: CheckResult[]; rollback: PhaseResult; wayBack: WayBack | null; verifyOld: CheckResult[] }): Outcome {
    const { cutover, verifyNew, verifyOld, wayBack } = ran;
    const isNotification = (r: CheckResult) => r.id === "MEP-01" || r.id === "MEP-17";
    // golive verify's results, plus what only the cutover ran (before the switch, MEP-12/13/15/16) and its notifications.
    const results = [...verifyNew, ...cutover.checks.filter((c) => !isNotification(c) && !verifyNew.some((v) => v.id === c.id && v.stage === c.stage))];
    const failedUpdate = failedUpdateOf(cutover.result);
    const rollback = rollbackFactOf(run, ran.rollback, verifyOld, failedUpdate);
    const { checklist, facts } = rehearsalChecklist({
        domain: run.replica.world.domain,
        stack: "rehearsal",
        config: phaseConfig(run.replica.world, "cutover", run.stack.targets, run.fault).config,
        previous: ran.prepared.outputs,
        cutover: cutover.result,
        results,
        notifications: cutover.checks.filter(isNotification),
        rollback,
        generatedAt: new Date().toISOString(),
    });
    const { checks: cutoverChecks, switchAt, greenAt } = cutover;
    const deploymentId = facts.deploymentId ?? undefined;
    return { cutoverChecks, verifyNew, verifyOld, checklist, tag: facts.tag ?? null, ...(deploymentId ? { deploymentId } : {}), switchAt, greenAt, failedUpdate, rollback, failedCheckToOldSiteMs: wayBack?.totalMs ?? null, ...(wayBack ? { wayBack } : {}) };
}

/** R-1, R-2 as the record states them: why the rollback came, what it changed, what the checks then saw. */
function rollbackFactOf(run: Rehearsal, rollback: PhaseResult, verifyOld: CheckResult[], failedUpdate: FailedUpdate | undefined): RollbackFact {
    const rolledBack = rollback.steps.filter((s) => s.type.startsWith("cloudflare:") && s.op !== "same");
    const oldFailed = verifyOld.filter((r) => r.status === "fail");
    return {
        to: "prepare",
        ok: rollback.ok && oldFailed.length === 0,
        why: failedUpdate ? `the cutover failed (${failedUpdate.error})` : "the rehearsal ends every cutover with the rollback of plan section 4",
        evidence:
            `${run.engine.real ? "\`golive rollback --yes\` (back to the prepare update from the stack history)" : "golive:phase=prepare and \`pulumi up\`"} ${rollback.ok ? "went through" : `failed (${rollback.errors[0]?.split("\n")[0] ?? "no error message"})`}: ` +
            `${rolledBack.length > 0 ? rolledBack.map((s) => `${s.name} ${s.op === "update" ? "updated in place" : s.op}${s.ok ? "" : " (failed)"}`).join(", ") : "no DNS record changed"} back to the old host ${run.replica.world.oldSite.host}; ` +
            `checks against the old site: ${oldFailed.length === 0 ? `${plural(verifyOld.length, "check")} passed` : `${oldFailed.map((r) => r.id).join(", ")} failed`}`,
    };
}

/** One phase as the operator runs it (`how`), logged, summarized, and followed by time on its state. */
async function playPhase(run: Rehearsal, label: string, configPhase: "adopt" | "prepare" | "cutover", how: How = "up"): Promise<PhaseResult> {
    const preview = how === "preview";
    mark(run, label);
    run.log(`\n== ${label}${preview ? " (pulumi preview)" : how === "golive rollback" ? " (golive rollback --yes)" : ""} (golive:phase=${configPhase})`);
    const { config, secretKeys } = phaseConfig(run.replica.world, configPhase, run.stack.targets, run.fault);
    const r = await run.waits.during(`\`${how === "golive rollback" ? "golive rollback" : `pulumi ${how}`}\` of the ${label} phase`, () => run.engine.run(label, how, config, secretKeys), { announce: !run.options.log });
    const summary = summarizePhase(r, configPhase);
    run.seen.phases.push(summary);
    if (!preview) run.seen.phaseRuns.push(r);
    run.log(`   ${r.ok ? "ok" : "FAILED"} in ${summary.durationMs} ms: ${Object.entries(summary.counts).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ")}`);
    // Each error is already on its step's line above. A failed cutover is rolled back at once
    // (R-1 agreed beforehand): no time on the failed state.
    if (!preview && !(label === "cutover" && !r.ok)) await sleep(run.settleMs);
    return r;
}

/** Probes sent from now on are counted under `label`. */
function mark({ visitors }: Rehearsal, label: string): void {
    visitors.prober.mark(label);
    visitors.cachedProber?.mark(label);
}

/** The zone's apex and www records (and CAA) at one moment of the go-live. */
function snapshot(run: Rehearsal, when: keyof RehearsalFigures["records"]): void {
    run.seen.records[when] = snapshotRecords(run.replica.zone, run.replica.world);
}

/** The fault's API failures, armed for a phase; the count of failed answers so far, when armed. */
function armFaults(run: Rehearsal, phase: "cutover" | "rollback"): number | undefined {
    const { control } = run.engine;
    if (run.armers.length === 0 || !control) return undefined;
    for (const f of run.armers) f.arm!(phase, { providers: control, vercelRest: run.replica.vercelApi });
    return control.faults.length;
}

/** The failed API answers given during a phase and how long it took with them, said in the log. */
function struckDuring(run: Rehearsal, phase: "cutover" | "rollback", r: PhaseResult, struckFrom: number): { struck: number; ms: number } {
    const struck = { struck: run.engine.control!.faults.length - struckFrom, ms: r.endedAt - r.startedAt };
    run.log(`   ${run.armers.map((f) => f.name).join(", ")}: ${struck.struck} failed API answer(s) during the ${phase}, which took ${(struck.ms / 1000).toFixed(1)} s`);
    return struck;
}

/** The key pages photographed for the go-live page (none unless asked for: Chromium, ~2 s a page). */
async function shootPages(run: Rehearsal, stage: PageShot["stage"]): Promise<void> {
    const pages = run.options.screenshots;
    if (!pages?.length) return;
    const { world } = run.replica;
    const urls = pages.map((p) => `https://${world.www}${p}`);
    const pins = { [world.www]: world.newSite.host, [world.domain]: world.newSite.host };
    run.seen.screenshots.push(...(await run.waits.during(`screenshots of the key pages ${stage === "pre-switch" ? "on the new host before the switch" : "after the switch"}`, () => shootKeyPages(urls, stage, world.net, pins))));
}

/** A failed cutover is rolled back at once (R-1 agreed beforehand): each page says why it has no picture after the switch. */
function noPicturesAfterSwitch(run: Rehearsal): void {
    const shots = run.seen.screenshots;
    for (const shot of shots.filter((x) => x.stage === "pre-switch")) shots.push({ url: shot.url, stage: "after-switch", takenAt: new Date().toISOString(), missing: "no picture after the switch: the cutover failed and was rolled back at once (R-1 agreed beforehand); the way back waits for no picture", width: shot.width, height: shot.height });
}

function logResults(run: Rehearsal, results: CheckResult[]): void {
    for (const r of results) run.log(`   ${r.id.padEnd(6)} ${r.status.toUpperCase().padEnd(4)} ${r.name}: ${reasonLine(r)}`);
}

/** The checks of REPLICA_CHECKS the suite has. */
function rehearsedChecks(): string[] {
    return REPLICA_CHECKS.filter((k) => CHECKS.some((c) => c.key === k));
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
