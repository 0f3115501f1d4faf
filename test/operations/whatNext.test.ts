// What `golive status` says next (issue 25): one decision, where the site is (the records) first,
// then the history. Each case is one of the four wrong `next:` lines seen on the real engine.
import { strict as assert } from "assert";
import { judgeSite, SiteFacts, waysOn, whatNext } from "../../operations/siteState";
import { a, NEW, OLD, siteFacts } from "../helpers/siteFacts";
import { historyFactsOf, nextStep } from "../../operations/phaseGates";
import { rollbackMessage } from "../../operations/failureNote";
import { recordLines } from "../../operations/rollbackDecision";

const facts = siteFacts;
const historyOf = (f: SiteFacts, latestInterrupted?: boolean) => ({ ...(f.latest ? { latest: f.latest } : {}), ...(f.applied ? { applied: f.applied } : {}), ...(latestInterrupted ? { latestInterrupted } : {}) });

describe("operations/siteState whatNext: what to do next agrees with where the site is", () => {
    it("SIGKILL during the DNS update (the history never recorded it): recover, never 'golive cutover at hour H'", () => {
        const f = facts({ filePhase: "cutover", backendLock: { description: "pulumi pid 4242, no longer running", alive: false }, pending: [{ op: "updating", name: "dns-www" }], live: { apex: a(NEW), www: a(OLD) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: OLD } } });
        const site = judgeSite(f);
        const next = whatNext("prod", site, historyOf(f));
        assert.match(next, /^golive recover --stack prod: clears what the interrupted cutover left/);
        assert.doesNotMatch(next, /at hour H/);
        // The line agrees with the ways on the same output prints.
        assert.match(waysOn("prod", site)[0], /^golive recover --stack prod/);
        // The history alone (the old decision) would have said the cutover is still to do.
        assert.match(nextStep("prod", { kind: "update", result: "succeeded", config: { "golive:phase": { value: "prepare" } }, startTime: new Date(0) } as never, { kind: "update", result: "succeeded", config: { "golive:phase": { value: "prepare" } }, startTime: new Date(0) } as never), /at hour H/);
    });

    it("SIGKILL during the checks (golive's run lock left, records at Vercel): recover", () => {
        const f = facts({ filePhase: "cutover", run: { description: "golive cutover (pid 77)", alive: false, command: "golive cutover", phase: "cutover", startedAt: "2026-12-01T10:00:00.000Z" }, live: { apex: a(NEW), www: a(NEW) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: NEW } } });
        assert.match(whatNext("prod", judgeSite(f), historyOf(f)), /^golive recover --stack prod/);
    });

    it("a change applied whose answer was lost (the state does not know it): recover, never a phase that would refuse", () => {
        const f = facts({ latest: { kind: "update", result: "failed", phase: "cutover" }, live: { apex: a(NEW), www: a(NEW) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: OLD } } });
        const next = whatNext("prod", judgeSite(f), historyOf(f));
        assert.match(next, /^golive recover --stack prod/);
        assert.doesNotMatch(next, /golive (cutover|prepare) --stack/);
    });

    it("Ctrl-C mid-switch: interrupted, no cause to fix; before DNS moved the cutover is simply run again, after it recover finishes or rolls back", () => {
        const before = facts({ latest: { kind: "update", result: "failed", phase: "cutover" } });
        const next = whatNext("prod", judgeSite(before), historyOf(before, true));
        assert.match(next, /^the last cutover was interrupted .*visitors keep the old site.*golive cutover --stack prod when ready/);
        assert.doesNotMatch(next, /fix the cause/);
        // The same history without the record's word: a failure, with its cause to fix.
        assert.match(whatNext("prod", judgeSite(before), historyOf(before)), /failed and visitors are on the old site: read its record, fix the cause/);
        const switched = facts({ latest: { kind: "update", result: "failed", phase: "cutover" }, live: { apex: a(NEW), www: a(NEW) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: NEW } } });
        const after = whatNext("prod", judgeSite(switched), historyOf(switched, true));
        assert.match(after, /^golive recover --stack prod --finish to finish the cutover, or --rollback/);
    });

    it("the way back by Cloudflare's API, the engine not caught up (killed): the records say the old host, recover finishes it", () => {
        const f = facts({ filePhase: "prepare", latest: { kind: "update", result: "failed", phase: "cutover" }, run: { description: "golive cutover (pid 78)", alive: false, command: "golive cutover", phase: "cutover", startedAt: "2026-12-01T10:00:00.000Z" }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: NEW } } });
        const site = judgeSite(f);
        assert.equal(site.visitors, "visitors reach the old site");
        assert.match(site.headline, /^interrupted during cutover: apex and www point to the old host .*the stack's state does not know it yet/);
        assert.match(whatNext("prod", site, historyOf(f)), /^golive recover --stack prod/);
    });

    it("a cutover whose www update failed: 'apex switched, www did not', never 'DNS switched'", () => {
        const seen = judgeSite(facts({ latest: { kind: "update", result: "failed", phase: "cutover" }, live: { apex: a(NEW), www: a(OLD) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: OLD } } }));
        const one = recordLines(seen, false, { dnsChangedAt: 1000, dnsRecords: { apex: { name: "example.com", type: "A", content: NEW } } }, 0, { now: () => 3000 });
        assert.match(one[0], /^ {2}apex switched, www did not, 2\.0 s ago/);
        assert.doesNotMatch(one.join("\n"), /DNS switched/);
        const both = recordLines(seen, false, { dnsChangedAt: 1000, dnsRecords: { apex: { name: "example.com", type: "A", content: NEW }, www: { name: "www.example.com", type: "A", content: NEW } } }, 0, { now: () => 3000 });
        assert.match(both[0], /^ {2}DNS switched 2\.0 s ago/);
    });

    // The states of docs/way-back.md's table that the cases above do not reach.

    it("a run holds the stack: wait for it, whatever the records say", () => {
        const f = facts({ filePhase: "cutover", run: { description: "golive cutover (pid 80) since 10:00", alive: true, command: "golive cutover", phase: "cutover" }, live: { apex: a(NEW), www: a(OLD) } });
        const site = judgeSite(f);
        assert.equal(whatNext("prod", site, historyOf(f)), "wait for the run under way to end (golive cutover (pid 80) since 10:00), then golive status --stack prod");
        assert.deepEqual(waysOn("prod", site), []);
    });

    it("apex switched, www did not (www's update failed, the state knows both): finish or roll back through recover, nothing to clear first", () => {
        const f = facts({ latest: { kind: "update", result: "failed", phase: "cutover" }, live: { apex: a(NEW), www: a(OLD) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: OLD } } });
        const site = judgeSite(f);
        assert.equal(site.visitors, "visitors reach the old site on www and the new site on the apex");
        assert.match(site.headline, /^half-applied cutover: prepare applied, but apex points to Vercel \(127\.0\.0\.2\), www to the old host/);
        const next = whatNext("prod", site, historyOf(f));
        assert.equal(next, "golive recover --stack prod --finish to finish the cutover, or --rollback to go back to prepare (records first)");
        assert.deepEqual(waysOn("prod", site), ["finish the cutover: golive recover --stack prod --finish", "roll back to prepare (records first): golive recover --stack prod --rollback"]);
    });

    it("records put back by Cloudflare's API, the engine not caught up, golive not killed (its catch-up failed): recover, never a phase that would refuse", () => {
        const f = facts({ latest: { kind: "update", result: "failed", phase: "cutover" }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: NEW } } });
        const site = judgeSite(f);
        assert.equal(site.visitors, "visitors reach the old site");
        assert.equal(site.headline, "the last cutover failed: apex and www point to the old host (127.0.0.3), the stack's state does not know it yet");
        const next = whatNext("prod", site, historyOf(f));
        assert.match(next, /^golive recover --stack prod: clears what the interrupted cutover left, then finishes it \(--finish\) or rolls back to prepare \(--rollback\)$/);
        assert.equal(waysOn("prod", site)[0], "golive recover --stack prod: clears what the run left, then asks which way on");
    });

    it("killed during the direct calls (apex back, www not yet): recover; the output says each name's side", () => {
        const f = facts({
            filePhase: "cutover",
            latest: { kind: "update", result: "succeeded", phase: "prepare" },
            run: { description: "golive cutover (pid 81)", alive: false, command: "golive cutover", phase: "cutover", startedAt: "2026-12-01T10:00:00.000Z" },
            backendLock: { description: "pulumi pid 4243, no longer running", alive: false },
            pending: [{ op: "updating", name: "checks-mep09-https" }],
            live: { apex: a(OLD), www: a(NEW) },
            state: { apex: { type: "A", content: NEW }, www: { type: "A", content: NEW } },
        });
        const site = judgeSite(f);
        assert.equal(site.visitors, "visitors reach the new site on www and the old site on the apex");
        assert.equal(site.headline, "interrupted during cutover: apex points to the old host (127.0.0.3), www to Vercel (127.0.0.2), the stack's state does not know apex's change yet");
        assert.equal(whatNext("prod", site, historyOf(f)), "golive recover --stack prod: clears what the interrupted cutover left, then finishes it (--finish) or rolls back to prepare (--rollback)");
    });

    it("after a way back that went through (the engine caught up): the failed cutover is named, never a bare 'golive cutover at hour H'", () => {
        const at = new Date("2026-12-01T10:05:00.000Z");
        const rolledBack = { version: 9, kind: "update", result: "succeeded", startTime: at, config: { "golive:phase": { value: "prepare" } }, message: rollbackMessage("golive rollback to prepare (R-2)", { phase: "cutover", at: at.toISOString(), failedChecks: [{ id: "MEP-09", name: "HTTPS reachability", reason: "answered 500", evidence: {} }], errors: [] }) };
        const h = historyFactsOf(rolledBack, rolledBack);
        assert.deepEqual(h.rolledBackFrom, { phase: "cutover" });
        const next = whatNext("prod", judgeSite(facts()), h);
        assert.equal(next, "the last cutover failed and was rolled back to prepare, visitors are on the old site: read what failed (golive report --stack prod), fix the cause, then golive cutover --stack prod again at hour H, once the client's approval (P-01) is recorded again");
        // The history alone says the same, without the visitors' side.
        assert.match(nextStep("prod", rolledBack, rolledBack), /^the last cutover failed and was rolled back to prepare: read what failed/);
        // Interrupted (recover --rollback): no cause to fix.
        const interrupted = { ...rolledBack, message: rollbackMessage("golive rollback to prepare (R-2)", { phase: "cutover", at: at.toISOString(), interrupted: true, failedChecks: [], errors: ["the cutover was interrupted"] }) };
        assert.match(whatNext("prod", judgeSite(facts()), historyFactsOf(interrupted, interrupted)), /^the last cutover was interrupted and was rolled back to prepare, visitors are on the old site: golive cutover --stack prod again/);
        // A prepare run since (no note): the plan's next step again.
        const prepared = { ...rolledBack, version: 10, message: "golive prepare" };
        assert.match(whatNext("prod", judgeSite(facts()), historyFactsOf(prepared, prepared)), /^golive cutover --stack prod at hour H/);
    });
});
