import { strict as assert } from "assert";
import { clip, failureSummary, reasonLine } from "../../checks/failures";
import { formatTable } from "../../checks/suite";
import { r } from "../fixtures/checkResults";

const TLS = "ERR_TLS_CERT_ALTNAME_INVALID: certificate names [*.vercel.app] do not cover www.example.com";
const smoke = (missing: string) =>
    r("MEP-11", "Smoke test", "fail", ["/", "/services", "/tarifs", "/a-propos", "/contact"].map((p) => `${p} ${TLS}`).concat(`unknown path ${missing} answered 200, expected 404`).join("; "));

describe("checks/failures: each failure once, in one line", () => {
    it("a failure reads as its first problem and a count of the rest; a pass as it is", () => {
        assert.equal(reasonLine(smoke("/golive-404-abc")), `/ ${TLS} (and 5 more problems)`);
        assert.equal(reasonLine(r("MEP-10", "Redirects", "fail", "a; b")), "a (and 1 more problem)");
        assert.equal(reasonLine(r("MEP-09", "HTTPS", "pass", "answered 200; fast")), "answered 200; fast");
        const long = reasonLine(r("MEP-09", "HTTPS", "fail", `${"x".repeat(1500)}; y`));
        assert.ok(long.length <= 200, `${long.length}`);
        assert.match(long, /… \(and 1 more problem\)$/);
        assert.equal(clip("   a\n  b"), "   a b");
    });

    it("lists a check once across runs, even when its text differs by a random path", () => {
        const lines = failureSummary([
            { label: "cutover", results: [smoke("/golive-404-abc"), r("MEP-10", "Redirects", "fail", "http://x answered 302")] },
            { label: "new site", results: [smoke("/golive-404-xyz"), r("MEP-10", "Redirects", "fail", "http://x answered 302")] },
            { label: "after rollback", results: [r("MEP-10", "Redirects", "pass", "ok")] },
        ]);
        assert.deepEqual(lines, [`MEP-11 Smoke test: / ${TLS} (and 5 more problems) [cutover, new site]`, "MEP-10 Redirects: http://x answered 302 [cutover, new site]"]);
        // A check that fails for another reason in a later run is listed again, under that run.
        const again = failureSummary([
            { label: "cutover", results: [r("MEP-10", "Redirects", "fail", "http://x answered 302")] },
            { label: "after rollback", results: [r("MEP-10", "Redirects", "fail", "http://x answered 404")] },
        ]);
        assert.equal(again.length, 2);
    });

    it("golive verify's table keeps one short line per check", () => {
        const table = formatTable([smoke("/golive-404-abc"), r("MEP-09", "HTTPS reachability", "pass", "answered 200")]);
        const lines = table.split("\n");
        assert.equal(lines.length, 4);
        assert.equal(lines.filter((l) => l.includes("MEP-11")).length, 1);
        assert.ok(lines.every((l) => l.length < 260), table);
        assert.equal(table.split(TLS).length - 1, 1, "the TLS error once");
    });
});
