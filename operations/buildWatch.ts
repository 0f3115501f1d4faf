// MEP-04 while prepare waits for Vercel's build: what the guided command says meanwhile and when it
// stops waiting. The provider (terraform-provider-vercel client/deployment.go) polls Vercel every
// 5 s with no bound and tells the engine nothing until the build is over; golive reads the same
// deployment state from Vercel's REST API (GET /v7/deployments, the project's newest production
// deployment) to say what Vercel says, and bounds the wait by golive:buildTimeoutSeconds. Pure.
import { BUILD_TIMEOUT_KEY } from "../config/buildConfig";

/** The fields of Vercel's deployment list entry read here (@vercel/sdk GetDeploymentsResponseBody deployments[]). */
export interface DeploymentSeen {
    uid: string;
    /** QUEUED, BUILDING, READY, ERROR, CANCELED… */
    state?: string;
    readyState?: string;
    /** ms since the epoch. */
    created: number;
    buildingAt?: number;
    checksConclusion?: string;
    aliasAssigned?: boolean | number | null;
    aliasError?: { code: string; message: string } | null;
}

/** What Vercel says of a deployment, in one phrase: "BUILDING since 75 s (dpl_…)". */
export function saidOf(d: DeploymentSeen, nowMs: number): string {
    const state = d.readyState ?? d.state ?? "unknown state";
    const since = Math.max(0, Math.round((nowMs - (d.buildingAt ?? d.created)) / 1000));
    const extra = d.aliasError ? `, alias error ${d.aliasError.code}` : d.checksConclusion === "failed" ? ", checks failed" : state === "READY" && !d.aliasAssigned ? ", production domains not assigned yet" : "";
    return `${state} since ${since} s${extra} (${d.uid})`;
}

/** A progress line about a build still running after `waitedMs`. */
export function buildWaitLine(label: string, waitedMs: number, limitMs: number, said: string | undefined): string {
    return `  … ${label}: ${said ? `Vercel says ${said}` : "waiting for Vercel's build"} — ${Math.round(waitedMs / 1000)} s of at most ${Math.round(limitMs / 1000)} s (${BUILD_TIMEOUT_KEY})`;
}

/** Why the wait ends at the bound, with what Vercel said last and what to do. */
export function buildTimeoutMessage(label: string, limitMs: number, said: string | undefined): string {
    return (
        `${label}: Vercel's build did not finish within ${BUILD_TIMEOUT_KEY} (${Math.round(limitMs / 1000)} s)` +
        `${said ? `; Vercel last said ${said}` : ""}. golive stopped waiting; the build may go on at Vercel. ` +
        `Look at it in the Vercel dashboard (Project → Deployments); raise ${BUILD_TIMEOUT_KEY} or fix the build, then run golive prepare again. No DNS record was changed by this wait.`
    );
}
