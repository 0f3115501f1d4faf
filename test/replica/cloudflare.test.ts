// The replica's Cloudflare answers as terraform-provider-cloudflare v5 (behind @pulumi/cloudflare
// 6.22) does, and golive adopt's discovery copes with it (issue 19 items 2, 4 and 3).
import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { seededZone } from "../../rehearsal/run";
import { replicaProviders, VercelReplica, ZONE_ID } from "../../replica/providers";
import type { CloudflareZone } from "../../replica/cloudflareZone";
import { MockEngine } from "../../rehearsal/engine";
import { discover, GuidedStack } from "../../cli/engineStack";
import { liveRecordsFrom } from "../../lib/liveRecords";

const LIST = "cloudflare:index/getDnsRecords:getDnsRecords";

describe("replica/cloudflare: as the provider answers", function () {
    this.timeout(60_000);
    let world: ReplicaWorld;
    let zone: CloudflareZone;
    let providers: ReturnType<typeof replicaProviders>;
    let vercel: VercelReplica;
    before(async () => {
        world = await startWorld({ pointAt: "old", ttl: 300 });
        zone = seededZone(world);
        // The zone's CAA at the apex (what most zones that restrict issuers have).
        zone.seed({ id: "c3".repeat(16), name: world.domain, type: "CAA", ttl: 300, proxied: false, data: { flags: 0, tag: "issue", value: "digicert.com" } });
        vercel = new VercelReplica(world, world.issue([world.domain, world.www]), {});
        providers = replicaProviders(world, zone, vercel, {}, () => 0, () => undefined);
    });
    after(async () => {
        vercel?.close();
        await world?.close();
    });

    describe("getDnsRecords: a list mixing CAA with other types fails (list_data_source_schema.go data.flags is dynamic; issues 5581, 6518, 7004)", () => {
        it("the apex by name (an A and a CAA) fails with the provider's panic; per type, or CAA alone, is answered", async () => {
            await assert.rejects(async () => providers.invokes[LIST]({ zoneId: ZONE_ID, name: { exact: world.domain } }), /panic: inconsistent list element types \(.*"flags":cty\.DynamicPseudoType.*then.*"flags":cty\.Number/);
            await assert.rejects(async () => providers.invokes[LIST]({ zoneId: ZONE_ID }), /inconsistent list element types/);
            const a = await providers.invokes[LIST]({ zoneId: ZONE_ID, name: { exact: world.domain }, type: "A" });
            assert.deepEqual(a.results.map((r: { type: string; content: string }) => `${r.type} ${r.content}`), [`A ${world.oldSite.host}`]);
            const caa = await providers.invokes[LIST]({ zoneId: ZONE_ID, type: "CAA" });
            assert.deepEqual(caa.results.map((r: { data: { value: string } }) => r.data.value), ["digicert.com"]);
        });

        it("golive adopt's discovery (cli/engineStack discover) finds the apex and www records of a zone with a CAA at the apex", async () => {
            // `discover` runs its program as a preview of the stack; here the mock engine runs it
            // against the replica's data sources (the engine tier runs it on the real engine).
            const engine = new MockEngine({ invokes: providers.invokes });
            const gs = { stack: { preview: async ({ program }: { program: () => Promise<unknown> }) => engine.preview("discover", {}, program) } } as unknown as GuidedStack;
            const found = await discover(gs, { domain: world.domain, phase: "adopt", records: true });
            assert.equal(found.error, undefined, found.error);
            const d = liveRecordsFrom(world.domain, found.records ?? []);
            assert.deepEqual(d.problems, []);
            assert.equal(d.apex?.content, world.oldSite.host);
            assert.equal(d.www?.content, world.oldSite.host);
        });
    });
});
