// `npm run bench:wayback`: what each fault costs visitors, and how short the way back is (issue 16).
//
// 1. Every fault of the rehearsal, once each on the mock engine: failed probes, whether a site record
//    ever changed, and the check that stopped the go-live (before the switch, after it, or prepare).
// 2. The fault only the switch can reveal (fails-under-traffic), several times on the real engine
//    when this machine has it, both ways back in the same run (issue 25): today's (the rollback's
//    records-first update once the cutover ended) and the new one (Cloudflare's API at the first
//    failed check): first failed check → both names on the old host at the zone's servers, and
//    the last failed probe; the failed probes; what a visitor behind a caching resolver sees. Goal
//    for the new path: median ≤ 1 s, ≤ 20 failed probes, 0 records deleted.
//
// The anchor is the same event for both paths: the moment the first check after the switch
// concluded "fail", as the check itself stamped it (checks/dynamic `failedAt`, ms, in the evidence
// the engine carries), not when the engine reported it (its events come later, and only in whole
// seconds). See `fromFirstFailedCheck`.
//
// Options: --runs N (engine runs, default 5), --engine mock|pulumi (default: pulumi when built),
// --faults-only, --way-back-only, --rate-limited (the way back under Cloudflare's rate limit: the
// rate-limited fault's 429s too, on the provider's updates and on the direct PATCHes; real engine
// only), --write (bench/wayback-results.json). Nothing leaves loopback.
import * as os from "os";
import { phaseConfig, rehearse, RehearsalReport } from "../rehearsal/run";
import type { ReplicaWorld } from "../replica/world";
import { FAULTS } from "../rehearsal/faults";
import { findEngine, isEngine } from "../operations/engine";
import { Figure, figureOf, saveResults, showFigure } from "./checks";
import type { CheckResult } from "../checks/types";

const GOAL_MS = 1_000;
const GOAL_FAILED_PROBES = 20;
const SWITCH_ONLY_FAULT = "fails-under-traffic";

interface FaultRow {
    fault: string;
    ok: boolean;
    failedProbes: number;
    setApart: number;
    dnsSwitched: boolean;
    /** Where the go-live stopped and on what: "before the switch: MEP-09", "prepare: …", "after the switch: MEP-09", or "—". */
    stoppedBy: string;
}

function stoppedBy(r: RehearsalReport): string {
    if (r.stoppedAt === "prepare") return `prepare: ${(r.problems[0] ?? "").replace(/^prepare failed, the go-live stops there: /, "").slice(0, 80)}`;
    const failed = r.cutoverChecks.filter((c) => c.status === "fail");
    if (failed.length === 0) return r.phases.some((p) => p.phase.startsWith("adopt") && !p.ok) ? "adopt (refused at preview)" : "—";
    const before = failed.filter((c) => c.stage === "pre-switch").map((c) => c.id);
    const after = failed.filter((c) => c.stage !== "pre-switch").map((c) => c.id);
    return before.length > 0 ? `before the switch: ${[...new Set(before)].join(", ")}` : `after the switch: ${[...new Set(after)].join(", ")}`;
}

async function faults(): Promise<FaultRow[]> {
    const rows: FaultRow[] = [];
    for (const f of [{ name: "" }, ...FAULTS.filter((x) => !x.needsRealEngine)]) {
        console.log(`rehearsal (mock engine), ${f.name || "clean"}…`);
        const r = await rehearse({ engine: "mock", fast: true, ...(f.name ? { fault: f.name } : {}) });
        rows.push({
            fault: f.name || "clean",
            ok: r.ok,
            failedProbes: r.figures.probes.failed,
            setApart: (r.figures.probes.stalled ?? 0) + (r.figures.probes.stalledReplica ?? 0),
            dnsSwitched: r.figures.dnsSwitched,
            stoppedBy: stoppedBy(r),
        });
    }
    return rows;
}

/** The moment a failed check stamped (checks/dynamic `failedAt`), epoch ms; also read off evidence cut short. */
export function failedAtOf(c: Pick<CheckResult, "evidence">): number | undefined {
    const stamped = (c.evidence as { failedAt?: unknown }).failedAt;
    const text = typeof stamped === "string" ? stamped : /"failedAt":"([^"]+)"/.exec(JSON.stringify(c.evidence ?? {}).replace(/\\"/g, '"'))?.[1];
    const at = text ? Date.parse(text) : NaN;
    return Number.isFinite(at) ? at : undefined;
}

