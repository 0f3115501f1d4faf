// Issue 18 item 1 on the real engine: the guided commands' zone gate (operations/engineStack discover, the
// program's own lookupZone run as a preview) says why the lookup failed. A missing zone is "no
// zone"; a Cloudflare plugin the engine cannot load is the plugin, with its install command, not
// "no zone … Resource monitor is terminating".
import { strict as assert } from "assert";
import { createEngineWorkspace, EngineWorkspace } from "../../replica/engineWorkspace";
import { VERSIONS } from "../../replica/providerSchemas";
import { discover, openStack } from "../../operations/engineStack";
import { requireEngine } from "../helpers/prerequisites";
import { EngineReplica, startEngineReplica } from "../helpers/engineReplica";

describe("engine tier: why the zone lookup failed (P-03/P-04), as the guided commands say it", function () {
    this.timeout(240_000);
    let replica: EngineReplica;
    let ws: EngineWorkspace;

    before(async function () {
        const engine = requireEngine(this);
        replica = await startEngineReplica({ now: () => Date.now() });
        ws = await createEngineWorkspace({ engine, controlUrl: replica.control.url, stack: "zonelookup" });
        await ws.setConfig({ "golive:domain": { value: replica.world.domain }, "golive:gitRepo": { value: "kalia/site" } });
    });

    after(async () => {
        ws?.remove();
        await replica?.close();
    });

    it("a domain the account has no zone for: no zone found, with the provider's words", async () => {
        const gs = await openStack(ws.stack, ws.projectDir, ws.env);
        const found = await discover(gs, { domain: "absent-salon.fr", phase: "adopt", records: false });
        assert.equal(found.zone, undefined);
        assert.match(found.error ?? "", /^golive:domain absent-salon\.fr: no Cloudflare zone found with this name \(P-03\/P-04\).*zone absent-salon\.fr not found/);
    });

    it("the Cloudflare plugin missing (no internet to download it): the install command with the version the SDK asks for, not 'no zone'", async () => {
        const rm = await ws.pulumi(["plugin", "rm", "resource", "cloudflare", VERSIONS.cloudflare, "--yes"], { timeoutMs: 60_000 });
        assert.equal(rm.code, 0, rm.stderr);
        const gs = await openStack(ws.stack, ws.projectDir, ws.env);
        const found = await discover(gs, { domain: replica.world.domain, phase: "adopt", records: true });
        assert.equal(found.zone, undefined);
        const error = found.error ?? "";
        assert.match(error, /the Cloudflare provider plugin 6\.22\.1 is not installed/);
        assert.match(error, new RegExp(`pulumi plugin install resource cloudflare ${VERSIONS.cloudflare.replace(/\./g, "\\.")}`));
        assert.doesNotMatch(error, /no Cloudflare zone|Resource monitor is terminating/);
    });
});
