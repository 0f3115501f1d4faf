import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { confirmApply, GuidedDeps } from "../../operations/guided";
import { operatorOf, parseGuidedArgs, PROGRAM_DIR } from "../../cli/guided";
import { decideRollback } from "../../operations/rollbackDecision";
import { main, usage } from "../../cli/main";

describe("cli/guided: what the guided commands share", () => {
    it("parses the options each command allows, worded like the other golive commands", () => {
        const all = ["--stack", "--dir", "--records", "--yes", "--auto-rollback"];
        assert.deepEqual(parseGuidedArgs(["--stack", "prod", "-y", "--auto-rollback"], all), {
            stack: "prod",
            dir: PROGRAM_DIR,
            records: path.join(PROGRAM_DIR, "records"),
            yes: true,
            autoRollback: true,
        });
        assert.equal((parseGuidedArgs(["--stack", "p", "--dir", "/tmp/x"], all) as { records: string }).records, "/tmp/x/records");
        assert.deepEqual(parseGuidedArgs(["--stack", "p", "--auto-rollback"], ["--stack"]), { error: "unknown option --auto-rollback" });
        assert.deepEqual(parseGuidedArgs(["--stack", "--yes"], all), { error: "--stack needs a value" });
        assert.deepEqual(parseGuidedArgs(["--yes"], all), { error: "--stack is required" });
        assert.deepEqual(parseGuidedArgs(["--stack", "-rf"], all), { error: "--stack needs a value" });
        assert.deepEqual(parseGuidedArgs(["--stack=-rf"], all), { error: '--stack must be a stack name like prod, got "-rf"' });
        assert.deepEqual(parseGuidedArgs(["--stack", "p", "extra"], all), { error: 'unexpected argument "extra": every value follows its option' });
        assert.deepEqual(parseGuidedArgs(["--stack", "p", "--yes=1"], all), { error: "--yes takes no value" });
        assert.deepEqual(parseGuidedArgs(["--stack", "p", "--help"], all), { help: true });
    });

    it("confirmation: --yes; a person's yes (oui too); no terminal without --yes is a refusal (exit 2), no is a cancel (exit 1)", async () => {
        const asked: string[] = [];
        const deps = (interactive: boolean, answer: string) => ({ interactive, ask: async (q: string) => (asked.push(q), answer) }) as unknown as GuidedDeps;
        assert.deepEqual(await confirmApply(deps(false, "y"), true, "Q? "), { ok: true, how: "--yes" });
        assert.deepEqual(await confirmApply(deps(false, "y"), false, "Q? "), { ok: false, code: 2, message: "not a terminal: add --yes to apply; nothing was changed" });
        assert.deepEqual(asked, [], "nobody asked without a terminal");
        assert.deepEqual(await confirmApply(deps(true, " Oui "), false, "Q? "), { ok: true, how: 'answered "Oui" at the prompt' });
        assert.deepEqual(await confirmApply(deps(true, ""), false, "Q? "), { ok: false, code: 1, message: "cancelled: nothing was changed" });
        assert.deepEqual(asked, ["Q? ", "Q? "]);
    });

    it("who decides: git user.name of the project, else the login", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-operator-"));
        try {
            execFileSync("git", ["init", "-q", dir]);
            execFileSync("git", ["config", "user.name", "Camille Martin"], { cwd: dir });
            assert.equal(operatorOf(dir), "Camille Martin");
            execFileSync("git", ["config", "--unset", "user.name"], { cwd: dir });
            const env = { ...process.env, USER: "camille", HOME: dir, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
            assert.equal(operatorOf(dir, env), "camille");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("cli/main: the guided commands are dispatched like the others", () => {
    it("lists them first, each with its summary, and hands each its own entry", async () => {
        const lines = usage().split("\n");
        assert.deepEqual(lines.slice(2, 7).map((l) => l.trim().split(/\s+/)[0]), ["init", "adopt", "prepare", "cutover", "status"]);
        const err: string[] = [];
        const write = process.stderr.write;
        process.stderr.write = ((c: string) => (err.push(String(c)), true)) as typeof process.stderr.write;
        try {
            assert.equal(await main(["cutover", "--bogus"]), 2);
            assert.equal(await main(["prepare"]), 2);
        } finally {
            process.stderr.write = write;
        }
        assert.match(err.join(""), /golive cutover: unknown option --bogus\n\nusage: golive cutover --stack <stack> \[--yes\] \[--auto-rollback \| --no-rollback\]/);
        assert.match(err.join(""), /golive prepare: --stack is required\n\nusage: golive prepare --stack <stack> \[--yes\] \[--markdown\] \[--dir/);
    });
});

describe("cli/phase: the R-1 decision after a failed cutover", () => {
    const at = Date.parse("2026-12-01T09:00:07Z");
    const deps = (interactive: boolean, answer: string, asked: string[]) => ({ interactive, now: () => at, ask: async (q: string) => (asked.push(q), answer) });

    it("agreed beforehand (--auto-rollback, or golive:rollback.auto): rolls back without asking", async () => {
        const asked: string[] = [];
        const flag = await decideRollback({ autoRollback: true, stack: "s" }, false, deps(true, "no", asked), "Camille");
        assert.deepEqual(flag, { choice: "rollback", by: "Camille", at: new Date(at), how: "--auto-rollback: rolled back at once" });
        const config = await decideRollback({ autoRollback: false, stack: "s" }, true, deps(true, "no", asked), "Camille");
        assert.equal(config.how, "golive:rollback.auto agreed in config: rolled back at once");
        assert.deepEqual(asked, []);
    });

    it("otherwise the question is asked, and the answer recorded as given; without a terminal the decision stays open", async () => {
        const asked: string[] = [];
        assert.deepEqual(await decideRollback({ autoRollback: false, stack: "s" }, false, deps(true, "oui", asked), "Camille"), { choice: "rollback", by: "Camille", at: new Date(at), how: 'answered "oui" at the prompt' });
        assert.equal((await decideRollback({ autoRollback: false, stack: "s" }, false, deps(true, "n", asked), "Camille")).choice, "no rollback");
        assert.deepEqual(asked, ["Roll back now to prepare (plan R-1: visitors go back to the old site)? [y/N] ", "Roll back now to prepare (plan R-1: visitors go back to the old site)? [y/N] "]);
        const open = await decideRollback({ autoRollback: false, stack: "s" }, false, deps(false, "yes", asked), "ci");
        assert.equal(open.choice, "undecided");
        assert.match(open.how, /no terminal to ask and no --auto-rollback; roll back with: golive recover --stack s --rollback --yes/);
    });
});
