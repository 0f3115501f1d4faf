// The program the rehearsal runs: the real one, index.ts, phase after phase. Only its stack config
// is the rehearsal's: the replica's domain, records and hosts, and `golive:checks.network`, which
// points the post-deploy checks at the replica's DNS server, ports and CA.
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as vercel from "@pulumiverse/vercel";
import * as command from "@pulumi/command";
import goLive = require("../index");
import { PostDeployChecks } from "../components/postDeployChecks";
import { ServiceChecks } from "../components/serviceChecks";
import type { SuiteSettings } from "../checks/suite";
import type { NetOptions } from "../checks/types";

/** The program of index.ts, as `pulumi up` runs it. */
export const program: () => Promise<Record<string, unknown>> = goLive;

/**
 * Loads what the program uses lazily (provider modules, the closure serializer) by declaring the
 * checks once under throwaway mocks. Done before the prober starts: compiling and loading stall
 * this process, which also hosts the replica, and that stall is not the go-live's downtime.
 */
export async function warmUp(settings: SuiteSettings, net: NetOptions): Promise<void> {
    void [cloudflare.DnsRecord, cloudflare.getZone, cloudflare.getDnsRecord, cloudflare.getDnsRecords, vercel.Project, vercel.ProjectDomain, vercel.Deployment, vercel.ProjectEnvironmentVariable, vercel.getDomainConfigOutput, command.local.Command];
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-warm`, state: a.inputs }), call: () => ({}) }, "golive", "warm-up", false);
    const site = new PostDeployChecks("warm", { settings: { ...settings, expected: { apex: [], www: [] } }, net, triggers: {} });
    const services = new ServiceChecks("warm-services", { site: settings, settings: {}, net });
    await Promise.all([site.results, services.results].map((o) => new Promise((r) => o.apply(r))));
    // Every registration (and the components' registerOutputs) done before the next mocks take over.
    const runtimeSettings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await runtimeSettings.waitForRPCs();
}
