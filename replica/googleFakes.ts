// Loopback stand-ins for the Google services the post-deploy checks talk to (MEP-13, MEP-15,
// MEP-16): PageSpeed Insights v5, the OAuth token endpoint (JWT-bearer grant of service accounts),
// Search Console sitemaps and the GA4 Data API realtime report. Answers follow the documented
// shapes, including Google's error JSON; behaviour is programmable per test or rehearsal fault.
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { standInFinalScreenshot } from "./standInPicture";

export interface GoogleError {
    status: number;
    message?: string;
}

export interface FakeServiceAccount {
    /** The key file (JSON text), token_uri pointing at the fake. */
    keyJson: string;
    email: string;
}

export interface GoogleFakesState {
    /** PSI API key accepted (any key when undefined). */
    psiApiKey?: string;
    /** Performance score by page URL (default `defaultScore`). */
    scores: Record<string, number>;
    /** Performance score by page path, whatever the host (a deployment's own URL measured before the switch, or the site's). */
    pathScores: Record<string, number>;
    defaultScore: number;
    /** Statuses answered before the real answer, consumed one per PSI request (e.g. [429, 429]). */
    psiFailures: number[];
    /**
     * The analysis's final screenshot (`audits["final-screenshot"].details.data`): undefined, the
     * stand-in's drawing; null, no such audit; a string, answered as it is.
     */
    finalScreenshot?: string | null;
    /** Every PSI request, for assertions: url, strategy, category. */
    psiRequests: { url: string; strategy: string; category: string }[];
    /** Search Console: property → service-account emails that own it. */
    owners: Record<string, string[]>;
    /** Statuses answered before the real Search Console answer. */
    searchConsoleFailures: number[];
    /** Submitted sitemaps: property → feed paths. */
    sitemaps: Record<string, string[]>;
    /** GA4: property id → active users in the realtime report. */
    activeUsers: Record<string, number>;
    /** GA4: property id → emails with access. */
    analyticsReaders: Record<string, string[]>;
    realtimeFailures: number[];
    realtimeRequests: number;
}

const send = (res: http.ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { "content-type": "application/json; charset=UTF-8" });
    res.end(body === undefined ? undefined : JSON.stringify(body));
};

const STATUS_NAMES: Record<number, string> = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
};

/** Google's error body: `{ error: { code, message, status } }`. */
function googleError(res: http.ServerResponse, code: number, message: string): void {
    send(res, code, { error: { code, message, errors: [{ message, reason: STATUS_NAMES[code] ?? "error" }], status: STATUS_NAMES[code] ?? "UNKNOWN" } });
}

