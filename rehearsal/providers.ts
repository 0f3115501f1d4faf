// What the Cloudflare and Vercel resources do in the rehearsal: they act on the local replica the
// way the real providers act on the real services. A DnsRecord is a record of the replica's
// Cloudflare zone (ids, comments, and the API's refusals: a CNAME beside an A of the same name),
// served by the loopback DNS server; a ProjectDomain makes the Vercel-like host serve that name
// (before that, it answers like Vercel does for a host it does not know: a certificate that does
// not cover the name, and 404 DEPLOYMENT_NOT_FOUND), and Vercel issues the name's certificate once
// DNS points to it, after a delay, if CAA lets Let's Encrypt issue; a Deployment gets an id and a
// *.vercel.app URL.
import { sleep } from "../checks/net";
import type { ReplicaWorld } from "../replica/world";
import type { KeyPair } from "../replica/pki";
import type { ReplicaRecordType } from "../replica/dnsServer";
import type { RequestInfo, Reply } from "../replica/site";
import { CloudflareZone, RecordInput } from "../replica/cloudflareZone";
import { namesNeedingLetsEncrypt } from "../lib/dnsPlan";
import type { InvokeHandler, ProviderRequest, ResourceHandler } from "./engine";
import { SCHEMAS } from "../replica/providerSchemas";

export const ZONE_ID = "5a1f0c2e9b7d4e3f8a6b1c0d2e4f6a8b";
/** Cloudflare ids of the apex and www records serving before the go-live (what adopt imports). */
export const LIVE_RECORD_IDS = { apex: "a1".repeat(16), www: "b2".repeat(16) } as const;

/**
 * Input keys whose change makes the real provider replace the resource (its schema's ForceNew):
 * what the mock engine needs to decide replace versus update, as the real engine asks the provider.
 * Read off the one schema table the replica plugins serve.
 */
export const REPLACE_KEYS: Record<string, string[]> = Object.fromEntries(
    Object.values(SCHEMAS).flatMap((types) => Object.entries(types).map(([type, schema]) => [type, schema.replaces])),
);

export const TYPES = {
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    project: "vercel:index/project:Project",
    projectDomain: "vercel:index/projectDomain:ProjectDomain",
    deployment: "vercel:index/deployment:Deployment",
    envVar: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
    command: "command:local:Command",
} as const;

/**
 * What @pulumi/command's local.Command does: runs `create` (on create, and on update when its
 * triggers changed) through its interpreter with its environment, bounded in time; a non-zero
 * exit fails the step with the command's own message. It never runs `delete` unless declared.
 */
export async function runLocalCommand(req: ProviderRequest, timeoutMs = 30_000): Promise<{ id?: string; outputs?: Record<string, any> } | void> {
    const script = req.op === "delete" ? req.olds?.inputs.delete : req.inputs.create;
    if (typeof script !== "string" || script === "") return;
    const [shell, ...shellArgs] = (req.inputs.interpreter as string[] | undefined) ?? ["/bin/sh", "-c"];
    const { execFile } = await import("child_process");
    const env = { ...process.env, ...((req.inputs.environment as Record<string, string> | undefined) ?? {}) };
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
        execFile(shell, [...shellArgs, script], { env, cwd: req.inputs.dir, timeout: timeoutMs }, (err, out, errOut) => {
            if (err) reject(new Error(`${String(errOut || out).trim() || err.message} (exit ${err.code ?? "?"})`));
            else resolve({ stdout: out, stderr: errOut });
        }),
    );
    return { id: req.olds?.id ?? `${req.name}-${Date.now().toString(36)}`, outputs: { stdout: stdout.trim(), stderr: stderr.trim() } };
}

/** A change of the replica zone, as the DNS server started answering it. */
export interface DnsChange {
    at: number;
    name: string;
    op: "set" | "remove";
    content?: string;
    /** The Cloudflare record id concerned. */
    recordId?: string;
}

/** How the replica providers behave; the `--break` faults change these. */
export interface ReplicaBehaviour {
    /** Records are deleted, then recreated after this many ms, instead of updated in place. */
    deleteThenRecreateMs?: number;
    /** ProjectDomain creations are not applied to the host until this many ms after the first DNS change. */
    domainsAfterDnsMs?: number;
    /** The Vercel host answers its redirects with this status whatever the project says. */
    redirectStatusOverride?: number;
    /** Vercel issues a name's certificate this many ms after DNS points the name to it (default 0). */
    certDelayMs?: number;
    /**
     * Each Cloudflare record change takes this long (an API round trip), applied half-way: what
     * separates a delete from the create that follows it (default 0).
     */
    cloudflareApiMs?: number;
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

