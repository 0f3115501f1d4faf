// The site watched once it is live (golive watch): what counts as a problem (a check that fails, a
// certificate under 21 days, a resource drifted from what the stack holds), the last result kept
// per stack as a stack tag in the backend (a short text, under Pulumi Cloud's 256-character limit
// for a tag value), whether this result is a change of status (the only time the webhook is told),
// the message, and how often a stack is watched (hourly in its first days live, daily after). Pure.
import { createHash } from "crypto";
import type { CheckResult } from "../checks/types";
import { plural } from "../checks/words";
import { reasonLine } from "../checks/failures";
import { lastApplied, phaseOf, type UpdateEntry } from "./phaseGates";

/** The stack tag that keeps the last watch result (the backend keeps it: pulumi stack tag ls). */
export const WATCH_TAG = "golive:watch";
/** A certificate with fewer days left is a problem: Vercel renews ~30 days before expiry, so its renewal is stuck. */
export const CERT_WARN_DAYS = 21;
/** Watched hourly for this many days after the cutover (then daily). */
export const DEFAULT_HOURLY_DAYS = 7;
/** The checks of a live site the watch runs (golive verify's, with DNS expected as the stack holds it). */
export const WATCH_CHECKS = ["dns", "tls", "https", "redirects", "smoke", "seo"];
/** Pulumi Cloud's limit for a stack tag value (validation.ValidateStackTags). */
export const TAG_VALUE_MAX = 256;

export interface FieldChange {
    field: string;
    /** What the stack holds (a DNS record's fields only: another resource's outputs may hold secrets). */
    from?: string;
    /** What the provider reads now. */
    to?: string;
}

/** A resource whose refresh reads something else than the stack holds. */
export interface DriftItem {
    resource: string;
    type: string;
    changes: FieldChange[];
}

export interface WatchProblem {
    /** Stable between runs: the plan ID of a failed check, "cert", or "drift:<resource>". */
    key: string;
    text: string;
}

export interface WatchResult {
    at: string;
    problems: WatchProblem[];
    checks: { passed: number; failed: number; skipped: number };
    /** Fewest days left among the site's certificates, as served. */
    certDays?: number;
    /** Resources drifted; null when drift could not be checked (driftNote says why). */
    drift: DriftItem[] | null;
    driftNote?: string;
}

/** What the stack tag keeps: enough to tell a change of status and to show the last watch. */
export interface WatchMemo {
    v: 1;
    at: string;
    s: "ok" | "problems";
    /** The problems' keys (cut to fit the tag; `m` counts those left out). */
    k: string[];
    m?: number;
    /** Hash of every key: the status compared between runs. */
    h: string;
    /** Certificate days left. */
    d?: number;
}

/** Fewest days left among the hosts MEP-08 looked at (its evidence), if it saw any. */
export function certDaysOf(results: readonly CheckResult[]): number | undefined {
    const tls = results.find((r) => r.id === "MEP-08");
    const hosts = (tls?.evidence as { hosts?: Record<string, { daysLeft?: unknown }> } | undefined)?.hosts ?? {};
    const days = Object.values(hosts)
        .map((h) => h?.daysLeft)
        .filter((d): d is number => typeof d === "number" && Number.isFinite(d));
    return days.length > 0 ? Math.min(...days) : undefined;
}

const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";

export function problemsOf(results: readonly CheckResult[], drift: readonly DriftItem[] | null, certDays: number | undefined): WatchProblem[] {
    const out: WatchProblem[] = [];
    for (const r of results) if (r.status === "fail") out.push({ key: r.id, text: `${r.id} ${r.name}: ${reasonLine(r)}` });
    if (certDays !== undefined && certDays < CERT_WARN_DAYS && !out.some((p) => p.key === "MEP-08")) {
        out.push({ key: "cert", text: `the site's certificate expires in ${plural(certDays, "day")} (under ${CERT_WARN_DAYS}): Vercel renews it about 30 days before, so its renewal is stuck (look at the domains in Vercel)` });
    }
    for (const d of drift ?? []) {
        const what = d.changes.map((c) => (c.from !== undefined ? `${c.field} ${c.from} → ${c.to}` : c.field)).join(", ") || "changed";
        const kind = d.type === DNS_RECORD ? "DNS record" : d.type.split(":").pop() ?? d.type;
        out.push({ key: `drift:${d.resource}`, text: `${kind} ${d.resource} drifted from what the stack holds (stack → now): ${what}` });
    }
    return out;
}

