// What the client and the project manager are told once a guided command has its verdict (issue
// 26): the go-live page written (rendering/goLivePage + htmlReport, as `golive report --html`
// renders it), published (operations/goLivePagePublish: golive:report), and linked in a message
// through golive:notify's webhook (checks/notify):
//   - a cutover that went through: MEP-17's page. MEP-17 itself is posted by the program inside the
//     cutover's `pulumi up`, once every check passed — before the verdict and the record exist, so
//     before the page can. The page goes in a second message, posted after the record's facts are
//     known, and recorded with MEP-17 (its evidence says when).
//   - a rollback of a cutover (R-1 at the cutover, `golive rollback`, `golive recover --rollback`):
//     R-3 at once — what failed, the go-live postponed, whether visitors have the old site again,
//     the page — recorded in the run's record and the checklist's R-3 line.
// On a failed cutover, R-4's Vercel build log and events are read first and kept with the page.
// Nothing here changes a command's exit code: a page, an upload or a message that fails is said.
import { NAMESPACE } from "../config/config";
import { parseReportConfig, type ReportConfig } from "../config/reportConfig";
import { webhookUrlOf } from "../config/releaseConfig";
import { parseVercelApiUrl } from "../config/certificateConfig";
import { postWebhookMessage, type WebhookBody } from "../checks/notify";
import { deploymentEventsOrWhy } from "../checks/deploymentEvents";
import type { CheckResult, NetOptions } from "../checks/types";
import { describeError } from "../checks/net";
import { buildChecklist, factsFromJson, withIncident, withMessages, type ChecklistFacts, type ChecklistLine } from "../program/report";
import { configSource, type ConfigMap } from "../operations/phaseGates";
import { keepWithPage, PAGES_DIR, publishPage, stackPages, type PublishedPage } from "../operations/goLivePagePublish";
import { checksNetOf, picturesSummary } from "../operations/goLiveShots";
import type { PageShot } from "../checks/screenshot";
import { realTimeline, rollbackTimeline } from "../rendering/goLiveTimeline";
import { goLivePageOf, type Incident } from "../rendering/goLivePage";
import { renderHtmlReport } from "../rendering/htmlReport";
import { liveBody, postponementBody } from "../rendering/goLiveMessages";
import { recordFileName, withRollbackDecision, type PhaseRecord, type RollbackRun } from "../rendering/recordFile";
import type { GuidedDeps } from "../operations/guided";
import * as path from "path";


/** What the record keeps of it: the page (or why there is none), the messages posted, R-4's incident. */
export interface GoLiveNews {
    page?: PublishedPage & { missing?: string; pictures?: string };
    messages?: CheckResult[];
    incident?: Incident;
}

type Deps = Pick<GuidedDeps, "out" | "err" | "now" | "env">;

/** The key's value, or the defaults when it is refused (the config gate refused it already). */
function reportOf(map: ConfigMap): Readonly<ReportConfig> {
    try {
        return parseReportConfig(configSource(map));
    } catch {
        return parseReportConfig({ get: () => undefined, isSecret: () => false });
    }
}

function webhookOf(map: ConfigMap): { url?: string; net: NetOptions } {
    let url: string | undefined;
    try {
        url = webhookUrlOf(configSource(map));
    } catch {
        url = undefined;
    }
    return { ...(url ? { url } : {}), net: checksNetOf(map) };
}

/** R-4: the production deployment's build log and events, or why they could not be read. */
async function deploymentEventsOf(map: ConfigMap, outputs: Record<string, unknown>): Promise<Pick<Incident, "deploymentEvents" | "deploymentEventsMissing">> {
    const vercel = (outputs.vercel ?? {}) as { deploymentId?: unknown };
    const id = typeof outputs.deploymentId === "string" ? outputs.deploymentId : typeof vercel.deploymentId === "string" ? vercel.deploymentId : undefined;
    const token = map["vercel:apiToken"]?.value;
    const teamId = map["vercel:team"]?.value;
    let baseUrl: string;
    try {
        baseUrl = parseVercelApiUrl(configSource(map));
    } catch (err) {
        return { deploymentEventsMissing: `Vercel's events${id ? ` of ${id}` : ""} could not be read: ${describeError(err)}` };
    }
    return deploymentEventsOrWhy({ baseUrl, ...(teamId ? { teamId } : {}), ...(token ? { token } : {}) }, id);
}

/** Renders, writes and publishes the page; a page that cannot be written is said, not thrown. */
async function pageOf(json: Record<string, unknown>, facts: ChecklistFacts, lines: ChecklistLine[], name: string, projectDir: string, report: Readonly<ReportConfig>, deps: Deps): Promise<PublishedPage & { missing?: string }> {
    try {
        const html = renderHtmlReport(goLivePageOf(json, facts, lines), report.lang);
        const page = await publishPage({ html, json, name, defaultDir: path.join(projectDir, PAGES_DIR), report, env: deps.env });
        deps.out(`Go-live page: ${page.file}${page.upload ? ` (upload ${page.upload.ok ? "done" : `FAILED: ${page.upload.detail}`})` : ""}${page.link !== page.file ? `, published at ${page.link}` : ""}`);
        return page;
    } catch (err) {
        deps.err(`  ! the go-live page could not be written: ${(err as Error).message}`);
        return { file: "", link: "", missing: (err as Error).message };
    }
}

