// The failed cutover as the stack's history keeps it (issue 18 item 3): the rollback's update message.
import { strict as assert } from "assert";
import { failureSummary, messageTitle, parseFailureNote, rollbackMessage, type FailureNote } from "../../operations/failureNote";

describe("operations/failureNote: what failed and who decided, in the rollback's update message", () => {
    const note: FailureNote = {
        phase: "cutover",
        at: "2026-11-21T18:00:05.000Z",
        failedChecks: [{ id: "MEP-09", name: "HTTPS reachability", reason: "https://www.example.fr/ answered 500", evidence: { status: 500, body: "x".repeat(5000) } }],
        errors: [],
        decision: { choice: "rollback", by: "Camille", at: "2026-11-21T18:00:07.000Z", how: "--auto-rollback: rolled back at once" },
        records: "apex and www point to Vercel (76.76.21.21)",
    };

    it("a sentence first (what `pulumi stack history` shows), then the note, read back whole; long evidence cut", () => {
        const m = rollbackMessage("golive rollback to prepare (R-2)", note);
        assert.equal(
            messageTitle(m),
            'golive rollback to prepare (R-2) after the failed cutover of 2026-11-21T18:00:05.000Z: MEP-09 HTTPS reachability failed (https://www.example.fr/ answered 500); R-1 "rollback" decided by Camille at 2026-11-21T18:00:07.000Z (--auto-rollback: rolled back at once)',
        );
        const back = parseFailureNote(m)!;
        assert.equal(back.phase, "cutover");
        assert.deepEqual(back.decision, note.decision);
        assert.equal(back.failedChecks[0].reason, "https://www.example.fr/ answered 500");
        assert.ok(JSON.stringify(back.failedChecks[0].evidence).length < 700);
        assert.match(String((back.failedChecks[0].evidence as { excerpt: string }).excerpt), /^\{"status":500,"body":"x+…$/);
    });

    it("an interrupted phase has no failed check: its error says it", () => {
        assert.equal(failureSummary({ phase: "cutover", at: "T", interrupted: true, failedChecks: [], errors: ["the cutover was interrupted"] }), "the interrupted cutover of T: the cutover was interrupted");
    });

    it("messages without a note, or with a broken one, carry none", () => {
        assert.equal(parseFailureNote("golive cutover"), undefined);
        assert.equal(parseFailureNote(undefined), undefined);
        assert.equal(parseFailureNote("x\ngolive-failure: {not json"), undefined);
    });
});
