// What a resource of the program is, in the plan's words: the guided commands show previews and
// progress as "MEP-06 DNS record dns-www", not as type tokens. Pure: reads type tokens and names.
import { CHECKS } from "../checks/suite";
import type { PlanId } from "../checks/types";

export const DNS_RECORD_TYPE = "cloudflare:index/dnsRecord:DnsRecord";
/** Type tokens of the check resources: `pulumi-nodejs:dynamic/golive:<Check>`. */
const DYNAMIC_PREFIX = "pulumi-nodejs:dynamic";

export interface StepLabel {
    /** The plan line the resource implements, when it implements one. */
    id?: PlanId;
    /** What it is: "DNS record", "Vercel deployment", "DNS propagation" (a check)... */
    what: string;
    /** A post-deploy or outside-service check (MEP-07..MEP-16). */
    check: boolean;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

const VERCEL: Record<string, { id: PlanId; what: string }> = {
    "vercel:index/project:Project": { id: "MEP-04", what: "Vercel project" },
    "vercel:index/deployment:Deployment": { id: "MEP-04", what: "Vercel production deployment" },
    "vercel:index/projectDomain:ProjectDomain": { id: "MEP-05", what: "Vercel domain" },
    "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable": { id: "P-05", what: "Vercel production variable" },
};

/** The resource's logical name: the last part of its URN. */
export function nameOfUrn(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** The resource's type: the last of the URN's qualified types (parents come first, `$`-separated). */
export function typeOfUrn(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** The site's own records (apex, www) and the program's CAA records: never deleted or replaced unasked. */
export function isSiteRecord(type: string, name: string): boolean {
    return type === DNS_RECORD_TYPE && /^dns-/.test(name);
}

/** A check run against the new host before the switch (components/preSwitchChecks.ts). */
export function isPreSwitch(name: string): boolean {
    return name.startsWith("preswitch-");
}

/** Dynamic resources of the program that are not among the suite's checks. */
const OWN_STEPS: Record<string, StepLabel> = {
    CertificateOrder: { id: "MEP-08", what: "certificate order (DNS-01)", check: false },
    CertificateIssuance: { id: "MEP-08", what: "certificate issuance", check: false },
    DomainVerification: { id: "MEP-05", what: "Domain verification", check: true },
};

export function labelOf(type: string, name: string): StepLabel {
    if (type === DNS_RECORD_TYPE) {
        if (/-caa-/.test(name)) return { id: "MEP-08", what: "CAA record (Let's Encrypt)", check: false };
        if (/-acme-/.test(name)) return { id: "MEP-08", what: "DNS-01 challenge record", check: false };
        if (/-txt-/.test(name)) return { id: "MEP-05", what: "domain verification record", check: false };
        return { id: "MEP-06", what: "DNS record", check: false };
    }
    const vercel = VERCEL[type];
    if (vercel) return { ...vercel, check: false };
    if (type.startsWith(DYNAMIC_PREFIX)) {
        const kind = type.split(":").pop() ?? "";
        if (kind === "Notification") return { id: /-end$/.test(name) ? "MEP-17" : "MEP-01", what: "webhook message", check: false };
        if (OWN_STEPS[kind]) return OWN_STEPS[kind];
        const check = CHECKS.find((c) => norm(c.name) === norm(kind));
        return check ? { id: check.id, what: check.name, check: true } : { what: kind, check: false };
    }
    if (type === "command:local:Command" && /-tag/.test(name)) return { id: "MEP-18", what: "production tag", check: false };
    return { what: type.split(":").pop() ?? type, check: false };
}

/** "MEP-06 DNS record dns-www"; a check before the switch says so. */
export function describeStep(type: string, name: string): string {
    const l = labelOf(type, name);
    return `${l.id ? `${l.id} ` : ""}${l.what}${l.check && isPreSwitch(name) ? " (before the switch)" : ""} ${name}`;
}
