import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildChecklist } from "../../program/report";
import { PhaseRecord, recordFileName, renderRecord, withRollbackDecision, writeRecordFile } from "../../rendering/recordFile";
import { r } from "../fixtures/checkResults";

const T0 = Date.parse("2026-12-01T08:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000);
const failed = r("MEP-09", "HTTPS reachability", "fail", "https://www.example.com/ answered 500 (expected 200)", { status: 500 });

function record(over: Partial<PhaseRecord> = {}): PhaseRecord {
    return {
        stack: "client",
        phase: "cutover",
        domain: "example.com",
        operator: "Camille",
        engine: "v3.248.0",
        startedAt: at(0),
        endedAt: at(40),
        gates: [
            { id: "P-01", label: "client approval", ok: true, detail: "approved by Léa on 2026-11-30" },
            { id: "order", label: "phase order", ok: true, detail: "last applied: prepare" },
        ],
        preview: ["  record changing in place: www.example.com (dns-www): content 192.0.2.1 → 192.0.2.2"],
        confirmation: "--yes",
        ok: false,
        errors: ["MEP-09 HTTPS reachability failed"],
        steps: [
            { name: "dns-www", type: "cloudflare:index/dnsRecord:DnsRecord", op: "update", label: "MEP-06 DNS record dns-www", startedAt: 10_000, endedAt: 10_400, ok: true },
            { name: "checks-mep09-https", type: "pulumi-nodejs:dynamic/golive:HttpsReachability", op: "create", label: "MEP-09 HTTPS reachability checks-mep09-https", startedAt: 11_000, endedAt: 12_000, ok: false, result: failed },
        ],
        clockOrigin: T0,
        failedChecks: [failed],
        dnsSwitchAt: at(10.4),
        firstFailedCheckAt: at(12),
        decision: { choice: "rollback", by: "Camille", at: at(15), how: 'answered "yes" at the prompt' },
        rollback: { ok: true, startedAt: at(15), endedAt: at(25), dnsRestoredAt: at(19), steps: [], errors: [] },
        checklist: buildChecklist({ domain: "example.com", phase: "cutover", stack: "client", results: [failed], generatedAt: at(40).toISOString() }),
        releaseRef: "v1.0.0",
        ...over,
    };
}

describe("rendering/recordFile: the Markdown record of a guided phase", () => {
    it("is named after the stack, the phase and the UTC time", () => {
        assert.equal(recordFileName("client", "cutover", new Date("2026-12-01T08:00:05.123Z")), "golive-client-cutover-20261201T080005Z.md");
    });

    it("a failed cutover: gates, preview, progress with times, the failed check and its evidence, who decided the rollback and when, the rollback, then the checklist with R-1/R-2 filled in", () => {
        const md = renderRecord(record());
        assert.match(md, /^# golive cutover — example\.com \(stack client\)\n/);
        assert.match(md, /- \*\*Result:\*\* FAILED, rolled back to prepare/);
        assert.match(md, /- \*\*DNS switch:\*\* 2026-12-01T08:00:10\.400Z/);
        assert.match(md, /\| P-01 client approval \| ✅ ok \| approved by Léa on 2026-11-30 \|/);
        assert.match(md, /```\nrecord changing in place: www\.example\.com \(dns-www\): content 192\.0\.2\.1 → 192\.0\.2\.2\n```/);
        assert.match(md, /\| 08:00:10\.400 \| MEP-06 DNS record dns-www \| update done \|/);
        assert.match(md, /\| 08:00:12\.000 \| MEP-09 HTTPS reachability checks-mep09-https \| fail: https:\/\/www\.example\.com\/ answered 500 \(expected 200\) \|/);
        assert.match(md, /- \*\*MEP-09 HTTPS reachability:\*\* https:\/\/www\.example\.com\/ answered 500 \(expected 200\) — evidence: `\{"status":500\}`/);
        assert.match(md, /First failed check 1\.6 s after the DNS switch\./);
        assert.match(md, /## Rollback decision \(R-1\)\n\n- \*\*Decision:\*\* rollback\n- \*\*Decided by:\*\* Camille\n- \*\*At:\*\* 2026-12-01T08:00:15\.000Z\n- \*\*How:\*\* answered "yes" at the prompt/);
        assert.match(md, /Records back at their previous content:\*\* 2026-12-01T08:00:19\.000Z \(7\.0 s after the first failed check\)/);
        // The plan's checklist, one heading level down, R-1 and R-2 as decided and done.
        assert.match(md, /\n## Mise en production — example\.com\n/);
        assert.match(md, /\| \*\*R-1\*\* \| Décision \| [^|]+ \| ✅ done \| roll back now: decided by Camille at 2026-12-01T08:00:15\.000Z \(answered "yes" at the prompt\) \|/);
        assert.match(md, /\| \*\*R-2\*\* \| [^|]+ \| [^|]+ \| ✅ done \| golive:phase back to prepare and pulumi up, done at 2026-12-01T08:00:25\.000Z; records back at 2026-12-01T08:00:19\.000Z \|/);
        assert.match(md, /\| \*\*MEP-09\*\* \| [^|]+ \| [^|]+ \| ❌ failed \|/);
    });

    it("a successful phase has no decision section, and R-1 stays manual; an open decision is pending", () => {
        const ok = renderRecord(record({ ok: true, errors: [], failedChecks: [], decision: undefined, rollback: undefined, steps: [] }));
        assert.doesNotMatch(ok, /Rollback decision|## Failed checks|## Errors/);
        assert.match(ok, /No resource changed\./);
        assert.match(ok, /\| \*\*R-1\*\* \| Décision \| [^|]+ \| ✋ manual \|/);
        const lines = withRollbackDecision(buildChecklist({ domain: "example.com", results: [], generatedAt: "x" }), { choice: "undecided", by: "ci", at: at(1), how: "no terminal" }, undefined);
        assert.equal(lines.find((l) => l.id === "R-1")!.status, "pending");
    });

    it("writes into its folder, never over an existing record: two runs in the same second both keep theirs (issue 17)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-records-"));
        try {
            const name = recordFileName("client", "cutover", new Date("2026-12-01T08:00:05.123Z"));
            const first = writeRecordFile(path.join(dir, "records"), name, "one");
            const second = writeRecordFile(path.join(dir, "records"), name, "two");
            const third = writeRecordFile(path.join(dir, "records"), name, "three");
            assert.deepEqual([first, second, third].map((f) => path.basename(f)), ["golive-client-cutover-20261201T080005Z.md", "golive-client-cutover-20261201T080005Z-2.md", "golive-client-cutover-20261201T080005Z-3.md"]);
            assert.deepEqual([first, second, third].map((f) => fs.readFileSync(f, "utf8")), ["one", "two", "three"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
