// What apex and www must look like in each phase, decided once from config, plus the CAA
// analysis. Pure: no resource is created here, so every phase can be tested without Pulumi.
import * as pulumi from "@pulumi/pulumi";
import type { GoLiveConfig, LiveRecord, SiteRecordType } from "../config/config";
import type { SiteRecordSpec } from "../components/dnsRecords";

/** Vercel's documented values, used when getDomainConfig recommends nothing. */
export const VERCEL_DEFAULT_IPV4 = "76.76.21.21";
export const VERCEL_DEFAULT_CNAME = "cname.vercel-dns.com";

/** What Vercel wants apex and www to point to (getDomainConfig, or the documented defaults). */
export interface VercelTargets {
    apexIpv4: pulumi.Input<string>;
    wwwIpv4: pulumi.Input<string>;
    wwwCname: pulumi.Input<string>;
}

export function pickIpv4(recommended: readonly string[] | undefined): string {
    const ip = (recommended ?? []).find((x) => /^\d{1,3}(\.\d{1,3}){3}$/.test(x));
    return ip ?? VERCEL_DEFAULT_IPV4;
}

export function pickCname(recommended: string | undefined): string {
    const name = (recommended ?? "").trim().replace(/\.$/, "");
    return name === "" ? VERCEL_DEFAULT_CNAME : name;
}

export interface PlannedRecord {
    label: "apex" | "www";
    name: string;
    /** The record as declared in this phase; undefined when nothing is declared yet. */
    spec?: SiteRecordSpec;
    /** Content before the go-live (the live record), if any. */
    oldContent?: string;
    /** Content at Vercel (cutover's value); undefined in adopt, where Vercel is not set up yet. */
    newContent?: pulumi.Input<string>;
    newType: SiteRecordType;
}

/**
 * adopt: the live record exactly as it is, imported (nothing changes).
 * prepare: the live content with the low TTL, in place, so cutover and rollback propagate fast.
 * cutover: Vercel's content, unproxied, same resource: an in-place update.
 * A first site (no live record) declares the record only at cutover.
 *
 * A proxied live record (Cloudflare's orange cloud; README "Proxied live records"): Cloudflare
 * answers it with its edge's addresses, TTL 300 s, and keeps its TTL at 1 ("automatic"): the
 * provider refuses another value (dns_record/resource.go). So adopt imports it proxied with TTL 1;
 * prepare leaves it exactly so (proxied, TTL 1, the old origin: nothing changes, and there is no
 * TTL to lower, hence no lead time before H for it); cutover makes it unproxied at Vercel with
 * golive:ttl (MEP-06), in place. Fresh lookups get Vercel at once; resolvers that still hold the
 * edge's address (at most 300 s) reach Cloudflare's edge, which forwards to what the record now
 * holds: Vercel. The rollback (prepare again) proxies the old origin back; visitors holding
 * Vercel's address come back within golive:ttl. The old origin never receives visitors directly
 * (its certificate may be one only Cloudflare trusts).
 *
 * A record whose type changes (accepted by golive:allowRecordReplace) is replaced at cutover, and
 * back at the rollback. The engine skips the delete of a replaced record when the *old* state was
 * retainOnDelete, and Cloudflare refuses a CNAME beside an A of the same name, so from prepare on
 * (the phase before the replace, both ways) that record is declared without retainOnDelete and
 * delete-before-replace: the name does not resolve between the delete and the create (the gap).
 */
export function planSiteRecords(cfg: GoLiveConfig, zoneId: string, targets?: VercelTargets): PlannedRecord[] {
    const plan = (label: "apex" | "www", name: string, live: LiveRecord | undefined, newType: SiteRecordType): PlannedRecord => {
        const newContent = targets ? (newType === "CNAME" ? targets.wwwCname : label === "apex" ? targets.apexIpv4 : targets.wwwIpv4) : undefined;
        const comment = live?.comment !== undefined ? { comment: live.comment } : {};
        const typeChange = !!live && live.type !== newType;
        let spec: SiteRecordSpec | undefined;
        if (cfg.phase === "adopt" && live) {
            spec = { name, type: live.type, content: live.content, ttl: live.ttl, proxied: live.proxied, ...comment, importId: `${zoneId}/${live.id}` };
        } else if (cfg.phase === "prepare" && live) {
            // A proxied record stays as it is: Cloudflare answers it with 300 s and its TTL must stay 1 (automatic).
            spec = { name, type: live.type, content: live.content, ttl: live.proxied ? 1 : cfg.ttl, proxied: live.proxied, ...comment };
            // The state this phase leaves is the "old" one of cutover's replace.
            if (typeChange) spec.deleteBeforeReplace = true;
        } else if (cfg.phase === "cutover") {
            if (newContent === undefined) throw new Error(`cutover needs Vercel's target for ${name}`);
            // MEP-06: unproxied, or Vercel cannot issue the certificate and the redirect loops.
            spec = { name, type: newType, content: newContent, ttl: cfg.ttl, proxied: false, ...comment };
            // A type change replaces the record; config accepted it explicitly (golive:allowRecordReplace).
            // Also the "old" state of the rollback's replace.
            if (typeChange) spec.deleteBeforeReplace = true;
        }
        return { label, name, spec, newType, ...(live ? { oldContent: live.content } : {}), ...(newContent !== undefined ? { newContent } : {}) };
    };
    return [plan("apex", cfg.domain, cfg.dns.live.apex, "A"), plan("www", cfg.wwwDomain, cfg.dns.live.www, cfg.dns.wwwType)];
}

