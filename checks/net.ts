// The one door to the network for every check: resolver-aware lookups, per-call HTTP clients,
// timeouts, and bounded retries. The rehearsal flags (--dns-server, ports, CA) act here, so they
// work for every check at once.
//
// Dynamic providers serialize the functions of this module by value: keep it free of module-level
// state (no shared agent, no cached client), build everything per call.
import * as dns from "dns";
import * as http from "http";
import * as https from "https";
import { isIP as isIP } from "net";
import * as tls from "tls";
import axios from "axios";
import type { NetOptions } from "./types";
import { isLoopbackAddress } from "../shared/loopback";

export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_ATTEMPTS = 10;

export interface HttpResponse {
    /** The URL as asked (before port mapping). */
    url: string;
    status: number;
    headers: Record<string, string>;
    body: string;
    /** Redirect target, resolved against `url`, when the answer has a Location header. */
    location?: string;
    elapsedMs: number;
}

export interface RequestOptions {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    /** Overrides NetOptions.timeoutMs for this request. */
    timeoutMs?: number;
    /** Largest body kept, in bytes (default 5 MB). */
    maxBodyBytes?: number;
    /** The check's overall deadline: the request gets at most what is left of it. */
    deadline?: Deadline;
    /** What the call is, for messages (e.g. "token endpoint"); the method and URL without query are added. */
    call?: string;
}

/**
 * One overall bound of a check, set from config: every call the check makes gets at most what is
 * left of it, so no server behaviour (a trickled answer, an accepted but silent connection,
 * retries) can stretch the check past it. A plain object: dynamic providers serialize this module.
 */
export interface Deadline {
    /** Epoch ms by which the check has its verdict. */
    at: number;
    totalMs: number;
    /** The config key that sets it, named in messages, e.g. golive:searchConsole.timeoutSeconds. */
    setting: string;
    /** The call in progress, named if the deadline passes during it. */
    current?: string;
}

/** How long after its deadline the backstop of withinDeadline fires. */
export const DEADLINE_GRACE_MS = 200;

export function deadlineIn(totalMs: number, setting: string): Deadline {
    return { at: Date.now() + totalMs, totalMs, setting };
}

/** A part of `parent` that ends after `ms` at most (e.g. MEP-16's realtime wait inside the check's deadline). */
export function subDeadline(parent: Deadline | undefined, ms: number, setting: string): Deadline {
    const own = deadlineIn(ms, setting);
    return parent && parent.at < own.at ? { ...parent } : own;
}

/** The error of a check whose deadline passed during (or before) `call`. */
export function deadlineError(d: Deadline, call: string, elapsedMs?: number): Error {
    const after = elapsedMs === undefined ? "" : ` after ${elapsedMs} ms`;
    // No `code`: not a transient network error, nothing to retry.
    return Object.assign(new Error(`${call} ran out of time${after}: the deadline of ${formatSeconds(d.totalMs)} (${d.setting}) passed`), { deadlineExceeded: true });
}

function formatSeconds(ms: number): string {
    return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** How long `call` may take: its own timeout capped by what is left; throws, naming `call`, when nothing is. */
export function timeFor(d: Deadline | undefined, call: string, ownMs: number): number {
    if (!d) return ownMs;
    d.current = call;
    const left = d.at - Date.now();
    if (left <= 0) throw deadlineError(d, call);
    return Math.min(ownMs, left);
}

/**
 * Runs `body`; if the deadline passes first, rejects naming the call in progress. The backstop of
 * a check's deadline: its calls are bounded by it too (timeFor), this catches whatever is not.
 */
export async function withinDeadline<T>(d: Deadline, body: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // A little after the deadline: a call bounded by it ends first and reports itself.
    const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(deadlineError(d, d.current ?? "the check")), Math.max(0, d.at - Date.now()) + DEADLINE_GRACE_MS);
    });
    try {
        return await Promise.race([body(), expired]);
    } finally {
        clearTimeout(timer);
    }
}

