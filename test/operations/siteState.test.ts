// Where the site is, really (issue 17): operations/siteState judges facts into one plain account. Each case
// is a situation the issue met on the engine tier, with the sentence the operator must read.
import { strict as assert } from "assert";
import { judgeSite, waysOn, whereOf } from "../../operations/siteState";
import { a, NEW, OLD, siteFacts, targets } from "../helpers/siteFacts";

const base = siteFacts;

describe("operations/siteState: where the site is, from the records", () => {
    it("after prepare, nothing left: the old host, visitors reach the old site, nothing to recover", () => {
        const s = judgeSite(base());
        assert.equal(s.headline, `prepare applied: apex and www point to the old host (${OLD})`);
        assert.equal(s.visitors, "visitors reach the old site");
        assert.equal(s.needsRecovery, false);
        assert.deepEqual(s.leftovers, []);
        assert.equal(s.interrupted, undefined);
    });

    it("a cutover killed after Cloudflare changed both records, before the engine heard back: the issue's sentence, and what recover clears", () => {
        const s = judgeSite(
            base({
                filePhase: "cutover",
                backendLock: { description: "pulumi pid 4242 on vm, since 2026-11-21T17:00:00.000Z — no longer running", alive: false },
                pending: [{ op: "updating", name: "dns-www" }],
                live: { apex: a(NEW), www: a(NEW) },
            }),
        );
        assert.equal(s.headline, `interrupted during cutover: apex and www point to Vercel (${NEW}), the stack's state does not know it yet`);
        assert.equal(s.visitors, "visitors reach the new site");
        assert.equal(s.needsRecovery, true);
        assert.equal(s.interrupted, "cutover");
        assert.deepEqual(s.leftovers, [
            "the stack is still locked by an engine that is gone (pulumi pid 4242 on vm, since 2026-11-21T17:00:00.000Z — no longer running)",
            "1 operation(s) the engine never saw end: updating dns-www",
            "the stack's state does not hold what Cloudflare holds for apex and www",
            "the stack file says golive:phase cutover, the stack runs prepare",
        ]);
        assert.deepEqual(waysOn("prod", s), [
            "golive recover --stack prod: clears what the run left, then asks which way on",
            "finish the cutover: golive recover --stack prod --finish",
            "roll back to prepare (records first): golive recover --stack prod --rollback",
        ]);
    });

    it("a cutover whose www update failed (Cloudflare 500s): half-applied, said from the records, both names' visitors", () => {
        const s = judgeSite(base({ latest: { kind: "update", result: "failed", phase: "cutover" }, live: { apex: a(NEW), www: a(OLD) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: OLD } } }));
        assert.equal(s.headline, `half-applied cutover: prepare applied, but apex points to Vercel (${NEW}), www to the old host (${OLD})`);
        assert.equal(s.visitors, "visitors reach the old site on www and the new site on the apex");
        assert.equal(s.halfApplied, true);
        assert.equal(s.needsRecovery, false, "nothing to clear: the two ways on are offered");
        assert.equal(s.interrupted, "cutover");
    });

    it("a change Cloudflare applied whose answer was a 500: the state does not know www's change", () => {
        const s = judgeSite(base({ latest: { kind: "update", result: "failed", phase: "cutover" }, live: { apex: a(NEW), www: a(NEW) }, state: { apex: { type: "A", content: NEW }, www: { type: "A", content: OLD } } }));
        assert.equal(s.headline, `prepare applied, but apex and www point to Vercel (${NEW}), the stack's state does not know www's change yet`);
        assert.equal(s.stateKnows, false);
        assert.equal(s.needsRecovery, true);
        assert.deepEqual(s.leftovers, ["the stack's state does not hold what Cloudflare holds for www"]);
    });

    it("a run under way (its golive holds the stack): said with who and since when; not a recovery", () => {
        const s = judgeSite(base({ run: { description: "golive cutover (pid 77 on vm, run by Camille) since 2026-11-21T17:00:00.000Z, 12 s ago", alive: true, command: "golive cutover", phase: "cutover" }, live: undefined, liveError: "not read while another run holds the stack" }));
        assert.match(s.headline, /^a run is under way: golive cutover \(pid 77 on vm, run by Camille\) since 2026-11-21T17:00:00\.000Z, 12 s ago; where apex and www point was not read$/);
        assert.equal(s.needsRecovery, false);
        assert.ok(s.busy);
        assert.match(s.visitors, /^what visitors reach is not known: the records could not be read \(not read while another run holds the stack\)$/);
    });

    it("golive killed between its gates and the engine: only its own lock is left (taken over by the next run), nothing to clear", () => {
        const s = judgeSite(base({ run: { description: "golive cutover (pid 77 on vm, run by Camille) since …", alive: false, command: "golive cutover", phase: "cutover" } }));
        assert.equal(s.needsRecovery, false);
        assert.equal(s.interrupted, "cutover");
        assert.equal(s.headline, `interrupted during cutover: apex and www point to the old host (${OLD})`);
    });

    it("golive killed after its update succeeded (writing its record): nothing half-done, said so", () => {
        const s = judgeSite(
            base({
                applied: "cutover",
                filePhase: "cutover",
                latest: { kind: "update", result: "succeeded", phase: "cutover", startedAt: "2026-11-21T17:00:20.000Z" },
                run: { description: "golive cutover (pid 77 on vm, run by Camille) since 2026-11-21T17:00:00.000Z, 2 min ago", alive: false, command: "golive cutover", phase: "cutover", startedAt: "2026-11-21T17:00:00.000Z" },
                live: { apex: a(NEW), www: a(NEW) },
                state: { apex: { type: "A", content: NEW }, www: { type: "A", content: NEW } },
            }),
        );
        assert.equal(s.headline, `cutover applied: apex and www point to Vercel (${NEW})`);
        assert.equal(s.interrupted, undefined);
        assert.equal(s.needsRecovery, false);
        assert.deepEqual(s.leftovers, ["golive cutover (pid 77 on vm, run by Camille) since 2026-11-21T17:00:00.000Z, 2 min ago was killed after its update succeeded: nothing of it is half-done"]);
    });

    it("the records went back to the old host but the rollback's prepare update did not run: cutover applied, but …", () => {
        const s = judgeSite(base({ applied: "cutover", filePhase: "cutover", latest: { kind: "update", result: "failed", phase: "prepare" }, state: { apex: { type: "A", content: OLD }, www: { type: "A", content: OLD } } }));
        assert.equal(s.headline, `cutover applied, but apex and www point to the old host (${OLD})`);
        assert.equal(s.interrupted, "rollback");
    });

    it("which side a record is on: by content (case, trailing dot), none, two, or something else", () => {
        assert.equal(whereOf([{ type: "CNAME", content: "CNAME.Vercel-DNS.com." }], { vercel: "cname.vercel-dns.com" }), "vercel");
        assert.equal(whereOf([], targets.www), "missing");
        assert.equal(whereOf(a("198.51.100.9"), targets.www), "other");
        assert.equal(whereOf([...a(OLD), ...a(NEW)], targets.www), "other");
        assert.equal(whereOf(undefined, targets.www), "unknown");
    });

    it("an engine left running by a dead guard is something to clear", () => {
        const s = judgeSite(base({ leftoverProcesses: 3 }));
        assert.equal(s.needsRecovery, true);
        assert.deepEqual(s.leftovers, ["3 engine process(es) of an interrupted run still running"]);
    });
});
