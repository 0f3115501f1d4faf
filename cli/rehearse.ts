// `golive rehearse [--break <fault>] [--json] [--list-faults]`: the whole go-live on this machine,
// no account needed. Exit 0 when every check passed and no probe failed, 1 otherwise, 2 bad usage.
import { FAULTS } from "../rehearsal/faults";
import { PROBE_TIMEOUT_MS, type RehearsalReport } from "../rehearsal/run";

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
  --list-faults    list the faults`;

// Long reasons (one clause per page) are cut in the summary; --json keeps them whole.
const clip = (s: string, max = 240) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const ms = (n: number | null) => (n === null ? "—" : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(2)} s`);

/** One line per moment the zone was read: the apex and www records' ids, types and contents. */
function recordLines(records: RehearsalReport["figures"]["records"]): string[] {
    const short = (xs: Array<{ id: string; type: string; content: string }>) => xs.map((x) => `${x.id.slice(0, 8)}… ${x.type} ${x.content}`).join(" + ") || "none";
    return Object.entries(records).map(([when, snap]) => `    ${`${when}:`.padEnd(28)}${short(snap!.apex)} / ${short(snap!.www)}`);
}

/** The CAA records of apex and www at each moment the zone was read. */
function caaLines(records: RehearsalReport["figures"]["records"]): string[] {
    return Object.entries(records).map(([when, snap]) => `    ${`${when}:`.padEnd(28)}${snap!.caa.length ? snap!.caa.join(", ") : "none"}`);
}

/** The human-readable end of a rehearsal: per-phase changes, checks, checklist, figures. */
export function renderReport(r: RehearsalReport): string {
    const out: string[] = [];
    out.push("", `Rehearsal of the go-live of ${r.domain}${r.fault ? ` with fault ${r.fault.name}` : ""}`);
    out.push(`  engine: ${r.engine.kind === "pulumi" ? `pulumi ${r.engine.version} with the replica provider plugins` : `embedded mock engine${r.engine.note ? ` (${r.engine.note})` : ""}`}`);
    if (r.fault) out.push(`  fault: ${r.fault.summary}`, `  expected: ${r.fault.expect}`, ...(r.fault.acceptedGap ? [`  accepted gap (measured below, not a failure): ${r.fault.acceptedGap}`] : []));
    if (r.notes.length) out.push("", "Not rehearsed on this machine:", ...r.notes.map((n) => `  ${n}`));
    out.push("", "Phases (what `pulumi up` changed):");
    const change = (c: RehearsalReport["phases"][number]["changes"][number]) =>
        c.op === "update" ? "updated in place" : c.op === "replace" ? `replaced (${c.ids?.before ?? "?"} → ${c.ids?.after ?? "?"})` : c.op === "delete" && c.note === "retained" ? "delete skipped (retainOnDelete)" : c.op === "delete" && c.note ? `deleted (${c.note === "replaced" ? "replaced" : c.note})` : c.op;
    for (const p of r.phases) {
        const counts = Object.entries(p.counts).filter(([, n]) => n > 0).map(([op, n]) => `${n} ${op}`).join(", ") || "no change";
        out.push(`  ${p.ok ? "ok    " : "FAILED"} ${p.phase.padEnd(8)} (golive:phase=${p.configPhase}) ${ms(p.durationMs).padStart(8)}  ${p.preview ? "planned: " : ""}${counts}`);
        const records = p.changes.filter((c) => c.type.startsWith("cloudflare:"));
        if (records.length) out.push(`           DNS records: ${records.map((c) => `${c.name} ${change(c)}`).join(", ")}`);
        for (const e of p.errors) out.push(`           error: ${e.split("\n")[0]}`);
    }
    const table = (title: string, results: RehearsalReport["verifyNew"]) => {
        out.push("", title);
        for (const c of results) out.push(`  ${c.id.padEnd(6)} ${c.status.toUpperCase().padEnd(4)} ${c.name}: ${clip(c.reason)}`);
        if (results.length === 0) out.push("  (none ran)");
    };
    table("Post-deploy checks run by the cutover (dynamic resources):", r.cutoverChecks);
    table("Checks after the cutover (golive verify, new site):", r.verifyNew);
    table("Checks after the rollback (old site):", r.verifyOld);
    out.push("", "Checklist (plan-mep.md):");
    const width = Math.max(...r.checklist.map((l) => l.id.length));
    for (const l of r.checklist) {
        if (l.phase === "rollback") continue;
        out.push(`  ${l.id.padEnd(width)}  ${l.status.padEnd(10)}  ${l.action}${l.evidence ? ` — ${l.evidence}` : ""}`);
    }
    const f = r.figures;
    const s = r.outsideServices;
    const sitemaps = Object.values(s.sitemaps).reduce((n, feeds) => n + feeds.length, 0);
    const mail = s.mailbox ? `${s.mailsDelivered} form mail(s) into the loopback mailbox` : "no mailbox (MEP-12 skipped)";
    const goal = r.fault?.acceptedGap ? "the accepted gap" : "goal 0";
    out.push(
        "",
        "Figures:",
        `  failed probes during cutover   ${f.failedProbesCutover}  (${goal})`,
        `  failed probes during rollback  ${f.failedProbesRollback}  (${goal})`,
        `  probes                         ${f.probes.total} (${f.probes.failed} failed), every 50 ms on www and apex`,
        `  DNS switch → all checks green  ${ms(f.dnsSwitchToGreenMs)}`,
        `  DNS record deletions           ${f.dnsRecordDeletes}  (goal 0: updated in place${r.fault?.acceptedGap ? "; this fault accepts a gap" : ""})`,
        `  resources replaced             ${f.replacements}`,
        `  apex / www records (id, type, content)`,
        ...recordLines(f.records),
        `  certificate (www)              ${f.certificate.refused ? `not issued: ${f.certificate.refused}` : f.certificate.issuedAfterSwitchMs === null ? "—" : `issued ${ms(f.certificate.issuedAfterSwitchMs)} after the switch`}${f.certificate.checkWaitedMs !== null ? `; MEP-08 waited ${ms(f.certificate.checkWaitedMs)}` : ""}`,
        ...(Object.values(f.records).some((x) => x && x.caa.length > 0) ? ["  CAA records of apex and www", ...caaLines(f.records)] : []),
        `  longest event-loop stall       ${ms(f.probes.eventLoopMaxMs)}  (probe timeout ${PROBE_TIMEOUT_MS / 1000} s)`,
        `  outside-service stand-ins      ${s.psiRequests + sitemaps + s.realtimeRequests + s.mailsDelivered === 0 ? "not asked (the outside-service checks did not run)" : `${s.psiRequests} PageSpeed analyses, ${sitemaps} sitemap(s) submitted, ${s.realtimeRequests} GA4 realtime report(s), ${mail}`}`,
        `  total time                     ${ms(f.totalMs)}`,
    );
    if (f.probes.failures.length) {
        out.push("", "First failed probes:");
        for (const s of f.probes.failures.slice(0, 5)) out.push(`  +${ms(s.at)} [${s.phase}] ${s.url}: ${s.detail}`);
    }
    out.push("", r.ok ? "REHEARSAL OK" : `REHEARSAL FAILED:\n${r.problems.map((p) => `  - ${clip(p.split("\n")[0])}`).join("\n")}`);
    return out.join("\n");
}

