// What apex and www must look like in each phase, decided once from config, plus the CAA
// analysis. Pure: no resource is created here, so every phase can be tested without Pulumi.
import * as pulumi from "@pulumi/pulumi";
import type { GoLiveConfig, LiveRecord, SiteRecordType } from "./config";
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
 */
export function planSiteRecords(cfg: GoLiveConfig, zoneId: string, targets?: VercelTargets): PlannedRecord[] {
    const plan = (label: "apex" | "www", name: string, live: LiveRecord | undefined, newType: SiteRecordType): PlannedRecord => {
        const newContent = targets ? (newType === "CNAME" ? targets.wwwCname : label === "apex" ? targets.apexIpv4 : targets.wwwIpv4) : undefined;
        const comment = live?.comment !== undefined ? { comment: live.comment } : {};
        let spec: SiteRecordSpec | undefined;
        if (cfg.phase === "adopt" && live) {
            spec = { name, type: live.type, content: live.content, ttl: live.ttl, proxied: live.proxied, ...comment, importId: `${zoneId}/${live.id}` };
        } else if (cfg.phase === "prepare" && live) {
            // A proxied record is answered by Cloudflare with its own short TTL; its TTL must stay automatic.
            spec = { name, type: live.type, content: live.content, ttl: live.proxied ? 1 : cfg.ttl, proxied: live.proxied, ...comment };
        } else if (cfg.phase === "cutover") {
            if (newContent === undefined) throw new Error(`cutover needs Vercel's target for ${name}`);
            // MEP-06: unproxied, or Vercel cannot issue the certificate and the redirect loops.
            spec = { name, type: newType, content: newContent, ttl: cfg.ttl, proxied: false, ...comment };
            // A type change replaces the record; config accepted it explicitly (golive:allowRecordReplace).
            if (live && live.type !== newType) spec.deleteBeforeReplace = true;
        }
        return { label, name, spec, newType, ...(live ? { oldContent: live.content } : {}), ...(newContent !== undefined ? { newContent } : {}) };
    };
    return [plan("apex", cfg.domain, cfg.dns.live.apex, "A"), plan("www", cfg.wwwDomain, cfg.dns.live.www, cfg.dns.wwwType)];
}

/** A CAA record as getDnsRecords returns it (only the fields used here). */
export interface CaaRecord {
    name: string;
    data?: { tag?: string; value?: string };
}

/**
 * Names whose effective CAA set (RFC 8659: the closest name that has CAA records) exists and
 * does not let Let's Encrypt issue. An empty set allows every CA, so nothing is added then.
 */
export function namesNeedingLetsEncrypt(domain: string, records: readonly CaaRecord[]): Array<{ label: "apex" | "www"; name: string }> {
    const at = (name: string) => records.filter((r) => r.name.toLowerCase().replace(/\.$/, "") === name);
    const allows = (set: CaaRecord[]) =>
        set.some((r) => (r.data?.tag ?? "").toLowerCase() === "issue" && (r.data?.value ?? "").split(";")[0].trim().toLowerCase() === "letsencrypt.org");
    const out: Array<{ label: "apex" | "www"; name: string }> = [];
    const apexSet = at(domain);
    if (apexSet.length > 0 && !allows(apexSet)) out.push({ label: "apex", name: domain });
    const wwwSet = at(`www.${domain}`);
    if (wwwSet.length > 0 && !allows(wwwSet)) out.push({ label: "www", name: `www.${domain}` });
    return out;
}
