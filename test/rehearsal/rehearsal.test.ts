import { strict as assert } from "assert";
import { rehearse, RehearsalReport } from "../../rehearsal/run";

// The dress rehearsal end to end on loopback: one clean run and two faults (~15 s together).
describe("rehearsal: the go-live played on loopback", function () {
    this.timeout(60_000);

    it("clean: every check passes, no probe fails, records are updated in place and rolled back", async () => {
        const r: RehearsalReport = await rehearse({ fast: true });
        assert.deepEqual(r.problems, []);
        assert.equal(r.ok, true);
        assert.deepEqual(r.phases.map((p) => [p.phase, p.ok]), [["adopt", true], ["prepare", true], ["cutover", true], ["rollback", true]]);
        // adopt imports the live records; every later phase updates the same resources in place.
        assert.equal(r.phases[0].counts.import, 2);
        for (const p of r.phases.slice(1)) {
            const records = p.changes.filter((c) => c.type === "cloudflare:index/dnsRecord:DnsRecord");
            assert.deepEqual(records.map((c) => c.op), ["update", "update"], `${p.phase}: ${JSON.stringify(records)}`);
        }
        assert.equal(r.figures.dnsRecordDeletes, 0);
        assert.ok(r.cutoverChecks.length >= 5, "the checks ran as dynamic resources in the cutover");
        // The site checks pass; the outside-service checks skip (no account in a rehearsal), none fails.
        const site = r.cutoverChecks.filter((c) => ["MEP-07", "MEP-08", "MEP-09", "MEP-10", "MEP-11", "MEP-14"].includes(c.id));
        assert.equal(site.length, 6);
        assert.ok(site.every((c) => c.status === "pass"), JSON.stringify(site));
        assert.ok(r.cutoverChecks.every((c) => c.status !== "fail"), JSON.stringify(r.cutoverChecks.map((c) => [c.id, c.status])));
        assert.ok(r.verifyOld.every((c) => c.status === "pass"), JSON.stringify(r.verifyOld));
        assert.equal(r.figures.failedProbesCutover, 0);
        assert.equal(r.figures.failedProbesRollback, 0);
        // The prober really saw both hosts: the old before and after, Vercel after the switch.
        assert.ok((r.figures.probes.byPhase.prepare?.servedBy["old-host"] ?? 0) > 0);
        assert.ok((r.figures.probes.byPhase.checks?.servedBy["vercel"] ?? 0) > 0);
        assert.ok((r.figures.probes.byPhase["rollback-checks"]?.servedBy["old-host"] ?? 0) > 0);
        assert.equal(typeof r.figures.dnsSwitchToGreenMs, "number");
        assert.equal(r.checklist.find((l) => l.id === "MEP-10")?.status, "checked OK");
        // The release steps of the program ran for real: two webhook messages, the tag on the frozen commit.
        assert.equal(r.release.messages.length, 2);
        assert.match(r.release.messages[1], /MEP-10/);
        assert.deepEqual(r.release.remoteTags, { "v1.0.0": r.release.commit });
        for (const id of ["MEP-01", "MEP-17", "MEP-18"]) assert.equal(r.checklist.find((l) => l.id === id)?.status, "done", id);
        assert.equal(r.checklist.find((l) => l.id === "MEP-13")?.status, "skipped");
    });

    it("delete-recreate: visitors see the gap, then the rollback brings the old site back", async () => {
        const r = await rehearse({ fast: true, fault: "delete-recreate" });
        assert.equal(r.ok, false);
        assert.ok(r.figures.failedProbesCutover > 0, "the prober must see the records missing");
        assert.ok(r.figures.probes.failures.some((f) => /does not resolve|ENOTFOUND/.test(f.detail)), JSON.stringify(r.figures.probes.failures.slice(0, 3)));
        assert.equal(r.figures.failedProbesRollback, 0);
        assert.ok(r.verifyOld.every((c) => c.status === "pass"), JSON.stringify(r.verifyOld));
        assert.ok((r.figures.probes.byPhase["rollback-checks"]?.servedBy["old-host"] ?? 0) > 0);
    });

    it("redirect-302: MEP-10 fails with its reason, the cutover fails, no downtime, rollback OK", async () => {
        const r = await rehearse({ fast: true, fault: "redirect-302" });
        assert.equal(r.ok, false);
        assert.equal(r.phases.find((p) => p.phase === "cutover")?.ok, false);
        const mep10 = r.cutoverChecks.find((c) => c.id === "MEP-10");
        assert.equal(mep10?.status, "fail");
        assert.match(mep10!.reason, /302/);
        assert.ok(r.problems.some((p) => /MEP-10 Redirects failed/.test(p)));
        assert.equal(r.figures.dnsSwitchToGreenMs, null);
        assert.equal(r.figures.failedProbesCutover, 0);
        assert.equal(r.phases.find((p) => p.phase === "rollback")?.ok, true);
        assert.ok(r.verifyOld.every((c) => c.status === "pass"), JSON.stringify(r.verifyOld));
        // A failed check: no end message, no production tag.
        assert.equal(r.release.messages.length, 1);
        assert.deepEqual(r.release.remoteTags, {});
    });
});
