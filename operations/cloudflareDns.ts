// The way back's data plane (plan R-2, issue 25): the site records put back by Cloudflare's API
// directly, both at once, while the engine still ends the failed cutover. One call per record:
// `PATCH /client/v4/zones/{zone_id}/dns_records/{dns_record_id}` (Cloudflare API docs, "Update DNS
// Record"; cloudflare-go v6 dns/record.go RecordService.Edit), with the provider's own token as a
// Bearer header (never on a command line, never in a message), each call retried as Cloudflare's Go
// client retries (operations/cloudflareRetry, read off cloudflare-go v6.6.0 requestconfig.go) and
// bounded in time whatever the server does.
import { deadlineIn, httpRequest, sleep } from "../checks/net";
import { CLOUDFLARE_MAX_RETRIES, cloudflareRetryDelayMs, cloudflareShouldRetry } from "./cloudflareRetry";
import { isLoopbackHost } from "../shared/loopback";
import { redact } from "../shared/redact";

/** Cloudflare's REST API, as the provider's `cloudflare:baseUrl` defaults to it. */
export const CLOUDFLARE_API_BASE_URL = "https://api.cloudflare.com/client/v4";

/** One site record as it must be again (prepare's content), with its Cloudflare id. */
export interface RecordBack {
    label: "apex" | "www";
    id: string;
    name: string;
    type: string;
    content: string;
    ttl: number;
    proxied: boolean;
    comment?: string;
}

export interface CloudflareApi {
    /** e.g. https://api.cloudflare.com/client/v4 (https, or http on loopback only). */
    baseUrl: string;
    /** The provider's API token (cloudflare:apiToken). */
    token: string;
}

export interface RecordCall {
    label: "apex" | "www";
    id: string;
    /** What the call asked the record to hold: "example.com A 192.0.2.1". */
    asked?: string;
    ok: boolean;
    attempts: number;
    /** The last HTTP status, when an answer came. */
    status?: number;
    /** Epoch ms when the call (with its retries) ended. */
    endedAt: number;
    error?: string;
}

export interface RecordsPut {
    ok: boolean;
    startedAt: number;
    endedAt: number;
    calls: RecordCall[];
}

/** Why a base URL cannot be used, or undefined. */
export function baseUrlProblem(raw: string): string | undefined {
    let url: URL;
    try {
        url = new URL(raw);
    } catch {
        return `cloudflare:baseUrl must be a URL such as ${CLOUDFLARE_API_BASE_URL}, got ${JSON.stringify(raw)}`;
    }
    if (url.username || url.password || url.search) return "cloudflare:baseUrl must not carry credentials or a query";
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) return `cloudflare:baseUrl must be https:// (http:// only on loopback), got ${url.protocol}`;
    return undefined;
}

/**
 * PATCHes one record to `r`, retried as cloudflare-go retries, within `deadlineMs` in all. Never
 * throws. The token goes in the Authorization header only; errors quote Cloudflare's messages,
 * through the one redaction (an answer that echoes the request would quote the token).
 */
export async function patchRecord(api: CloudflareApi, zoneId: string, r: RecordBack, deadlineMs: number, wait: (ms: number) => Promise<void> = sleep): Promise<RecordCall> {
    const url = `${api.baseUrl.replace(/\/+$/, "")}/zones/${encodeURIComponent(zoneId)}/dns_records/${encodeURIComponent(r.id)}`;
    const body = JSON.stringify({ name: r.name, type: r.type, content: r.content, ttl: r.ttl, proxied: r.proxied, ...(r.comment !== undefined ? { comment: r.comment } : {}) });
    const deadline = deadlineIn(deadlineMs, "the way back's bound on Cloudflare's API");
    const asked = `${r.name} ${r.type} ${r.content}`;
    let last: Omit<RecordCall, "endedAt"> = { label: r.label, id: r.id, asked, ok: false, attempts: 0 };
    for (let retry = 0; retry <= CLOUDFLARE_MAX_RETRIES; retry++) {
        let status: number | undefined;
        let headers: Record<string, string> = {};
        try {
            const res = await httpRequest(url, {}, { method: "PATCH", body, deadline, timeoutMs: deadlineMs, call: `Cloudflare update of the ${r.label} record`, headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" } });
            status = res.status;
            headers = res.headers;
            let answer: { success?: boolean; errors?: Array<{ code?: number; message?: string }> } = {};
            try {
                answer = JSON.parse(res.body);
            } catch {
                // not JSON: said below by the status
            }
            if (status === 200 && answer.success !== false) return { label: r.label, id: r.id, asked, ok: true, attempts: retry + 1, status, endedAt: Date.now() };
            const said = redact((answer.errors ?? []).map((e) => `${e.code ?? ""} ${e.message ?? ""}`.trim()).join("; "), [api.token]);
            last = { label: r.label, id: r.id, asked, ok: false, attempts: retry + 1, status, error: `HTTP ${status}${said ? `: ${said}` : ""}` };
        } catch (err) {
            last = { label: r.label, id: r.id, asked, ok: false, attempts: retry + 1, error: redact((err as Error).message, [api.token]) };
            if ((err as { deadlineExceeded?: boolean }).deadlineExceeded) break;
        }
        if (retry === CLOUDFLARE_MAX_RETRIES || !cloudflareShouldRetry(status, headers)) break;
        const pause = cloudflareRetryDelayMs(retry, headers);
        if (Date.now() + pause >= deadline.at) break;
        await wait(pause);
    }
    return { ...last, endedAt: Date.now() };
}

/** Both records at once (apex and www in parallel); ok when every call succeeded. */
export async function putRecordsBack(api: CloudflareApi, zoneId: string, records: RecordBack[], deadlineMs: number, wait?: (ms: number) => Promise<void>): Promise<RecordsPut> {
    const startedAt = Date.now();
    const problem = baseUrlProblem(api.baseUrl);
    if (problem) return { ok: false, startedAt, endedAt: Date.now(), calls: records.map((r) => ({ label: r.label, id: r.id, ok: false, attempts: 0, endedAt: Date.now(), error: problem })) };
    const calls = await Promise.all(records.map((r) => patchRecord(api, zoneId, r, deadlineMs, wait)));
    return { ok: calls.length > 0 && calls.every((c) => c.ok), startedAt, endedAt: Date.now(), calls };
}

/**
 * One line per call, for the operator and the stack's history: the record, its Cloudflare id, what
 * it was asked to hold, the result and when it ended (never the token).
 * "✓ apex: PATCH dns_records/023e… accepted (example.com A 192.0.2.1) at 2026-12-06T08:00:01.234Z"
 */
export function callLines(put: Pick<RecordsPut, "calls">): string[] {
    return put.calls.map(
        (c) =>
            `${c.ok ? "✓" : "✗"} ${c.label}: PATCH dns_records/${c.id} ${c.ok ? "accepted" : `failed (${c.error ?? "no answer"})`}` +
            `${c.asked ? ` (${c.asked})` : ""}${c.attempts > 1 ? ` after ${c.attempts} attempts` : ""} at ${new Date(c.endedAt).toISOString()}`,
    );
}
