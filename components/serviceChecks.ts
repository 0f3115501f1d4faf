// golive:checks:Services — the post-deploy checks that talk to outside services: contact form
// delivery (MEP-12), PageSpeed score (MEP-13), sitemap submission to Search Console (MEP-15) and
// GA4 tracking (MEP-16). They run after the site checks (`dependsOn`), each as a dynamic resource
// whose whole input is a secret because it carries a password, an API key or a service-account key.
import * as pulumi from "@pulumi/pulumi";
import { AnalyticsCheck } from "../checks/analytics";
import { ContactFormCheck } from "../checks/contactForm";
import { PerformanceCheck } from "../checks/performance";
import { SearchConsoleCheck } from "../checks/searchConsole";
import {
    analyticsInputOf,
    contactFormInputOf,
    performanceInputOf,
    searchConsoleInputOf,
    ServicesSettings,
    SiteFacts,
} from "../checks/serviceInputs";
import type { CheckResult, NetOptions } from "../checks/types";

export interface ServiceChecksArgs {
    /** The apex and key pages of the site. */
    site: SiteFacts;
    /** Parsed golive:contactForm, imap, pagespeed, searchConsole, analytics (lib/servicesConfig.ts). */
    settings: ServicesSettings;
    net?: pulumi.Input<NetOptions>;
    /** The deployment the checks are about (e.g. { deployment: <id> }): a change re-runs them. */
    triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** golive:checks.nonce; MEP-12 ignores it (it sends a real mail: once per deployment). */
    nonce?: pulumi.Input<string>;
    /** Resources these checks wait for, typically the site's post-deploy checks. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class ServiceChecks extends pulumi.ComponentResource {
    public readonly contactForm: ContactFormCheck;
    public readonly performance: PerformanceCheck;
    public readonly searchConsole: SearchConsoleCheck;
    public readonly analytics: AnalyticsCheck;
    /** MEP-12, MEP-13, MEP-15, MEP-16 results, in plan order. */
    public readonly results: pulumi.Output<CheckResult[]>;

    constructor(name: string, args: ServiceChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:checks:Services", name, {}, opts);
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.dependsOn ?? [] };
        const common = { net: args.net ?? {}, ...(args.triggers ? { triggers: args.triggers } : {}) };
        const rerun = args.nonce !== undefined ? { nonce: args.nonce } : {};
        // pulumi.secret on the whole input: the clear text never reaches state or logs.
        this.contactForm = new ContactFormCheck(`${name}-contact-form`, { input: pulumi.secret(contactFormInputOf(args.site, args.settings)), ...common }, childOpts);
        this.performance = new PerformanceCheck(`${name}-performance`, { input: pulumi.secret(performanceInputOf(args.site, args.settings)), ...common, ...rerun }, childOpts);
        this.searchConsole = new SearchConsoleCheck(`${name}-search-console`, { input: pulumi.secret(searchConsoleInputOf(args.site, args.settings)), ...common, ...rerun }, childOpts);
        this.analytics = new AnalyticsCheck(`${name}-analytics`, { input: pulumi.secret(analyticsInputOf(args.site, args.settings)), ...common, ...rerun }, childOpts);
        this.results = pulumi.all([this.contactForm.result, this.performance.result, this.searchConsole.result, this.analytics.result]);
        this.registerOutputs({ results: this.results });
    }
}
