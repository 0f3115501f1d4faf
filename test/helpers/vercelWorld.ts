// The replica world as the program's own Vercel calls see it: the loopback world, its Cloudflare
// zone, the Vercel replica behind its REST API, and a project of its own; with what the program's
// resources would do to it (a project domain, a TXT record through the Cloudflare provider).
import { startWorld, ReplicaWorld } from "../../replica/world";
import type { CloudflareZone } from "../../replica/cloudflareZone";
import { ReplicaBehaviour, replicaProviders, TYPES, VercelReplica } from "../../replica/providers";
import { startVercelApi, VercelApi } from "../../replica/vercelApi";
import { seededZone } from "../../rehearsal/run";
import type { ResourceHandler } from "../../replica/providerApi";

export interface VercelWorld {
    world: ReplicaWorld;
    zone: CloudflareZone;
    /** The replica's behaviour switches (faults): change them in a test. */
    behaviour: ReplicaBehaviour;
    vercel: VercelReplica;
    resources: Record<string, ResourceHandler>;
    api: VercelApi;
    projectId: string;
    /** What the program's ProjectDomain does (the apex redirects with `extra`). */
    addDomain(domain: string, extra?: Record<string, unknown>): ReturnType<ResourceHandler>;
    /** The apex redirecting permanently to www, and www. */
    addSiteDomains(): Promise<void>;
    /** A TXT record through the Cloudflare provider's handler, as the program creates it. */
    addTxt(name: string, content: string): ReturnType<ResourceHandler>;
    close(): Promise<void>;
}

export async function startVercelWorld(): Promise<VercelWorld> {
    const world = await startWorld({ pointAt: "old", ttl: 60 });
    const zone = seededZone(world);
    const behaviour: ReplicaBehaviour = {};
    const vercel = new VercelReplica(world, world.issue([world.domain, world.www]), behaviour);
    const { resources } = replicaProviders(world, zone, vercel, behaviour, () => Date.now(), () => undefined);
    const api = await startVercelApi(vercel);
    const projectId = (await resources[TYPES.project]({ op: "create", type: TYPES.project, name: "site", inputs: { name: "kalia-site" } }))!.id!;
    const addDomain = (domain: string, extra: Record<string, unknown> = {}) => resources[TYPES.projectDomain]({ op: "create", type: TYPES.projectDomain, name: domain, inputs: { projectId, domain, ...extra } });
    return {
        world,
        zone,
        behaviour,
        vercel,
        resources,
        api,
        projectId,
        addDomain,
        async addSiteDomains() {
            await addDomain(world.domain, { redirect: world.www, redirectStatusCode: 308 });
            await addDomain(world.www);
        },
        addTxt: (name, content) => resources[TYPES.dnsRecord]({ op: "create", type: TYPES.dnsRecord, name, inputs: { zoneId: zone.id, name, type: "TXT", content, ttl: 60, proxied: false } }),
        async close() {
            await api.close();
            vercel.close();
            await world.close();
        },
    };
}