/**
 * The messages sent about the page, kept in `<page>.json` (notifications, the checklist with them):
 * `golive report --stack` shows R-3 from there, `golive report --from <page>.json` too.
 */
function keepMessages(page: PublishedPage & { missing?: string }, json: Record<string, unknown>, messages: CheckResult[], checklist: ChecklistLine[], deps: Deps): void {
    if (!page.file || messages.length === 0) return;
    const kept = Array.isArray(json.notifications) ? (json.notifications as unknown[]) : [];
    try {
        keepWithPage(page.file, json, { notifications: [...kept, ...messages], checklist });
    } catch (err) {
        deps.err(`  ! the messages could not be kept with the page (${page.file}.json): ${(err as Error).message}`);
    }
}

async function post(id: "MEP-17" | "R-3", body: WebhookBody, webhook: { url?: string; net: NetOptions }, deps: Deps): Promise<CheckResult> {
    const name = id === "R-3" ? "Postponement notification" : "End notification: the go-live page";
    const r = await postWebhookMessage({ id, name }, webhook.url ?? "", body, webhook.net);
    deps.out(`${id} ${id === "R-3" ? "the client told of the postponement" : "the go-live page sent"}: ${r.status === "pass" ? r.reason : r.status === "skip" ? `manual (${r.reason})` : `FAILED: ${r.reason}`}`);
    return r;
}

const siteOf = (domain: string) => `https://www.${domain}/`;
const firstFailure = (checks: readonly CheckResult[], errors: readonly string[]) => (checks[0] ? `${checks[0].id} ${checks[0].name} failed: ${checks[0].reason}` : errors[0] ?? "the update failed");

/**
 * After a cutover's verdict (cli/phase): R-4 gathered when it failed, the page, then MEP-17's page
 * (went through) or R-3 (rolled back). Returns the fields to add to the record, the checklist with
 * the messages in it.
 */
export async function newsOfCutover(o: { map: ConfigMap; record: PhaseRecord; outputs: Record<string, unknown>; shots?: PageShot[]; projectDir: string; deps: Deps }): Promise<GoLiveNews & { checklist: ChecklistLine[] }> {
    const { map, record: r, outputs, deps } = o;
    const report = reportOf(map);
    const webhook = webhookOf(map);
    const incident: Incident | undefined = r.ok ? undefined : { failedChecks: r.failedChecks, ...(await deploymentEventsOf(map, outputs)) };
    const rolledBack = !!r.rollback && r.decision?.choice === "rollback";
    const because = firstFailure(r.failedChecks, r.errors);
    const facts: ChecklistFacts = {
        ...factsFromJson({ domain: r.domain, ...outputs }, { stack: r.stack, generatedAt: r.endedAt.toISOString() }),
        phase: "cutover",
        webhookConfigured: !!webhook.url,
        ...(r.ok ? {} : { failedUpdate: { phase: "cutover", error: because }, results: [...r.failedChecks] }),
        ...(rolledBack ? { rollback: rollbackFact(r.rollback!, `${r.decision!.choice}: decided by ${r.decision!.by} at ${r.decision!.at.toISOString()} (${r.decision!.how})`) } : {}),
    };
    const lines = withIncident(withRollbackDecision(r.checklist, r.decision, r.rollback), incident);
    const json = { ...outputs, domain: r.domain, stack: r.stack, phase: "cutover", ...(facts.failedUpdate ? { failedUpdate: facts.failedUpdate } : {}), ...(facts.rollback ? { rollback: facts.rollback } : {}), ...(incident ? { incident } : {}), checklist: lines, timeline: realTimeline(r), ...(o.shots?.length ? { screenshots: o.shots } : {}) };
    const pictures = picturesSummary(o.shots ?? []);
    const page = { ...(await pageOf(json, facts, lines, recordFileName(r.stack, "cutover", r.startedAt).replace(/\.md$/, ".html"), o.projectDir, report, deps)), ...(pictures ? { pictures } : {}) };
    const messages: CheckResult[] = [];
    const site = siteOf(r.domain);
    if (r.ok && webhook.url) messages.push(await post("MEP-17", liveBody({ site, ...(r.dnsSwitchAt ? { since: r.dnsSwitchAt.toISOString() } : {}), link: page.link, ...(page.missing ? { pageMissing: page.missing } : {}) }, report.lang), webhook, deps));
    if (rolledBack) {
        const ok = r.rollback!.ok;
        messages.push(await post("R-3", postponementBody({ site, because, wayBackOk: ok, ...(ok && r.rollback!.dnsRestoredAt ? { backAt: r.rollback!.dnsRestoredAt.toISOString() } : {}), link: page.link, ...(page.missing ? { pageMissing: page.missing } : {}) }, report.lang), webhook, deps));
    }
    const checklist = withMessages(withIncident(r.checklist, incident), messages, facts);
    keepMessages(page, json, messages, withMessages(lines, messages, facts), deps);
    return { page, messages, ...(incident ? { incident } : {}), checklist };
}

