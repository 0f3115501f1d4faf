import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
        execFile(file, args, { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
            resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
        ),
    );
}

// README says `npx golive <command>` (and `npm run <command> -- …`): both must work from a clone.
describe("cli: the golive command as README runs it", function () {
    this.timeout(90_000);

    it("package.json's bin is an executable node script (what npx and npm link run)", async () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
        const bin = path.join(ROOT, pkg.bin.golive);
        assert.match(fs.readFileSync(bin, "utf8").split("\n")[0], /^#!\/usr\/bin\/env node$/);
        assert.ok(fs.statSync(bin).mode & 0o111, "executable");
        // Run as a bin link runs it: the file itself, through its shebang.
        const { code, stdout } = await run(bin, ["--help"]);
        assert.equal(code, 0);
        assert.match(stdout, /^usage: golive <command>/);
        for (const command of ["verify", "report", "rollback", "rehearse"]) assert.match(stdout, new RegExp(`\\n  ${command} `));
    });

    it("npx golive --help, offline, with a throwaway npm cache", async () => {
        const cache = fs.mkdtempSync(path.join(os.tmpdir(), "golive-npx-"));
        try {
            const { code, stdout, stderr } = await run("npx", ["--offline", "golive", "--help"], { ...process.env, npm_config_cache: cache, npm_config_update_notifier: "false" });
            assert.equal(code, 0, stderr);
            assert.match(stdout, /^usage: golive <command>/);
        } finally {
            fs.rmSync(cache, { recursive: true, force: true });
        }
    });

    it("npm run golive -- <command> and the per-command scripts", async () => {
        const env = { ...process.env, npm_config_update_notifier: "false" };
        const [golive, report] = await Promise.all([run("npm", ["run", "-s", "golive", "--", "verify", "--help"], env), run("npm", ["run", "-s", "report", "--", "--help"], env)]);
        assert.equal(golive.code, 0, golive.stderr);
        assert.match(golive.stdout, /^usage: golive verify/);
        assert.equal(report.code, 0, report.stderr);
        assert.match(report.stdout, /^usage: golive report/);
    });
});
