import { strict as assert } from "assert";
import { failedAtOf, fromFirstFailedCheck } from "../../bench/wayBack";
import type { CheckResult } from "../../checks/types";

// A rehearsal's report as bench/wayBack reads it: the origin of its clock, the checks of the
// cutover, the zone's changes, the prober's last failure.
const ORIGIN = Date.parse("2026-12-06T08:00:00.000Z");
const at = (ms: number) => new Date(ORIGIN + ms).toISOString();
const failed = (id: CheckResult["id"], ms: number | undefined, extra: Partial<CheckResult> = {}): CheckResult => ({ id, name: id, status: "fail", reason: "HTTP 500", evidence: ms === undefined ? {} : { status: 500, failedAt: at(ms) }, durationMs: 0, ...extra });

function report(over: { checks?: CheckResult[]; engineSaidAt?: number; changes?: Array<{ at: number; name: string; content: string }> } = {}) {
    return {
        domain: "kalia.test",
        cutoverChecks: over.checks ?? [failed("MEP-09", 5_200), failed("MEP-10", 5_100, { stage: "pre-switch" as const, status: "pass" }), failed("MEP-11", 5_350)],
        dnsChanges: (over.changes ?? [
            { at: 4_000, name: "kalia.test", content: "127.0.0.20" },
            { at: 4_010, name: "www.kalia.test", content: "127.0.0.20" },
            { at: 5_400, name: "www.kalia.test", content: "127.0.0.10" },
            { at: 5_420, name: "kalia.test", content: "127.0.0.10" },
        ]).map((c) => ({ ...c, op: "set" as const })),
        timeline: { origin: new Date(ORIGIN).toISOString(), endMs: 9_000, phases: [], checks: [], probes: [], dnsSwitchMs: 4_000, ...(over.engineSaidAt !== undefined ? { wayBack: { startMs: over.engineSaidAt, endMs: over.engineSaidAt + 100 } } : {}) },
        figures: {
            records: { prepare: { apex: [{ id: "a", type: "A", content: "127.0.0.10" }], www: [{ id: "w", type: "A", content: "127.0.0.10" }], caa: [] } },
            probes: { lastFailureAt: 5_500 } as never,
        },
    };
}

describe("bench/wayBack: the way back timed from the first failed check's own moment", () => {
    it("anchors on the earliest failure stamped by a check after the switch, not on the engine's report of it", () => {
        const r = fromFirstFailedCheck(report({ engineSaidAt: 6_000 }), 60)!;
        assert.equal(r.anchorCheck, "MEP-09");
        assert.equal(r.anchorMs, 5_200);
        assert.equal(r.engineReportLagMs, 800);
        assert.equal(r.zoneMs, 220, "the later of the two names set back to prepare's content");
        assert.equal(r.lastFailedProbeMs, 300);
        assert.equal(r.cachedVisitorMs, 220 + 60_000, "the zone's time plus the record's TTL");
    });

    it("a name not yet back to prepare's content leaves the zone's figure out", () => {
        const r = fromFirstFailedCheck(report({ changes: [{ at: 4_000, name: "kalia.test", content: "127.0.0.20" }, { at: 5_400, name: "www.kalia.test", content: "127.0.0.10" }] }), 60)!;
        assert.equal(r.zoneMs, undefined);
        assert.equal(r.cachedVisitorMs, undefined);
    });

    it("no failed check after the switch with its moment: nothing to time from", () => {
        assert.equal(fromFirstFailedCheck(report({ checks: [failed("MEP-09", undefined), failed("MEP-10", 5_000, { stage: "pre-switch" })] })), undefined);
    });

    it("reads the moment off evidence cut short (kept as raw text)", () => {
        const cut = { raw: `{"status":500,"body":"…","failedAt":"${at(1234)}"` };
        assert.equal(failedAtOf({ evidence: cut }), ORIGIN + 1234);
        assert.equal(failedAtOf({ evidence: { failedAt: "not a time" } }), undefined);
    });
});
