// The Cloudflare side of the replica: a zone's DNS records as Cloudflare's API holds them (ids,
// comments, proxied), with the API's refusals that matter to a go-live, served by the loopback DNS
// server. One zone for the mock engine's providers and for anything else that plays Cloudflare.
import type { ReplicaDns, ReplicaRecordType } from "./dnsServer";

export interface CloudflareRecord {
    id: string;
    /** Full name, lower case, no trailing dot. */
    name: string;
    type: ReplicaRecordType;
    /** A/AAAA address, CNAME target, TXT text; for CAA, `0 issue "letsencrypt.org"` (from `data`). */
    content: string;
    /** 1 = automatic (served as 300). */
    ttl: number;
    proxied: boolean;
    comment?: string;
    /** Custom tags ("name:value"): no effect on DNS answers. */
    tags?: string[];
    /** CAA only. */
    data?: { flags: number; tag: string; value: string };
}

/** What a create or update asks for (the provider's inputs). */
export type RecordInput = Omit<CloudflareRecord, "id" | "content"> & { content?: string };

/** An API refusal, with Cloudflare's error code. */
export class CloudflareApiError extends Error {
    constructor(
        readonly code: number,
        message: string,
    ) {
        super(`${message} (${code})`);
        this.name = "CloudflareApiError";
    }
}

const norm = (name: string) => name.toLowerCase().replace(/\.$/, "");

const SERVED_TYPES: ReplicaRecordType[] = ["A", "AAAA", "CNAME", "NS", "TXT", "CAA"];
/** The types Cloudflare can proxy. */
const ADDRESS_TYPES: ReplicaRecordType[] = ["A", "AAAA", "CNAME"];
/** What Cloudflare serves for TTL 1 ("automatic"), and for every proxied answer. */
const AUTOMATIC_TTL = 300;
const PROXIED_TTL = 300;

/**
 * The TTL the API keeps: 1 (automatic) for a proxied record whatever was asked, as Cloudflare
 * controls it (DNSControl/dnscontrol#489; the provider's own create refuses another value,
 * replica/cloudflare.ts).
 */
function ttlOf(input: { ttl: number; proxied: boolean }): number {
    return input.proxied ? 1 : input.ttl;
}

function contentOf(input: RecordInput): string {
    if (input.type === "CAA") {
        if (!input.data) throw new CloudflareApiError(9101, "CAA record needs data {flags, tag, value}");
        return `${input.data.flags} ${input.data.tag} "${input.data.value}"`;
    }
    if (typeof input.content !== "string" || input.content === "") throw new CloudflareApiError(9007, `content is required for a ${input.type} record`);
    return input.type === "CNAME" ? norm(input.content) : input.content;
}

export class CloudflareZone {
    private readonly records = new Map<string, CloudflareRecord>();
    private seq = 0;

    constructor(
        readonly id: string,
        private readonly dns: ReplicaDns,
    ) {
        // Cloudflare's edge forwards each name to the origin this zone's record holds.
        dns.proxyEdge?.attach((host) => this.originOf(host));
    }

    /**
     * The address of the origin a name's record holds (its A content, or its CNAME target's
     * address), proxied or not: where Cloudflare's edge forwards the name's requests.
     */
    originOf(host: string, depth = 0): string | undefined {
        const r = [...this.records.values()].find((x) => x.name === norm(host) && (x.type === "A" || x.type === "CNAME"));
        if (!r || depth > 8) return undefined;
        if (r.type === "A") return r.content;
        const inZone = this.originOf(r.content, depth + 1);
        if (inZone) return inZone;
        const answer = this.dns.answer(r.content, "A").answers.find((a) => a.type === "A") as { data?: unknown } | undefined;
        return typeof answer?.data === "string" ? answer.data : undefined;
    }

    /** A record that exists before the go-live (what the live zone holds), with its known id. */
    seed(record: Omit<CloudflareRecord, "content"> & { content?: string }): CloudflareRecord {
        const r: CloudflareRecord = { ...record, name: norm(record.name), content: contentOf(record), ttl: ttlOf(record) };
        this.records.set(r.id, r);
        this.serve(r.name);
        return { ...r };
    }

    get(id: string): CloudflareRecord | undefined {
        const r = this.records.get(id);
        return r ? { ...r } : undefined;
    }

    /** Records of the zone, optionally of one name and/or type. */
    list(filter: { name?: string; type?: ReplicaRecordType } = {}): CloudflareRecord[] {
        return [...this.records.values()].filter((r) => (!filter.name || r.name === norm(filter.name)) && (!filter.type || r.type === filter.type)).map((r) => ({ ...r }));
    }

    create(input: RecordInput): CloudflareRecord {
        const r: CloudflareRecord = { ...input, id: this.newId(), name: norm(input.name), content: contentOf(input), ttl: ttlOf(input) };
        this.refuseConflicts(r);
        this.records.set(r.id, r);
        this.serve(r.name);
        return { ...r };
    }

