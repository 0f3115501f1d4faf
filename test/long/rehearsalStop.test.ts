// Issue 17: a rehearsal on the real engine stopped by `timeout` (SIGTERM to node) or Ctrl-C (SIGINT to
// its process group) leaves nothing running — engine, language host, plugins, prober, IMAP server —
// and none of the folders it made (engine workspace, site repository, IMAP folder).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireEngine } from "../helpers/prerequisites";
import { processTreeOf, runGolive, stillRunningOf } from "../helpers/liveStack";

const ROOT = path.resolve(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("long: golive rehearse stopped mid-way ends with everything it started (issue 17)", function () {
    this.timeout(600_000);
    for (const how of ["SIGTERM to node (timeout)", "Ctrl-C to its process group"] as const) {
        it(`${how}: exits 130, and every process it had started is gone within seconds, every folder it made removed`, async function () {
            requireEngine(this);
            // A temporary folder of its own, so another run's folders beside it do not count.
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "golive-stop-"));
            const ours = () => fs.readdirSync(tmp).filter((n) => /^golive-(engine|rehearsal-repo|dovecot)-/.test(n));
            const run = runGolive(["rehearse", "--engine", "pulumi"], ROOT, { ...process.env, NO_COLOR: "1", TMPDIR: tmp });
            try {
                // Mid-way: the cutover's `up` is running (engine, plugins, dynamic providers, the prober).
                await run.waitFor(/cutover/i, 420_000);
                // Until the engine runs under it (an event, bounded), not a fixed pause.
                const engineRuns = () => processTreeOf(run.pid).some((p) => /pulumi/.test(p.args));
                for (const end = Date.now() + 60_000; !engineRuns() && Date.now() < end; ) await sleep(100);
                const tree = processTreeOf(run.pid);
                assert.ok(tree.some((p) => /pulumi/.test(p.args)), `the engine runs:\n${tree.map((p) => p.args).join("\n")}`);
                if (how.startsWith("SIGTERM")) process.kill(run.pid, "SIGTERM");
                else process.kill(-run.pid, "SIGINT");
                assert.equal(await run.exited, 130, run.output().slice(-2000));
                assert.match(run.output(), /stopping the rehearsal and every process it started/);
                for (const end = Date.now() + 10_000; stillRunningOf(tree).length > 0 && Date.now() < end; ) await sleep(200);
                assert.deepEqual(stillRunningOf(tree), [], "nothing of the rehearsal left running");
                assert.deepEqual(ours(), [], "no folder of the rehearsal left");
            } finally {
                try {
                    process.kill(-run.pid, "SIGKILL");
                } catch {
                    // ended
                }
                fs.rmSync(tmp, { recursive: true, force: true });
            }
        });
    }
});
