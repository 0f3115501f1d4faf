// `golive rehearse [--break <fault>] [--json] [--list-faults]`: the whole go-live on this machine,
// no account needed. Exit 0 when every check passed and no probe failed, 1 otherwise, 2 bad usage.
import { FAULTS } from "../rehearsal/faults";
import type { RehearsalReport } from "../rehearsal/run";
import { PROBE_TIMEOUT_MS, type ProbeFigures } from "../rehearsal/prober";
import { clip, failureSummary } from "../checks/failures";
import { plural } from "../checks/words";
import { Progress } from "../operations/progress";
import { EXIT, parseOptions, reportError, UsageError } from "./args";
import { rehearsalPagePath, writeRehearsalPage } from "./rehearsalPage";

const USAGE = `usage: golive rehearse [--break <fault>] [--engine auto|pulumi|mock] [--json] [--list-faults]

Plays the go-live on a local replica (DNS server, old host, Vercel-like host, CA on loopback):
adopt → prepare → cutover (post-deploy checks as dynamic resources) → checks → report →
rollback to prepare → checks against the old site, while a prober requests the site every 50 ms.
The outside-service checks run against loopback stand-ins: Google's APIs (MEP-13 PageSpeed,
MEP-15 Search Console, MEP-16 Analytics) and, where dovecot is installed, the client's mailbox
fed by the contact form (MEP-12; without it MEP-12 is skipped: apt-get install dovecot-imapd).

  --break <fault>  inject a fault (see --list-faults); the run must show it (and roll back, or
                   stop at the refusal)
  --engine <kind>  pulumi: the real Pulumi CLI (npm run engine builds it) with the replica
                   provider plugins; mock: the embedded mock engine; auto (default): pulumi
                   when this machine has it, else mock
  --json           print the full report as JSON
  --page <file>    where to write the go-live page (default .golive/rehearsal-<time>.html); the key
                   pages are photographed before and after the switch for it (headless Chromium)
  --list-faults    list the faults`;

/** The key pages the rehearsal photographs for its go-live page. */
const REHEARSAL_KEY_PAGES = ["/", "/tarifs", "/contact"];

const ms = (n: number | null) => (n === null ? "—" : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(2)} s`);

/** Probes per second over the prober's life, as achieved (not as asked). */
function probeRate(p: ProbeFigures): string {
    return p.durationMs > 0 ? `${(p.total / (p.durationMs / 1000)).toFixed(1)} probes/s` : "—";
}

/** Why some timed-out probes are not counted as failed: which process stood still. */
function setApartLines(p: ProbeFigures): string[] {
    const half = `for half or more of its wait (at most ${PROBE_TIMEOUT_MS / 1000} s)`;
    return [
        ...(p.stalled ? [`    ${plural(p.stalled, "probe")} timed out while the prober's own process stood still ${half}: the timeout measured the prober, not the site`] : []),
        ...(p.stalledReplica ? [`    ${plural(p.stalledReplica, "probe")} timed out while the replica's process (its DNS and sites) stood still ${half}: the timeout measured the replica, not the go-live`] : []),
    ];
}

/** One line per moment the zone was read: the apex and www records' ids, types and contents. */
function recordLines(records: RehearsalReport["figures"]["records"]): string[] {
    const short = (xs: Array<{ id: string; type: string; content: string }>) => xs.map((x) => `${x.id.slice(0, 8)}… ${x.type} ${x.content}`).join(" + ") || "none";
    return Object.entries(records).map(([when, snap]) => `    ${`${when}:`.padEnd(28)}${short(snap!.apex)} / ${short(snap!.www)}`);
}

/** The CAA records of apex and www at each moment the zone was read. */
function caaLines(records: RehearsalReport["figures"]["records"]): string[] {
    return Object.entries(records).map(([when, snap]) => `    ${`${when}:`.padEnd(28)}${snap!.caa.length ? snap!.caa.join(", ") : "none"}`);
}

/** The check runs of a rehearsal, in the order they happened. */
const RUNS = [
    { key: "cutoverChecks", label: "cutover", title: "cutover" },
    { key: "verifyNew", label: "new site", title: "new site" },
    { key: "verifyOld", label: "after rollback", title: "after rollback" },
] as const;

