// What `golive status` says next (issue 25): one decision, where the site is (the records) first,
// then the history. Each case is one of the four wrong `next:` lines seen on the real engine.
import { strict as assert } from "assert";
import { judgeSite, SiteFacts, waysOn, whatNext } from "../../operations/siteState";
import { a, NEW, OLD, siteFacts } from "../helpers/siteFacts";
import { nextStep } from "../../operations/phaseGates";
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
});
