// golive:vercel:SiteCertificate — MEP-08 before hour H. The CAA records that let Let's Encrypt
// (Vercel's CA) issue when the zone restricts issuers, then Vercel's certificate for the apex and
// www by DNS-01 (checks/siteCertificate.ts): the order, its `_acme-challenge` TXT records at
// Cloudflare, and the issuance once they resolve. So the cutover only has to move DNS: the new
// host already serves the site's certificate, and the pre-switch MEP-08 proves it.
//
// The TXT records are declared at prepare and dropped from cutover on: the engine deletes them at
// the end of a successful cutover, after a pending issuance had its last try.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import { CertificateFact, CertificateIssuance, CertificateOrder } from "../checks/siteCertificate";
import type { TxtWait } from "../checks/txtRecords";
import type { NetOptions } from "../checks/types";
import type { VercelApiConfig } from "../config/certificateConfig";
import { OWN_CAA_COMMENT } from "../program/dnsPlan";

/** The comment on the DNS-01 challenge records the program publishes. */
export const CHALLENGE_COMMENT = "managed by golive (MEP-08: DNS-01 challenge of Vercel's certificate)";

export interface SiteCertificateArgs {
    zoneId: pulumi.Input<string>;
    /** The apex; www.<apex> is the other name. */
    domain: string;
    /** Names that get a `0 issue "letsencrypt.org"` CAA record because their CAA set excludes it. */
    caaLetsEncrypt: ReadonlyArray<{ label: "apex" | "www"; name: string; ttl: number }>;
    /** golive:certificate.preIssue: false leaves the issuance to Vercel after the switch. */
    preIssue: boolean;
    api: VercelApiConfig;
    /** Publish the DNS-01 challenges (prepare); from cutover on they are no longer declared. */
    publishChallenges: boolean;
    wait: TxtWait;
    net?: pulumi.Input<NetOptions>;
    /** What must be done first: the domains verified on the project (MEP-05). */
    after?: pulumi.Input<pulumi.Resource>[];
}

export class SiteCertificate extends pulumi.ComponentResource {
    public readonly caa: cloudflare.DnsRecord[];
    public readonly order?: CertificateOrder;
    public readonly issuance?: CertificateIssuance;
    /** The certificate as it stands before the switch: MEP-08's evidence before hour H. */
    public readonly certificate: pulumi.Output<CertificateFact>;

    constructor(name: string, args: SiteCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:vercel:SiteCertificate", name, {}, opts);
        const names = [args.domain, `www.${args.domain}`];

        // MEP-08: Vercel's certificates come from Let's Encrypt; adding an issuer never removes one.
        // The comment marks the record as the program's own, so the next phase still declares it.
        // These records were children of the DNS records component ("dns") before: the alias keeps
        // a stack that already has them from replacing them.
        const formerParent = pulumi.createUrn("dns", "golive:cloudflare:DnsRecords");
        this.caa = args.caaLetsEncrypt.map(
            (c) =>
                new cloudflare.DnsRecord(
                    `dns-caa-${c.label}`,
                    { zoneId: args.zoneId, name: c.name, type: "CAA", ttl: c.ttl, comment: OWN_CAA_COMMENT, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
                    // Only once the domains are on the project (args.after): a refused domain stops prepare before any record changes.
                    { parent: this, aliases: [{ parent: formerParent }], ...(args.after ? { dependsOn: args.after } : {}) },
                ),
        );

        if (!args.preIssue) {
            this.certificate = pulumi.output<CertificateFact>({
                status: "not-ordered",
                names,
                reason: "golive:certificate.preIssue is false: Vercel issues the certificate once DNS points to it, after the switch",
            });
            this.registerOutputs({ certificate: this.certificate });
            return;
        }

        const api = { baseUrl: args.api.baseUrl, ...(args.api.teamId ? { teamId: args.api.teamId } : {}) };
        const token = args.api.token ? { token: args.api.token } : {};
        this.order = new CertificateOrder(`${name}-order`, { api, names, ...token }, { parent: this, dependsOn: [...this.caa, ...(args.after ?? [])] });

        // The DNS-01 challenge records, declared (not discovered): their names are known before the
        // order, so `pulumi preview` shows them; their content is the order's output. An order that
        // asks for no challenge (a certificate exists, a refusal) leaves a TXT value that no CA reads.
        const challenges = args.publishChallenges
            ? (["apex", "www"] as const).map((label) => {
                  const record = label === "apex" ? `_acme-challenge.${args.domain}` : `_acme-challenge.www.${args.domain}`;
                  const content = this.order!.order.apply((o) => o.challenges.find((c) => c.name === record)?.value ?? `golive: no DNS-01 challenge (certificate ${o.status})`);
                  return new cloudflare.DnsRecord(`${name}-acme-${label}`, { zoneId: args.zoneId, name: record, type: "TXT", content, ttl: 60, comment: CHALLENGE_COMMENT }, { parent: this });
              })
            : [];

        this.issuance = new CertificateIssuance(
            `${name}-issuance`,
            { api, ...token, domain: args.domain, order: this.order.order, wait: args.wait, ...(args.net ? { net: args.net } : {}) },
            { parent: this, dependsOn: challenges },
        );
        this.certificate = this.issuance.certificate;
        this.registerOutputs({ certificate: this.certificate });
    }
}