/**
 * The human-readable end of a rehearsal: phases, one table of every check across the three runs,
 * each failure once (plan ID, first problem, count of the rest), the checklist and the figures.
 * `--json` keeps every reason and all the evidence.
 */
export function renderReport(r: RehearsalReport): string {
    const failures = failureSummary(RUNS.map((run) => ({ label: run.label, results: r[run.key] })));
    return [
        ...headingLines(r),
        ...phaseLines(r.phases),
        ...checkTableLines(r),
        ...(failures.length ? ["", "Failures (each once; --json has every reason and the evidence):", ...failures.map((f) => `  ${f}`)] : []),
        ...checklistLines(r, failures),
        ...figureLines(r),
        ...failedProbeLines(r.figures.probes),
        "",
        verdictLine(r),
    ].join("\n");
}

/** What was rehearsed: the domain, the engine, the fault and what this machine could not rehearse. */
function headingLines(r: RehearsalReport): string[] {
    const out = ["", `Rehearsal of the go-live of ${r.domain}${r.fault ? ` with fault ${r.fault.name}` : ""}`];
    out.push(`  engine: ${r.engine.kind === "pulumi" ? `pulumi ${r.engine.version} with the replica provider plugins` : `embedded mock engine${r.engine.note ? ` (${r.engine.note})` : ""}`}`);
    if (r.fault) out.push(`  fault: ${r.fault.summary}`, `  expected: ${r.fault.expect}`, ...(r.fault.acceptedGap ? [`  accepted gap (measured below, not a failure): ${r.fault.acceptedGap}`] : []));
    if (r.notes.length) out.push("", "Not rehearsed on this machine:", ...r.notes.map((n) => `  ${n}`));
    return out;
}

/** What each phase's `pulumi up` changed: its counts, its DNS records, what stopped it. */
function phaseLines(phases: RehearsalReport["phases"]): string[] {
    const out = ["", "Phases (what `pulumi up` changed):"];
    const change = (c: RehearsalReport["phases"][number]["changes"][number]) =>
        c.op === "update" ? "updated in place" : c.op === "replace" ? `replaced (${c.ids?.before ?? "?"} → ${c.ids?.after ?? "?"})` : c.op === "delete" && c.note === "retained" ? "delete skipped (retainOnDelete)" : c.op === "delete" && c.note ? `deleted (${c.note === "replaced" ? "replaced" : c.note})` : c.op;
    for (const p of phases) {
        const counts = Object.entries(p.counts).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ") || "no change";
        out.push(`  ${p.ok ? "ok    " : "FAILED"} ${p.phase.padEnd(8)} (golive:phase=${p.configPhase}) ${ms(p.durationMs).padStart(8)}  ${p.preview ? "planned: " : ""}${counts}`);
        const records = p.changes.filter((c) => c.type.startsWith("cloudflare:"));
        if (records.length) out.push(`           DNS records: ${records.map((c) => `${c.name} ${change(c)}`).join(", ")}`);
        if (p.errors.length) {
            const ids = [...new Set(p.errors.map((e) => /(MEP-\d+|P-\d+) .+? failed:/.exec(e)?.[1]).filter((x): x is string => !!x))];
            const other = p.errors.filter((e) => !/(MEP-\d+|P-\d+) .+? failed:/.test(e));
            if (ids.length) out.push(`           stopped by ${ids.join(", ")} (see Failures)`);
            for (const e of other) out.push(`           error: ${clip(e, 160)}`);
        }
    }
    return out;
}

/** One row per check, one column per run. */
function checkTableLines(r: RehearsalReport): string[] {
    const rows = new Map<string, { id: string; name: string; statuses: string[] }>();
    RUNS.forEach((run, i) => {
        for (const c of r[run.key]) {
            const row = rows.get(c.id) ?? { id: c.id, name: c.name, statuses: RUNS.map(() => "—") };
            row.statuses[i] = c.status.toUpperCase();
            rows.set(c.id, row);
        }
    });
    if (rows.size === 0) return ["", "Checks:", "  (none ran)"];
    const nameWidth = Math.max(...[...rows.values()].map((x) => x.name.length));
    const sorted = [...rows.values()].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
    return [
        "",
        "Checks:",
        `  ${"".padEnd(6)} ${"".padEnd(nameWidth)}  ${RUNS.map((run) => run.title.padEnd(15)).join("").trimEnd()}`,
        ...sorted.map((row) => `  ${row.id.padEnd(6)} ${row.name.padEnd(nameWidth)}  ${row.statuses.map((x) => x.padEnd(15)).join("").trimEnd()}`),
    ];
}

