// golive:vercel:VerifiedDomains — MEP-05 finished before hour H: every domain of the project is
// verified on Vercel. A domain Vercel holds as unverified (another team's project has it) gets the
// TXT record Vercel asks for at Cloudflare, then Vercel is asked to verify it; when Vercel keeps it
// with another project, prepare fails naming the domain, the project and what to do (never found
// after the switch). A verified domain (the usual case) costs one pass-through result.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import type * as vercel from "@pulumiverse/vercel";
import { DomainVerificationCheck } from "../checks/domainVerification";
import type { TxtWait } from "../checks/txtRecords";
import type { CheckResult, NetOptions } from "../checks/types";
import type { VercelApiConfig } from "../config/certificateConfig";

/** The comment on the verification records the program publishes. */
export const VERIFICATION_COMMENT = "managed by golive (MEP-05: Vercel domain verification)";

export interface VerifiedDomainsArgs {
    zoneId: pulumi.Input<string>;
    /** The apex: the zone whose servers are asked for the TXT records. */
    zone: string;
    projectId: pulumi.Input<string>;
    projectName: string;
    domains: ReadonlyArray<{ label: "apex" | "www"; domain: vercel.ProjectDomain }>;
    api: VercelApiConfig;
    wait: TxtWait;
    net?: pulumi.Input<NetOptions>;
}

export class VerifiedDomains extends pulumi.ComponentResource {
    /** One MEP-05 result per domain. */
    public readonly results: pulumi.Output<CheckResult[]>;
    public readonly checks: DomainVerificationCheck[];

    constructor(name: string, args: VerifiedDomainsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:vercel:VerifiedDomains", name, {}, opts);
        this.checks = args.domains.map(({ label, domain }) => {
            // The records Vercel asks for exist only while a domain is unverified (known once the
            // domain exists: at a first preview nothing is declared here yet).
            const records = pulumi.all([domain.verified, domain.verifications]).apply(([verified, asked]) =>
                verified
                    ? []
                    : (asked ?? [])
                          .filter((v) => v.type.toUpperCase() === "TXT")
                          .map(
                              (v, i) =>
                                  new cloudflare.DnsRecord(
                                      `${name}-${label}-txt-${i}`,
                                      { zoneId: args.zoneId, name: v.domain.toLowerCase().replace(/\.$/, ""), type: "TXT", content: v.value, ttl: 60, comment: VERIFICATION_COMMENT },
                                      { parent: this },
                                  ),
                          ),
            );
            const input = pulumi.all([args.projectId, domain.domain, domain.verified, domain.verifications]).apply(([projectId, d, verified, verifications]) => ({
                api: { baseUrl: args.api.baseUrl, ...(args.api.teamId ? { teamId: args.api.teamId } : {}) },
                projectId,
                projectName: args.projectName,
                domain: d,
                zone: args.zone,
                verified: verified !== false,
                verifications: (verifications ?? []).map((v) => ({ type: v.type, domain: v.domain, value: v.value, reason: v.reason })),
                wait: args.wait,
            }));
            return new DomainVerificationCheck(
                `${name}-${label}`,
                { input, ...(args.api.token ? { token: args.api.token } : {}), ...(args.net ? { net: args.net } : {}) },
                { parent: this, dependsOn: records },
            );
        });
        this.results = pulumi.all(this.checks.map((c) => c.result));
        this.registerOutputs({ results: this.results });
    }
}
