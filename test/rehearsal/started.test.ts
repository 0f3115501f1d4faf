import { strict as assert } from "assert";
import { Started } from "../../rehearsal/started";

// The rehearsal's one `finally` (rehearsal/run.ts): everything it started ends, however it ends.
describe("rehearsal: what a rehearsal started ends with it", () => {
    it("ends everything last first, awaiting each stop", async () => {
        const ended: string[] = [];
        const started = new Started();
        const world = started.add({ name: "world" }, async (w) => {
            await new Promise((r) => setTimeout(r, 5));
            ended.push(w.name);
        });
        started.add("prober", (p) => ended.push(p));
        assert.equal(world.name, "world", "add gives the thing back");
        await started.stopAll();
        assert.deepEqual(ended, ["prober", "world"]);
    });

    it("tries every stop when one throws, then throws the first error; a second stopAll ends nothing twice", async () => {
        const ended: string[] = [];
        const started = new Started();
        started.add("world", (w) => ended.push(w));
        started.add("engine", () => {
            throw new Error("engine would not close");
        });
        started.add("prober", async () => {
            throw new Error("prober lost");
        });
        started.add("repository", (r) => ended.push(r));
        await assert.rejects(started.stopAll(), /prober lost/);
        assert.deepEqual(ended, ["repository", "world"]);
        await started.stopAll();
        assert.deepEqual(ended, ["repository", "world"]);
    });
});
