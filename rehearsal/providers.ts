// What the Cloudflare and Vercel resources do in the rehearsal: they act on the local replica the
// way the real providers act on the real services. A DnsRecord changes the replica zone in place;
// a ProjectDomain makes the Vercel-like host serve that name (before that, it answers like Vercel
// does for a host it does not know: a certificate that does not cover the name, and 404
// DEPLOYMENT_NOT_FOUND); a Deployment gets an id and a *.vercel.app URL.
import { sleep } from "../checks/net";
import type { ReplicaWorld } from "../replica/world";
import type { KeyPair } from "../replica/pki";
import type { ReplicaRecordType } from "../replica/dnsServer";
import type { RequestInfo, Reply } from "../replica/site";
import type { InvokeHandler, ProviderRequest, ResourceHandler } from "./engine";

export const ZONE_ID = "5a1f0c2e9b7d4e3f8a6b1c0d2e4f6a8b";
/** Cloudflare ids of the apex and www records serving before the go-live (what adopt imports). */
export const LIVE_RECORD_IDS = { apex: "a1".repeat(16), www: "b2".repeat(16) } as const;

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
}

/** How the replica providers behave; the `--break` faults change these. */
export interface ReplicaBehaviour {
    /** Records are deleted, then recreated after this many ms, instead of updated in place. */
    deleteThenRecreateMs?: number;
    /** ProjectDomain creations are not applied to the host until this many ms after the first DNS change. */
    domainsAfterDnsMs?: number;
    /** The Vercel host answers its redirects with this status whatever the project says. */
    redirectStatusOverride?: number;
}

/** The Vercel side of the replica: which names the new host serves, and with what certificate. */
export class VercelReplica {
    readonly domains = new Map<string, { redirect?: string; redirectStatusCode?: number }>();
    private readonly unknownHostCert: KeyPair;