/** One run's way back, every figure from the same event: the first failed check after the switch. */
export interface WayBackRun {
    /** The check's own moment, on the rehearsal's clock (ms from its origin). */
    anchorMs: number;
    /** Which check, e.g. "MEP-09". */
    anchorCheck: string;
    /** How much later the engine's report of it came (the anchor the rehearsal's own figure uses). */
    engineReportLagMs?: number;
    /** → both names set back to prepare's content in the zone (the zone's authoritative servers answer it from then on). */
    zoneMs?: number;
    /** → the last failed probe of a visitor (none failed after it, on either name). */
    lastFailedProbeMs?: number;
    /** → a visitor behind a caching resolver at the latest: the zone's time plus the record's TTL. */
    cachedVisitorMs?: number;
}

type WayBackInput = Pick<RehearsalReport, "domain" | "cutoverChecks" | "dnsChanges" | "timeline"> & { figures: Pick<RehearsalReport["figures"], "records" | "probes"> };

/** The TTL the site records hold from prepare on: the rehearsal's own stack config (rehearsal/run phaseConfig). */
function rehearsalTtlSeconds(domain: string): number {
    return Number(phaseConfig({ domain, www: `www.${domain}`, oldSite: { host: "" } } as unknown as ReplicaWorld, "prepare").config["golive:ttl"]);
}

/**
 * The way back measured from the first failed check's own moment (the check's `failedAt`, which it
 * stamps as it concludes "fail"), the same event whichever path takes the records back; undefined
 * when no check after the switch failed with its moment known.
 */
export function fromFirstFailedCheck(r: WayBackInput, ttlSeconds?: number): WayBackRun | undefined {
    const origin = r.timeline ? Date.parse(r.timeline.origin) : NaN;
    if (!Number.isFinite(origin)) return undefined;
    const stamped = r.cutoverChecks
        .filter((c) => c.status === "fail" && c.stage !== "pre-switch")
        .map((c) => ({ id: c.id, at: failedAtOf(c) }))
        .filter((c): c is { id: CheckResult["id"]; at: number } => c.at !== undefined)
        .sort((a, b) => a.at - b.at);
    if (stamped.length === 0) return undefined;
    const anchorMs = stamped[0].at - origin;
    const out: WayBackRun = { anchorMs, anchorCheck: stamped[0].id };
    if (r.timeline?.wayBack) out.engineReportLagMs = r.timeline.wayBack.startMs - anchorMs;
    // Back at the zone: each name set to what it held at prepare, after the switch.
    const prepare = r.figures.records.prepare;
    const switchAt = r.timeline?.dnsSwitchMs ?? 0;
    const names: Array<[string, string | undefined]> = [
        [r.domain, prepare?.apex[0]?.content],
        [`www.${r.domain}`, prepare?.www[0]?.content],
    ];
    const backAt = names.map(([name, content]) => (content === undefined ? undefined : r.dnsChanges.find((c) => c.name === name && c.op === "set" && c.content === content && c.at > switchAt)?.at));
    if (backAt.every((t): t is number => t !== undefined)) {
        out.zoneMs = Math.max(...backAt) - anchorMs;
        if (ttlSeconds !== undefined && Number.isFinite(ttlSeconds)) out.cachedVisitorMs = out.zoneMs + ttlSeconds * 1000;
    }
    if (r.figures.probes.lastFailureAt !== undefined) out.lastFailedProbeMs = r.figures.probes.lastFailureAt - anchorMs;
    return out;
}

interface RunSeen {
    load: number;
    failedProbes: number;
    setApart: number;
    /** The prober's 5-minute cap ended it before the rehearsal did (the machine's load): its figures miss the switch. */
    proberCapped: boolean;
    proberLost?: string;
    rehearsalMs: number;
    siteChanges: Array<{ at: number; name: string; op: string; content?: string }>;
}

interface PathFigures {
    /** "engine" (the rollback's updates, the path before issue 25) or "direct" (Cloudflare's API at the first failed check). */
    path: "engine" | "direct";
    engine: string;
    runs: number;
    /** Each run's figures, from the first failed check's own moment. */
    perRun: WayBackRun[];
    /** What each run saw besides: the load, the probes failed and set apart, the site records' changes (rehearsal clock). */
    seen: RunSeen[];
    /** First failed check → both names on the old host at the zone's servers. */
    zone: Figure | null;
    /** First failed check → the last failed probe. */
    lastFailedProbe: Figure | null;
    failedProbes: Figure | null;
    /** A visitor behind a caching resolver: up to this long on the new address (zone + the record's TTL). */
    cachedVisitor: Figure | null;
    /** How late the engine reported the first failed check (what the rehearsal's own figure starts from). */
    engineReportLag: Figure | null;
    recordDeletes: number;
    /** Under --rate-limited: the 429s answered during the cutover (the direct PATCHes included) and the rollback. */
    rateLimited?: { cutover: number[]; rollback: number[] };
}

