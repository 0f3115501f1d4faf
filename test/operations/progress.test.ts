import { strict as assert } from "assert";
import { Progress } from "../../operations/progress";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("operations/progress: long waits say what they wait for", () => {
    it("says nothing for a short wait, then names a long one with how long it has waited, and stops when it ends", () => {
        // A clock of our own and ticks by hand: the assertions do not depend on the machine's load.
        let now = 0;
        const lines: string[] = [];
        const p = new Progress((l) => lines.push(l), { prefix: "golive verify", now: () => now });
        const quick = p.begin("a quick thing");
        now = 900;
        p.tick();
        quick();
        assert.deepEqual(lines, []);
        const dns = p.begin("MEP-07 DNS propagation", 10_000);
        // Elapsed times of the wait: announced at 1 s, then 5 s later.
        for (const elapsed of [500, 1_000, 1_900, 4_000, 5_900, 6_000]) {
            now = 900 + elapsed;
            p.tick();
        }
        assert.deepEqual(lines, ["golive verify: waiting for MEP-07 DNS propagation (1.0 s of at most 10 s)", "golive verify: waiting for MEP-07 DNS propagation (6.0 s of at most 10 s)"]);
        dns();
        now += 10_000;
        p.tick();
        assert.equal(lines.length, 2, "nothing once the wait is over");
    });

    it("puts concurrent waits on one line, announces blocking work up front, and is silent without a writer", async () => {
        let now = 0;
        const lines: string[] = [];
        const p = new Progress((l) => lines.push(l), { prefix: "golive rehearse", now: () => now });
        const a = p.begin("a");
        const b = p.begin("b");
        now = 1_200;
        p.tick();
        a();
        b();
        assert.deepEqual(lines, ["golive rehearse: waiting for a (1.2 s); b (1.2 s)"]);
        await p.during("loading the program", async () => undefined, { announce: true });
        assert.equal(lines[1], "golive rehearse: loading the program…");
        const silent = new Progress(undefined, { prefix: "x", firstAfterMs: 10 });
        await silent.during("nothing to say", () => sleep(30), { announce: true });
    });

    it("its timer reports a real wait on its own", async () => {
        // The wait ends when the timer has said something (an event, not a fixed sleep); bounded by
        // mocha's timeout. The figure it says is whatever the machine gave, so only its form is asserted.
        const lines: string[] = [];
        let told!: () => void;
        const first = new Promise<void>((resolve) => (told = resolve));
        const p = new Progress((l) => (lines.push(l), told()), { prefix: "golive verify", firstAfterMs: 100 });
        await p.during("a real wait", () => first);
        assert.ok(lines.length >= 1, "the timer fired");
        assert.match(lines[0], /^golive verify: waiting for a real wait \(\d+\.\d s\)$/);
    });
});
