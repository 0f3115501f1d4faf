// A small authoritative DNS server on loopback (UDP), serving zones the rehearsal and the tests
// change at run time exactly as the Cloudflare resources would.
import * as dgram from "dgram";
import * as dnsPacket from "dns-packet";

export type ReplicaRecordType = "A" | "AAAA" | "CNAME" | "NS" | "TXT" | "CAA";

export interface ReplicaRecord {
    name: string;
    type: ReplicaRecordType;
    /** A/AAAA: address; CNAME/NS: target; TXT: text; CAA: `0 issue "letsencrypt.org"`. */
    value: string;
    ttl: number;
}

const MAX_CNAME_HOPS = 8;
const RCODES = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 } as const;

function norm(name: string): string {
    return name.toLowerCase().replace(/\.$/, "");
}

function toAnswer(r: ReplicaRecord): dnsPacket.Answer {
    switch (r.type) {
        case "TXT":
            return { name: r.name, type: "TXT", ttl: r.ttl, class: "IN", data: [r.value] } as dnsPacket.Answer;
        case "CAA": {
            const m = /^(\d+)\s+(\w+)\s+"?([^"]*)"?$/.exec(r.value);
            if (!m) throw new Error(`bad CAA value ${r.value}`);
            return { name: r.name, type: "CAA", ttl: r.ttl, class: "IN", data: { flags: Number(m[1]), tag: m[2], value: m[3], issuerCritical: false } } as unknown as dnsPacket.Answer;
        }
        default:
            return { name: r.name, type: r.type, ttl: r.ttl, class: "IN", data: r.value } as dnsPacket.Answer;
    }
}

export class ReplicaDns {
    private readonly records: ReplicaRecord[] = [];
    private readonly zones = new Set<string>();
    private silent = false;
    /** Queries answered so far, for the figures. */
    public queries = 0;
    /** NXDOMAIN answers given so far, per name: a fault can wait until a visitor has missed a name. */
    public readonly missed = new Map<string, number>();
    /** Cloudflare's edge whose address this server answers for a zone's proxied records (set by the world). */
    public proxyEdge?: { readonly host: string; readonly host6?: string; attach(originOf: (host: string) => string | undefined): void };

    /** A caching resolver's authority and cache (see startCaching). */
    private cacheOf?: { authority: ReplicaDns; now: () => number; entries: Map<string, { until: number; rcode: "NOERROR" | "NXDOMAIN" | "REFUSED"; answers: dnsPacket.Answer[] }> };

    private constructor(private readonly socket: dgram.Socket, public readonly host: string, public readonly port: number) {}

    /** Starts a server on `host:port` (port 0 picks a free one). */
    static async start(host = "127.0.0.1", port = 0): Promise<ReplicaDns> {
        const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
        await new Promise<void>((resolve, reject) => {
            socket.once("error", reject);
            socket.bind(port, host, () => resolve());
        });
        const server = new ReplicaDns(socket, host, socket.address().port);
        socket.on("message", (msg, rinfo) => server.onMessage(msg, rinfo));
        return server;
    }

    /**
     * A visitor's caching resolver in front of `authority`: each answer is kept for its TTL and
     * served from the cache (with the TTL that remains) until then, as ISP resolvers do; what was
     * not found is not cached. The rehearsal's visitors who "still hold the old address" sit behind one.
     */
    static async startCaching(authority: ReplicaDns, host = "127.0.0.1", now: () => number = Date.now): Promise<ReplicaDns> {
        const server = await ReplicaDns.start(host, 0);
        server.cacheOf = { authority, now, entries: new Map() };
        return server;
    }

    /** "host:port", the form NetOptions.dnsServers and `--dns-server` take. */
    get address(): string {
        return this.host.includes(":") ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
    }

    /** Declares a zone this server is authoritative for (unknown names in it get NXDOMAIN). */
    addZone(apex: string): this {
        this.zones.add(norm(apex));
        return this;
    }

    /** Whether `name` is the apex of a zone this server holds. */
    isZoneApex(name: string): boolean {
        return this.zones.has(norm(name));
    }

