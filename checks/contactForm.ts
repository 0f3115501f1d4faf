// MEP-12: the contact form works end to end. The check submits the site's form the way a browser
// does (urlencoded POST with the page as Referer, hidden fields included, a unique token in the
// message), expects a success answer, then waits, bounded, for a mail carrying that token in the
// client's mailbox over IMAP, and deletes its own test message afterwards.
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { ImapFlow } from "imapflow";
import { canonicalJson, CheckArgs, CheckResource, providerFor } from "./dynamic";
import { describeError, httpRequestWithRetry, sleep, timed } from "./net";
import { siteUrl } from "./siteUrl";
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
    /** Where the form posts, a path of the site (e.g. /api/contact); default: pageUrl. */
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
    /** Bytes the IMAP server sent. */
    receivedBytes?: number;
    error?: string;
}

// What the check accepts from the IMAP server: it only logs in, searches and deletes, so a few
// kilobytes in practice. The parser's own limits bound memory at once (a line, a literal, one
// response); the total is checked every 50 ms. imapflow's defaults are 1 GiB per line.
export const IMAP_LIMITS = { maxLineLength: 1_000_000, maxLiteralSize: 1_000_000, maxResponseSize: 2_000_000, maxResponseTokens: 100_000, maxTotalBytes: 5_000_000 };

/** A log-safe reason for an IMAP failure: names the user and server, never the password. */
export function describeImapError(err: unknown, where: { user: string; host: string; port: number }, phase: string): string {
    const e = (err ?? {}) as { authenticationFailed?: boolean; responseText?: string; responseStatus?: string; code?: string; message?: string; reported?: boolean };
    const at = `${where.host}:${where.port}`;
    if (e.reported && e.message) return e.message; // the check's own deadline and byte cap say it all
    if (e.authenticationFailed) {
        return `authentication failed for user ${where.user} on ${at}${e.responseText ? ` (server: ${e.responseText})` : ""}: check golive:imap.user and golive:imap.password`;
    }
    if (e.code === "LineTooLarge" || e.code === "LiteralTooLarge" || e.code === "ResponseTooLarge" || e.code === "TooManyTokens") {
        return `the IMAP server ${at} sent more than the check accepts during ${phase} (${e.message})`;
    }
    if (e.responseStatus && e.responseText) return `the IMAP server ${at} answered ${e.responseStatus} to ${phase}: ${e.responseText}`;
    return `${phase} with ${at}: ${describeError(err)}`;
}

/**
 * Polls the mailbox for the token until it appears or the deadline passes; deletes what it found.
 * Every phase (connect with greeting and login, select, search, delete, logout) races the same
 * deadline: imapflow's socketTimeout is an idle timeout that a trickling server resets with every
 * byte, so it cannot be the bound.
 */
