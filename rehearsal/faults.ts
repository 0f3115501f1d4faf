// The `--break` faults: one realistic go-live mistake or hazard each, injected into the replica, so
// the rehearsal shows how it surfaces (a failed check with its reason, a refusal, failed probes
// when visitors would see it) and that the rollback brings the old site back.
import type { ReplicaWorld } from "../replica/world";
import type { CloudflareZone } from "../replica/cloudflareZone";
import { LIVE_RECORD_IDS, type ReplicaBehaviour, type VercelReplica } from "../replica/providers";
import type { ServiceStandIns } from "./services";
import type { FaultSpec } from "../replica/control";
import type { VercelApiFaultSpec } from "../replica/vercelApi";

/** The replica's APIs that fail on demand: the providers' service API (Cloudflare, Vercel) and Vercel's REST API. */
export interface FaultApis {
    providers: { failNext(spec: FaultSpec): () => void };
    vercelRest: { failNext(spec: VercelApiFaultSpec): () => void };
}

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
    apply(world: ReplicaWorld, behaviour: ReplicaBehaviour, services: ServiceStandIns, zone: CloudflareZone, vercel: VercelReplica): void;
    /** Changes the stack config of every phase (the operator's mistake or choice). */
    configure?(config: Record<string, string>, world: ReplicaWorld): void;
    /** The operator runs prepare a second time before the cutover, as prepare's own output tells them to (why). */
    prepareAgain?: string;
    /** Makes the replica's APIs fail on demand just before a phase (the cutover, the rollback). */
    arm?(phase: "cutover" | "rollback", apis: FaultApis): void;
    /** Why the fault needs the real engine, when it does (the mock engine calls the replica in-process). */
    needsRealEngine?: string;
}

/** What a broken release answers to every request. */
const INTERNAL_ERROR = { status: 500, headers: { "content-type": "text/plain" }, body: "500: INTERNAL_SERVER_ERROR\n" };