/** The plan's checklist (the rollback's manual lines left out); a failed check's evidence is under Failures. */
function checklistLines(r: RehearsalReport, failures: string[]): string[] {
    const out = ["", `Checklist (plan-mep.md), phase ${r.rollback ? `${r.phase}${r.failedUpdate ? " (failed)" : ""}, then rolled back to ${r.rollback.to}` : r.phase}:`];
    const width = Math.max(...r.checklist.map((l) => l.id.length));
    for (const l of r.checklist) {
        if (l.phase === "rollback" && l.status === "manual") continue;
        // A failed line's evidence is its check's reason: already under Failures.
        const evidence = l.status === "failed" && /^(MEP|P)-/.test(l.id) && failures.some((f) => f.startsWith(`${l.id} `)) ? "see Failures" : clip(l.evidence, 160);
        out.push(`  ${l.id.padEnd(width)}  ${l.status.padEnd(10)}  ${l.action}${evidence ? ` — ${evidence}` : ""}`);
    }
    return out;
}

/** The figures: the visitors' probes, the switch and the way back, the records, the certificate, the stand-ins, the time. */
function figureLines(r: RehearsalReport): string[] {
    const f = r.figures;
    const goal = r.fault?.acceptedGap ? "the accepted gap" : "goal 0";
    return [
        "",
        "Figures:",
        `  failed probes during cutover   ${f.failedProbesCutover}  (${goal})`,
        `  failed probes during rollback  ${f.failedProbesRollback}  (${goal})`,
        `  probes                         ${f.probes.total} (${f.probes.failed} failed${f.probes.stalled + f.probes.stalledReplica ? `, ${f.probes.stalled + f.probes.stalledReplica} set apart` : ""}), every 50 ms on www and apex from a process of their own (${probeRate(f.probes)}; started in ${ms(f.probes.proberStartMs)})`,
        ...setApartLines(f.probes),
        ...cachedVisitorLines(f.cachedVisitorProbes),
        `  DNS switch → all checks green  ${ms(f.dnsSwitchToGreenMs)}`,
        ...(f.apiFaults
            ? [`  under the API faults           cutover ${f.apiFaults.cutover ? `${ms(f.apiFaults.cutover.ms)} (${f.apiFaults.cutover.struck} failed answers)` : "—"}, rollback ${f.apiFaults.rollback ? `${ms(f.apiFaults.rollback.ms)} (${f.apiFaults.rollback.struck} failed answers)` : "—"}`]
            : []),
        ...wayBackLines(f),
        `  DNS record deletions           ${f.dnsRecordDeletes}  (goal 0: updated in place${r.fault?.acceptedGap ? "; this fault accepts a gap" : ""})`,
        `  resources replaced             ${f.replacements}`,
        `  apex / www records (id, type, content)`,
        ...recordLines(f.records),
        `  certificate (www)              ${certificateFigure(f.certificate, f.dnsSwitched)}`,
        ...(Object.values(f.records).some((x) => x && x.caa.length > 0) ? ["  CAA records of apex and www", ...caaLines(f.records)] : []),
        `  longest event-loop stall       ${ms(f.probes.eventLoopMaxMs)} in the replica's process, ${ms(f.probes.proberEventLoopMaxMs)} in the prober's  (probe timeout ${PROBE_TIMEOUT_MS / 1000} s)`,
        `  outside-service stand-ins      ${standInsFigure(r.outsideServices)}`,
        `  total time                     ${ms(f.totalMs)}`,
    ];
}

