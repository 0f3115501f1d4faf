// The mock-engine rehearsals the tests share: one rehearsal per fault per test file, the checks
// of a cutover stopped before the switch or failed on a check, and the record's truth after a fault
// (test/rehearsal/rehearsal.test.ts, and test/long/rehearsalFaults.test.ts for the other faults).
import { strict as assert } from "assert";
import { rehearse, RehearsalReport } from "../../rehearsal/run";
import { renderReport } from "../../cli/rehearse";
import { main as report, ReportDeps } from "../../cli/report";
import { FAULTS } from "../../rehearsal/faults";

/** One rehearsal per fault for the whole file: the fault tests and the record tests share it. */
const runs = new Map<string, Promise<RehearsalReport>>();
export const rehearsed = (fault: string) => {
    if (!runs.has(fault)) runs.set(fault, rehearse({ engine: "mock", fast: true, ...(fault ? { fault } : {}) }));
    return runs.get(fault)!;
};

/**
 * A fault that the checks against the new host catch before the switch (issue 16): the go-live stops
 * on check `id` (at the cutover's pre-switch checks, or at prepare), no probe ever fails, and the DNS
 * records end as prepare left them: same ids, same contents.
 */
export async function stoppedBeforeSwitch(fault: string, id: string, reason: RegExp): Promise<RehearsalReport> {
    const r = await rehearsed(fault);
    assert.equal(r.ok, false, "the rehearsal reports the failure (the command exits non-zero)");
    const failed = r.cutoverChecks.filter((c) => c.id === id && c.status === "fail");
    assert.ok(failed.length > 0, `${id} failed: ${JSON.stringify(r.cutoverChecks.map((c) => [c.id, c.stage ?? "", c.status]))}`);
    assert.ok(failed.every((c) => c.stage === "pre-switch" || r.stoppedAt === "prepare"), `${id} failed before the switch`);
    assert.match(failed[0].reason, reason);
    assert.equal(r.figures.dnsSwitched, false, "no site record changed at cutover");
    assert.equal(r.figures.probes.failed, 0, JSON.stringify(r.figures.probes.failures.slice(0, 3)));
    assert.equal(r.dnsChanges.filter((c) => (c.name === r.domain || c.name === `www.${r.domain}`) && c.content !== "127.0.0.3").length, 0, "the site's records never pointed anywhere else");
    for (const when of ["cutover", "rollback"] as const) {
        if (r.figures.records[when]) assert.deepEqual([r.figures.records[when]!.apex, r.figures.records[when]!.www], [r.figures.records.prepare!.apex, r.figures.records.prepare!.www], when);
    }
    assert.deepEqual(r.release.remoteTags, {}, "no production tag");
    return r;
}

/** The faults whose rehearsal reaches the cutover and its rollback: their record is checked. */
export const RECORDED_FAULTS = FAULTS.filter((f) => !f.needsRealEngine && !["adopt-mismatch", "domain-in-use", "build-error", "build-checks-failed", "slow-build"].includes(f.name)).map((f) => f.name);

/**
 * The record a rehearsal leaves (its checklist, its summary, the Markdown of `golive report`) states
 * what happened, for every fault: after a failed cutover nothing the earlier phases did is called
 * pending, nothing unknown is guessed, and the rollback is recorded.
 */
export async function recordTellsTruth(fault: string): Promise<void> {
    const r = await rehearsed(fault);
    const line = (id: string) => r.checklist.find((l) => l.id === id)!;
    const cutover = r.phases.find((p) => p.phase === "cutover")!;
    // What prepare did and the config say, whatever became of the cutover.
    assert.equal(line("P-03").status, "checked OK", line("P-03").evidence);
    assert.equal(line("P-04").status, "checked OK", line("P-04").evidence);
    assert.equal(line("P-05").status, "done");
    assert.match(line("P-05").evidence, /CONTACT_TO/);
    for (const id of ["MEP-02", "MEP-03"]) assert.match(line(id).evidence, new RegExp(`release ref ${r.release.commit}`), id);
    for (const id of ["MEP-04", "MEP-05"]) assert.equal(line(id).status, "done", `${id}: ${line(id).evidence}`);
    assert.match(line("MEP-04").evidence, new RegExp(`built from release ref ${r.release.commit}`));
    const siteRecords = cutover.changes.filter((c) => c.name === "dns-apex" || c.name === "dns-www");
    const recordsUpdated = siteRecords.length > 0 && siteRecords.every((c) => c.ok);
    assert.equal(line("MEP-06").status, recordsUpdated ? "done" : "pending", line("MEP-06").evidence);
    if (recordsUpdated) assert.match(line("MEP-06").evidence, /kaliabeautystudio\.com A 127\.0\.0\.2/);
    if (!cutover.ok) {
        assert.ok(r.failedUpdate, "a failed cutover is said to have failed");
        assert.match(line("MEP-17").evidence, /^not sent: the cutover update failed/);
        assert.match(line("MEP-18").evidence, /not created: the cutover update failed/);
        for (const id of ["MEP-12", "MEP-13", "MEP-15", "MEP-16"]) {
            const ran = r.cutoverChecks.some((c) => c.id === id);
            if (!ran) assert.equal(line(id).status, "unknown", `${id}: ${line(id).evidence}`);
        }
    }
    for (const l of r.checklist) assert.doesNotMatch(l.evidence, /zone not looked up yet|none declared|no production deployment yet/, l.id);
    // The rollback that ended the rehearsal is in the record.
    assert.equal(line("R-1").status, "done");
    assert.equal(line("R-2").status, "done", line("R-2").evidence);
    assert.match(line("R-2").evidence, r.figures.dnsSwitched ? /back to the prepare phase: .*dns-apex updated in place/ : /back to the prepare phase: .*(no DNS record changed|dns-apex)/);

    // The summary: each failed check once, no line longer than a screen can hold.
    const summary = renderReport(r);
    const failures = summary.split("Failures (each once")[1]?.split("\n\n")[0].split("\n").slice(1) ?? [];
    const ids = failures.map((f) => f.trim().split(" ")[0]);
    assert.equal(new Set(ids).size, ids.length, failures.join("\n"));
    for (const c of [...r.cutoverChecks, ...r.verifyNew].filter((x) => x.status === "fail")) assert.ok(ids.includes(c.id), `${c.id} listed under Failures`);
    const longest = Math.max(...summary.split("\n").map((l) => l.length));
    assert.ok(longest <= 260, `longest line ${longest}`);
    assert.match(summary, /phase cutover.*then rolled back to prepare/);

    // `golive report --from` on the JSON record.
    const out: string[] = [];
    const deps: ReportDeps = { stackOutputs: () => ({}), now: () => "now", stdin: async () => JSON.stringify(r), out: (t) => out.push(t), err: (t) => out.push(t) };
    assert.equal(await report(["--from", "-"], deps), 0, out.join(""));
    const md = out.join("");
    assert.match(md, /\*\*Phase :\*\* cutover.*, then rolled back to prepare/);
    assert.match(md, /\| \*\*R-2\*\* \| [^\n]*✅ done \| back to the prepare phase/);
    assert.doesNotMatch(md, /ready: golive rollback/);
}
