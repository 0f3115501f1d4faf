// MEP-07: wait until the apex and www answer the new values everywhere that matters: on every
// authoritative nameserver of the zone and on the big public resolvers.
import type * as pulumi from "@pulumi/pulumi";
import { isIP } from "net";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { backoffMs, describeError, loopbackRefusal, makeResolver, outsideLoopback, sleep, timed } from "./net";
import type { CheckResult, NetOptions } from "./types";

export interface DnsPropagationInput {
    /** Apex domain, e.g. kaliabeautystudio.com */
    domain: string;
    /** A addresses or CNAME targets, lower-case, no trailing dot. An empty list leaves that name unchecked. */
    expected: { apex: string[]; www: string[] };
    /** "ip[:port]"; default: the zone's NS, looked up through the resolvers. */
    authoritative?: string[];
    /** "ip[:port]"; default ["1.1.1.1", "8.8.8.8", "9.9.9.9"]. */
    resolvers?: string[];
    /** Overall wait, default 600 000 ms. */
    timeoutMs?: number;
    /** First pause between rounds, doubled each round up to a cap (default 5000 ms). */
    pollMs?: number;
    /** Most rounds of queries (default 100). */
    maxRounds?: number;
}

export const DNS_PROPAGATION_NAME = "DNS propagation";
export const DEFAULT_PUBLIC_RESOLVERS = ["1.1.1.1", "8.8.8.8", "9.9.9.9"];

/** What one server answers for the two names; a name that errored has its code in `errors`. */
export interface ServerAnswer {
    apex: string[];
    www: string[];
    errors?: { apex?: string; www?: string };
}

type NameKey = "apex" | "www";
const NAME_KEYS: NameKey[] = ["apex", "www"];
const QUERY_TIMEOUT_MS = 2_000;

function normalize(value: string): string {
    return value.trim().toLowerCase().replace(/\.$/, "");
}

function sameSet(a: string[], b: string[]): boolean {
    const x = [...new Set(a.map(normalize))].sort();
    const y = [...new Set(b.map(normalize))].sort();
    return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Runs one query, giving up after `ms` even when the resolver library would keep retrying. */
export async function askWithin<T>(resolver: ReturnType<typeof makeResolver>, query: () => Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expire = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
            resolver.cancel();
            const err: NodeJS.ErrnoException = new Error(`no answer within ${ms} ms`);
            err.code = "ETIMEOUT";
            reject(err);
        }, ms);
    });
    try {
        return await Promise.race([query(), expire]);
    } finally {
        clearTimeout(timer);
    }
}

/**
 * One name on one server. When the expected values are host names, the CNAME is what counts
 * (Vercel's `cname.vercel-dns.com` for www); otherwise the A set, CNAMEs followed. A CNAME at the
 * zone's apex is flattened by Cloudflare (developers.cloudflare.com/dns/cname-flattening): the
 * apex answers its target's addresses, never the CNAME, so there the server's answer counts as the
 * target when its A set is the targets' A set, asked to the same server (addresses compared).
 */
async function answerFor(server: string, name: string, expected: string[], ms: number, isApex = false): Promise<string[]> {
    const resolver = makeResolver([server], ms);
    const wantCname = expected.length > 0 && expected.every((v) => isIP(v) === 0);
    if (wantCname) {
        try {
            const targets = await askWithin(resolver, () => resolver.resolveCname(name), ms);
            if (targets.length > 0) return targets.map(normalize);
        } catch (err) {
            const code = (err as { code?: string }).code;
            if (code !== "ENODATA" && code !== "ENOTFOUND") throw err;
        }
    }
    // No CNAME (yet): show the A set, which is what the old records answer.
    const addresses = (await askWithin(resolver, () => resolver.resolve4(name), ms)).map(normalize).sort();
    if (wantCname && isApex && addresses.length > 0) {
        const targets = await Promise.all(expected.map((t) => askWithin(resolver, () => resolver.resolve4(t), ms).catch(() => [] as string[])));
        const flat = [...new Set(targets.flat().map(normalize))].sort();
        if (flat.length > 0 && flat.length === addresses.length && flat.every((a, i) => a === addresses[i])) return expected;
    }
    return addresses;
}

async function askServer(server: string, names: Record<NameKey, string>, expected: Record<NameKey, string[]>, ms: number): Promise<ServerAnswer> {
    const out: ServerAnswer = { apex: [], www: [] };
    await Promise.all(
        NAME_KEYS.filter((k) => expected[k].length > 0).map(async (k) => {
            try {
                out[k] = await answerFor(server, names[k], expected[k], ms, k === "apex");
            } catch (err) {
                const code = (err as { code?: string }).code;
                out.errors = { ...out.errors, [k]: code ?? describeError(err) };
            }
        }),
    );
    return out;
}

