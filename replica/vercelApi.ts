// The replica's Vercel REST API on loopback: what api.vercel.com is to the program's own dynamic
// resources (the certificate order, domain verification). It answers from the same VercelReplica
// the provider handlers act on (replica/vercel.ts), so the program sees one Vercel whichever engine
// runs it. Paths, bodies and error shape as Vercel's: `{ error: { code, message, ... } }`.
//   PATCH /v3/certs                                       { op: "startOrder" | "finalizeOrder", domains }
//   GET   /v7/certs/{id}
//   GET   /v9/projects/{idOrName}/domains/{domain}
//   POST  /v9/projects/{idOrName}/domains/{domain}/verify
// Every call needs `Authorization: Bearer <token>`; `?teamId=` is accepted and recorded.
import * as http from "http";
import type { AddressInfo } from "net";
import { randomBytes, timingSafeEqual } from "crypto";
import { readBody } from "./control";
import { isLoopbackHost } from "../lib/loopback";
import { CertificateRecord, VercelApiError, VercelReplica } from "./vercel";

/** Request bodies larger than this drop the connection (an order's body is well under 10 kB). */
const MAX_BODY = 64 * 1024;
/** A client gets this long to send its request, whatever it does. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface VercelApiCall {
    method: string;
    /** The path without its query. */
    path: string;
    /** The `teamId` query parameter, when given. */
    teamId?: string;
    /** PATCH /v3/certs: the body's `op`. */
    op?: string;
    status: number;
    /** The error code answered, if any. */
    code?: string;
}

/**
 * Vercel failing on demand (issue 23): the next matching call(s) answer 429 or a 5xx instead of
 * their answer, as replica/control.ts failNext does for the providers' calls.
 */
export interface VercelApiFaultSpec {
    /** Only calls with this method (any when left out). */
    method?: string;
    /** Only calls whose path starts with this (e.g. /v3/certs; any when left out). */
    path?: string;
    /** Only PATCH /v3/certs calls with this body `op` (startOrder, finalizeOrder). */
    op?: string;
    status: 429 | 500 | 502 | 503 | 504;
    /** How many matching calls fail in a row (default 1; Infinity until cleared). */
    times?: number;
    /** 429: the `Retry-After` the answer carries, in whole seconds (none when left out). */
    retryAfterSeconds?: number;
    /** A `retry-after-ms` header (which @vercel/sdk's retries read first), for tests that must not wait. */
    retryAfterMs?: number;
}

export interface VercelApi {
    /** Base URL, e.g. http://127.0.0.1:40123 (what the program's `golive:vercelApi.baseUrl` points at). */
    url: string;
    /** The bearer token the API accepts (what `vercel:apiToken` holds for the replica). */
    token: string;
    /** Requests served, in order (no token, no body). */
    calls: VercelApiCall[];
    /** Makes the next matching call(s) fail; returns a function that clears this fault. */
    failNext(spec: VercelApiFaultSpec): () => void;
    clearFaults(): void;
    close(): Promise<void>;
}

/**
 * Vercel's rate-limit and server-error answers. Vercel documents 429 with `Retry-After` for its
 * rate limits (vercel.com/docs/rest-api "Rate Limits"); the CLI reads `rate_limited` among its
 * known codes (packages/cli/src/util/certs/map-cert-error.ts). The 5xx code is assumed.
 */
function faultAnswer(status: VercelApiFaultSpec["status"]): { error: { code: string; message: string } } {
    return status === 429 ? { error: { code: "rate_limited", message: "Rate limit exceeded" } } : { error: { code: "internal_server_error", message: "An unexpected internal error occurred" } };
}

type Route = { method: string; path: RegExp; answer: (params: string[], body: Record<string, unknown>) => unknown };

/** The v3 certificate (finalizeOrder), as the CLI's Cert type reads it. */
function certV3(c: CertificateRecord) {
    return { uid: c.id, id: c.id, cns: c.cns, created: new Date(c.createdAt).toISOString(), expiration: new Date(c.expiresAt).toISOString(), autoRenew: true };
}

/** The v7 certificate (GET /v7/certs/{id}). */
function certV7(c: CertificateRecord) {
    return { id: c.id, cns: c.cns, createdAt: c.createdAt, expiresAt: c.expiresAt, autoRenew: true };
}

