import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import { ImapFlow } from "imapflow";
import { checkContactForm, ContactFormCheck, contactFormRunsAgain, ContactFormInput, IMAP_LIMITS } from "../../checks/contactForm";
import { startWorld, ReplicaWorld } from "../../replica/world";
import type { Reply, RequestInfo } from "../../replica/site";
import { Mailbox, startDovecot } from "../fixtures/dovecot";
import { requireDovecot } from "../helpers/prerequisites";
import { HostileServer, IMAP_GREETING, startHostileImap, startHostileServer, timeToVerdict, VERDICT_MARGIN_MS } from "../fixtures/hostileServers";
import { providerOf } from "../helpers/engine";
import { isSecretValue, unwrapSecrets } from "../helpers/secrets";

function imapClient(mb: Mailbox): ImapFlow {
    return new ImapFlow({ host: mb.host, port: mb.port, secure: false, auth: { user: mb.user, pass: mb.password }, logger: false });
}

async function countMessages(mb: Mailbox): Promise<number> {
    const c = imapClient(mb);
    await c.connect();
    try {
        const status = await c.status("INBOX", { messages: true });
        if (!status) throw new Error("STATUS INBOX failed");
        return status.messages ?? 0;
    } finally {
        await c.logout();
    }
}

describe("checks/contactForm (MEP-12) against the replica site and a real IMAP server", function () {
    this.timeout(30_000);
    let world: ReplicaWorld;
    let mb: Mailbox;
    /** How the site's form handler behaves: deliver the mail, answer 500, or accept and lose it. */
    let mode: "deliver" | "500" | "lose" = "deliver";
    let posts: Record<string, string>[] = [];

    before(async function () {
        requireDovecot(this);
        mb = await startDovecot();
        world = await startWorld();
        // The form handler of the test site: it delivers the message into the mailbox (IMAP APPEND).
        world.newSite.spec.handle = async (req: RequestInfo): Promise<Reply | undefined> => {
            if (!(req.path === "/contact" && req.method === "POST")) return undefined;
            const form = Object.fromEntries(new URLSearchParams(req.body));
            posts.push(form);
            if (mode === "500") return { status: 500, body: "Internal Server Error" };
            if (mode === "deliver") {
                const c = imapClient(mb);
                await c.connect();
                await c.append(
                    "INBOX",
                    `From: site <noreply@${world.domain}>\r\nTo: ${mb.user}\r\nSubject: Nouveau message de ${form.nom}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${form.msg}\r\n`,
                );
                await c.logout();
            }
            return { status: 303, headers: { location: "/contact?envoye=1" } };
        };
    });
    after(async () => {
        await world?.close();
        await mb?.stop();
    });
    beforeEach(() => {
        mode = "deliver";
        posts = [];
    });

    const inputOf = (over: Partial<ContactFormInput> = {}): ContactFormInput => ({
        pageUrl: `https://www.${world.domain}/contact`,
        fields: { name: "nom", email: "courriel", message: "msg" },
        hidden: { _formId: "contact-1", website: "" },
        imap: { host: mb.host, port: mb.port, secure: false, user: mb.user, password: mb.password },
        deliveryTimeoutMs: 5_000,
        pollMs: 200,
        ...over,
    });

    it("passes through the serialized provider: form posted like a browser, mail found, test message deleted, no secret anywhere", async () => {
        const engine = await providerOf(
            () => new ContactFormCheck("contact", { input: pulumi.secret(inputOf()), net: world.net, triggers: { deployment: "dpl_1" } }),
        );
        const { provider, serialized } = engine;
        assert.ok(isSecretValue(engine.inputs.input), "the input reaches the engine as a secret");
        assert.ok(!serialized.includes(mb.password), "the password must not be captured in __provider");
        const inputs = unwrapSecrets(engine.inputs);
        const created = await provider.create(inputs);
        const result = created.outs.result;
        assert.equal(result.status, "pass", result.reason);
        assert.equal(result.id, "MEP-12");
        assert.match(result.reason, /mail reached .* in \d+\.\d s; test message deleted/);
        assert.equal(typeof result.evidence.mail.deliveryMs, "number");
        assert.equal(result.evidence.mail.deleted, 1);
        assert.ok(!JSON.stringify(result).includes(mb.password), "the password must not be in the result");
        // The browser-like post: configured field names, hidden fields, a token in the message.
        assert.equal(posts.length, 1);
        assert.equal(posts[0]._formId, "contact-1");
        assert.equal(posts[0].website, "");
        assert.ok(posts[0].msg.includes(result.evidence.form.token));
        assert.equal(await countMessages(mb), 0, "the test message is removed from the client's inbox");

        // Once per deployment: a nonce bump or a new token does not re-run it, a new deployment does.
        const { __provider, ...plain } = inputs;
        assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, nonce: "2" }), { changes: false });
        assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, input: { ...plain.input, deliveryTimeoutMs: 9_000 } }), { changes: false });
        assert.deepEqual(await provider.diff(created.id, created.outs, { ...plain, triggers: { deployment: "dpl_2" } }), { changes: true });
    });

    it("fails when the form answers 500, through the provider, without leaking the password", async () => {
        mode = "500";
        const engine = await providerOf(() => new ContactFormCheck("contact-500", { input: pulumi.secret(inputOf()), net: world.net }));
        const { provider } = engine;
        const inputs = unwrapSecrets(engine.inputs);
        await assert.rejects(provider.create(inputs), (err: Error) => {
            assert.match(err.message, /MEP-12 Contact form failed: form POST https:\/\/www\.kaliabeautystudio\.com\/contact answered 500/);
            assert.ok(!err.message.includes(mb.password));
            return true;
        });
    });

    it("fails within the bounded wait when the mail never arrives", async () => {
        mode = "lose";
        const result = await checkContactForm(inputOf({ deliveryTimeoutMs: 1_500, pollMs: 300 }), world.net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /no mail with token golive-[0-9a-f]+ reached .* within 2 s/);
        // Bounded in searches (one per poll within the wait, and one at the start), not by a clock.
        const searches = (result.evidence as any).mail.searches;
        assert.ok(searches >= 2 && searches <= 1 + Math.ceil(1_500 / 300), `the wait is bounded: ${searches} searches`);
    });

    it("fails with the cause when the mailbox refuses the login: authentication failed for the user on host:port", async () => {
        const result = await checkContactForm(inputOf({ imap: { host: mb.host, port: mb.port, secure: false, user: mb.user, password: "wrong-password" } }), world.net);
        assert.equal(result.status, "fail");
        const where = `${mb.user} on ${mb.host}:${mb.port}`.replace(/\./g, "\\.");
        assert.match(result.reason, new RegExp(`could not be read: authentication failed for user ${where}.*golive:imap\\.password`));
        assert.doesNotMatch(result.reason, /Command failed/);
        assert.ok(!JSON.stringify(result).includes("wrong-password"));
    });

    it("skips, naming the key, without the mailbox password", async () => {
        const result = await checkContactForm(inputOf({ imap: { host: mb.host, port: mb.port, user: mb.user } }), world.net);
        assert.equal(result.status, "skip");
        assert.match(result.reason, /golive:imap\.password/);
        assert.equal(posts.length, 0, "nothing is submitted when the mailbox cannot be read");
        const noImap = await checkContactForm(inputOf({ imap: undefined }), world.net);
        assert.equal(noImap.status, "skip");
        assert.match(noImap.reason, /golive:imap\.host/);
    });
});

