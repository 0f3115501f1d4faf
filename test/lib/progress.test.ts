import { strict as assert } from "assert";
import { Progress } from "../../lib/progress";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("lib/progress: long waits say what they wait for", () => {
    it("says nothing for a short wait, then names a long one with how long it has waited, and stops when it ends", async () => {
        const lines: string[] = [];
        const p = new Progress((l) => lines.push(l), { prefix: "golive verify", firstAfterMs: 200, everyMs: 400 });
        await p.during("a quick thing", () => sleep(50));
        assert.deepEqual(lines, []);
        await p.during("MEP-07 DNS propagation", () => sleep(750), { limitMs: 10_000 });
        assert.ok(lines.length >= 2 && lines.length <= 3, lines.join("\n"));
        assert.match(lines[0], /^golive verify: waiting for MEP-07 DNS propagation \(0\.[2-4] s of at most 10 s\)$/);
        assert.match(lines[1], /\(0\.[6-9] s of at most 10 s\)$/);
        const after = lines.length;
        await sleep(500);
        assert.equal(lines.length, after, "nothing once the wait is over");
    });

    it("puts concurrent waits on one line, announces blocking work up front, and is silent without a writer", async () => {
        const lines: string[] = [];
        const p = new Progress((l) => lines.push(l), { prefix: "golive rehearse", firstAfterMs: 100, everyMs: 10_000 });
        await Promise.all([p.during("a", () => sleep(250)), p.during("b", () => sleep(250))]);
        assert.equal(lines.length, 1);
        assert.match(lines[0], /waiting for a \(0\.\d s\); b \(0\.\d s\)$/);
        await p.during("loading the program", async () => undefined, { announce: true });
        assert.equal(lines[1], "golive rehearse: loading the program…");
        const silent = new Progress(undefined, { prefix: "x", firstAfterMs: 10 });
        await silent.during("nothing to say", () => sleep(50), { announce: true });
    });
});
