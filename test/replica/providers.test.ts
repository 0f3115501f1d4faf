// The replica answers as the real providers do (issue 19 items 5–8): what the replica plugin's
// check and diff say, and what the world's handlers answer, for the rules read off the upstream
// providers' source (each test names the file).
import { strict as assert } from "assert";
import { ReplicaProvider } from "../../replica/plugins/provider";
import { CONTROL_ENV } from "../../replica/control";
import { LIVE_RECORD_IDS, REPLACE_KEYS, TYPES, ZONE_ID } from "../../replica/providers";
import { unwrapSecrets } from "../../shared/secretEnvelope";
import { EngineReplica, startEngineReplica } from "../helpers/engineReplica";
import { replicaProviders } from "../../replica/providers";
import { INVOKES } from "../../replica/providerSchemas";

const urn = (type: string, name: string) => `urn:pulumi:test::golive::${type}::${name}`;

describe("replica providers: answers as the real providers do (issue 19)", () => {
    describe("vercel.ProjectEnvironmentVariable (terraform-provider-vercel v5.4.1 resource_project_environment_variable.go)", () => {
        const vercel = new ReplicaProvider("vercel");
        const envUrn = urn(TYPES.envVar, "site-env-CONTACT_TO");
        const base = { projectId: "prj_1", key: "CONTACT_TO", value: "rdv@example.com", targets: ["production"], sensitive: true };

        it("a change of targets updates the variable in place; sensitive forces a replace", async () => {
            const targets = await vercel.diff("env_1", envUrn, base, { ...base, targets: ["production", "preview"] });
            assert.equal(targets.changes, true);
            assert.equal(targets.replaces, undefined, "target has no RequiresReplace");
            assert.ok(!REPLACE_KEYS[TYPES.envVar].includes("targets"), "the mock engine updates it in place too");
            const sensitive = await vercel.diff("env_1", envUrn, base, { ...base, sensitive: false });
            assert.deepEqual(sensitive.replaces, ["sensitive"]);
        });

        it("sensitive is required; value is optional, exactly one of value and valueWo", async () => {
            const { sensitive: _s, ...noSensitive } = base;
            assert.deepEqual((await vercel.check(envUrn, {}, noSensitive)).failures?.map((f) => f.property), ["sensitive"]);
            const { value: _v, ...noValue } = base;
            assert.deepEqual((await vercel.check(envUrn, {}, { ...noValue, valueWo: "rdv@example.com" })).failures, []);
            assert.match((await vercel.check(envUrn, {}, { ...base, valueWo: "x" })).failures?.[0]?.reason ?? "", /Exactly one of these attributes must be configured: \[value,valueWo\]/);
            assert.match((await vercel.check(envUrn, {}, noValue)).failures?.[0]?.reason ?? "", /Exactly one of/);
            assert.deepEqual((await vercel.check(envUrn, {}, base)).failures, []);
        });
    });

    describe("with the replica world", function () {
        this.timeout(30_000);
        let replica: EngineReplica;
        let previousApi: string | undefined;
        before(async () => {
            replica = await startEngineReplica({ now: () => Date.now() });
            previousApi = process.env[CONTROL_ENV];
            process.env[CONTROL_ENV] = replica.control.url;
        });
        after(async () => {
            if (previousApi === undefined) delete process.env[CONTROL_ENV];
            else process.env[CONTROL_ENV] = previousApi;
            await replica?.close();
        });

        it("cloudflare.DnsRecord import: the id is exactly <zoneId>/<recordId>, read in that zone (dns_record/resource.go ImportState, importpath/parse.go)", async () => {
            const cloudflare = new ReplicaProvider("cloudflare");
            const recUrn = urn(TYPES.dnsRecord, "dns-apex");
            const read = await cloudflare.read(`${ZONE_ID}/${LIVE_RECORD_IDS.apex}`, recUrn);
            assert.equal(read.id, LIVE_RECORD_IDS.apex);
            assert.equal(read.inputs?.content, replica.world.oldSite.host);
            await assert.rejects(cloudflare.read(LIVE_RECORD_IDS.apex, recUrn), /invalid ID: expected urlencoded segments "<zone_id>\/<dns_record_id>", got "a1a1/);
            await assert.rejects(cloudflare.read(`x/${ZONE_ID}/${LIVE_RECORD_IDS.apex}`, recUrn), /invalid ID/);
            const otherZone = await cloudflare.read(`${"f".repeat(32)}/${LIVE_RECORD_IDS.apex}`, recUrn);
            assert.equal(otherZone.id, "", "another zone's record is not found");
            // A refresh reads the state's record in the state's zone.
            const refreshed = await cloudflare.read(LIVE_RECORD_IDS.www, recUrn, { zoneId: ZONE_ID, name: replica.world.www });
            assert.equal(refreshed.id, LIVE_RECORD_IDS.www);
        });

        it("vercel.Deployment: an update keeps the id, url and ref (only deleteOnDestroy changes); ref comes from gitSource and a change replaces (resource_deployment.go)", async () => {
            const vercel = new ReplicaProvider("vercel");
            const depUrn = urn(TYPES.deployment, "site-deployment");
            const inputs = { projectId: "prj_kalia", ref: "v1.0.0", production: true };
            const created = await vercel.create(depUrn, inputs);
            assert.match(created.id ?? "", /^dpl_/);
            assert.equal(created.outs?.ref, "v1.0.0");
            const olds = unwrapSecrets(created.outs);
            const onlyDelete = await vercel.diff(created.id!, depUrn, olds, { ...inputs, deleteOnDestroy: true });
            assert.equal(onlyDelete.changes, true);
            assert.equal(onlyDelete.replaces, undefined);
            const updated = await vercel.update(created.id!, depUrn, olds, { ...inputs, deleteOnDestroy: true });
            assert.equal(updated.outs?.url, created.outs?.url, "same deployment, same url");
            assert.equal(updated.outs?.ref, "v1.0.0");
            assert.equal(updated.outs?.deleteOnDestroy, true);
            // The mock engine's update goes through the same handler: the id stays.
            const handlers = replicaProviders(replica.world, replica.zone, replica.vercel, {}, () => 0, () => undefined);
            const done = await handlers.resources[TYPES.deployment]({ op: "update", type: TYPES.deployment, name: "site-deployment", inputs: { ...inputs, deleteOnDestroy: true }, id: created.id, olds: { key: "k", type: TYPES.deployment, name: "site-deployment", id: created.id!, inputs, outputs: olds } });
            assert.equal(done?.id, created.id);
            assert.deepEqual((await vercel.diff(created.id!, depUrn, olds, { ...inputs, ref: "v1.0.1" })).replaces, ["ref"]);
        });

        it("vercel.getDomainConfig answers domain, projectIdOrName, teamId and the rank-1 recommendations, nothing else (data_source_domain_config.go, client/domain_config.go)", async () => {
            const vercel = new ReplicaProvider("vercel");
            const { outputs } = await vercel.invoke("vercel:index/getDomainConfig:getDomainConfig", { domain: replica.world.www, projectIdOrName: "prj_kalia" });
            assert.deepEqual(Object.keys(outputs).sort(), ["domain", "projectIdOrName", "recommendedCname", "recommendedIpv4s"]);
            assert.deepEqual(outputs.recommendedIpv4s, [replica.world.newSite.host]);
            assert.equal(outputs.recommendedCname, `cname.vercel-dns.${replica.world.domain}`);
            const team = await vercel.invoke("vercel:index/getDomainConfig:getDomainConfig", { domain: replica.world.www, projectIdOrName: "prj_kalia", teamId: "team_1" });
            assert.equal(team.outputs.teamId, "team_1");
        });

        it("every data source answers only the fields its schema lists (replica/providerSchemas INVOKES, held against the SDK)", async () => {
            const { invokes } = replicaProviders(replica.world, replica.zone, replica.vercel, {}, () => 0, () => undefined);
            const asks: Record<string, Record<string, unknown>> = {
                "cloudflare:index/getZone:getZone": { filter: { name: replica.world.domain } },
                "cloudflare:index/getDnsRecord:getDnsRecord": { zoneId: ZONE_ID, dnsRecordId: LIVE_RECORD_IDS.apex },
                "cloudflare:index/getDnsRecords:getDnsRecords": { zoneId: ZONE_ID, type: "A" },
                "vercel:index/getDomainConfig:getDomainConfig": { domain: replica.world.www, projectIdOrName: "prj_kalia", teamId: "team_1" },
            };
            assert.deepEqual(Object.keys(asks).sort(), Object.keys(INVOKES).sort(), "every data source of the table is asked");
            assert.deepEqual(Object.keys(invokes).sort(), Object.keys(INVOKES).sort(), "the replica serves exactly the table's data sources");
            for (const [token, args] of Object.entries(asks)) {
                const schema = INVOKES[token];
                assert.deepEqual(Object.keys(args).filter((k) => !schema.args.includes(k)), [], `${token} asked with arguments outside its schema`);
                const answer = await invokes[token](args);
                assert.deepEqual(Object.keys(answer).filter((k) => !schema.results.includes(k)), [], `${token} answers fields outside its schema`);
                for (const [field, fields] of Object.entries(schema.items ?? {})) {
                    for (const item of answer[field] as Array<Record<string, unknown>>) assert.deepEqual(Object.keys(item).filter((k) => !fields.includes(k)), [], `${token} ${field} item`);
                }
            }
        });
    });
});
