// What the program's stages need besides the components, pure or read-only (no resource is
// declared here): the Cloudflare zone lookup and its P-03/P-04 gate, adopt's comparison with the
// live records, Vercel's recommended targets, the CAA decision, the pins of the checks before the
// switch, and the stack outputs and checklist facts built from the stages.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as vercel from "@pulumiverse/vercel";
import { ConfigError, GoLiveConfig, NAMESPACE, Phase } from "../config/config";
import { zoneLookupError } from "./zoneLookup";
import { liveRecordDifferences, namesNeedingLetsEncrypt, pickCname, pickIpv4, PlannedRecord, VercelTargets } from "./dnsPlan";
import type { VercelSite, VercelSiteArgs } from "../components/vercelSite";
import type { StackFacts } from "../components/releaseSteps";
import type { CertificateFact } from "../checks/certificateFact";
import type { CheckResult } from "../checks/types";

export interface Zone {
    id: string;
    name: string;
    status: string;
}

/** One site record: what it was, what it becomes, what this phase declares. */
export interface SiteRecord {
    name: string;
    /** Type at Vercel (cutover). */
    type: string;
    oldContent?: string;
    newContent?: pulumi.Output<string>;
    /** The Cloudflare record of this phase; undefined when none is declared yet (first site before cutover). */
    resource?: cloudflare.DnsRecord;
    /** Content this phase declares (what resolvers will answer once propagated). */
    expectedContent?: pulumi.Output<string>;
}

/** What the stack outputs and the checklist say about the site and its records, from the stages. */
export interface StagesView {
    cfg: GoLiveConfig;
    zone: Zone;
    records: { apex: SiteRecord; www: SiteRecord };
    /** Names given a Let's Encrypt CAA record (MEP-08). */
    caaAdded: string[];
    site?: Pick<VercelSite, "projectId" | "deploymentId" | "deploymentUrl">;
    /** MEP-08 before H: the certificate as prepare left it. */
    certificate?: pulumi.Output<CertificateFact>;
    /** The checks run against the new host before the switch (prepare: recorded; cutover: enforced). */
    preSwitch?: pulumi.Output<CheckResult[]>;
    /** MEP-05: the domains' verification on Vercel. */
    domains?: pulumi.Output<CheckResult[]>;
}

/** What the post-deploy checks compare against, and what re-runs them when it changes. */
export interface ChecksTargets {
    /** MEP-07: the contents the records hold once applied (lower case, no trailing dot). */
    expected: pulumi.Output<{ apex: string[]; www: string[] }>;
    /** The records' contents and the deployment id: read from the resources, so every check waits for them. */
    triggers: pulumi.Output<Record<string, string>>;
}

/** The checks' targets at cutover, taken from the applied records and the deployment. */
export function siteChecksTargets(records: { apex: SiteRecord; www: SiteRecord }, site: Pick<VercelSite, "deploymentId"> | undefined): ChecksTargets {
    const applied = (r: SiteRecord): pulumi.Output<string[]> =>
        r.resource ? r.resource.content.apply((c) => (c ? [c.toLowerCase().replace(/\.$/, "")] : [])) : pulumi.output([]);
    const expected = pulumi.all([applied(records.apex), applied(records.www)]).apply(([apex, www]) => ({ apex, www }));
    const deployment = site ? site.deploymentId : pulumi.output("");
    const triggers = pulumi.all([expected, deployment]).apply(([e, d]): Record<string, string> => ({ apex: e.apex.join(","), www: e.www.join(","), deployment: d }));
    return { expected, triggers };
}

/**
 * Looks the zone up by name. At cutover the zone must be active (P-03 domain bought, P-04
 * registrar points at Cloudflare's name servers): otherwise the new records would not be served.
 */
export async function lookupZone(domain: string, phase: Phase): Promise<Zone> {
    let zone: cloudflare.GetZoneResult;
    try {
        zone = await cloudflare.getZone({ filter: { name: domain } });
    } catch (err) {
        throw zoneLookupError(domain, err);
    }
    if (!zone || zone.name !== domain || !zone.id) {
        throw new ConfigError(`${NAMESPACE}:domain ${domain}: Cloudflare returned zone ${JSON.stringify(zone?.name)} instead (P-03/P-04)`);
    }
    if (phase === "cutover" && zone.status !== "active") {
        throw new ConfigError(
            `${NAMESPACE}:domain ${domain}: the Cloudflare zone status is ${JSON.stringify(zone.status)}, not "active" (P-03/P-04): ` +
                `the registrar must delegate the domain to Cloudflare's name servers (${(zone.nameServers ?? []).join(", ")}) before cutover`,
        );
    }
    return { id: zone.id, name: zone.name, status: zone.status };
}

