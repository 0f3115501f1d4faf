// golive:checks:PreSwitch — the new site verified before DNS moves (as Argo Rollouts' pre-promotion
// analysis, or Vercel's checks before a production promotion). The same checks as `golive verify`,
// against Vercel with the site's names pinned to the targets Vercel recommends (as `curl --resolve`:
// SNI, Host and redirects through the pinned address) while public DNS still points at the old
// host: MEP-08 the certificate, MEP-09, MEP-10, MEP-11, MEP-14 with P-02, MEP-12 the contact form,
// MEP-13 the production deployment's performance, MEP-16 the analytics tag.
//
// At prepare they are recorded without stopping the update (`enforce: false`): the operator knows
// hours before H whether the cutover would pass. At cutover they run again, enforced, and the DNS
// records wait for them: a failure stops the update before any record changes.
import * as pulumi from "@pulumi/pulumi";
import type { CheckResult, NetOptions } from "../checks/types";
import { httpsInputOf, redirectsInputOf, seoInputOf, smokeInputOf, SuiteSettings, tlsInputOf } from "../checks/suite";
import { analyticsInputOf, contactFormInputOf, performanceInputOf, ServicesSettings } from "../checks/serviceInputs";
import { TlsCertificateCheck } from "../checks/tlsCertificate";
import { HttpsReachabilityCheck } from "../checks/httpsReachability";
import { RedirectsCheck } from "../checks/redirects";
import { SmokeTestCheck } from "../checks/smokeTest";
import { SeoBasicsCheck } from "../checks/seoBasics";
import { ContactFormCheck } from "../checks/contactForm";
import { PerformanceCheck } from "../checks/performance";
import { AnalyticsCheck } from "../checks/analytics";
import { CertificateFact, certificateAfterSwitch } from "../checks/certificateFact";
import { httpsUrl } from "../program/program";

export interface PreSwitchChecksArgs {
    /** The site's settings (domain, key pages, budgets): MEP-07's `expected` is not used here. */
    settings: Omit<SuiteSettings, "expected">;
    services: ServicesSettings;
    /** How the checks reach the site besides the pins (the rehearsal's DNS server, ports, CA). */
    net?: pulumi.Input<NetOptions>;
    /** The site's names → what Vercel recommends (an address, or a name such as cname.vercel-dns.com). */
    pins: pulumi.Input<Record<string, string>>;
    /** The certificate as prepare left it: without one, MEP-08 is judged after the switch. */
    certificate: pulumi.Input<CertificateFact>;
    /** The production deployment's own URL (PageSpeed Insights measures it before the switch). */
    deploymentUrl: pulumi.Input<string>;
    /** true at cutover: a failure stops the update (the DNS records wait for these checks). */
    enforce: boolean;
    /** What the checks are about (deployment id, pins, certificate): a change re-runs them. */
    triggers: pulumi.Input<Record<string, pulumi.Input<string>>>;
    nonce?: pulumi.Input<string>;
}

export class PreSwitchChecks extends pulumi.ComponentResource {
    /** Every result, in plan order, each stamped `stage: "pre-switch"`. */
    public readonly results: pulumi.Output<CheckResult[]>;

    constructor(name: string, args: PreSwitchChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:checks:PreSwitch", name, {}, opts);
        const s = args.settings as SuiteSettings;
        const cert = pulumi.output(args.certificate);
        // Without a certificate before the switch (Vercel refused to pre-issue it), the other checks
        // still look at the content over TLS, and say its certificate was not verified (MEP-08 says
        // why). A certificate still pending is judged as it is: the cutover waits for it.
        const net = pulumi.all([args.net ?? {}, args.pins, cert]).apply(
            ([n, pins, c]): NetOptions => ({
                ...(n as NetOptions),
                pins,
                ...(!certificateAfterSwitch(c) ? {} : { tlsUnverifiedBecause: `Vercel has no certificate for the names before the switch (${c.status}: ${c.reason})` }),
            }),
        );
        const common = { net, triggers: args.triggers, enforce: args.enforce, stage: "pre-switch" as const, ...(args.nonce !== undefined ? { nonce: args.nonce } : {}) };
        const child = { parent: this };

        // MEP-08 first: the certificate issued at prepare is what the new host serves; no wait.
        const tls = new TlsCertificateCheck(
            `${name}-mep08-tls`,
            {
                input: cert.apply((c) => ({
                    ...tlsInputOf({ ...s, certWaitMs: 0 }),
                    ...(!certificateAfterSwitch(c) ? {} : { skipBecause: `no certificate before the switch (${c.status}: ${c.reason}${c.todo ? `; ${c.todo}` : ""}): MEP-08 is judged after the switch, while visitors who already reach Vercel get its *.vercel.app certificate` }),
                })),
                ...common,
            },
            child,
        );
        const afterTls = { parent: this, dependsOn: [tls] };
        const https = new HttpsReachabilityCheck(`${name}-mep09-https`, { input: httpsInputOf(s), ...common }, afterTls);
        const redirects = new RedirectsCheck(`${name}-mep10-redirects`, { input: redirectsInputOf(s), ...common }, afterTls);
        const smoke = new SmokeTestCheck(`${name}-mep11-smoke`, { input: smokeInputOf(s), ...common }, afterTls);
        const seo = new SeoBasicsCheck(`${name}-mep14-seo`, { input: seoInputOf(s), ...common }, afterTls);

        // The outside services, on the new host: the form posted to it (and its mail read), the
        // deployment's performance, the analytics tag on the key pages. Their inputs hold secrets.
        const site = { domain: s.domain, pages: s.pages };
        const contact = new ContactFormCheck(`${name}-mep12-contact-form`, { input: pulumi.secret(contactFormInputOf(site, args.services)), ...common }, afterTls);
        const performance = new PerformanceCheck(
            `${name}-mep13-performance`,
            { input: pulumi.secret(pulumi.output(args.deploymentUrl).apply((u) => ({ ...performanceInputOf(site, args.services), deploymentUrl: httpsUrl(u) }))), ...common },
            afterTls,
        );
        const analytics = new AnalyticsCheck(`${name}-mep16-analytics`, { input: pulumi.secret({ ...analyticsInputOf(site, args.services), tagsOnly: true }), ...common }, afterTls);

        const order = (rs: CheckResult[]) => [...rs].sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
        this.results = pulumi
            .all([tls.result, https.result, redirects.result, smoke.result, contact.result, performance.result, seo.result, analytics.result])
            .apply((rs) => order(rs));
        this.registerOutputs({ results: this.results });
    }
}
