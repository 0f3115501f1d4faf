// Pins (NetOptions.pins: a name looked up at a chosen address, as `curl --resolve`): what a valid
// one is, and what the network layer did during a check, shown in its result: the pins that applied (a name
// looked up at a chosen address, as `curl --resolve`) and the HTTPS requests whose certificate was
// not verified (NetOptions.tlsUnverifiedBecause). One definition for `golive verify` (the suite)
// and the dynamic check resources (providerFor), so no result looks at a pinned host, or skips a
// certificate, without saying so.
//
// Serialized by value into dynamic providers with the check it wraps: no module-level state.
import { isIP } from "net";
import type { CheckFn, CheckResult, NetObservations, NetOptions } from "./types";

/**
 * A host name: dot-separated labels of letters, digits and inner hyphens, at least two, the last
 * not all digits (so "999.1.1.1" is a bad address, not a name).
 */
export function isHostName(s: string): boolean {
    return /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/.test(s) && !/\.\d+$/.test(s);
}

/** A name or address as pins hold it: lower case, without a trailing dot or IPv6 brackets. */
export function normalizePinPart(s: string): string {
    const t = s.trim().toLowerCase().replace(/\.$/, "");
    return /^\[.*\]$/.test(t) ? t.slice(1, -1) : t;
}

/**
 * Why `name` cannot be pinned to `address`, or undefined when it can: the name is a host name (not
 * an address), the address an IPv4/IPv6 literal or a host name (no port: the checks' port mapping
 * applies), and not the name itself. Both normalized first (normalizePinPart).
 */
export function pinProblem(name: string, address: string): string | undefined {
    if (!isHostName(name)) return `the name must be a host name like www.example.com, got ${JSON.stringify(name)}`;
    if (isIP(address) === 0 && !isHostName(address)) {
        return `the address must be an IPv4 or IPv6 address, or a host name (e.g. 76.76.21.21 or cname.vercel-dns.com; no port), got ${JSON.stringify(address)}`;
    }
    if (address === name) return `${name} cannot be pinned to itself`;
    return undefined;
}

/** Whether `net` pins at least one name. */
export function hasPins(net: NetOptions): boolean {
    return !!net.pins && Object.keys(net.pins).length > 0;
}

/** "www.example.com → 76.76.21.21, example.com → 76.76.21.21", for messages. */
export function describePins(pins: Record<string, string>): string {
    return Object.entries(pins)
        .map(([name, address]) => `${name} → ${address}`)
        .join(", ");
}

/**
 * The result with what `observed` saw: `evidence.pinned` (each pinned name the check looked up →
 * its pin and the addresses it gave) and, when HTTPS requests accepted any certificate,
 * `evidence.tlsNotVerified` and "(TLS not verified: <because>)" at the end of the reason.
 */
export function noteNetEvidence(result: CheckResult, net: NetOptions, observed: NetObservations): CheckResult {
    const pinned = Object.keys(observed.pinned);
    const unverified = Object.keys(observed.unverifiedTls);
    const requests = observed.requests ?? [];
    if (pinned.length === 0 && unverified.length === 0 && requests.length === 0) return result;
    const evidence: Record<string, unknown> = { ...result.evidence };
    let reason = result.reason;
    // The check's own HTTP requests (when, how long, answered or not): the go-live page's timeline.
    if (requests.length > 0) evidence.requests = requests.map((r) => ({ ...r }));
    if (observed.requestsDropped) evidence.requestsDropped = observed.requestsDropped;
    if (pinned.length > 0) {
        evidence.pinned = Object.fromEntries(pinned.map((name) => [name, { pin: observed.pinned[name].pin, addresses: [...observed.pinned[name].addresses] }]));
    }
    if (unverified.length > 0) {
        const because = net.tlsUnverifiedBecause ?? "certificate verification was off";
        // Each host's certificate as verification would have judged it ("trusted" or the error).
        evidence.tlsNotVerified = { because, hosts: { ...observed.unverifiedTls } };
        reason = `${reason} (TLS not verified: ${because})`;
    }
    return { ...result, reason, evidence };
}

/**
 * Runs one check with its own observations on `net`, and notes them in the result: the pins, the
 * certificates not verified, the check's own HTTP requests (`evidence.requests`). Inside another
 * such run (the observations already exist), the outer run notes them, once.
 */
export async function withNetEvidence(net: NetOptions, run: (net: NetOptions) => Promise<CheckResult>): Promise<CheckResult> {
    if (net.observed) return run(net);
    const observed: NetObservations = { pinned: {}, unverifiedTls: {}, requests: [] };
    const result = await run({ ...net, observed });
    return noteNetEvidence(result, net, observed);
}

/**
 * A check function whose result shows the pins that applied and the certificates it did not
 * verify. providerFor (every check resource) and the suite (`golive verify`) already use it; wrap
 * a CheckFn with it only when calling the function directly.
 */
export function pinnedCheck<I>(checkFn: CheckFn<I>): CheckFn<I> {
    return (input, net) => withNetEvidence(net ?? {}, (n) => checkFn(input, n));
}
