// Loopback stand-ins for the outside services of the post-deploy checks, so the rehearsal runs
// MEP-12, MEP-13, MEP-15 and MEP-16 for real: Google's APIs (replica/googleFakes.ts: PageSpeed
// Insights, OAuth token endpoint, Search Console, GA4 realtime) and the client's mailbox (dovecot,
// replica/mailbox.ts) fed by the new site's contact form. The stack config they give is what a
// real stack would hold, secrets included (stored as Pulumi secrets, never printed).
import * as crypto from "crypto";
import { GoogleFakes } from "../replica/googleFakes";
import { deliverToMailbox, dovecotAvailable, DOVECOT_BIN, DOVECOT_INSTALL_HINT, Mailbox, startDovecot } from "../replica/mailbox";
import type { ReplicaWorld } from "../replica/world";
import type { Reply, RequestInfo } from "../replica/site";
import { describeError } from "../checks/net";

/** GA4 identifiers of the rehearsal's property (formats as GA4 issues them). */
export const REHEARSAL_MEASUREMENT_ID = "G-REHEARSAL1";
export const REHEARSAL_PROPERTY_ID = "412345678";
/** Field names of the new site's contact form (French site, as the real one). */
const FORM_FIELDS = { name: "nom", email: "courriel", message: "message" };

export interface ServiceStandIns {
    google: GoogleFakes;
    /** The client's mailbox; absent when dovecot is missing or would not start. */
    mailbox?: Mailbox;
    /** Why a check of the plan cannot run on this machine, one line each (e.g. MEP-12 without dovecot). */
    notes: string[];
    /** golive:* keys (JSON text) pointing the service checks at the stand-ins. */
    config: Record<string, string>;
    /** Those of `config` that a real stack stores with --secret. */
    secretKeys: string[];
    /** Messages the contact form handed to the mailbox. */
    formPosts: number;
    close(): Promise<void>;
}

/** An API key in Google's format (AIza + 35 characters), random per run. */
function fakeApiKey(): string {
    return `AIzaSy${crypto.randomBytes(33).toString("base64url").slice(0, 33)}`;
}

/**
 * MEP-12's target: the new site's form at /contact posts to itself and its handler delivers the
 * message into the client's mailbox (IMAP APPEND) before answering 303, as a form service would.
 */
function installContactForm(world: ReplicaWorld, standIns: ServiceStandIns): void {
    const previous = world.newSite.spec.handle;
    world.newSite.spec.handle = async (req: RequestInfo): Promise<Reply | undefined> => {
        if (req.path === "/contact" && req.method === "POST") {
            const form = Object.fromEntries(new URLSearchParams(req.body));
            if (!form[FORM_FIELDS.message]) return { status: 400, headers: { "content-type": "text/plain" }, body: "message manquant" };
            if (standIns.mailbox) {
                try {
                    await deliverToMailbox(standIns.mailbox, {
                        from: `Site <noreply@${world.domain}>`,
                        subject: `Nouveau message de ${form[FORM_FIELDS.name] ?? "?"}`,
                        text: form[FORM_FIELDS.message],
                    });
                } catch {
                    return { status: 500, headers: { "content-type": "text/plain" }, body: "Internal Server Error" };
                }
                standIns.formPosts++;
            }
            return { status: 303, headers: { location: "/contact?envoye=1" }, body: "" };
        }
        return previous ? previous(req) : undefined;
    };
}

