// The replica's service API on loopback: what Cloudflare's and Vercel's APIs are to the real
// providers. The world process (a test, the rehearsal) serves the same resource and invoke
// handlers the mock engine calls in-process (replica/providers.ts), so the replica provider
// plugins that the real engine starts act on the same replica world through one definition of it.
import * as http from "http";
import type { AddressInfo } from "net";
import type { InvokeHandler, ProviderRequest, ResourceHandler } from "./providerApi";
import { isLoopbackHost } from "../lib/loopback";

/** The environment variable that tells a replica plugin where the service API is. */
export const CONTROL_ENV = "GOLIVE_REPLICA_API";

const MAX_BODY = 2_000_000;

export interface ControlServer {
    url: string;
    /** Requests served, by path, for the figures and the tests. */
    calls: Array<{ path: string; type?: string; op?: string; token?: string }>;
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

/** Serves `handlers` on 127.0.0.1: POST /resource {ProviderRequest}, POST /invoke {token, inputs}. */
export async function startControlServer(handlers: ControlHandlers, host = "127.0.0.1"): Promise<ControlServer> {
    const calls: ControlServer["calls"] = [];
    const server = http.createServer(async (req, res) => {
        const reply = (status: number, body: unknown) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        try {
            if (req.method !== "POST") return reply(405, { error: "POST only" });
            const body = JSON.parse(await readBody(req));
            if (req.url === "/resource") {
                const r = body as ProviderRequest;
                calls.push({ path: "/resource", type: r.type, op: r.op });
                const handler = handlers.resources[r.type];
                if (!handler) return reply(404, { error: `the replica does not know resource type ${r.type}` });
                return reply(200, (await handler(r)) ?? {});
            }
            if (req.url === "/invoke") {
                const { token, inputs } = body as { token: string; inputs: Record<string, unknown> };
                calls.push({ path: "/invoke", token });
                const handler = handlers.invokes[token];
                if (!handler) return reply(404, { error: `the replica does not know data source ${token}` });
                return reply(200, await handler(inputs ?? {}));
            }
            return reply(404, { error: `unknown path ${req.url}` });
        } catch (err) {
            return reply(422, { error: (err as Error)?.message ?? String(err) });
        }
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${host}:${port}`,
        calls,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections?.();
                server.close(() => resolve());
            }),
    };
}

/**
 * One call to the service API from a plugin, bounded by `timeoutMs` whatever the server does.
 * The API's own refusal (a Cloudflare-like error) comes back as an Error with its message.
 */
export async function callControl<T>(baseUrl: string, path: "/resource" | "/invoke", body: unknown, timeoutMs = 60_000): Promise<T> {
    const url = new URL(path, baseUrl);
    if (!isLoopbackHost(url.hostname)) throw new Error(`${CONTROL_ENV} must be a loopback URL, got ${baseUrl}`);
    const payload = JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
        const req = http.request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
            let size = 0;
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => {
                size += c.length;
                if (size > MAX_BODY) req.destroy(new Error("replica API answer too large"));
                else chunks.push(c);
            });
            res.on("end", () => {
                clearTimeout(timer);
                let parsed: any;
                try {
                    parsed = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
                } catch {
                    return reject(new Error(`replica API ${path}: answer is not JSON (status ${res.statusCode})`));
                }
                if (res.statusCode !== 200) return reject(new Error(parsed?.error ?? `replica API ${path}: status ${res.statusCode}`));
                resolve(parsed as T);
            });
            res.on("error", reject);
        });
        const timer = setTimeout(() => req.destroy(new Error(`replica API ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
        req.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        req.end(payload);
    });
}
