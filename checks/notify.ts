// MEP-01 / MEP-17: tell the client the go-live starts, then that the site is live with the check
// results, through a Slack-compatible incoming webhook. The webhook URL embeds its secret: it is
// an input of the resource (a Pulumi secret), never part of a reason, an error or a log line.
import * as pulumi from "@pulumi/pulumi";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { attemptsOf, describeError, httpRequest, timed, withRetry } from "./net";
import type { CheckResult, NetOptions, PlanId } from "./types";
import { redact } from "../shared/redact";

export type NotificationStage = "start" | "end";

export interface NotificationInput {
    /** Secret: e.g. https://hooks.slack.com/services/T…/B…/xyz. Empty means "not configured". */
    webhookUrl: string;
    stage: NotificationStage;
    /** The site going live, e.g. https://www.example.com/ */
    site: string;
    deploymentUrl?: string;
    /** MEP-02: the frozen commit or tag that goes live. */
    releaseRef?: string;
    /** MEP-17: the results of the post-deploy checks, listed in the message. */
    results?: CheckResult[];
}

/** Slack-compatible body: `text` for every client, `blocks` for Slack's layout. */
export interface WebhookBody {
    text: string;
    blocks?: Array<Record<string, unknown>>;
}

const MARK: Record<string, string> = { pass: "✅", fail: "❌", skip: "⚠️" };

export function notificationBody(input: NotificationInput): WebhookBody {
    const what = [input.releaseRef ? `version ${input.releaseRef}` : undefined, input.deploymentUrl ? `deployment ${input.deploymentUrl}` : undefined]
        .filter(Boolean)
        .join(", ");
    if (input.stage === "start") {
        const text = `Mise en production de ${input.site} : début de l'intervention${what ? ` (${what})` : ""}.`;
        return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
    }
    const results = input.results ?? [];
    const failed = results.filter((r) => r.status === "fail").length;
    const head = failed === 0
        ? `Mise en production de ${input.site} terminée : le site est en ligne${what ? ` (${what})` : ""}.`
        : `Mise en production de ${input.site} : ${failed} vérification${failed > 1 ? "s" : ""} en échec${what ? ` (${what})` : ""}.`;
    const lines = results.map((r) => `${MARK[r.status] ?? r.status} ${r.id} ${r.name}: ${r.reason}`);
    const text = [head, ...lines].join("\n");
    return {
        text,
        blocks: [
            { type: "section", text: { type: "mrkdwn", text: head } },
            ...(lines.length > 0 ? [{ type: "section", text: { type: "mrkdwn", text: lines.join("\n") } }] : []),
        ],
    };
}

/** Removes the URL (and its secret path) from a message, whatever the library put in it. */
export function scrubUrl(message: string, webhookUrl: string): string {
    let out = message;
    const pieces = [webhookUrl];
    try {
        const u = new URL(webhookUrl);
        pieces.push(u.pathname + u.search, u.pathname, u.search.slice(1));
    } catch {
        // not a URL: the whole string is the only piece to hide
    }
    for (const p of pieces.filter((x) => x && x !== "/" && x.length > 1)) out = out.split(p).join("[webhook]");
    return out;
}

/** Posts the MEP-01 (start) or MEP-17 (end) message; pass on a 2xx answer. */
export async function postNotification(input: NotificationInput, net: NetOptions): Promise<CheckResult> {
    const id = input.stage === "start" ? "MEP-01" : "MEP-17";
    // Named like the other checks; the plan ID (MEP-01, MEP-17) goes with it everywhere.
    const name = input.stage === "start" ? "Start notification" : "End notification";
    return postWebhookMessage({ id, name }, input.webhookUrl, notificationBody(input), net);
}

/**
 * Posts one message of the plan (MEP-01, MEP-17, R-3) to the webhook; pass on a 2xx answer, with
 * the host, the status, the time and the text as evidence. Never throws; the URL is never said.
 */
export async function postWebhookMessage(line: { id: PlanId; name: string }, webhookUrl: string, body: WebhookBody, net: NetOptions): Promise<CheckResult> {
    const { id, name } = line;
    if (!webhookUrl) {
        return { id, name, status: "skip", reason: "no webhook configured (golive:notify.webhookUrl): inform the client by hand", evidence: {}, durationMs: 0 };
    }
    let host = "";
    try {
        host = new URL(webhookUrl).host;
    } catch {
        return { id, name, status: "fail", reason: "golive:notify.webhookUrl is not a valid URL", evidence: {}, durationMs: 0 };
    }
    return timed<CheckResult>(
        async () => {
            const res = await withRetry(
                () => httpRequest(webhookUrl, net, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }),
                { attempts: attemptsOf(net), deadlineMs: (net.timeoutMs ?? 10_000) * attemptsOf(net), retryOn: (r) => r.status === 429 || r.status >= 500 },
            );
            const evidence = { host, status: res.status, at: new Date().toISOString(), text: body.text };
            if (res.status >= 200 && res.status < 300) {
                return { id, name, status: "pass", reason: `message posted to the webhook on ${host} (HTTP ${res.status})`, evidence };
            }
            return { id, name, status: "fail", reason: `the webhook on ${host} answered HTTP ${res.status}`, evidence };
        },
        (err) => ({ id, name, status: "fail", reason: `the webhook on ${host} could not be reached: ${redact(scrubUrl(describeError(err), webhookUrl))}`, evidence: { host } }),
    );
}

/** MEP-01 / MEP-17 as a resource; the whole input is secret because it holds the webhook URL. */
export class NotificationStep extends CheckResource {
    constructor(name: string, args: CheckArgs<NotificationInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(postNotification, { label: "MEP-01/MEP-17 Notification", required: { stage: "text", site: "text" } }), "Notification", name, args, opts, ["input"]);
    }
}
