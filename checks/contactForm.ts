// MEP-12: the contact form works end to end. The check submits the site's form the way a browser
// does (urlencoded POST with the page as Referer, hidden fields included, a unique token in the
// message), expects a success answer, then waits, bounded, for a mail carrying that token in the
// client's mailbox over IMAP, and deletes its own test message afterwards.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ImapFlow } from "imapflow";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { describeError, httpRequestWithRetry, sleep, timed } from "./net";
import type { CheckResult, NetOptions } from "./types";

export interface ImapSettings {
    host: string;
    /** Default 993 with TLS, 143 without. */
    port?: number;
    /** Implicit TLS (default true). */
    secure?: boolean;
    user: string;
    /** Secret (golive:imap.password); absent → the check is skipped. */
    password?: string;
    /** Default INBOX. */
    mailbox?: string;
}

export interface ContactFormInput {
    /** The page that holds the form, e.g. https://www.example.com/contact (sent as Referer and Origin). */
    pageUrl: string;
    /** Where the form posts; default: pageUrl. Relative to pageUrl. */
    action?: string;
    /** Default POST. */
    method?: "POST" | "GET";
    /** Field names of the form. */
    fields?: { name?: string; email?: string; message?: string; subject?: string };
    /** Values sent in the name/email/subject fields. */
    sender?: { name?: string; email?: string; subject?: string };
    /** Hidden fields sent as they are (honeypots left empty, form ids...). */
    hidden?: Record<string, string>;
    /** Statuses that mean "sent" (default any 2xx or 3xx). */
    expectStatus?: number[];
    /** Text the answer must contain (e.g. "Merci"), checked on the answer itself. */
    expectText?: string;
    /** Absent → skip naming golive:imap. */
    imap?: ImapSettings;
    /** Overall wait for the mail (default 180 000 ms). */
    deliveryTimeoutMs?: number;
    /** Interval between mailbox searches (default 5 000 ms). */
    pollMs?: number;
    /** Unique token put in the message; random when absent. */
    token?: string;
}

const NAME = "Contact form";

/** Why the check cannot run, naming the missing config key; undefined when it can. */
export function missingContactFormConfig(input: ContactFormInput): string | undefined {
    if (!input.imap || !input.imap.host) return "golive:imap.host is not set (mailbox that receives the form)";
    if (!input.imap.user) return "golive:imap.user is not set";
    if (!input.imap.password) return "golive:imap.password is not set (pulumi config set --secret --path golive:imap.password ...)";
    return undefined;
}

function formBody(input: ContactFormInput, token: string): Record<string, string> {
    const f = { name: "name", email: "email", message: "message", ...(input.fields ?? {}) };
    const body: Record<string, string> = { ...(input.hidden ?? {}) };
    if (f.name) body[f.name] = input.sender?.name ?? "Test mise en production";
    if (f.email) body[f.email] = input.sender?.email ?? "golive-test@example.com";
    if (f.subject) body[f.subject] = input.sender?.subject ?? `Test formulaire ${token}`;
    body[f.message] = `Message de test automatique de la mise en production (MEP-12), merci de l'ignorer. Jeton : ${token}`;
    return body;
}

interface MailboxResult {
    found: boolean;
    deliveryMs?: number;
    searches: number;
    deleted: number;
    error?: string;
}

/** Polls the mailbox for the token until it appears or the deadline passes; deletes what it found. */
async function waitForMail(imap: ImapSettings, token: string, submittedAt: number, timeoutMs: number, pollMs: number, net: NetOptions): Promise<MailboxResult> {
    const secure = imap.secure ?? true;
    const client = new ImapFlow({
        host: imap.host,
        port: imap.port ?? (secure ? 993 : 143),
        secure,
        auth: { user: imap.user, pass: imap.password! },
        logger: false, // its default logger would print the protocol, credentials included
        tls: net.caPem ? { ca: [net.caPem] } : {},
        connectionTimeout: Math.min(timeoutMs, 30_000),
        greetingTimeout: Math.min(timeoutMs, 15_000),
        socketTimeout: Math.max(timeoutMs, 30_000),
        disableAutoIdle: true,
    });
    // A socket error after connect must not crash the process: it ends the wait instead.
    let socketError: string | undefined;
    client.on("error", (err: unknown) => (socketError = describeError(err)));
    const out: MailboxResult = { found: false, searches: 0, deleted: 0 };
    const deadline = submittedAt + timeoutMs;
    try {
        await client.connect();
        const lock = await client.getMailboxLock(imap.mailbox ?? "INBOX");
        try {
            for (;;) {
                out.searches++;
                await client.noop(); // lets the server report new messages
                const uids = (await client.search({ body: token }, { uid: true })) || [];
                if (uids.length > 0) {
                    out.found = true;
                    out.deliveryMs = Date.now() - submittedAt;
                    // Leave the client's inbox as it was: the test message goes.
                    if (await client.messageDelete(uids, { uid: true })) out.deleted = uids.length;
                    break;
                }
                if (socketError || Date.now() + pollMs > deadline) break;
                await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
            }
        } finally {
            lock.release();
        }
    } catch (err) {
        out.error = socketError ?? describeError(err);
    } finally {
        await Promise.race([client.logout().catch(() => client.close()), sleep(2_000)]);
        client.close();
    }
    if (!out.error && socketError && !out.found) out.error = socketError;
    return out;
}

