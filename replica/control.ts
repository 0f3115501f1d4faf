// The replica's service API on loopback: what Cloudflare's and Vercel's APIs are to the real
// providers. The world process (a test, the rehearsal) serves the same resource and invoke
// handlers the mock engine calls in-process (replica/providers.ts), so the replica provider
// plugins that the real engine starts act on the same replica world through one definition of it.
//
// It can fail on demand (issue 17): `failNext` (or POST /faults) makes the next call(s) of a kind
// (resource type, op, optionally the resource's name) answer 500 or 429, hang, or apply the change
// and then answer 500 or never answer — what a provider meets in a real go-live. And the plugins call it as the
// real Cloudflare provider calls Cloudflare: cloudflare-go's client retries (callControl).
import * as http from "http";
import type { AddressInfo } from "net";
import type { InvokeHandler, ProviderRequest, ResourceHandler } from "./providerApi";
import { isLoopbackHost } from "../lib/loopback";

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
    /** The resource's name (dns-www); any when left out. */
    name?: string;
    fault: FaultKind;
    /** How many matching calls fail in a row (default 1; Infinity until cleared). */
    times?: number;
    /** 429: the Retry-After the answer carries, in seconds (default 1). */
    retryAfterSeconds?: number;
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

/** Serves `handlers` on 127.0.0.1: POST /resource {ProviderRequest}, POST /invoke {token, inputs}, POST /faults {FaultSpec}. */
export async function startControlServer(handlers: ControlHandlers, host = "127.0.0.1"): Promise<ControlServer> {
    const calls: ControlServer["calls"] = [];
    const pending: Array<FaultSpec & { left: number }> = [];
    const faults: FaultEvent[] = [];
    const held = new Set<() => void>();
    const takeFault = (type: string, op: string | undefined, name: string | undefined) => {
        const f = pending.find((x) => x.type === type && (x.op === undefined || x.op === op) && (x.name === undefined || x.name === name));
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
            const fault = takeFault(type, "update", undefined);
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
            const fault = takeFault(kind, isResource ? r.op : undefined, isResource ? r.name : undefined);
            const event: FaultEvent | undefined = fault ? { at: Date.now(), type: kind, ...(isResource ? { op: r.op, name: r.name } : {}), fault: fault.fault } : undefined;
            if (event) faults.push(event);
            if (fault?.fault === "500" || fault?.fault === "429") {
                call.status = Number(fault.fault);
                return reply(call.status, cloudflareError(call.status, r), fault.fault === "429" ? { "retry-after": String(fault.retryAfterSeconds ?? 1) } : {});
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
                return reply(500, cloudflareError(500, r));
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
 * What Cloudflare's own Go client (cloudflare-go v4–v6, internal/requestconfig/requestconfig.go,
 * which terraform-provider-cloudflare v5 and so @pulumi/cloudflare v6 use with its defaults) does
 * when a call fails: 2 retries (3 attempts); a retry for a connection error, 408, 409, 429 and any
 * 5xx unless the answer says `x-should-retry: false` (and always when it says true); the wait is
 * `Retry-After-Ms`, else `Retry-After` (seconds or an HTTP date) when under a minute, else
 * 0.5 s × 2^retry capped at 8 s, less up to a quarter of random jitter. It sets no request timeout.
 */
export const CLOUDFLARE_CLIENT_RETRY = { maxRetries: 2 } as const;

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
    const delay = Math.min(500 * 2 ** retryCount, 8_000);
    return delay - Math.floor(random() * (delay / 4));
}

/** Whether a call to the service API stands for a call to Cloudflare's API (a cloudflare resource or data source). */
function isCloudflareCall(body: unknown): boolean {
    const b = body as { type?: unknown; token?: unknown };
    return [b?.type, b?.token].some((x) => typeof x === "string" && x.startsWith("cloudflare:"));
}

interface Answer {
    status?: number;
    headers: http.IncomingHttpHeaders;
    text?: string;
    error?: Error;
    /** The replica's own safety deadline ran out (the real client has none: not retried). */
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
 * One call to the service API from a plugin, bounded by `timeoutMs` per attempt whatever the server
 * does. A call standing for Cloudflare's API is retried as Cloudflare's client retries
 * (CLOUDFLARE_CLIENT_RETRY); others are not. The API's own refusal (a Cloudflare-like error) comes
 * back as an Error with its message.
 */
export async function callControl<T>(baseUrl: string, path: "/resource" | "/invoke", body: unknown, timeoutMs = 60_000, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
    const url = new URL(path, baseUrl);
    if (!isLoopbackHost(url.hostname)) throw new Error(`${CONTROL_ENV} must be a loopback URL, got ${baseUrl}`);
    const payload = JSON.stringify(body);
    const maxRetries = isCloudflareCall(body) ? CLOUDFLARE_CLIENT_RETRY.maxRetries : 0;
    for (let retry = 0; ; retry++) {
        const a = await postOnce(url, payload, timeoutMs, path);
        const retriable = !a.timedOut && cloudflareShouldRetry(a.error ? undefined : a.status, a.headers);
        if (retry < maxRetries && retriable && (a.error || a.status !== 200)) {
            await sleep(cloudflareRetryDelayMs(retry, a.headers));
            continue;
        }
        if (a.error) throw a.error;
        let parsed: any;
        try {
            parsed = JSON.parse(a.text || "{}");
        } catch {
            throw new Error(`replica API ${path}: answer is not JSON (status ${a.status})`);
        }
        if (a.status !== 200) throw new Error(parsed?.error ?? `replica API ${path}: status ${a.status}`);
        return parsed as T;
    }
}