function base64urlJson(part: string): any {
    return JSON.parse(Buffer.from(part.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8"));
}

export class GoogleFakes {
    public readonly state: GoogleFakesState = {
        scores: {},
        pathScores: {},
        defaultScore: 0.97,
        psiFailures: [],
        psiRequests: [],
        owners: {},
        searchConsoleFailures: [],
        sitemaps: {},
        activeUsers: {},
        analyticsReaders: {},
        realtimeFailures: [],
        realtimeRequests: 0,
    };
    /** Service accounts the token endpoint knows: email → public key. */
    private readonly accounts = new Map<string, crypto.KeyObject>();
    /** Issued tokens: token → email and scope. */
    private readonly tokens = new Map<string, { email: string; scope: string }>();

    private constructor(private readonly server: http.Server) {}

    static async start(host = "127.0.0.1", port = 0): Promise<GoogleFakes> {
        // eslint-disable-next-line prefer-const
        let fakes: GoogleFakes;
        const server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                try {
                    fakes.handle(req, res, Buffer.concat(chunks).toString("utf8"));
                } catch (err) {
                    googleError(res, 500, `fake error: ${(err as Error).message}`);
                }
            });
        });
        fakes = new GoogleFakes(server);
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(port, host, () => resolve());
        });
        return fakes;
    }

    /** Base URL of every fake service, e.g. http://127.0.0.1:PORT. */
    get baseUrl(): string {
        const a = this.server.address() as AddressInfo;
        return `http://${a.address}:${a.port}`;
    }

    get tokenUrl(): string {
        return `${this.baseUrl}/token`;
    }

    /** A new service account (fresh RSA key) known to the token endpoint. */
    serviceAccount(email = `golive-${crypto.randomBytes(3).toString("hex")}@kalia-golive.iam.gserviceaccount.com`): FakeServiceAccount {
        const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        this.accounts.set(email, publicKey);
        const keyJson = JSON.stringify({
            type: "service_account",
            project_id: "kalia-golive",
            private_key_id: crypto.randomBytes(8).toString("hex"),
            private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
            client_email: email,
            token_uri: this.tokenUrl,
        });
        return { keyJson, email };
    }

    close(): Promise<void> {
        this.server.closeAllConnections?.();
        return new Promise((r) => this.server.close(() => r()));
    }

    private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
        const url = new URL(req.url ?? "/", this.baseUrl);
        const method = req.method ?? "GET";
        if (method === "GET" && url.pathname === "/pagespeedonline/v5/runPagespeed") return this.pagespeed(url, res);
        if (method === "POST" && url.pathname === "/token") return this.token(body, res);
        const sitemap = /^\/webmasters\/v3\/sites\/([^/]+)\/sitemaps\/([^/]+)$/.exec(url.pathname);
        if (sitemap && (method === "PUT" || method === "GET")) {
            return this.sitemap(method, decodeURIComponent(sitemap[1]), decodeURIComponent(sitemap[2]), req, res);
        }
        const realtime = /^\/v1beta\/properties\/([^/:]+):runRealtimeReport$/.exec(url.pathname);
        if (realtime && method === "POST") return this.realtime(realtime[1], body, req, res);
        return googleError(res, 404, `fake has no ${method} ${url.pathname}`);
    }

    private pagespeed(url: URL, res: http.ServerResponse): void {
        const page = url.searchParams.get("url") ?? "";
        const strategy = (url.searchParams.get("strategy") ?? "desktop").toLowerCase();
        const category = url.searchParams.get("category") ?? "performance";
        this.state.psiRequests.push({ url: page, strategy, category });
        const failure = this.state.psiFailures.shift();
        if (failure !== undefined) return googleError(res, failure, failure === 429 ? "Quota exceeded for quota metric 'Queries'" : "Lighthouse returned error: internal");
        if (this.state.psiApiKey !== undefined && url.searchParams.get("key") !== this.state.psiApiKey) {
            return googleError(res, 400, "API key not valid. Please pass a valid API key.");
        }
        if (!/^https?:\/\//.test(page)) return googleError(res, 400, "Invalid value at 'url'");
        const score = this.state.scores[page] ?? this.state.pathScores[new URL(page).pathname] ?? this.state.defaultScore;
        send(res, 200, {
            kind: "pagespeedonline#result",
            id: page,
            analysisUTCTimestamp: new Date().toISOString(),
            lighthouseResult: {
                requestedUrl: page,
                finalUrl: page,
                lighthouseVersion: "12.2.3",
                configSettings: { formFactor: strategy, emulatedFormFactor: strategy },
                categories: { performance: { id: "performance", title: "Performance", score } },
                audits: {
                    "largest-contentful-paint": { id: "largest-contentful-paint", numericValue: 1200, displayValue: "1.2 s" },
                    ...(this.state.finalScreenshot === null
                        ? {}
                        : { "final-screenshot": { id: "final-screenshot", title: "Final Screenshot", scoreDisplayMode: "informative", details: { type: "screenshot", timing: 1200, timestamp: Date.now() * 1000, data: this.state.finalScreenshot ?? standInFinalScreenshot(strategy) } } }),
                },
            },
        });
    }

    private token(body: string, res: http.ServerResponse): void {
        const form = new URLSearchParams(body);
        if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
            return send(res, 400, { error: "unsupported_grant_type", error_description: "Invalid grant_type" });
        }
        const [h, c, s] = (form.get("assertion") ?? "").split(".");
        let claims: { iss?: string; scope?: string; aud?: string; exp?: number } = {};
        try {
            base64urlJson(h);
            claims = base64urlJson(c);
        } catch {
            return send(res, 400, { error: "invalid_grant", error_description: "Invalid JWT" });
        }
        const publicKey = claims.iss ? this.accounts.get(claims.iss) : undefined;
        const signature = Buffer.from((s ?? "").replace(/-/g, "+").replace(/_/g, "/"), "base64");
        if (!publicKey || !crypto.createVerify("RSA-SHA256").update(`${h}.${c}`).verify(publicKey, signature)) {
            return send(res, 400, { error: "invalid_grant", error_description: "Invalid JWT Signature." });
        }
        if (claims.aud !== this.tokenUrl) {
            return send(res, 400, { error: "invalid_grant", error_description: "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe" });
        }
        const token = `ya29.fake-${crypto.randomBytes(12).toString("hex")}`;
        this.tokens.set(token, { email: claims.iss!, scope: claims.scope ?? "" });
        send(res, 200, { access_token: token, expires_in: 3599, token_type: "Bearer" });
    }

    /** The service account behind the request's Bearer token, or undefined after answering 401. */
    private caller(req: http.IncomingMessage, res: http.ServerResponse, scope: string): string | undefined {
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
        const known = token ? this.tokens.get(token) : undefined;
        if (!known || !known.scope.split(" ").includes(scope)) {
            googleError(res, 401, "Request had invalid authentication credentials. Expected OAuth 2 access token.");
            return undefined;
        }
        return known.email;
    }

    private sitemap(method: string, siteUrl: string, feedpath: string, req: http.IncomingMessage, res: http.ServerResponse): void {
        const email = this.caller(req, res, "https://www.googleapis.com/auth/webmasters");
        if (!email) return;
        const failure = this.state.searchConsoleFailures.shift();
        if (failure !== undefined) return googleError(res, failure, "Backend Error");
        if (!(this.state.owners[siteUrl] ?? []).includes(email)) {
            return googleError(res, 403, `User does not have sufficient permission for site '${siteUrl}'. See also: https://support.google.com/webmasters/answer/2451999.`);
        }
        const submitted = (this.state.sitemaps[siteUrl] ??= []);
        if (method === "PUT") {
            if (!submitted.includes(feedpath)) submitted.push(feedpath);
            return send(res, 204);
        }
        if (!submitted.includes(feedpath)) return googleError(res, 404, "Requested entity was not found.");
        send(res, 200, {
            path: feedpath,
            lastSubmitted: new Date().toISOString(),
            isPending: true,
            isSitemapsIndex: false,
            type: "sitemap",
            warnings: "0",
            errors: "0",
        });
    }

    private realtime(propertyId: string, body: string, req: http.IncomingMessage, res: http.ServerResponse): void {
        const email = this.caller(req, res, "https://www.googleapis.com/auth/analytics.readonly");
        if (!email) return;
        this.state.realtimeRequests++;
        const failure = this.state.realtimeFailures.shift();
        if (failure !== undefined) return googleError(res, failure, "Internal error encountered.");
        if (!(this.state.analyticsReaders[propertyId] ?? []).includes(email)) {
            return googleError(res, 403, "User does not have sufficient permissions for this property. To learn more about Property ID, see https://developers.google.com/analytics/devguides/reporting/data/v1/property-id.");
        }
        const metrics = (JSON.parse(body || "{}") as { metrics?: { name: string }[] }).metrics ?? [];
        if (!metrics.some((m) => m.name === "activeUsers")) return googleError(res, 400, "Field metrics is required.");
        const users = this.state.activeUsers[propertyId] ?? 0;
        // GA4 omits rows entirely when nothing matched.
        send(res, 200, {
            metricHeaders: [{ name: "activeUsers", type: "TYPE_INTEGER" }],
            ...(users > 0 ? { rows: [{ metricValues: [{ value: String(users) }] }], rowCount: 1 } : {}),
            kind: "analyticsData#runRealtimeReport",
        });
    }
}