/** The visitors behind a caching resolver, when the fault asked for them: who served them in the cutover and the rollback. */
function cachedVisitorLines(p: ProbeFigures | undefined): string[] {
    if (!p) return [];
    return [
        `  behind a caching resolver      ${p.total} probes (${p.failed} failed): visitors who keep each answer for its TTL`,
        ...["cutover", "rollback"].map((phase) => `    ${`${phase}:`.padEnd(28)}served by ${Object.entries(p.byPhase[phase]?.servedBy ?? {}).map(([by, n]) => `${by} ${n}`).join(", ") || "—"}`),
    ];
}

/** R-1 decided at once after a failed check: how soon the old host was back, at the zone's servers, on both names, behind a caching resolver. */
function wayBackLines(f: RehearsalReport["figures"]): string[] {
    return [
        ...(f.wayBack?.zoneMs !== undefined ? [`  first failed check → old host at the zone's servers  ${ms(f.wayBack.zoneMs)}  (${f.wayBack.how === "direct" ? "by Cloudflare's API at the first failed check" : "by the rollback's records-first update"})`] : []),
        ...(f.failedCheckToOldSiteMs !== null ? [`  first failed check → old site  ${ms(f.failedCheckToOldSiteMs)}  (probed on both names; R-1 decided at once, as --auto-rollback; the rehearsal's own verify in between left out)`] : []),
        ...(f.wayBack?.cachedVisitorMs !== undefined ? [`  behind a caching resolver      up to ${ms(f.wayBack.cachedVisitorMs)} after the first failed check on the new address (the record's TTL after the way back)`] : []),
    ];
}

/** What the outside-service checks asked of their stand-ins. */
function standInsFigure(s: RehearsalReport["outsideServices"]): string {
    const sitemaps = Object.values(s.sitemaps).reduce((n, feeds) => n + feeds.length, 0);
    if (s.psiRequests + sitemaps + s.realtimeRequests + s.mailsDelivered === 0) return "not asked (the outside-service checks did not run)";
    const mail = s.mailbox ? `${plural(s.mailsDelivered, "form mail")} into the loopback mailbox` : "no mailbox (MEP-12 skipped)";
    return `${plural(s.psiRequests, "PageSpeed analysis", "PageSpeed analyses")}, ${plural(sitemaps, "sitemap")} submitted, ${plural(s.realtimeRequests, "GA4 realtime report")}, ${mail}`;
}

/** The failed probes by kind: the same failure seen again and again is one line with its count and first time. */
function failedProbeLines(p: ProbeFigures): string[] {
    if (!p.failures.length) return [];
    const kinds = new Map<string, { first: ProbeFigures["failures"][number]; count: number }>();
    for (const probe of p.failures) {
        const detail = probe.detail.startsWith(`${probe.url}: `) ? probe.detail.slice(probe.url.length + 2) : probe.detail;
        const key = `${probe.url}\n${detail}`;
        const k = kinds.get(key) ?? { first: { ...probe, detail }, count: 0 };
        k.count++;
        kinds.set(key, k);
    }
    return [
        "",
        `Failed probes (${p.failed} in all; the first ${p.failures.length}, by kind):`,
        ...[...kinds.values()].map(({ first, count }) => `  from +${ms(first.at)} [${first.phase}] ${first.url}: ${clip(first.detail, 160)}${count > 1 ? ` (×${count})` : ""}`),
    ];
}

/** REHEARSAL OK, or what failed: the failed checks in one line (their reasons are under Failures), every other problem on its own. */
function verdictLine(r: RehearsalReport): string {
    if (r.ok) return "REHEARSAL OK";
    const checkProblem = /^(after rollback: )?(MEP-\d+|P-\d+) .+? failed: /;
    const failedIds = [...new Set(r.problems.filter((p) => checkProblem.test(p)).map((p) => checkProblem.exec(p)![2]))];
    const others = r.problems.filter((p) => !checkProblem.test(p));
    const lines = [...(failedIds.length ? [`${plural(failedIds.length, "check")} failed: ${failedIds.join(", ")} (see Failures)`] : []), ...others.map((p) => clip(p, 160))];
    return `REHEARSAL FAILED:\n${lines.map((p) => `  - ${p}`).join("\n")}`;
}