/** Sleeps `ms`; used by the bounded backoff loops. */
export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Capped exponential backoff: 200 ms, 400 ms, 800 ms, ... never more than `maxMs`. */
export function backoffMs(attempt: number, baseMs = 200, maxMs = 2_000): number {
    return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export function attemptsOf(net: NetOptions): number {
    const n = net.attempts ?? 3;
    return Math.max(1, Math.min(MAX_ATTEMPTS, Math.floor(n)));
}

// An array, not a Set: the closure serializer copies a Set as a plain object, and `.has` on it
// throws inside a dynamic provider (seen in the rehearsal on every network error).
const TRANSIENT_CODES = [
    "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ECONNABORTED", "EPIPE", "EAI_AGAIN", "ESERVFAIL",
    "ETIMEOUT", "ENETUNREACH", "EHOSTUNREACH", "ERR_SOCKET_CONNECTION_TIMEOUT",
];

/** Network errors worth another try (not TLS verification errors: those are answers). */
export function isTransientError(err: unknown): boolean {
    const code = (err as { code?: string } | undefined)?.code;
    return typeof code === "string" && TRANSIENT_CODES.includes(code);
}

/**
 * Runs `fn` up to `attempts` times while it throws a retryable error (or returns a value that
 * `retryOn` flags), with capped backoff and an overall deadline. The last value or error wins.
 */
export async function withRetry<T>(
    fn: (attempt: number) => Promise<T>,
    opts: {
        attempts: number;
        deadlineMs?: number;
        baseMs?: number;
        maxMs?: number;
        retryOnError?: (err: unknown) => boolean;
        retryOn?: (value: T) => boolean;
    },
): Promise<T> {
    const attempts = Math.max(1, Math.min(MAX_ATTEMPTS, opts.attempts));
    const deadline = Date.now() + (opts.deadlineMs ?? 60_000);
    const retryOnError = opts.retryOnError ?? isTransientError;
    for (let attempt = 1; ; attempt++) {
        let outcome: { value: T } | { error: unknown };
        try {
            outcome = { value: await fn(attempt) };
        } catch (error) {
            outcome = { error };
        }
        const retryable = "value" in outcome ? !!opts.retryOn && opts.retryOn(outcome.value) : retryOnError(outcome.error);
        const wait = backoffMs(attempt, opts.baseMs, opts.maxMs);
        // Out of attempts, not worth another try, or the wait would overrun the deadline: the last answer stands.
        if (attempt >= attempts || !retryable || Date.now() + wait > deadline) {
            if ("value" in outcome) return outcome.value;
            throw outcome.error;
        }
        await sleep(wait);
    }
}

/**
 * The tests' and the rehearsal's rule (GOLIVE_LOOPBACK_ONLY, read at each call: test/setup.ts and
 * `golive rehearse` set it, the engine and its plugins inherit it): nothing leaves 127.0.0.0/8 or
 * ::1, DNS included. Enforced here, the one door: a resolver on another address, a system lookup
 * of a name other than localhost, an answer outside the loopback, a connection to an outside
 * address are refused with this error, and nothing is sent.
 */
export function loopbackOnly(): boolean {
    return !!process.env.GOLIVE_LOOPBACK_ONLY;
}

/** The refusal under GOLIVE_LOOPBACK_ONLY of what would leave the machine (never retried). */
export function loopbackRefusal(what: string): NodeJS.ErrnoException {
    const err: NodeJS.ErrnoException = new Error(`${what} refused: GOLIVE_LOOPBACK_ONLY is set (a test or a rehearsal reaches 127.0.0.0/8 and ::1 only; point golive:checks.network.dnsServers and the service URLs at the replica)`);
    err.code = "ELOOPBACKONLY";
    return err;
}

/** The address of a DNS server given as "ip", "ip:port" or "[v6]:port". */
export function serverAddress(server: string): string {
    const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(server);
    if (v6) return v6[1];
    return isIP(server) === 6 ? server : server.replace(/:\d+$/, "");
}

/** Under GOLIVE_LOOPBACK_ONLY, the servers of `servers` outside the loopback (none otherwise). */
export function outsideLoopback(servers: string[]): string[] {
    return loopbackOnly() ? servers.filter((s) => !isLoopbackAddress(serverAddress(s))) : [];
}

/** Under GOLIVE_LOOPBACK_ONLY, the refusal of a connection to an address outside the loopback (a name goes through the lookup). */
export function addressRefusal(host: string): NodeJS.ErrnoException | undefined {
    const h = host.replace(/^\[|\]$/g, "");
    return loopbackOnly() && isIP(h) !== 0 && !isLoopbackAddress(h) ? loopbackRefusal(`connection to ${h}`) : undefined;
}

/** A resolver bound to the given servers ("ip" or "ip:port"), with a timeout per query. Throws the refusal for a server outside the loopback under GOLIVE_LOOPBACK_ONLY. */
export function makeResolver(servers: string[], timeoutMs = 2_000): dns.promises.Resolver {
    const outside = outsideLoopback(servers);
    if (outside.length > 0) throw loopbackRefusal(`DNS server ${outside.join(", ")}`);
    const resolver = new dns.promises.Resolver({ timeout: timeoutMs, tries: 2 });
    resolver.setServers(servers);
    return resolver;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** The address `host` is pinned to (NetOptions.pins), or undefined when it resolves as usual. */
export function pinOf(net: NetOptions, host: string): string | undefined {
    const pins = net.pins;
    if (!pins) return undefined;
    const name = host.toLowerCase().replace(/\.$/, "");
    return Object.prototype.hasOwnProperty.call(pins, name) ? pins[name] : undefined;
}

/**
 * A `lookup` for net/tls/http that honours `net.pins` (a pinned name gets its pinned address, or
 * the addresses of the pinned host name) and asks `net.dnsServers` (A, then AAAA) instead of the
 * system resolver. Undefined when neither is set, so Node's default lookup applies.
 */
export function makeLookup(net: NetOptions): ((hostname: string, options: dns.LookupOptions, cb: LookupCallback) => void) | undefined {
    const lookup = routedLookup(net);
    if (!loopbackOnly()) return lookup;
    // GOLIVE_LOOPBACK_ONLY: always a lookup of ours (Node's default would ask the system resolver),
    // and what it answers must be loopback too (a connection to it would leave the machine).
    const outside = outsideLoopback(net.dnsServers ?? []);
    return (hostname, options, cb) => {
        const wantAll = typeof options === "object" && options.all === true;
        const refuse = (what: string) => cb(loopbackRefusal(what), wantAll ? [] : "", undefined);
        if (outside.length > 0) return refuse(`lookup of ${hostname} on the DNS server ${outside.join(", ")}`);
        const name = hostname.toLowerCase().replace(/\.$/, "");
        // Without net.dnsServers, a name (or the host name a pin points to) goes to the system resolver.
        const target = (pinOf(net, name) ?? name).toLowerCase();
        const system = !(net.dnsServers && net.dnsServers.length > 0);
        if (system && isIP(target) === 0 && target !== "localhost" && !target.endsWith(".localhost")) return refuse(`system lookup of ${target}`);
        const inner = lookup ?? ((h: string, o: dns.LookupOptions, c: LookupCallback) => dns.lookup(h, o, c as never));
        inner(hostname, options, (err, address, family) => {
            if (err) return cb(err, address, family);
            const found = Array.isArray(address) ? address.map((a) => a.address) : [address];
            const away = found.filter((a) => !isLoopbackAddress(a));
            if (away.length > 0) return refuse(`connection to ${hostname} (${away.join(", ")}, outside the loopback)`);
            cb(null, address, family);
        });
    };
}

/** The lookup of pins and net.dnsServers; undefined when neither is set (Node's default applies). */
function routedLookup(net: NetOptions): ((hostname: string, options: dns.LookupOptions, cb: LookupCallback) => void) | undefined {
    const servers = net.dnsServers;
    const viaServers = !!servers && servers.length > 0 ? serversLookup(servers, net) : undefined;
    if (!viaServers && (!net.pins || Object.keys(net.pins).length === 0)) {
        return undefined;
    }
    // Names that are not pinned, and the host names pins point to, resolve the usual way.
    const usual = viaServers ?? ((hostname: string, options: dns.LookupOptions, cb: LookupCallback) => dns.lookup(hostname, options, cb as never));
    return (hostname, options, cb) => {
        const pin = pinOf(net, hostname);
        if (pin === undefined) {
            usual(hostname, options, cb);
            return;
        }
        const name = hostname.toLowerCase().replace(/\.$/, "");
        const wantAll = typeof options === "object" && options.all === true;
        // What the check's evidence shows: the pin that applied and the addresses it gave.
        const note = (addresses: string[]) => {
            const observed = net.observed;
            if (!observed) return;
            const seen = (observed.pinned[name] ??= { pin, addresses: [] });
            for (const a of addresses) if (!seen.addresses.includes(a)) seen.addresses.push(a);
        };
        const family = isIP(pin);
        if (family !== 0) {
            note([pin]);
            if (wantAll) cb(null, [{ address: pin, family }]);
            else cb(null, pin, family);
            return;
        }
        usual(pin, options, (err, address, fam) => {
            if (err) {
                err.message = `${name} is pinned to ${pin}: ${err.message}`;
                cb(err, address, fam);
                return;
            }
            note(Array.isArray(address) ? address.map((a) => a.address) : [address]);
            cb(null, address, fam);
        });
    };
}

/** The lookup through `servers` (A, then AAAA), each query bounded. */
function serversLookup(servers: string[], net: NetOptions): (hostname: string, options: dns.LookupOptions, cb: LookupCallback) => void {
    return (hostname, options, cb) => {
        const resolver = makeResolver(servers, Math.min(net.timeoutMs ?? DEFAULT_TIMEOUT_MS, 5_000));
        // Each query ends within half the request's timeout, so a dead resolver is reported as such
        // rather than as a request timeout (c-ares' own retries run longer than their setting).
        const queryBudgetMs = Math.max(50, Math.floor((net.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 2));
        const family = typeof options === "object" ? options.family : undefined;
        const wantAll = typeof options === "object" && options.all === true;
        // Error codes of the queries: a server that never answered is not a name that does not exist.
        const codes: string[] = [];
        const ask = (query: () => Promise<string[]>) =>
            new Promise<string[]>((resolve) => {
                const timer = setTimeout(() => {
                    codes.push("ETIMEOUT");
                    resolver.cancel();
                }, queryBudgetMs);
                query().then(
                    (found) => {
                        clearTimeout(timer);
                        resolve(found);
                    },
                    (err: NodeJS.ErrnoException) => {
                        clearTimeout(timer);
                        if (err.code !== "ECANCELLED") codes.push(err.code ?? "EUNKNOWN");
                        resolve([]);
                    },
                );
            });
        (async () => {
            let found: dns.LookupAddress[] = [];
            if (family !== 6) {
                found = (await ask(() => resolver.resolve4(hostname))).map((a) => ({ address: a, family: 4 }));
            }
            const serverAnswered = codes.length === 0 || codes.some((c) => c === "ENOTFOUND" || c === "ENODATA");
            if (found.length === 0 && family !== 4 && serverAnswered) {
                found = (await ask(() => resolver.resolve6(hostname))).map((a) => ({ address: a, family: 6 }));
            }
            return found;
        })().then(
            (found) => {
                if (found.length === 0) {
                    cb(lookupError(hostname, servers, codes), wantAll ? [] : "", undefined);
                } else if (wantAll) {
                    cb(null, found);
                } else {
                    cb(null, found[0].address, found[0].family);
                }
            },
            (err) => cb(err as NodeJS.ErrnoException, wantAll ? [] : "", undefined),
        );
    };
}

/**
 * One address of `host` as the checks' connections would reach it (pins, then net.dnsServers,
 * else the system resolver), IPv4 first: for tools that take an address, such as Chromium's
 * host-resolver rules.
 */
export function lookupAddress(host: string, net: NetOptions): Promise<string> {
    const lookup = makeLookup(net) ?? ((hostname: string, options: dns.LookupOptions, cb: LookupCallback) => dns.lookup(hostname, options, cb as never));
    return new Promise<string>((resolve, reject) => {
        lookup(host, { all: true }, (err, found) => {
            if (err) return reject(err);
            const all = Array.isArray(found) ? found : [{ address: found, family: isIP(found) }];
            const chosen = all.find((a) => a.family === 4) ?? all[0];
            if (!chosen) return reject(Object.assign(new Error(`${host} has no address`), { code: "ENOTFOUND" }));
            resolve(chosen.address);
        });
    });
}

/**
 * Why a name found no address: the DNS servers gave no answer (ETIMEOUT, refused: a dead or
 * unreachable resolver, worth a retry), or they answered that the name does not exist (NXDOMAIN)
 * or has no address record (ENODATA).
 */
export function lookupError(hostname: string, servers: string[], codes: string[]): NodeJS.ErrnoException {
    const on = servers.join(", ");
    const noAnswer = codes.length > 0 && codes.every((c) => ["ETIMEOUT", "ECONNREFUSED", "EREFUSED", "ESERVFAIL", "ECANCELLED"].includes(c));
    let err: NodeJS.ErrnoException;
    if (noAnswer) {
        err = new Error(`no answer from the DNS server ${on} for ${hostname} (${[...new Set(codes)].join(", ")}): the resolver is down or unreachable`);
        err.code = codes.includes("ESERVFAIL") ? "ESERVFAIL" : "ETIMEOUT";
    } else if (codes.includes("ENOTFOUND")) {
        err = new Error(`${hostname} does not exist on ${on} (NXDOMAIN)`);
        err.code = "ENOTFOUND";
    } else {
        err = new Error(`${hostname} has no address record on ${on}`);
        err.code = "ENOTFOUND";
    }
    return err;
}

/** Node's roots plus the extra CA, or undefined to keep Node's defaults. */
export function trustedCas(net: NetOptions): string[] | undefined {
    return net.caPem ? [...tls.rootCertificates, net.caPem] : undefined;
}

/**
 * TLS options trusting Node's roots plus the extra CA. A context holding ~140 roots costs ~15 ms of
 * CPU to build, so it is built once per CA and process (kept on globalThis: no module-level state
 * for the closure serializer to capture). Without an extra CA, Node's own cached roots apply.
 */
export function trustOptions(net: NetOptions): { secureContext?: tls.SecureContext } {
    if (!net.caPem) return {};
    const g = globalThis as unknown as { __goliveSecureContexts?: Map<string, tls.SecureContext> };
    const cache = (g.__goliveSecureContexts ??= new Map<string, tls.SecureContext>());
    let ctx = cache.get(net.caPem);
    if (!ctx) {
        ctx = tls.createSecureContext({ ca: trustedCas(net) });
        cache.set(net.caPem, ctx);
    }
    return { secureContext: ctx };
}

/** The port a URL connects to, honouring the rehearsal's port mapping for default ports. */
export function portFor(url: URL, net: NetOptions): number {
    if (url.port) {
        return Number(url.port);
    }
    return url.protocol === "https:" ? net.httpsPort ?? 443 : net.httpPort ?? 80;
}

/**
 * One HTTP(S) request, no redirect following (checks look at each hop), any status accepted.
 * Throws only on network or TLS errors.
 */
export async function httpRequest(rawUrl: string, net: NetOptions, opts: RequestOptions = {}): Promise<HttpResponse> {
    const url = new URL(rawUrl);
    const refused = addressRefusal(url.hostname);
    if (refused) throw refused;
    const port = portFor(url, net);
    const target = new URL(url.toString());
    target.port = String(port);
    const lookup = makeLookup(net);
    const method = (opts.method ?? "GET").toUpperCase();
    // Named without the query: it may hold a key (PSI's key=...).
    const what = `${opts.call ? `${opts.call} (${method} ${url.origin}${url.pathname})` : `${method} ${url.origin}${url.pathname}`}`;
    const ownTimeout = opts.timeoutMs ?? net.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = timeFor(opts.deadline, what, ownTimeout);
    // axios's own timeout is an idle timeout (each byte resets it): this one ends the call, whatever arrives.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeout);
    // Agents per call: nothing shared, nothing kept alive between checks.
    const httpAgent = new http.Agent({ keepAlive: false, ...(lookup ? { lookup } : {}) } as http.AgentOptions);
    // The fallback while the site's certificate cannot be verified yet: said in the result (observed).
    const unverified = url.protocol === "https:" && !!net.tlsUnverifiedBecause;
    const httpsAgent = new https.Agent({
        keepAlive: false,
        ...trustOptions(net),
        // SNI carries host names only (RFC 6066); Node warns on an address.
        ...(isIP(url.hostname) ? {} : { servername: url.hostname }),
        ...(lookup ? { lookup } : {}),
        ...(unverified ? { rejectUnauthorized: false } : {}),
    } as https.AgentOptions);
    const started = Date.now();
    let status: number | string = "error";
    try {
        const res = await axios.request<string>({
            url: target.toString(),
            method: opts.method ?? "GET",
            headers: { "User-Agent": "golive-checks/1.0", ...(opts.headers ?? {}), Host: url.host },
            data: opts.body,
            maxRedirects: 0,
            validateStatus: () => true,
            responseType: "text",
            transformResponse: [(d: unknown) => d],
            timeout,
            signal: abort.signal,
            proxy: false,
            maxContentLength: opts.maxBodyBytes ?? 5_000_000,
            httpAgent,
            httpsAgent,
        });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers ?? {})) {
            if (v !== undefined && v !== null) {
                headers[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : String(v);
            }
        }
        const location = headers["location"] ? new URL(headers["location"], url).toString() : undefined;
        status = res.status;
        if (unverified && net.observed) {
            // What verification would have said: the socket still carries the verdict it skipped.
            const socket = (res.request as { socket?: tls.TLSSocket } | undefined)?.socket;
            net.observed.unverifiedTls[url.hostname] = socket?.authorized ? "trusted" : socket?.authorizationError ? String(socket.authorizationError) : "not verified";
        }
        return {
            url: url.toString(),
            status: res.status,
            headers,
            body: typeof res.data === "string" ? res.data : String(res.data ?? ""),
            location,
            elapsedMs: Date.now() - started,
        };
    } catch (err) {
        const code = (err as { code?: string }).code;
        status = abort.signal.aborted ? "ETIMEDOUT" : code ?? "error";
        if (abort.signal.aborted || code === "ECONNABORTED" || code === "ERR_CANCELED") {
            if (opts.deadline && timeout < ownTimeout) throw deadlineError(opts.deadline, what, Date.now() - started);
            const e: NodeJS.ErrnoException = new Error(`${what} timed out after ${timeout} ms (no complete answer)`);
            e.code = "ETIMEDOUT";
            throw e;
        }
        if (code === "ERR_BAD_RESPONSE" && /maxContentLength/.test((err as Error).message)) {
            throw new Error(`${what}: the answer is larger than ${opts.maxBodyBytes ?? 5_000_000} bytes, the most a check accepts`);
        }
        throw err;
    } finally {
        clearTimeout(timer);
        httpAgent.destroy();
        httpsAgent.destroy();
        noteRequest(net, url, started, status);
    }
}

/** The most requests one check run keeps in its evidence (the rest are counted). */
export const MAX_SEEN_REQUESTS = 20;

/** The request in the run's observations (NetObservations.requests), bounded; origin only. */
function noteRequest(net: NetOptions, url: URL, started: number, status: number | string): void {
    const o = net.observed;
    if (!o) return;
    const seen = (o.requests ??= []);
    if (seen.length >= MAX_SEEN_REQUESTS) {
        o.requestsDropped = (o.requestsDropped ?? 0) + 1;
        return;
    }
    seen.push({ at: new Date(started).toISOString(), ms: Date.now() - started, ok: typeof status === "number" && status < 500, url: url.origin, status });
}

/** httpRequest with bounded retries on transient network errors and 502/503/504 answers. */
export async function httpRequestWithRetry(rawUrl: string, net: NetOptions, opts: RequestOptions = {}): Promise<HttpResponse> {
    const own = (opts.timeoutMs ?? net.timeoutMs ?? DEFAULT_TIMEOUT_MS) * attemptsOf(net);
    return withRetry(() => httpRequest(rawUrl, net, opts), {
        attempts: attemptsOf(net),
        deadlineMs: opts.deadline ? Math.min(own, opts.deadline.at - Date.now()) : own,
        retryOn: (r) => r.status === 502 || r.status === 503 || r.status === 504,
    });
}

/**
 * The JSON body of an answer; a body that is not JSON (a proxy's HTML page, a truncated answer)
 * throws saying what came instead, briefly, not the parser's message.
 */
export function jsonBody<T>(res: HttpResponse, what: string): T {
    try {
        return JSON.parse(res.body) as T;
    } catch {
        const excerpt = res.body.replace(/\s+/g, " ").trim().slice(0, 80);
        const type = res.headers["content-type"] ?? "no content-type";
        throw new Error(`${what} answered ${res.status} with a body that is not JSON (${type}, ${Buffer.byteLength(res.body)} bytes${excerpt ? `: ${JSON.stringify(excerpt)}${res.body.length > 80 ? "…" : ""}` : ""})`);
    }
}

/** What was retried before the answer that stands: a status ("503") or an error code, one per retry. */
export type Retried = string[];

/**
 * httpRequestWithRetry that also says what it retried, so a check can report "answered after
 * retrying 503 twice" instead of passing silently. A final error carries `retried` too.
 */
export async function httpRequestNotingRetries(rawUrl: string, net: NetOptions, opts: RequestOptions = {}): Promise<HttpResponse & { retried: Retried }> {
    const seen: string[] = [];
    try {
        const res = await withRetry(
            async () => {
                try {
                    const r = await httpRequest(rawUrl, net, opts);
                    seen.push(String(r.status));
                    return r;
                } catch (err) {
                    seen.push((err as { code?: string }).code ?? "error");
                    throw err;
                }
            },
            {
                attempts: attemptsOf(net),
                deadlineMs: (opts.timeoutMs ?? net.timeoutMs ?? DEFAULT_TIMEOUT_MS) * attemptsOf(net),
                retryOn: (r) => r.status === 502 || r.status === 503 || r.status === 504,
            },
        );
        return { ...res, retried: seen.slice(0, -1) };
    } catch (err) {
        if (err && typeof err === "object") (err as { retried?: Retried }).retried = seen.slice(0, -1);
        throw err;
    }
}

export interface TlsInfo {
    host: string;
    port: number;
    address?: string;
    /** Chain verified against the trust store (and the extra CA). */
    authorized: boolean;
    authorizationError?: string;
    protocol?: string;
    subject?: string;
    /** DNS names from subjectAltName. */
    altNames: string[];
    issuer?: string;
    validFrom?: string;
    validTo?: string;
    fingerprint256?: string;
}

/** Opens a TLS connection with SNI `host` and reports what the server presented. */
export function inspectTls(host: string, net: NetOptions, port?: number): Promise<TlsInfo> {
    const p = port ?? net.httpsPort ?? 443;
    const refused = addressRefusal(host);
    if (refused) return Promise.reject(refused);
    const timeout = net.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const lookup = makeLookup(net);
    return new Promise<TlsInfo>((resolve, reject) => {
        let settled = false;
        // Declared before `done` uses it: Pulumi's closure serializer cannot capture a later `const`.
        let timer: NodeJS.Timeout | undefined;
        const socket = tls.connect({
            host,
            port: p,
            servername: host,
            ...trustOptions(net),
            rejectUnauthorized: false, // we report the verdict instead of failing the socket
            ...(lookup ? { lookup } : {}),
        } as tls.ConnectionOptions);
        const done = (err: Error | null, info?: TlsInfo) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            socket.destroy();
            if (err) reject(err);
            else resolve(info!);
        };
        timer = setTimeout(() => {
            const err: NodeJS.ErrnoException = new Error(`TLS handshake with ${host}:${p} timed out after ${timeout} ms`);
            err.code = "ETIMEDOUT";
            done(err);
        }, timeout);
        socket.once("error", (err) => done(err));
        socket.once("secureConnect", () => {
            const cert = socket.getPeerCertificate(false);
            const altNames = (cert?.subjectaltname ?? "")
                .split(/,\s*/)
                .filter((s) => s.startsWith("DNS:"))
                .map((s) => s.slice(4).toLowerCase());
            const name = (x: unknown) => {
                const cn = (x as { CN?: string | string[]; O?: string | string[] } | undefined);
                const v = cn?.CN ?? cn?.O;
                return Array.isArray(v) ? v.join(", ") : v;
            };
            done(null, {
                host,
                port: p,
                address: socket.remoteAddress,
                authorized: socket.authorized,
                authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
                protocol: socket.getProtocol() ?? undefined,
                subject: name(cert?.subject),
                altNames,
                issuer: name(cert?.issuer),
                validFrom: cert?.valid_from ? new Date(cert.valid_from).toISOString() : undefined,
                validTo: cert?.valid_to ? new Date(cert.valid_to).toISOString() : undefined,
                fingerprint256: cert?.fingerprint256,
            });
        });
    });
}

/** Runs a check body and stamps its duration; an unexpected throw becomes a "fail" with the error. */
export async function timed<R extends { durationMs: number }>(body: () => Promise<Omit<R, "durationMs">>, onError: (err: unknown) => Omit<R, "durationMs">): Promise<R> {
    const started = Date.now();
    let out: Omit<R, "durationMs">;
    try {
        out = await body();
    } catch (err) {
        out = onError(err);
    }
    return { ...out, durationMs: Date.now() - started } as R;
}

/**
 * A short, log-safe description of an error (code and message, no stack). Whatever was thrown: a
 * plain object reads as its JSON (bounded), not "[object Object]".
 */
export function describeError(err: unknown): string {
    if (typeof err === "string") return err;
    if (err === null || err === undefined || typeof err !== "object") return String(err);
    const e = err as { code?: unknown; message?: unknown; errors?: unknown[] };
    let msg = typeof e.message === "string" ? e.message : "";
    // AggregateError (a connection tried on several addresses) has an empty message of its own.
    if (msg === "" && Array.isArray(e.errors) && e.errors.length > 0) msg = describeError(e.errors[0]);
    if (msg === "") {
        let json: string | undefined;
        try {
            json = JSON.stringify(err);
        } catch {
            // circular: named by its type below
        }
        msg = json && json !== "{}" ? (json.length > 300 ? `${json.slice(0, 300)}…` : json) : `${Object.prototype.toString.call(err)} without a message`;
    }
    const code = typeof e.code === "string" ? e.code : undefined;
    // Node's wording names the host twice and the names once: say it as the TLS check does.
    const altnames = code === "ERR_TLS_CERT_ALTNAME_INVALID" ? /Host: (\S+?)\.? is not in the cert's altnames: (.+)$/.exec(msg) : null;
    if (altnames) return `${code}: certificate names [${altnames[2].replace(/DNS:/g, "")}] do not cover ${altnames[1]}`;
    return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}
