// golive:cloudflare:DnsRecords — apex and www at Cloudflare (MEP-06). At cutover they change only
// after the pre-switch checks passed (`after`): what visitors reach moves last.
//
// The logical names `${name}-apex` and `${name}-www` never change between phases: adopt imports
// the live records, prepare lowers their TTL, cutover points them at Vercel, all in place.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import type { SiteRecordType } from "../config/config";
import { siteRecordName } from "./recordsFirst";

/** One site record as it must be in this phase. */
export interface SiteRecordSpec {
    /** Full name in Punycode, e.g. www.example.com (Cloudflare returns full names). */
    name: string;
    type: SiteRecordType;
    content: pulumi.Input<string>;
    ttl: number;
    /** Always false from cutover on: a proxy in front of Vercel breaks certificates and loops redirects. */
    proxied: boolean;
    comment?: string;
    /**
     * adopt only: `<zoneId>/<recordId>`. The engine imports, then updates the live record to these
     * inputs: program/program refuseAdoptChanges has checked they are the live record's.
     */
    importId?: string;
    /**
     * The record type differs from the live record's (accepted by golive:allowRecordReplace), from
     * prepare on: the provider replaces it at cutover and back at the rollback, the old one first
     * since a CNAME cannot coexist with an A, and the engine deletes it only if the state it
     * replaces was not retainOnDelete (program/dnsPlan planSiteRecords).
     */
    deleteBeforeReplace?: boolean;
}

export interface DnsRecordsArgs {
    zoneId: pulumi.Input<string>;
    /** Absent when nothing is declared in this phase (a first site before cutover). */
    apex?: SiteRecordSpec;
    www?: SiteRecordSpec;
    /** What must succeed before apex and www change (cutover: the pre-switch checks). */
    after?: pulumi.Input<pulumi.Resource>[];
}

export class DnsRecords extends pulumi.ComponentResource {
    public readonly zoneId: pulumi.Output<string>;
    public readonly apex?: cloudflare.DnsRecord;
    public readonly www?: cloudflare.DnsRecord;

    constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:cloudflare:DnsRecords", name, {}, opts);
        this.zoneId = pulumi.output(args.zoneId);

        const record = (label: "apex" | "www", spec: SiteRecordSpec) =>
            new cloudflare.DnsRecord(
                siteRecordName(name, label),
                {
                    zoneId: args.zoneId,
                    name: spec.name,
                    type: spec.type,
                    content: spec.content,
                    ttl: spec.ttl,
                    proxied: spec.proxied,
                    ...(spec.comment !== undefined ? { comment: spec.comment } : {}),
                },
                {
                    parent: this,
                    ...(args.after && args.after.length > 0 ? { dependsOn: args.after } : {}),
                    ...(spec.importId ? { import: spec.importId } : {}),
                    // Zero downtime: a `pulumi destroy`, or a record dropped from the program, leaves
                    // the live record serving at Cloudflare. Only a record whose accepted type change
                    // is configured (which must be deleted first, both ways) lets the engine remove it.
                    ...(spec.deleteBeforeReplace ? { deleteBeforeReplace: true } : { retainOnDelete: true }),
                },
            );
        if (args.apex) this.apex = record("apex", args.apex);
        if (args.www) this.www = record("www", args.www);

        this.registerOutputs({ zoneId: this.zoneId });
    }
}
