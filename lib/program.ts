// Builds the go-live stack from a validated GoLiveConfig: the Cloudflare zone lookup (and its
// P-03/P-04 gate), the Vercel site from `prepare` on, and the apex/www records of the phase.
// Returns the handles the post-deploy checks, the outside-service checks and the report need.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as vercel from "@pulumiverse/vercel";
import { ConfigError, GoLiveConfig, NAMESPACE, Phase } from "./config";
import { zoneLookupError } from "./zoneLookup";
import { liveRecordDifferences, namesNeedingLetsEncrypt, pickCname, pickIpv4, planSiteRecords, PlannedRecord, VercelTargets } from "./dnsPlan";
import { VercelSite } from "../components/vercelSite";
import { DnsRecords } from "../components/dnsRecords";
import type { StackFacts } from "../components/releaseSteps";

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

export interface GoLive {
    phase: Phase;
    zone: Zone;
    /** The Vercel project, env vars, deployment and domains; from `prepare` on. */
    site?: VercelSite;
    dns: DnsRecords;
    records: { apex: SiteRecord; www: SiteRecord };
    urls: { site: string; apex: string };
    /** Stack outputs: no secret among them. */
    outputs: Record<string, pulumi.Input<unknown>>;
    /** What the go-live checklist says about this stack (lib/report ChecklistFacts, no secrets). */
    facts: pulumi.Output<StackFacts>;
}

/** What the post-deploy checks compare against, and what re-runs them when it changes. */
export interface ChecksTargets {
    /** MEP-07: the contents the records hold once applied (lower case, no trailing dot). */
    expected: pulumi.Output<{ apex: string[]; www: string[] }>;
    /** The records' contents and the deployment id: read from the resources, so every check waits for them. */
    triggers: pulumi.Output<Record<string, string>>;
}

/** The checks' targets at cutover, taken from the applied records and the deployment. */
export function siteChecksTargets(golive: GoLive): ChecksTargets {
    const applied = (r: SiteRecord): pulumi.Output<string[]> =>
        r.resource ? r.resource.content.apply((c) => (c ? [c.toLowerCase().replace(/\.$/, "")] : [])) : pulumi.output([]);
    const expected = pulumi.all([applied(golive.records.apex), applied(golive.records.www)]).apply(([apex, www]) => ({ apex, www }));
    const deployment = golive.site ? golive.site.deploymentId : pulumi.output("");
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

export async function buildGoLive(cfg: GoLiveConfig): Promise<GoLive> {
    const zone = await lookupZone(cfg.domain, cfg.phase);
    const vercelPhase = cfg.phase !== "adopt";
    if (cfg.phase === "adopt") await refuseAdoptChanges(cfg, zone.id);

    // prepare: Vercel is set up while DNS still points to the old host (MEP-03..05).
    const site = vercelPhase
        ? new VercelSite("site", {
              projectName: cfg.vercel.projectName,
              ...(cfg.vercel.framework ? { framework: cfg.vercel.framework } : {}),
              gitRepository: { type: cfg.vercel.git.type, repo: cfg.vercel.git.repo, productionBranch: cfg.vercel.git.productionBranch },
              releaseRef: cfg.vercel.releaseRef!, // required from prepare on by lib/config
              codeFreeze: cfg.vercel.codeFreeze,
              envVars: cfg.vercel.envVars,
              apexDomain: cfg.domain,
              wwwDomain: cfg.wwwDomain,
              redirectStatus: cfg.redirectStatus,
          })
        : undefined;

    const planned = planSiteRecords(cfg, zone.id, site ? vercelTargets(cfg, site) : undefined);

    // MEP-08: only from prepare on (adopt changes nothing); CAA records are listed once per run,
    // the program's own (added at prepare) recognised by their comment, so cutover keeps them.
    let caa: Array<{ label: "apex" | "www"; name: string }> = [];
    if (vercelPhase) {
        const listed = await cloudflare.getDnsRecords({ zoneId: zone.id, type: "CAA" });
        caa = namesNeedingLetsEncrypt(cfg.domain, listed.results ?? []);
    }

    const [apexPlan, wwwPlan] = planned;
    const dns = new DnsRecords("dns", {
        zoneId: zone.id,
        ...(apexPlan.spec ? { apex: apexPlan.spec } : {}),
        ...(wwwPlan.spec ? { www: wwwPlan.spec } : {}),
        caaLetsEncrypt: caa.map((c) => ({ ...c, ttl: cfg.ttl })),
    });

    const summary = (p: PlannedRecord, resource: cloudflare.DnsRecord | undefined): SiteRecord => ({
        name: p.name,
        type: p.newType,
        ...(p.oldContent !== undefined ? { oldContent: p.oldContent } : {}),
        ...(p.newContent !== undefined ? { newContent: pulumi.output(p.newContent) } : {}),
        ...(resource ? { resource, expectedContent: pulumi.output(p.spec!.content) } : {}),
    });
    const records = { apex: summary(apexPlan, dns.apex), www: summary(wwwPlan, dns.www) };
    const urls = { site: `https://${cfg.wwwDomain}/`, apex: `https://${cfg.domain}/` };

    const recordOutput = (r: SiteRecord) => ({
        name: r.name,
        type: r.resource ? r.resource.type : r.type,
        oldContent: r.oldContent ?? null,
        newContent: r.newContent ?? null,
        content: r.resource ? r.resource.content : null,
        ttl: r.resource ? r.resource.ttl : null,
        proxied: r.resource ? r.resource.proxied : null,
        recordId: r.resource ? r.resource.id : null,
    });
    const outputs: Record<string, pulumi.Input<unknown>> = {
        phase: cfg.phase,
        urls,
        redirect: { from: cfg.domain, to: cfg.wwwDomain, status: cfg.redirectStatus },
        zone: { id: zone.id, name: zone.name, status: zone.status },
        dnsRecords: { apex: recordOutput(records.apex), www: recordOutput(records.www) },
        caaLetsEncryptAdded: caa.map((c) => c.name),
        releaseRef: cfg.vercel.releaseRef ?? null,
        approval: cfg.approval ?? null,
        vercel: site
            ? {
                  projectId: site.projectId,
                  deploymentId: site.deploymentId,
                  deploymentUrl: site.deploymentUrl.apply((u) => (/^https?:\/\//.test(u) ? u : `https://${u}`)),
                  envVars: cfg.vercel.envVars.map((v) => v.key),
                  codeFreeze: cfg.vercel.codeFreeze,
              }
            : null,
    };

    const facts = pulumi.output({
        stack: pulumi.getStack(),
        approval: cfg.approval ?? null,
        releaseRef: cfg.vercel.releaseRef ?? null,
        deploymentId: site ? site.deploymentId : null,
        zone: { name: zone.name, status: zone.status },
        envVars: cfg.vercel.envVars.map((v) => v.key),
        codeFreeze: site ? cfg.vercel.codeFreeze : null,
        dnsRecords: { apex: recordOutput(records.apex), www: recordOutput(records.www) },
    }) as pulumi.Output<StackFacts>;

    return { phase: cfg.phase, zone, ...(site ? { site } : {}), dns, records, urls, outputs, facts };
}
