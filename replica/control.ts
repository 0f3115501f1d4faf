// The replica's service API on loopback: what Cloudflare's and Vercel's APIs are to the real
// providers. The world process (a test, the rehearsal) serves the same resource and invoke
// handlers the mock engine calls in-process (replica/providers.ts), so the replica provider
// plugins that the real engine starts act on the same replica world through one definition of it.
//
// It can fail on demand (issue 17): `failNext` (or POST /faults) makes the next call(s) of a kind
// (resource type, op, optionally the resource's name) answer 500 or 429, hang, or apply the change
// and then answer 500 or never answer — what a provider meets in a real go-live. And the plugins call it as the
// real providers call their APIs (issue 23): cloudflare-go's retries for Cloudflare, terraform-provider-vercel's
// for Vercel, each client's own request timeout (none for Cloudflare) (callControl).
import * as http from "http";
import type { AddressInfo } from "net";
import type { InvokeHandler, ProviderRequest, ResourceHandler } from "./providerApi";
import { isLoopbackHost } from "../shared/loopback";

/** The environment variable that tells a replica plugin where the service API is. */
export const CONTROL_ENV = "GOLIVE_REPLICA_API";

const MAX_BODY = 2_000_000;

/** How the next matching call fails. */
export type FaultKind = "500" | "429" | "hang" | "apply-then-500" | "apply-then-hang";

export interface FaultSpec {
    /** Resource type (cloudflare:index/dnsRecord:DnsRecord) or data source token. */
    type: string;
    /** Resource operation (create, update, delete, read); any when left out (always for a data source). */
    op?: string;
    /** The resource's name (dns-www); any when left out. A call of the REST API has none. */
    name?: string;
    /**
     * Whose calls it strikes: the provider plugins' ("provider", /resource and /invoke) or those of
     * Cloudflare's REST API made directly ("rest": the way back's PATCH of a record); both when left out.
     */
    via?: "provider" | "rest";
    fault: FaultKind;
    /** How many matching calls fail in a row (default 1; Infinity until cleared). */
    times?: number;
    /** 429: the Retry-After the answer carries, in seconds (default 1). */
    retryAfterSeconds?: number;
    /**
     * 500, 429, apply-then-500: a `Retry-After-Ms` header on the answer, which cloudflare-go honours
     * for any status (requestconfig.go `retryDelay`): lets a test walk the 10 retries without the backoff's minutes.
     */
    retryAfterMs?: number;
    /** hang, apply-then-hang: how long the call is held before the connection is closed unanswered (default: until the caller goes away or the server closes). */
    holdMs?: number;
}

/** A fault as it struck one call. */
export interface FaultEvent {
    at: number;
    type: string;
    op?: string;
    name?: string;
    fault: FaultKind;
    /** For a hang: when it ended (the caller went away, the hold elapsed or the server closed). */
    endedAt?: number;
}

export interface ControlServer {
    url: string;
    /** Requests served, by path, for the figures and the tests. */
    calls: Array<{ path: string; type?: string; op?: string; token?: string; name?: string; status?: number }>;
    /** Makes the next matching call(s) fail; returns a function that clears this fault. */
    failNext(spec: FaultSpec): () => void;
    /** Every fault that struck, in order. */
    faults: FaultEvent[];
    /** Clears every pending fault and releases the calls held by a hang. */
    clearFaults(): void;
    close(): Promise<void>;
}

export interface ControlHandlers {
    resources: Record<string, ResourceHandler>;
    invokes: Record<string, InvokeHandler>;
}