    /**
     * In place; the provider never changes a type in place (a type change replaces the record).
     * Tags not given are kept: the provider leaves an unset Optional+Computed `tags` out of the request.
     */
    update(id: string, input: RecordInput): CloudflareRecord {
        const old = this.records.get(id);
        if (!old) throw new CloudflareApiError(81044, "Record does not exist.");
        if (old.type !== input.type) throw new CloudflareApiError(9000, `record ${id} is ${old.type}; its type cannot be changed in place`);
        const tags = input.tags ?? old.tags;
        const r: CloudflareRecord = { ...input, ...(tags ? { tags: [...tags] } : {}), id, name: norm(input.name), content: contentOf(input), ttl: ttlOf(input) };
        this.refuseConflicts(r);
        this.records.set(id, r);
        this.serve(old.name);
        this.serve(r.name);
        return { ...r };
    }

    delete(id: string): void {
        const old = this.records.get(id);
        if (!old) throw new CloudflareApiError(81044, "Record does not exist.");
        this.records.delete(id);
        this.serve(old.name);
    }

    /** What Cloudflare refuses: a CNAME beside any other record of its name, and a duplicate. */
    private refuseConflicts(r: CloudflareRecord): void {
        const others = [...this.records.values()].filter((x) => x.id !== r.id && x.name === r.name);
        const addressOrAlias = (t: string) => t === "A" || t === "AAAA" || t === "CNAME";
        if (addressOrAlias(r.type) && others.some((x) => addressOrAlias(x.type) && (x.type === "CNAME" || r.type === "CNAME"))) {
            throw new CloudflareApiError(81053, `An A, AAAA, or CNAME record with that host already exists: ${r.name}`);
        }
        if (r.type === "CNAME" && others.length > 0) {
            throw new CloudflareApiError(81054, `A CNAME record with that host cannot coexist with other records: ${r.name}`);
        }
        if (others.some((x) => x.type === r.type && x.content === r.content)) {
            throw new CloudflareApiError(81058, `An identical record already exists: ${r.name} ${r.type} ${r.content}`);
        }
    }

    /**
     * The DNS server answers exactly the zone's records of `name`, except:
     * - a proxied A or CNAME is answered with the edge's addresses, A and AAAA (when the edge has
     *   an IPv6 address), TTL 300, as Cloudflare's anycast answers it (developers.cloudflare.com/dns/proxy-status;
     *   automatic TTL is 300 s);
     * - a CNAME at the zone's apex is flattened: the apex answers its target's A and AAAA, never a
     *   CNAME (developers.cloudflare.com/dns/cname-flattening: "CNAME flattening at the zone apex"
     *   is always on, on every plan), with the record's TTL.
     */
    private serve(name: string): void {
        const at = [...this.records.values()].filter((x) => x.name === name);
        const edge = this.dns.proxyEdge;
        const proxied = !!edge && at.some((x) => x.proxied && ADDRESS_TYPES.includes(x.type));
        const flattened = !proxied && this.dns.isZoneApex(name) ? at.find((x) => x.type === "CNAME") : undefined;
        for (const type of SERVED_TYPES) {
            if (proxied && ADDRESS_TYPES.includes(type)) {
                if (type === "A") this.dns.set(name, "A", [edge!.host], PROXIED_TTL);
                else if (type === "AAAA" && edge!.host6) this.dns.set(name, "AAAA", [edge!.host6], PROXIED_TTL);
                else this.dns.remove(name, type);
                continue;
            }
            if (flattened && ADDRESS_TYPES.includes(type)) {
                const ttl = flattened.ttl === 1 ? AUTOMATIC_TTL : flattened.ttl;
                const addresses = type === "CNAME" ? [] : this.targetAddresses(flattened.content, type);
                if (addresses.length > 0) this.dns.set(name, type, addresses, ttl);
                else this.dns.remove(name, type);
                continue;
            }
            const set = at.filter((x) => x.type === type);
            if (set.length === 0) this.dns.remove(name, type);
            else this.dns.set(name, type, set.map((x) => x.content), Math.min(...set.map((x) => (x.ttl === 1 ? AUTOMATIC_TTL : x.ttl))));
        }
    }

    /** The addresses a CNAME target answers (A or AAAA), CNAMEs followed, as Cloudflare's resolver finds them when it flattens. */
    private targetAddresses(target: string, type: "A" | "AAAA" | "NS" | "TXT" | "CAA"): string[] {
        return this.dns
            .answer(target, type)
            .answers.filter((a) => a.type === type)
            .map((a) => String((a as { data?: unknown }).data));
    }

    private newId(): string {
        this.seq++;
        return `${this.id.slice(0, 8)}${this.seq.toString(16).padStart(8, "0")}${Math.random().toString(16).slice(2, 18).padEnd(16, "0")}`;
    }
}