function keysHash(keys: readonly string[]): string {
    return createHash("sha256").update([...keys].sort().join("\n")).digest("hex").slice(0, 12);
}

/** The stack tag's value for a result: at most TAG_VALUE_MAX characters. */
export function encodeMemo(r: WatchResult): string {
    const keys = [...new Set(r.problems.map((p) => p.key))].sort();
    const memo: WatchMemo = { v: 1, at: r.at, s: keys.length > 0 ? "problems" : "ok", k: keys, h: keysHash(keys), ...(r.certDays !== undefined ? { d: r.certDays } : {}) };
    let text = JSON.stringify(memo);
    while (text.length > TAG_VALUE_MAX && memo.k.length > 0) {
        memo.k = memo.k.slice(0, -1);
        memo.m = keys.length - memo.k.length;
        text = JSON.stringify(memo);
    }
    return text;
}

export function decodeMemo(text: string | undefined): WatchMemo | undefined {
    if (!text) return undefined;
    try {
        const m = JSON.parse(text) as Partial<WatchMemo>;
        if (m.v !== 1 || typeof m.at !== "string" || (m.s !== "ok" && m.s !== "problems") || !Array.isArray(m.k) || typeof m.h !== "string") return undefined;
        return { v: 1, at: m.at, s: m.s, k: m.k.filter((x): x is string => typeof x === "string"), h: m.h, ...(typeof m.m === "number" ? { m: m.m } : {}), ...(typeof m.d === "number" ? { d: m.d } : {}) };
    } catch {
        return undefined;
    }
}

export interface StatusChange {
    changed: boolean;
    /** No earlier watch: the baseline is the cutover, whose checks passed. */
    first: boolean;
    appeared: string[];
    cleared: string[];
}

/** Whether `now` is a change of status from the last watch (a problem that appears or clears). */
export function changeOf(prev: WatchMemo | undefined, now: WatchResult): StatusChange {
    const keys = [...new Set(now.problems.map((p) => p.key))].sort();
    if (!prev) return { changed: keys.length > 0, first: true, appeared: keys, cleared: [] };
    const changed = prev.h !== keysHash(keys);
    return { changed, first: false, appeared: keys.filter((k) => !prev.k.includes(k)), cleared: prev.k.filter((k) => !keys.includes(k)) };
}

/** The webhook's message (Slack-compatible `text`), in the plan's language like MEP-01/MEP-17's. */
export function watchMessage(site: { stack: string; domain: string; runUrl?: string }, r: WatchResult, change: StatusChange, prev: WatchMemo | undefined): { text: string } {
    const where = `https://www.${site.domain}/ (stack ${site.stack})`;
    const run = site.runUrl ? `\nVérification : ${site.runUrl}` : "";
    if (r.problems.length === 0) {
        const was = change.cleared.length > 0 ? ` (résolu : ${change.cleared.join(", ")})` : "";
        const cert = r.certDays !== undefined ? `, certificat valide encore ${r.certDays} jours` : "";
        return { text: `✅ Surveillance de ${where} : tout est rentré dans l'ordre${was}. Les vérifications passent${cert}, aucun écart avec la stack.${run}` };
    }
    const since = prev ? ` depuis la vérification du ${prev.at}` : " depuis la mise en production";
    const lines = r.problems.map((p) => `❌ ${p.text}${change.appeared.includes(p.key) && !change.first ? " (nouveau)" : ""}`);
    const cleared = change.cleared.length > 0 ? `\nRésolu : ${change.cleared.join(", ")}` : "";
    return { text: `⚠️ Surveillance de ${where} : ${r.problems.length} problème${r.problems.length > 1 ? "s" : ""}${since}.\n${lines.join("\n")}${cleared}${run}` };
}

