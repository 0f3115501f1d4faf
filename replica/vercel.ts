// The replica's Vercel (vercel 5.4.1, terraform-provider-vercel v5.4.1; the REST API that
// replica/vercelApi.ts serves): which names the new host serves and with what certificate, and the
// provider's resources acting on it.
// - A ProjectDomain puts a name on the project; a verified one makes the Vercel-like host serve it
//   (before that, it answers like Vercel does for a host it does not know: a certificate that does
//   not cover the name, and 404 DEPLOYMENT_NOT_FOUND). A name another project holds (claimDomain)
//   of another team (claimDomain, `yields`) comes unverified with the `_vercel` TXT challenge Vercel
//   asks for (REST: POST /v10/projects/…/domains → `verified: false, verification: [...]`), and is
//   verified through POST …/verify. One another project of the same team holds is refused at the
//   add: 409 `domain_already_in_use` (Vercel's "add a domain to a project" docs: "The domain is
//   already assigned to another Vercel project"; @vercel/sdk projectsAddProjectDomain lists the 409),
//   which terraform-provider-vercel reports as "Could not add domain …" (vercel/resource_project_domain.go).
// - Certificates: the DNS-01 order Vercel's "pre-generate SSL certificates" flow uses (vercel CLI
//   packages/cli/src/util/certs/start-cert-order.ts, finish-cert-order.ts): startOrder answers one
//   `_acme-challenge` TXT value per name, finalizeOrder issues once the authoritative server answers
//   them and CAA lets Let's Encrypt issue. A name without one gets its certificate the HTTP-01 way,
//   once DNS points to the host, after a delay. finalizeOrder's other answers (validation_running,
//   too_many_requests, the terminal codes, cert_order_not_found for an order that lapsed) are the
//   codes the CLI's map-cert-error.ts and finish-cert-order.ts know; docs/replica-certificates.md
//   lists each rule with its source and what is assumed.
// - A Deployment (client/deployment.go, terraform-provider-vercel): created, then read every 5 s
//   until `aliasAssigned && aliasError == nil` (IsComplete, not READY); CheckForError fails it on
//   CANCELED, ERROR, `checksConclusion: "failed"` and an alias error, in that order. No overall
//   timeout upstream; the replica's build ends by Vercel's own 45-minute build limit (CANCELED).
import { randomBytes, X509Certificate } from "crypto";
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

/** Why Vercel refuses a certificate order (startOrder). */
export type OrderRefusal = "personal-scope" | "caa";

/**
 * One answer finalizeOrder gives on demand, once its TXT records resolve: a code of the vercel CLI's
 * map-cert-error.ts (validation_running, too_many_requests, conflicting_caa_record, bad_domains,
 * domain_not_verified, configuration_error, …). `times` answers (default 1); `retryAfterSeconds`
 * sends a Retry-After header (the CLI's errors-ts.ts APIError reads retryAfterMs from it on 429/503).
 */
export interface FinalizeAnswer {
    code: string;
    status?: number;
    times?: number;
    retryAfterSeconds?: number;
}

/**
 * How long an open order lives. Vercel does not document it; its CA, Let's Encrypt, expires a
 * pending authorization 7 days after it is created (community.letsencrypt.org "Automatic recycling
 * of pending authorizations"), which ends the order.
 */
export const ORDER_LIFETIME_MS = 7 * 86_400_000;

/**
 * How the production deployment's build goes: it builds for `buildMs` (on the build clock), then is
 * READY (its checks may fail, its aliases may not be assigned), ERROR or CANCELED.
 */
export type BuildOutcome =
    | { state: "READY"; buildMs: number; checks?: "failed"; aliasError?: { code: string; message: string } }
    | { state: "ERROR"; buildMs?: number; message?: string; code?: string }
    | { state: "CANCELED"; buildMs?: number };

/** How the replica's Vercel behaves; the `--break` faults change these. */
export interface VercelBehaviour {
    /** ProjectDomain creations are not applied to the host until this many ms after the first DNS change. */
    domainsAfterDnsMs?: number;
    /** The Vercel host answers its redirects with this status whatever the project says. */
    redirectStatusOverride?: number;
    /** Vercel issues a name's certificate this many ms after DNS points the name to it (default 0). */
    certDelayMs?: number;
    /**
     * startOrder is refused: the domain is personal-scoped (no permission under the team), or CAA
     * does not let Let's Encrypt issue.
     */
    orderRefused?: OrderRefusal;
    /**
     * The account already holds a certificate for each name from before the go-live (listed by
     * GET /v8/certs; the host serves it from the moment the name is on the project).
     */
    existingCertificate?: boolean;
    /** finalizeOrder answers validation_running until this many ms after it first found every TXT record. */
    issuanceDelayMs?: number;
    /** finalizeOrder's answers on demand, in order, once the TXT records resolve (then it issues). */
    finalizeAnswers?: FinalizeAnswer[];
    /** This many orders lapse before their first finalizeOrder (it answers cert_order_not_found). */
    ordersLapsing?: number;
    /** How the deployment's build goes (default: READY and aliased when created). */
    build?: BuildOutcome;
    /**
     * The build clock runs this many times faster than the wall clock (default 1), and so does the
     * provider's 5 s poll: the same polls, the same states, in less time (a test's choice, never the
     * rehearsal's).
     */
    buildClockScale?: number;
}

/** A refusal of Vercel's REST API: its status, `error.code`, message and extra fields (`domain`, …). */
export class VercelApiError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly fields: Record<string, unknown> = {},
        /** Headers of the answer (Retry-After of a 429). */
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
        this.name = "VercelApiError";
    }

    /** The body Vercel answers: `{ error: { code, message, ... } }`. */
    get body(): { error: Record<string, unknown> } {
        return { error: { code: this.code, message: this.message, ...this.fields } };
    }
}

/** A challenge Vercel asks to complete before a domain serves the project (the provider's `verifications`). */
export interface DomainVerification {
    type: "TXT";
    domain: string;
    value: string;
    reason: string;
}

