// `golive watch --stack <name>`: a live site looked at again, as the scheduled workflow does every
// hour in its first days and every day after. golive verify's checks with the stack's settings (DNS
// expected as the stack holds the records), the certificate's days left (under 21 is a problem),
// and drift: `pulumi refresh --preview-only` through the Automation API, what the providers read
// now against what the stack holds. The result is kept as the stack tag golive:watch in the
// backend; the stack's webhook (golive:notify.webhookUrl) is told only when the status changes.
// `golive watch --list` says which stacks are live and how often each is watched.
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { formatTable, runSuite } from "../checks/suite";
import { summarize, type CheckResult, type NetOptions } from "../checks/types";
import { describeError, httpRequestWithRetry } from "../checks/net";
import { NAMESPACE } from "../config/config";
import { parseChecksConfig, suiteSettingsOf } from "../config/checksConfig";
import { isLoopbackHost } from "../shared/loopback";
import { redact } from "../shared/redact";
import { runUrlOf } from "../operations/ciContext";
import { lastApplied, phaseOf, type ConfigMap } from "../operations/phaseGates";
import { reasonLine } from "../checks/failures";
import {
    cadenceOf,
    certDaysOf,
    CERT_WARN_DAYS,
    changeOf,
    decodeMemo,
    DEFAULT_HOURLY_DAYS,
    driftChanges,
    encodeMemo,
    expectedRecordsOf,
    watchedSince,
    problemsOf,
    watchMessage,
    WATCH_CHECKS,
    WATCH_TAG,
    type Cadence,
    type DriftItem,
    type StatusChange,
    type WatchMemo,
    type WatchResult,
} from "../operations/watch";
import { checkedStackName, parseCommandLine, valuesOrExit } from "./args";
import { DEFAULT_DEPS, PROGRAM_DIR } from "./guided";
import type { GuidedDeps } from "../operations/guided";
import { cliMessage, openStack, readConfig, readHistory, readOutputs, type GuidedStack } from "../operations/engineStack";
import { stacksIn, surveyStacks } from "../operations/stackSurvey";

export const USAGE = [
    "usage: golive watch --stack <stack> [--notify] [--markdown] [--dir <project dir>]",
    "       golive watch --list [--cadence hourly|daily|all] [--stack <stack>] [--hourly-days <n>] [--json] [--dir <project dir>]",
    "",
    "A live stack (its last successful update is a cutover) looked at again: golive verify's checks with the",
    `stack's settings and DNS as the stack holds it, the certificate's days left (under ${CERT_WARN_DAYS} is a problem), and`,
    "drift (pulumi refresh --preview-only: what the providers read now against what the stack holds). The result",
    `is kept as the stack tag ${WATCH_TAG}; with --notify the stack's webhook (golive:notify.webhookUrl) is told when`,
    "the status changed since the last watch (a problem appears or clears), and only then.",
    "",
    "  --notify              post to the stack's webhook on a change of status",
    "  --markdown            print the result as Markdown on stdout (a CI run's summary); the plain lines go to stderr",
    "  --list                the live stacks of the clone, with how often each is watched: hourly during its first",
    `                        --hourly-days days after the cutover (default ${DEFAULT_HOURLY_DAYS}), daily after; --cadence hourly lists`,
    "                        those watched hourly, daily (or all) every live stack; --json prints [{\"stack\":…}] for a matrix",
    "",
    "Exit code: 0 no problem (or not live: nothing to watch), 1 a problem found or the webhook could not be told,",
    "2 bad usage or the stack could not be read.",
].join("\n");

const OPTIONS = {
    stack: { type: "string" },
    notify: { type: "boolean" },
    markdown: { type: "boolean" },
    list: { type: "boolean" },
    cadence: { type: "string" },
    "hourly-days": { type: "string" },
    json: { type: "boolean" },
    dir: { type: "string" },
} as const;

/** A quick verify: seconds, not the cutover's long propagation wait. */
const QUICK_DNS_TIMEOUT_MS = 10_000;

