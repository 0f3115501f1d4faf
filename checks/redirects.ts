// MEP-10: http:// → https:// and apex → www, permanent redirects only, few hops, path and query kept.
import type * as pulumi from "@pulumi/pulumi";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { describeError, httpRequestWithRetry, timed } from "./net";
import type { CheckResult, NetOptions } from "./types";

export interface RedirectsInput {
    /** Apex domain, e.g. kaliabeautystudio.com */
    domain: string;
    /** Most redirects allowed from any start URL to https://www (default 2). */
    maxHops?: number;
    /** Path and query probed, which every redirect must keep (default "/?golive=1"). */
    path?: string;
}

export const REDIRECTS_NAME = "Redirects";

/** One request of a chain: what was asked and what came back. */
export interface RedirectHop {
    url: string;
    status?: number;
    location?: string;
    error?: string;
}

export interface RedirectChain {
    start: string;
    hops: RedirectHop[];
    /** Why following stopped early: a loop, too many hops, an off-site target. */
    stopped?: string;
}

const PERMANENT = [301, 308];

/**
 * A URL as the site means it: the port the checks map a scheme to (--http-port/--https-port, or
 * 80/443) is that scheme's default port, so `https://www.x:8443/` is `https://www.x/` when 8443
 * is the https port (a staging host behind a port writes its port into Location).
 */
export function siteUrl(url: string, net: NetOptions): string {
    const u = new URL(url);
    const mapped = u.protocol === "https:" ? net.httpsPort ?? 443 : u.protocol === "http:" ? net.httpPort ?? 80 : undefined;
    if (u.port && Number(u.port) === mapped) u.port = "";
    return u.toString();
}

/** Follows redirects one request at a time, stopping on loops and after `cap` requests. */
export async function followRedirects(start: string, domain: string, cap: number, net: NetOptions): Promise<RedirectChain> {
    const chain: RedirectChain = { start, hops: [] };
    const seen: string[] = [];
    let url = start;
    while (chain.hops.length < cap) {
        // The same place is the same place whatever port spelling its Location used.
        if (seen.includes(siteUrl(url, net))) {
            chain.stopped = `redirect loop: ${[...chain.hops.map((h) => h.url), url].join(" → ")}`;
            return chain;
        }
        seen.push(siteUrl(url, net));
        const host = new URL(url).hostname.toLowerCase();
        if (host !== domain && !host.endsWith(`.${domain}`)) {
            // Never follow a redirect off the site: it is a fault, and the target is not ours to probe.
            chain.stopped = `redirects off-site to ${url}`;
            return chain;
        }
        let hop: RedirectHop;
        try {
            const res = await httpRequestWithRetry(url, net);
            hop = { url, status: res.status, ...(res.location ? { location: res.location } : {}) };
        } catch (err) {
            chain.hops.push({ url, error: describeError(err) });
            return chain;
        }
        chain.hops.push(hop);
        if (!hop.location || hop.status === undefined || hop.status < 300 || hop.status > 399) {
            return chain;
        }
        url = hop.location;
    }
    chain.stopped = `more than ${cap} requests without reaching a page`;
    return chain;
}

/** `http://x/?a -308-> https://x/?a -308-> https://www.x/?a (200)` */
export function describeChain(chain: RedirectChain): string {
    let out = chain.hops.length ? "" : chain.start;
    chain.hops.forEach((hop, i) => {
        out += i === 0 ? hop.url : "";
        if (hop.error) out += ` (error: ${hop.error})`;
        else if (hop.location && hop.status! >= 300 && hop.status! <= 399) out += ` -${hop.status}-> ${hop.location}`;
        else out += ` (${hop.status})`;
    });
    if (chain.stopped && chain.hops.length && chain.hops[chain.hops.length - 1].location) {
        out += ` (${chain.stopped.startsWith("redirect loop") ? "loop" : chain.stopped})`;
    }
    return out;
}

/** A hop URL without the probe path, so the same fault seen from two start URLs reads the same. */
function shortUrl(url: string, probe: string): string {
    const u = new URL(url);
    return u.pathname + u.search === new URL(probe, u).pathname + new URL(probe, u).search ? u.origin : url;
}

const pathOf = (url: string) => {
    const u = new URL(url);
    return u.pathname + u.search;
};

/**
 * The defects of one chain, each on its own: a temporary hop, a hop that loses the path, the
 * wrong destination, too many hops, a final page that is not 200. Empty when the chain is right.
 * `label` names the start URL without the probe path.
 */
