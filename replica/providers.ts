// The replica's provider behaviour in one place: the Cloudflare zone (replica/cloudflare.ts), Vercel
// (replica/vercel.ts) and the local command (replica/command.ts), wired together the way the real
// services are (Vercel sees the zone's DNS answers; Let's Encrypt reads the zone's CAA records).
// The mock engine calls these handlers in-process; the replica provider plugins that the real engine
// loads reach the same handlers through the service API (replica/control.ts).
import type { ReplicaWorld } from "./world";
import { CloudflareZone } from "./cloudflareZone";
import { caaPermits } from "./letsEncryptCaa";
import type { InvokeHandler, ResourceHandler } from "./providerApi";
import { SCHEMAS } from "./providerSchemas";
import { CLOUDFLARE_TYPES, cloudflareHandlers, CloudflareBehaviour, DnsChange } from "./cloudflare";
import { VERCEL_TYPES, vercelCnameOf, vercelHandlers, VercelBehaviour, VercelReplica } from "./vercel";
import { runLocalCommand } from "./command";

export { LIVE_RECORD_IDS, ZONE_ID } from "./cloudflare";
export type { DnsChange } from "./cloudflare";
export { vercelCnameOf, VercelReplica } from "./vercel";

/**
 * Input keys whose change makes the real provider replace the resource (its schema's ForceNew):
 * what the mock engine needs to decide replace versus update, as the real engine asks the provider.
 * Read off the one schema table the replica plugins serve.
 */
export const REPLACE_KEYS: Record<string, string[]> = Object.fromEntries(
    Object.values(SCHEMAS).flatMap((types) => Object.entries(types).map(([type, schema]) => [type, schema.replaces])),
);

export const TYPES = {
    ...CLOUDFLARE_TYPES,
    ...VERCEL_TYPES,
    command: "command:local:Command",
} as const;

/** How the replica providers behave; the `--break` faults change these. */
export type ReplicaBehaviour = CloudflareBehaviour & VercelBehaviour;

/** The provider handlers and invokes of the replica world, acting on it through its Cloudflare `zone` and `vercel`. */
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
    const pointsToVercel = (type: string, content: string) => (type === "A" && content === newHost) || (type === "CNAME" && content.toLowerCase().replace(/\.$/, "") === vercelCname);
    // Let's Encrypt reads the zone's CAA records (comments mean nothing to a CA), by the replica's
    // own RFC 8659 rule (replica/letsEncryptCaa.ts), never the program's decision.
    vercel.attach(now, (host) => caaPermits(host, zone.list({ type: "CAA" }).map((r) => ({ name: r.name, data: r.data as { flags?: number; tag?: string; value?: string } | undefined }))));
    const cloudflare = cloudflareHandlers(world, zone, behaviour, now, (change, isUpdate) => {
        const { type: _type, ...c } = change;
        onDnsChange(c);
        vercel.observeDns(change, isUpdate, pointsToVercel(change.type, change.content ?? ""));
    });
    const v = vercelHandlers(world, vercel);
    return {
        resources: { ...cloudflare.resources, ...v.resources, [TYPES.command]: (req) => runLocalCommand(req) },
        invokes: { ...cloudflare.invokes, ...v.invokes },
    };
}