/** Drift: what a refresh would change in the stack's state (never applied). */
export async function driftOf(gs: GuidedStack, env: NodeJS.ProcessEnv): Promise<{ drift: DriftItem[]; resources: number } | { note: string }> {
    // --preview-only refuses --yes, which PULUMI_SKIP_CONFIRMATIONS gives every command.
    const { PULUMI_SKIP_CONFIRMATIONS: _skip, ...quiet } = env;
    void _skip;
    let stack = gs.stack;
    if (env.PULUMI_SKIP_CONFIRMATIONS !== undefined) stack = (await openStack(gs.name, gs.dir, quiet)).stack;
    const drift: DriftItem[] = [];
    let resources = 0;
    const onEvent = (e: EngineEvent) => {
        const m = e.resOutputsEvent?.metadata;
        if (!m || m.type === "pulumi:pulumi:Stack" || m.type.startsWith("pulumi:providers:")) return;
        resources++;
        if (m.op === "same" || m.op === "refresh") return;
        const olds = (m.old?.outputs ?? {}) as Record<string, unknown>;
        const news = (m.new?.outputs ?? {}) as Record<string, unknown>;
        drift.push({ resource: m.urn.split("::").pop() ?? m.urn, type: m.type, changes: m.op === "delete" ? [{ field: "(gone: the provider no longer finds it)" }] : driftChanges(m.type, olds, news) });
    };
    try {
        await stack.previewRefresh({ onEvent, message: "golive watch: drift" });
    } catch (err) {
        const said = cliMessage(err);
        return { note: /locked|currently (being )?updat|conflict/i.test(said) ? `another operation holds the stack (${said}): drift not checked this time` : `drift could not be checked: ${said}` };
    }
    return { drift: drift.sort((a, b) => a.resource.localeCompare(b.resource)), resources };
}

/** Posts the message to the webhook; the URL (its secret) never appears in what is said. */
async function postWebhook(url: string, text: string, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; said: string }> {
    let host: string;
    try {
        host = new URL(url).hostname;
    } catch {
        return { ok: false, said: "golive:notify.webhookUrl is not a URL" };
    }
    if (env.GOLIVE_LOOPBACK_ONLY && !isLoopbackHost(host)) return { ok: false, said: `the webhook on ${host} refused: GOLIVE_LOOPBACK_ONLY is set` };
    try {
        const res = await httpRequestWithRetry(url, { timeoutMs: 10_000, attempts: 3 }, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text }), call: "webhook" });
        return res.status >= 200 && res.status < 300 ? { ok: true, said: `posted to the webhook on ${host} (HTTP ${res.status})` } : { ok: false, said: `the webhook on ${host} answered HTTP ${res.status}` };
    } catch (err) {
        const { scrubUrl } = await import("../checks/notify");
        return { ok: false, said: `the webhook on ${host} could not be reached: ${redact(scrubUrl(describeError(err), url))}` };
    }
}

function webhookOf(map: ConfigMap): string | undefined {
    try {
        const url = (JSON.parse(map[`${NAMESPACE}:notify`]?.value ?? "{}") as { webhookUrl?: unknown }).webhookUrl;
        return typeof url === "string" && url ? url : undefined;
    } catch {
        return undefined;
    }
}

export interface WatchRun {
    code: number;
    live: boolean;
    result?: WatchResult;
    change?: StatusChange;
    previous?: WatchMemo;
    /** What happened with the webhook. */
    webhook?: string;
    results?: CheckResult[];
}