/** The zone's nameservers as "ip" strings, asked to the resolvers (real use only). */
async function findAuthoritative(domain: string, resolvers: string[], ms: number): Promise<{ servers: string[]; error?: string }> {
    try {
        const resolver = makeResolver(resolvers, ms);
        const names = await askWithin(resolver, () => resolver.resolveNs(domain), ms);
        const ips = await Promise.all(
            names.map((n) => {
                const r = makeResolver(resolvers, ms);
                return askWithin(r, () => r.resolve4(n), ms).catch(() => [] as string[]);
            }),
        );
        const servers = [...new Set(ips.flat())];
        return servers.length > 0 ? { servers } : { servers, error: `no address for the nameservers ${names.join(", ")}` };
    } catch (err) {
        return { servers: [], error: `NS lookup of ${domain} failed: ${describeError(err)}` };
    }
}

/** A DNS server MEP-07 asks, and why. */
export interface AskedServer {
    server: string;
    role: "configured" | "authoritative" | "resolver";
}

/**
 * Where a propagation wait looks: every authoritative server of the zone and the big public
 * resolvers (MEP-07, and the certificate's DNS-01 challenges). The rehearsal and the tests name
 * the servers (net.dnsServers); they then stand for both lists.
 */
export async function serversToAsk(domain: string, input: { authoritative?: string[]; resolvers?: string[] }, net: NetOptions, queryMs: number): Promise<{ servers: AskedServer[]; nsError?: string; refused?: string }> {
    const servers: AskedServer[] = [];
    let nsError: string | undefined;
    // GOLIVE_LOOPBACK_ONLY: servers outside the loopback are not asked (the public resolvers and the
    // zone's nameservers without net.dnsServers); the refusal is the reason nothing could be asked.
    const given = net.dnsServers && net.dnsServers.length > 0 ? net.dnsServers : [...(input.authoritative ?? []), ...(input.resolvers ?? DEFAULT_PUBLIC_RESOLVERS)];
    const outside = outsideLoopback(given);
    if (outside.length > 0) {
        const refused = loopbackRefusal(`DNS server ${outside.join(", ")}`).message;
        const inside = given.filter((s) => !outside.includes(s)).map((server) => ({ server, role: "configured" as const }));
        return { servers: inside, nsError: refused, refused };
    }
    if (net.dnsServers && net.dnsServers.length > 0) {
        servers.push(...net.dnsServers.map((server) => ({ server, role: "configured" as const })));
    } else {
        const resolvers = input.resolvers ?? DEFAULT_PUBLIC_RESOLVERS;
        let authoritative = input.authoritative;
        if (!authoritative) {
            const found = await findAuthoritative(domain, resolvers, queryMs);
            authoritative = found.servers;
            nsError = found.error;
        }
        servers.push(...authoritative.map((server) => ({ server, role: "authoritative" as const })));
        for (const server of resolvers) {
            if (!servers.some((s) => s.server === server)) servers.push({ server, role: "resolver" });
        }
    }
    return { servers, ...(nsError ? { nsError } : {}) };
}

/** A server that gave no answer at all (down, unreachable) is not one that says the name does not exist. */
const NO_ANSWER_CODES = ["ETIMEOUT", "ECONNREFUSED", "ESERVFAIL", "EREFUSED", "ECANCELLED"];

function answerText(answer: ServerAnswer, k: NameKey): string {
    const error = answer.errors?.[k];
    if (error === "ENOTFOUND") return "NXDOMAIN (no such name)";
    if (error === "ENODATA") return "no record of that type";
    if (error) return `error ${error}${NO_ANSWER_CODES.includes(error) ? " (no answer: server down or unreachable)" : ""}`;
    return answer[k].length > 0 ? answer[k].join(", ") : "nothing";
}

/** What a group of lagging servers did: other values than expected, no answer at all, or a missing name. */
function laggingVerb(errors: Array<string | undefined>): string {
    // The check knows what it expected, not which value is the old one: it names what was answered.
    if (errors.some((e) => !e)) return "answer other values";
    if (errors.every((e) => NO_ANSWER_CODES.includes(e!))) return "do not answer";
    if (errors.every((e) => !NO_ANSWER_CODES.includes(e!))) return "say the name does not exist";
    return "do not answer or say the name does not exist";
}

