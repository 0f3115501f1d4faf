// R-4: the Vercel deployment's build log and events, read on a failed cutover so the root-cause
// analysis starts from what Vercel saw (issue 26). One bounded call through checks/vercelApi (its
// loopback rule, token redaction and retries): `GET /v3/deployments/{idOrUrl}/events`, as
// @vercel/sdk's getDeploymentEvents sends it (esm/funcs/deploymentsGetDeploymentEvents.js).
import { deadlineIn, describeError } from "./net";
import { vercelCall, type VercelApi } from "./vercelApi";
import { redact } from "../shared/redact";

/** One event as the go-live page shows it (rendering/goLivePage Incident.deploymentEvents). */
export interface DeploymentEvent {
    at?: string;
    type: string;
    text: string;
}

/** At most this many events are kept: the newest ones, where a build's failure is. */
export const EVENTS_LIMIT = 200;
/** A line longer than this is cut: the page shows a log, not a dump. */
const TEXT_MAX = 500;
/** The read's bound, retries included. */
export const EVENTS_CALL_MS = 15_000;

/**
 * The answer's events, in time order. @vercel/sdk GetDeploymentEventsResponse: an array of events,
 * each either flat (`{ type, created, date, text?, level?, info }`, GetDeploymentEventsResponseBody2)
 * or wrapped (`{ type, created, payload: { date, text?, ... } }`, GetDeploymentEventsResponseBody1),
 * with `null` entries allowed; the alias event (`alias-assigned`) carries no text. Events of the
 * same instant keep the answer's order.
 */
export function eventsOf(answer: unknown, limit = EVENTS_LIMIT): DeploymentEvent[] {
    if (!Array.isArray(answer)) return [];
    const out: Array<DeploymentEvent & { t: number }> = [];
    for (const e of answer) {
        if (!e || typeof e !== "object") continue;
        const x = e as Record<string, any>;
        const p = x.payload && typeof x.payload === "object" ? (x.payload as Record<string, any>) : x;
        const type = typeof x.type === "string" ? x.type.slice(0, 40) : "event";
        const text = typeof p.text === "string" ? p.text : type === "alias-assigned" ? `alias ${Array.isArray(x.alias) ? x.alias.join(", ") : ""}${x.aliasError?.message ? `: ${x.aliasError.message}` : ""}`.trim() : "";
        const t = [p.date, x.date, p.created, x.created].find((n) => typeof n === "number" && Number.isFinite(n)) as number | undefined;
        out.push({ type: typeof p.level === "string" && p.level !== "" && type === "stdout" ? `${type}:${p.level}` : type, text: text.length > TEXT_MAX ? `${text.slice(0, TEXT_MAX)}…` : text, t: t ?? 0, ...(t !== undefined ? { at: new Date(t).toISOString() } : {}) });
    }
    return out
        .sort((a, b) => a.t - b.t)
        .slice(-limit)
        .map(({ t: _t, ...e }) => e);
}

/**
 * The newest `limit` events of the deployment, oldest first; throws (a VercelApiError, or an Error
 * naming the call) when Vercel could not be read within `ms`. `onRetry` hears each retry.
 */
export async function readDeploymentEvents(api: VercelApi, idOrUrl: string, opts: { limit?: number; ms?: number; onRetry?: (note: string) => void } = {}): Promise<DeploymentEvent[]> {
    const limit = Math.max(1, Math.min(opts.limit ?? EVENTS_LIMIT, 1000));
    const path = `/v3/deployments/${encodeURIComponent(idOrUrl)}/events?direction=backward&limit=${limit}&builds=1`;
    const answer = await vercelCall<unknown>(api, "GET", path, undefined, deadlineIn(opts.ms ?? EVENTS_CALL_MS, "the deployment's events"), opts.onRetry);
    // The build log may quote what the build printed: the one redaction, as every result is.
    // Asked newest first (the limit keeps the end of the log): turned back, so events of one instant keep their order.
    return eventsOf(Array.isArray(answer) ? [...answer].reverse() : answer, limit).map((e) => ({ ...e, text: redact(e.text) }));
}

/** R-4 as the go-live page keeps it: the deployment's events, or why there are none, in one line. */
export type EventsOrWhy = { deploymentEvents: DeploymentEvent[] } | { deploymentEventsMissing: string };

/** The production deployment's events for R-4; never throws (a read that failed is said). */
export async function deploymentEventsOrWhy(api: VercelApi, id: string | undefined): Promise<EventsOrWhy> {
    if (!id) return { deploymentEventsMissing: "the stack records no production deployment (prepare's deploymentId)" };
    try {
        const events = await readDeploymentEvents(api, id);
        return events.length > 0 ? { deploymentEvents: events } : { deploymentEventsMissing: `Vercel answered no event for ${id}` };
    } catch (err) {
        return { deploymentEventsMissing: `Vercel's events of ${id} could not be read: ${describeError(err)}` };
    }
}