export const FAULTS: Fault[] = [
    {
        name: "dns-before-domain",
        summary: "the domains reach the Vercel project only once DNS has moved (MEP-06 before MEP-05): Vercel does not serve them before the switch",
        expect: "the checks against the new host see 404 DEPLOYMENT_NOT_FOUND and fail before the switch: the cutover stops before any record changes (0 failed probes)",
        causesDowntime: false,
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
        expect: "MEP-10 Redirects fails before the switch: the cutover stops before any record changes; visitors keep the old site",
        causesDowntime: false,
        apply: (world, b) => {
            b.redirectStatusOverride = 302;
            world.newSite.spec.httpsRedirectStatus = 302;
        },
    },
    {
        name: "robots-disallow",
        summary: "the new site ships a robots.txt with `Disallow: /` (a staging leftover)",
        expect: "MEP-14 SEO basics fails before the switch (robots.txt blocks the site): the cutover stops before any record changes",
        causesDowntime: false,
        apply: (world) => {
            world.newSite.spec.robotsTxt = "User-agent: *\nDisallow: /\n";
        },
    },
    {
        name: "slow-site",
        summary: "the /services page of the new deployment scores 0.85 in PageSpeed Insights (mobile), under the 0.90 threshold",
        expect: "MEP-13 Performance fails before the switch naming the page and its score (prepare says so; the cutover stops before any record changes), no production tag",
        causesDowntime: false,
        apply: (world, _b, services) => {
            // PSI measures the production deployment before the switch (its own URL), the public name after.
            services.google.state.pathScores["/services"] = 0.85;
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
        summary: "the release answers 500 on every page (a production variable the build needs is wrong)",
        expect: "MEP-09 and the checks after it fail against the new host before the switch: prepare says so, the cutover stops before any record changes (0 failed probes; R-1 has nothing to roll back)",
        causesDowntime: false,
        apply: (world) => {
            world.newSite.spec = { ...world.newSite.spec, handle: () => INTERNAL_ERROR };
        },
    },
    {
        name: "fails-under-traffic",
        summary: "the release fails only once production traffic reaches it (a connection pool sized for previews): it answers 500 from the DNS switch on",
        expect: "every check passes before the switch; after it MEP-09 and the others fail, R-1 is decided at once and the records go back first: the figures time the way back (first failed check → old site on both names)",
        causesDowntime: true,
        acceptedGap: "only the switch can reveal it: visitors whose resolver reaches Vercel get 500s until the records are back",
        apply: (world, _b, _s, _z, vercel) => {
            const serving = world.newSite.spec;
            const previous = serving.handle;
            world.newSite.spec = {
                ...serving,
                handle: (req) => (vercel.dnsSwitchedAt !== undefined ? INTERNAL_ERROR : previous ? previous(req) : undefined),
            };
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
        summary: "Vercel issues the DNS-01 certificate 120 s after its TXT records resolve, longer than the program waits (golive:certificate.timeoutSeconds)",
        expect: "prepare says the certificate is pending; the cutover tries once more, MEP-08 before the switch finds the *.vercel.app certificate and the cutover stops before any record changes",
        causesDowntime: false,
        apply: (_world, b) => {
            b.issuanceDelayMs = 120_000;
        },
    },
    {
        name: "order-refused",
        summary: "Vercel refuses to pre-issue the certificate (the domain is personal-scoped, not in the team): it issues it only after DNS points to it, 2 s later",
        expect: "prepare says so with what to do; the cutover preview announces the gap; after the switch MEP-08 waits for the certificate and passes; visitors who reach Vercel meanwhile get its *.vercel.app certificate (measured)",
        causesDowntime: true,
        acceptedGap: "no certificate before the switch: until Vercel issues it, visitors who reach the new host get its *.vercel.app certificate (announced by the preview)",
        apply: (_world, b) => {
            b.orderRefused = "personal-scope";
            b.certDelayMs = 2_000;
        },
    },
    {
        name: "build-error",
        summary: "the release does not build on Vercel (the deployment ends in ERROR)",
        expect: "prepare fails at MEP-04 with Vercel's build error; DNS never changes (0 failed probes)",
        causesDowntime: false,
        apply: (_world, b) => {
            b.build = { state: "ERROR", message: 'Command "npm run build" exited with 1' };
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
    {
        name: "domain-in-use",
        summary: "the apex is already assigned to another Vercel project of the team (kalia-old-site): Vercel refuses to add it (409 domain_already_in_use)",
        expect: "prepare stops at the add of the apex (MEP-05) naming the domain, what Vercel said and what to do, before any DNS record changes (0 failed probes)",
        causesDowntime: false,
        apply: (world, _b, _s, _z, vercel) => {
            vercel.claimDomain(world.domain, { projectName: "kalia-old-site", team: "kalia-agency", yields: false });
        },
    },
    {
        name: "slow-build",
        summary: "the release takes 4 minutes to build on Vercel (the replica's deployment is BUILDING for 240 s, read every 5 s as the provider does)",
        expect: "prepare waits for the build, saying so while it waits, within golive:vercel.buildTimeoutSeconds; the go-live then goes on as usual",
        causesDowntime: false,
        apply: (_world, b) => {
            b.build = { state: "READY", buildMs: 240_000 };
        },
    },
    {
        name: "build-checks-failed",
        summary: "the release builds, but its deployment checks fail on Vercel (checksConclusion: failed): the production domains are not assigned to it",
        expect: "prepare fails at MEP-04 with Vercel's words (deployment checks have failed) and what to do; the site's records still point to the old host (0 failed probes), no cutover",
        causesDowntime: false,
        apply: (_world, b) => {
            b.build = { state: "READY", buildMs: 20_000, checks: "failed" };
        },
    },
    {
        name: "cert-validating",
        summary: "Vercel answers validation_running to finalizeOrder for 3 s after the DNS-01 records resolve (Let's Encrypt still validating), then issues",
        expect: "prepare waits it out within golive:certificate.timeoutSeconds and says what Vercel answered; the certificate is issued by DNS-01 before the switch; 0 failed probes",
        causesDowntime: false,
        apply: (_world, b) => {
            b.issuanceDelayMs = 3_000;
        },
    },
    {
        name: "order-lapsed",
        summary: "the certificate order lapses at Vercel before it is finalized: finalizeOrder answers cert_order_not_found (as after Let's Encrypt's 7-day life of a pending authorization)",
        expect: "prepare places the order again and says its next run publishes the new values; that run updates the TXT records in place and the certificate is issued by DNS-01 before the switch; no hand edit, 0 failed probes",
        causesDowntime: false,
        prepareAgain: "prepare said the order lapsed and was placed again: its next run publishes the new values",
        apply: (_world, b) => {
            b.ordersLapsing = 1;
        },
        // The new values replace TXT answers resolvers may hold for their TTL (60 s): the issuance
        // waits as long as a production config lets it (golive:certificate.timeoutSeconds).
        configure: (config) => {
            config["golive:certificate"] = JSON.stringify({ timeoutSeconds: 90, pollSeconds: 1 });
        },
    },
    {
        name: "cert-exists",
        summary: "Vercel already holds a certificate for apex and www from before the go-live (an earlier project of the site)",
        expect: "prepare reads it (GET /v8/certs), orders nothing and publishes no challenge; MEP-08 before the switch finds it served; 0 failed probes",
        causesDowntime: false,
        apply: (_world, b) => {
            b.existingCertificate = true;
        },
    },
    {
        name: "rate-limited",
        summary: "Cloudflare's API rate limit is reached during the cutover and during the way back: each update of the apex and www records is answered 429 twice (Retry-After: 3 s) before it goes through, the provider's and the way back's direct PATCHes alike",
        expect: "the Cloudflare provider waits as cloudflare-go v6.6 does (Retry-After honoured, 10 retries at most) and goes on: the cutover and the rollback (records first) succeed, later by the waits (the figures time both); 0 failed probes",
        causesDowntime: false,
        needsRealEngine: "the 429s are answered on the replica's service API, which the real engine's provider plugins call with cloudflare-go's retries; the mock engine calls the replica in-process",
        apply: () => undefined,
        // Cloudflare's API answers 429 with `retry-after` (seconds until capacity, rounded up) once
        // its limit is reached (developers.cloudflare.com/fundamentals/api/reference/limits).
        arm: (_phase, apis) => {
            for (const name of ["dns-apex", "dns-www"]) apis.providers.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", name, via: "provider", fault: "429", retryAfterSeconds: 3, times: 2 });
            // The way back's direct PATCHes (operations/cloudflareDns), which carry no resource name: twice each of the two.
            apis.providers.failNext({ type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", via: "rest", fault: "429", retryAfterSeconds: 3, times: 4 });
        },
    },
];

export function faultNamed(name: string): Fault {
    const fault = FAULTS.find((f) => f.name === name);
    if (!fault) throw new Error(`unknown fault '${name}'; known: ${FAULTS.map((f) => f.name).join(", ")}`);
    return fault;
}
