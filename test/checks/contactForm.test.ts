import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ImapFlow } from "imapflow";
import { checkContactForm, ContactFormCheck, ContactFormInput } from "../../checks/contactForm";
import { startWorld, ReplicaWorld } from "../../replica/world";
import type { Reply, RequestInfo } from "../../replica/site";
import { Mailbox, startDovecot } from "../fixtures/dovecot";
import { requireDovecot } from "../helpers/prerequisites";
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
        const started = Date.now();
        const result = await checkContactForm(inputOf({ deliveryTimeoutMs: 1_500, pollMs: 300 }), world.net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /no mail with token golive-[0-9a-f]+ reached .* within 2 s/);
        assert.ok(Date.now() - started < 6_000, "the wait is bounded");
        assert.ok((result.evidence as any).mail.searches >= 2);
    });

    it("fails with the cause when the mailbox refuses the login", async () => {
        const result = await checkContactForm(inputOf({ imap: { host: mb.host, port: mb.port, secure: false, user: mb.user, password: "wrong-password" } }), world.net);
        assert.equal(result.status, "fail");
        assert.match(result.reason, /could not be read/);
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
