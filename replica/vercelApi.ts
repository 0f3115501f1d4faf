// The replica's Vercel REST API on loopback: what api.vercel.com is to the program's own dynamic
// resources (the certificate order, domain verification). It answers from the same VercelReplica
// the provider handlers act on (replica/vercel.ts), so the program sees one Vercel whichever engine
// runs it. Paths, bodies and error shape as Vercel's: `{ error: { code, message, ... } }`.
//   PATCH /v3/certs                                       { op: "startOrder" | "finalizeOrder", domains }
//   GET   /v8/certs                                     (@vercel/sdk getCerts)
//   GET   /v8/certs/{id}                                (@vercel/sdk getCertById)
//   GET   /v9/projects/{idOrName}/domains/{domain}
//   POST  /v9/projects/{idOrName}/domains/{domain}/verify
// Every call needs `Authorization: Bearer <token>`; `?teamId=` is accepted and recorded.
import * as http from "http";
import type { AddressInfo } from "net";
import { randomBytes, timingSafeEqual } from "crypto";
import { readBody } from "./control";
import { isLoopbackHost } from "../shared/loopback";
import { CertificateRecord, DeploymentView, VercelApiError, VercelReplica } from "./vercel";

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

type Route = { method: string; path: RegExp; status?: number; answer: (params: string[], body: Record<string, unknown>, query: URLSearchParams) => unknown };

/** The v3 certificate (finalizeOrder), as the CLI's Cert type reads it. */
function certV3(c: CertificateRecord) {
    return { uid: c.id, id: c.id, cns: c.cns, created: new Date(c.createdAt).toISOString(), expiration: new Date(c.expiresAt).toISOString(), autoRenew: true };
}

/** The v8 certificate: @vercel/sdk esm/models/getcertbyidop.d.ts GetCertByIdResponseBody, getcertsop.d.ts Certs. */
function certV8(c: CertificateRecord) {
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
        // getcertsop.d.ts GetCertsResponseBody: { certs, pagination: { count, next, prev } }; one page.
        { method: "GET", path: /^\/v8\/certs$/, answer: () => ({ certs: vercel.certificateList().map(certV8), pagination: { count: vercel.certs.size, next: null, prev: null } }) },
        { method: "GET", path: /^\/v8\/certs\/([^/]+)$/, answer: ([id]) => certV8(vercel.certificate(id)) },
        { method: "GET", path: /^\/v9\/projects\/([^/]+)\/domains\/([^/]+)$/, answer: ([project, domain]) => vercel.projectDomain(project, domain) },
        { method: "POST", path: /^\/v9\/projects\/([^/]+)\/domains\/([^/]+)\/verify$/, answer: ([project, domain]) => vercel.verifyDomain(project, domain) },
    ];
}

// ---- What the provider plugins imitate (terraform-provider-vercel client/*.go), on the same VercelReplica
// state the plugins' handlers act on: one Vercel, served to the engine's providers and over REST. Each
// answer is checked against Vercel's published schema by @vercel/sdk (test/replica/vercelSchema.test.ts).
//   POST /v11/projects, /v8/projects                      client/project.go CreateProject (SDK createProject)
//   GET  /v9/projects/{idOrName}                          client/project.go GetProject (SDK getProject)
//   POST /v10/projects/{idOrName}/domains                 client/project_domain.go CreateProjectDomain (SDK addProjectDomain)
//   POST /v10/projects/{idOrName}/env                     client/environment_variable.go (SDK createProjectEnv)
//   GET  /v6/domains/{domain}/config                      client/domain_config.go (SDK getDomainConfig)
//   POST /v13/deployments, /v12/now/deployments           client/deployment.go CreateDeployment (SDK createDeployment)
//   GET  /v13/deployments/{idOrUrl}                       client/deployment.go GetDeployment (SDK getDeployment)
//   GET  /v7/deployments?projectId=&target=&limit=        the guided command's look at a build (SDK getDeployments; v6 too)
//   GET  /v3/deployments/{idOrUrl}/events?direction=&limit=  R-4's build log (SDK getDeploymentEvents: limit -1 is all)

/** GET /v9/projects/{idOrName} and the create's answer: the fields Vercel's schema requires. */
function projectView(p: { id: string; name: string; accountId: string }) {
    return {
        id: p.id,
        name: p.name,
        accountId: p.accountId,
        nodeVersion: "22.x",
        directoryListing: false,
        alias: [],
        defaultResourceConfig: { functionDefaultRegions: ["iad1"] },
        resourceConfig: { functionDefaultRegions: ["iad1"] },
        deploymentExpiration: {},
    };
}

