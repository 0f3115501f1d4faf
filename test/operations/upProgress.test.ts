import { strict as assert } from "assert";
import { failedCheckLines, ProgressEvent, UpProgress } from "../../operations/upProgress";
import { failureMessage } from "../../checks/dynamic";
import { r } from "../fixtures/checkResults";

const REC = "cloudflare:index/dnsRecord:DnsRecord";
const HTTPS = "pulumi-nodejs:dynamic/golive:HttpsReachability";
const urn = (type: string, name: string) => `urn:pulumi:prod::golive::golive:x:Parent$${type}::${name}`;
const meta = (op: string, type: string, name: string, outputs?: Record<string, unknown>) => ({ op, urn: urn(type, name), type, new: { custom: true, inputs: {}, ...(outputs ? { outputs } : {}) } });

describe("operations/upProgress: live progress of a `pulumi up` from the engine's events", () => {
    it("one line per resource as it finishes and per check with its result; the DNS switch and the first failed check are timed", () => {
        const p = new UpProgress();
        const lines = (e: ProgressEvent, at: number) => p.onEvent(e, at);
        assert.deepEqual(lines({ resourcePreEvent: { metadata: meta("update", REC, "dns-www") } }, 1000), []);
        assert.deepEqual(lines({ resOutputsEvent: { metadata: meta("update", REC, "dns-www", { name: "www.example.com", type: "A", content: "192.0.2.2" }) } }, 1400), ["  ✓ update MEP-06 DNS record dns-www (0.4 s)"]);
        assert.equal(p.dnsChangedAt, 1400);
        assert.deepEqual(p.dnsRecords, { www: { name: "www.example.com", type: "A", content: "192.0.2.2" } });
        assert.deepEqual(lines({ resourcePreEvent: { metadata: meta("same", REC, "dns-apex") } }, 1500), [], "unchanged resources are not shown");
        assert.deepEqual(lines({ resourcePreEvent: { metadata: meta("create", HTTPS, "checks-mep09-https") } }, 2000), ["  … MEP-09 HTTPS reachability checks-mep09-https: running"]);
        const passed = r("MEP-09", "HTTPS reachability", "pass", "https://www.example.com/ answered 200 in 80 ms");
        assert.deepEqual(lines({ resOutputsEvent: { metadata: meta("create", HTTPS, "checks-mep09-https", { result: passed }) } }, 2500), ["  ✓ MEP-09 HTTPS reachability: pass — https://www.example.com/ answered 200 in 80 ms (0.5 s)"]);

        const redirects = "pulumi-nodejs:dynamic/golive:Redirects";
        lines({ resourcePreEvent: { metadata: meta("create", redirects, "checks-mep10-redirects") } }, 2100);
        const failed = r("MEP-10", "Redirects", "fail", "http://example.com/ answered 302", { chain: ["302"] });
        // The engine reports a failed check as an error diagnostic on its resource, then the failed op.
        assert.deepEqual(lines({ diagnosticEvent: { urn: urn(redirects, "checks-mep10-redirects"), severity: "error", message: `error: ${failureMessage(failed)}\n` } }, 3000), ["  ✗ MEP-10 Redirects: FAILED — http://example.com/ answered 302"]);
        lines({ resOpFailedEvent: { metadata: meta("create", redirects, "checks-mep10-redirects") } }, 3001);
        assert.equal(p.firstFailedCheckAt, 3000);
        assert.deepEqual(p.failedChecks.map((c) => [c.id, c.reason, c.evidence]), [["MEP-10", "http://example.com/ answered 302", { chain: ["302"] }]]);
        assert.deepEqual(p.results.map((c) => `${c.id} ${c.status}`), ["MEP-09 pass", "MEP-10 fail"]);
        const step = p.steps.find((s) => s.name === "checks-mep10-redirects")!;
        assert.equal(step.ok, false);

        // Any other error is kept (and shown) as an error, not as a check.
        assert.deepEqual(lines({ diagnosticEvent: { urn: urn("vercel:index/deployment:Deployment", "site-deployment"), severity: "error", message: "the build failed\nmore" } }, 3100), ["  ✗ MEP-04 Vercel production deployment site-deployment: the build failed"]);
        lines({ diagnosticEvent: { severity: "error", message: "update failed" } }, 3200);
        assert.deepEqual(p.errors, ["site-deployment: the build failed"]);
    });

    it("the engine's warnings reach the output once each: pending operations an interrupted run left, a resource's own (issue 17)", () => {
        const p = new UpProgress();
        const pending =
            "Attempting to deploy or update resources with 1 pending operations from previous deployment.\n  * urn:pulumi:prod::golive::cloudflare:index/dnsRecord:DnsRecord::dns-www, interrupted while updating\nThese resources are in an unknown state because the Pulumi CLI was interrupted while waiting for changes to these resources to complete.";
        const first = p.onEvent({ diagnosticEvent: { urn: "urn:pulumi:prod::golive::pulumi:pulumi:Stack::golive-prod", severity: "warning", message: pending } }, 10);
        assert.equal(first.length, 1);
        assert.match(first[0], /^ {2}! warning: Attempting to deploy or update resources with 1 pending operations from previous deployment\. \* urn:[^ ]+::dns-www, interrupted while updating These resources are in an unknown state/);
        assert.deepEqual(p.onEvent({ diagnosticEvent: { urn: "urn:pulumi:prod::golive::pulumi:pulumi:Stack::golive-prod", severity: "warning", message: pending } }, 11), [], "once");
        assert.deepEqual(p.onEvent({ diagnosticEvent: { urn: urn(REC, "dns-www"), severity: "warning", message: "rate limited, retrying" } }, 12), ["  ! warning: dns-www: rate limited, retrying"]);
        assert.deepEqual(p.onEvent({ diagnosticEvent: { severity: "info", message: "chatter" } }, 13), []);
        assert.equal(p.warnings.length, 2);
        assert.deepEqual(p.errors, [], "a warning is not an error");
    });

    it("the failed checks in one line each, with their evidence shortened", () => {
        const lines = failedCheckLines([r("MEP-09", "HTTPS reachability", "pass", "ok"), r("MEP-11", "Smoke test", "fail", "/ answered 500", { pages: "x".repeat(500) })], 40);
        assert.deepEqual(lines, [`  ✗ MEP-11 Smoke test: / answered 500 — evidence: {"pages":"${"x".repeat(30)}…`]);
    });
});
