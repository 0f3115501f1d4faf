// The replica's Vercel (vercel 5.4.1, terraform-provider-vercel v5): which names the new host
// serves and with what certificate, and the provider's resources acting on it. A ProjectDomain makes
// the Vercel-like host serve that name (before that, it answers like Vercel does for a host it does
// not know: a certificate that does not cover the name, and 404 DEPLOYMENT_NOT_FOUND); Vercel issues
// the name's certificate once DNS points to it, after a delay, if CAA lets Let's Encrypt issue; a
// Deployment gets an id and a *.vercel.app URL.
import type { ReplicaWorld } from "./world";
import type { KeyPair } from "./pki";
import type { RequestInfo, Reply } from "./site";
import type { InvokeHandler, ResourceHandler } from "./providerApi";
import type { DnsChange } from "./cloudflare";

export const VERCEL_TYPES = {
    project: "vercel:index/project:Project",
    projectDomain: "vercel:index/projectDomain:ProjectDomain",
    deployment: "vercel:index/deployment:Deployment",
    envVar: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
} as const;

/** How the replica's Vercel behaves; the `--break` faults change these. */
export interface VercelBehaviour {
    /** ProjectDomain creations are not applied to the host until this many ms after the first DNS change. */
    domainsAfterDnsMs?: number;
    /** The Vercel host answers its redirects with this status whatever the project says. */
    redirectStatusOverride?: number;
    /** Vercel issues a name's certificate this many ms after DNS points the name to it (default 0). */
    certDelayMs?: number;
}

/** The Cloudflare name Vercel recommends for www in the replica (served by the zone). */
export function vercelCnameOf(world: ReplicaWorld): string {
    return `cname.vercel-dns.${world.domain}`;
}

/** The Vercel side of the replica: which names the new host serves, and with what certificate. */
export class VercelReplica {
    readonly domains = new Map<string, { redirect?: string; redirectStatusCode?: number }>();
    /** When each name's certificate was issued (engine clock), or why it was not. */
    readonly certificates = new Map<string, { issuedAt?: number; refused?: string }>();
    private readonly unknownHostCert: KeyPair;
    private readonly pointed = new Set<string>();
    private readonly pending = new Map<string, NodeJS.Timeout>();
    private now: () => number = () => Date.now();
    private caaAllows: (host: string) => boolean = () => true;
    private firstDnsChangeAt?: number;
    private readonly pendingDomains: Array<() => void> = [];

    constructor(private readonly world: ReplicaWorld, private readonly siteCert: KeyPair, private readonly behaviour: VercelBehaviour) {
        // Vercel presents its own certificate for a host it does not serve, or not yet.
        this.unknownHostCert = world.issue(["*.vercel.app"]);
        const site = world.newSite;
        site.certs = { "*": this.unknownHostCert };
        const vercelSpec = site.spec;
        const previous = vercelSpec.handle;
        site.spec = {
            ...vercelSpec,
            handle: async (req: RequestInfo): Promise<Reply | undefined> => {
                if (!this.domains.has(req.host.toLowerCase())) {
                    return { status: 404, headers: { "x-vercel-error": "DEPLOYMENT_NOT_FOUND", "content-type": "text/plain" }, body: "404: NOT_FOUND\nCode: DEPLOYMENT_NOT_FOUND\n" };
                }
                return previous ? previous(req) : undefined;
            },
        };
    }

    /** The clock of the figures, and the CA's CAA lookup (Let's Encrypt honours CAA). */
    attach(now: () => number, caaAllows: (host: string) => boolean): void {
        this.now = now;
        this.caaAllows = caaAllows;
    }

    addDomain(name: string, redirect?: string, redirectStatusCode?: number): void {
        const host = name.toLowerCase();
        this.domains.set(host, { ...(redirect ? { redirect } : {}), ...(redirectStatusCode ? { redirectStatusCode } : {}) });
        if (host === this.world.domain) {
            // MEP-10: the apex's redirect is the ProjectDomain's; none means the apex serves the site.
            this.world.newSite.spec.apexRedirectStatus = redirect ? this.behaviour.redirectStatusOverride ?? redirectStatusCode ?? 308 : null;
        }
        this.maybeIssue(host);
    }

    removeDomain(name: string): void {
        const host = name.toLowerCase();
        this.domains.delete(host);
        clearTimeout(this.pending.get(host));
        this.pending.delete(host);
        this.certificates.delete(host);
        const certs = { ...this.world.newSite.certs };
        delete certs[host];
        this.world.newSite.certs = certs;
    }

    /** A domain as the project receives it: at once, or (the dns-before-domain fault) some time after the first DNS change. */
    receiveDomain(apply: () => void): void {
        if (this.behaviour.domainsAfterDnsMs !== undefined && this.firstDnsChangeAt === undefined) this.pendingDomains.push(apply);
        else apply();
    }