export async function checkDnsPropagation(input: DnsPropagationInput, net: NetOptions): Promise<CheckResult> {
    const base = { id: "MEP-07" as const, name: DNS_PROPAGATION_NAME };
    const domain = normalize(input.domain);
    const names: Record<NameKey, string> = { apex: domain, www: `www.${domain}` };
    const expected: Record<NameKey, string[]> = { apex: input.expected.apex.map(normalize), www: input.expected.www.map(normalize) };
    const timeoutMs = Math.max(0, input.timeoutMs ?? 600_000);
    const pollMs = Math.max(10, input.pollMs ?? 5_000);
    const maxRounds = Math.max(1, Math.min(1_000, input.maxRounds ?? 100));
    const queryMs = Math.min(QUERY_TIMEOUT_MS, net.timeoutMs ?? QUERY_TIMEOUT_MS);
    return timed<CheckResult>(
        async () => {
            if (expected.apex.length === 0 && expected.www.length === 0) {
                return { ...base, status: "fail", reason: "nothing to check: expected.apex and expected.www are both empty", evidence: {} };
            }
            const started = Date.now();
            const deadline = started + timeoutMs;
            const { servers, nsError, refused } = await serversToAsk(domain, input, net, queryMs);
            // Not a verdict on the records: the check could not ask anyone.
            if (servers.length === 0 && refused) return { ...base, status: "skip", reason: `DNS propagation not checked: ${refused}`, evidence: { refused } };
            if (servers.length === 0) {
                return { ...base, status: "fail", reason: `no DNS server to ask${nsError ? `: ${nsError}` : ""}`, evidence: { nsError } };
            }

            let answers: Record<string, ServerAnswer> = {};
            let lagging: Record<string, Partial<Record<NameKey, string>>> = {};
            let rounds = 0;
            for (;;) {
                rounds++;
                const ms = Math.max(100, Math.min(queryMs, deadline - Date.now()));
                const got = await Promise.all(servers.map((s) => askServer(s.server, names, expected, ms)));
                answers = Object.fromEntries(servers.map((s, i) => [s.server, got[i]]));
                lagging = {};
                for (const [server, answer] of Object.entries(answers)) {
                    for (const k of NAME_KEYS) {
                        if (expected[k].length > 0 && (answer.errors?.[k] || !sameSet(answer[k], expected[k]))) {
                            lagging[server] = { ...lagging[server], [k]: answerText(answer, k) };
                        }
                    }
                }
                const remaining = deadline - Date.now();
                if (Object.keys(lagging).length === 0 || rounds >= maxRounds || remaining <= 0) break;
                // MEP-07: poll with capped backoff, never past the overall deadline.
                await sleep(Math.min(backoffMs(rounds, pollMs, Math.max(pollMs, 60_000)), remaining));
            }

            const waitedMs = Date.now() - started;
            const evidence = {
                expected,
                servers,
                answers,
                lagging,
                rounds,
                waitedMs,
                timeoutMs,
                ...(nsError ? { nsError } : {}),
            };
            if (Object.keys(lagging).length === 0) {
                return {
                    ...base,
                    status: "pass",
                    reason: `${NAME_KEYS.filter((k) => expected[k].length > 0).map((k) => names[k]).join(" and ")} answer the expected values on ${servers.length === 1 ? `the one server asked (${servers[0].server})` : `all ${servers.length} servers`} (round ${rounds}, after ${(waitedMs / 1000).toFixed(1)} s)`,
                    evidence,
                };
            }
            const parts = NAME_KEYS.flatMap((k) => {
                const late = Object.entries(lagging).filter(([, l]) => l[k] !== undefined);
                if (late.length === 0) return [];
                const verb = laggingVerb(late.map(([s]) => answers[s].errors?.[k]));
                return [
                    `${late.length}/${servers.length} resolvers ${verb} for ${names[k]} after ${(waitedMs / 1000).toFixed(1)} s: ` +
                        `${late.map(([s, l]) => `${s} → ${l[k]}`).join(", ")} (expected ${expected[k].join(", ")})`,
                ];
            });
            return { ...base, status: "fail", reason: parts.join("; "), evidence };
        },
        (err) => ({ ...base, status: "fail", reason: `DNS propagation could not be checked: ${describeError(err)}`, evidence: { error: describeError(err) } }),
    );
}

/** MEP-07 as a dynamic resource: `pulumi up` waits (bounded) for the new records to be seen everywhere. */
export class DnsPropagationCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<DnsPropagationInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkDnsPropagation, { label: "MEP-07 DNS propagation", required: { domain: "text", expected: "object" } }), "DnsPropagation", name, args, opts);
    }
}
