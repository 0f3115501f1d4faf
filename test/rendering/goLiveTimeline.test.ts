// The go-live page's timeline (issue 26): one builder for the rehearsal's go-live and a real one's.
// A real cutover has no prober: its timeline is what the guided command recorded (the apply, the DNS
// switch, each check as it ended, the way back) and, as the visitors' lane, the checks' own requests.
import { strict as assert } from "assert";
import type { CheckResult } from "../../checks/types";
import type { ProgressStep } from "../../operations/upProgress";
import { checkRequestProbes, phaseBands, realTimeline, rollbackTimeline, timelineCheckOf } from "../../rendering/goLiveTimeline";
import { rehearsalTimeline } from "../../rehearsal/goLivePage";
import { renderTimelineSvg } from "../../rendering/htmlTimeline";
import { wordsFor } from "../../rendering/htmlWords";

const T0 = Date.UTC(2026, 11, 6, 8, 0, 0);
const at = (ms: number) => new Date(T0 + ms);
const iso = (ms: number) => at(ms).toISOString();
const req = (ms: number, took: number, ok: boolean, url = "https://www.example.com") => ({ at: iso(ms), ms: took, ok, url, status: ok ? 200 : "ECONNRESET" });
const result = (id: CheckResult["id"], status: CheckResult["status"], requests: unknown[], pre = false): CheckResult => ({ id, name: id, status, reason: "", evidence: { requests }, durationMs: 1, ...(pre ? { stage: "pre-switch" as const } : {}) });
const step = (name: string, endedAt: number, r?: CheckResult, ok = true, error?: string): ProgressStep => ({ name, type: "pulumi-nodejs:dynamic:Resource", op: "create", label: name, startedAt: endedAt - 100, endedAt, ok, ...(r ? { result: r } : {}), ...(error ? { error } : {}) });

