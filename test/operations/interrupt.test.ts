// Ctrl-C is a cancel (issue 17): operations/interrupt with stand-in signals and a stand-in "stop at once".
import { strict as assert } from "assert";
import { Interrupt } from "../../operations/interrupt";

function harness(cancelWaitMs = 10_000) {
    const handlers = new Map<NodeJS.Signals, () => void>();
    const lines: string[] = [];
    let stops = 0;
    const i = new Interrupt({
        err: (l) => lines.push(l),
        cancelWaitMs,
        stopNow: async () => {
            stops++;
        },
        recoverCommand: "golive recover --stack prod",
        onSignal: (s, h) => {
            handlers.set(s, h);
            return () => handlers.delete(s);
        },
    }).install();
    return { i, lines, handlers, stops: () => stops, send: (s: NodeJS.Signals) => handlers.get(s)!() };
}

describe("operations/interrupt: the first Ctrl-C cancels cleanly, the second stops at once", () => {
    it("listens to SIGINT, SIGTERM and SIGHUP until uninstalled", () => {
        const h = harness();
        assert.deepEqual([...h.handlers.keys()].sort(), ["SIGHUP", "SIGINT", "SIGTERM"]);
        h.i.uninstall();
        assert.equal(h.handlers.size, 0);
    });

    it("first Ctrl-C: the AbortSignal the engine calls take is aborted, and it says what happens and for how long", () => {
        const h = harness(90_000);
        assert.equal(h.i.signal.aborted, false);
        h.send("SIGINT");
        assert.equal(h.i.signal.aborted, true);
        assert.equal(h.i.state, "cancelling");
        assert.equal(h.i.by, "SIGINT");
        assert.match(h.lines.join("\n"), /^\nCtrl-C: stopping cleanly — the engine finishes the resource operations in flight \(up to 90 s\), saves the state and releases the stack; nothing new starts\. Press Ctrl-C again to stop at once\.$/);
        assert.equal(h.stops(), 0);
        h.i.uninstall();
    });

    it("second Ctrl-C: stops at once, once, and says what that leaves and the command that clears it", async () => {
        const h = harness();
        h.send("SIGINT");
        h.send("SIGINT");
        h.send("SIGINT");
        await h.i.stopAtOnce("again");
        assert.equal(h.stops(), 1);
        assert.equal(h.i.state, "stopped");
        assert.match(h.lines[1], /^Ctrl-C again: stopping at once — the engine and every process it started are ended now\. What it was doing is left unfinished \(the stack may stay locked, with operations pending\): golive recover --stack prod clears it\.$/);
        h.i.uninstall();
    });

    it("SIGTERM (a closed session, `timeout`) cancels the same way; the clean stop is bounded: past the wait, it stops at once", async () => {
        const h = harness(150);
        h.send("SIGTERM");
        assert.match(h.lines[0], /^\nSIGTERM: stopping cleanly/);
        await new Promise((r) => setTimeout(r, 400));
        assert.equal(h.stops(), 1);
        assert.match(h.lines[1], /^the engine did not stop within 0 s: stopping at once/);
        h.i.uninstall();
    });
});
