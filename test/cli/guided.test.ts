import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { confirmApply, GuidedDeps, operatorOf, parseGuidedArgs, PROGRAM_DIR } from "../../cli/guided";

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
        assert.deepEqual(parseGuidedArgs(["--stack", "-rf"], all), { error: '--stack must be a stack name like prod, got "-rf"' });
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