/** Another project holding a domain: of another team (`yields`: proving ownership moves it) or of the same team (it keeps it). */
export interface DomainClaim {
    projectName: string;
    team: string;
    yields: boolean;
}

/** A domain on the program's project, as the REST API reports it. */
export interface ProjectDomainView {
    name: string;
    apexName: string;
    projectId: string;
    redirect: string | null;
    redirectStatusCode: number | null;
    gitBranch: null;
    verified: boolean;
    verification?: DomainVerification[];
    createdAt: number;
    updatedAt: number;
}

/** How a certificate came: the DNS-01 order, HTTP-01 after DNS pointed here, or there before the go-live. */
export type CertificateSource = "dns-01" | "http-01" | "existing";

/** A certificate of the account (GET /v8/certs, GET /v8/certs/{id}). */
export interface CertificateRecord {
    id: string;
    cns: string[];
    /** Wall clock, ms. */
    createdAt: number;
    expiresAt: number;
    via: CertificateSource;
}

/** One DNS-01 challenge of an order (a challengesToResolve entry). */
export interface OrderChallenge {
    type: "dns-01";
    status: "pending" | "valid";
    /** The name the certificate covers; its TXT record is `_acme-challenge.<domain>`. */
    domain: string;
    token: string;
    value: string;
    authorization: string;
    url: string;
}

/** A pending DNS-01 order (PATCH /v3/certs startOrder). */
export interface CertificateOrder {
    challengesToResolve: OrderChallenge[];
    domains: string[];
    finalize: string;
    createdAt: number;
}

/** Vercel's state of a deployment (client/deployment.go ReadyState; @vercel/sdk GetDeploymentResponseBody readyState). */
export type ReadyState = "QUEUED" | "BUILDING" | "READY" | "ERROR" | "CANCELED";

/** A deployment as Vercel answers it (POST /v13/deployments, GET /v13/deployments/{id}): the fields the provider reads, and the ones Vercel's schema requires. */
export interface DeploymentView {
    id: string;
    url: string;
    name: string;
    projectId: string;
    readyState: ReadyState;
    status: ReadyState;
    target: "production" | null;
    alias: string[];
    aliasAssigned: boolean;
    aliasError: { code: string; message: string } | null;
    checksState?: "registered" | "running" | "completed";
    checksConclusion?: "succeeded" | "failed" | "skipped" | "canceled";
    errorCode?: string;
    errorMessage?: string;
    createdAt: number;
    buildingAt: number;
    ready?: number;
    creator: { uid: string; username: string };
    gitSource?: { type: "github"; ref: string; repoId: number; sha: string };
    meta: Record<string, string>;
    regions: string[];
    type: "LAMBDAS";
}

interface DeploymentEntry {
    id: string;
    projectId: string;
    name: string;
    teamId?: string;
    ref?: string;
    url: string;
    production: boolean;
    outcome: BuildOutcome;
    /** Wall clock, ms. */
    createdAt: number;
    /** GET answers served (the provider's polls). */
    reads: number;
}

interface ProjectDomainEntry {
    projectId?: string;
    redirect?: string;
    redirectStatusCode?: number;
    verified: boolean;
    verification?: DomainVerification;
    createdAt: number;
    updatedAt: number;
}

interface PendingOrder {
    domains: string[];
    challenges: Array<{ name: string; token: string; value: string; id: string }>;
    createdAt: number;
    /** Engine clock: when finalizeOrder first found every TXT record. */
    resolvedAt?: number;
    /** finalizeOrder was called for it at least once. */
    finalizeSeen?: boolean;
}

/** Vercel cancels a build after 45 minutes (Vercel docs, Limits: "Build time per deployment … 45 minutes"). */
export const VERCEL_BUILD_LIMIT_MS = 45 * 60_000;
/** The provider reads the deployment every 5 s while it is not complete (client/deployment.go CreateDeployment). */
export const DEPLOYMENT_POLL_MS = 5_000;
/** A build without a fault is complete when created (a shortcut of the replica's: real builds take minutes, the slow-build fault). */
const DEFAULT_BUILD: BuildOutcome = { state: "READY", buildMs: 0 };
/** Names in one order at most (Let's Encrypt's limit is 100). */
const MAX_ORDER_NAMES = 100;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The Cloudflare name Vercel recommends for www in the replica (served by the zone). */
export function vercelCnameOf(world: ReplicaWorld): string {
    return `cname.vercel-dns.${world.domain}`;
}

const randomId = (bytes: number) => randomBytes(bytes).toString("hex");

/** The Vercel side of the replica: which names the new host serves, and with what certificate. */
export class VercelReplica {
    /** Domains on the program's project; only verified ones are served. */
    readonly domains = new Map<string, ProjectDomainEntry>();
    /** When each name's certificate was issued (engine clock), how, and which one; or why it was not. */
    readonly certificates = new Map<string, { issuedAt?: number; refused?: string; via?: CertificateSource; certId?: string }>();
    /** The account's certificates by id. */
    readonly certs = new Map<string, CertificateRecord>();
    /** Projects the provider created (id → name, team). */
    readonly projects = new Map<string, { name: string; teamId?: string }>();
    /** Production environment variables by id (POST /v10/projects/{idOrName}/env); values are not kept. */
    readonly envs = new Map<string, { projectId: string; key: string; target: string[]; type: string; createdAt: number }>();
    /** The wall clock of the deployments (ms since the epoch); a test may drive it. */
    clock: () => number = () => Date.now();
    /** Deployments by id (POST /v13/deployments). */
    readonly deployments = new Map<string, DeploymentEntry>();
    private readonly claims = new Map<string, DomainClaim & { code: string }>();
    private readonly orders = new Map<string, PendingOrder>();
    private readonly unknownHostCert: KeyPair;
    private readonly siteCertExpiresAt: number;
    private readonly pointed = new Set<string>();
    private readonly pending = new Map<string, NodeJS.Timeout>();
    private now: () => number = () => Date.now();
    private caaAllows: (host: string) => boolean = () => true;
    private firstDnsChangeAt?: number;

