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
    /** Parsed golive:contactForm, imap, pagespeed, searchConsole, analytics (config/servicesConfig.ts). */
    settings: ServicesSettings;
    net?: pulumi.Input<NetOptions>;
    /** The deployment the checks are about (e.g. { deployment: <id> }): a change re-runs them. */
    triggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** golive:checks.nonce; MEP-12 ignores it (it sends a real mail: once per deployment). */
    nonce?: pulumi.Input<string>;
    /** Resources these checks wait for, typically the site's post-deploy checks. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Which of the four run here (default all). After the switch only what needs visitors' DNS:
     * MEP-15 (Google fetches the sitemap from the site) and MEP-16's realtime visit; MEP-12 and
     * MEP-13 ran on the same deployment before the switch (components/preSwitchChecks.ts).
     */
    only?: ReadonlyArray<"contactForm" | "performance" | "searchConsole" | "analytics">;
}

export class ServiceChecks extends pulumi.ComponentResource {
    public readonly contactForm?: ContactFormCheck;
    public readonly performance?: PerformanceCheck;
    public readonly searchConsole?: SearchConsoleCheck;
    public readonly analytics?: AnalyticsCheck;
    /** The results of those that run (MEP-12, MEP-13, MEP-15, MEP-16), in plan order. */
    public readonly results: pulumi.Output<CheckResult[]>;

    constructor(name: string, args: ServiceChecksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:checks:Services", name, {}, opts);
        const childOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: args.dependsOn ?? [] };
        const common = { net: args.net ?? {}, ...(args.triggers ? { triggers: args.triggers } : {}) };
        const rerun = args.nonce !== undefined ? { nonce: args.nonce } : {};
        const runs = (k: NonNullable<ServiceChecksArgs["only"]>[number]) => !args.only || args.only.includes(k);
        // pulumi.secret on the whole input: the clear text never reaches state or logs.
        if (runs("contactForm")) this.contactForm = new ContactFormCheck(`${name}-contact-form`, { input: pulumi.secret(contactFormInputOf(args.site, args.settings)), ...common }, childOpts);
        if (runs("performance")) this.performance = new PerformanceCheck(`${name}-performance`, { input: pulumi.secret(performanceInputOf(args.site, args.settings)), ...common, ...rerun }, childOpts);
        if (runs("searchConsole")) this.searchConsole = new SearchConsoleCheck(`${name}-search-console`, { input: pulumi.secret(searchConsoleInputOf(args.site, args.settings)), ...common, ...rerun }, childOpts);
        if (runs("analytics")) this.analytics = new AnalyticsCheck(`${name}-analytics`, { input: pulumi.secret(analyticsInputOf(args.site, args.settings)), ...common, ...rerun }, childOpts);
        const ran = [this.contactForm, this.performance, this.searchConsole, this.analytics].filter((c): c is NonNullable<typeof c> => c !== undefined);
        this.results = pulumi.all(ran.map((c) => c.result));
        this.registerOutputs({ results: this.results });
    }
}