/** A CAA record as getDnsRecords returns it (only the fields used here). */
export interface CaaRecord {
    name: string;
    data?: { tag?: string; value?: string };
    comment?: string | null;
}

/**
 * The comment on the CAA records the program adds: how it recognises its own records in the zone,
 * so the decision does not flip once they exist (phase after phase, rollback included).
 */
export const OWN_CAA_COMMENT = "managed by golive (MEP-08: lets Let's Encrypt issue the Vercel certificate)";

/**
 * Names whose effective CAA set (RFC 8659: the closest name that has CAA records) exists and
 * does not let Let's Encrypt issue. An empty set allows every CA, so nothing is added then.
 * The program's own records (OWN_CAA_COMMENT) are left out: they are the answer, not the question.
 */
export function namesNeedingLetsEncrypt(domain: string, records: readonly CaaRecord[]): Array<{ label: "apex" | "www"; name: string }> {
    const theirs = records.filter((r) => r.comment !== OWN_CAA_COMMENT);
    const at = (name: string) => theirs.filter((r) => r.name.toLowerCase().replace(/\.$/, "") === name);
    const allows = (set: CaaRecord[]) =>
        set.some((r) => (r.data?.tag ?? "").toLowerCase() === "issue" && (r.data?.value ?? "").split(";")[0].trim().toLowerCase() === "letsencrypt.org");
    const out: Array<{ label: "apex" | "www"; name: string }> = [];
    const apexSet = at(domain);
    if (apexSet.length > 0 && !allows(apexSet)) out.push({ label: "apex", name: domain });
    const wwwSet = at(`www.${domain}`);
    if (wwwSet.length > 0 && !allows(wwwSet)) out.push({ label: "www", name: `www.${domain}` });
    return out;
}

/** A DNS record as Cloudflare holds it (getDnsRecord: the fields compared, and its tags, which are not). */
export interface CloudflareRecordView {
    id?: string;
    name: string;
    type: string;
    content: string;
    ttl: number;
    proxied: boolean;
    comment?: string | null;
    tags?: string[] | null;
}

/**
 * adopt: how the declared record (golive:liveRecords.<which>) differs from the live one. The engine
 * imports a record and then *updates* it to the declared inputs, so any difference would change
 * the live site in the phase that promises no change. Empty when they are the same.
 */
export function liveRecordDifferences(which: "apex" | "www", domain: string, declared: LiveRecord, live: CloudflareRecordView): string[] {
    const key = (field: string) => `golive:liveRecords.${which}.${field}`;
    const out: string[] = [];
    const expectedName = which === "apex" ? domain : `www.${domain}`;
    const host = (v: string) => v.trim().toLowerCase().replace(/\.$/, "");
    if (host(live.name) !== expectedName) {
        return [`${key("id")} ${declared.id} is the record of ${live.name} (${live.type}), not of ${expectedName}`];
    }
    const differs = (field: string, want: unknown, have: unknown) => out.push(`${key(field)} is ${JSON.stringify(want)} but the live record has ${JSON.stringify(have)}`);
    if (live.type !== declared.type) differs("type", declared.type, live.type);
    const same = declared.type === "CNAME" ? host(live.content) === host(declared.content) : live.content === declared.content;
    if (!same) differs("content", declared.content, live.content);
    if (live.ttl !== declared.ttl) differs("ttl", declared.ttl, live.ttl);
    if (!!live.proxied !== declared.proxied) differs("proxied", declared.proxied, !!live.proxied);
    const liveComment = live.comment ?? "";
    if (liveComment !== (declared.comment ?? "")) {
        if (declared.comment === undefined) out.push(`${key("comment")} is not set but the live record has ${JSON.stringify(liveComment)} (the import would remove it)`);
        else differs("comment", declared.comment, liveComment || null);
    }
    // Tags are not compared: they are Optional+Computed in the provider (dns_record/schema.go), so the
    // program, which never declares them, leaves them as they are at the import and at every update.
    return out;
}