describe("rendering/goLiveTimeline: the timeline of a go-live, rehearsed or real (issue 26)", () => {
    const pre = result("MEP-09", "pass", [req(2_000, 40, true)], true);
    const https = result("MEP-09", "pass", [req(9_000, 120, true), req(9_200, 15, true, "https://example.com:443")]);
    const psi = result("MEP-13", "pass", [req(9_500, 900, true, "https://www.googleapis.com")]);
    const failed = result("MEP-11", "fail", [req(10_000, 5_000, false)]);

    it("a live cutover: the apply as a band, the DNS switch at the records' change, every check where it ended, the checks' own requests to apex and www as the visitors' lane", () => {
        const t = realTimeline({
            domain: "example.com",
            clockOrigin: T0,
            endedAt: at(20_000),
            apply: { startedAt: at(1_000), endedAt: at(15_000) },
            steps: [step("preswitch-https", 2_100, pre), step("dns-www", 6_000), step("checks-https", 9_300, https), step("services-psi", 9_600, psi), step("release-notify-live", 14_000, { ...https, id: "MEP-17" })],
            failedChecks: [],
            dnsSwitchAt: at(6_000),
        });
        assert.equal(t.origin, iso(0));
        assert.equal(t.endMs, 20_000);
        assert.deepEqual(t.phases, [
            { label: "cutover", startMs: 1_000, endMs: 15_000 },
            { label: "report", startMs: 15_000, endMs: 20_000 },
        ]);
        assert.equal(t.dnsSwitchMs, 6_000);
        assert.equal(t.wayBack, undefined);
        assert.deepEqual(
            t.checks.map((c) => [c.id, c.stage, c.atMs, c.status]),
            [
                ["MEP-09", "pre-switch", 2_100, "pass"],
                ["MEP-09", "after-switch", 9_300, "pass"],
                ["MEP-13", "after-switch", 9_600, "pass"],
            ],
            "the messages (MEP-17) are not checks; the DNS record is not a check",
        );
        // Google's API is not the site: only apex's and www's requests, in time order.
        assert.deepEqual(t.probes, [
            { atMs: 2_000, ms: 40, ok: true },
            { atMs: 9_000, ms: 120, ok: true },
            { atMs: 9_200, ms: 15, ok: true },
        ]);
        assert.deepEqual(t.probesSource, { kind: "checks", hosts: ["example.com", "www.example.com"] });
        // The chart draws it.
        const svg = renderTimelineSvg(t, wordsFor("en"), "example.com");
        assert.match(svg, /class="switch"/);
        assert.match(svg, /class="latency"/);
    });

    it("a cutover rolled back: the way back from the first failed check to the records back, its own band, the failed check and its failed request (kept once, though recorded twice)", () => {
        const t = realTimeline({
            domain: "example.com",
            clockOrigin: T0,
            endedAt: at(40_000),
            apply: { startedAt: at(1_000), endedAt: at(16_000) },
            steps: [step("checks-https", 9_300, https), step("checks-smoke", 15_000, undefined, false, "MEP-11 Smoke test failed: /contact answered 500")],
            failedChecks: [failed, failed],
            dnsSwitchAt: at(6_000),
            firstFailedCheckAt: at(15_000),
            rollback: { ok: true, startedAt: at(18_000), endedAt: at(35_000), dnsRestoredAt: at(19_500), steps: [], errors: [] },
        });
        assert.deepEqual(t.wayBack, { startMs: 15_000, endMs: 19_500 });
        assert.deepEqual(
            t.phases.map((p) => [p.label, p.startMs, p.endMs]),
            [
                ["cutover", 1_000, 16_000],
                ["report", 16_000, 18_000],
                ["rollback", 18_000, 35_000],
                ["report", 35_000, 40_000],
            ],
        );
        assert.deepEqual(t.checks.find((c) => c.id === "MEP-11"), { id: "MEP-11", name: "checks-smoke", stage: "after-switch", atMs: 15_000, status: "fail" });
        assert.deepEqual(t.probes.filter((p) => !p.ok), [{ atMs: 10_000, ms: 5_000, ok: false }]);
        // A rollback that did not put the records back draws no way back.
        const stuck = realTimeline({ domain: "example.com", clockOrigin: T0, endedAt: at(40_000), steps: [], failedChecks: [], firstFailedCheckAt: at(15_000), rollback: { ok: false, startedAt: at(18_000), endedAt: at(35_000), steps: [], errors: ["x"] } });
        assert.equal(stuck.wayBack, undefined);
    });

    it("a rollback run on its own (golive rollback, recover --rollback): records first and its up as bands, the way back from its start to the records back, the up's checks and their own requests", () => {
        const prepared = result("MEP-08", "pass", [req(21_000, 30, true), req(21_100, 50, true, "https://hooks.example.net")], true);
        const rollback = { ok: true, startedAt: at(12_000), endedAt: at(25_000), dnsRestoredAt: at(14_000), apply: { startedAt: at(15_000), endedAt: at(24_000) }, steps: [step("dns-www", 16_000), step("checks-certificate-pre", 21_500, prepared)], errors: [] };
        const t = rollbackTimeline({ domain: "example.com", clockOrigin: T0, endedAt: at(26_000), rollback });
        assert.equal(t.origin, iso(0));
        assert.equal(t.endMs, 26_000);
        assert.deepEqual(t.phases, [{ label: "records first", startMs: 12_000, endMs: 15_000 }, { label: "rollback", startMs: 15_000, endMs: 24_000 }, { label: "report", startMs: 24_000, endMs: 26_000 }]);
        assert.deepEqual(t.wayBack, { startMs: 12_000, endMs: 14_000 }, "the old site served again when the records were back");
        assert.equal(t.dnsSwitchMs, undefined, "no switch in a rollback run");
        assert.deepEqual(t.checks.map((c) => [c.id, c.stage, c.atMs, c.status]), [["MEP-08", "pre-switch", 21_500, "pass"]]);
        assert.deepEqual(t.probes, [{ atMs: 21_000, ms: 30, ok: true }], "the webhook's request is not the site's");
        // Records back by the up itself (no records first), and a rollback whose records never came back: no way-back band.
        const byUp = rollbackTimeline({ domain: "example.com", clockOrigin: T0, endedAt: at(26_000), rollback: { ...rollback, startedAt: at(15_000), dnsRestoredAt: at(16_000) } });
        assert.deepEqual([byUp.phases.map((p) => p.label), byUp.wayBack], [["rollback", "report"], { startMs: 15_000, endMs: 16_000 }]);
        const { dnsRestoredAt: _, ...notBack } = rollback;
        assert.equal(rollbackTimeline({ domain: "example.com", clockOrigin: T0, endedAt: at(26_000), rollback: { ...notBack, ok: false } }).wayBack, undefined);
    });

    it("the shared pieces: phase marks as bands (a phase marked twice in a row is one band), a check step as its mark, requests outside the site's names left out", () => {
        assert.deepEqual(phaseBands([{ at: 5, label: "prepare" }, { at: 0, label: "adopt" }, { at: 2, label: "adopt" }], 9), [
            { label: "adopt", startMs: 0, endMs: 5 },
            { label: "prepare", startMs: 5, endMs: 9 },
        ]);
        assert.equal(timelineCheckOf({ name: "checks-https", ok: true }), undefined, "a step that has not ended has no mark");
        assert.deepEqual(timelineCheckOf({ name: "preswitch-smoke", ok: false, error: "MEP-11 failed", endedAt: 7 }), { id: "MEP-11", name: "preswitch-smoke", stage: "pre-switch", atMs: 7, status: "fail" });
        assert.deepEqual(checkRequestProbes([result("MEP-09", "pass", [req(1, 2, true, "https://evil.example.com"), { at: "x" }, req(3, 4, true, "http://example.com")])], ["example.com"], T0), [{ atMs: 3, ms: 4, ok: true }]);
        // The rehearsal's builder is the same one, its prober as the visitors.
        const r = rehearsalTimeline({ t0: T0, endAt: 10, marks: [{ at: 0, label: "cutover" }], samples: [{ at: 1, ms: 3, ok: true, url: "u", phase: "cutover" } as never, { at: 2, ok: false, stalled: true } as never], checkSteps: [], probedUrls: ["https://www.example.com/"], intervalMs: 50 });
        assert.deepEqual(r.probes, [{ atMs: 1, ms: 3, ok: true }]);
        assert.deepEqual(r.probesSource, { kind: "prober", urls: ["https://www.example.com/"], everyMs: 50 });
    });
});