export async function checkContactForm(input: ContactFormInput, net: NetOptions): Promise<CheckResult> {
    return timed<CheckResult>(
        async () => {
            const missing = missingContactFormConfig(input);
            if (missing) {
                return { id: "MEP-12", name: NAME, status: "skip", reason: missing, evidence: { pageUrl: input.pageUrl } };
            }
            const imap = input.imap!;
            const token = input.token ?? `golive-${crypto.randomBytes(6).toString("hex")}`;
            const method = input.method ?? "POST";
            const action = new URL(input.action ?? input.pageUrl, input.pageUrl);
            const fields = new URLSearchParams(formBody(input, token)).toString();
            const page = new URL(input.pageUrl);
            const headers: Record<string, string> = {
                Accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Language": "fr-FR,fr;q=0.9",
                Referer: page.toString(),
                Origin: page.origin,
                "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) golive-checks/1.0",
            };
            let target = action.toString();
            if (method === "GET") {
                action.search = fields;
                target = action.toString();
            } else {
                headers["Content-Type"] = "application/x-www-form-urlencoded";
            }
            const submittedAt = Date.now();
            // No retry on the submission itself: a retried POST could send two mails.
            const res = await httpRequestWithRetry(target, { ...net, attempts: 1 }, { method, headers, body: method === "POST" ? fields : undefined });
            const okStatus = input.expectStatus ? input.expectStatus.includes(res.status) : res.status >= 200 && res.status < 400;
            const form = { url: target.split("?")[0], method, status: res.status, location: res.location, elapsedMs: res.elapsedMs, token };
            const mailbox = { host: imap.host, port: imap.port, user: imap.user, mailbox: imap.mailbox ?? "INBOX" };
            if (!okStatus) {
                return { id: "MEP-12", name: NAME, status: "fail", reason: `form ${method} ${form.url} answered ${res.status}, expected ${input.expectStatus?.join("/") ?? "2xx or 3xx"}`, evidence: { form, mailbox } };
            }
            if (input.expectText && !res.body.toLowerCase().includes(input.expectText.toLowerCase())) {
                return { id: "MEP-12", name: NAME, status: "fail", reason: `form answered ${res.status} without the confirmation text ${JSON.stringify(input.expectText)}`, evidence: { form, mailbox } };
            }
            const timeoutMs = input.deliveryTimeoutMs ?? 180_000;
            const mail = await waitForMail(imap, token, submittedAt, timeoutMs, input.pollMs ?? 5_000, net);
            const evidence = { form, mailbox, mail };
            if (mail.error && !mail.found) {
                return { id: "MEP-12", name: NAME, status: "fail", reason: `form sent (${res.status}) but the mailbox ${imap.user} at ${imap.host} could not be read: ${mail.error}`, evidence };
            }
            if (!mail.found) {
                return { id: "MEP-12", name: NAME, status: "fail", reason: `form sent (${res.status}) but no mail with token ${token} reached ${imap.user} within ${Math.round(timeoutMs / 1000)} s`, evidence };
            }
            return {
                id: "MEP-12",
                name: NAME,
                status: "pass",
                reason: `form sent (${res.status}); mail reached ${imap.user} in ${(mail.deliveryMs! / 1000).toFixed(1)} s; test message deleted`,
                evidence,
            };
        },
        (err) => ({ id: "MEP-12", name: NAME, status: "fail", reason: `contact form check could not run: ${describeError(err)}`, evidence: {} }),
    );
}

/**
 * What makes the check run again: the deployment (`triggers`) and what is tested (form target,
 * mailbox). Not the nonce, timeouts or net settings: MEP-12 sends a real mail to the client, so it
 * runs once per deployment, not on every `up` nor on a `checks.nonce` bump.
 */
export function contactFormRunKey(props: Record<string, any> | undefined): string {
    const i = (props?.input ?? {}) as ContactFormInput;
    return JSON.stringify([
        props?.triggers ?? null,
        i.pageUrl, i.action ?? null, i.method ?? "POST", i.fields ?? null, i.hidden ?? null,
        i.imap?.host ?? null, i.imap?.port ?? null, i.imap?.user ?? null, i.imap?.mailbox ?? null,
        // A check that was skipped (no credentials) must run once credentials arrive.
        Boolean(i.imap?.password),
    ]);
}

function contactFormProvider(): pulumi.dynamic.ResourceProvider {
    const base = providerFor(checkContactForm);
    return {
        create: base.create,
        update: base.update,
        async diff(_id: string, olds: any, news: any) {
            return { changes: contactFormRunKey(olds) !== contactFormRunKey(news) };
        },
    };
}

/** MEP-12 as a resource; the input (mailbox password) is secret as a whole. */
export class ContactFormCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<ContactFormInput>, opts?: pulumi.CustomResourceOptions) {
        super(contactFormProvider(), "ContactForm", name, args, opts, ["input"]);
    }
}
