// The go-live of a website on Vercel with DNS at Cloudflare, one phase per `pulumi up`
// (golive:phase = adopt → prepare → cutover; the previous phase is the rollback). Plan:
// docs/plan-mep.md. Everything site-specific comes from the stack config
// (Pulumi.<stack>.yaml), read and validated once by the lib/*Config modules.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig, refuseUndeclaredKeys, refusingBadConfig } from "./lib/config";
import { loadChecksConfig, suiteSettingsOf } from "./lib/checksConfig";
import { loadServicesConfig } from "./lib/servicesConfig";
import { loadReleaseConfig } from "./lib/releaseConfig";
import { describeRelease, pinnedToCommit, resolveReleaseRef } from "./lib/releaseRef";
import { buildGoLive, siteChecksTargets } from "./lib/program";
import { PostDeployChecks } from "./components/postDeployChecks";
import { ServiceChecks } from "./components/serviceChecks";
import { ReleaseSteps } from "./components/releaseSteps";

export = () => refusingBadConfig(async () => {
    // Every key validated before any resource is declared; the go/no-go gates that config alone
    // decides throw here: P-01 approval, P-05 env values, MEP-02 release ref. A `golive:` key that
    // Pulumi.yaml does not declare (a typo the engine would ignore) is refused first.
    refuseUndeclaredKeys();
    const cfg = loadConfig();
    const checksCfg = loadChecksConfig();
    const servicesCfg = loadServicesConfig();
    const releaseCfg = loadReleaseConfig();

    // MEP-02: from prepare on, the frozen ref is resolved to its commit where the site's repository
    // can be read (golive:release): Vercel builds it and MEP-18 tags it.
    const frozen = cfg.vercel.releaseRef && cfg.phase !== "adopt" ? resolveReleaseRef(cfg.vercel.releaseRef, releaseCfg.release) : undefined;

    // P-03/P-04 zone gate; MEP-04 deployment of the frozen ref and MEP-05 both domains (from
    // prepare on); MEP-06 apex and www records, updated in place phase after phase.
    const golive = await buildGoLive(pinnedToCommit(cfg, frozen));
    const settings = suiteSettingsOf(cfg.domain, checksCfg);
    const net = checksCfg.network;

    let results: pulumi.Output<pulumi.Unwrap<PostDeployChecks["results"]>> = pulumi.output([]);
    const checkResources: pulumi.Resource[] = [];
    if (golive.phase === "cutover") {
        // The checks read what the records and the deployment became: they run after them, and
        // again whenever one of them changes (or golive:checks.nonce does).
        const targets = siteChecksTargets(golive);
        // MEP-07 DNS, MEP-08 TLS, MEP-09 HTTPS, MEP-10 redirects, MEP-11 smoke test, MEP-14 SEO (+P-02).
        const site = new PostDeployChecks("checks", { settings: { ...settings, expected: targets.expected }, net, triggers: targets.triggers, nonce: checksCfg.nonce });
        // MEP-12 contact form, MEP-13 PageSpeed, MEP-15 Search Console, MEP-16 Analytics.
        const services = new ServiceChecks("services", { site: settings, settings: servicesCfg, net, triggers: targets.triggers, nonce: checksCfg.nonce, dependsOn: [site] });
        results = pulumi.all([site.results, services.results]).apply(([a, b]) => [...a, ...b]);
        checkResources.push(site, services);
    }

    // MEP-01 / MEP-17 messages, MEP-18 production tag, and the plan's checklist (traceability).
    const release = new ReleaseSteps("release", {
        phase: golive.phase,
        domain: cfg.domain,
        siteUrl: golive.urls.site,
        releaseRef: frozen ? describeRelease(frozen) : cfg.vercel.releaseRef,
        ...(frozen?.commit ? { commit: frozen.commit } : {}),
        deploymentUrl: golive.site?.deploymentUrl,
        checks: results,
        checkResources,
        config: releaseCfg,
        net,
        facts: golive.facts,
    });

    return { ...golive.outputs, checks: results, checklist: release.checklist };
});
