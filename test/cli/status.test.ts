import { strict as assert } from "assert";
import { siteSummary } from "../../cli/status";
import { r } from "../fixtures/checkResults";

// Issue 18 item 5: each line of `golive status` states only what was observed.
describe("cli/status: the site lines of golive status", () => {
    const passed = [r("MEP-07", "DNS propagation", "pass", "answer the expected values"), r("MEP-09", "HTTPS reachability", "pass", "200 in 40 ms")];
    const failed = [passed[0], r("MEP-09", "HTTPS reachability", "fail", "connect ECONNREFUSED")];

    it("before any phase is applied: no 'as expected expects'", () => {
        const lines = siteSummary(undefined, ["dns", "https"], failed);
        assert.ok(lines.every((l) => !/expected expects/.test(l)), lines.join("\n"));
        assert.equal(lines[0], "Site (quick verify, as expected before adopt: dns, https):");
        assert.equal(lines[lines.length - 1], "The site does NOT answer as expected before adopt: 1 check failed.");
        assert.equal(siteSummary(undefined, ["dns", "https"], passed).pop(), "The site answers as expected before adopt.");
    });

    it("after a phase: as that phase expects, with the count in words", () => {
        assert.equal(siteSummary("prepare", ["dns", "https"], passed).pop(), "The site answers as prepare expects.");
        const two = [r("MEP-07", "DNS propagation", "fail", "x"), r("MEP-09", "HTTPS reachability", "fail", "y")];
        assert.equal(siteSummary("cutover", ["dns", "https"], two).pop(), "The site does NOT answer as cutover expects: 2 checks failed.");
    });
});