    /** Replaces every record of (name, type) with `values`. */
    set(name: string, type: ReplicaRecordType, values: string[], ttl = 300): this {
        this.remove(name, type);
        for (const value of values) this.records.push({ name: norm(name), type, value, ttl });
        return this;
    }

    /** Removes every record of (name, type), or of every type when `type` is omitted. */
    remove(name: string, type?: ReplicaRecordType): this {
        const n = norm(name);
        for (let i = this.records.length - 1; i >= 0; i--) {
            if (this.records[i].name === n && (!type || this.records[i].type === type)) this.records.splice(i, 1);
        }
        return this;
    }

    /** Current records of a name, for assertions and the rehearsal's report. */
    lookup(name: string, type?: ReplicaRecordType): ReplicaRecord[] {
        const n = norm(name);
        return this.records.filter((r) => r.name === n && (!type || r.type === type)).map((r) => ({ ...r }));
    }

    /** When silent, queries go unanswered (a resolver that times out). */
    setSilent(silent: boolean): this {
        this.silent = silent;
        return this;
    }

    close(): Promise<void> {
        return new Promise((resolve) => this.socket.close(() => resolve()));
    }

    private inZone(name: string): boolean {
        for (const z of this.zones) if (name === z || name.endsWith(`.${z}`)) return true;
        return false;
    }

    /** Answers for one question, following CNAMEs inside the records this server holds. */
    answer(qname: string, qtype: string): { rcode: "NOERROR" | "NXDOMAIN" | "REFUSED"; answers: dnsPacket.Answer[] } {
        if (this.cacheOf) return this.cachedAnswer(qname, qtype);
        const answers: dnsPacket.Answer[] = [];
        let name = norm(qname);
        for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            const own = this.records.filter((r) => r.name === name);
            const exact = own.filter((r) => r.type === qtype);
            if (exact.length > 0) {
                answers.push(...exact.map(toAnswer));
                return { rcode: "NOERROR", answers };
            }
            const cname = own.find((r) => r.type === "CNAME");
            if (cname && qtype !== "CNAME") {
                answers.push(toAnswer(cname));
                name = norm(cname.value);
                continue;
            }
            if (own.length > 0 || answers.length > 0) return { rcode: "NOERROR", answers };
            return { rcode: this.inZone(name) ? "NXDOMAIN" : answers.length ? "NOERROR" : "REFUSED", answers };
        }
        return { rcode: "NOERROR", answers };
    }

    private cachedAnswer(qname: string, qtype: string): { rcode: "NOERROR" | "NXDOMAIN" | "REFUSED"; answers: dnsPacket.Answer[] } {
        const { authority, now, entries } = this.cacheOf!;
        const key = `${norm(qname)} ${qtype}`;
        const hit = entries.get(key);
        const at = now();
        if (hit && hit.until > at) {
            const left = Math.max(1, Math.ceil((hit.until - at) / 1000));
            return { rcode: hit.rcode, answers: hit.answers.map((a) => ({ ...a, ttl: left }) as dnsPacket.Answer) };
        }
        const fresh = authority.answer(qname, qtype);
        const ttls = fresh.answers.map((a) => (a as { ttl?: number }).ttl ?? 0);
        if (ttls.length > 0) entries.set(key, { until: at + Math.min(...ttls) * 1000, ...fresh });
        else entries.delete(key);
        return fresh;
    }

    private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
        if (this.silent) return;
        let query: dnsPacket.Packet;
        try {
            query = dnsPacket.decode(msg);
        } catch {
            return; // not DNS: ignore, as a real server would
        }
        const q = query.questions?.[0];
        const { rcode, answers } = q ? this.answer(q.name, q.type) : { rcode: "REFUSED" as const, answers: [] };
        const response = dnsPacket.encode({
            type: "response",
            id: query.id,
            // dns-packet encodes the rcode only through the low bits of `flags`.
            flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | RCODES[rcode],
            questions: query.questions,
            answers,
        } as dnsPacket.Packet);
        this.queries++;
        if (q && rcode === "NXDOMAIN") this.missed.set(norm(q.name), (this.missed.get(norm(q.name)) ?? 0) + 1);
        this.socket.send(response, rinfo.port, rinfo.address);
    }
}