    /**
     * What Vercel sees of DNS: a name now pointing here, or away from it (its HTTP-01 validation
     * follows DNS), and the first change of a live record (when the faulty domains arrive).
     */
    observeDns(change: DnsChange & { type: string }, isUpdate: boolean, pointsHere: boolean): void {
        if (change.type === "A" || change.type === "CNAME") this.dnsPoints(change.name, change.op === "set" && pointsHere);
        if (change.op === "set" && isUpdate && this.firstDnsChangeAt === undefined) {
            this.firstDnsChangeAt = this.now();
            if (this.behaviour.domainsAfterDnsMs !== undefined) {
                const apply = this.pendingDomains.splice(0);
                setTimeout(() => apply.forEach((f) => f()), this.behaviour.domainsAfterDnsMs).unref();
            }
        }
    }

    /** DNS now points `name` to this host, or away from it: Vercel's HTTP-01 validation follows DNS. */
    dnsPoints(name: string, here: boolean): void {
        const host = name.toLowerCase();
        if (here) this.pointed.add(host);
        else this.pointed.delete(host);
        this.maybeIssue(host);
    }

    /** Timers of certificates not issued yet (the rehearsal's end). */
    close(): void {
        for (const t of this.pending.values()) clearTimeout(t);
        this.pending.clear();
    }

    // Like Vercel: the certificate comes once the domain is on the project and DNS points to it,
    // on its own schedule, and only if the zone's CAA lets Let's Encrypt issue.
    private maybeIssue(host: string): void {
        if (!this.domains.has(host) || !this.pointed.has(host) || this.pending.has(host) || this.certificates.get(host)?.issuedAt !== undefined) return;
        const issue = () => {
            this.pending.delete(host);
            if (!this.domains.has(host)) return;
            if (!this.caaAllows(host)) {
                this.certificates.set(host, { refused: "CAA does not allow letsencrypt.org" });
                return;
            }
            this.world.newSite.certs = { ...this.world.newSite.certs, [host]: this.siteCert };
            this.certificates.set(host, { issuedAt: this.now() });
        };
        const delay = this.behaviour.certDelayMs ?? 0;
        if (delay <= 0) issue();
        else this.pending.set(host, setTimeout(issue, delay));
    }
}

/** The Vercel resource handlers and data sources, acting on `vercel`. */
export function vercelHandlers(world: ReplicaWorld, vercel: VercelReplica): { resources: Record<string, ResourceHandler>; invokes: Record<string, InvokeHandler> } {
    const newHost = world.newSite.host;
    const vercelCname = vercelCnameOf(world);
    const resources: Record<string, ResourceHandler> = {
        [VERCEL_TYPES.project]: async (req) => ({ id: req.olds?.id ?? `prj_${Math.random().toString(36).slice(2, 14)}` }),
        [VERCEL_TYPES.envVar]: async (req) => ({ id: req.olds?.id ?? `env_${Math.random().toString(36).slice(2, 14)}` }),
        [VERCEL_TYPES.projectDomain]: async (req) => {
            const { domain, redirect, redirectStatusCode } = req.inputs as { domain: string; redirect?: string; redirectStatusCode?: number };
            if (req.op === "delete") {
                vercel.removeDomain(domain);
                return;
            }
            vercel.receiveDomain(() => vercel.addDomain(domain, redirect, redirectStatusCode));
            return { id: domain };
        },
        [VERCEL_TYPES.deployment]: async (req) => {
            if (req.op === "delete" || req.op === "read") return;
            // resource_deployment.go Update copies only delete_on_destroy into the state: the
            // deployment keeps its id, url and ref (any other change is a replace).
            if (req.op === "update" && req.olds) {
                const { url, domains, ref } = req.olds.outputs;
                return { id: req.olds.id, outputs: { url, domains, ...(ref !== undefined ? { ref } : {}) } };
            }
            const id = `dpl_${Math.random().toString(36).slice(2, 14)}`;
            const url = `${String(req.inputs.projectId ?? "site").slice(0, 12).replace(/[^a-z0-9]/gi, "").toLowerCase()}-${id.slice(4, 12)}.vercel.app`;
            // Vercel records the git ref it built as gitSource.ref; the provider reads `ref` back from it.
            const gitSource = typeof req.inputs.ref === "string" && req.inputs.ref !== "" ? { ref: req.inputs.ref } : undefined;
            return { id, outputs: { url, domains: [url], ...(gitSource ? { ref: gitSource.ref } : {}) } };
        },
    };
    const invokes: Record<string, InvokeHandler> = {
        // What Vercel recommends for a domain of the project (GET /v6/domains/<domain>/config), ranked;
        // the provider keeps the rank-1 values and echoes its own arguments, nothing else
        // (terraform-provider-vercel v5.4.1 client/domain_config.go, vercel/data_source_domain_config.go).
        "vercel:index/getDomainConfig:getDomainConfig": (inputs) => {
            const config = {
                recommendedIPv4: [{ rank: 1, value: [newHost] }, { rank: 2, value: ["76.76.21.21"] }],
                recommendedCNAME: [{ rank: 1, value: vercelCname }, { rank: 2, value: "cname.vercel-dns.com" }],
            };
            return {
                domain: inputs.domain,
                projectIdOrName: inputs.projectIdOrName,
                ...(inputs.teamId !== undefined ? { teamId: inputs.teamId } : {}),
                recommendedCname: config.recommendedCNAME.find((r) => r.rank === 1)?.value ?? "",
                recommendedIpv4s: config.recommendedIPv4.find((r) => r.rank === 1)?.value ?? [],
            };
        },
    };
    return { resources, invokes };
}
