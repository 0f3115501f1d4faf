// The replica world the engine tier runs against: the loopback world, its Cloudflare zone as it is
// before the go-live, the Vercel-like host, and the service API the replica provider plugins call.
// One setup for every engine-tier test file; each says only what its world has of its own.
import { startWorld, ReplicaWorld, WorldOptions } from "../../replica/world";
import { startControlServer, ControlServer } from "../../replica/control";
import type { CloudflareZone } from "../../replica/cloudflareZone";
import { DnsChange, ReplicaBehaviour, replicaProviders, VercelReplica } from "../../replica/providers";
import { seededZone } from "../../rehearsal/run";
import { startVercelApi, VercelApi } from "../../replica/vercelApi";

export interface EngineReplica {
    world: ReplicaWorld;
    zone: CloudflareZone;
    vercel: VercelReplica;
    control: ControlServer;
    /** Vercel's REST API for the program's own resources: its base URL and the token it accepts. */
    vercelApi: VercelApi;
    /** Every change of the zone, as the DNS server started answering it. */
    dnsChanges: DnsChange[];
    /** The replica's own operations that change it (an import's read changes nothing). */
    resourceCalls(): ControlServer["calls"];
    close(): Promise<void>;
}

export async function startEngineReplica(opts: { now: () => number; world?: WorldOptions; behaviour?: ReplicaBehaviour; zone?: (zone: CloudflareZone, world: ReplicaWorld) => void }): Promise<EngineReplica> {
    const world = await startWorld({ pointAt: "old", ttl: 300, ...opts.world });
    const zone = seededZone(world);
    opts.zone?.(zone, world);
    const behaviour = opts.behaviour ?? {};
    const vercel = new VercelReplica(world, world.issue([world.domain, world.www]), behaviour);
    const dnsChanges: DnsChange[] = [];
    const control = await startControlServer(replicaProviders(world, zone, vercel, behaviour, opts.now, (c) => dnsChanges.push(c)));
    const vercelApi = await startVercelApi(vercel);
    return {
        world,
        zone,
        vercel,
        control,
        vercelApi,
        dnsChanges,
        resourceCalls: () => control.calls.filter((c) => c.path === "/resource" && c.op !== "read"),
        async close() {
            await control.close();
            await vercelApi.close();
            vercel.close();
            await world.close();
        },
    };
}
