// The replica's Cloudflare answers as terraform-provider-cloudflare v5 (behind @pulumi/cloudflare
// 6.22) does, and golive adopt's discovery copes with it (issue 19 items 2, 4 and 3).
import { strict as assert } from "assert";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { seededZone } from "../../rehearsal/run";
import { LIVE_RECORD_IDS, replicaProviders, TYPES, VercelReplica, ZONE_ID } from "../../replica/providers";
import { ReplicaProvider } from "../../replica/plugins/provider";
import type { CloudflareZone } from "../../replica/cloudflareZone";
import { MockEngine } from "../../rehearsal/engine";
import { discover, GuidedStack } from "../../operations/engineStack";
import { liveRecordsFrom } from "../../operations/liveRecords";

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

        it("golive adopt's discovery (operations/engineStack discover) finds the apex and www records of a zone with a CAA at the apex", async () => {
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

    describe("tags are kept as upstream keeps them (dns_record/schema.go: Optional+Computed)", () => {
        it("getDnsRecord, the import's read and the list return a record's tags; an update that does not name them keeps them", async () => {
            const www = zone.get(LIVE_RECORD_IDS.www)!;
            zone.update(www.id, { name: www.name, type: www.type, content: www.content, ttl: www.ttl, proxied: www.proxied, tags: ["team:web", "site:kalia"] });
            const got = await providers.invokes["cloudflare:index/getDnsRecord:getDnsRecord"]({ zoneId: ZONE_ID, dnsRecordId: www.id });
            assert.deepEqual(got.tags, ["team:web", "site:kalia"]);
            const listed = await providers.invokes[LIST]({ zoneId: ZONE_ID, name: { exact: world.www }, type: "A" });
            assert.deepEqual(listed.results[0].tags, ["team:web", "site:kalia"]);
            const handler = providers.resources[TYPES.dnsRecord];
            const read = await handler({ op: "read", type: TYPES.dnsRecord, name: "dns-www", inputs: {}, id: `${ZONE_ID}/${www.id}` });
            assert.deepEqual(read?.inputs?.tags, ["team:web", "site:kalia"], "the import reads them");
            // prepare: the program's inputs (no tags) with the low TTL, in place.
            const declared = { zoneId: ZONE_ID, name: world.www, type: "A", content: www.content, ttl: 60, proxied: false };
            const diff = await new ReplicaProvider("cloudflare").diff(www.id, `urn:pulumi:t::golive::${TYPES.dnsRecord}::dns-www`, read!.outputs, declared);
            assert.equal(diff.replaces, undefined);
            const updated = await handler({ op: "update", type: TYPES.dnsRecord, name: "dns-www", inputs: declared, id: www.id, olds: { key: "k", type: TYPES.dnsRecord, name: "dns-www", id: www.id, inputs: read!.inputs!, outputs: read!.outputs! } });
            assert.deepEqual(updated?.outputs?.tags, ["team:web", "site:kalia"]);
            assert.deepEqual(zone.get(www.id)?.tags, ["team:web", "site:kalia"]);
            assert.equal(zone.get(www.id)?.ttl, 60);
        });
    });

    it("a CAA record's content, computed from its data, is no change when the program declares only data (content is Optional+Computed, custom.go ModifyPlan)", async () => {
        const handler = providers.resources[TYPES.dnsRecord];
        const inputs = { zoneId: ZONE_ID, name: world.domain, type: "CAA", ttl: 60, comment: "ours", data: { flags: 0, tag: "issue", value: "letsencrypt.org" } };
        const created = await handler({ op: "create", type: TYPES.dnsRecord, name: "dns-caa-apex", inputs });
        try {
            assert.equal(created?.outputs?.content, '0 issue "letsencrypt.org"');
            const diff = await new ReplicaProvider("cloudflare").diff(created!.id!, `urn:pulumi:t::golive::${TYPES.dnsRecord}::dns-caa-apex`, { ...inputs, ...created!.outputs }, inputs);
            assert.equal(diff.changes, false);
        } finally {
            zone.delete(created!.id!);
        }
    });
});