/**
 * Since when the stack has been live: the end of the first successful cutover update of the
 * current run of cutover updates (history newest first); undefined when the last successful
 * update is not a cutover (not live, or rolled back).
 */
export function liveSince(history: readonly UpdateEntry[]): Date | undefined {
    const applied = lastApplied([...history]);
    if (!applied || phaseOf(applied) !== "cutover") return undefined;
    let since: UpdateEntry = applied;
    for (const e of history) {
        if (e.kind !== "update" || e.result !== "succeeded") continue;
        if (phaseOf(e) !== "cutover") break;
        since = e;
    }
    return new Date(since.endTime ?? since.startTime);
}

/**
 * A cutover that failed and was kept (R-1 answered no, `--no-rollback`, or nobody decided): the
 * newest update is a failed cutover after a successful prepare. Visitors may be on the new site
 * (a check after the switch failed) or still on the old one (stopped before the switch): the
 * records say which, so such a stack is watched too. When that failed update ended, or undefined.
 */
export function keptFailedCutover(history: readonly UpdateEntry[]): Date | undefined {
    const latest = history.find((e) => e.kind === "update");
    const applied = lastApplied([...history]);
    if (!latest || latest.result === "succeeded" || phaseOf(latest) !== "cutover" || !applied || phaseOf(applied) !== "prepare") return undefined;
    return new Date(latest.endTime ?? latest.startTime);
}

/** What the watch looks at: a live stack, or one whose failed cutover was kept. */
export function watchedSince(history: readonly UpdateEntry[]): { since: Date; keptFailure: boolean } | undefined {
    const live = liveSince(history);
    if (live) return { since: live, keptFailure: false };
    const kept = keptFailedCutover(history);
    return kept ? { since: kept, keptFailure: true } : undefined;
}

export type Cadence = "hourly" | "daily";

/** Hourly in the first `hourlyDays` days live, daily after. */
export function cadenceOf(since: Date, now: number, hourlyDays = DEFAULT_HOURLY_DAYS): Cadence {
    return now - since.getTime() < hourlyDays * 86_400_000 ? "hourly" : "daily";
}

/** What MEP-07 expects of a live stack: the record contents as it last applied them (stack output dnsRecords). */
export function expectedRecordsOf(outputs: Record<string, unknown>): { apex: string[]; www: string[] } | undefined {
    const records = outputs.dnsRecords as { apex?: { content?: string | null }; www?: { content?: string | null } } | undefined;
    const contents = (r?: { content?: string | null }) => (r?.content ? [r.content.toLowerCase().replace(/\.$/, "")] : []);
    if (!records) return undefined;
    const expected = { apex: contents(records.apex), www: contents(records.www) };
    return expected.apex.length > 0 || expected.www.length > 0 ? expected : undefined;
}

/**
 * What differs between what the stack holds and what a refresh reads: a DNS record's fields with
 * their values; for any other resource only the names of the outputs that differ (they may hold secrets).
 */
export function driftChanges(type: string, olds: Record<string, unknown>, news: Record<string, unknown>): FieldChange[] {
    const show = (v: unknown) => (v === undefined || v === null || v === "" ? "(none)" : typeof v === "object" ? JSON.stringify(v) : String(v));
    const differs = (f: string) => JSON.stringify(olds[f] ?? null) !== JSON.stringify(news[f] ?? null);
    if (type === DNS_RECORD) return ["type", "content", "ttl", "proxied", "comment"].filter(differs).map((f) => ({ field: f, from: show(olds[f]), to: show(news[f]) }));
    return [...new Set([...Object.keys(olds), ...Object.keys(news)])].sort().filter(differs).map((field) => ({ field }));
}
