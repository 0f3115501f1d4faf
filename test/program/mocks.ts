// Pulumi mocks for the go-live program: records every registration and answers the invokes the
// program makes (Cloudflare zone and CAA records, Vercel domain config). Any other invoke throws,
// so a new data source cannot slip by untested.
import * as pulumi from "@pulumi/pulumi";
import type { RawConfigSource } from "../../config/config";
import type { CaaRecord, CloudflareRecordView } from "../../program/dnsPlan";

export interface Registration {
    type: string;
    name: string;
    inputs: Record<string, any>;
    custom: boolean;
    /** The import id, when the resource is imported. */
    importId?: string;
}

export interface World {
    zoneName?: string;
    zoneStatus?: string;
    /** Throw from getZone (zone not found, bad token). */
    zoneError?: string;
    caa?: CaaRecord[];
    /** Per domain: what getDomainConfig recommends. */
    domainConfig?: Record<string, { recommendedIpv4s: string[]; recommendedCname: string }>;
    /** Records at Cloudflare by id (getDnsRecord); default: LIVE, as golive:liveRecords declares them. */
    records?: Record<string, CloudflareRecordView>;
    /** Run as `pulumi preview` does (outputs of resources to create are unknown). */
    preview?: boolean;
    /** Per resource type: how long its creation takes (ms), to see what waits for it. */
    createMs?: Record<string, number>;
    /** Per domain: Vercel holds it unverified and asks for these records (ProjectDomain outputs). */
    unverified?: Record<string, Array<{ type: string; domain: string; value: string; reason: string }>>;
    /** What the certificate order answers (default: ordered, one challenge per name). */
    order?: { status: "ordered" | "exists" | "refused"; reason?: string; code?: string };
    /** What the issuance answers (default: issued). */
    certificate?: { status: "issued" | "exists" | "pending" | "refused"; reason?: string };
}

export const ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
export const VERCEL_IPV4 = "216.198.79.1";
export const VERCEL_CNAME = "d1f3e5a7b9c1d3e5.vercel-dns-017.com";

export interface Recorder {
    registrations: Registration[];
    invokes: string[];
    /** In order: `created <name>` when a resource's creation ends, `invoke <token>` when an invoke is made. */
    events: string[];
    /** The URN the engine gave each registered resource, by name. */
    urns: Record<string, string>;
}

export function setGoLiveMocks(world: World = {}): Recorder {
    const rec: Recorder = { registrations: [], invokes: [], events: [], urns: {} };
    pulumi.runtime.setMocks(
        {
            async newResource(args: pulumi.runtime.MockResourceArgs) {
                rec.registrations.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    custom: args.custom ?? false,
                    ...(args.id ? { importId: args.id } : {}),
                });
                const id = args.id ? args.id.split("/").pop()! : `${args.name}-id`;
                const state: Record<string, any> = { ...args.inputs };
                if (args.type === "vercel:index/deployment:Deployment") state.url = "kalia-beauty-studio-abc123.vercel.app";
                if (args.type === "vercel:index/projectDomain:ProjectDomain") {
                    const asked = world.unverified?.[args.inputs.domain];
                    state.verified = !asked;
                    state.verifications = asked ?? [];
                }
                if (args.type === "pulumi-nodejs:dynamic/golive:CertificateOrder") {
                    const names: string[] = args.inputs.names ?? [];
                    const status = world.order?.status ?? "ordered";
                    state.order = {
                        status,
                        names,
                        challenges: status === "ordered" ? names.map((n) => ({ name: `_acme-challenge.${n}`, value: `challenge-${n}` })) : [],
                        reason: world.order?.reason ?? "mocked order",
                        ...(world.order?.code ? { code: world.order.code } : {}),
                        at: "2026-12-01T10:00:00.000Z",
                    };
                }
                if (args.type === "pulumi-nodejs:dynamic/golive:CertificateIssuance") {
                    const status = world.certificate?.status ?? (args.inputs.order?.status === "ordered" ? "issued" : args.inputs.order?.status ?? "issued");
                    state.certificate = {
                        status,
                        names: args.inputs.order?.names ?? [],
                        ...(status === "issued" ? { id: "cert_mocked", issuedAt: "2026-12-01T10:05:00.000Z", expiresAt: "2027-03-01T10:05:00.000Z", via: "dns-01" } : {}),
                        reason: world.certificate?.reason ?? args.inputs.order?.reason ?? "mocked",
                    };
                }
                // A check resource's provider would run the check; here it reports a pass.
                if (args.type.startsWith("pulumi-nodejs:dynamic/golive:")) {
                    const type = args.type.split(":").pop()!;
                    state.result = { id: args.name, name: type, status: "pass", reason: "mocked", evidence: {}, durationMs: 0 };
                }
                const ms = world.createMs?.[args.type];
                if (ms) await new Promise((r) => setTimeout(r, ms));
                rec.events.push(`created ${args.name}`);
                return { id, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                rec.invokes.push(args.token);
                rec.events.push(`invoke ${args.token}`);
                switch (args.token) {
                    case "cloudflare:index/getZone:getZone":
                        // The SDK rejects an invoke with the engine's words (the gRPC error's details), as under the engine.
                        if (world.zoneError) throw Object.assign(new Error(world.zoneError), { details: world.zoneError });
                        return {
                            id: ZONE_ID,
                            name: world.zoneName ?? args.inputs.filter?.name,
                            status: world.zoneStatus ?? "active",
                            nameServers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
                        };
                    case "cloudflare:index/getDnsRecord:getDnsRecord": {
                        if (args.inputs.zoneId !== ZONE_ID) throw new Error(`unexpected getDnsRecord ${JSON.stringify(args.inputs)}`);
                        const found = (world.records ?? liveAtCloudflare())[args.inputs.dnsRecordId];
                        if (!found) throw new Error(`Record does not exist. (81044)`);
                        return { zoneId: ZONE_ID, dnsRecordId: args.inputs.dnsRecordId, id: args.inputs.dnsRecordId, comment: "", tags: [], ...found };
                    }
                    case "cloudflare:index/getDnsRecords:getDnsRecords":
                        if (args.inputs.zoneId !== ZONE_ID || args.inputs.type !== "CAA") throw new Error(`unexpected getDnsRecords ${JSON.stringify(args.inputs)}`);
                        return { results: world.caa ?? [] };
                    case "vercel:index/getDomainConfig:getDomainConfig": {
                        const domain = args.inputs.domain as string;
                        const found = world.domainConfig?.[domain] ?? {
                            recommendedIpv4s: [VERCEL_IPV4],
                            recommendedCname: VERCEL_CNAME,
                        };
                        return { domain, projectIdOrName: args.inputs.projectIdOrName, id: domain, ...found };
                    }
                    default:
                        throw new Error(`unexpected invoke ${args.token}`);
                }
            },
        },
        "golive",
        "prod",
        world.preview ?? false,
    );
    // The URN of every registration, from the mock monitor's answers (tests of URN stability).
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): { registerResource: (req: any, cb: any) => void } };
    const monitor = settings.getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) =>
        register(req, (err: any, resp: any) => {
            if (!err && resp) rec.urns[req.getName()] = resp.getUrn();
            cb(err, resp);
        });
    return rec;
}

