// The go-live of a website on Vercel with DNS at Cloudflare, one phase per `pulumi up`
// (golive:phase = adopt → prepare → cutover; the previous phase is the rollback).
// Everything site-specific comes from the stack config (Pulumi.<stack>.yaml), read and
// validated once by lib/config; lib/program builds the resources.
import { loadConfig } from "./lib/config";
import { buildGoLive } from "./lib/program";

export = async () => {
    const cfg = loadConfig(); // go/no-go gates from config (P-01, P-05, MEP-02) throw here
    const golive = await buildGoLive(cfg); // zone gate (P-03/P-04), Vercel site, DNS records

    // Wired by the lead, from the handles of `golive` (site.deployment, records.*.resource/expectedContent, urls):
    // - issue 3: post-deploy checks (MEP-07..MEP-14), depending on the DNS records and the deployment;
    // - issue 5: outside-service checks (contact form mail, PageSpeed, Search Console, Analytics);
    // - issue 6: release steps and report (MEP-01, MEP-17, MEP-18 tag).

    return golive.outputs;
};
