import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import { NotificationStep, postNotification, scrubUrl } from "../../checks/notify";
import type { CheckResult } from "../../checks/types";
import { providerOf } from "../helpers/engine";
import { isSecretValue, unwrapSecrets } from "../helpers/secrets";

const SECRET_PATH = "/services/T0001/B0002/s3cr3tT0k3nXYZ";

const results: CheckResult[] = [
    { id: "MEP-07", name: "DnsPropagation", status: "pass", reason: "apex and www resolve to Vercel on 3 resolvers", evidence: {}, durationMs: 12 },
    { id: "MEP-13", name: "PageSpeed", status: "skip", reason: "no API key (golive:pagespeed.apiKey)", evidence: {}, durationMs: 0 },
];

describe("checks/notify: MEP-01 / MEP-17 webhook messages", () => {
    let server: http.Server;
    let base: string;
    let received: Array<{ path: string; body: any; contentType?: string }> = [];
    let answer = 200;
    before(async () => {
        server = http.createServer((req, res) => {
            let data = "";
            req.on("data", (c) => (data += c));
            req.on("end", () => {
                received.push({ path: req.url ?? "", body: data ? JSON.parse(data) : undefined, contentType: req.headers["content-type"] });
                res.writeHead(answer).end(answer === 200 ? "ok" : "no");
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    beforeEach(() => {
        received = [];
        answer = 200;
    });
    after(() => server.close());

    const net = { timeoutMs: 2000, attempts: 2 };

    it("posts a Slack-compatible start message saying what goes live", async () => {
        const r = await postNotification({ webhookUrl: base + SECRET_PATH, stage: "start", site: "https://www.example.com/", releaseRef: "v1.0.0" }, net);
        assert.equal(r.id, "MEP-01");
        assert.equal(r.status, "pass", r.reason);
        assert.equal(received.length, 1);
        assert.equal(received[0].path, SECRET_PATH);
        assert.equal(received[0].contentType, "application/json");
        assert.equal(typeof received[0].body.text, "string");
        assert.match(received[0].body.text, /début de l'intervention/);
        assert.match(received[0].body.text, /www\.example\.com/);
        assert.match(received[0].body.text, /v1\.0\.0/);
        assert.ok(Array.isArray(received[0].body.blocks));
        assert.ok(!JSON.stringify(r).includes("s3cr3t"), "the result must not carry the secret path");
    });

    it("lists the check results in the end message", async () => {
        const r = await postNotification({ webhookUrl: base + SECRET_PATH, stage: "end", site: "https://www.example.com/", results }, net);
        assert.equal(r.id, "MEP-17");
        assert.equal(r.status, "pass");
        const text: string = received[0].body.text;
        assert.match(text, /en ligne/);
        assert.match(text, /✅ MEP-07 DnsPropagation: apex and www resolve/);
        assert.match(text, /⚠️ MEP-13 PageSpeed: no API key/);
    });

    it("says when a check failed in the end message", async () => {
        const failing = [...results, { ...results[0], id: "MEP-10" as const, name: "Redirects", status: "fail" as const, reason: "apex answered 302" }];
        await postNotification({ webhookUrl: base + SECRET_PATH, stage: "end", site: "https://www.example.com/", results: failing }, net);
        assert.match(received[0].body.text, /: 1 vérification en échec\./);
        assert.match(received[0].body.text, /❌ MEP-10 Redirects: apex answered 302/);
    });

    it("fails on a 500 (after bounded retries) without printing the URL", async () => {
        answer = 500;
        const r = await postNotification({ webhookUrl: base + SECRET_PATH, stage: "start", site: "https://www.example.com/" }, net);
        assert.equal(r.status, "fail");
        assert.match(r.reason, /answered HTTP 500/);
        assert.equal(received.length, 2, "retried once (attempts: 2), no more");
        assert.ok(!JSON.stringify(r).includes(SECRET_PATH));
        assert.ok(!JSON.stringify(r).includes("s3cr3t"));
    });

    it("fails on an unreachable webhook without printing the URL", async () => {
        const closed = http.createServer();
        await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
        const port = (closed.address() as AddressInfo).port;
        await new Promise<void>((r) => closed.close(() => r()));
        const r = await postNotification({ webhookUrl: `http://127.0.0.1:${port}${SECRET_PATH}`, stage: "start", site: "x" }, { timeoutMs: 1000, attempts: 1 });
        assert.equal(r.status, "fail");
        assert.match(r.reason, /could not be reached/);
        assert.ok(!JSON.stringify(r).includes("s3cr3t"));
    });

    it("skips, naming the key, without a webhook", async () => {
        const r = await postNotification({ webhookUrl: "", stage: "end", site: "x" }, net);
        assert.equal(r.status, "skip");
        assert.match(r.reason, /golive:notify\.webhookUrl/);
    });

    it("scrubs the URL and its path from messages", () => {
        const url = base + SECRET_PATH;
        assert.equal(scrubUrl(`POST ${url} failed; path ${SECRET_PATH}`, url), "POST [webhook] failed; path [webhook]");
    });

    it("runs through the serialized provider, the URL only in the (secret) inputs", async () => {
        const url = base + SECRET_PATH;
        const { provider, inputs: registered, serialized } = await providerOf(
            () =>
                new NotificationStep("notify-end", {
                    input: pulumi.secret({ webhookUrl: url, stage: "end" as const, site: "https://www.example.com/", results }),
                    net,
                }),
        );
        assert.ok(!serialized.includes("s3cr3t"), "the serialized provider must not capture the webhook URL");
        assert.ok(isSecretValue(registered.input), "the input is registered as a secret");
        const inputs = unwrapSecrets(registered);
        const created = await provider.create(inputs);
        assert.equal(created.outs.result.id, "MEP-17");
        assert.equal(created.outs.result.status, "pass");
        assert.equal(received.length, 1);
        assert.ok(!JSON.stringify(created.outs.result).includes("s3cr3t"));
        answer = 500;
        const news = { ...inputs, input: { ...inputs.input, stage: "start" } };
        const err = await provider.update(created.id, created.outs, news).then(
            () => undefined,
            (e: Error) => e,
        );
        assert.ok(err, "a failed webhook fails the step");
        assert.match(err!.message, /MEP-01 Start notification failed: the webhook on 127\.0\.0\.1:\d+ answered HTTP 500/);
        assert.ok(!err!.message.includes("s3cr3t"));
    });
});
