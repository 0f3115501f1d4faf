import { strict as assert } from "assert";
import * as crypto from "crypto";
import * as http from "http";
import { AddressInfo } from "net";
import { githubApiOf } from "../../cli/githubApi";
import { fetchAccessToken } from "../../checks/googleAuth";
import { postNotification } from "../../checks/notify";
import { checkPerformance } from "../../checks/performance";
import { vercelCall } from "../../checks/vercelApi";
import { redact, REDACTED, registerSecret } from "../../shared/redact";

// Canary values: distinctive, so that any trace of them in an output is found.
const VERCEL_TOKEN = "canaryVercelTok3n-5f1e2d";
const GITHUB_TOKEN = "ghs_canaryGitHubTok3n9a8b7c";
const PSI_KEY = "AIzaCanaryPageSpeedKey-77c1";
const WEBHOOK_PATH = "/services/T0CANARY/B0CANARY/canaryWebhookS3cret";

/**
 * A loopback server that echoes the whole request (request line, headers, body) in its error answer,
 * as a misconfigured proxy or a hostile server would: `shape` puts the echo where each API puts its message.
 */
async function echoServer(status: number, shape: (echo: string) => unknown): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const echo = `${req.method} ${req.url}\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${body}`;
            seen.push(echo);
            res.writeHead(status, { "Content-Type": "application/json", Connection: "close" }).end(JSON.stringify(shape(echo)));
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        seen,
        close: () => new Promise<void>((r) => server.close(() => r())),
    };
}

/** Runs `fn`, returning what it resolved to or the message it threw, as text. */
async function outcome(fn: () => Promise<unknown>): Promise<string> {
    try {
        return JSON.stringify(await fn());
    } catch (err) {
        return String((err as Error).message);
    }
}

describe("shared/redact: the one redaction of outside answers", () => {
    it("removes registered values, raw and URL-encoded, and credential shapes", () => {
        registerSecret("s3cr3t+value/with=signs");
        const text = redact("got s3cr3t+value/with=signs and s3cr3t%2Bvalue%2Fwith%3Dsigns");
        assert.equal(text, `got ${REDACTED} and ${REDACTED}`);
        const shapes = redact('Authorization: Bearer abcdef123\n"authorization":"token xyz987654" x-api-key: k-1234 url?key=AIzaXYZ&x=1 token=tt-999 {"access_token":"ya29.abc"} eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl');
        for (const leaked of ["abcdef123", "xyz987654", "k-1234", "AIzaXYZ", "tt-999", "ya29.abc", "eyJhbGci"]) assert.ok(!shapes.includes(leaked), `${leaked} left in: ${shapes}`);
        assert.match(shapes, /url\?key=\[redacted\]&x=1/);
        const pem = redact("key: -----BEGIN PRIVATE KEY-----\nMIIEabc\n-----END PRIVATE KEY----- end");
        assert.ok(!pem.includes("MIIEabc"), pem);
    });

    it("leaves ordinary error words alone", () => {
        const text = "Vercel API POST /v6/domains: the domain is already in use by another project (domain_taken)";
        assert.equal(redact(text), text);
    });
});

describe("error texts from echoing servers carry no credential golive sent", () => {
    it("Vercel API: an error message that echoes the request leaves the token out", async () => {
        const srv = await echoServer(403, (echo) => ({ error: { code: "forbidden", message: `denied for ${echo}`, request: echo } }));
        try {
            const said = await outcome(() =>
                vercelCall({ baseUrl: srv.url, token: VERCEL_TOKEN }, "GET", "/v9/projects/x").catch((err: Error & { details?: unknown }) => {
                    throw new Error(`${err.message} ${JSON.stringify(err.details)}`);
                }),
            );
            assert.match(said, /"request":"GET \/v9\/projects\/x/, "the details are kept, redacted");
            assert.ok(srv.seen.some((s) => s.includes(VERCEL_TOKEN)), "the server did receive the token (the echo is real)");
            assert.match(said, /Vercel API GET \/v9\/projects\/x: denied for GET/);
            assert.ok(!said.includes(VERCEL_TOKEN), said);
            assert.ok(!said.includes("canaryVercel"), said);
        } finally {
            await srv.close();
        }
    });

    it("GitHub API: the job's token never comes back in the error", async () => {
        const srv = await echoServer(404, (echo) => ({ message: `Not Found: ${echo}` }));
        try {
            const api = githubApiOf({ GITHUB_API_URL: srv.url, GITHUB_TOKEN, GOLIVE_LOOPBACK_ONLY: "1" });
            assert.ok(!("missing" in api));
            const said = await outcome(() => (api as Exclude<typeof api, { missing: string }>).get("/repos/kalia/site"));
            assert.ok(srv.seen.some((s) => s.includes(GITHUB_TOKEN)));
            assert.match(said, /GitHub API GET \/repos\/kalia\/site answered HTTP 404: Not Found/);
            assert.ok(!said.includes(GITHUB_TOKEN), said);
        } finally {
            await srv.close();
        }
    });

    it("webhook (MEP-01/MEP-17): the URL's secret stays out of the result", async () => {
        const srv = await echoServer(400, (echo) => ({ error: echo }));
        try {
            const r = await postNotification({ webhookUrl: srv.url + WEBHOOK_PATH, stage: "start", site: "https://www.example.com/" }, { timeoutMs: 2_000, attempts: 1 });
            assert.equal(r.status, "fail");
            assert.ok(srv.seen.some((s) => s.includes("canaryWebhookS3cret")));
            assert.ok(!JSON.stringify(r).includes("canaryWebhookS3cret"), JSON.stringify(r));
        } finally {
            await srv.close();
        }
    });

    it("PageSpeed Insights (MEP-13): the API key, echoed in the answer's message, is not in the result", async () => {
        const srv = await echoServer(400, (echo) => ({ error: { code: 400, message: `Bad request ${echo}` } }));
        try {
            const r = await checkPerformance({ urls: ["https://www.example.com/"], mode: "api", apiKey: PSI_KEY, apiBaseUrl: srv.url, retry: { attempts: 1 } }, { timeoutMs: 2_000 });
            assert.ok(srv.seen.some((s) => s.includes(PSI_KEY)));
            const text = JSON.stringify(r);
            assert.match(text, /PSI answered 400: Bad request GET/);
            assert.ok(!text.includes(PSI_KEY) && !text.includes("CanaryPageSpeed"), text);
        } finally {
            await srv.close();
        }
    });

    it("Google token endpoint: neither the signed assertion nor the private key comes back", async () => {
        const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 });
        const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
        const srv = await echoServer(400, (echo) => ({ error: "invalid_grant", error_description: `${echo} ${pem}` }));
        try {
            const said = await outcome(() => fetchAccessToken({ client_email: "golive@kalia.iam.gserviceaccount.com", private_key: pem } as never, "scope", { timeoutMs: 2_000, attempts: 1 }, `${srv.url}/token`));
            assert.match(said, /token endpoint http:\/\/127\.0\.0\.1:\d+ refused service account golive@kalia\.iam\.gserviceaccount\.com: invalid_grant/);
            const assertion = /assertion=([^&\s]+)/.exec(srv.seen[0])![1];
            assert.ok(!said.includes(assertion.slice(0, 40)), said);
            assert.ok(!said.includes(pem.split("\n")[1]), said);
        } finally {
            await srv.close();
        }
    });
});
