// The `--break` faults: one realistic go-live mistake each, injected into the replica, so the
// rehearsal shows how it surfaces (a failed check with its reason, failed probes when visitors
// would see it) and that the rollback brings the old site back.
import type { ReplicaWorld } from "../replica/world";
import type { ReplicaBehaviour } from "./providers";
import type { ServiceStandIns } from "./services";

export interface Fault {
    name: string;
    /** What goes wrong, in one line. */
    summary: string;
    /** What the rehearsal must show. */
    expect: string;
    /** Whether visitors see it (failed probes expected). */
    causesDowntime: boolean;
    /** Sets the replica's (and the outside services' stand-ins') behaviour before the run. */
    apply(world: ReplicaWorld, behaviour: ReplicaBehaviour, services: ServiceStandIns): void;
}

export const FAULTS: Fault[] = [
    {
        name: "dns-before-domain",
        summary: "DNS is switched before the domains exist on Vercel (MEP-06 before MEP-05): they are added 3 s after the switch",
        expect: "Vercel answers 404 DEPLOYMENT_NOT_FOUND with a *.vercel.app certificate: failed probes, TLS/HTTPS checks fail",
        causesDowntime: true,
        apply: (_world, b) => {
            b.domainsAfterDnsMs = 3_000;
        },
    },
    {
        name: "delete-recreate",
        summary: "apex and www records are deleted then recreated 1 s later instead of updated in place",
        expect: "names do not resolve for about a second: failed probes during cutover",
        causesDowntime: true,
        apply: (_world, b) => {
            b.deleteThenRecreateMs = 1_000;
        },
    },
    {
        name: "redirect-302",
        summary: "the new site's http→https and apex→www redirects answer 302 (temporary) instead of 308",
        expect: "MEP-10 Redirects fails (not permanent); visitors are still served",
        causesDowntime: false,
        apply: (world, b) => {
            b.redirectStatusOverride = 302;
            world.newSite.spec.httpsRedirectStatus = 302;
        },
    },
    {
        name: "robots-disallow",
        summary: "the new site ships a robots.txt with `Disallow: /` (a staging leftover)",
        expect: "MEP-14 SEO basics fails (robots.txt blocks the site); visitors are still served",
        causesDowntime: false,
        apply: (world) => {
            world.newSite.spec.robotsTxt = "User-agent: *\nDisallow: /\n";
        },
    },
    {
        name: "slow-site",
        summary: "the /services page of the new site scores 0.85 in PageSpeed Insights (mobile), under the 0.90 threshold",
        expect: "MEP-13 Performance fails naming the page and its score; the cutover fails, no production tag; visitors are still served",
        causesDowntime: false,
        apply: (world, _b, services) => {
            services.google.state.scores[`https://www.${world.domain}/services`] = 0.85;
        },
    },
];

export function faultNamed(name: string): Fault {
    const fault = FAULTS.find((f) => f.name === name);
    if (!fault) throw new Error(`unknown fault '${name}'; known: ${FAULTS.map((f) => f.name).join(", ")}`);
    return fault;
}
