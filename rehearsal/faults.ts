// The `--break` faults: one realistic go-live mistake or hazard each, injected into the replica, so
// the rehearsal shows how it surfaces (a failed check with its reason, a refusal, failed probes
// when visitors would see it) and that the rollback brings the old site back.
import type { ReplicaWorld } from "../replica/world";
import type { CloudflareZone } from "../replica/cloudflareZone";
import { LIVE_RECORD_IDS, type ReplicaBehaviour } from "../replica/providers";
import type { ServiceStandIns } from "./services";

export interface Fault {
    name: string;
    /** What goes wrong, in one line. */
    summary: string;
    /** What the rehearsal must show. */
    expect: string;
    /** Whether visitors see it (failed probes expected). */
    causesDowntime: boolean;
    /**
     * A gap the go-live accepts knowingly (a configured type change, the certificate's issuance):
     * its failed probes and record deletions are measured and printed, not counted as problems.
     */
    acceptedGap?: string;
    /**
     * Visitors behind a caching resolver are probed too (a second prober): they keep each answer
     * for its TTL, as the visitors who still hold an old address after a switch.
     */
    cachingVisitors?: boolean;
    /** Sets the replica's (and the outside services' stand-ins') behaviour before the run. */
    apply(world: ReplicaWorld, behaviour: ReplicaBehaviour, services: ServiceStandIns, zone: CloudflareZone): void;
    /** Changes the stack config of every phase (the operator's mistake or choice). */
    configure?(config: Record<string, string>, world: ReplicaWorld): void;
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
    {
        name: "type-change",
        summary: "the www record goes from A to CNAME at cutover (golive:wwwRecordType CNAME, golive:allowRecordReplace true), and back to A at the rollback",
        expect: "cutover and rollback both succeed: www is replaced delete-first both ways (new record ids), Cloudflare never sees an A beside a CNAME; the failed probes measure the gap",
        causesDowntime: true,
        acceptedGap: "www does not resolve between the delete of the old record and the create of the new one (cutover and rollback); Cloudflare's API answers each change in 300 ms here",
        apply: (_world, b) => {
            b.cloudflareApiMs = 300;
        },
        configure: (config) => {
            config["golive:wwwRecordType"] = "CNAME";
            config["golive:allowRecordReplace"] = "true";
        },
    },
    {
        name: "broken-release",
        summary: "the release answers 500 on every page once visitors reach it (a production variable the build needs is wrong)",
        expect: "MEP-09 and the checks after it fail on the 500, the cutover fails; visitors get 500s from the switch until the rollback, decided at once (R-1); the figures time the way back",
        causesDowntime: true,
        apply: (world) => {
            world.newSite.spec = { ...world.newSite.spec, handle: () => ({ status: 500, headers: { "content-type": "text/plain" }, body: "500: INTERNAL_SERVER_ERROR\n" }) };
        },
    },
    {
        name: "adopt-mismatch",
        summary: "golive:liveRecords.www.content says 127.0.0.9 while the live www record holds the old host's address",
        expect: "adopt is refused at preview naming golive:liveRecords.www.content, the declared and the live value; nothing runs; the replica's www record is untouched",
        causesDowntime: false,
        apply: () => undefined,
        configure: (config) => {
            const live = JSON.parse(config["golive:liveRecords"]);
            live.www.content = "127.0.0.9";
            config["golive:liveRecords"] = JSON.stringify(live);
        },
    },
    {
        name: "cert-delay",
        summary: "Vercel issues the site's certificate 5 s after DNS points to it (it serves its *.vercel.app certificate until then)",
        expect: "MEP-08 waits for the certificate (about 5 s, reporting the *.vercel.app certificate served meanwhile) and passes, then the checks after it pass",
        causesDowntime: true,
        acceptedGap: "visitors whose resolver already has the new address get Vercel's *.vercel.app certificate until it is issued",
        apply: (_world, b) => {
            b.certDelayMs = 5_000;
        },
    },
    {
        name: "caa-restricted",
        summary: "the zone's CAA record allows another CA only (0 issue \"digicert.com\"): Let's Encrypt, Vercel's CA, may not issue",
        expect: "prepare adds 0 issue \"letsencrypt.org\" (comment: managed by golive); it is still there after cutover and after the rollback; the certificate is issued",
        causesDowntime: false,
        apply: (world, _b, _s, zone) => {
            zone.seed({ id: "c3".repeat(16), name: world.domain, type: "CAA", ttl: 300, proxied: false, data: { flags: 0, tag: "issue", value: "digicert.com" } });
        },
    },
    {
        name: "proxied-live",
        summary: "apex and www are served proxied by Cloudflare (orange cloud): the zone answers its edge's address (TTL 300 s), the edge forwards to the old host",
        expect: "adopted proxied (TTL 1), left so at prepare, unproxied at Vercel in place at cutover (MEP-06); no probe fails; visitors still holding the edge's address get Vercel through it",
        causesDowntime: false,
        cachingVisitors: true,
        apply: (_world, _b, _s, zone) => {
            for (const id of [LIVE_RECORD_IDS.apex, LIVE_RECORD_IDS.www]) {
                const r = zone.get(id)!;
                zone.update(id, { name: r.name, type: r.type, content: r.content, ttl: 1, proxied: true });
            }
        },
        // What golive adopt writes for them: proxied, TTL 1 (automatic).
        configure: (config) => {
            const live = JSON.parse(config["golive:liveRecords"]);
            for (const which of ["apex", "www"]) live[which] = { ...live[which], proxied: true, ttl: 1 };
            config["golive:liveRecords"] = JSON.stringify(live);
        },
    },
];

export function faultNamed(name: string): Fault {
    const fault = FAULTS.find((f) => f.name === name);
    if (!fault) throw new Error(`unknown fault '${name}'; known: ${FAULTS.map((f) => f.name).join(", ")}`);
    return fault;
}
