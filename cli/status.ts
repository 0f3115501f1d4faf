// `golive status --stack <name>`: where the go-live stands. First where the site is, really
// (operations/siteLook: the records Cloudflare holds against the stack's state and the phases, a run under
// way or interrupted, what it left, the ways on); then the phase the stack has reached and its last
// update with its result (the stack history), what to do next, and whether the site answers as
// that phase expects: a quick verify (checks/suite) with the stack's golive:checks settings, DNS
// compared with the records as last applied.
import { runSuite, formatTable } from "../checks/suite";
import { summarize, type CheckResult } from "../checks/types";
import { plural } from "../checks/words";
import { parseChecksConfig, suiteSettingsOf } from "../config/checksConfig";
import { NAMESPACE } from "../config/config";
import { historyFactsOf, lastApplied, latestUpdate, phaseOf, updateName, UpdateEntry, type ConfigMap } from "../operations/phaseGates";
import { DEFAULT_DEPS, parseGuidedArgs } from "./guided";
import { GuidedDeps } from "../operations/guided";
import { GuidedStack, openStack, readConfig, readHistory, readOutputs } from "../operations/engineStack";
import { valuesOrExit } from "./args";
import { lookAtSite, lookLines } from "../operations/siteLook";
import { readRunLock, runLockFile } from "../operations/runLock";
import type { SiteState } from "../operations/siteState";
import { waysOn, whatNext } from "../operations/siteState";
import { recordSaysInterrupted } from "../rendering/recordFile";
import * as path from "path";
import { failureSummary, messageTitle, parseFailureNote } from "../operations/failureNote";

export const USAGE = [
    "usage: golive status --stack <stack> [--dir <project dir>] [--records <dir>]",
    "       golive status --all [--markdown] [--dir <project dir>]   (every stack of the clone: golive status --all --help)",
    "",
    "The phase the stack has reached, its last update and result, the next step, and a quick verify",
    "of the site as that phase expects (DNS = the records as applied; the new site's checks after cutover).",
    "Exit code: 0 the site answers as expected, 1 it does not or an interrupted run left something to clear (golive recover), 2 bad usage or no engine.",
].join("\n");

/** A quick verify: seconds, not the cutover's long propagation wait. */
const QUICK_DNS_TIMEOUT_MS = 10_000;
const BEFORE_CUTOVER = ["dns", "https"];
const AFTER_CUTOVER = ["dns", "tls", "https", "redirects", "smoke", "seo"];

