// The post-deploy checks as Pulumi resources (MEP-07..MEP-11, MEP-14): one dynamic resource per
// check, so `pulumi up` stops with the plan ID and reason of the first check that fails, and the
// results stay in the stack outputs. Inputs come from checks/suite.ts, like `golive verify`.
import * as pulumi from "@pulumi/pulumi";
import type { CheckResult, NetOptions } from "../checks/types";
import { dnsInputOf, httpsInputOf, redirectsInputOf, seoInputOf, smokeInputOf, SuiteSettings, tlsInputOf } from "../checks/suite";
import { DnsPropagationCheck } from "../checks/dnsPropagation";
import { TlsCertificateCheck } from "../checks/tlsCertificate";
import { HttpsReachabilityCheck } from "../checks/httpsReachability";
import { RedirectsCheck } from "../checks/redirects";
import { SmokeTestCheck } from "../checks/smokeTest";
import { SeoBasicsCheck } from "../checks/seoBasics";

/** SuiteSettings whose values may be Outputs (the record contents come from the DNS records). */
export type PostDeploySettings = { [K in keyof Omit<SuiteSettings, "expected">]: pulumi.Input<SuiteSettings[K]> } & {
    /** MEP-07: what apex and www must resolve to; required here, the records are known at cutover. */
    expected: pulumi.Input<{ apex: pulumi.Input<string>[]; www: pulumi.Input<string>[] }>;
};

export interface PostDeployChecksArgs {
    settings: PostDeploySettings;
    /** How the checks reach the site (the real Internet when absent). */
    net?: pulumi.Input<NetOptions>;
    /** What the checks are about (deployment id, record contents): a change re-runs them all. */
    triggers: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Bump to re-run the checks on demand (golive:checks.nonce). */
    nonce?: pulumi.Input<string>;
}

export class PostDeployChecks extends pulumi.ComponentResource {
    /** Every check's result, in plan order. */
    public readonly results: pulumi.Output<CheckResult[]>;

    constructor(name: string, args: PostDeployChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:checks:PostDeploy", name, {}, opts);
        const settings = pulumi.output(args.settings) as pulumi.Output<SuiteSettings>;
        const common = { net: args.net, triggers: args.triggers, nonce: args.nonce };
        const child = { parent: this };

        // MEP-07 first: the other checks only mean something once DNS points at the new host.
        const dns = new DnsPropagationCheck(`${name}-mep07-dns`, { input: settings.apply(dnsInputOf), ...common }, child);
        const afterDns = { parent: this, dependsOn: [dns] };
        // MEP-08 next: Vercel issues the certificate once DNS points to it, and the check waits for it
        // (golive:checks.certWaitSeconds); before that every HTTPS answer has the *.vercel.app certificate.
        const tls = new TlsCertificateCheck(`${name}-mep08-tls`, { input: settings.apply(tlsInputOf), ...common }, afterDns);
        const afterTls = { parent: this, dependsOn: [dns, tls] };
        // The rest are independent of each other: the engine runs them at the same time.
        const https = new HttpsReachabilityCheck(`${name}-mep09-https`, { input: settings.apply(httpsInputOf), ...common }, afterTls);
        const redirects = new RedirectsCheck(`${name}-mep10-redirects`, { input: settings.apply(redirectsInputOf), ...common }, afterTls);
        const smoke = new SmokeTestCheck(`${name}-mep11-smoke`, { input: settings.apply(smokeInputOf), ...common }, afterTls);
        const seo = new SeoBasicsCheck(`${name}-mep14-seo`, { input: settings.apply(seoInputOf), ...common }, afterTls);

        this.results = pulumi.all([dns.result, tls.result, https.result, redirects.result, smoke.result, seo.result]);
        this.registerOutputs({ results: this.results });
    }
}