/** Starts the stand-ins; the mailbox only where dovecot is installed (MEP-12 is skipped otherwise, with the reason in `notes`). */
export async function startServiceStandIns(world: ReplicaWorld, opts: { dovecotBin?: string } = {}): Promise<ServiceStandIns> {
    const notes: string[] = [];
    const dovecotBin = opts.dovecotBin ?? DOVECOT_BIN;
    const [googleStart, mailboxStart] = await Promise.allSettled([
        GoogleFakes.start("127.0.0.1"),
        (async (): Promise<Mailbox | undefined> => {
            if (!dovecotAvailable(dovecotBin)) {
                notes.push(`MEP-12 Contact form skipped: no IMAP server on this machine (${dovecotBin} missing): ${DOVECOT_INSTALL_HINT}`);
                return undefined;
            }
            try {
                return await startDovecot({ user: `contact@${world.domain}`, password: `rehearsal-imap-${crypto.randomBytes(12).toString("hex")}`, startTimeoutMs: 5_000, bin: dovecotBin });
            } catch (err) {
                notes.push(`MEP-12 Contact form skipped: the loopback IMAP server did not start: ${describeError(err).split("\n")[0]}`);
                return undefined;
            }
        })(),
    ]);
    // One failed to start: stop the other, nothing is left running.
    if (googleStart.status === "rejected" || mailboxStart.status === "rejected") {
        await Promise.all([googleStart.status === "fulfilled" && googleStart.value.close(), mailboxStart.status === "fulfilled" && mailboxStart.value?.stop()]);
        throw googleStart.status === "rejected" ? googleStart.reason : (mailboxStart as PromiseRejectedResult).reason;
    }
    const google = googleStart.value;
    const mailbox = mailboxStart.value;

    // MEP-13: every key page scores 0.97 unless a fault says otherwise; a wrong key is refused.
    const apiKey = fakeApiKey();
    google.state.psiApiKey = apiKey;
    // MEP-15 / MEP-16: one service account, owner of the URL-prefix property and reader of the GA4
    // property; a visitor is on the site (the prober), so the realtime report shows one user.
    const account = google.serviceAccount(`golive-rehearsal@kalia-golive.iam.gserviceaccount.com`);
    google.state.owners[`https://www.${world.domain}/`] = [account.email];
    google.state.analyticsReaders[REHEARSAL_PROPERTY_ID] = [account.email];
    google.state.activeUsers[REHEARSAL_PROPERTY_ID] = 1;
    // The GA4 tag on every page of the new site.
    world.newSite.spec.measurementId = REHEARSAL_MEASUREMENT_ID;

    const config: Record<string, string> = {
        "golive:pagespeed": JSON.stringify({ apiKey, baseUrl: google.baseUrl, mode: "api" }),
        "golive:searchConsole": JSON.stringify({ serviceAccountKey: account.keyJson, baseUrl: google.baseUrl, tokenUrl: google.tokenUrl }),
        "golive:analytics": JSON.stringify({
            measurementId: REHEARSAL_MEASUREMENT_ID,
            propertyId: REHEARSAL_PROPERTY_ID,
            serviceAccountKey: account.keyJson,
            baseUrl: google.baseUrl,
            tokenUrl: google.tokenUrl,
            // The fake answers at once; a short bound keeps a failing run short too.
            realtimeWaitSeconds: 3,
            // No headless browser visit: Chromium costs seconds and the fake needs no hit.
            visit: "none",
        }),
    };
    const secretKeys = ["golive:pagespeed", "golive:searchConsole", "golive:analytics"];
    if (mailbox) {
        config["golive:contactForm"] = JSON.stringify({
            path: "/contact",
            fields: FORM_FIELDS,
            hidden: { website: "" },
            expectStatus: [303],
            // The handler delivers before answering: the first search finds the mail.
            deliveryTimeoutSeconds: 5,
            pollSeconds: 0.2,
        });
        config["golive:imap"] = JSON.stringify({ host: mailbox.host, port: mailbox.port, secure: false, user: mailbox.user, password: mailbox.password });
        secretKeys.push("golive:imap");
    }

    const standIns: ServiceStandIns = {
        google,
        ...(mailbox ? { mailbox } : {}),
        notes,
        config,
        secretKeys,
        formPosts: 0,
        close: async () => {
            await Promise.all([google.close(), mailbox?.stop()]);
        },
    };
    installContactForm(world, standIns);
    return standIns;
}