    constructor(private readonly world: ReplicaWorld, private readonly siteCert: KeyPair, private readonly behaviour: ReplicaBehaviour) {
        // Vercel presents its own certificate for a host it does not serve.
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

    addDomain(name: string, redirect?: string, redirectStatusCode?: number): void {
        const host = name.toLowerCase();
        this.domains.set(host, { ...(redirect ? { redirect } : {}), ...(redirectStatusCode ? { redirectStatusCode } : {}) });
        this.world.newSite.certs = { ...this.world.newSite.certs, [host]: this.siteCert };
        if (host === this.world.domain) {
            // MEP-10: the apex's redirect is the ProjectDomain's; none means the apex serves the site.
            this.world.newSite.spec.apexRedirectStatus = redirect ? this.behaviour.redirectStatusOverride ?? redirectStatusCode ?? 308 : null;
        }
    }

    removeDomain(name: string): void {
        const host = name.toLowerCase();
        this.domains.delete(host);
        const certs = { ...this.world.newSite.certs };
        delete certs[host];
        this.world.newSite.certs = certs;
    }
}

/** The provider handlers and invokes of the rehearsal, acting on `world`. */
export function replicaProviders(
    world: ReplicaWorld,
    vercel: VercelReplica,
    behaviour: ReplicaBehaviour,
    now: () => number,
    onDnsChange: (c: DnsChange) => void,
): { resources: Record<string, ResourceHandler>; invokes: Record<string, InvokeHandler> } {
    const newHost = world.newSite.host;
    let firstDnsChangeAt: number | undefined;
    const pendingDomains: Array<() => void> = [];
    // Cloudflare's record ids: what an import or getDnsRecord names. The DNS server holds the values.
    // The live records' TTL is the DNS server's until the program sets one.
    const recordsById = new Map<string, { name: string; type: ReplicaRecordType; ttl?: number; proxied: boolean; comment?: string }>([
        [LIVE_RECORD_IDS.apex, { name: world.domain, type: "A", proxied: false }],
        [LIVE_RECORD_IDS.www, { name: world.www, type: "A", proxied: false }],
    ]);
    const remember = (id: string, inputs: Record<string, any>) =>
        recordsById.set(id, { name: inputs.name, type: inputs.type, ttl: inputs.ttl ?? 1, proxied: !!inputs.proxied, ...(inputs.comment ? { comment: inputs.comment } : {}) });

    const setRecord = async (req: ProviderRequest) => {
        const { name, type, content, ttl } = req.inputs as { name: string; type: ReplicaRecordType; content: string; ttl: number };
        const current = world.dns.lookup(name, type).map((r) => r.value);
        if (req.op === "import") {
            // Pulumi refuses an import whose inputs differ from the live record.
            if (current.length !== 1 || current[0] !== content) {
                throw new Error(`import of ${name} ${type}: inputs say ${content}, the live record is ${current.join(", ") || "absent"}`);
            }
            return { id: req.id!.split("/").pop()!, outputs: { id: req.id!.split("/").pop()! } };
        }
        if (req.op === "update" && behaviour.deleteThenRecreateMs !== undefined && current[0] !== content) {
            world.dns.remove(name, type);
            onDnsChange({ at: now(), name, op: "remove" });
            await sleep(behaviour.deleteThenRecreateMs);
        }
        world.dns.set(name, type, [content], ttl === 1 ? 300 : ttl);
        if (current[0] !== content) {
            onDnsChange({ at: now(), name, op: "set", content });
            if (firstDnsChangeAt === undefined && req.op === "update") {
                firstDnsChangeAt = now();
                // The fault "DNS before domain": the domains reach Vercel only some time after the switch.
                if (behaviour.domainsAfterDnsMs !== undefined) {
                    const apply = pendingDomains.splice(0);
                    setTimeout(() => apply.forEach((f) => f()), behaviour.domainsAfterDnsMs).unref();
                }
            }
        }
        const id = req.olds?.id ?? `${ZONE_ID.slice(0, 8)}${Math.random().toString(16).slice(2, 26).padEnd(24, "0")}`;
        remember(id, req.inputs);
        return { id };
    };

    const resources: Record<string, ResourceHandler> = {
        [TYPES.dnsRecord]: async (req) => {
            if (req.op === "delete") {
                world.dns.remove(req.inputs.name, req.inputs.type);
                if (req.id) recordsById.delete(req.id);
                onDnsChange({ at: now(), name: req.inputs.name, op: "remove" });
                return;
            }
            return setRecord(req);
        },
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
            return { id: ZONE_ID, zoneId: ZONE_ID, name, status: "active", nameServers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"] };
        },
        // Records as Cloudflare lists them (id, ttl, proxied, comment), by exact name when asked.
        "cloudflare:index/getDnsRecords:getDnsRecords": (inputs) => {
            const names = typeof inputs.name?.exact === "string" ? [inputs.name.exact] : [world.domain, world.www];
            const type = inputs.type as ReplicaRecordType | undefined;
            const results = names.flatMap((n) => world.dns.lookup(n, type)).map((r) => {
                const m = /^(\d+)\s+(\w+)\s+"?([^"]*)"?$/.exec(r.value);
                const [id, known] = [...recordsById].find(([, k]) => k.name === r.name && k.type === r.type) ?? [undefined, undefined];
                return {
                    name: r.name,
                    type: r.type,
                    content: r.value,
                    ...(r.type === "CAA" && m ? { data: { flags: Number(m[1]), tag: m[2], value: m[3] } } : {}),
                    ...(id ? { id, ttl: known!.ttl ?? r.ttl, proxied: known!.proxied, comment: known!.comment ?? "" } : {}),
                };
            });
            return { results };
        },
        // One record by id, as Cloudflare's API returns it (what an import reads).
        "cloudflare:index/getDnsRecord:getDnsRecord": (inputs) => {
            const id = String(inputs.dnsRecordId ?? "");
            const known = recordsById.get(id);
            const values = known ? world.dns.lookup(known.name, known.type) : [];
            if (inputs.zoneId !== ZONE_ID || !known || values.length === 0) throw new Error(`Record does not exist. (81044): no record ${id} in zone ${inputs.zoneId}`);
            return { id, dnsRecordId: id, zoneId: ZONE_ID, name: known.name, type: known.type, content: values[0].value, ttl: known.ttl ?? values[0].ttl, proxied: known.proxied, proxiable: true, comment: known.comment ?? "", tags: [] };
        },
        // What Vercel recommends for a domain of the project: the new host's address.
        "vercel:index/getDomainConfig:getDomainConfig": (inputs) => ({
            id: inputs.domain,
            domain: inputs.domain,
            projectIdOrName: inputs.projectIdOrName,
            recommendedIpv4s: [newHost],
            recommendedCname: `cname.vercel-dns.${world.domain}`,
            misconfigured: false,
        }),
    };
    return { resources, invokes };
}