async function wayBack(runs: number, engine: "mock" | "pulumi", rateLimited: boolean): Promise<PathFigures[]> {
    const paths: Array<"engine" | "direct"> = engine === "pulumi" ? ["engine", "direct"] : ["engine"];
    const acc = Object.fromEntries(paths.map((p) => [p, { perRun: [] as WayBackRun[], seen: [] as RunSeen[], failed: [] as number[], deletes: 0, struck: { cutover: [] as number[], rollback: [] as number[] } }]));
    let version: string = engine;
    // Both paths in the same run, alternated, so that the machine's load weighs on both alike.
    for (let i = 0; i < runs; i++) {
        for (const path of paths) {
            console.log(`rehearsal (${engine}), ${SWITCH_ONLY_FAULT}${rateLimited ? " + rate-limited" : ""}, way back ${path} (${i + 1}/${runs})…`);
            const r = await rehearse({ engine, fault: SWITCH_ONLY_FAULT, wayBack: path, ...(rateLimited ? { armAlso: "rate-limited" } : {}) });
            version = r.engine.kind === "pulumi" ? `pulumi ${r.engine.version}` : "mock";
            const a = acc[path];
            const run = fromFirstFailedCheck(r, rehearsalTtlSeconds(r.domain));
            if (run) a.perRun.push(run);
            // A prober stopped by its life's cap (5 min: a rehearsal slowed by the machine's load) or
            // lost missed the switch: its failed probes are not a figure of the way back.
            const probed = !r.figures.probes.capped && !r.figures.probes.proberLost;
            if (probed) a.failed.push(r.figures.probes.failed);
            else if (run) delete run.lastFailedProbeMs;
            const setApart = (r.figures.probes.stalled ?? 0) + (r.figures.probes.stalledReplica ?? 0);
            a.seen.push({ load: Math.round(os.loadavg()[0] * 100) / 100, failedProbes: r.figures.probes.failed, setApart, proberCapped: r.figures.probes.capped, ...(r.figures.probes.proberLost ? { proberLost: r.figures.probes.proberLost } : {}), rehearsalMs: r.figures.totalMs, siteChanges: r.dnsChanges.filter((c) => c.name === r.domain || c.name === `www.${r.domain}`).map((c) => ({ at: c.at, name: c.name, op: c.op, content: c.content })) });
            console.log(`  load ${os.loadavg()[0].toFixed(2)}; rehearsal ${(r.figures.totalMs / 1000).toFixed(0)} s; ${probed ? `probes set apart (a process stood still): ${setApart}` : `the prober ${r.figures.probes.proberLost ? `was lost (${r.figures.probes.proberLost})` : "reached its 5-minute cap"} before the switch: no probe figure`}; ${run ? `from ${run.anchorCheck}'s failure: zone ${run.zoneMs ?? "—"} ms, last failed probe ${run.lastFailedProbeMs ?? "—"} ms, the engine's report ${run.engineReportLagMs ?? "—"} ms later` : "no failed check after the switch with its moment"}; ${r.figures.probes.failed} failed probes${r.figures.apiFaults ? `; 429s: cutover ${r.figures.apiFaults.cutover?.struck ?? 0}, rollback ${r.figures.apiFaults.rollback?.struck ?? 0}` : ""}`);
            a.deletes += r.figures.dnsRecordDeletes;
            if (r.figures.apiFaults) {
                a.struck.cutover.push(r.figures.apiFaults.cutover?.struck ?? 0);
                a.struck.rollback.push(r.figures.apiFaults.rollback?.struck ?? 0);
            }
        }
    }
    const fig = (xs: Array<number | undefined>) => {
        const known = xs.filter((x): x is number => x !== undefined).map((x) => Math.round(x));
        return known.length > 0 ? figureOf(known) : null;
    };
    return paths.map((path) => {
        const a = acc[path];
        return {
            path,
            engine: version,
            runs,
            perRun: a.perRun,
            seen: a.seen,
            zone: fig(a.perRun.map((x) => x.zoneMs)),
            lastFailedProbe: fig(a.perRun.map((x) => x.lastFailedProbeMs)),
            failedProbes: fig(a.failed),
            cachedVisitor: fig(a.perRun.map((x) => x.cachedVisitorMs)),
            engineReportLag: fig(a.perRun.map((x) => x.engineReportLagMs)),
            recordDeletes: a.deletes,
            ...(rateLimited ? { rateLimited: a.struck } : {}),
        };
    });
}

