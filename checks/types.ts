// The one currency shared by the dynamic resources, `golive verify`, the report and the rehearsal.
// No Pulumi import here: checks run without the engine too.

/** Plan lines of docs/plan-mep.md that a check can implement. */
export type PlanId =
    | "P-01" | "P-02" | "P-03" | "P-04" | "P-05"
    | "MEP-01" | "MEP-02" | "MEP-03" | "MEP-04" | "MEP-05" | "MEP-06" | "MEP-07" | "MEP-08" | "MEP-09"
    | "MEP-10" | "MEP-11" | "MEP-12" | "MEP-13" | "MEP-14" | "MEP-15" | "MEP-16" | "MEP-17" | "MEP-18"
    // the client told of the postponement, posted like MEP-17 (issue 26).
    | "R-3";

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
    id: PlanId;
    /** Short domain name of the check, e.g. "Redirects". */
    name: string;
    status: CheckStatus;
    /** One line a person can act on. */
    reason: string;
    /** What was observed: statuses, locations, certificate names, expiry, resolver answers... */
    evidence: Record<string, unknown>;
    durationMs: number;
    /**
     * "pre-switch": run against the new host with the site's names pinned to it, before DNS moves
     * (issue 16); absent: through public DNS (after the switch, or `golive verify`).
     */
    stage?: "pre-switch";
}

/**
 * How checks reach the site. Defaults are the real Internet; the rehearsal and the tests
 * point everything at loopback through these options.
 */
export interface NetOptions {
    /** "ip" or "ip:port". When set, every name lookup (HTTP, TLS, DNS checks) goes to these servers only. */
    dnsServers?: string[];
    /** Port used for `http://` URLs without an explicit port (default 80). */
    httpPort?: number;
    /** Port used for `https://` URLs without an explicit port (default 443). */
    httpsPort?: number;
    /** Extra trusted CA (PEM), added to Node's root store. */
    caPem?: string;
    /** Per-request timeout (default 10 000 ms). */
    timeoutMs?: number;
    /** Attempts for transient failures (default 3, at most 10). */
    attempts?: number;
    /**
     * Names looked up at a chosen address instead of through DNS, as `curl --resolve` does: host
     * name (lower case, no trailing dot) → IPv4/IPv6 literal, or a host name that is itself resolved
     * the usual way (e.g. cname.vercel-dns.com). SNI, the Host header and redirects keep the name;
     * ports keep httpPort/httpsPort. Lets every check look at a new host before DNS points at it.
     */
    pins?: Record<string, string>;
    /**
     * Set when the site's certificate cannot be verified yet (e.g. Vercel refused to pre-issue it):
     * the checks' HTTPS requests to the site accept any certificate, and every result that made
     * such a request says "TLS not verified: <this text>". MEP-08 ignores it (it reports what it saw).
     */
    tlsUnverifiedBecause?: string;
    /**
     * What the network layer did during one check run: filled in by checks/pins.ts
     * (pinnedCheck), read into the result's evidence. Never set in config or resource inputs.
     */
    observed?: NetObservations;
}

/** What one check run's connections went through (mutable; shared by the copies of its NetOptions). */
export interface NetObservations {
    /** Pinned names looked up → the pin and the addresses it gave. */
    pinned: Record<string, { pin: string; addresses: string[] }>;
    /** Hosts reached over HTTPS without certificate verification → what the certificate was ("trusted" or the error). */
    unverifiedTls: Record<string, string>;
    /** The check's own HTTP requests, in order, at most net.ts MAX_SEEN_REQUESTS (checks/net httpRequest). */
    requests?: SeenRequest[];
    /** Requests made beyond the ones kept. */
    requestsDropped?: number;
}

/**
 * One HTTP request a check made, as the go-live page's timeline draws it (issue 26): when it
 * started, how long until the answer or the error, whether it was answered below 500. The address
 * is the origin only (scheme, host, port): a path or a query may hold a secret (a webhook's path,
 * an API key).
 */
export interface SeenRequest {
    at: string;
    ms: number;
    ok: boolean;
    url: string;
    /** The answer's status, or the error's code. */
    status: number | string;
}


/** A check function: pure, async, never throws for an expected failure (returns status "fail"). */
export type CheckFn<I> = (input: I, net: NetOptions) => Promise<CheckResult>;

export function summarize(results: CheckResult[]): { passed: number; failed: number; skipped: number } {
    return {
        passed: results.filter((r) => r.status === "pass").length,
        failed: results.filter((r) => r.status === "fail").length,
        skipped: results.filter((r) => r.status === "skip").length,
    };
}
