import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import { CheckResource, checkProvider, inputsDiffer, providerFor } from "../checks/dynamic";
import { UNKNOWN_VALUE } from "../shared/secretEnvelope";
import { ContactFormCheck, ContactFormInput } from "../checks/contactForm";
import { describeError, httpRequest } from "../checks/net";
import { PerformanceCheck } from "../checks/performance";
import { performanceInputOf } from "../checks/serviceInputs";
import type { CheckResult, NetOptions } from "../checks/types";
import { providerOf } from "./helpers/engine";

// A minimal check that goes through checks/net, so the whole network module is serialized.
async function checkStatus(input: { url: string; net: NetOptions; want: number }): Promise<CheckResult> {
    const res = await httpRequest(input.url, input.net);
    return {
        id: "MEP-09",
        name: "Status",
        status: res.status === input.want ? "pass" : "fail",
        reason: `answered ${res.status}`,
        evidence: { status: res.status },
        durationMs: res.elapsedMs,
    };
}

describe("checks/dynamic: a check as the engine runs it", () => {
    let server: http.Server;
    let url: string;
    before(async () => {
        server = http.createServer((req, res) => res.writeHead(req.url === "/ok" ? 200 : 500).end("x"));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it("serializes, creates, diffs and updates through the __provider string", async () => {
        const { provider, inputs, serialized } = await providerOf(
            () => new CheckResource(checkProvider(checkStatus), "Status", "status", { url: `${url}/ok`, net: {}, want: 200 }),
        );
        assert.match(serialized, /exports\.handler/);
        const { __provider, ...plain } = inputs;
        const created = await provider.create(inputs);
        assert.equal(created.outs.result.status, "pass");
        assert.equal(created.outs.__provider, undefined);
        assert.deepEqual((await provider.diff(created.id, created.outs, plain)), { changes: false });
        const news = { ...plain, url: `${url}/boom` };
        assert.deepEqual((await provider.diff(created.id, created.outs, news)), { changes: true });
        await assert.rejects(provider.update(created.id, created.outs, news), /MEP-09 Status failed: answered 500/);
    });

    it("a check declared twice (before and after the switch) has one provider object, so the SDK serializes it once; another label has its own", async () => {
        const spec = { label: "MEP-09 Status" };
        const first = providerFor(checkStatus, spec);
        assert.equal(providerFor(checkStatus, { ...spec }), first);
        assert.notEqual(providerFor(checkStatus, { label: "MEP-10 Status" }), first);
        // Both declarations carry the same __provider text: the engine sees no difference.
        const [a, b] = await Promise.all(["status-pre", "status-post"].map((name) => providerOf(() => new CheckResource(providerFor(checkStatus, spec), "Status", name, { input: { url: `${url}/ok`, net: {}, want: 200 } }))));
        assert.equal(a.serialized, b.serialized);
        const created = await a.provider.create(a.inputs);
        assert.equal(created.outs.result.status, "pass", created.outs.result.reason);
    });

    describe("errors reach the engine with a message that names the check (issue 9 item 9)", () => {
        // cmd/dynamic-provider answers the engine with `e.message` and nothing else.
        const engineMessage = async (p: Promise<unknown>): Promise<string> => {
            try {
                await p;
            } catch (e) {
                return (e as Error).message;
            }
            return assert.fail("should have failed");
        };

        it("a string or a plain object thrown inside a check keeps its content, never [object Object] or nothing", async () => {
            const throwing = (what: unknown) => async (): Promise<CheckResult> => {
                throw what;
            };
            const plain = await providerOf(() => new CheckResource(checkProvider(throwing({ code: "EPROTO", detail: "bad answer" }), { label: "MEP-09 Status" }), "Status", "throws-object", { net: {} }));
            assert.equal(await engineMessage(plain.provider.create(plain.plain)), 'MEP-09 Status could not run: {"code":"EPROTO","detail":"bad answer"}');
            const text = await providerOf(() => new CheckResource(checkProvider(throwing("socket hung up"), { label: "MEP-09 Status" }), "Status", "throws-string", { net: {} }));
            assert.equal(await engineMessage(text.provider.create(text.plain)), "MEP-09 Status could not run: socket hung up");
            assert.equal(describeError({ reason: "x" }), '{"reason":"x"}');
            assert.equal(describeError(Object.assign(new Error(""), { errors: [new Error("connect ECONNREFUSED 127.0.0.1:1")], code: "ECONNREFUSED" })), "connect ECONNREFUSED 127.0.0.1:1");
            assert.equal(describeError(undefined), "undefined");
        });

        it("missing input fields raise an error naming the check and the field, not a TypeError", async () => {
            const engine = await providerOf(() => new PerformanceCheck("performance-incomplete", { input: pulumi.secret(performanceInputOf({ domain: "example.com", pages: [] }, {})), net: {} }));
            const { input, ...rest } = engine.plain;
            const noUrls = { ...rest, input: { ...input, urls: undefined } };
            assert.equal(
                await engineMessage(engine.provider.create(noUrls)),
                "MEP-13 Performance cannot run: its input has no urls (a list), got nothing (the resource's inputs are incomplete)",
            );
            assert.match(await engineMessage(engine.provider.create(rest)), /^MEP-13 Performance cannot run: its input is missing/);
        });
    });

    describe("an upgrade of the program does not re-run a check unless something that matters changed (issue 9 item 10)", () => {
        const site = { domain: "kaliabeautystudio.com", pages: [{ path: "/" }, { path: "/services" }] };
        const triggers = { apex: "216.198.79.1", www: "cname.vercel-dns.com", deployment: "dpl_1" };

        it("MEP-13: fields the old state lacks read as the check's defaults; key order does not matter; a real change does", async () => {
            const engine = await providerOf(() => new PerformanceCheck("performance-upgrade", { input: pulumi.secret(performanceInputOf(site, {})), net: {}, triggers }));
            const { __provider, ...news } = engine.plain;
            // State written by the version before: no timeoutMs, localRuns or mode in the input, no www trigger, keys in another order.
            const { timeoutMs: _t, localRuns: _l, mode: _m, ...oldInput } = news.input;
            const olds = { result: { id: "MEP-13", status: "pass" }, triggers: { deployment: "dpl_1", apex: triggers.apex }, input: Object.fromEntries(Object.entries(oldInput).reverse()), net: {} };
            assert.deepEqual(await engine.provider.diff("id", olds, news), { changes: false });
            assert.deepEqual(await engine.provider.diff("id", olds, { ...news, input: { ...news.input, threshold: 0.95 } }), { changes: true });
            assert.deepEqual(await engine.provider.diff("id", olds, { ...news, input: { ...news.input, localRuns: 5 } }), { changes: true }, "a value other than the default matters");
            assert.deepEqual(await engine.provider.diff("id", olds, { ...news, triggers: { ...triggers, deployment: "dpl_2" } }), { changes: true });
            assert.deepEqual(await engine.provider.diff("id", olds, { ...news, nonce: "2" }), { changes: true }, "a nonce bump still re-runs it");
        });

        it("MEP-12: an old state without triggers, port, fields, method or mailbox does not send the mail again; a new deployment does", async () => {
            const input: ContactFormInput = {
                pageUrl: "https://www.kaliabeautystudio.com/contact",
                method: "POST",
                fields: { name: "nom", email: "email", message: "msg" },
                hidden: {},
                imap: { host: "imap.example.net", port: 993, secure: true, user: "contact@kaliabeautystudio.com", mailbox: "INBOX", password: "pw" },
                deliveryTimeoutMs: 180_000,
                pollMs: 5_000,
            };
            const engine = await providerOf(() => new ContactFormCheck("contact-upgrade", { input: pulumi.secret(input), net: {}, triggers }));
            const { __provider, ...news } = engine.plain;
            const oldest = {
                result: { id: "MEP-12", status: "pass" },
                input: { pageUrl: input.pageUrl, fields: { name: "nom", message: "msg" }, imap: { host: "imap.example.net", user: input.imap!.user, password: "pw" } },
            };
            assert.deepEqual(await engine.provider.diff("id", oldest, news), { changes: false }, "nothing to say the deployment changed");
            const older = { ...oldest, triggers: { deployment: "dpl_1" } };
            assert.deepEqual(await engine.provider.diff("id", older, news), { changes: false });
            assert.deepEqual(await engine.provider.diff("id", older, { ...news, triggers: { ...triggers, www: "other.vercel-dns.com" } }), { changes: false }, "record contents are not the deployment");
            assert.deepEqual(await engine.provider.diff("id", older, { ...news, triggers: { ...triggers, deployment: "dpl_2" } }), { changes: true });
            assert.deepEqual(await engine.provider.diff("id", older, { ...news, input: { ...news.input, imap: { ...news.input.imap, port: 143, secure: false } } }), { changes: true });
        });
    });
});

// Found by the engine tier: the engine sends triggers it does not know yet (a record being
// replaced, a preview) as its unknown value, a string, not an object.
describe("checks/dynamic: a diff with triggers the engine does not know yet", () => {
    it("says the check may change instead of throwing", () => {
        const olds = { input: { url: "https://example.com/" }, triggers: { apex: "76.76.21.21", www: "cname.vercel-dns.com" } };
        assert.equal(inputsDiffer(olds, { ...olds, triggers: UNKNOWN_VALUE }), true);
        assert.equal(inputsDiffer(olds, { ...olds, triggers: { ...olds.triggers, www: UNKNOWN_VALUE } }), true);
        assert.equal(inputsDiffer(olds, { ...olds }), false);
    });
});
