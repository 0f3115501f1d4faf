// The replica's Cloudflare provider behaviour (cloudflare 6.22.1, terraform-provider-cloudflare v5):
// a DnsRecord is a record of the replica's Cloudflare zone (ids, comments, and the API's refusals:
// a CNAME beside an A of the same name), served by the loopback DNS server; the data sources read
// the zone as the provider's list and get calls do.
import { sleep } from "../checks/net";
import type { ReplicaWorld } from "./world";
import type { ReplicaRecordType } from "./dnsServer";
import { CloudflareZone, RecordInput } from "./cloudflareZone";
import type { InvokeHandler, ProviderRequest, ResourceHandler } from "./providerApi";

export const ZONE_ID = "5a1f0c2e9b7d4e3f8a6b1c0d2e4f6a8b";
/** Cloudflare ids of the apex and www records serving before the go-live (what adopt imports). */
export const LIVE_RECORD_IDS = { apex: "a1".repeat(16), www: "b2".repeat(16) } as const;

export const CLOUDFLARE_TYPES = {
    dnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
} as const;

/** A change of the replica zone, as the DNS server started answering it. */
export interface DnsChange {
    at: number;
    name: string;
    op: "set" | "remove";
    content?: string;
    /** The Cloudflare record id concerned. */
    recordId?: string;
}

/** How the replica's Cloudflare behaves; the `--break` faults change these. */
export interface CloudflareBehaviour {
    /** Records are deleted, then recreated after this many ms, instead of updated in place. */
    deleteThenRecreateMs?: number;
    /**
     * Each Cloudflare record change takes this long (an API round trip), applied half-way: what
     * separates a delete from the create that follows it (default 0).
     */
    cloudflareApiMs?: number;
}

/** Told of every change the zone starts serving; `isUpdate` when an existing record changed. */
export type ZoneListener = (change: DnsChange & { type: string }, isUpdate: boolean) => void;

/**
 * A DnsRecord's import id, exactly `<zone_id>/<dns_record_id>` (url-encoded segments), as the
 * provider parses it (terraform-provider-cloudflare internal/services/dns_record/resource.go
 * ImportState, internal/importpath/parse.go); anything else is refused with its words.
 */
export function parseImportId(importId: string): { zoneId: string; recordId: string } {
    const segments = importId.split("/");
    const refuse = () => new Error(`invalid ID: expected urlencoded segments "<zone_id>/<dns_record_id>", got ${JSON.stringify(importId)}`);
    if (segments.length !== 2) throw refuse();
    try {
        const [zoneId, recordId] = segments.map((s) => decodeURIComponent(s));
        return { zoneId, recordId };
    } catch {
        throw refuse();
    }
}

/**
 * The list data source's `data.flags` is a dynamic attribute (list_data_source_schema.go): a CAA
 * record's is a number, a record without data has a typeless null, and the list of both cannot be
 * built (go-cty ListVal panics), so the read fails (cloudflare/terraform-provider-cloudflare
 * issues 5581, 6518, 7004: still so at v5.22, no fix released). The replica fails the same way:
 * any list mixing records whose flags differ in type, e.g. a CAA with an A.
 */
function refuseMixedFlags(results: ReadonlyArray<{ type: string; data?: { flags?: unknown } }>): void {
    const ctyType = (r: { data?: { flags?: unknown } }) => (typeof r.data?.flags === "number" ? "cty.Number" : typeof r.data?.flags === "string" ? "cty.String" : "cty.DynamicPseudoType");
    const first = results[0];
    const other = results.find((r) => ctyType(r) !== ctyType(first));
    if (!first || !other) return;
    const object = (r: { type: string; data?: { flags?: unknown } }) => `cty.Object(map[string]cty.Type{…"data":cty.Object(map[string]cty.Type{…"flags":${ctyType(r)}…})…}) (${r.type} record)`;
    throw new Error(`panic: inconsistent list element types (${object(first)} then ${object(other)})`);
}