    /** When a live record first changed (engine clock): the DNS switch; undefined before it. */
    get dnsSwitchedAt(): number | undefined {
        return this.firstDnsChangeAt;
    }
    private readonly pendingDomains: Array<() => void> = [];

    constructor(private readonly world: ReplicaWorld, private readonly siteCert: KeyPair, private readonly behaviour: VercelBehaviour) {
        this.siteCertExpiresAt = Date.parse(new X509Certificate(siteCert.certPem).validTo);
        // Vercel presents its own certificate for a host it does not serve, or not yet.
        this.unknownHostCert = world.issue(["*.vercel.app"]);
        const site = world.newSite;
        site.certs = { "*": this.unknownHostCert };
        const vercelSpec = site.spec;
        const previous = vercelSpec.handle;
        site.spec = {
            ...vercelSpec,
            handle: async (req: RequestInfo): Promise<Reply | undefined> => {
                if (!this.serves(req.host.toLowerCase())) {
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

    /** Whether the host serves `host`: on the project and verified. */
    serves(host: string): boolean {
        return this.domains.get(host.toLowerCase())?.verified === true;
    }

    /** The provider created or updated a project. */
    registerProject(id: string, name: string, teamId?: string): void {
        this.projects.set(id, { name, ...(teamId ? { teamId } : {}) });
    }

    /** POST /v11/projects (the provider: /v10/projects): a new project of the account; 409 when the name is taken. */
    createProject(name: string, teamId?: string): string {
        if ([...this.projects.values()].some((p) => p.name === name)) throw new VercelApiError(409, "conflict", `A project with the name ${name} already exists.`, {});
        const id = `prj_${randomId(12)}`;
        this.registerProject(id, name, teamId);
        return id;
    }

    /** GET /v9/projects/{idOrName}: the project (id, name, account). */
    project(idOrName: string): { id: string; name: string; accountId: string } {
        const id = this.projectIdOf(idOrName);
        const p = this.projects.get(id)!;
        return { id, name: p.name, accountId: p.teamId ?? "team_replica" };
    }

    /** POST /v10/projects/{idOrName}/env: a variable of the project (its value is not kept by the replica). */
    addEnv(idOrName: string, body: Record<string, unknown>): { id: string; key: string; target: string[]; type: string; createdAt: number; projectId: string } {
        const projectId = [...this.projects.entries()].find(([id, p]) => id === idOrName || p.name === idOrName)?.[0] ?? idOrName;
        const key = typeof body.key === "string" ? body.key : "";
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new VercelApiError(400, "bad_request", `Invalid environment variable key ${JSON.stringify(key).slice(0, 60)}.`, {});
        if (typeof body.value !== "string") throw new VercelApiError(400, "bad_request", "The environment variable needs a value.", {});
        const target = Array.isArray(body.target) ? body.target.map(String) : ["production"];
        const type = typeof body.type === "string" ? body.type : "encrypted";
        const clash = [...this.envs.values()].find((e) => e.projectId === projectId && e.key === key && e.target.some((t) => target.includes(t)));
        if (clash) throw new VercelApiError(400, "ENV_ALREADY_EXISTS", `A variable with the name \`${key}\` already exists for the target ${target.join(", ")}.`, { key });
        const id = randomId(8);
        const env = { projectId, key, target, type, createdAt: Date.now() };
        this.envs.set(id, env);
        return { id, ...env };
    }

    removeEnv(id: string): void {
        this.envs.delete(id);
    }

    /**
     * GET /v6/domains/{domain}/config: what Vercel recommends for a domain, ranked (the provider keeps
     * rank 1: terraform-provider-vercel client/domain_config.go, vercel/data_source_domain_config.go).
     */
    domainConfig(domain: string): { configuredBy: "A" | "CNAME" | null; acceptedChallenges: Array<"dns-01" | "http-01">; recommendedIPv4: Array<{ rank: number; value: string[] }>; recommendedCNAME: Array<{ rank: number; value: string }>; misconfigured: boolean } {
        const host = domain.toLowerCase();
        const here = this.pointed.has(host);
        return {
            configuredBy: here ? (host === this.world.domain ? "A" : "CNAME") : null,
            acceptedChallenges: host === this.world.domain ? ["dns-01", "http-01"] : ["http-01"],
            recommendedIPv4: [{ rank: 1, value: [this.world.newSite.host] }, { rank: 2, value: ["76.76.21.21"] }],
            recommendedCNAME: [{ rank: 1, value: vercelCnameOf(this.world) }, { rank: 2, value: "cname.vercel-dns.com" }],
            misconfigured: !here,
        };
    }

    removeProject(id: string): void {
        this.projects.delete(id);
    }

    /** Another project holds `domain`: the program's project gets it unverified, with a TXT challenge. */
    claimDomain(domain: string, claim: DomainClaim): void {
        this.claims.set(domain.toLowerCase(), { ...claim, code: randomId(10) });
    }

    /**
     * The add of a domain another project of the team holds: refused with 409 domain_already_in_use
     * (POST /v10/projects/{idOrName}/domains; @vercel/sdk projectsAddProjectDomain's 409). Another
     * team's project yields to the `_vercel` TXT proof instead (addDomain, verifyDomain). The message
     * is Vercel's; it does not name the project that holds the domain.
     */
    refuseAdd(name: string): void {
        const host = name.toLowerCase();
        const claim = this.claims.get(host);
        if (!claim || claim.yields || this.domains.has(host)) return;
        throw new VercelApiError(409, "domain_already_in_use", `Cannot add ${host} since it's already assigned to another project.`, { domain: host });
    }

    /** POST /v10/projects/{idOrName}/domains: the domain added (or refused), as Vercel answers it. */
    addProjectDomain(idOrName: string, body: Record<string, unknown>): ProjectDomainView {
        const name = typeof body.name === "string" ? body.name.toLowerCase().replace(/\.$/, "") : "";
        if (!HOSTNAME.test(name)) throw new VercelApiError(400, "invalid_domain", `The domain name ${JSON.stringify(name).slice(0, 80)} is invalid.`, { domain: name.slice(0, 253) });
        const projectId = this.projectIdOf(idOrName);
        const redirect = typeof body.redirect === "string" && body.redirect !== "" ? body.redirect : undefined;
        const status = typeof body.redirectStatusCode === "number" ? body.redirectStatusCode : undefined;
        this.refuseAdd(name);
        this.addDomain(name, redirect, status, projectId);
        return this.projectDomain(projectId, name);
    }

    /** A project of the account by id or name: its id, or 404 as Vercel answers (GET /v9/projects/{idOrName}). */
    projectIdOf(idOrName: string): string {
        if (this.projects.has(idOrName)) return idOrName;
        const byName = [...this.projects.entries()].find(([, p]) => p.name === idOrName);
        if (byName) return byName[0];
        throw new VercelApiError(404, "not_found", "Project not found.", {});
    }

    addDomain(name: string, redirect?: string, redirectStatusCode?: number, projectId?: string): void {
        const host = name.toLowerCase();
        const old = this.domains.get(host);
        const claim = this.claims.get(host);
        // An update keeps the domain's verification; a new one is verified unless another project holds it.
        const verified = old ? old.verified : !claim;
        const verification = verified ? undefined : old?.verification ?? this.verificationOf(host);
        const at = Date.now();
        this.domains.set(host, {
            ...(projectId ?? old?.projectId ? { projectId: projectId ?? old?.projectId } : {}),
            ...(redirect ? { redirect } : {}),
            ...(redirectStatusCode ? { redirectStatusCode } : {}),
            verified,
            ...(verification ? { verification } : {}),
            createdAt: old?.createdAt ?? at,
            updatedAt: at,
        });
        if (host === this.world.domain) {
            // MEP-10: the apex's redirect is the ProjectDomain's; none means the apex serves the site.
            this.world.newSite.spec.apexRedirectStatus = redirect ? this.behaviour.redirectStatusOverride ?? redirectStatusCode ?? 308 : null;
        }
        if (verified) this.nowServed(host);
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

    /** What the provider reports of a domain (its `verified` and `verifications` outputs), also while Vercel has not applied it yet. */
    domainState(name: string): { verified: boolean; verifications: DomainVerification[] } {
        const host = name.toLowerCase();
        const entry = this.domains.get(host);
        const verification = entry ? entry.verification : this.claims.has(host) ? this.verificationOf(host) : undefined;
        return { verified: entry ? entry.verified : !verification, verifications: verification ? [verification] : [] };
    }

    /** GET /v9/projects/{idOrName}/domains/{domain}. */
    projectDomain(idOrName: string, name: string): ProjectDomainView {
        const host = name.toLowerCase();
        const entry = this.domains.get(host);
        const projectId = entry && this.projectMatches(entry, idOrName);
        if (!entry || projectId === undefined) throw new VercelApiError(404, "not_found", `The domain "${host}" is not a domain of project "${idOrName}".`, { domain: host });
        return {
            name: host,
            apexName: this.apexOf(host),
            projectId,
            redirect: entry.redirect ?? null,
            redirectStatusCode: entry.redirectStatusCode ?? null,
            gitBranch: null,
            verified: entry.verified,
            ...(entry.verification ? { verification: [entry.verification] } : {}),
            createdAt: entry.createdAt,
            updatedAt: entry.updatedAt,
        };
    }

    /**
     * POST /v9/projects/{idOrName}/domains/{domain}/verify: the `_vercel` TXT record proves ownership
     * and moves the domain from another team's project (one of the same team never gets here: its add
     * was refused).
     */
    verifyDomain(idOrName: string, name: string): ProjectDomainView {
        const view = this.projectDomain(idOrName, name);
        if (view.verified) return view;
        const host = view.name;
        const entry = this.domains.get(host)!;
        const challenge = entry.verification!;
        if (!this.txtValues(challenge.domain).includes(challenge.value)) {
            throw new VercelApiError(400, "missing_txt_record", `Domain ${challenge.domain} is missing required TXT Record "${challenge.value}"`, { domain: host });
        }
        this.claims.delete(host);
        entry.verified = true;
        delete entry.verification;
        entry.updatedAt = Date.now();
        this.nowServed(host);
        return this.projectDomain(idOrName, host);
    }

    /**
     * PATCH /v3/certs `startOrder`: one pending DNS-01 challenge per name; the same order again while
     * it is open (Let's Encrypt hands back a pending authorization while it has over an hour left:
     * community.letsencrypt.org "Automatic recycling of pending authorizations"), a new one once it
     * lapsed. Every name must be a verified domain of a project. What Vercel answers for names that
     * already have a certificate is unknown (no upstream source names a code): the replica orders.
     */
    startOrder(cns: unknown): CertificateOrder {
        const names = this.orderNames(cns);
        if (this.behaviour.orderRefused === "personal-scope") {
            throw new VercelApiError(403, "forbidden", `You don't have permission to issue a certificate for ${names[0]}: the domain belongs to a personal account, not to this team.`, { domain: names[0] });
        }
        for (const n of names) {
            const entry = this.domains.get(n);
            if (!entry) throw new VercelApiError(404, "not_found", `The domain ${n} was not found in this account: add it to a project first.`, { domain: n });
            if (!entry.verified) throw new VercelApiError(400, "domain_not_verified", `The domain ${n} is not verified: complete its verification (${entry.verification?.domain} TXT) first.`, { domain: n });
        }
        if (this.behaviour.orderRefused === "caa") {
            throw new VercelApiError(400, "conflicting_caa_record", `A CAA record of ${names[0]} does not allow letsencrypt.org to issue certificates.`, { domain: names[0] });
        }
        const key = names.join(",");
        const order = this.openOrder(key) ?? { domains: names, createdAt: Date.now(), challenges: names.map((name) => ({ name, token: randomId(16), value: randomBytes(32).toString("base64url"), id: randomId(8) })) };
        this.orders.set(key, order);
        return {
            challengesToResolve: order.challenges.map((c) => ({
                type: "dns-01",
                status: this.txtValues(`_acme-challenge.${c.name}`).includes(c.value) ? "valid" : "pending",
                domain: c.name,
                token: c.token,
                value: c.value,
                authorization: `acme:authz:${c.id}`,
                url: `acme:chall:${c.id}`,
            })),
            domains: names,
            finalize: `acme:finalize:${order.challenges[0].id}`,
            createdAt: order.createdAt,
        };
    }

    /**
     * PATCH /v3/certs `finalizeOrder`: the certificate, once the authoritative server answers every
     * `_acme-challenge` TXT value and CAA lets Let's Encrypt issue; every name gets it at once.
     */
    finalizeOrder(cns: unknown): CertificateRecord {
        const names = this.orderNames(cns);
        const key = names.join(",");
        let order = this.openOrder(key);
        if (order && !order.finalizeSeen && (this.behaviour.ordersLapsing ?? 0) > 0) {
            // The lapse on demand: the order is gone before its first finalize.
            this.behaviour.ordersLapsing! -= 1;
            this.orders.delete(key);
            order = undefined;
        }
        // finish-cert-order.ts: cert_order_not_found is the answer for names without an open order
        // (the CLI then falls back to POST /v3/certs, Vercel's own issuance).
        if (!order) throw new VercelApiError(404, "cert_order_not_found", `No cert order could be found for cns ${names.join(", ")}.`, { cns: names });
        order.finalizeSeen = true;
        const missing = order.challenges.filter((c) => !this.txtValues(`_acme-challenge.${c.name}`).includes(c.value));
        if (missing.length > 0) {
            throw new VercelApiError(400, "challenge_still_pending", `The DNS-01 challenge is still pending: ${missing.map((c) => `_acme-challenge.${c.name} has no TXT record "${c.value}"`).join("; ")}.`, { cns: names });
        }
        order.resolvedAt ??= this.now();
        const scripted = this.behaviour.finalizeAnswers?.[0];
        if (scripted) {
            if ((scripted.times ?? 1) <= 1) this.behaviour.finalizeAnswers!.shift();
            else scripted.times = (scripted.times ?? 1) - 1;
            throw this.finalizeRefusal(scripted, names);
        }
        const blocked = names.find((n) => !this.caaAllows(n));
        if (blocked) throw new VercelApiError(400, "conflicting_caa_record", `A CAA record of ${blocked} does not allow letsencrypt.org to issue certificates.`, { domain: blocked, cns: names });
        const waited = this.now() - order.resolvedAt;
        const delay = this.behaviour.issuanceDelayMs ?? 0;
        if (waited < delay) {
            throw new VercelApiError(400, "validation_running", `The DNS-01 challenges for ${names.join(", ")} are being validated; try again shortly.`, { cns: names });
        }
        this.orders.delete(key);
        return this.issueCertificate(names, "dns-01");
    }

    /** GET /v8/certs/{id}. */
    certificate(id: string): CertificateRecord {
        const cert = this.certs.get(id);
        if (!cert) throw new VercelApiError(404, "cert_not_found", `Certificate ${id} not found.`, { id });
        return { ...cert, cns: [...cert.cns] };
    }

    /** POST /v13/deployments (the provider: /v12/now/deployments): a new deployment of `projectId`, building. */
    createDeployment(req: { projectId: string; name?: string; teamId?: string; ref?: string; production: boolean }): DeploymentView {
        const id = `dpl_${randomBytes(12).toString("base64url").replace(/[-_]/g, "x")}`;
        const slug = (req.name ?? this.projects.get(req.projectId)?.name ?? req.projectId).toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 12) || "site";
        const entry: DeploymentEntry = {
            id,
            projectId: req.projectId,
            name: req.name ?? this.projects.get(req.projectId)?.name ?? req.projectId,
            ...(req.teamId ? { teamId: req.teamId } : {}),
            ...(req.ref ? { ref: req.ref } : {}),
            url: `${slug}-${id.slice(4, 12).toLowerCase()}.vercel.app`,
            production: req.production,
            outcome: this.behaviour.build ?? DEFAULT_BUILD,
            createdAt: this.clock(),
            reads: 0,
        };
        this.deployments.set(id, entry);
        return this.deploymentView(entry);
    }

    /** GET /v13/deployments/{idOrUrl}: the deployment as it stands now on the build clock. */
    deployment(idOrUrl: string): DeploymentView {
        const entry = this.deployments.get(idOrUrl) ?? [...this.deployments.values()].find((d) => d.url === idOrUrl.replace(/^https?:\/\//, ""));
        if (!entry) throw new VercelApiError(404, "not_found", "The deployment could not be found.", {});
        entry.reads++;
        return this.deploymentView(entry);
    }

    /**
     * GET /v3/deployments/{idOrUrl}/events: the build's log as its simulation has gone so far, oldest
     * first. Shape: @vercel/sdk esm/models/getdeploymenteventsop.d.ts GetDeploymentEventsResponseBody1
     * (`{ type, created, payload: { id, date, deploymentId, serial, text, info } }`); the lines follow
     * what a Vercel build prints (clone, `Running "npm run build"`, completion or the command's exit),
     * timed on the build clock; a failed build ends with its error on stderr, a READY one with its alias.
     */
    deploymentEvents(idOrUrl: string): Array<{ type: string; created: number; payload: { id: string; date: number; deploymentId: string; serial: string; text: string; info: { type: string; name: string } } }> {
        // Not a read of the deployment (the provider's polls are counted apart).
        const entry = this.deployments.get(idOrUrl) ?? [...this.deployments.values()].find((d) => d.url === idOrUrl.replace(/^https?:\/\//, ""));
        if (!entry) throw new VercelApiError(404, "not_found", "The deployment could not be found.", {});
        const view = this.deploymentView(entry);
        const scale = this.buildClockScale();
        const buildMs = Math.min(Math.max(0, entry.outcome.buildMs ?? 0), VERCEL_BUILD_LIMIT_MS);
        const now = this.clock();
        const lines: Array<[number, string, string]> = [
            [0, "stdout", `Cloning github.com/replica/${entry.name} (Commit: ${(entry.ref ?? "main").slice(0, 12)})`],
            [0, "stdout", "Running build in Washington, D.C., USA (East) – iad1"],
            [Math.min(buildMs, 1_000), "command", 'Running "npm run build"'],
        ];
        // A slow build prints as it goes: one line a minute of build clock.
        for (let m = 60_000; m < buildMs; m += 60_000) lines.push([m, "stdout", `Building… (${m / 60_000} min)`]);
        if (view.readyState === "CANCELED") lines.push([buildMs, "stderr", "The build was canceled: it exceeded the 45-minute build limit"]);
        else if (view.readyState === "ERROR") lines.push([buildMs, "stderr", `Error: ${view.errorMessage ?? "the build failed"}`], [buildMs, "exit", `${view.errorCode ?? "BUILD_FAILED"}: ${view.errorMessage ?? ""}`.trim()]);
        else if (view.readyState === "READY") {
            lines.push([buildMs, "stdout", `Build Completed in /vercel/output [${Math.round(buildMs / 1000)}s]`], [buildMs, "stdout", "Deploying outputs..."]);
            if (view.checksConclusion === "failed") lines.push([buildMs, "stderr", "Deployment checks failed: the production domains are not assigned"]);
            else if (view.aliasError) lines.push([buildMs, "stderr", `Alias error: ${view.aliasError.code}: ${view.aliasError.message}`]);
            else lines.push([buildMs, "stdout", `Assigned production domains: ${view.alias.join(", ") || "(none yet)"}`]);
            lines.push([buildMs, "deployment-state", "READY"]);
        }
        return lines
            .map(([b, type, text], i) => ({ at: entry.createdAt + Math.round(b / scale), type, text, i }))
            .filter((e) => e.at <= now)
            .map((e) => ({ type: e.type, created: e.at, payload: { id: `${view.id}-${e.i}`, date: e.at, deploymentId: view.id, serial: `${e.at}-${e.i}`, text: e.text, info: { type: "build", name: `bld_${view.id.slice(4)}` } } }));
    }

    /** GET /v8/certs: the account's certificates, newest first (one page: the replica holds a handful). */
    certificateList(): CertificateRecord[] {
        return [...this.certs.values()].sort((a, b) => b.createdAt - a.createdAt).map((c) => ({ ...c, cns: [...c.cns] }));
    }

    /** The open order for the names: none once it lapsed (ORDER_LIFETIME_MS after it was placed). */
    private openOrder(key: string): PendingOrder | undefined {
        const order = this.orders.get(key);
        if (order && Date.now() - order.createdAt >= ORDER_LIFETIME_MS) {
            this.orders.delete(key);
            return undefined;
        }
        return order;
    }

    /**
     * A finalizeOrder answer asked for on demand, with the status upstream implies where it says:
     * configuration_error is 449 for HTTP-01 (map-cert-error.ts), too_many_requests 429 (errors-ts.ts
     * APIError's retryAfterMs); the others' statuses are not in upstream sources (400 assumed).
     */
    private finalizeRefusal(answer: FinalizeAnswer, names: string[]): VercelApiError {
        const status = answer.status ?? (answer.code === "too_many_requests" || answer.code === "rate_limited" ? 429 : 400);
        const message: Record<string, string> = {
            validation_running: `The DNS-01 challenges for ${names.join(", ")} are being validated; try again shortly.`,
            txt_record_not_found: `The TXT record for the DNS-01 challenge of ${names[0]} was not found.`,
            dns_error: `The DNS lookup of the challenge for ${names[0]} failed.`,
            challenge_error: `The DNS-01 challenge for ${names[0]} could not be completed.`,
            too_many_requests: "Rate limited. Too many requests to the same endpoint.",
            rate_limited: `Too many certificates were issued for ${names[0]} recently.`,
            conflicting_caa_record: `A CAA record of ${names[0]} does not allow letsencrypt.org to issue certificates.`,
            bad_domains: `A certificate cannot be issued for ${names.join(", ")}.`,
            domain_not_verified: `The domain ${names[0]} is not verified.`,
            configuration_error: `The DNS configuration of ${names.join(", ")} could not be verified.`,
        };
        const headers: Record<string, string> = answer.retryAfterSeconds !== undefined ? { "Retry-After": String(answer.retryAfterSeconds) } : {};
        return new VercelApiError(status, answer.code, message[answer.code] ?? `Certificate error (${answer.code}).`, { cns: names }, headers);
    }

    /**
     * What the provider does after the POST (client/deployment.go CreateDeployment): while the
     * deployment is not complete (aliasAssigned && aliasError == nil), CheckForError, sleep 5 s (on
     * the build clock), read it again. Bounded: Vercel ends every build by its 45-minute limit.
     */
    async completeDeployment(first: DeploymentView, sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<DeploymentView> {
        const maxPolls = Math.ceil(VERCEL_BUILD_LIMIT_MS / DEPLOYMENT_POLL_MS) + 2;
        let r = first;
        for (let poll = 0; !(r.aliasAssigned && r.aliasError === null); poll++) {
            const failed = deploymentError(r);
            if (failed) throw new Error(failed);
            if (poll >= maxPolls) throw new Error(`deployment ${r.id} still ${r.readyState} after ${poll} polls`);
            await sleep(DEPLOYMENT_POLL_MS / this.buildClockScale());
            r = this.deployment(r.id);
        }
        return r;
    }

    private buildClockScale(): number {
        const s = this.behaviour.buildClockScale ?? 1;
        return Number.isFinite(s) && s > 0 ? s : 1;
    }

    private deploymentView(d: DeploymentEntry): DeploymentView {
        const elapsed = (this.clock() - d.createdAt) * this.buildClockScale();
        const o = d.outcome;
        const buildMs = Math.max(0, o.buildMs ?? 0);
        // Vercel's limit: a build still running after 45 minutes is canceled.
        const canceledByLimit = buildMs >= VERCEL_BUILD_LIMIT_MS && elapsed >= VERCEL_BUILD_LIMIT_MS;
        const done = elapsed >= buildMs || canceledByLimit;
        const state: ReadyState = canceledByLimit ? "CANCELED" : !done ? (elapsed < Math.min(1_000, buildMs / 20) ? "QUEUED" : "BUILDING") : o.state;
        const ready = state === "READY";
        const checksFailed = ready && o.state === "READY" && o.checks === "failed";
        const aliasError = ready && o.state === "READY" && o.aliasError ? { ...o.aliasError } : null;
        const doneAt = d.createdAt + Math.round(Math.min(buildMs, VERCEL_BUILD_LIMIT_MS) / this.buildClockScale());
        return {
            id: d.id,
            url: d.url,
            name: d.name,
            projectId: d.projectId,
            readyState: state,
            status: state,
            target: d.production ? "production" : null,
            // Vercel assigns the production domains once the build is READY and its checks passed.
            alias: ready && !checksFailed && !aliasError && d.production ? this.productionAliases(d.projectId) : [],
            aliasAssigned: ready && !checksFailed && !aliasError,
            aliasError,
            ...(ready ? { checksState: "completed" as const, checksConclusion: checksFailed ? ("failed" as const) : ("succeeded" as const) } : {}),
            ...(state === "ERROR" && o.state === "ERROR" ? { errorCode: o.code ?? "BUILD_UTILS_SPAWN_1", errorMessage: o.message ?? 'Command "npm run build" exited with 1' } : {}),
            createdAt: d.createdAt,
            buildingAt: d.createdAt,
            ...(done ? { ready: doneAt } : {}),
            creator: { uid: "replica-user", username: d.teamId || "team" },
            ...(d.ref ? { gitSource: { type: "github" as const, ref: d.ref, repoId: 1, sha: /^[0-9a-f]{40}$/.test(d.ref) ? d.ref : "0".repeat(40) } } : {}),
            meta: {},
            regions: ["iad1"],
            type: "LAMBDAS",
        };
    }

    /** The project's verified domains: the production aliases a READY deployment gets. */
    private productionAliases(projectId: string): string[] {
        return [...this.domains.entries()].filter(([, e]) => e.verified && (!e.projectId || e.projectId === projectId)).map(([h]) => h);
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

    /** A verified domain now serves: its existing certificate (existingCertificate), or the HTTP-01 way. */
    private nowServed(host: string): void {
        this.existingCertificate(host);
        this.maybeIssue(host);
    }

    /** existingCertificate: the name has had a certificate since before the go-live. */
    private existingCertificate(host: string): void {
        if (!this.behaviour.existingCertificate || this.certificates.get(host)?.issuedAt !== undefined) return;
        this.issueCertificate([host], "existing");
    }

    // Like Vercel: the certificate comes once the domain is on the project (verified) and DNS points
    // to it, on its own schedule, and only if the zone's CAA lets Let's Encrypt issue.
    private maybeIssue(host: string): void {
        if (!this.serves(host) || !this.pointed.has(host) || this.pending.has(host) || this.certificates.get(host)?.issuedAt !== undefined) return;
        const issue = () => {
            this.pending.delete(host);
            if (!this.serves(host)) return;
            if (!this.caaAllows(host)) {
                this.certificates.set(host, { refused: "CAA does not allow letsencrypt.org" });
                return;
            }
            this.issueCertificate([host], "http-01");
        };
        const delay = this.behaviour.certDelayMs ?? 0;
        if (delay <= 0) issue();
        else this.pending.set(host, setTimeout(issue, delay));
    }

    /** One certificate for `names`: the host serves it for each of them from now on. */
    private issueCertificate(names: string[], via: CertificateSource): CertificateRecord {
        const cert: CertificateRecord = { id: `cert_${randomId(12)}`, cns: [...names], createdAt: Date.now(), expiresAt: this.siteCertExpiresAt, via };
        this.certs.set(cert.id, cert);
        const issuedAt = this.now();
        for (const n of names) {
            clearTimeout(this.pending.get(n));
            this.pending.delete(n);
            this.certificates.set(n, { issuedAt, via, certId: cert.id });
        }
        this.world.newSite.certs = { ...this.world.newSite.certs, ...Object.fromEntries(names.map((n) => [n, this.siteCert])) };
        return { ...cert, cns: [...cert.cns] };
    }

    /** The names of an order, validated: 1 to 100 host names, lower case, each once, sorted. */
    private orderNames(cns: unknown): string[] {
        if (!Array.isArray(cns) || cns.length === 0 || cns.length > MAX_ORDER_NAMES || !cns.every((c) => typeof c === "string")) {
            throw new VercelApiError(400, "bad_request", `domains must be a list of 1 to ${MAX_ORDER_NAMES} domain names.`);
        }
        const names = [...new Set((cns as string[]).map((c) => c.toLowerCase().replace(/\.$/, "")))].sort();
        const bad = names.find((n) => !HOSTNAME.test(n));
        if (bad !== undefined) throw new VercelApiError(400, "invalid_cn", `${JSON.stringify(bad).slice(0, 80)} is not a valid domain name.`, { domain: bad.slice(0, 253) });
        return names;
    }

    /** The TXT values the authoritative server answers for `name` (following CNAMEs, as a CA's lookup does). */
    private txtValues(name: string): string[] {
        return this.world.dns
            .answer(name, "TXT")
            .answers.filter((a) => a.type === "TXT")
            .flatMap((a) => ([] as unknown[]).concat((a as { data: unknown }).data).map(String));
    }

    private verificationOf(host: string): DomainVerification | undefined {
        const claim = this.claims.get(host);
        if (!claim) return undefined;
        return { type: "TXT", domain: `_vercel.${this.apexOf(host)}`, value: `vc-domain-verify=${host},${claim.code}`, reason: "pending_domain_verification" };
    }

    private apexOf(host: string): string {
        const d = this.world.domain;
        return host === d || host.endsWith(`.${d}`) ? d : host.split(".").slice(-2).join(".");
    }

    /** The entry's project id when `idOrName` names its project (by id or name); undefined otherwise. */
    private projectMatches(entry: ProjectDomainEntry, idOrName: string): string | undefined {
        if (!entry.projectId) return idOrName;
        if (entry.projectId === idOrName || this.projects.get(entry.projectId)?.name === idOrName) return entry.projectId;
        return undefined;
    }
}

/** The Vercel resource handlers and data sources, acting on `vercel`. */
export function vercelHandlers(world: ReplicaWorld, vercel: VercelReplica): { resources: Record<string, ResourceHandler>; invokes: Record<string, InvokeHandler> } {
    const resources: Record<string, ResourceHandler> = {
        [VERCEL_TYPES.project]: async (req) => {
            if (req.op === "delete") {
                if (req.olds?.id) vercel.removeProject(req.olds.id);
                return;
            }
            if (req.olds?.id) {
                vercel.registerProject(req.olds.id, String(req.inputs.name ?? req.olds.id), req.inputs.teamId);
                return { id: req.olds.id };
            }
            return { id: vercel.createProject(String(req.inputs.name ?? ""), req.inputs.teamId) };
        },
        [VERCEL_TYPES.envVar]: async (req) => {
            if (req.op === "delete") {
                if (req.olds?.id) vercel.removeEnv(req.olds.id);
                return;
            }
            if (req.olds?.id) return { id: req.olds.id };
            const { projectId, key, value, targets, sensitive } = req.inputs as { projectId?: string; key?: string; value?: string; targets?: string[]; sensitive?: boolean };
            return { id: vercel.addEnv(String(projectId ?? ""), { key, value: value ?? "", target: targets ?? ["production"], type: sensitive ? "sensitive" : "encrypted" }).id };
        },
        [VERCEL_TYPES.projectDomain]: async (req) => {
            const { domain, redirect, redirectStatusCode, projectId } = req.inputs as { domain: string; redirect?: string; redirectStatusCode?: number; projectId?: string };
            if (req.op === "delete") {
                vercel.removeDomain(domain);
                return;
            }
            if (req.op === "create") {
                try {
                    vercel.refuseAdd(domain);
                } catch (err) {
                    // vercel/resource_project_domain.go Create: the client's APIError is "<code> - <message>".
                    if (!(err instanceof VercelApiError)) throw err;
                    throw new Error(`Error adding domain to project: Could not add domain ${domain} to project ${projectId ?? ""}, unexpected error: ${err.code} - ${err.message}`);
                }
            }
            vercel.receiveDomain(() => vercel.addDomain(domain, redirect, redirectStatusCode, projectId));
            // The provider's computed outputs: whether the domain serves, and the challenge when not.
            return { id: domain, outputs: vercel.domainState(domain) };
        },
        [VERCEL_TYPES.deployment]: async (req) => {
            if (req.op === "delete" || req.op === "read") return;
            // resource_deployment.go Update copies only delete_on_destroy into the state: the
            // deployment keeps its id, url and ref, nothing is built (any other change is a replace).
            if (req.op === "update" && req.olds) {
                const { url, domains, ref } = req.olds.outputs;
                return { id: req.olds.id, outputs: { url, domains, ...(ref !== undefined ? { ref } : {}) } };
            }
            const ref = typeof req.inputs.ref === "string" && req.inputs.ref !== "" ? req.inputs.ref : undefined;
            const created = vercel.createDeployment({ projectId: String(req.inputs.projectId ?? ""), ...(req.inputs.teamId ? { teamId: req.inputs.teamId } : {}), ...(ref ? { ref } : {}), production: req.inputs.production === true });
            let done: DeploymentView;
            try {
                done = await vercel.completeDeployment(created);
            } catch (err) {
                // resource_deployment.go wraps the client's error so.
                throw new Error(`Error creating deployment: Could not create deployment, unexpected error: ${(err as Error).message}`);
            }
            // Vercel records the git ref it built as gitSource.ref; the provider reads `ref` back from it.
            return { id: done.id, outputs: { url: done.url, domains: [done.url], ...(done.gitSource ? { ref: done.gitSource.ref } : {}) } };
        },
    };
    const invokes: Record<string, InvokeHandler> = {
        // What Vercel recommends for a domain of the project (GET /v6/domains/<domain>/config), ranked;
        // the provider keeps the rank-1 values and echoes its own arguments, nothing else
        // (terraform-provider-vercel v5.4.1 client/domain_config.go, vercel/data_source_domain_config.go).
        "vercel:index/getDomainConfig:getDomainConfig": (inputs) => {
            const config = vercel.domainConfig(String(inputs.domain ?? ""));
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

/**
 * client/deployment.go CheckForError: why a deployment failed, in the provider's words, or
 * undefined. The logs URL is built from the creator's username, as upstream does.
 */
export function deploymentError(d: DeploymentView): string | undefined {
    const logs = `https://vercel.com/${d.creator.username}/${d.projectId}/${d.id.replace(/^dpl_/, "")}`;
    if (d.readyState === "CANCELED") return "deployment canceled";
    if (d.readyState === "ERROR") return `${d.errorCode ?? ""} - ${d.errorMessage ?? ""}. Visit ${logs} for more information`;
    if (d.checksConclusion === "failed") return `deployment checks have failed. Visit ${logs} for more information`;
    if (d.aliasError) return `${d.aliasError.code} - ${d.aliasError.message}. Visit ${logs} for more information`;
    return undefined;
}