function routes(vercel: VercelReplica): Route[] {
    return [
        {
            method: "PATCH",
            path: /^\/v3\/certs$/,
            answer: (_p, body) => {
                if (body.op === "startOrder") return vercel.startOrder(body.domains);
                if (body.op === "finalizeOrder") return certV3(vercel.finalizeOrder(body.domains));
                throw new VercelApiError(400, "bad_request", `op must be "startOrder" or "finalizeOrder", got ${JSON.stringify(body.op ?? null).slice(0, 40)}.`);
            },
        },
        { method: "GET", path: /^\/v7\/certs\/([^/]+)$/, answer: ([id]) => certV7(vercel.certificate(id)) },
        { method: "GET", path: /^\/v9\/projects\/([^/]+)\/domains\/([^/]+)$/, answer: ([project, domain]) => vercel.projectDomain(project, domain) },
        { method: "POST", path: /^\/v9\/projects\/([^/]+)\/domains\/([^/]+)\/verify$/, answer: ([project, domain]) => vercel.verifyDomain(project, domain) },
    ];
}

/** Whether the request carries `Bearer <token>` (compared in constant time). */
function authorized(header: string | undefined, token: string): boolean {
    const m = /^Bearer (.+)$/.exec(header ?? "");
    if (!m) return false;
    const [given, expected] = [Buffer.from(m[1]), Buffer.from(token)];
    return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Serves the REST API of `vercel` on a loopback address; `token` defaults to a random one. */
export async function startVercelApi(vercel: VercelReplica, opts: { token?: string; host?: string } = {}): Promise<VercelApi> {
    const host = opts.host ?? "127.0.0.1";
    if (!isLoopbackHost(host.includes(":") ? `[${host}]` : host)) throw new Error(`the replica's Vercel API listens on loopback only, got ${host}`);
    const token = opts.token ?? `replica_${randomBytes(24).toString("hex")}`;
    const calls: VercelApiCall[] = [];
    const table = routes(vercel);
    const pending: Array<VercelApiFaultSpec & { left: number }> = [];
    const failNext = (spec: VercelApiFaultSpec) => {
        const entry = { ...spec, left: spec.times ?? 1 };
        pending.push(entry);
        return () => {
            const i = pending.indexOf(entry);
            if (i >= 0) pending.splice(i, 1);
        };
    };
    const takeFault = (call: VercelApiCall) => {
        const f = pending.find((x) => (x.method === undefined || x.method === call.method) && (x.path === undefined || call.path.startsWith(x.path)) && (x.op === undefined || x.op === call.op));
        if (f && --f.left <= 0) pending.splice(pending.indexOf(f), 1);
        return f;
    };
    const server = http.createServer(async (req, res) => {
        const url = new URL(req.url ?? "/", "http://replica");
        const call: VercelApiCall = { method: req.method ?? "GET", path: url.pathname, status: 200, ...(url.searchParams.has("teamId") ? { teamId: url.searchParams.get("teamId")!.slice(0, 100) } : {}) };
        calls.push(call);
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
            call.status = status;
            const code = (body as { error?: { code?: string } })?.error?.code;
            if (code) call.code = code;
            res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
            res.end(JSON.stringify(body));
        };
        try {
            if (!authorized(req.headers.authorization, token)) {
                const missing = !req.headers.authorization;
                // Vercel's answer to a missing or unknown token.
                return reply(403, { error: { code: "forbidden", message: missing ? "The request is missing an authentication token" : "Not authorized", ...(missing ? { missingToken: true } : { invalidToken: true }) } });
            }
            let body: Record<string, unknown> = {};
            if (req.method === "PATCH" || req.method === "POST") {
                const text = await readBody(req, MAX_BODY);
                try {
                    body = text.trim() ? JSON.parse(text) : {};
                } catch {
                    throw new VercelApiError(400, "bad_request", "Invalid JSON body.");
                }
                if (!body || typeof body !== "object" || Array.isArray(body)) throw new VercelApiError(400, "bad_request", "The body must be a JSON object.");
            }
            if (typeof body.op === "string") call.op = body.op.slice(0, 40);
            const fault = takeFault(call);
            if (fault) {
                const headers: Record<string, string> = {};
                if (fault.status === 429 && fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
                if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
                return reply(fault.status, faultAnswer(fault.status), headers);
            }
            const route = table.find((r) => r.path.test(url.pathname));
            if (!route) throw new VercelApiError(404, "not_found", "The requested endpoint was not found.");
            if (route.method !== req.method) throw new VercelApiError(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}.`);
            const params = route.path.exec(url.pathname)!.slice(1).map((p) => {
                try {
                    return decodeURIComponent(p);
                } catch {
                    throw new VercelApiError(400, "bad_request", "The path is not valid.");
                }
            });
            return reply(200, route.answer(params, body));
        } catch (err) {
            if (err instanceof VercelApiError) return reply(err.status, err.body);
            if (res.destroyed) return;
            return reply(500, { error: { code: "internal_server_error", message: (err as Error)?.message ?? String(err) } });
        }
    });
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = REQUEST_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
        token,
        calls,
        failNext,
        clearFaults: () => void pending.splice(0),
        close: () =>
            new Promise<void>((resolve) => {
                pending.splice(0);
                server.closeAllConnections?.();
                server.close(() => resolve());
            }),
    };
}