export async function main(argv: string[]): Promise<number> {
    let fault: string | undefined;
    let engine: "auto" | "pulumi" | "mock" = "auto";
    let json = false;
    let page: string | undefined;
    try {
        const values = parseOptions(argv, {
            break: { type: "string" },
            engine: { type: "string", default: "auto" },
            json: { type: "boolean", default: false },
            page: { type: "string" },
            "list-faults": { type: "boolean", default: false },
            help: { type: "boolean", short: "h", default: false },
        });
        if (values.help) {
            console.log(USAGE);
            return EXIT.ok;
        }
        if (values["list-faults"]) {
            for (const f of FAULTS) console.log(`${f.name.padEnd(18)} ${f.summary}\n${"".padEnd(18)} shows: ${f.expect}`);
            return EXIT.ok;
        }
        fault = values.break;
        json = values.json ?? false;
        page = values.page;
        if (page === "") throw new UsageError("--page needs a file name");
        if (fault !== undefined && !FAULTS.some((f) => f.name === fault)) {
            throw new UsageError(`--break takes one of ${FAULTS.map((f) => f.name).join(", ")}, got ${JSON.stringify(fault)}`);
        }
        const kind = values.engine;
        if (kind !== "auto" && kind !== "pulumi" && kind !== "mock") throw new UsageError(`--engine takes auto, pulumi or mock, got ${JSON.stringify(kind)}`);
        engine = kind;
    } catch (err) {
        return reportError("rehearse", err, USAGE, (t) => console.error(t));
    }
    // Named now: R-3's message of a rolled-back cutover links it (written once the rehearsal returns).
    const target = rehearsalPagePath(page, new Date());
    // Loaded here: the rehearsal pulls in the Pulumi SDK and the providers.
    const progress = new Progress((line) => console.error(line), { prefix: "golive rehearse" });
    const { rehearse } = await progress.during("loading the Pulumi SDK and the program", () => import("../rehearsal/run"), { announce: true });
    let report: RehearsalReport;
    // Ctrl-C or SIGTERM (a `timeout`) ends the rehearsal with everything it started: the engine runs
    // (their guards end them and their plugins), the prober, the IMAP server (issue 17).
    const { stopRehearsalOnSignal } = await import("../operations/engineGuard");
    const uninstall = stopRehearsalOnSignal((line) => console.error(line));
    try {
        report = await rehearse({ ...(fault ? { fault } : {}), engine, screenshots: REHEARSAL_KEY_PAGES, pageLink: target, log: json ? undefined : (line) => console.log(line), progress: (line) => console.error(line) });
    } catch (err) {
        // --engine pulumi on a machine without the engine: say how to get it.
        console.error(`golive rehearse: ${(err as Error).message}`);
        return EXIT.failed;
    } finally {
        uninstall();
    }
    console.log(json ? JSON.stringify(report, null, 2) : renderReport(report));
    // The go-live page (issue 26), so a newcomer sees it on the first run.
    console.error(writeRehearsalPage(report, target));
    return report.ok ? EXIT.ok : EXIT.failed;
}

/** How the www certificate came, said from what the replica recorded. */
function certificateFigure(c: RehearsalReport["figures"]["certificate"], switched: boolean): string {
    if (c.refused) return `not issued: ${c.refused}`;
    const how = c.via === "dns-01" ? "by DNS-01 at prepare" : c.via === "http-01" ? "once DNS pointed to Vercel" : c.via === "existing" ? "already held by Vercel" : "";
    const waited = c.checkWaitedMs !== null ? `; MEP-08 waited ${ms(c.checkWaitedMs)} after the switch` : "";
    if (c.issuedBeforeSwitchMs !== null) return `issued ${how}, ${ms(c.issuedBeforeSwitchMs)} before the switch${waited}`;
    if (c.issuedAfterSwitchMs !== null) return `issued ${how}, ${ms(c.issuedAfterSwitchMs)} after the switch (visitors met Vercel's *.vercel.app certificate meanwhile)${waited}`;
    if (c.via) return `issued ${how}${switched ? "" : "; DNS never switched"}`;
    return switched ? "not issued" : "— (DNS never switched)";
}