/** The Cloudflare resource handlers and data sources, acting on `zone`. */
export function cloudflareHandlers(
    world: ReplicaWorld,
    zone: CloudflareZone,
    behaviour: CloudflareBehaviour,
    now: () => number,
    onChange: ZoneListener,
): { resources: Record<string, ResourceHandler>; invokes: Record<string, InvokeHandler> } {
    const inputOf = (inputs: Record<string, any>): RecordInput => ({
        name: inputs.name,
        type: inputs.type as ReplicaRecordType,
        ...(inputs.content !== undefined ? { content: inputs.content } : {}),
        ttl: inputs.ttl ?? 1,
        proxied: !!inputs.proxied,
        ...(inputs.comment !== undefined ? { comment: inputs.comment } : {}),
        // Optional+Computed (dns_record/schema.go): unset, the record keeps its tags.
        ...(Array.isArray(inputs.tags) ? { tags: inputs.tags.map(String) } : {}),
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
        tags: [...(r.tags ?? [])],
    });
    /** What the provider computes and the state keeps besides the inputs (dns_record/schema.go). */
    const computedOf = (r: ReturnType<CloudflareZone["get"]> & object) => ({ id: r.id, content: r.content, tags: [...(r.tags ?? [])], proxiable: r.type === "A" || r.type === "AAAA" || r.type === "CNAME" });
    const changed = (name: string, op: "set" | "remove", type: string, content: string | undefined, recordId: string, isUpdate: boolean) =>
        onChange({ at: now(), name, op, type, ...(content !== undefined ? { content } : {}), recordId }, isUpdate);

    const dnsRecord: ResourceHandler = async (req) => {
        const id = req.op === "read" ? undefined : req.id;
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
            const { zoneId, recordId } = parseImportId(req.id ?? "");
            // Read in the zone the id names (GET /zones/<zoneId>/dns_records/<recordId>): another zone's record is not found.
            const r = zoneId === zone.id ? zone.get(recordId) : undefined;
            if (!r) return undefined;
            return { id: r.id, inputs: asInputs(r), outputs: { ...asInputs(r), ...computedOf(r) } };
        }
        if (req.op === "delete") {
            const old = zone.get(id!);
            zone.delete(id!);
            if (old) changed(old.name, "remove", old.type, undefined, old.id, false);
            return;
        }
        const input = inputOf(req.inputs);
        if (req.op === "create") {
            // The provider's create refuses it before calling the API (dns_record/resource.go Create);
            // on update the API keeps TTL 1 for a proxied record whatever is sent (replica/cloudflareZone).
            if (input.proxied && input.ttl !== 1) {
                throw new Error("ttl must be set to 1 when `proxied` is true: When a DNS record is marked as `proxied` the TTL must be 1 as Cloudflare will control the TTL internally.");
            }
            const r = zone.create(input);
            changed(r.name, "set", r.type, r.content, r.id, false);
            return { id: r.id, outputs: computedOf(r) };
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
            return { id: r.id, outputs: computedOf(r) };
        }
        const r = zone.update(id!, input);
        if (!old || old.content !== r.content) changed(r.name, "set", r.type, r.content, r.id, true);
        return { id: r.id, outputs: computedOf(r) };
    };

    // The fault's gap lasts its time and, on a machine busy enough to stall this process for that
    // long, until a visitor's lookup has missed the name (bounded): a gap nobody saw would prove nothing.
    const gapSeen = async (name: string, ms: number) => {
        const missedBefore = world.dns.missed.get(name) ?? 0;
        await sleep(ms);
        for (const until = Date.now() + 10 * ms; (world.dns.missed.get(name) ?? 0) === missedBefore && Date.now() < until; ) await sleep(20);
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
            return { id: r.id, dnsRecordId: r.id, zoneId: zone.id, name: r.name, type: r.type, content: r.content, ...(r.data ? { data: r.data } : {}), ttl: r.ttl, proxied: r.proxied, comment: r.comment ?? "", tags: [...(r.tags ?? [])] };
        },
        // Records as Cloudflare lists them: by type and/or exact name when asked, each record with
        // its id, ttl, proxied and comment.
        "cloudflare:index/getDnsRecords:getDnsRecords": (inputs) => {
            const type = inputs.type as ReplicaRecordType | undefined;
            const name = typeof inputs.name?.exact === "string" ? inputs.name.exact : undefined;
            const results = zone
                .list({ ...(type ? { type } : {}), ...(name ? { name } : {}) })
                .map((r) => ({ id: r.id, name: r.name, type: r.type, content: r.content, ttl: r.ttl, proxied: r.proxied, comment: r.comment ?? "", tags: [...(r.tags ?? [])], ...(r.data ? { data: r.data } : {}) }));
            refuseMixedFlags(results);
            return { results };
        },
    };
    return { resources: { [CLOUDFLARE_TYPES.dnsRecord]: dnsRecord }, invokes };
}