export async function watchStack(o: { stack: string; dir: string; notify: boolean }, deps: GuidedDeps): Promise<WatchRun> {
    const say = deps.out;
    let gs: GuidedStack;
    try {
        gs = await openStack(o.stack, o.dir, deps.env);
    } catch (err) {
        deps.err(`golive watch: ${(err as Error).message}`);
        return { code: 2, live: false };
    }
    const history = await readHistory(gs, 20);
    const watched = watchedSince(history);
    if (!watched) {
        const applied = lastApplied(history);
        say(`golive watch — stack ${o.stack}: not live (${applied ? `its last successful update applied ${phaseOf(applied)}` : "nothing applied yet"}): nothing to watch`);
        return { code: 0, live: false };
    }
    let map: ConfigMap;
    try {
        map = await readConfig(gs);
    } catch (err) {
        deps.err(`golive watch: the stack config cannot be read: ${(err as Error).message}`);
        return { code: 2, live: true };
    }
    const outputs = await readOutputs(gs).catch((): Record<string, unknown> => ({}));
    const domain = map[`${NAMESPACE}:domain`]?.value || (outputs.zone as { name?: string } | undefined)?.name;
    if (!domain) {
        deps.err("golive watch: the stack has no golive:domain");
        return { code: 2, live: true };
    }
    const since = watched.since;
    const cadence = cadenceOf(since, deps.now());
    const state = watched.keptFailure ? `its cutover failed at ${since.toISOString()} and was not rolled back (the records say where visitors go)` : `live since ${since.toISOString()}`;
    say(`golive watch — stack ${o.stack} (${domain}): ${state}, watched ${cadence === "hourly" ? `hourly (first ${DEFAULT_HOURLY_DAYS} days)` : "daily"}`);

    // The checks of golive verify, with the stack's settings and DNS as the stack holds it.
    let results: CheckResult[];
    try {
        const checks = parseChecksConfig(map[`${NAMESPACE}:checks`]?.value);
        const settings = suiteSettingsOf(domain, checks, expectedRecordsOf(outputs));
        settings.dnsTimeoutMs = Math.min(settings.dnsTimeoutMs ?? QUICK_DNS_TIMEOUT_MS, QUICK_DNS_TIMEOUT_MS);
        settings.certWaitMs = 0;
        results = await runSuite(settings, (checks.network ?? {}) as NetOptions, { only: WATCH_CHECKS });
    } catch (err) {
        deps.err(`golive watch: ${(err as Error).message}`);
        return { code: 2, live: true };
    }
    say("Checks (golive verify's, DNS as the stack holds it):");
    for (const l of formatTable(results).split("\n")) say(`  ${l}`);
    const certDays = certDaysOf(results);
    if (certDays !== undefined) say(`Certificate: ${certDays} days left${certDays < CERT_WARN_DAYS ? ` — under ${CERT_WARN_DAYS}` : ""}`);

    const d = await driftOf(gs, deps.env);
    if ("note" in d) say(`Drift: ${d.note}`);
    else if (d.drift.length === 0) say(`Drift: none (${d.resources} resources read as the stack holds them)`);
    else for (const x of d.drift) say(`Drift: ${x.resource} (${x.type}): ${x.changes.map((c) => (c.from !== undefined ? `${c.field} ${c.from} → ${c.to}` : c.field)).join(", ")}`);

    const result: WatchResult = {
        at: new Date(deps.now()).toISOString(),
        problems: problemsOf(results, "note" in d ? null : d.drift, certDays),
        checks: summarize(results),
        ...(certDays !== undefined ? { certDays } : {}),
        drift: "note" in d ? null : d.drift,
        ...("note" in d ? { driftNote: d.note } : {}),
    };
    const tags = await gs.stack.listTags().catch((): Record<string, string> => ({}));
    const previous = decodeMemo(tags[WATCH_TAG]);
    const change = changeOf(previous, result);
    say(result.problems.length === 0 ? "Status: ok" : `Status: ${result.problems.length} problem(s)`);
    for (const p of result.problems) say(`  ✗ ${p.text}`);
    say(
        previous
            ? `Since the last watch (${previous.at}, ${previous.s}): ${change.changed ? `changed${change.appeared.length ? `; new: ${change.appeared.join(", ")}` : ""}${change.cleared.length ? `; cleared: ${change.cleared.join(", ")}` : ""}` : "no change"}`
            : `First watch: ${change.changed ? "problems since the cutover" : "as the cutover left it"}`,
    );

    // Without --notify a watch only looks: the scheduled watch keeps the result and tells the webhook.
    let webhook: string;
    let kept = !!o.notify;
    if (!o.notify) webhook = change.changed ? "not told (no --notify)" : "not told: no change of status";
    else if (!change.changed) webhook = "not told: no change of status";
    else {
        const url = webhookOf(map);
        if (!url) webhook = "not told: the stack has no webhook (golive:notify.webhookUrl)";
        else {
            const posted = await postWebhook(url, watchMessage({ stack: o.stack, domain, ...(runUrlOf(deps.env) ? { runUrl: runUrlOf(deps.env)! } : {}) }, result, change, previous).text, deps.env);
            webhook = posted.said;
            // A webhook that could not be told is tried again by the next watch: the change is not kept.
            kept = posted.ok;
        }
    }
    say(`Webhook: ${webhook}`);
    let failed = !!o.notify && !kept;
    if (kept) {
        try {
            await gs.stack.setTag(WATCH_TAG, encodeMemo(result));
            say(`Kept: stack tag ${WATCH_TAG} (${result.at})`);
        } catch (err) {
            deps.err(`golive watch: the result could not be kept as the stack tag ${WATCH_TAG}: ${cliMessage(err)}`);
            failed = true;
        }
    } else say(o.notify ? "Not kept: the next watch tells this change again" : `Not kept (no --notify): the last watch stays ${previous ? previous.at : "none"}`);
    return { code: result.problems.length > 0 || failed ? 1 : 0, live: true, result, change, ...(previous ? { previous } : {}), webhook, results };
}