export async function main(argv: string[]): Promise<number> {
    let fault: string | undefined;
    let engine: "auto" | "pulumi" | "mock" = "auto";
    let json = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--help" || a === "-h") {
            console.log(USAGE);
            return 0;
        } else if (a === "--list-faults") {
            for (const f of FAULTS) console.log(`${f.name.padEnd(18)} ${f.summary}\n${"".padEnd(18)} shows: ${f.expect}`);
            return 0;
        } else if (a === "--json") {
            json = true;
        } else if (a === "--engine" || a.startsWith("--engine=")) {
            const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
            if (v !== "auto" && v !== "pulumi" && v !== "mock") {
                console.error(`golive rehearse: --engine must be auto, pulumi or mock, got ${JSON.stringify(v ?? "")}\n\n${USAGE}`);
                return 2;
            }
            engine = v;
        } else if (a === "--break" || a.startsWith("--break=")) {
            fault = a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[++i];
            if (!fault || !FAULTS.some((f) => f.name === fault)) {
                console.error(`golive rehearse: --break needs one of ${FAULTS.map((f) => f.name).join(", ")}\n\n${USAGE}`);
                return 2;
            }
        } else {
            console.error(`golive rehearse: unknown option ${a}\n\n${USAGE}`);
            return 2;
        }
    }
    // Loaded here: the rehearsal pulls in the Pulumi SDK and the providers.
    const { rehearse } = await import("../rehearsal/run");
    let report: RehearsalReport;
    try {
        report = await rehearse({ ...(fault ? { fault } : {}), engine, log: json ? (line) => (line.startsWith("engine:") ? console.error(line) : undefined) : (line) => console.log(line) });
    } catch (err) {
        console.error(`golive rehearse: ${(err as Error).message}`);
        return 1;
    }
    console.log(json ? JSON.stringify(report, null, 2) : renderReport(report));
    return report.ok ? 0 : 1;
}
