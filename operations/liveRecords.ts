// Adopt: the apex and www records serving today, as the Cloudflare provider lists them
// (getDnsRecords), turned into golive:liveRecords exactly as they are. What the program cannot
// adopt safely (two records for one name, AAAA records that would keep IPv6 visitors on the old
// host) is refused with the reason. Pure.
import type { LiveRecord } from "../config/config";

/** A record as getDnsRecords returns it (the fields used here). */
export interface ListedRecord {
    id?: string;
    name: string;
    type: string;
    content: string;
    ttl?: number;
    proxied?: boolean;
    comment?: string;
}

/** golive:liveRecords.apex|www as written to the stack config. */
export type LiveRecordValue = LiveRecord & { name: string };

export interface Discovered {
    apex?: LiveRecordValue;
    www?: LiveRecordValue;
    /** Every A, AAAA and CNAME record of the two names, as listed. */
    seen: ListedRecord[];
    /** Why these records cannot be adopted as they are; empty when they can. */
    problems: string[];
}

/** The record types that serve the site at a name (AAAA looked at to refuse it). */
export const SITE_RECORD_TYPES = ["A", "AAAA", "CNAME"] as const;
const bare = (name: string) => name.toLowerCase().replace(/\.$/, "");

function describe(r: ListedRecord): string {
    return `${r.type} ${r.content}`;
}

export function liveRecordsFrom(domain: string, records: readonly ListedRecord[]): Discovered {
    const problems: string[] = [];
    const seen: ListedRecord[] = [];
    const pick = (name: string): LiveRecordValue | undefined => {
        const at = records.filter((r) => bare(r.name) === name && (SITE_RECORD_TYPES as readonly string[]).includes(r.type));
        seen.push(...at);
        const v6 = at.filter((r) => r.type === "AAAA");
        if (v6.length > 0) {
            // Vercel serves custom domains over IPv4 only: an AAAA left in place keeps IPv6 visitors on the old host.
            problems.push(`${name} has ${v6.map(describe).join(", ")}: IPv6 visitors would stay on the old host after the cutover. Delete the AAAA record(s) at Cloudflare, then run golive adopt again.`);
        }
        const site = at.filter((r) => r.type !== "AAAA");
        if (site.length === 0) return undefined;
        if (site.length > 1) {
            problems.push(`${name} has ${site.length} records (${site.map(describe).join(", ")}): the program manages one record per name. Keep one at Cloudflare, then run golive adopt again.`);
            return undefined;
        }
        const r = site[0];
        if (!r.id || !/^[0-9a-f]{32}$/.test(r.id)) {
            problems.push(`${name}: Cloudflare listed the ${r.type} record without its id (got ${JSON.stringify(r.id)}); it cannot be imported.`);
            return undefined;
        }
        return {
            id: r.id,
            name,
            type: r.type as LiveRecord["type"],
            content: r.content,
            ttl: r.ttl ?? 1,
            proxied: r.proxied ?? false,
            ...(r.comment ? { comment: r.comment } : {}),
        };
    };
    const apex = pick(bare(domain));
    const www = pick(`www.${bare(domain)}`);
    return { ...(apex ? { apex } : {}), ...(www ? { www } : {}), seen, problems };
}

/** One line per record, for the operator to see what will be written. */
export function formatLiveRecords(d: Discovered): string[] {
    if (d.seen.length === 0) return ["  (no A, AAAA or CNAME record at the apex or www: a first site, nothing to import)"];
    const width = Math.max(...d.seen.map((r) => r.name.length));
    return d.seen.map((r) => {
        const ttl = r.ttl === 1 ? "ttl auto" : `ttl ${r.ttl ?? "?"}`;
        return `  ${bare(r.name).padEnd(width)}  ${r.type.padEnd(5)} ${r.content}  ${ttl}  ${r.proxied ? "proxied" : "unproxied"}  id ${r.id ?? "?"}${r.comment ? `  comment ${JSON.stringify(r.comment)}` : ""}`;
    });
}