function ago(ms: number): string {
    const s = Math.round(ms / 1000);
    if (s < 120) return `${s} s ago`;
    if (s < 7200) return `${Math.round(s / 60)} min ago`;
    if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86_400)} days ago`;
}

function describeUpdate(e: UpdateEntry, now: number): string {
    const end = e.endTime ? new Date(e.endTime) : new Date(e.startTime);
    const title = messageTitle(e.message);
    return `${e.version ? `#${e.version} ` : ""}${e.kind} of ${phaseOf(e)}: ${e.result} at ${end.toISOString()} (${ago(now - end.getTime())})${title ? ` — "${title.length > 160 ? title.slice(0, 160) + "…" : title}"` : ""}`;
}

/** The quick verify as printed: what was checked, the table, and whether the site answers as the phase applied expects. */
export function siteSummary(phase: string | undefined, only: string[], results: CheckResult[]): string[] {
    const failed = summarize(results).failed;
    const expectation = phase ? `as ${phase} expects` : "as expected before adopt";
    return [
        `Site (quick verify, ${expectation}: ${only.join(", ")}):`,
        formatTable(results),
        failed === 0 ? `The site answers ${expectation}.` : `The site does NOT answer ${expectation}: ${plural(failed, "check")} failed.`,
    ];
}

export interface StatusReport {
    code: number;
    site?: SiteState;
    phase?: string;
    next?: string;
    checks?: ReturnType<typeof summarize>;
}

export async function status(stack: string, dir: string, deps: GuidedDeps, recordsDir?: string): Promise<StatusReport> {
    let gs: GuidedStack;
    try {
        gs = await openStack(stack, dir, deps.env);
    } catch (err) {
        deps.err(`golive status: ${(err as Error).message}`);
        return { code: 2 };
    }
    const history = await readHistory(gs);
    const latest = latestUpdate(history);
    const applied = lastApplied(history);
    const outputs = await readOutputs(gs).catch((): Record<string, unknown> => ({}));
    let map: ConfigMap = {};
    let configProblem: string | undefined;
    try {
        map = await readConfig(gs);
    } catch (err) {
        configProblem = (err as Error).message;
    }
    const zone = outputs.zone as { name?: string } | undefined;
    const domain = map[`${NAMESPACE}:domain`]?.value || zone?.name;
    const phase = applied ? phaseOf(applied) : undefined;
    const now = deps.now();
    deps.out(`golive status — stack ${stack}${domain ? ` (${domain})` : ""}`);
    // Where the site is, really: from the records, the locks and the state as they are now.
    const held = readRunLock(runLockFile(dir, stack));
    const look = await lookAtSite(gs, { map, history, outputs, ...(held ? { run: held } : {}), records: !!domain });
    for (const l of lookLines(look)) deps.out(l);
    for (const w of waysOn(stack, look.site)) deps.out(`  → ${w}`);
    deps.out(`  phase:       ${phase ? `${phase} (applied by ${updateName(applied!)})` : "none applied yet"}`);
    deps.out(`  last update: ${latest ? describeUpdate(latest, now) : "none"}`);
    // A rollback's update carries what failed and who decided (operations/failureNote).
    const note = history.map((e) => ({ e, n: parseFailureNote(e.message) })).find((x) => x.n);
    if (note?.n && (!applied || note.e === applied || new Date(note.e.startTime) >= new Date(applied.startTime))) {
        deps.out(`  failure:     ${failureSummary(note.n)}${note.n.decision ? `; rolled back, R-1 decided by ${note.n.decision.by} at ${note.n.decision.at} (${note.n.decision.how})` : ""}`);
    }
    const filePhase = map[`${NAMESPACE}:phase`]?.value;
    if (filePhase && phase && filePhase !== phase) deps.out(`  stack file:  golive:phase is ${filePhase}: the next \`pulumi up\` applies ${filePhase}`);
    if (configProblem) deps.out(`  stack file:  ${configProblem}`);
    // One source for what next: where the site is (the records), then the history (and the record
    // of an update stopped by the operator, which the history counts as failed).
    const latestInterrupted = latest && latest.result === "failed" ? recordSaysInterrupted(recordsDir ?? path.join(dir, "records"), stack, phaseOf(latest), new Date(latest.startTime)) : undefined;
    const next = whatNext(stack, look.site, historyFactsOf(latest, applied, latestInterrupted));
    deps.out(`  next:        ${next}`);
    if (!domain) {
        deps.out("Site: not checked (no golive:domain)");
        return { code: 1, ...(phase ? { phase } : {}), next };
    }

    let checksCfg;
    try {
        checksCfg = parseChecksConfig(map[`${NAMESPACE}:checks`]?.value);
    } catch (err) {
        deps.err(`golive status: ${(err as Error).message}`);
        return { code: 1, ...(phase ? { phase } : {}), next };
    }
    // What the records hold as last applied: the old host before cutover, Vercel after.
    const records = outputs.dnsRecords as { apex?: { content?: string | null }; www?: { content?: string | null } } | undefined;
    const contents = (r?: { content?: string | null }) => (r?.content ? [r.content.toLowerCase().replace(/\.$/, "")] : []);
    const expected = records ? { apex: contents(records.apex), www: contents(records.www) } : undefined;
    const settings = suiteSettingsOf(domain, checksCfg, expected && (expected.apex.length > 0 || expected.www.length > 0) ? expected : undefined);
    settings.dnsTimeoutMs = Math.min(settings.dnsTimeoutMs ?? QUICK_DNS_TIMEOUT_MS, QUICK_DNS_TIMEOUT_MS);
    const only = phase === "cutover" ? AFTER_CUTOVER : BEFORE_CUTOVER;
    const results = await runSuite(settings, checksCfg.network ?? {}, { only });
    const totals = summarize(results);
    for (const line of siteSummary(phase, only, results)) deps.out(line);
    return { code: totals.failed === 0 && !look.site.needsRecovery ? 0 : 1, ...(phase ? { phase } : {}), next, checks: totals, site: look.site };
}

export async function main(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    if (argv.includes("--all")) return (await import("./statusAll")).main(argv, deps);
    const args = valuesOrExit("status", parseGuidedArgs(argv, ["--stack", "--dir", "--records"]), USAGE, deps);
    if (typeof args === "number") return args;
    return (await status(args.stack, args.dir, deps, args.records)).code;
}