/** A request's body, at most `maxBytes` (a larger one drops the connection). */
export function readBody(req: http.IncomingMessage, maxBytes = MAX_BODY): Promise<string> {
    return new Promise((resolve, reject) => {
        let size = 0;
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => {
            size += c.length;
            if (size > maxBytes) {
                reject(new Error("request too large"));
                req.destroy();
            } else chunks.push(c);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

/** Cloudflare's REST path of one DNS record: /client/v4/zones/{zone_id}/dns_records/{dns_record_id}. */
const REST_RECORD = /^\/client\/v4\/zones\/([0-9a-f]{32})\/dns_records\/([0-9a-f]{32})$/;

const METHOD: Record<string, string> = { create: "POST", update: "PUT", delete: "DELETE", read: "GET" };

/**
 * The body of a Cloudflare API error (a server error or a rate limit), and in `error` what the
 * provider reports once its client gave up: `failed to make http request: PUT "<url>": 500 …`.
 */
function cloudflareError(status: number, r: Partial<ProviderRequest>): { success: false; errors: Array<{ code: number; message: string }>; error: string } {
    const message = status === 429 ? "Rate limited. Please wait and consider throttling your request speed" : "Internal Server Error";
    const errors = [{ code: status === 429 ? 971 : 10000, message }];
    const zone = typeof r.inputs?.zoneId === "string" ? r.inputs.zoneId : "<zone>";
    const record = r.id ? `/${r.id.split("/").pop()}` : "";
    const url = `https://api.cloudflare.com/client/v4/zones/${zone}/dns_records${record}`;
    return { success: false, errors, error: `failed to make http request: ${METHOD[r.op ?? ""] ?? "GET"} "${url}": ${status} ${http.STATUS_CODES[status] ?? ""} ${JSON.stringify({ success: false, errors })}` };
}

/**
 * Vercel's error answer (`{error: {code, message}}`, the shape terraform-provider-vercel's
 * client/request.go reads into its APIError), and in `message` what the provider reports once its
 * client gave up: APIError.Error() is `<code> - <message>`. The codes are assumed (Vercel documents
 * 429 as rate limiting, not the code's spelling).
 */
function vercelError(status: number): { error: { code: string; message: string }; message: string } {
    const error = status === 429 ? { code: "rate_limited", message: "Rate limit exceeded" } : { code: "internal_server_error", message: "An unexpected internal error occurred" };
    return { error, message: `unexpected error: ${error.code} - ${error.message}` };
}

/** The error a provider meets: Cloudflare's for a cloudflare resource, Vercel's for a vercel one. */
function providerError(status: number, kind: string, r: Partial<ProviderRequest>): unknown {
    return kind.startsWith("vercel:") ? vercelError(status) : cloudflareError(status, r);
}

/** Serves `handlers` on 127.0.0.1: POST /resource {ProviderRequest}, POST /invoke {token, inputs}, POST /faults {FaultSpec}. */
export async function startControlServer(handlers: ControlHandlers, host = "127.0.0.1"): Promise<ControlServer> {
    const calls: ControlServer["calls"] = [];
    const pending: Array<FaultSpec & { left: number }> = [];
    const faults: FaultEvent[] = [];
    const held = new Set<() => void>();
    const takeFault = (type: string, op: string | undefined, name: string | undefined, via: "provider" | "rest") => {
        const f = pending.find((x) => x.type === type && (x.op === undefined || x.op === op) && (x.name === undefined || x.name === name) && (x.via === undefined || x.via === via));
        if (!f) return undefined;
        if (--f.left <= 0) pending.splice(pending.indexOf(f), 1);
        return f;
    };
    const failNext = (spec: FaultSpec) => {
        const entry = { ...spec, left: spec.times ?? 1 };
        pending.push(entry);
        return () => {
            const i = pending.indexOf(entry);
            if (i >= 0) pending.splice(i, 1);
        };
    };
    const server = http.createServer(async (req, res) => {
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
            if (res.writableEnded || res.destroyed) return;
            res.writeHead(status, { "content-type": "application/json", ...headers });
            res.end(JSON.stringify(body));
        };
        /**
         * Cloudflare's REST endpoint "Update DNS Record" (PATCH /client/v4/zones/{zone_id}/dns_records/
         * {dns_record_id}, developers.cloudflare.com/api/resources/dns/subresources/records/methods/edit;
         * cloudflare-go v6 dns/record.go RecordService.Edit): a partial update of one record, answered
         * in Cloudflare's envelope. It acts through the same DnsRecord handler, on the same zone, as the
         * provider plugins (one definition of the zone), and the same faults strike it (an update of a
         * DnsRecord). No token: 400 with Cloudflare's code 9106 ("Missing X-Auth-Key, X-Auth-Email or
         * Authorization headers"); a record not in the zone: 404 with code 81044 ("Record does not exist.").
         */
        const patchRecord = async (zoneId: string, recordId: string) => {
            const type = "cloudflare:index/dnsRecord:DnsRecord";
            const call: ControlServer["calls"][number] = { path: "/client/v4/dns_records", type, op: "update" };
            calls.push(call);
            const envelope = (status: number, code: number, message: string) => {
                call.status = status;
                return reply(status, { success: false, errors: [{ code, message }], messages: [], result: null });
            };
            if (!/^Bearer \S+$/.test(String(req.headers.authorization ?? ""))) return envelope(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers");
            let patch: Record<string, unknown>;
            try {
                patch = JSON.parse(await readBody(req));
            } catch {
                return envelope(400, 9207, "Request body is invalid.");
            }
            const handler = handlers.resources[type];
            if (!handler) return envelope(404, 7003, "Could not route to /zones/dns_records");
            const fault = takeFault(type, "update", undefined, "rest");
            if (fault) faults.push({ at: Date.now(), type, op: "update", fault: fault.fault });
            if (fault?.fault === "500" || fault?.fault === "429") {
                call.status = Number(fault.fault);
                const body = cloudflareError(call.status, { op: "update", id: recordId, inputs: { zoneId } });
                return reply(call.status, { success: false, errors: body.errors, messages: [], result: null }, fault.fault === "429" ? { "retry-after": String(fault.retryAfterSeconds ?? 1) } : {});
            }
            const hold = () =>
                new Promise<void>((resolve) => {
                    const release = () => {
                        held.delete(release);
                        clearTimeout(timer);
                        resolve();
                    };
                    const timer = fault?.holdMs !== undefined ? setTimeout(release, fault.holdMs) : undefined;
                    held.add(release);
                    req.socket.once("close", release);
                }).then(() => void res.destroy());
            if (fault?.fault === "hang") return await hold();
            const current = await handler({ op: "read", type, name: "", inputs: {}, id: `${zoneId}/${recordId}` });
            if (!current || !current.inputs) return envelope(404, 81044, "Record does not exist.");
            const inputs = { ...current.inputs, ...patch, zoneId };
            const answer = await handler({ op: "update", type, name: "", inputs, id: recordId });
            if (fault?.fault === "apply-then-hang") return await hold();
            if (fault?.fault === "apply-then-500") return envelope(500, 10000, "Internal Server Error");
            call.status = 200;
            return reply(200, { success: true, errors: [], messages: [], result: { ...inputs, ...(answer?.outputs ?? {}), id: recordId, zone_id: zoneId } });
        };
        try {
            const rest = req.method === "PATCH" ? REST_RECORD.exec(req.url ?? "") : null;
            if (rest) return await patchRecord(rest[1], rest[2]);
            if (req.method !== "POST") return reply(405, { error: "POST only" });
            const body = JSON.parse(await readBody(req));
            if (req.url === "/faults") {
                failNext(body as FaultSpec);
                return reply(200, {});
            }
            const isResource = req.url === "/resource";
            if (!isResource && req.url !== "/invoke") return reply(404, { error: `unknown path ${req.url}` });
            const r = body as ProviderRequest & { token?: string; inputs?: Record<string, unknown> };
            const kind = isResource ? r.type : String(r.token);
            const call: ControlServer["calls"][number] = isResource ? { path: "/resource", type: r.type, op: r.op, name: r.name } : { path: "/invoke", token: r.token };
            calls.push(call);
            const fault = takeFault(kind, isResource ? r.op : undefined, isResource ? r.name : undefined, "provider");
            const event: FaultEvent | undefined = fault ? { at: Date.now(), type: kind, ...(isResource ? { op: r.op, name: r.name } : {}), fault: fault.fault } : undefined;
            if (event) faults.push(event);
            if (fault?.fault === "500" || fault?.fault === "429") {
                call.status = Number(fault.fault);
                return reply(call.status, providerError(call.status, kind, r), {
                    ...(fault.fault === "429" ? { "retry-after": String(fault.retryAfterSeconds ?? 1) } : {}),
                    ...(fault.retryAfterMs !== undefined ? { "retry-after-ms": String(fault.retryAfterMs) } : {}),
                });
            }
            const handler = isResource ? handlers.resources[r.type] : handlers.invokes[String(r.token)];
            if (!handler) return reply(404, { error: `the replica does not know ${isResource ? "resource type" : "data source"} ${kind}` });
            if (fault?.fault === "hang" || fault?.fault === "apply-then-hang") {
                // apply-then-hang: Cloudflare changed the record, its answer never comes.
                if (fault.fault === "apply-then-hang") await (isResource ? (handler as ResourceHandler)(r) : (handler as InvokeHandler)(r.inputs ?? {}));
                // Held unanswered: until the caller goes away, the hold elapses, or the faults are cleared.
                await new Promise<void>((resolve) => {
                    const release = () => {
                        held.delete(release);
                        clearTimeout(timer);
                        resolve();
                    };
                    const timer = fault.holdMs !== undefined ? setTimeout(release, fault.holdMs) : undefined;
                    held.add(release);
                    req.socket.once("close", release);
                });
                event!.endedAt = Date.now();
                res.destroy();
                return;
            }
            const answer = isResource ? await (handler as ResourceHandler)(r) : await (handler as InvokeHandler)(r.inputs ?? {});
            if (fault?.fault === "apply-then-500") {
                // Applied, and the answer lost: Cloudflare changed the record, the provider hears a 500.
                call.status = 500;
                return reply(500, providerError(500, kind, r), fault.retryAfterMs !== undefined ? { "retry-after-ms": String(fault.retryAfterMs) } : {});
            }
            call.status = 200;
            return reply(200, answer ?? {});
        } catch (err) {
            return reply(422, { error: (err as Error)?.message ?? String(err) });
        }
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const clearFaults = () => {
        pending.splice(0);
        for (const release of [...held]) release();
    };
    return {
        url: `http://${host}:${port}`,
        calls,
        failNext,
        faults,
        clearFaults,
        close: () =>
            new Promise<void>((resolve) => {
                clearFaults();
                server.closeAllConnections?.();
                server.close(() => resolve());
            }),
    };
}

/**
 * How the real providers' API clients retry, one rule per provider: the replica plugins call the
 * service API as each real provider calls its API. These are the replica's own imitations of
 * upstream (operations/cloudflareRetry.ts is the product's; the replica never borrows it).
 */
export interface ClientRetryRule {
    /** Retries after the first attempt. */
    maxRetries: number;
    /** Whether an answer (undefined status: no answer, a connection error) is retried. */
    shouldRetry(status: number | undefined, headers: http.IncomingHttpHeaders, body: string | undefined): boolean;
    /** The wait before retry `retry` + 1 (`retry` counts from 0). */
    delayMs(retry: number, headers: http.IncomingHttpHeaders, random?: () => number, now?: number): number;
    /** The client's own timeout per request; undefined: none (only the caller's bound ends a hung call). */
    requestTimeoutMs?: number;
}

/**
 * What Cloudflare's own Go client does when a call fails, as cloudflare-go v6.6.0
 * internal/requestconfig/requestconfig.go has it (terraform-provider-cloudflare v5.19+, and so
 * @pulumi/cloudflare 6.22, builds it with no retry or timeout option in internal/provider.go):
 * `MaxRetries: 10` (2 up to v6.5.0); `shouldRetry`: a connection error, 408, 409, 429 and any 5xx
 * unless the answer says `x-should-retry: false` (always when it says true); `retryDelay`:
 * `Retry-After-Ms`, else `Retry-After` (seconds or an HTTP date) when 0 ≤ it < 1 minute, else
 * 2 s × 2^retry capped at 30 s, less up to a quarter of random jitter. No request timeout
 * (`RequestTimeout` is zero unless an option sets it).
 */
export const CLOUDFLARE_CLIENT_RETRY: ClientRetryRule = {
    maxRetries: 10,
    shouldRetry: (status, headers) => cloudflareShouldRetry(status, headers),
    delayMs: (retry, headers, random, now) => cloudflareRetryDelayMs(retry, headers, random, now),
};

export function cloudflareShouldRetry(status: number | undefined, headers: http.IncomingHttpHeaders = {}): boolean {
    if (status === undefined) return true; // no answer: a connection error
    const says = String(headers["x-should-retry"] ?? "");
    if (says === "true") return true;
    if (says === "false") return false;
    return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function cloudflareRetryDelayMs(retryCount: number, headers: http.IncomingHttpHeaders = {}, random: () => number = Math.random, now = Date.now()): number {
    const ms = Number(headers["retry-after-ms"]);
    let asked: number | undefined = headers["retry-after-ms"] !== undefined && Number.isFinite(ms) ? ms : undefined;
    if (asked === undefined && headers["retry-after"] !== undefined) {
        const raw = String(headers["retry-after"]);
        const seconds = Number(raw);
        if (Number.isFinite(seconds)) asked = seconds * 1000;
        else if (!Number.isNaN(Date.parse(raw))) asked = Date.parse(raw) - now;
    }
    if (asked !== undefined && asked >= 0 && asked < 60_000) return asked;
    const delay = Math.min(2_000 * 2 ** retryCount, 30_000);
    return delay - Math.floor(random() * (delay / 4));
}

/**
 * What terraform-provider-vercel's client does (v5.10.0 client/request.go `doRequest`,
 * `_doRequest`; client/client.go `http()`): a 429 only, and only when the answer is Vercel's
 * `{error: {code, message}}`, is retried up to 3 times, after `Retry-After` seconds (a whole
 * number above 0, else 1 s) when that is under 5 minutes; nothing else is retried (a 5xx or a
 * connection error fails at once). Each request has a 5-minute timeout (`http.Client.Timeout`).
 */
export const VERCEL_CLIENT_RETRY: ClientRetryRule = {
    maxRetries: 3,
    shouldRetry: (status, headers, body) => status === 429 && isVercelErrorBody(body) && vercelRetryAfterSeconds(headers) < 5 * 60,
    delayMs: (_retry, headers) => vercelRetryAfterSeconds(headers) * 1000,
    requestTimeoutMs: 5 * 60_000,
};

function vercelRetryAfterSeconds(headers: http.IncomingHttpHeaders): number {
    const raw = String(headers["retry-after"] ?? "");
    const n = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    return Number.isInteger(n) && n > 0 ? n : 1;
}

function isVercelErrorBody(body: string | undefined): boolean {
    try {
        const e = JSON.parse(body ?? "")?.error;
        return !!e && typeof e === "object" && (!!e.code || !!e.message);
    } catch {
        return false;
    }
}

/** The rule of the provider a call stands for: Cloudflare's or Vercel's client; none for the rest (a local command). */
export function clientRetryRuleOf(body: unknown): ClientRetryRule | undefined {
    const b = body as { type?: unknown; token?: unknown };
    const kind = [b?.type, b?.token].find((x) => typeof x === "string");
    if (typeof kind !== "string") return undefined;
    if (kind.startsWith("cloudflare:")) return CLOUDFLARE_CLIENT_RETRY;
    if (kind.startsWith("vercel:")) return VERCEL_CLIENT_RETRY;
    return undefined;
}

/**
 * Not upstream: the replica's own outer bound on one plugin call, retries included, so that a
 * plugin left without golive (a bare `pulumi up` against the replica) still ends. Far beyond
 * golive's own bound on a hung provider call (GOLIVE_PROVIDER_CALL_SECONDS), which ends it first.
 */
export const REPLICA_CALL_SAFETY_MS = 30 * 60_000;

interface Answer {
    status?: number;
    headers: http.IncomingHttpHeaders;
    text?: string;
    error?: Error;
    /** The request's deadline ran out (the client's own timeout, or the replica's safety bound): not retried. */
    timedOut?: boolean;
}

function postOnce(url: URL, payload: string, timeoutMs: number, path: string): Promise<Answer> {
    return new Promise<Answer>((resolve) => {
        let settled = false;
        const done = (a: Answer) => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                resolve(a);
            }
        };
        const req = http.request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
            let size = 0;
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => {
                size += c.length;
                if (size > MAX_BODY) req.destroy(new Error("replica API answer too large"));
                else chunks.push(c);
            });
            res.on("end", () => done({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", (e) => done({ headers: {}, error: e }));
        });
        const timer = setTimeout(() => {
            done({ headers: {}, error: new Error(`replica API ${path}: no answer within ${timeoutMs} ms`), timedOut: true });
            req.destroy();
        }, timeoutMs);
        req.on("error", (e) => done({ headers: {}, error: e }));
        req.end(payload);
    });
}

/**
 * One call to the service API from a plugin, retried as the real provider's client retries the
 * API the call stands for (clientRetryRuleOf): Cloudflare's with cloudflare-go's rule, Vercel's
 * with terraform-provider-vercel's, a local command never. Each attempt is bounded by `timeoutMs`
 * when given, else by the client's own request timeout (none for Cloudflare), and the whole call by
 * REPLICA_CALL_SAFETY_MS whatever the server does. The API's own refusal (a provider-like error)
 * comes back as an Error with its message.
 */
export async function callControl<T>(
    baseUrl: string,
    path: "/resource" | "/invoke",
    body: unknown,
    timeoutMs?: number,
    sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    random: () => number = Math.random,
): Promise<T> {
    const url = new URL(path, baseUrl);
    if (!isLoopbackHost(url.hostname)) throw new Error(`${CONTROL_ENV} must be a loopback URL, got ${baseUrl}`);
    const payload = JSON.stringify(body);
    const rule = clientRetryRuleOf(body);
    const maxRetries = rule?.maxRetries ?? 0;
    const safetyAt = Date.now() + REPLICA_CALL_SAFETY_MS;
    for (let retry = 0; ; retry++) {
        const left = safetyAt - Date.now();
        const perRequest = Math.min(timeoutMs ?? rule?.requestTimeoutMs ?? left, left);
        const a = await postOnce(url, payload, Math.max(0, perRequest), path);
        const retriable = !!rule && !a.timedOut && (a.error !== undefined || a.status !== 200) && rule.shouldRetry(a.error ? undefined : a.status, a.headers, a.text);
        if (retry < maxRetries && retriable) {
            const wait = rule!.delayMs(retry, a.headers, random);
            if (Date.now() + wait < safetyAt) {
                await sleep(wait);
                continue;
            }
        }
        if (a.error) throw a.error;
        let parsed: any;
        try {
            parsed = JSON.parse(a.text || "{}");
        } catch {
            throw new Error(`replica API ${path}: answer is not JSON (status ${a.status})`);
        }
        if (a.status !== 200) throw new Error(parsed?.error && typeof parsed.error === "string" ? parsed.error : parsed?.message ?? `replica API ${path}: status ${a.status}`);
        return parsed as T;
    }
}
