// A stand-in for Cloudflare's edge: what visitors reach when the zone answers a proxied record
// with "Cloudflare's" address. It presents an edge certificate for the zone's names (from the
// replica CA, as Cloudflare's Universal SSL covers the apex and *.apex) and forwards each HTTP or
// HTTPS request to the origin the zone's record for that name holds, marking the answer
// `x-served-by: <origin> (via cloudflare)`.
//
// Imitated: a proxied A/CNAME is answered with the edge's addresses, A and AAAA, as Cloudflare's
// anycast answers both (replica/cloudflareZone; here 127.0.0.4 and ::1 when the machine has an
// IPv6 loopback), and the edge forwards to the record's target (developers.cloudflare.com/dns/proxy-status). Assumed,
// not documented by any provider source: a name whose record turned DNS-only is still forwarded
// to its (new) target when a visitor's resolver still holds the edge address (README, "How
// faithful is the replica").
import * as http from "http";
import * as https from "https";
import type { AddressInfo, Socket } from "net";
import type { KeyPair } from "./pki";
import { listen } from "./site";

/** Where the zone's record for `host` points (an address), or undefined when the zone has none. */
export type OriginLookup = (host: string) => string | undefined;

const FORWARD_TIMEOUT_MS = 10_000;

export class CloudflareEdge {
    /** Requests forwarded, for the figures and the tests. */
    public forwarded = 0;
    private originOf: OriginLookup = () => undefined;
    private readonly sockets = new Set<Socket>();

    /** The edge's IPv6 address (::1), when it listens there too: what the zone answers for a proxied name's AAAA. */
    public host6?: string;
    private readonly more: Array<http.Server | https.Server> = [];

    private constructor(
        public readonly host: string,
        private readonly httpServer: http.Server,
        private readonly httpsServer: https.Server,
        private readonly originPorts: { http: number; https: number },
    ) {}

    /**
     * Serves on `host` at the ports visitors use (the same as the sites'), forwarding to origins
     * on those ports too.
     */
    static async start(opts: { host: string; host6?: string; httpPort: number; httpsPort: number; cert: KeyPair }): Promise<CloudflareEdge> {
        // eslint-disable-next-line prefer-const
        let edge: CloudflareEdge;
        const handler = (scheme: "http" | "https") => (req: http.IncomingMessage, res: http.ServerResponse) => edge.forward(scheme, req, res);
        const httpServer = http.createServer(handler("http"));
        const httpsServer = https.createServer({ cert: opts.cert.certPem, key: opts.cert.keyPem }, handler("https"));
        edge = new CloudflareEdge(opts.host, httpServer, httpsServer, { http: opts.httpPort, https: opts.httpsPort });
        for (const server of [httpServer, httpsServer]) {
            server.on("connection", (s: Socket) => {
                edge.sockets.add(s);
                s.on("close", () => edge.sockets.delete(s));
            });
        }
        await listen(httpServer, opts.host, opts.httpPort);
        await listen(httpsServer, opts.host, opts.httpsPort);
        if (opts.host6) {
            // Cloudflare's anycast answers on IPv6 too: the same edge, on the IPv6 loopback.
            const [http6, https6] = [http.createServer(handler("http")), https.createServer({ cert: opts.cert.certPem, key: opts.cert.keyPem }, handler("https"))];
            for (const server of [http6, https6]) {
                server.on("connection", (s: Socket) => {
                    edge.sockets.add(s);
                    s.on("close", () => edge.sockets.delete(s));
                });
            }
            await listen(http6, opts.host6, opts.httpPort);
            await listen(https6, opts.host6, opts.httpsPort);
            edge.more.push(http6, https6);
            edge.host6 = opts.host6;
        }
        return edge;
    }

    /** The zone whose records say where each name's origin is (replica/cloudflareZone attaches itself). */
    attach(originOf: OriginLookup): void {
        this.originOf = originOf;
    }

    get ports(): { http: number; https: number } {
        return { http: (this.httpServer.address() as AddressInfo).port, https: (this.httpsServer.address() as AddressInfo).port };
    }

    async close(): Promise<void> {
        for (const s of this.sockets) s.destroy();
        await Promise.all([this.httpServer, this.httpsServer, ...this.more].map((server) => new Promise<void>((r) => server.close(() => r()))));
    }

    private forward(scheme: "http" | "https", req: http.IncomingMessage, res: http.ServerResponse): void {
        const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
        const origin = host ? this.originOf(host) : undefined;
        const edgeHeaders = { server: "cloudflare", "cf-ray": `${Date.now().toString(16)}-REPLICA` };
        if (!origin) {
            // Cloudflare's answer when it cannot find the origin of a name: 530, error 1016.
            res.writeHead(530, { ...edgeHeaders, "content-type": "text/plain", "x-served-by": "cloudflare" });
            res.end(`error code: 1016 (no origin for ${host || "a request without Host"})\n`);
            return;
        }
        this.forwarded++;
        const options: https.RequestOptions = {
            host: origin,
            port: scheme === "https" ? this.originPorts.https : this.originPorts.http,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, "cf-connecting-ip": req.socket.remoteAddress ?? "" },
            timeout: FORWARD_TIMEOUT_MS,
            // SSL mode "Full": the edge speaks TLS to the origin, with the visitor's name, and does
            // not require the origin's certificate to be publicly trusted.
            ...(scheme === "https" ? { servername: host, rejectUnauthorized: false } : {}),
        };
        const upstream = (scheme === "https" ? https : http).request(options, (up) => {
            const served = up.headers["x-served-by"];
            res.writeHead(up.statusCode ?? 502, { ...up.headers, ...edgeHeaders, "x-served-by": `${served ?? "origin"} (via cloudflare)` });
            up.pipe(res);
        });
        // Cloudflare's answer when the origin does not answer: 522.
        const fail = (why: string): void => {
            if (res.headersSent) {
                res.destroy();
                return;
            }
            res.writeHead(522, { ...edgeHeaders, "content-type": "text/plain", "x-served-by": "cloudflare" });
            res.end(`error code: 522 (${why})\n`);
        };
        upstream.on("timeout", () => upstream.destroy(new Error(`origin ${origin} did not answer within ${FORWARD_TIMEOUT_MS} ms`)));
        upstream.on("error", (err) => fail(`origin ${origin}: ${err.message}`));
        req.pipe(upstream);
    }
}
