// The go-live of a website on Vercel with DNS at Cloudflare, one phase per `pulumi up`
// (golive:phase = adopt → prepare → cutover; the previous phase is the rollback). Plan:
// docs/plan-mep.md. Everything site-specific comes from the stack config (Pulumi.<stack>.yaml),
// read and validated once (program/programConfig.ts).
//
// The stages, in the plan's order: the Vercel site; the certificate (before H); the new site
// verified before the switch; the DNS records (the switch itself, after those checks at cutover);
// the checks only the switch can fail; the release steps. Everything a visitor could see is proven
// on the new host before DNS moves.
import * as pulumi from "@pulumi/pulumi";
import { refusingBadConfig } from "./config/config";
import { suiteSettingsOf } from "./config/checksConfig";
import { loadProgramConfig, type ProgramConfig } from "./program/programConfig";
import { describeRelease } from "./program/releaseRef";
import { planSiteRecords } from "./program/dnsPlan";
import { caaToAdd, checklistFacts, lookupZone, pinsOf, refuseAdoptChanges, siteArgsOf, siteChecksTargets, siteRecordOf, stackOutputs, vercelTargets } from "./program/program";
import { certificateAfterSwitch } from "./checks/certificateFact";
import type { CheckResult } from "./checks/types";
import { VercelSite } from "./components/vercelSite";
import { VerifiedDomains } from "./components/verifiedDomains";
import { SiteCertificate } from "./components/siteCertificate";
import { PreSwitchChecks } from "./components/preSwitchChecks";
import { DnsRecords } from "./components/dnsRecords";
import { SITE_RECORDS_NAME } from "./components/recordsFirst";
import { PostDeployChecks } from "./components/postDeployChecks";
import { ServiceChecks } from "./components/serviceChecks";
import { ReleaseSteps } from "./components/releaseSteps";

