// adopt accepts a tagged live record without changing its tags (issue 19 item 4): tags are
// Optional+Computed in the provider (terraform-provider-cloudflare dns_record/schema.go), so the
// program, which never declares them, leaves them to the record at the import and every update.
import { strict as assert } from "assert";
import { parseConfig } from "../../config/config";
import { programConfigOf } from "../../program/programConfig";
import program = require("../../index");
import { liveAtCloudflare, prodConfig, rawFrom, setGoLiveMocks, unwrapDeep } from "./mocks";

describe("program: adopt and a tagged live record", function () {
    this.timeout(180_000);
    it("imports the tagged records as they are, declaring no tags", async () => {
        const rec = setGoLiveMocks({ records: liveAtCloudflare({ apex: { tags: ["owner:agency"] }, www: { tags: ["team:web", "site:kalia"] } }) });
        const outputs: any = await unwrapDeep(await program.goLive(programConfigOf(parseConfig(rawFrom(prodConfig("adopt"))))));
        assert.ok(outputs.dnsRecords.apex.recordId && outputs.dnsRecords.www.recordId);
        const records = rec.registrations.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord");
        assert.equal(records.length, 2);
        for (const r of records) {
            assert.ok(r.importId, `${r.name} is imported`);
            assert.ok(!("tags" in r.inputs), `${r.name} declares no tags: the record keeps its own`);
        }
    });
});
