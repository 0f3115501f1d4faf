import { strict as assert } from "assert";
import * as path from "path";
import { main, parseArgs, RollbackDeps } from "../../cli/rollback";
import type { HistoryEntry } from "../../lib/rollback";
import { findEngine, isEngine } from "../../lib/engine";
import { requireEngine } from "../helpers/prerequisites";

const B = "b".repeat(40);
const C = "c".repeat(40);
const history: HistoryEntry[] = [
    {
        version: 3, kind: "update", result: "succeeded", startTime: "2026-05-01T10:00:00Z",
        config: { "golive:phase": { value: "cutover", secret: false }, "golive:token": { value: "tok-new", secret: true } },
        environment: { "git.head": C },
    },
    {
        version: 2, kind: "update", result: "succeeded", startTime: "2026-05-01T09:00:00Z",
        config: { "golive:phase": { value: "prepare", secret: false }, "golive:token": { value: "tok-old", secret: true } },
        environment: { "git.head": B },
    },
];

function fakeDeps(over: Partial<RollbackDeps> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const runs: any[] = [];
    const deps: RollbackDeps = {
        findEngine: () => ({ binDir: "/engine/bin", version: "v3.248.0", source: "cache" }),
        readHistory: async () => history,
        programRepo: () => ({ root: "/repo", prefix: "", hasCommit: () => true, programChanges: () => [] }),
        runRollback: async (o) => {
            runs.push(o);
            return { summary: "ok" };
        },
        confirm: async () => false,
        interactive: true,
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        ...over,
    };
    return { deps, out, err, runs };
}

describe("cli/rollback: golive rollback", () => {
    it("parses its options", () => {
        assert.deepEqual(parseArgs(["--stack", "prod", "--to", "2", "--dry-run", "--dir", "/p"]), { dryRun: true, yes: false, dir: "/p", stack: "prod", to: 2 });
        assert.deepEqual(parseArgs(["--to", "two", "--stack", "prod"]), { error: '--to must be an update version (a positive integer), got "two"' });
        assert.deepEqual(parseArgs(["--stack"]), { error: "--stack needs a value" });
        // The shared parser's words (cli/args), and a stack name that the Pulumi CLI could read as an option is refused.
        assert.deepEqual(parseArgs(["--stack=--help-me"]), { error: '--stack must be a stack name like prod, got "--help-me"' });
        assert.deepEqual(parseArgs(["--stack", "prod", "-y", "--bogus"]), { error: "unknown option --bogus" });
        assert.deepEqual(parseArgs(["--stack", "prod", "-y"]), { dryRun: false, yes: true, dir: path.resolve(__dirname, "../.."), stack: "prod" });
    });

    it("exits 2 on usage errors", async () => {
        for (const argv of [[], ["--stack"], ["--stack", "prod", "--to", "0"], ["--stack", "prod", "--bogus"]]) {
            const f = fakeDeps();
            assert.equal(await main(argv, f.deps), 2, argv.join(" "));
            assert.match(f.err.join("\n"), /usage: golive rollback --stack/);
        }
    });

    // Issue 18 item 2: one way to find the engine for every command (lib/engine findEngine).
    it("without an engine: exit 2 with findEngine's message, the one status, adopt, prepare and cutover print", async () => {
        const env = { PATH: "/nonexistent-golive-test", GOLIVE_ENGINE_DIR: "/nonexistent-golive-engine" };
        const missing = findEngine(env);
        assert.ok(!isEngine(missing));
        const f = fakeDeps({ findEngine: () => findEngine(env) });
        assert.equal(await main(["--stack", "prod", "--dry-run"], f.deps), 2);
        assert.equal(f.err.join("\n"), `golive rollback: ${missing.missing}`);
        assert.match(f.err.join("\n"), /npm run engine/);
        assert.equal(f.runs.length, 0);
    });

    it("with no pulumi on PATH, uses the engine `npm run engine` built, and opens the stacks with it", async function () {
        const built = requireEngine(this);
        if (built.source !== "cache") this.skip(); // a pulumi 3.248 on PATH: the case is the cached engine
        const opened: unknown[] = [];
        const f = fakeDeps({
            findEngine: () => findEngine({ PATH: "/nonexistent-golive-test", HOME: process.env.HOME, ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}), ...(process.env.GOLIVE_ENGINE_DIR ? { GOLIVE_ENGINE_DIR: process.env.GOLIVE_ENGINE_DIR } : {}) }),
            readHistory: async (_s, _d, _r, open) => (opened.push(open), history),
            runRollback: async (o, open) => (opened.push(open), { summary: "ok" }),
        });
        assert.equal(await main(["--stack", "prod", "--dry-run"], f.deps), 0, f.err.join("\n"));
        assert.doesNotMatch(f.err.join("\n"), /not on PATH/);
        assert.equal(opened.length, 2);
        assert.ok(opened.every((o) => typeof o === "function"), "history and rollback open the stack with the engine found");
    });

    it("shows the plan and previews only with --dry-run", async () => {
        const f = fakeDeps();
        assert.equal(await main(["--stack", "prod", "--dry-run"], f.deps), 0);
        const text = f.out.join("\n");
        assert.match(text, /back to update : 2/);
        assert.match(text, /~ golive:phase: cutover -> prepare/);
        assert.match(text, /~ golive:token: \[secret\] -> \[secret\]/);
        assert.ok(!text.includes("tok-"), "secret values never printed");
        assert.equal(f.runs.length, 1);
        assert.equal(f.runs[0].dryRun, true);
        assert.equal(f.runs[0].plan.target.commit, B);
    });

    it("asks for confirmation, and changes nothing on no", async () => {
        const f = fakeDeps();
        assert.equal(await main(["--stack", "prod"], f.deps), 1);
        assert.equal(f.runs.length, 0);
        assert.match(f.out.join("\n"), /cancelled/);
    });

    it("refuses to run unconfirmed in a non-interactive shell", async () => {
        const f = fakeDeps({ interactive: false });
        assert.equal(await main(["--stack", "prod"], f.deps), 2);
        assert.equal(f.runs.length, 0);
        assert.match(f.err.join("\n"), /add --yes/);
    });

    it("runs the up with --yes and reminds to align the stack file", async () => {
        const f = fakeDeps();
        assert.equal(await main(["--stack", "prod", "--yes"], f.deps), 0);
        assert.equal(f.runs.length, 1);
        assert.equal(f.runs[0].dryRun, false);
        assert.match(f.out.join("\n"), /Pulumi\.prod\.yaml/);
    });

    it("exits 1 with the reason when the rollback is refused", async () => {
        const f = fakeDeps({ programRepo: () => ({ root: "/repo", prefix: "", hasCommit: () => true, programChanges: () => ["lib/dnsPlan.ts"] }) });
        assert.equal(await main(["--stack", "prod", "--yes"], f.deps), 1);
        assert.match(f.err.join("\n"), /refused: the program here differs from commit b{40} recorded by update 2 \(lib\/dnsPlan\.ts\)/);
        assert.equal(f.runs.length, 0);
        const g = fakeDeps();
        assert.equal(await main(["--stack", "prod", "--to", "3", "--yes"], g.deps), 1);
        assert.match(g.err.join("\n"), /not before the current update 3/);
    });
});