function rollbackFact(rb: RollbackRun, why: string) {
    return { to: "prepare", ok: rb.ok, why, evidence: rb.ok ? `golive:phase back to prepare and pulumi up, done at ${rb.endedAt.toISOString()}${rb.dnsRestoredAt ? `; records back at ${rb.dnsRestoredAt.toISOString()}` : ""}` : `the rollback did not complete: ${rb.errors.join("; ")}` };
}

/**
 * The pictures of the cutover a rollback undoes, from its page (`<page>.json`, found as `golive
 * report --stack` finds the stack's pages): only when the stack's newest page is that cutover's and
 * its own way back did not already bring the old site back, so that an older go-live's pictures are
 * never shown as this one's.
 */
export function cutoverShotsOf(stack: string, projectDir: string): PageShot[] {
    const newest = stackPages(stack, projectDir)[0];
    const page = newest?.run === "cutover" && newest.json && typeof newest.json === "object" ? (newest.json as { screenshots?: unknown; rollback?: { ok?: unknown } }) : undefined;
    if (!page || page.rollback?.ok === true || !Array.isArray(page.screenshots)) return [];
    return page.screenshots.filter((s): s is PageShot => !!s && typeof s === "object" && typeof (s as PageShot).url === "string" && ((s as PageShot).stage === "pre-switch" || (s as PageShot).stage === "after-switch") && typeof (s as PageShot).takenAt === "string");
}

/**
 * After a rollback of a cutover by `golive rollback` or `golive recover --rollback`: the page (the
 * stack's outputs as the rollback left them, the failure and the rollback, the rollback's timeline,
 * the cutover's pictures from its page and the after-rollback ones the command took) and R-3 at once.
 */
export async function newsOfRollback(o: {
    map: ConfigMap;
    stack: string;
    domain?: string;
    kind: "rollback" | "recover";
    because: string;
    decidedBy: string;
    rollback: RollbackRun;
    /** When the command started: its steps' times are relative to it. */
    startedAt: Date;
    /** The after-rollback pictures (operations/goLiveShots shootAfterSwitch), taken by the command. */
    shots?: PageShot[];
    outputs: () => Promise<Record<string, unknown>>;
    projectDir: string;
    deps: Deps;
}): Promise<GoLiveNews> {
    const { map, deps } = o;
    const report = reportOf(map);
    const webhook = webhookOf(map);
    const outputs = await o.outputs().catch((): Record<string, unknown> => ({}));
    const domain = o.domain ?? (typeof outputs.domain === "string" ? outputs.domain : undefined);
    if (!domain) {
        deps.err("  ! R-3 not sent: the domain is not known (golive:domain)");
        return {};
    }
    const endedAt = new Date(o.deps.now());
    const rollback = rollbackFact(o.rollback, `roll back: decided by ${o.decidedBy} (golive ${o.kind})`);
    const base = factsFromJson({ ...outputs, domain }, { stack: o.stack, generatedAt: endedAt.toISOString() });
    const facts: ChecklistFacts = { ...base, phase: "cutover", webhookConfigured: !!webhook.url, failedUpdate: { phase: "cutover", error: o.because }, rollback };
    const lines = buildChecklist(facts);
    const shots = [...cutoverShotsOf(o.stack, o.projectDir), ...(o.shots ?? [])];
    const timeline = rollbackTimeline({ domain, clockOrigin: o.startedAt.getTime(), endedAt, rollback: o.rollback });
    const json = { ...outputs, domain, stack: o.stack, phase: "cutover", failedUpdate: facts.failedUpdate, rollback, timeline, ...(shots.length ? { screenshots: shots } : {}) };
    const pictures = picturesSummary(shots);
    const page = { ...(await pageOf(json, facts, lines, recordFileName(o.stack, o.kind, o.startedAt).replace(/\.md$/, ".html"), o.projectDir, report, deps)), ...(pictures ? { pictures } : {}) };
    const ok = o.rollback.ok;
    const r3 = await post("R-3", postponementBody({ site: siteOf(domain), because: o.because, wayBackOk: ok, ...(ok && o.rollback.dnsRestoredAt ? { backAt: o.rollback.dnsRestoredAt.toISOString() } : {}), link: page.link, ...(page.missing ? { pageMissing: page.missing } : {}) }, report.lang), webhook, deps);
    keepMessages(page, json, [r3], withMessages(lines, [r3], facts), deps);
    return { page, messages: [r3] };
}