/** Resolves an Output's value (never use with unknowns: `apply` would not run). */
export function unwrap<T>(output: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Resolves every Output inside a plain structure (stack outputs). */
export async function unwrapDeep(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) return unwrapDeep(await unwrap(value as pulumi.Output<unknown>));
    if (Array.isArray(value)) return Promise.all(value.map(unwrapDeep));
    if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await unwrapDeep(v);
        return out;
    }
    return value;
}

/** Lets pending registrations reach the mocks. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export const SECRET_VALUES = { RESEND_API_KEY: "re_live_0123456789abcdef", CONTACT_TO_EMAIL: "contact@kaliabeautystudio.com", NEXT_PUBLIC_GA_MEASUREMENT_ID: "G-KALIA12345" };

export const LIVE = {
    apex: { id: "11111111111111111111111111111111", type: "A", content: "198.51.100.7", ttl: 3600, proxied: false },
    www: { id: "22222222222222222222222222222222", type: "CNAME", content: "kalia.oldhost.example.net", ttl: 3600, proxied: false },
};

/** LIVE as Cloudflare holds it, by record id (what getDnsRecord answers by default). */
export function liveAtCloudflare(over: { apex?: Partial<CloudflareRecordView>; www?: Partial<CloudflareRecordView> } = {}): Record<string, CloudflareRecordView> {
    return {
        [LIVE.apex.id]: { name: "kaliabeautystudio.com", ...LIVE.apex, comment: null, ...over.apex },
        [LIVE.www.id]: { name: "www.kaliabeautystudio.com", ...LIVE.www, comment: null, ...over.www },
    };
}

/** A complete prod-like config for `phase` (values as the engine passes them: text or JSON). */
export function prodConfig(phase: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        domain: "kaliabeautystudio.com",
        phase,
        redirectStatus: 308,
        ttl: 60,
        gitRepo: "kalia-beauty-studio/website",
        releaseRef: "9f3c2e1a7b5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b",
        envVars: Object.keys(SECRET_VALUES),
        envValues: SECRET_VALUES,
        liveRecords: LIVE,
        approvedBy: "Kalia (client)",
        approvedAt: "2026-11-20T18:00:00+01:00",
        ...overrides,
    };
}

/** A RawConfigSource over a plain map; `secretKeys` are reported as stored encrypted. */
export function rawFrom(values: Record<string, unknown>, secretKeys: string[] = ["envValues"]): RawConfigSource {
    return {
        get(key) {
            const v = values[key];
            if (v === undefined) return undefined;
            return typeof v === "string" ? v : JSON.stringify(v);
        },
        isSecret: (key) => secretKeys.includes(key),
    };
}

export function byType(regs: Registration[], type: string): Registration[] {
    return regs.filter((r) => r.type === type);
}

export function byName(regs: Registration[], name: string): Registration {
    const found = regs.filter((r) => r.name === name);
    if (found.length !== 1) throw new Error(`expected one registration named ${name}, got ${found.length}`);
    return found[0];
}