/** The watch as Markdown (a CI run's summary). */
export function watchMarkdown(stack: string, run: WatchRun, lines: readonly string[]): string {
    const fence = ["```", ...lines, "```"];
    if (!run.live || !run.result) return [`### golive watch — \`${stack}\`: ${run.live ? "could not run" : "not live"}`, "", ...fence, ""].join("\n");
    const r = run.result;
    const out = [`### ${r.problems.length === 0 ? "✅" : "❌"} golive watch — \`${stack}\``, ""];
    out.push(`- **Status:** ${r.problems.length === 0 ? "ok" : `${r.problems.length} problem(s)`} (${r.checks.passed} passed, ${r.checks.failed} failed, ${r.checks.skipped} skipped)`);
    if (r.certDays !== undefined) out.push(`- **Certificate:** ${r.certDays} days left${r.certDays < CERT_WARN_DAYS ? ` (under ${CERT_WARN_DAYS})` : ""}`);
    out.push(`- **Drift:** ${r.drift === null ? r.driftNote ?? "not checked" : r.drift.length === 0 ? "none" : r.drift.map((x) => x.resource).join(", ")}`);
    out.push(`- **Since the last watch:** ${run.previous ? `${run.previous.at} (${run.previous.s})` : "first watch"} — ${run.change?.changed ? "**changed**" : "no change"}`);
    out.push(`- **Webhook:** ${run.webhook ?? "—"}`, "");
    for (const p of r.problems) out.push(`- ❌ ${p.text.replace(/\|/g, "\\|")}`);
    if (r.problems.length > 0) out.push("");
    out.push("| Check | Status | Reason |", "| :--- | :--- | :--- |");
    for (const c of run.results ?? []) out.push(`| ${c.id} ${c.name} | ${c.status === "pass" ? "✅ pass" : c.status === "fail" ? "❌ fail" : "➖ skip"} | ${reasonLine(c).replace(/\|/g, "\\|")} |`);
    out.push("", "<details><summary>golive watch, as printed</summary>", "", ...fence, "", "</details>", "");
    return out.join("\n");
}

export interface ListedStack {
    stack: string;
    live: boolean;
    liveSince?: string;
    /** Watched because its cutover failed and was kept (not a successful go-live). */
    keptFailure?: boolean;
    cadence?: Cadence;
    lastWatch?: WatchMemo;
    error?: string;
}

