// Zero downtime beyond the phases: the site records survive `pulumi destroy` (retainOnDelete),
// except when a type change that deletes first was accepted. Resource options never reach the
// mocks' newResource, so the mock monitor's registerResource is watched directly.
import { strict as assert } from "assert";
import { parseConfig } from "../../config/config";
import { programConfigOf } from "../../program/programConfig";
import program = require("../../index");
import { LIVE, liveAtCloudflare, prodConfig, rawFrom, settle, setGoLiveMocks, unwrapDeep } from "./mocks";

async function recordOptions(phase: string, overrides: Record<string, unknown> = {}): Promise<Record<string, { retainOnDelete: boolean; deleteBeforeReplace: boolean }>> {
    const live = (overrides.liveRecords ?? LIVE) as typeof LIVE;
    setGoLiveMocks({ records: liveAtCloudflare({ apex: live.apex, www: live.www }) });
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): { registerResource: (req: any, cb: any) => void } };
    const monitor = settings.getMonitor();
    const seen: Record<string, { retainOnDelete: boolean; deleteBeforeReplace: boolean }> = {};
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        if (req.getType() === "cloudflare:index/dnsRecord:DnsRecord") {
            seen[req.getName()] = { retainOnDelete: req.getRetainondelete() === true, deleteBeforeReplace: req.getDeletebeforereplace() === true };
        }
        return register(req, cb);
    };
    await unwrapDeep(await program.goLive(programConfigOf(parseConfig(rawFrom(prodConfig(phase, overrides))))));
    await settle();
    return seen;
}

describe("program: the live records are never deleted by accident", function () {
    this.timeout(180_000);
    it("retains apex and www at Cloudflare on delete, in every phase", async () => {
        for (const phase of ["adopt", "prepare", "cutover"]) {
            const seen = await recordOptions(phase);
            assert.deepEqual(seen["dns-apex"], { retainOnDelete: true, deleteBeforeReplace: false }, phase);
            assert.deepEqual(seen["dns-www"], { retainOnDelete: true, deleteBeforeReplace: false }, phase);
        }
    });

    it("lets an accepted type change delete first, from prepare on: the engine reads retainOnDelete from the state it replaces", async () => {
        const typeChange = { wwwRecordType: "CNAME", allowRecordReplace: true, liveRecords: { ...LIVE, www: { ...LIVE.www, type: "A", content: "198.51.100.7" } } };
        // prepare's state is the old one of cutover's replace (A → CNAME), and prepare is the goal of the rollback's (CNAME → A).
        for (const phase of ["prepare", "cutover"]) {
            const seen = await recordOptions(phase, typeChange);
            assert.deepEqual(seen["dns-www"], { retainOnDelete: false, deleteBeforeReplace: true }, phase);
            assert.deepEqual(seen["dns-apex"], { retainOnDelete: true, deleteBeforeReplace: false }, `${phase}: the apex keeps its type`);
        }
        const adopt = await recordOptions("adopt", typeChange);
        assert.deepEqual(adopt["dns-www"], { retainOnDelete: true, deleteBeforeReplace: false }, "adopt retains");
    });
});
