// The local replica of the go-live world, in one call: a CA, a DNS server serving the zone, the
// old host and the new (Vercel-like) host on their own loopback addresses with the same ports,
// and the NetOptions that make every check see the real domain on loopback.
import { createCa, issueCertificate, KeyPair } from "./pki";
import { ReplicaDns } from "./dnsServer";
import { freePortOn, ReplicaSite, SiteSpec, vercelLikeSpec } from "./site";
import { CloudflareEdge } from "./cloudflareEdge";
import type { NetOptions } from "../checks/types";

export interface WorldOptions {
    domain?: string;
    brand?: string;
    /** Address of the new host (the Vercel deployment). */
    newHost?: string;
    /** Address of the old host. */
    oldHost?: string;
    /** Address of Cloudflare's edge stand-in (what the zone answers for a proxied record). */
    edgeHost?: string;
    /** IPv6 address of the edge (default ::1 when the machine has an IPv6 loopback; "" for none). */
    edgeHost6?: string;
    dnsHost?: string;
    /** Where DNS points at start: the old host (a go-live) or the new one (already switched). */
    pointAt?: "old" | "new";
    ttl?: number;
}

export interface ReplicaWorld {
    domain: string;
    www: string;
    ca: KeyPair;
    dns: ReplicaDns;
    oldSite: ReplicaSite;
    newSite: ReplicaSite;
    /** Cloudflare's edge: proxied records are answered with its address; it forwards to the record's origin. */
    edge: CloudflareEdge;
    /** NetOptions for checks: DNS, ports and CA of the replica. */
    net: NetOptions;
    /** Points apex and www at a host's address, as the DNS records would. */
    pointAt(which: "old" | "new", ttl?: number): void;
    /** A certificate for `names` from the replica CA. */
    issue(names: string[], notBefore?: Date, notAfter?: Date): KeyPair;
    close(): Promise<void>;
}

/** Whether the IPv6 loopback (::1) can be listened on here. */
async function hasIpv6Loopback(): Promise<boolean> {
    const net = await import("net");
    return new Promise<boolean>((resolve) => {
        const s = net.createServer();
        s.once("error", () => resolve(false));
        s.listen(0, "::1", () => s.close(() => resolve(true)));
    });
}

export async function startWorld(opts: WorldOptions = {}): Promise<ReplicaWorld> {
    const domain = opts.domain ?? "kaliabeautystudio.com";
    const brand = opts.brand ?? "Kalia Beauty Studio";
    const www = `www.${domain}`;
    const newHost = opts.newHost ?? "127.0.0.2";
    const oldHost = opts.oldHost ?? "127.0.0.3";
    const edgeHost = opts.edgeHost ?? "127.0.0.4";
    const ttl = opts.ttl ?? 60;
    const ca = createCa();
    const siteCert = issueCertificate(ca, { names: [domain, www] });
    // Cloudflare's edge answers on IPv6 too: on ::1 when this machine has an IPv6 loopback.
    const edgeHost6 = opts.edgeHost6 !== undefined ? opts.edgeHost6 || undefined : (await hasIpv6Loopback()) ? "::1" : undefined;
    const hosts = [newHost, oldHost, edgeHost, ...(edgeHost6 ? [edgeHost6] : [])];
    const [httpPort, httpsPort] = [await freePortOn(hosts), await freePortOn(hosts)];
    const dns = (await ReplicaDns.start(opts.dnsHost ?? "127.0.0.1", 0)).addZone(domain);
    const oldSpec: SiteSpec = { ...vercelLikeSpec(domain, brand, "old-host"), apexRedirectStatus: 301, httpsRedirectStatus: 301 };
    const newSite = await ReplicaSite.start({ host: newHost, httpPort, httpsPort, certs: { "*": siteCert }, spec: vercelLikeSpec(domain, brand) });
    const oldSite = await ReplicaSite.start({ host: oldHost, httpPort, httpsPort, certs: { "*": siteCert }, spec: oldSpec });
    // Cloudflare's Universal SSL certificate covers the apex and its first-level names.
    const edge = await CloudflareEdge.start({ host: edgeHost, ...(edgeHost6 ? { host6: edgeHost6 } : {}), httpPort, httpsPort, cert: issueCertificate(ca, { names: [domain, `*.${domain}`] }) });
    dns.proxyEdge = edge;
    const world: ReplicaWorld = {
        domain,
        www,
        ca,
        dns,
        oldSite,
        newSite,
        edge,
        net: { dnsServers: [dns.address], httpPort, httpsPort, caPem: ca.certPem, timeoutMs: 3_000, attempts: 2 },
        pointAt(which, t = ttl) {
            const address = which === "old" ? oldHost : newHost;
            dns.set(domain, "A", [address], t);
            dns.set(www, "A", [address], t);
        },
        issue(names, notBefore, notAfter) {
            return issueCertificate(ca, { names, notBefore, notAfter });
        },
        async close() {
            await Promise.all([oldSite.close(), newSite.close(), edge.close(), dns.close()]);
        },
    };
    world.pointAt(opts.pointAt ?? "new");
    return world;
}