export async function listStacks(o: { dir: string; stack?: string; hourlyDays: number }, deps: GuidedDeps): Promise<ListedStack[]> {
    const names = o.stack ? [o.stack] : stacksIn(o.dir);
    const looks = await surveyStacks(names, o.dir, deps.env, { historySize: 20 });
    return looks.map((l) => {
        if (!l.history) return { stack: l.stack, live: false, error: l.error ?? "not read" };
        const watched = watchedSince(l.history);
        const since = watched?.since;
        const lastWatch = decodeMemo(l.tags?.[WATCH_TAG]);
        return {
            stack: l.stack,
            live: !!since,
            ...(watched?.keptFailure ? { keptFailure: true } : {}),
            ...(since ? { liveSince: since.toISOString(), cadence: cadenceOf(since, deps.now(), o.hourlyDays) } : {}),
            ...(lastWatch ? { lastWatch } : {}),
        };
    });
}

export async function main(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    const v = valuesOrExit("watch", parseCommandLine(argv, OPTIONS), USAGE, deps);
    if (typeof v === "number") return v;
    const o = v as { stack?: string; notify?: boolean; markdown?: boolean; list?: boolean; cadence?: string; "hourly-days"?: string; json?: boolean; dir?: string };
    const usage = (e: string) => (deps.err(`golive watch: ${e}\n\n${USAGE}`), 2);
    const dir = o.dir !== undefined ? path.resolve(o.dir) : PROGRAM_DIR;
    if (o.list) {
        if (o.notify || o.markdown) return usage("--list takes no --notify or --markdown");
        const cadence = o.cadence ?? "all";
        if (!["hourly", "daily", "all"].includes(cadence)) return usage(`--cadence must be hourly, daily or all, got ${JSON.stringify(cadence)}`);
        const hourlyDays = o["hourly-days"] === undefined ? DEFAULT_HOURLY_DAYS : Number(o["hourly-days"]);
        if (!Number.isInteger(hourlyDays) || hourlyDays < 0 || hourlyDays > 365) return usage(`--hourly-days must be a whole number of days between 0 and 365, got ${JSON.stringify(o["hourly-days"])}`);
        if (o.stack !== undefined) {
            const s = checkedStackName(o.stack);
            if (typeof s !== "string") return usage(s.error);
        }
        const listed = await listStacks({ dir, hourlyDays, ...(o.stack ? { stack: o.stack } : {}) }, deps);
        const due = listed.filter((l) => l.live && (cadence !== "hourly" || l.cadence === "hourly"));
        for (const l of listed) {
            deps.err(`  ${l.stack}: ${l.error ? `not read (${l.error})` : l.live ? `${l.keptFailure ? "cutover failed and kept" : "live"} since ${l.liveSince}, watched ${l.cadence}${l.lastWatch ? `; last watch ${l.lastWatch.at} ${l.lastWatch.s}` : "; never watched"}` : "not live"}${due.includes(l) ? "  ← due" : ""}`);
        }
        if (o.json) deps.out(JSON.stringify(due.map((l) => ({ stack: l.stack }))));
        else deps.out(due.map((l) => l.stack).join("\n"));
        return listed.some((l) => l.error) ? 1 : 0;
    }
    if (o.cadence !== undefined || o["hourly-days"] !== undefined || o.json) return usage("--cadence, --hourly-days and --json go with --list");
    const stack = checkedStackName(o.stack);
    if (typeof stack !== "string") return usage(stack.error);
    if (!o.markdown) return (await watchStack({ stack, dir, notify: !!o.notify }, deps)).code;
    const said: string[] = [];
    const run = await watchStack({ stack, dir, notify: !!o.notify }, { ...deps, out: (l) => (said.push(l), deps.err(l)), err: (l) => (said.push(l), deps.err(l)) });
    deps.out(watchMarkdown(stack, run, said));
    return run.code;
}