/** A deployment as the list (GET /v7/deployments) gives it. */
function listedDeployment(d: DeploymentView) {
    return {
        uid: d.id,
        name: d.name,
        url: d.url,
        created: d.createdAt,
        createdAt: d.createdAt,
        buildingAt: d.buildingAt,
        ...(d.ready !== undefined ? { ready: d.ready } : {}),
        state: d.readyState,
        readyState: d.readyState,
        type: "LAMBDAS" as const,
        creator: { uid: d.creator.uid, username: d.creator.username },
        target: d.target,
        aliasAssigned: d.aliasAssigned ? d.ready ?? d.createdAt : null,
        aliasError: d.aliasError,
        ...(d.checksConclusion ? { checksState: d.checksState, checksConclusion: d.checksConclusion } : {}),
        inspectorUrl: null,
        projectId: d.projectId,
        meta: d.meta,
    };
}

function providerRoutes(vercel: VercelReplica): Route[] {
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const createProject = (body: Record<string, unknown>) => {
        const name = str(body.name) ?? "";
        if (!/^[a-z0-9._-]{1,100}$/.test(name) || name.includes("---")) throw new VercelApiError(400, "bad_request", `Invalid request: \`name\` ${JSON.stringify(name).slice(0, 60)} is not a valid project name.`, {});
        return projectView(vercel.project(vercel.createProject(name)));
    };
    const createDeployment = (body: Record<string, unknown>) => {
        const projectId = vercel.projectIdOf(str(body.project) ?? str(body.projectId) ?? str(body.name) ?? "");
        const git = body.gitSource as { ref?: unknown } | undefined;
        const ref = str(git?.ref);
        return vercel.createDeployment({ projectId, ...(ref ? { ref } : {}), production: body.target === "production" });
    };
    return [
        { method: "POST", path: /^\/v(?:11|8)\/projects$/, answer: (_p, body) => createProject(body) },
        { method: "GET", path: /^\/v9\/projects\/([^/]+)$/, answer: ([project]) => projectView(vercel.project(project)) },
        { method: "POST", path: /^\/v10\/projects\/([^/]+)\/domains$/, answer: ([project], body) => vercel.addProjectDomain(project, body) },
        {
            method: "POST",
            path: /^\/v10\/projects\/([^/]+)\/env$/,
            status: 201,
            answer: ([project], body) => {
                vercel.projectIdOf(project);
                const e = vercel.addEnv(project, body);
                // Vercel's answer: the variable created (its value is not echoed for a sensitive one), and none failed.
                return { created: { id: e.id, key: e.key, type: e.type, target: e.target, createdAt: e.createdAt, updatedAt: e.createdAt, configurationId: null }, failed: [] };
            },
        },
        { method: "GET", path: /^\/v6\/domains\/([^/]+)\/config$/, answer: ([domain]) => vercel.domainConfig(domain) },
        { method: "POST", path: /^\/(?:v13\/deployments|v12\/now\/deployments)$/, answer: (_p, body) => createDeployment(body) },
        { method: "GET", path: /^\/v13\/deployments\/([^/]+)$/, answer: ([id]) => vercel.deployment(id) },
        {
            method: "GET",
            path: /^\/v3\/deployments\/([^/]+)\/events$/,
            answer: ([id], _b, q) => {
                const events = vercel.deploymentEvents(id);
                // getdeploymenteventsop.d.ts Direction: order by timestamp; limit: at most that many, -1 all.
                const ordered = q.get("direction") === "backward" ? [...events].reverse() : events;
                const limit = Number(q.get("limit"));
                return Number.isInteger(limit) && limit > 0 ? ordered.slice(0, limit) : ordered;
            },
        },
        {
            method: "GET",
            path: /^\/v[67]\/deployments$/,
            answer: (_p, _b, q) => {
                const project = q.get("projectId") ?? q.get("projectIds");
                const projectId = project ? vercel.projectIdOf(project) : undefined;
                const target = q.get("target");
                const limit = Math.min(100, Math.max(1, Number(q.get("limit")) || 20));
                const list = [...vercel.deployments.values()]
                    .filter((d) => (!projectId || d.projectId === projectId) && (!target || (target === "production") === d.production))
                    .sort((a, b) => b.createdAt - a.createdAt)
                    .slice(0, limit)
                    .map((d) => listedDeployment(vercel.deployment(d.id)));
                return { pagination: { count: list.length, next: null, prev: null }, deployments: list };
            },
        },
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
    const table = [...routes(vercel), ...providerRoutes(vercel)];
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
            res.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8" });
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
            const route = table.find((r) => r.method === req.method && r.path.test(url.pathname)) ?? table.find((r) => r.path.test(url.pathname));
            if (!route) throw new VercelApiError(404, "not_found", "The requested endpoint was not found.");
            if (route.method !== req.method) throw new VercelApiError(405, "method_not_allowed", `${req.method} is not allowed on ${url.pathname}.`);
            const params = route.path.exec(url.pathname)!.slice(1).map((p) => {
                try {
                    return decodeURIComponent(p);
                } catch {
                    throw new VercelApiError(400, "bad_request", "The path is not valid.");
                }
            });
            return reply(route.status ?? 200, route.answer(params, body, url.searchParams));
        } catch (err) {
            if (err instanceof VercelApiError) return reply(err.status, err.body, err.headers);
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
