// The records-first program of the way back (plan R-2): the same DnsRecords component index.ts
// declares, with the previous phase's records only, run inline by the Automation API for one
// targeted update (operations/recordsBack.ts). Its logical names are index.ts's (`dns`, hence dns-apex and
// dns-www), so the engine updates the stack's own records in place.
import type { SiteRecordSpec } from "./dnsRecords";

/** The component's name in index.ts: the records' URNs are the stack's own. */
export const SITE_RECORDS_NAME = "dns";

/** The logical name DnsRecords gives its `apex` or `www` record (dns-apex, dns-www): one definition, for the component and for the way back that finds the records in the state. */
export function siteRecordName(component: string, label: "apex" | "www"): string {
    return `${component}-${label}`;
}

/** The inline program: the two records as `apex` and `www` declare them (one may be absent). */
export function recordsFirstProgram(zoneId: string, apex: SiteRecordSpec | undefined, www: SiteRecordSpec | undefined): () => Promise<Record<string, unknown>> {
    return async () => {
        const { DnsRecords } = await import("./dnsRecords");
        new DnsRecords(SITE_RECORDS_NAME, { zoneId, ...(apex ? { apex } : {}), ...(www ? { www } : {}) });
        return {};
    };
}

/**
 * Loads what the program needs (the component and the Cloudflare SDK) so that at the moment of a
 * rollback nothing is left to load: called when a cutover starts.
 */
export function preloadRecordsBack(): void {
    void import("./dnsRecords");
}
