// The program the rehearsal runs: the real go-live program (lib/config + lib/program, what index.ts
// runs) and, at cutover, the post-deploy checks as dynamic resources pointed at the replica
// (its DNS server, ports and CA). The checks are built here the way the program builds them:
// DNS propagation waits on the records, every other check waits on DNS propagation and the
// deployment, so `pulumi up` only reports green once the new site answers on the real names.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as vercel from "@pulumiverse/vercel";
import { loadConfig } from "../lib/config";
import { buildGoLive, GoLive } from "../lib/program";
import type { NetOptions } from "../checks/types";
import type { SuiteSettings } from "../checks/suite";
import { httpsInputOf, redirectsInputOf, seoInputOf, smokeInputOf, tlsInputOf } from "../checks/suite";
import { DnsPropagationCheck } from "../checks/dnsPropagation";
import { TlsCertificateCheck } from "../checks/tlsCertificate";
import { HttpsReachabilityCheck } from "../checks/httpsReachability";
import { RedirectsCheck } from "../checks/redirects";
import { SmokeTestCheck } from "../checks/smokeTest";
import { SeoBasicsCheck } from "../checks/seoBasics";

export interface RehearsalProgramOptions {
    net: NetOptions;
    /** Suite settings for the checks (domain, pages, budgets); `expected` comes from the records. */
    settings: SuiteSettings;
}

/** The post-deploy checks of the cutover, depending on the records and the deployment. */
export function postDeployChecks(golive: GoLive, opts: RehearsalProgramOptions): Record<string, pulumi.Output<unknown>> {
    const content = (r: GoLive["records"]["apex"]) => (r.expectedContent ?? pulumi.output("")).apply((c) => (c ? [c.toLowerCase().replace(/\.$/, "")] : []));
    const expected = pulumi.all([content(golive.records.apex), content(golive.records.www)]).apply(([apex, www]) => ({ apex, www }));
    const records = [golive.records.apex.resource, golive.records.www.resource].filter((r): r is NonNullable<typeof r> => r !== undefined);
    const deployment = golive.site?.deployment;
    const triggers = pulumi.all([expected, deployment ? deployment.id : pulumi.output("")]).apply(([e, d]) => ({
        records: JSON.stringify(e),
        deployment: d,
    }));
    const net = opts.net;
    const s = opts.settings;
    // MEP-07: waits (bounded) until the replica's DNS answers the new contents.
    const dns = new DnsPropagationCheck(
        "check-dns",
        {
            input: expected.apply((e) => ({ domain: s.domain, expected: e, timeoutMs: s.dnsTimeoutMs ?? 10_000, pollMs: s.dnsPollMs ?? 100 })),
            net,
            triggers,
        },
        { dependsOn: records },
    );
    const after = { dependsOn: [dns, ...(deployment ? [deployment] : [])] };
    const checks = {
        dns,
        tls: new TlsCertificateCheck("check-tls", { input: tlsInputOf(s), net, triggers }, after),
        https: new HttpsReachabilityCheck("check-https", { input: httpsInputOf(s), net, triggers }, after),
        redirects: new RedirectsCheck("check-redirects", { input: redirectsInputOf(s), net, triggers }, after),
        smoke: new SmokeTestCheck("check-smoke", { input: smokeInputOf(s), net, triggers }, after),
        seo: new SeoBasicsCheck("check-seo", { input: seoInputOf(s), net, triggers }, after),
    };
    return Object.fromEntries(Object.entries(checks).map(([k, c]) => [k, c.result as pulumi.Output<unknown>]));
}

/** The program function for one phase, reading the phase's config like index.ts does. */
export function rehearsalProgram(opts: RehearsalProgramOptions): () => Promise<Record<string, unknown>> {
    return async () => {
        const cfg = loadConfig();
        const golive = await buildGoLive(cfg);
        const outputs: Record<string, unknown> = { ...golive.outputs };
        if (cfg.phase === "cutover") outputs.checks = postDeployChecks(golive, opts);
        return outputs;
    };
}

/**
 * Loads what the program uses lazily (provider modules, the closure serializer) by declaring the
 * checks once under throwaway mocks. Done before the prober starts: compiling and loading stall
 * this process, which also hosts the replica, and that stall is not the go-live's downtime.
 */
export async function warmUp(opts: RehearsalProgramOptions): Promise<void> {
    void [cloudflare.DnsRecord, cloudflare.getZone, cloudflare.getDnsRecords, vercel.Project, vercel.ProjectDomain, vercel.Deployment, vercel.ProjectEnvironmentVariable, vercel.getDomainConfigOutput];
    await pulumi.runtime.setMocks(
        { newResource: (a) => ({ id: `${a.name}-warm`, state: a.inputs }), call: () => ({}) },
        "golive",
        "warm-up",
        false,
    );
    const record = new cloudflare.DnsRecord("warm-record", { zoneId: "z", name: opts.settings.domain, type: "A", content: "127.0.0.1", ttl: 60 });
    const golive = {
        records: { apex: { name: "", type: "A", resource: record, expectedContent: pulumi.output("127.0.0.1") }, www: { name: "", type: "A" } },
    } as unknown as GoLive;
    const results = postDeployChecks(golive, opts);
    await Promise.all(Object.values(results).map((o) => new Promise((r) => o.apply(r))));
}