/** The go-live's stages for one phase, from the validated config; resolves to the stack outputs. */
async function goLive(p: ProgramConfig): Promise<Record<string, pulumi.Input<unknown>>> {
    const { cfg } = p;
    const cutover = cfg.phase === "cutover";
    const settings = suiteSettingsOf(cfg.domain, p.checks);
    const net = p.checks.network;
    const wait = { timeoutMs: p.certificate.timeoutSeconds * 1000, pollMs: p.certificate.pollSeconds * 1000, ...(p.checks.authoritativeNameservers ? { authoritative: [...p.checks.authoritativeNameservers] } : {}), ...(p.checks.resolvers ? { resolvers: [...p.checks.resolvers] } : {}) };

    // P-03/P-04: the zone exists (and is active at cutover); adopt refuses any difference with the live records.
    const zone = await lookupZone(cfg.domain, cfg.phase);
    if (cfg.phase === "adopt") await refuseAdoptChanges(cfg, zone.id);

    // MEP-02..MEP-05: the Vercel project, its variables, the frozen release deployed, both domains;
    // from prepare on, while DNS still points to the old host.
    const site = cfg.phase !== "adopt" ? new VercelSite("site", { ...siteArgsOf(cfg), buildTimeoutSeconds: p.buildTimeoutSeconds }) : undefined;
    const targets = site ? vercelTargets(cfg, site) : undefined;
    const domains = site
        ? new VerifiedDomains("domains", { zoneId: zone.id, zone: cfg.domain, projectId: site.projectId, projectName: cfg.vercel.projectName, domains: [{ label: "apex", domain: site.apexDomain }, { label: "www", domain: site.wwwDomain }], api: p.api, wait, ...(net ? { net } : {}) })
        : undefined;

    // MEP-08 before H: CAA lets Let's Encrypt issue; Vercel's certificate by DNS-01.
    const caa = await caaToAdd(cfg, zone.id);
    const certificate = site
        ? new SiteCertificate("certificate", { zoneId: zone.id, domain: cfg.domain, caaLetsEncrypt: caa, preIssue: p.certificate.preIssue, api: p.api, publishChallenges: cfg.phase === "prepare", wait, ...(net ? { net } : {}), after: domains!.checks })
        : undefined;

    // The new site verified before the switch, names pinned to Vercel (recorded at prepare, enforced at cutover).
    const preSwitch =
        site && certificate && targets
            ? new PreSwitchChecks("preswitch", {
                  settings,
                  services: p.services,
                  ...(net ? { net } : {}),
                  pins: pinsOf(cfg, targets),
                  certificate: certificate.certificate,
                  deploymentUrl: site.deploymentUrl,
                  enforce: cutover,
                  triggers: pulumi.all([site.deploymentId, pinsOf(cfg, targets), certificate.certificate]).apply(([d, pins, c]) => ({ deployment: d, pins: JSON.stringify(pins), certificate: c.id ?? c.status })),
                  ...(p.checks.nonce !== undefined ? { nonce: p.checks.nonce } : {}),
              })
            : undefined;

    // MEP-06: apex and www updated in place; at cutover only once the pre-switch checks passed.
    const planned = planSiteRecords(cfg, zone.id, targets);
    const [apexPlan, wwwPlan] = planned;
    const dns = new DnsRecords(SITE_RECORDS_NAME, {
        zoneId: zone.id,
        ...(apexPlan.spec ? { apex: apexPlan.spec } : {}),
        ...(wwwPlan.spec ? { www: wwwPlan.spec } : {}),
        // At cutover only once the pre-switch checks passed; at prepare (the TTL lowered) only once
        // Vercel took both domains: a domain it refuses stops prepare before any record changes.
        ...(cutover && preSwitch ? { after: [preSwitch] } : site ? { after: [site.wwwDomain, site.apexDomain] } : {}),
    });
    const records = { apex: siteRecordOf(apexPlan, dns.apex), www: siteRecordOf(wwwPlan, dns.www) };

    // After the switch, what only it can break: MEP-07 propagation, the certificate and the site
    // through public DNS (MEP-08..MEP-11, MEP-14), then MEP-15 and MEP-16's realtime visit.
    let results: pulumi.Output<CheckResult[]> = pulumi.output([]);
    const checkResources: pulumi.Resource[] = [];
    if (cutover) {
        const checkTargets = siteChecksTargets(records, site);
        // Without a certificate before the switch, MEP-08 waits for Vercel's (a gap the preview announced).
        const certWaitMs = certificate ? certificate.certificate.apply((c) => (certificateAfterSwitch(c) ? settings.certWaitMs ?? 0 : 0)) : settings.certWaitMs ?? 0;
        const postSwitch = new PostDeployChecks("checks", { settings: { ...settings, certWaitMs, expected: checkTargets.expected }, net, triggers: checkTargets.triggers, nonce: p.checks.nonce });
        const services = new ServiceChecks("services", { site: settings, settings: p.services, net, triggers: checkTargets.triggers, nonce: p.checks.nonce, dependsOn: [postSwitch], only: ["searchConsole", "analytics"] });
        results = pulumi.all([site ? preSwitch!.results : [], postSwitch.results, services.results]).apply(([pre, a, b]) => [...pre, ...a, ...b]);
        checkResources.push(postSwitch, services);
    } else if (preSwitch) {
        results = preSwitch.results;
    }

    // MEP-01 / MEP-17 messages, MEP-18 production tag, and the plan's checklist (traceability).
    const view = { cfg, zone, records, caaAdded: caa.map((c) => c.name), ...(site ? { site } : {}), ...(certificate ? { certificate: certificate.certificate } : {}), ...(preSwitch ? { preSwitch: preSwitch.results } : {}), ...(domains ? { domains: domains.results } : {}) };
    const release = new ReleaseSteps("release", {
        phase: cfg.phase,
        domain: cfg.domain,
        siteUrl: `https://${cfg.wwwDomain}/`,
        releaseRef: p.frozen ? describeRelease(p.frozen) : cfg.vercel.releaseRef,
        ...(p.frozen?.commit ? { commit: p.frozen.commit } : {}),
        deploymentUrl: site?.deploymentUrl,
        checks: results,
        checkResources,
        config: p.release,
        net,
        facts: checklistFacts(view),
    });

    return { ...stackOutputs(view), checks: results, tag: release.tagFact, checklist: release.checklist };
}

const program = () => refusingBadConfig(async () => goLive(loadProgramConfig()));

// The program is the module itself (Pulumi calls it); `goLive` is exposed for the tests.
export = Object.assign(program, { goLive });
