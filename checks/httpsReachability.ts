// MEP-09: the site answers on https://www.<domain>/ with 200, fast enough, without redirecting.
import type * as pulumi from "@pulumi/pulumi";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { DEFAULT_TIMEOUT_MS, describeError, httpRequestWithRetry, timed } from "./net";
import type { CheckResult, NetOptions } from "./types";

export interface HttpsReachabilityInput {
    /** The page to reach, e.g. https://www.kaliabeautystudio.com/ */
    url: string;
    /** Largest acceptable answer time of the successful request (default 5000 ms). */
    budgetMs?: number;
}

export const HTTPS_REACHABILITY_NAME = "HTTPS reachability";

export async function checkHttpsReachability(input: HttpsReachabilityInput, net: NetOptions): Promise<CheckResult> {
    const budgetMs = input.budgetMs ?? 5_000;
    const base = { id: "MEP-09" as const, name: HTTPS_REACHABILITY_NAME };
    return timed<CheckResult>(
        async () => {
            // Wait a little past the budget so a slow answer is measured, not just cut off.
            const timeoutMs = Math.max(net.timeoutMs ?? DEFAULT_TIMEOUT_MS, budgetMs + 1_000);
            const res = await httpRequestWithRetry(input.url, net, { timeoutMs });
            const evidence = {
                url: input.url,
                status: res.status,
                elapsedMs: res.elapsedMs,
                budgetMs,
                servedBy: res.headers["x-served-by"] ?? res.headers["x-vercel-id"] ?? res.headers["server"],
                contentType: res.headers["content-type"],
                bytes: Buffer.byteLength(res.body, "utf8"),
                ...(res.location ? { location: res.location } : {}),
            };
            if (res.status !== 200) {
                const why = res.location ? `answered ${res.status} → ${res.location} (expected 200, without redirect)` : `answered ${res.status} (expected 200)`;
                return { ...base, status: "fail", reason: `${input.url} ${why}`, evidence };
            }
            if (res.elapsedMs > budgetMs) {
                return { ...base, status: "fail", reason: `${input.url} answered 200 in ${res.elapsedMs} ms, over the ${budgetMs} ms budget`, evidence };
            }
            return { ...base, status: "pass", reason: `${input.url} answered 200 in ${res.elapsedMs} ms (budget ${budgetMs} ms)`, evidence };
        },
        (err) => ({ ...base, status: "fail", reason: `${input.url} unreachable: ${describeError(err)}`, evidence: { url: input.url, budgetMs, error: describeError(err) } }),
    );
}

/** MEP-09 as a dynamic resource: `pulumi up` fails when the site does not answer. */
export class HttpsReachabilityCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<HttpsReachabilityInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkHttpsReachability, { label: "MEP-09 HTTPS reachability", required: { url: "text" } }), "HttpsReachability", name, args, opts);
    }
}