export function assessChain(chain: RedirectChain, label: string, target: string, probe: string, maxHops: number, isTarget: boolean, net: NetOptions = {}): string[] {
    const problems: string[] = [];
    if (chain.stopped?.startsWith("redirect loop")) {
        return [`${label}: ${chain.stopped}`];
    }
    const redirects = chain.hops.filter((h) => h.location && h.status! >= 300 && h.status! <= 399);
    for (const hop of redirects) {
        if (!PERMANENT.includes(hop.status!)) {
            const kind = hop.status === 302 || hop.status === 307 || hop.status === 303 ? "temporary" : "not permanent";
            problems.push(`${shortUrl(hop.url, probe)} answered ${hop.status} (${kind}) — must be 301 or 308`);
        }
        // MEP-10: every hop keeps the path and the query (a visitor's deep link must land on its page).
        if (pathOf(hop.location!) !== pathOf(hop.url)) {
            problems.push(`path lost: ${hop.url} redirects to ${hop.location} (${pathOf(hop.url)} became ${pathOf(hop.location!)})`);
        }
    }
    if (chain.stopped) {
        problems.push(`${label}: ${chain.stopped}`);
        return problems;
    }
    const last = chain.hops[chain.hops.length - 1];
    const want = new URL(probe, target);
    if (!last || last.error) {
        const elsewhere = last && redirects.length > 0 && new URL(siteUrl(last.url, net)).origin !== want.origin;
        if (elsewhere) problems.push(`wrong destination: ${label} ends at ${new URL(last.url).origin}, not ${want.origin} (which failed: ${last.error})`);
        else problems.push(`${label}: ${last ? `${last.url} failed: ${last.error}` : "no request made"}`);
        return problems;
    }
    if (isTarget) {
        // MEP-10: the canonical URL serves the page itself.
        if (redirects.length > 0) problems.push(`${label} redirects (answered ${redirects[0].status} → ${redirects[0].location}) — it must answer 200 itself`);
        else if (last.status !== 200) problems.push(`${label} answered ${last.status} (expected 200)`);
        return problems;
    }
    if (redirects.length === 0) {
        const start = new URL(chain.start);
        const what = start.protocol === "http:" ? "http does not redirect to https" : "apex does not redirect to www";
        problems.push(`${what} (${label} answered ${last.status})`);
        return problems;
    }
    const final = new URL(siteUrl(last.url, net));
    if (final.origin !== want.origin) {
        problems.push(`wrong destination: ${label} ends at ${final.origin}, not ${want.origin} (answered ${last.status})`);
    } else if (last.status !== 200) {
        problems.push(`${label} ends at ${last.url} answering ${last.status} (expected 200)`);
    }
    if (redirects.length > maxHops) {
        problems.push(`${label}: ${redirects.length} hops > ${maxHops}`);
    }
    return problems;
}

export async function checkRedirects(input: RedirectsInput, net: NetOptions): Promise<CheckResult> {
    const domain = input.domain.toLowerCase().replace(/\.$/, "");
    const maxHops = input.maxHops ?? 2;
    const probe = input.path ?? "/?golive=1";
    const base = { id: "MEP-10" as const, name: REDIRECTS_NAME };
    const target = `https://www.${domain}`;
    return timed<CheckResult>(
        async () => {
            const starts = [`http://${domain}`, `http://www.${domain}`, `https://${domain}`, target];
            // Requests are capped past maxHops so a loop is seen, yet bounded.
            const chains = await Promise.all(starts.map((s) => followRedirects(new URL(probe, s).toString(), domain, maxHops + 3, net)));
            const problems = [...new Set(chains.flatMap((chain, i) => assessChain(chain, starts[i], target, probe, maxHops, starts[i] === target, net)))];
            const evidence = {
                probe,
                maxHops,
                chains: Object.fromEntries(chains.map((c, i) => [starts[i], describeChain(c)])),
                hops: Object.fromEntries(chains.map((c, i) => [starts[i], c.hops])),
            };
            if (problems.length > 0) {
                return { ...base, status: "fail", reason: problems.join("; "), evidence };
            }
            return {
                ...base,
                status: "pass",
                reason: `http and apex reach ${target}${probe} with permanent redirects in at most ${maxHops} hops; www answers 200`,
                evidence,
            };
        },
        (err) => ({ ...base, status: "fail", reason: `redirects could not be checked: ${describeError(err)}`, evidence: { probe, error: describeError(err) } }),
    );
}

/** MEP-10 as a dynamic resource: `pulumi up` fails when a redirect is missing, temporary or lossy. */
export class RedirectsCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<RedirectsInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkRedirects, { label: "MEP-10 Redirects", required: { domain: "text" } }), "Redirects", name, args, opts);
    }
}