    constructor(private readonly world: ReplicaWorld, private readonly siteCert: KeyPair, private readonly behaviour: ReplicaBehaviour) {
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

/** The Cloudflare name Vercel recommends for www in the replica (served by the zone). */
export function vercelCnameOf(world: ReplicaWorld): string {
    return `cname.vercel-dns.${world.domain}`;
}

/** The provider handlers and invokes of the rehearsal, acting on `world` through its Cloudflare `zone`. */
export function replicaProviders(
    world: ReplicaWorld,
    zone: CloudflareZone,
    vercel: VercelReplica,
    behaviour: ReplicaBehaviour,
    now: () => number,
    onDnsChange: (c: DnsChange) => void,
): { resources: Record<string, ResourceHandler>; invokes: Record<string, InvokeHandler> } {
    const newHost = world.newSite.host;
    const vercelCname = vercelCnameOf(world);
    let firstDnsChangeAt: number | undefined;
    const pendingDomains: Array<() => void> = [];
    const pointsToVercel = (type: string, content: string) => (type === "A" && content === newHost) || (type === "CNAME" && content.toLowerCase().replace(/\.$/, "") === vercelCname);
    // Let's Encrypt reads the zone's CAA records (comments mean nothing to a CA).
    vercel.attach(now, (host) => {
        const caa = zone.list({ type: "CAA" }).map((r) => ({ name: r.name, data: r.data }));
        return !namesNeedingLetsEncrypt(world.domain, caa).some((n) => n.name === host);
    });

    const inputOf = (inputs: Record<string, any>): RecordInput => ({
        name: inputs.name,
        type: inputs.type as ReplicaRecordType,
        ...(inputs.content !== undefined ? { content: inputs.content } : {}),
        ttl: inputs.ttl ?? 1,
        proxied: !!inputs.proxied,
        ...(inputs.comment !== undefined ? { comment: inputs.comment } : {}),
        ...(inputs.data !== undefined ? { data: inputs.data } : {}),
    });
    /** The provider's view of a record: what an import reads back as inputs. */
    const asInputs = (r: ReturnType<CloudflareZone["get"]> & object) => ({
        zoneId: zone.id,
        name: r.name,
        type: r.type,
        ...(r.type === "CAA" ? { data: r.data } : { content: r.content }),
        ttl: r.ttl,
        proxied: r.proxied,
        ...(r.comment ? { comment: r.comment } : {}),
    });
    const changed = (name: string, op: "set" | "remove", type: string, content: string | undefined, recordId: string, isUpdate: boolean) => {
        onDnsChange({ at: now(), name, op, ...(content !== undefined ? { content } : {}), recordId });
        if (type === "A" || type === "CNAME") vercel.dnsPoints(name, op === "set" && pointsToVercel(type, content ?? ""));
        if (op === "set" && isUpdate && firstDnsChangeAt === undefined) {
            firstDnsChangeAt = now();
            // The fault "DNS before domain": the domains reach Vercel only some time after the switch.
            if (behaviour.domainsAfterDnsMs !== undefined) {
                const apply = pendingDomains.splice(0);
                setTimeout(() => apply.forEach((f) => f()), behaviour.domainsAfterDnsMs).unref();
            }
        }
    };

    const dnsRecord: ResourceHandler = async (req) => {
        const id = req.id?.split("/").pop();
        const half = (behaviour.cloudflareApiMs ?? 0) / 2;
        if (req.op !== "read" && half > 0) await sleep(half);
        try {
            return await applyRecord(req, id);
        } finally {
            if (req.op !== "read" && half > 0) await sleep(half);
        }
    };

    const applyRecord = async (req: ProviderRequest, id: string | undefined) => {
        if (req.op === "read") {
            const r = id ? zone.get(id) : undefined;
            if (!r) return undefined;
            return { id: r.id, inputs: asInputs(r), outputs: { ...asInputs(r), id: r.id } };
        }
        if (req.op === "delete") {
            const old = zone.get(id!);
            zone.delete(id!);
            if (old) changed(old.name, "remove", old.type, undefined, old.id, false);
            return;
        }
        const input = inputOf(req.inputs);
        if (req.op === "create") {
            const r = zone.create(input);
            changed(r.name, "set", r.type, r.content, r.id, false);
            return { id: r.id, outputs: { id: r.id } };
        }
        // update (or import then update): in place, same id.
        const old = zone.get(id!);
        if (behaviour.deleteThenRecreateMs !== undefined && old && old.content !== input.content) {
            // The fault: delete, wait, create (a new id), instead of an in-place update.
            zone.delete(old.id);
            changed(old.name, "remove", old.type, undefined, old.id, true);
            await gapSeen(old.name, behaviour.deleteThenRecreateMs);
            const r = zone.create(input);
            changed(r.name, "set", r.type, r.content, r.id, true);
            return { id: r.id, outputs: { id: r.id } };
        }
        const r = zone.update(id!, input);
        if (!old || old.content !== r.content) changed(r.name, "set", r.type, r.content, r.id, true);
        return { id: r.id, outputs: { id: r.id } };
    };

    // The fault's gap lasts its time and, on a machine busy enough to stall this process for that
    // long, until a visitor's lookup has missed the name (bounded): a gap nobody saw would prove nothing.
    const gapSeen = async (name: string, ms: number) => {
        const missedBefore = world.dns.missed.get(name) ?? 0;
        await sleep(ms);
        for (const until = Date.now() + 10 * ms; (world.dns.missed.get(name) ?? 0) === missedBefore && Date.now() < until; ) await sleep(20);
    };

    const resources: Record<string, ResourceHandler> = {
        [TYPES.dnsRecord]: dnsRecord,
        [TYPES.project]: async (req) => ({ id: req.olds?.id ?? `prj_${Math.random().toString(36).slice(2, 14)}` }),
        [TYPES.envVar]: async (req) => ({ id: req.olds?.id ?? `env_${Math.random().toString(36).slice(2, 14)}` }),
        [TYPES.projectDomain]: async (req) => {
            const { domain, redirect, redirectStatusCode } = req.inputs as { domain: string; redirect?: string; redirectStatusCode?: number };
            if (req.op === "delete") {
                vercel.removeDomain(domain);
                return;
            }
            const apply = () => vercel.addDomain(domain, redirect, redirectStatusCode);
            if (behaviour.domainsAfterDnsMs !== undefined && firstDnsChangeAt === undefined) pendingDomains.push(apply);
            else apply();
            return { id: domain };
        },
        [TYPES.command]: (req) => runLocalCommand(req),
        [TYPES.deployment]: async (req) => {
            const id = req.op === "update" || !req.olds ? `dpl_${Math.random().toString(36).slice(2, 14)}` : req.olds.id;
            return { id, outputs: { url: `${String(req.inputs.projectId ?? "site").slice(0, 12).replace(/[^a-z0-9]/gi, "").toLowerCase()}-${id.slice(4, 12)}.vercel.app` } };
        },
    };

    const invokes: Record<string, InvokeHandler> = {
        "cloudflare:index/getZone:getZone": (inputs) => {
            const name = inputs.filter?.name;
            if (name !== world.domain) throw new Error(`zone ${name} not found`);
            return { id: zone.id, zoneId: zone.id, name, status: "active", nameServers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"] };
        },
        // The provider's read of one record by id (adopt compares it with golive:liveRecords).
        "cloudflare:index/getDnsRecord:getDnsRecord": (inputs) => {
            const r = inputs.zoneId === zone.id ? zone.get(String(inputs.dnsRecordId)) : undefined;
            if (!r) throw new Error("Record does not exist. (81044)");
            return { id: r.id, dnsRecordId: r.id, zoneId: zone.id, name: r.name, type: r.type, content: r.content, ttl: r.ttl, proxied: r.proxied, comment: r.comment ?? "", tags: [] };
        },
        // Records as Cloudflare lists them (id, ttl, proxied, comment), by exact name when asked.
        "cloudflare:index/getDnsRecords:getDnsRecords": (inputs) => {
            // Cloudflare's list: by exact name when asked (golive adopt reads apex and www so), each
            // record with its id, ttl, proxied and comment.
            const type = inputs.type as ReplicaRecordType | undefined;
            const name = typeof inputs.name?.exact === "string" ? inputs.name.exact : undefined;
            const results = zone
                .list({ ...(type ? { type } : {}), ...(name ? { name } : {}) })
                .map((r) => ({ id: r.id, name: r.name, type: r.type, content: r.content, ttl: r.ttl, proxied: r.proxied, comment: r.comment ?? "", ...(r.data ? { data: r.data } : {}) }));
            return { results };
        },
        // What Vercel recommends for a domain of the project: the new host's address.
        "vercel:index/getDomainConfig:getDomainConfig": (inputs) => ({
            id: inputs.domain,
            domain: inputs.domain,
            projectIdOrName: inputs.projectIdOrName,
            recommendedIpv4s: [newHost],
            recommendedCname: vercelCname,
            misconfigured: false,
        }),
    };
    return { resources, invokes };
}