async function waitForMail(imap: ImapSettings, token: string, submittedAt: number, deadlineAt: number, pollMs: number, net: NetOptions): Promise<MailboxResult> {
    const secure = imap.secure ?? true;
    const port = imap.port ?? (secure ? 993 : 143);
    const where = { user: imap.user, host: imap.host, port };
    const left = () => deadlineAt - Date.now();
    // imapflow when a mailbox is read, not when the module loads (golive verify --help, other checks).
    const { ImapFlow: Imap } = require("imapflow") as typeof import("imapflow");
    const client: ImapFlow = new Imap({
        host: imap.host,
        port,
        secure,
        auth: { user: imap.user, pass: imap.password! },
        logger: false, // its default logger would print the protocol, credentials included
        tls: net.caPem ? { ca: [net.caPem] } : {},
        connectionTimeout: Math.max(1, left()),
        greetingTimeout: Math.max(1, left()),
        socketTimeout: Math.max(1, left()),
        disableAutoIdle: true,
        maxLineLength: IMAP_LIMITS.maxLineLength,
        maxLiteralSize: IMAP_LIMITS.maxLiteralSize,
        maxResponseSize: IMAP_LIMITS.maxResponseSize,
        maxResponseTokens: IMAP_LIMITS.maxResponseTokens,
    });
    // A socket error after connect must not crash the process: it ends the wait instead.
    let socketError: unknown;
    client.on("error", (err: unknown) => (socketError = err));
    const out: MailboxResult = { found: false, searches: 0, deleted: 0 };
    let phase = "connect";
    let timer: NodeJS.Timeout | undefined;
    // The byte cap is counted on the socket as the data arrives (imapflow pipes its socket into its
    // parser): past it, the socket is destroyed at once, whatever the event loop is doing.
    let overCap: (() => void) | undefined;
    let receivedTotal = 0;
    (client as unknown as { streamer: NodeJS.EventEmitter }).streamer.on("pipe", (src: NodeJS.ReadableStream & { destroy(): void }) => {
        src.on("data", (chunk: Buffer) => {
            receivedTotal += chunk.length;
            if (receivedTotal > IMAP_LIMITS.maxTotalBytes) {
                src.destroy();
                overCap?.();
            }
        });
    });
    const stopped = new Promise<never>((_, reject) => {
        const total = Math.round((deadlineAt - submittedAt) / 100) / 10;
        timer = setTimeout(
            () => reject(Object.assign(new Error(`${phase} with the IMAP server ${imap.host}:${port} ran out of time: the check's deadline of ${total} s (golive:contactForm.deliveryTimeoutSeconds) passed`), { reported: true })),
            Math.max(0, left()),
        );
        overCap = () => reject(Object.assign(new Error(`the IMAP server ${imap.host}:${port} sent over ${IMAP_LIMITS.maxTotalBytes} bytes during ${phase}, more than the check accepts`), { reported: true }));
    });
    stopped.catch(() => undefined); // raced below; between phases nobody listens
    const step = <T>(name: string, work: () => Promise<T>): Promise<T> => {
        phase = name;
        return Promise.race([work(), stopped]);
    };
    let ended = false;
    try {
        await step("connect and login", () => client.connect());
        const lock = await step("select", () => client.getMailboxLock(imap.mailbox ?? "INBOX"));
        try {
            for (;;) {
                out.searches++;
                await step("noop", () => client.noop()); // lets the server report new messages
                const uids = (await step("search", () => client.search({ body: token }, { uid: true }))) || [];
                if (uids.length > 0) {
                    out.found = true;
                    out.deliveryMs = Date.now() - submittedAt;
                    // Leave the client's inbox as it was: the test message goes (if time is left).
                    try {
                        if (await step("delete", () => client.messageDelete(uids, { uid: true }))) out.deleted = uids.length;
                    } catch (err) {
                        out.error = describeImapError(err, where, "delete");
                        ended = true;
                    }
                    break;
                }
                if (socketError || Date.now() + pollMs > deadlineAt) break;
                await step("wait", () => sleep(Math.min(pollMs, Math.max(0, left()))));
            }
        } finally {
            if (!ended) lock.release();
        }
    } catch (err) {
        ended = true;
        // The socket's own error says more than the rejected command ("Connection closed"), except our deadline and cap.
        out.error = describeImapError((err as { reported?: boolean })?.reported ? err : socketError ?? err, where, phase);
    } finally {
        clearTimeout(timer);
        out.receivedBytes = Math.max(receivedTotal, client.stats().received);
        // A polite logout only on a healthy connection, within what is left of the deadline.
        if (!ended && left() > 0) await Promise.race([client.logout().catch(() => undefined), sleep(Math.min(2_000, left()))]);
        client.close();
    }
    if (!out.error && socketError && !out.found) out.error = describeImapError(socketError, where, phase);
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
            const page = new URL(input.pageUrl);
            // The form posts to the site, never elsewhere: the action is a site path (siteUrl refuses any other).
            const action = new URL(input.action ? siteUrl(page.origin, input.action) : page.toString());
            const fields = new URLSearchParams(formBody(input, token)).toString();
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
            const mail = await waitForMail(imap, token, submittedAt, submittedAt + timeoutMs, input.pollMs ?? 5_000, net);
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
                reason: `form sent (${res.status}); mail reached ${imap.user} in ${(mail.deliveryMs! / 1000).toFixed(1)} s; ${mail.deleted > 0 ? "test message deleted" : `test message not deleted (${mail.error ?? "the server did not confirm"})`}`,
                evidence,
            };
        },
        (err) => ({ id: "MEP-12", name: NAME, status: "fail", reason: `contact form check could not run: ${describeError(err)}`, evidence: {} }),
    );
}

/**
 * What makes the check run again: what is tested (form target, mailbox), each field read with the
 * default the check uses when it is absent, so state written by an older version of the program
 * (a field it did not set) is no change. Not the nonce, timeouts, net settings or record contents:
 * MEP-12 sends a real mail to the client, so it runs once per deployment (see contactFormRunsAgain).
 */
export function contactFormRunKey(props: Record<string, any> | undefined): string {
    const i = (props?.input ?? {}) as ContactFormInput;
    const secure = i.imap?.secure ?? true;
    return canonicalJson([
        i.pageUrl ?? null, i.action ?? null, i.method ?? "POST",
        { name: "name", email: "email", message: "message", ...(i.fields ?? {}) }, i.hidden ?? {},
        i.imap?.host ?? null, secure, i.imap?.port ?? (secure ? 993 : 143), i.imap?.user ?? null, i.imap?.mailbox ?? "INBOX",
        // A check that was skipped (no credentials) must run once credentials arrive.
        Boolean(i.imap?.password),
    ]);
}

/**
 * Whether MEP-12 must run (and send a mail) again: the deployment changed, or what is tested did.
 * A state without the deployment (written before triggers existed) cannot say it changed: no re-run.
 */
export function contactFormRunsAgain(olds: Record<string, any> | undefined, news: Record<string, any> | undefined): boolean {
    const before = olds?.triggers?.deployment;
    const deploymentChanged = before !== undefined && before !== null && before !== news?.triggers?.deployment;
    // A failure recorded before the site's certificate changed (MEP-08 still pending at an earlier
    // prepare, e.g. an order that lapsed) does not stand: the check runs against the host as it is now.
    const cert = olds?.triggers?.certificate;
    const failedBeforeCertificate = olds?.result?.status === "fail" && cert !== undefined && cert !== news?.triggers?.certificate;
    return deploymentChanged || failedBeforeCertificate || contactFormRunKey(olds) !== contactFormRunKey(news);
}

function contactFormProvider(): pulumi.dynamic.ResourceProvider {
    // Once per deployment: a mail is sent each time it runs; prepare → cutover keeps the result.
    return providerFor(checkContactForm, { label: "MEP-12 Contact form", required: { pageUrl: "text" }, runsAgain: contactFormRunsAgain, runOncePerInput: true });
}

/** MEP-12 as a resource; the input (mailbox password) is secret as a whole. */
export class ContactFormCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<ContactFormInput>, opts?: pulumi.CustomResourceOptions) {
        super(contactFormProvider(), "ContactForm", name, args, opts, ["input"]);
    }
}