/**
 * adopt changes nothing: each record golive:liveRecords names, read through the provider (an invoke
 * with known arguments, so it runs at `pulumi preview` too), must be exactly what is declared.
 * The engine imports a record and then updates it to the declared inputs, so a difference would
 * repoint or re-TTL the live site; it is refused here, before anything is declared.
 */
export async function refuseAdoptChanges(cfg: GoLiveConfig, zoneId: string): Promise<void> {
    const problems = await Promise.all(
        (["apex", "www"] as const).map(async (which) => {
            const declared = cfg.dns.live[which];
            if (!declared) return [];
            let live: cloudflare.GetDnsRecordResult;
            try {
                live = await cloudflare.getDnsRecord({ zoneId, dnsRecordId: declared.id });
            } catch (err) {
                return [`${NAMESPACE}:liveRecords.${which}.id ${declared.id}: Cloudflare has no such record in the zone (${(err as Error).message})`];
            }
            const diffs = liveRecordDifferences(which, cfg.domain, declared, live);
            // After prepare the live TTL is golive:ttl: the stack is past adopt.
            if (diffs.length > 0 && live.ttl === cfg.ttl && declared.ttl !== cfg.ttl) {
                diffs.push(`the live TTL is golive:ttl: if this stack already ran prepare, do not run adopt again (roll back to prepare instead)`);
            }
            return diffs;
        }),
    );
    const all = problems.flat();
    if (all.length > 0) {
        throw new ConfigError(
            `adopt would change the live records (the engine imports a record, then updates it to what is declared): ${all.join("; ")}. ` +
                `Copy the live values into ${NAMESPACE}:liveRecords (Cloudflare dashboard, or GET /zones/<zone>/dns_records/<id>)`,
        );
    }
}

/**
 * What Vercel recommends for apex and www, with the documented defaults as fallback. Asked once
 * both domains exist on the project (before that Vercel has no config for them): the invokes
 * depend on the ProjectDomain resources, so they run after those are created, and at preview
 * only when they already exist.
 */
export function vercelTargets(cfg: GoLiveConfig, site: Pick<VercelSite, "projectId" | "wwwDomain" | "apexDomain">): VercelTargets {
    const afterDomains = { dependsOn: [site.wwwDomain, site.apexDomain] };
    const apex = vercel.getDomainConfigOutput({ domain: cfg.domain, projectIdOrName: site.projectId }, afterDomains);
    const www = vercel.getDomainConfigOutput({ domain: cfg.wwwDomain, projectIdOrName: site.projectId }, afterDomains);
    return {
        apexIpv4: apex.apply((c) => pickIpv4(c.recommendedIpv4s)),
        wwwIpv4: www.apply((c) => pickIpv4(c.recommendedIpv4s)),
        wwwCname: www.apply((c) => pickCname(c.recommendedCname)),
    };
}

/** The Vercel site of the config (MEP-02..MEP-05): what components/vercelSite.ts declares. */
export function siteArgsOf(cfg: GoLiveConfig): VercelSiteArgs {
    return {
        projectName: cfg.vercel.projectName,
        ...(cfg.vercel.framework ? { framework: cfg.vercel.framework } : {}),
        gitRepository: { type: cfg.vercel.git.type, repo: cfg.vercel.git.repo, productionBranch: cfg.vercel.git.productionBranch },
        releaseRef: cfg.vercel.releaseRef!, // required from prepare on by config/config
        codeFreeze: cfg.vercel.codeFreeze,
        envVars: cfg.vercel.envVars,
        apexDomain: cfg.domain,
        wwwDomain: cfg.wwwDomain,
        redirectStatus: cfg.redirectStatus,
    };
}

/**
 * MEP-08: the names whose CAA set keeps Let's Encrypt (Vercel's CA) from issuing. Listed once per
 * run, the program's own records (added at prepare) recognised by their comment, so later phases
 * keep them. Only from prepare on (adopt changes nothing).
 */
