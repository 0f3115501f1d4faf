// Issue 23's certificate faults on the real engine (pulumi v3.248.0, the replica provider plugins,
// the engine's own dynamic-provider host): Vercel still validating, an order that lapsed, a
// certificate Vercel already holds. Each ends with the certificate before the switch and 0 failed
// probes. Long: one real rehearsal per fault (`npm run test:long`).
import { strict as assert } from "assert";
import { rehearse, RehearsalReport } from "../../rehearsal/run";
import { requireEngine } from "../helpers/prerequisites";

const ACME = /^_acme-challenge\./;

/** The go-live went through with the certificate before the switch, nobody saw a failure. */
function wentOn(r: RehearsalReport): void {
    assert.equal(r.engine.kind, "pulumi");
    assert.deepEqual(r.problems, []);
    assert.equal(r.figures.probes.failed, 0, JSON.stringify(r.figures.probes.failures.slice(0, 3)));
    assert.equal(r.figures.dnsSwitched, true);
    const pre = r.cutoverChecks.find((c) => c.id === "MEP-08" && c.stage === "pre-switch");
    assert.equal(pre?.status, "pass", pre?.reason);
}

describe("long: issue 23's certificate faults on the real engine", function () {
    this.timeout(600_000);
    before(function () {
        requireEngine(this);
    });
    const run = (fault: string) => rehearse({ engine: "pulumi", fast: true, fault });

    it("cert-validating: finalizeOrder answers validation_running, prepare waits it out; issued by DNS-01 before the switch", async () => {
        const r = await run("cert-validating");
        wentOn(r);
        assert.equal(r.figures.certificate.via, "dns-01");
        assert.ok((r.figures.certificate.issuedBeforeSwitchMs ?? 0) > 0, JSON.stringify(r.figures.certificate));
    });

    it("order-lapsed: prepare places the order again; its second run publishes the new values in place and the certificate is issued; no hand edit", async () => {
        const r = await run("order-lapsed");
        wentOn(r);
        assert.deepEqual(r.phases.filter((p) => !p.preview).map((p) => p.phase).slice(0, 3), ["adopt", "prepare", "prepare (again)"]);
        const again = r.phases.find((p) => p.phase === "prepare (again)")!;
        const ops = again.changes.filter((c) => /certificate-(order|issuance|acme)/.test(c.name)).map((c) => `${c.name} ${c.op}`).sort();
        assert.deepEqual(ops, ["certificate-acme-apex update", "certificate-acme-www update", "certificate-issuance update", "certificate-order update"]);
        // Two values per name were published, each record updated in place (one record id per name):
        // the first two writes of each name, prepare's and prepare again's (the cutover then deletes the
        // challenge records, and the rollback to prepare creates them anew under new ids).
        const sets = r.dnsChanges.filter((c) => ACME.test(c.name) && c.op === "set");
        for (const name of new Set(sets.map((c) => c.name))) {
            const mine = sets.filter((c) => c.name === name).slice(0, 2);
            assert.equal(new Set(mine.map((c) => c.content)).size, 2, `${name}: ${JSON.stringify(mine)}`);
            assert.equal(new Set(mine.map((c) => c.recordId)).size, 1, `${name}: updated in place`);
        }
        assert.equal(r.figures.certificate.via, "dns-01");
    });

    it("cert-exists: the certificate Vercel holds is read (GET /v8/certs) and used; no challenge published; served before the switch", async () => {
        const r = await run("cert-exists");
        wentOn(r);
        assert.equal(r.figures.certificate.via, "existing");
        const acme = r.dnsChanges.filter((c) => ACME.test(c.name) && c.op === "set");
        assert.ok(acme.every((c) => /^golive: no DNS-01 challenge \(certificate exists\)$/.test(c.content ?? "")), JSON.stringify(acme));
    });
});
