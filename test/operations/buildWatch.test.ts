// MEP-04 in the guided commands: while the deployment step runs, what Vercel says, every `everyMs`;
// at golive:buildTimeoutSeconds the reason in the run's errors and the engine stopped. A fake stack
// plays the engine (a deployment step that starts and never ends until stopped); the clock is the test's.
import { strict as assert } from "assert";
import { applyWithProgress } from "../../operations/applyWithProgress";
import { DEFAULT_DEPS } from "../../cli/guided";
import { GuidedDeps } from "../../operations/guided";
import type { GuidedStack } from "../../operations/engineStack";

describe("cli/guided: the wait for Vercel's build, watched and bounded (MEP-04)", () => {
    it("says what Vercel says while it builds, then stops the engine at the bound with what Vercel last said", async () => {
        let clock = 1_000_000;
        const errs: string[] = [];
        const deps: GuidedDeps = { ...DEFAULT_DEPS, now: () => clock, err: (l) => errs.push(l), out: () => undefined };
        let release!: () => void;
        const stopped = new Promise<void>((r) => (release = r));
        const urn = "urn:pulumi:prod::golive::golive:vercel:Site$vercel:index/deployment:Deployment::site-deployment";
        const gs = {
            name: "prod",
            stack: {
                up: async ({ onEvent }: { onEvent: (e: unknown) => void }) => {
                    onEvent({ resourcePreEvent: { metadata: { op: "create", urn, type: "vercel:index/deployment:Deployment", provider: "", new: { custom: true } } } });
                    await stopped;
                    throw new Error("update canceled");
                },
            },
        } as unknown as GuidedStack;
        let looks = 0;
        const reasons: string[] = [];
        const origin = clock;
        const run = applyWithProgress(gs, "prepare", deps, origin, undefined, {
            limitMs: 600_000,
            everyMs: 10,
            look: async () => `BUILDING since ${++looks * 60} s (dpl_1)`,
            stop: (reason) => {
                reasons.push(reason);
                release();
            },
        });
        // Time passes on the test's clock; the watch ticks on its own timer.
        for (const at of [60_000, 120_000, 700_000]) {
            clock = origin + at;
            await new Promise((r) => setTimeout(r, 60));
        }
        const applied = await run;
        assert.equal(applied.ok, false);
        const waits = errs.filter((l) => l.includes("Vercel says"));
        assert.ok(waits.length >= 2, errs.join("\n"));
        assert.match(waits[0], /MEP-04 .*site-deployment: Vercel says BUILDING since 60 s \(dpl_1\) — 60 s of at most 600 s \(golive:buildTimeoutSeconds\)/);
        assert.equal(reasons.length, 1, "stopped once");
        assert.match(applied.progress.errors.join("\n"), /^site-deployment: MEP-04 .*Vercel's build did not finish within golive:buildTimeoutSeconds \(600 s\); Vercel last said BUILDING since \d+ s \(dpl_1\)\./m);
    });

    it("no deployment step running: no line, no stop", async () => {
        const errs: string[] = [];
        const deps: GuidedDeps = { ...DEFAULT_DEPS, now: () => Date.now(), err: (l) => errs.push(l), out: () => undefined };
        const gs = { name: "prod", stack: { up: async () => ({ outputs: {} }) } } as unknown as GuidedStack;
        let stops = 0;
        const applied = await applyWithProgress(gs, "prepare", deps, Date.now(), undefined, { limitMs: 0, everyMs: 1, stop: () => stops++ });
        assert.equal(applied.ok, true);
        assert.equal(stops, 0);
        assert.deepEqual(errs, []);
    });
});