describe("checks/contactForm (MEP-12) against hostile IMAP servers: every phase within the check's deadline, bytes capped", function () {
    this.timeout(20_000);
    const DEADLINE_MS = 2_000;
    let form: http.Server;
    let pageUrl: string;
    let server: HostileServer | undefined;

    before(async () => {
        // The site's form answers at once: the time measured is the mailbox's.
        form = http.createServer((req, res) => {
            req.resume();
            req.on("end", () => res.writeHead(303, { location: "/contact?envoye=1" }).end());
        });
        await new Promise<void>((r) => form.listen(0, "127.0.0.1", r));
        pageUrl = `http://127.0.0.1:${(form.address() as AddressInfo).port}/contact`;
    });
    after(() => form.close());
    afterEach(async () => {
        await server?.close();
        server = undefined;
    });

    const run = (s: HostileServer, secure = false) =>
        timeToVerdict(() =>
            checkContactForm(
                { pageUrl, imap: { host: s.host, port: s.port, secure, user: "contact@example.com", password: "pw-not-shown" }, deliveryTimeoutMs: DEADLINE_MS, pollMs: 200 },
                { timeoutMs: 2_000, attempts: 1 },
            ),
        );
    const within = (ms: number, reason: string) => assert.ok(ms <= DEADLINE_MS + VERDICT_MARGIN_MS, `verdict after ${ms} ms, bound ${DEADLINE_MS} ms + ${VERDICT_MARGIN_MS} ms: ${reason}`);

    const outOfTime = [
        { name: "greets, then says nothing", start: () => startHostileServer("silence", { prefix: IMAP_GREETING }), phase: "connect and login" },
        { name: "accepts, never greets", start: () => startHostileServer("silence"), phase: "connect and login" },
        { name: "trickles a greeting line byte by byte", start: () => startHostileServer("trickle", { prefix: "* OK", trickleText: " still here", intervalMs: 50 }), phase: "connect and login" },
        { name: "trickles its answer to LOGIN", start: () => startHostileImap("trickle", "LOGIN", { trickleText: "* OK wait\r\n", intervalMs: 50 }), phase: "connect and login" },
        { name: "says nothing after SELECT", start: () => startHostileImap("silence", "SELECT"), phase: "select" },
        { name: "trickles its answer to the search", start: () => startHostileImap("trickle", "UID SEARCH", { trickleText: "* OK still searching\r\n", intervalMs: 50 }), phase: "search" },
    ];
    for (const c of outOfTime) {
        it(`${c.name}: fails within the deadline, naming the phase`, async () => {
            server = await c.start();
            const { value: result, ms } = await run(server);
            assert.equal(result.status, "fail");
            assert.match(result.reason, new RegExp(`${c.phase} with the IMAP server 127\\.0\\.0\\.1:${server.port} ran out of time: the check's deadline of 2 s \\(golive:contactForm\\.deliveryTimeoutSeconds\\)`));
            within(ms, result.reason);
            assert.ok(!JSON.stringify(result).includes("pw-not-shown"));
        });
    }

    it("a TLS handshake that stalls (implicit TLS): fails within the deadline", async () => {
        server = await startHostileServer("stalled-handshake");
        const { value: result, ms } = await run(server, true);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /connect and login .* ran out of time/);
        within(ms, result.reason);
    });

    it("deletes within the deadline too: a server silent after STORE leaves a pass that says the test message stayed", async () => {
        server = await startHostileImap("silence", "UID STORE", { found: true });
        const { value: result, ms } = await run(server);
        assert.equal(result.status, "pass", result.reason);
        assert.match(result.reason, /test message not deleted \(delete with the IMAP server .* ran out of time/);
        within(ms, result.reason);
    });

    it("one endless line: refused after the 1 MB line cap, at once, without buffering a gigabyte", async () => {
        server = await startHostileServer("endless-line", { prefix: IMAP_GREETING });
        const before = process.memoryUsage().rss;
        const { value: result, ms } = await run(server);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /sent more than the check accepts during connect and login \(Line length \d+ exceeds maximum allowed size of 1000000 bytes\)/);
        const received = (result.evidence as any).mail.receivedBytes as number;
        assert.ok(received < 2 * IMAP_LIMITS.maxLineLength, `received ${received} bytes`);
        assert.ok(process.memoryUsage().rss - before < 200_000_000, "memory stays far below the old 1 GiB");
        within(ms, result.reason);
    });

    it("a flood of lines, each under the line cap: stopped at the 5 MB total the check accepts", async () => {
        server = await startHostileServer("flood", { prefix: IMAP_GREETING, unit: `* OK ${"x".repeat(4_000)}\r\n` });
        const { value: result, ms } = await run(server);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /sent over 5000000 bytes during connect and login, more than the check accepts/);
        const received = (result.evidence as any).mail.receivedBytes as number;
        // Counted on the socket as it arrives: at most one chunk past the cap, whatever the load.
        assert.ok(received < IMAP_LIMITS.maxTotalBytes + 1_000_000, `received ${received} bytes`);
        within(ms, result.reason);
    });
});

describe("checks/contactForm: when MEP-12 runs again (it sends a real mail)", () => {
    const state = (deployment: string, certificate: string, status?: "pass" | "fail") => ({ input: { pageUrl: "https://www.example.com/contact" }, triggers: { deployment, certificate }, ...(status ? { result: { status } } : {}) });
    it("once per deployment: a passed result stands when the certificate changes; a failure recorded before the certificate changed does not", () => {
        assert.equal(contactFormRunsAgain(state("dpl_1", "pending", "pass"), state("dpl_1", "cert_1")), false);
        assert.equal(contactFormRunsAgain(state("dpl_1", "pending", "fail"), state("dpl_1", "cert_1")), true);
        assert.equal(contactFormRunsAgain(state("dpl_1", "cert_1", "fail"), state("dpl_1", "cert_1")), false, "same certificate: the failure stands");
        assert.equal(contactFormRunsAgain(state("dpl_1", "cert_1", "pass"), state("dpl_2", "cert_1")), true, "a new deployment");
    });
});
