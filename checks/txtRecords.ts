// The wait for TXT records the program just wrote (the certificate's DNS-01 challenges, a domain's
// verification): bounded, on every authoritative server of the zone and the public resolvers, as
// MEP-07 waits for the site's records (checks/dnsPropagation.ts serversToAsk). Vercel, and Let's
// Encrypt behind it, read them from wherever they ask: all must answer before the finalization.
import { askWithin, AskedServer, serversToAsk } from "./dnsPropagation";
import { backoffMs, describeError, makeResolver, sleep } from "./net";
import type { NetOptions } from "./types";

export interface TxtRecord {
    /** e.g. _acme-challenge.www.example.com */
    name: string;
    value: string;
}

export interface TxtWait {
    /** "ip[:port]"; default: the zone's NS (through the resolvers). */
    authoritative?: string[];
    /** "ip[:port]"; default MEP-07's public resolvers. */
    resolvers?: string[];
    /** Overall bound (ms). */
    timeoutMs: number;
    /** First pause between rounds, doubled up to a cap. */
    pollMs: number;
}

export interface TxtWaitResult {
    seen: boolean;
    /** Per record, the servers that did not answer the value yet, with what they answered. */
    missing: Record<string, Array<{ server: string; answer: string }>>;
    servers: AskedServer[];
    rounds: number;
    waitedMs: number;
    nsError?: string;
}

const QUERY_MS = 2_000;

/** Waits until every server answers each record's value (among the name's TXT strings), or the bound passes. */
export async function awaitTxtRecords(domain: string, records: TxtRecord[], wait: TxtWait, net: NetOptions): Promise<TxtWaitResult> {
    const started = Date.now();
    const deadline = started + Math.max(0, wait.timeoutMs);
    const queryMs = Math.min(QUERY_MS, net.timeoutMs ?? QUERY_MS);
    const { servers, nsError } = await serversToAsk(domain, wait, net, queryMs);
    let missing: TxtWaitResult["missing"] = {};
    let rounds = 0;
    if (servers.length === 0) return { seen: false, missing: { [domain]: [{ server: "(none)", answer: nsError ?? "no DNS server to ask" }] }, servers, rounds, waitedMs: 0, ...(nsError ? { nsError } : {}) };
    // Bounded in rounds as well as in time, whatever the servers do.
    for (; rounds < 200; ) {
        rounds++;
        const ms = Math.max(100, Math.min(queryMs, deadline - Date.now()));
        missing = {};
        await Promise.all(
            records.flatMap((r) =>
                servers.map(async ({ server }) => {
                    let answer: string;
                    try {
                        const resolver = makeResolver([server], ms);
                        const texts = (await askWithin(resolver, () => resolver.resolveTxt(r.name), ms)).map((chunks) => chunks.join(""));
                        if (texts.includes(r.value)) return;
                        answer = texts.length > 0 ? texts.map((t) => JSON.stringify(t)).join(", ") : "no TXT";
                    } catch (err) {
                        const code = (err as { code?: string }).code;
                        answer = code === "ENOTFOUND" ? "NXDOMAIN" : code === "ENODATA" ? "no TXT" : describeError(err);
                    }
                    (missing[r.name] ??= []).push({ server, answer });
                }),
            ),
        );
        const left = deadline - Date.now();
        if (Object.keys(missing).length === 0 || left <= 0) break;
        await sleep(Math.min(backoffMs(rounds, wait.pollMs, Math.max(wait.pollMs, 30_000)), left));
    }
    return { seen: Object.keys(missing).length === 0, missing, servers, rounds, waitedMs: Date.now() - started, ...(nsError ? { nsError } : {}) };
}

/** "_acme-challenge.www.x: 127.0.0.1:53 → no TXT; …", for a reason line. */
export function describeMissing(missing: TxtWaitResult["missing"]): string {
    return Object.entries(missing)
        .map(([name, list]) => `${name}: ${list.map((m) => `${m.server} → ${m.answer}`).join(", ")}`)
        .join("; ");
}
