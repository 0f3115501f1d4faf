// Zero downtime beyond the phases: the site records survive `pulumi destroy` (retainOnDelete),
// except when a type change that deletes first was accepted. Resource options never reach the
// mocks' newResource, so the mock monitor's registerResource is watched directly.
import { strict as assert } from "assert";
import { parseConfig } from "../../lib/config";
import { buildGoLive } from "../../lib/program";
import { prodConfig, rawFrom, setGoLiveMocks, unwrap } from "./mocks";

async function recordOptions(phase: string, overrides: Record<string, unknown> = {}): Promise<Record<string, { retainOnDelete: boolean; deleteBeforeReplace: boolean }>> {
    setGoLiveMocks();
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
    const golive = await buildGoLive(parseConfig(rawFrom(prodConfig(phase, overrides))));
    for (const r of [golive.dns.apex, golive.dns.www]) if (r) await unwrap(r.urn);
    return seen;
}

describe("program: the live records are never deleted by accident", () => {
    it("retains apex and www at Cloudflare on delete, in every phase", async () => {
        for (const phase of ["adopt", "prepare", "cutover"]) {
            const seen = await recordOptions(phase);
            assert.deepEqual(seen["dns-apex"], { retainOnDelete: true, deleteBeforeReplace: false }, phase);
            assert.deepEqual(seen["dns-www"], { retainOnDelete: true, deleteBeforeReplace: false }, phase);
        }
    });

    it("lets an accepted type change delete first (the documented, explicit gap)", async () => {
        const seen = await recordOptions("cutover", { wwwRecordType: "CNAME", allowRecordReplace: true, liveRecords: { www: { id: "2".repeat(32), type: "A", content: "198.51.100.7", ttl: 3600, proxied: false } } });
        assert.deepEqual(seen["dns-www"], { retainOnDelete: false, deleteBeforeReplace: true });
    });
});