export async function caaToAdd(cfg: GoLiveConfig, zoneId: string): Promise<Array<{ label: "apex" | "www"; name: string; ttl: number }>> {
    if (cfg.phase === "adopt") return [];
    const listed = await cloudflare.getDnsRecords({ zoneId, type: "CAA" });
    return namesNeedingLetsEncrypt(cfg.domain, listed.results ?? []).map((c) => ({ ...c, ttl: cfg.ttl }));
}

/**
 * The site's names pinned to what Vercel recommends for them (the apex's address; www's CNAME
 * target or address, as the www record will hold it): how the pre-switch checks reach the new host
 * while public DNS still points at the old one.
 */
export function pinsOf(cfg: GoLiveConfig, targets: VercelTargets): pulumi.Output<Record<string, string>> {
    return pulumi
        .all([targets.apexIpv4, cfg.dns.wwwType === "CNAME" ? targets.wwwCname : targets.wwwIpv4])
        .apply(([apex, www]) => ({ [cfg.domain]: apex, [cfg.wwwDomain]: www.toLowerCase().replace(/\.$/, "") }));
}

/** One site record of the phase: what it was, what it becomes, and the resource that holds it. */
export function siteRecordOf(p: PlannedRecord, resource: cloudflare.DnsRecord | undefined): SiteRecord {
    return {
        name: p.name,
        type: p.newType,
        ...(p.oldContent !== undefined ? { oldContent: p.oldContent } : {}),
        ...(p.newContent !== undefined ? { newContent: pulumi.output(p.newContent) } : {}),
        ...(resource ? { resource, expectedContent: pulumi.output(p.spec!.content) } : {}),
    };
}

function recordOutput(r: SiteRecord) {
    return {
        name: r.name,
        type: r.resource ? r.resource.type : r.type,
        oldContent: r.oldContent ?? null,
        newContent: r.newContent ?? null,
        content: r.resource ? r.resource.content : null,
        ttl: r.resource ? r.resource.ttl : null,
        proxied: r.resource ? r.resource.proxied : null,
        recordId: r.resource ? r.resource.id : null,
    };
}

/** The stack outputs of the stages: no secret among them. */
export function stackOutputs(v: StagesView): Record<string, pulumi.Input<unknown>> {
    const { cfg, zone } = v;
    return {
        phase: cfg.phase,
        urls: { site: `https://${cfg.wwwDomain}/`, apex: `https://${cfg.domain}/` },
        redirect: { from: cfg.domain, to: cfg.wwwDomain, status: cfg.redirectStatus },
        zone: { id: zone.id, name: zone.name, status: zone.status },
        dnsRecords: { apex: recordOutput(v.records.apex), www: recordOutput(v.records.www) },
        caaLetsEncryptAdded: v.caaAdded,
        releaseRef: cfg.vercel.releaseRef ?? null,
        approval: cfg.approval ?? null,
        vercel: v.site
            ? {
                  projectId: v.site.projectId,
                  deploymentId: v.site.deploymentId,
                  deploymentUrl: v.site.deploymentUrl.apply(httpsUrl),
                  envVars: cfg.vercel.envVars.map((e) => e.key),
                  codeFreeze: cfg.vercel.codeFreeze,
              }
            : null,
        // MEP-05 and MEP-08 before hour H, and what the new host showed before the switch.
        domainsVerified: v.domains ?? null,
        certificate: v.certificate ?? null,
        preSwitch: v.preSwitch ?? null,
    };
}

/** What the go-live checklist says about this stack (program/report ChecklistFacts, no secrets). */
export function checklistFacts(v: StagesView): pulumi.Output<StackFacts> {
    const { cfg, zone } = v;
    return pulumi.output({
        stack: pulumi.getStack(),
        approval: cfg.approval ?? null,
        releaseRef: cfg.vercel.releaseRef ?? null,
        deploymentId: v.site ? v.site.deploymentId : null,
        zone: { name: zone.name, status: zone.status },
        envVars: cfg.vercel.envVars.map((e) => e.key),
        codeFreeze: v.site ? cfg.vercel.codeFreeze : null,
        dnsRecords: { apex: recordOutput(v.records.apex), www: recordOutput(v.records.www) },
        certificate: v.certificate ?? null,
        domainsVerified: v.domains ?? [],
    }) as pulumi.Output<StackFacts>;
}

/** A deployment URL as a link (the provider gives the bare host name). */
export function httpsUrl(u: string): string {
    return /^https?:\/\//.test(u) ? u : `https://${u}`;
}