async function main(): Promise<number> {
    const arg = (name: string) => {
        const i = process.argv.indexOf(name);
        return i >= 0 ? process.argv[i + 1] : undefined;
    };
    const runs = Math.max(1, Math.min(20, Number(arg("--runs") ?? 5)));
    const found = findEngine();
    const engine = (arg("--engine") as "mock" | "pulumi" | undefined) ?? (isEngine(found) ? "pulumi" : "mock");
    const results: Record<string, unknown> = {
        generatedAt: new Date().toISOString(),
        machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    };
    console.log(`load average at the start: ${os.loadavg().map((x) => x.toFixed(2)).join(", ")}`);
    if (!process.argv.includes("--way-back-only")) {
        const rows = await faults();
        results.faults = rows;
        console.log("\nfault                 failed probes  site records moved  stopped by");
        for (const r of rows) console.log(`  ${r.fault.padEnd(20)}  ${String(r.failedProbes).padStart(13)}  ${(r.dnsSwitched ? "yes" : "no").padStart(18)}  ${r.stoppedBy}`);
    }
    let met = true;
    if (!process.argv.includes("--faults-only")) {
        const rateLimited = process.argv.includes("--rate-limited");
        const figures = await wayBack(runs, engine, rateLimited);
        results.wayBack = { goalMs: GOAL_MS, goalFailedProbes: GOAL_FAILED_PROBES, anchor: "the first failed check after the switch, at the moment it stamped (checks/dynamic failedAt)", rateLimited, paths: figures };
        console.log(`\nthe way back (${SWITCH_ONLY_FAULT}${rateLimited ? ", under Cloudflare's rate limit: 429 twice per record update, Retry-After 3 s" : ""}, ${figures[0].engine}, ${runs} run(s) per path, both paths in this run),`);
        console.log("from the first failed check's own moment (the check's failedAt), the same event for both paths:");
        for (const w of figures) {
            const label = w.path === "direct" ? "new: Cloudflare's API at the first failed check" : "today's: the rollback's records-first update";
            console.log(`  ${label}`);
            console.log(`    → both names on the old host at the zone's servers: ${w.zone ? showFigure(w.zone) : "—"}`);
            console.log(`    → the last failed probe:                            ${w.lastFailedProbe ? showFigure(w.lastFailedProbe) : "—"}`);
            console.log(`    failed probes (50 ms a probe per name):             ${w.failedProbes ? showFigure(w.failedProbes, "") : "—"}`);
            console.log(`    records deleted:                                    ${w.recordDeletes}`);
            if (w.rateLimited) console.log(`    429s answered: cutover (direct PATCHes included) ${w.rateLimited.cutover.join(", ")}; rollback ${w.rateLimited.rollback.join(", ")}`);
            console.log(`    (the engine reported the failed check ${w.engineReportLag ? showFigure(w.engineReportLag) : "—"} after the check's moment)`);
        }
        console.log("a visitor behind a caching resolver (the new address kept for the record's TTL after the way back), at the latest:");
        for (const w of figures) console.log(`  ${w.path === "direct" ? "new" : "today's"}: ${w.cachedVisitor ? showFigure(w.cachedVisitor) : "—"} after the first failed check`);
        const direct = figures.find((w) => w.path === "direct");
        met = !!direct?.zone && direct.zone.median <= GOAL_MS && !!direct.failedProbes && direct.failedProbes.median <= GOAL_FAILED_PROBES && direct.recordDeletes === 0;
        console.log(`goal (new path: median ≤ ${GOAL_MS} ms, ≤ ${GOAL_FAILED_PROBES} failed probes, 0 records deleted): ${met ? "met" : "NOT met"}`);
    }
    if (!process.argv.includes("--faults-only") && process.argv.includes("--rate-limited")) console.log("(under --rate-limited the goal is not expected: Cloudflare asks for 2 × 3 s of waiting before each record goes back)");
    console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(", ")} (2 cores: figures taken under load are slower)`);
    saveResults("wayback-results.json", results);
    return met ? 0 : 1;
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (err) => {
            console.error(`bench failed: ${(err as Error).message}`);
            process.exit(2);
        },
    );
}
