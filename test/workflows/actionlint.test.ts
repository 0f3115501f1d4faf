// The workflows pass actionlint (pinned by scripts/actionlint.sh, with shellcheck on every `run:`
// script): syntax, contexts and where each may be used, expressions' types, the inputs of the actions
// it knows, the local setup action's inputs, shell mistakes. Pending without actionlint (the reason
// and `npm run actionlint` are printed); a failure under CI, whose .ci/run installs it.
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROGRAM_DIR } from "../../shared/programDir";
import { requireActionlint } from "../helpers/prerequisites";
import { ACTIONLINT_VERSION } from "../helpers/actionlint";

function run(bin: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
    return new Promise((resolve) =>
        execFile(bin, args, { cwd, timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: `${stdout}${stderr}` })),
    );
}

describe("actionlint: the workflows lint clean", function () {
    this.timeout(120_000);

    it("scripts/actionlint.sh installs the version the tests look for", () => {
        assert.match(fs.readFileSync(path.join(PROGRAM_DIR, "scripts", "actionlint.sh"), "utf8"), new RegExp(`^VERSION=${ACTIONLINT_VERSION.replace(/\./g, "\\.")}$`, "m"));
    });

    it("every workflow passes actionlint, shellcheck included", async function () {
        const tools = requireActionlint(this);
        const files = fs.readdirSync(path.join(PROGRAM_DIR, ".github", "workflows")).map((f) => path.join(".github", "workflows", f));
        const r = await run(tools.actionlint, ["-no-color", "-shellcheck", tools.shellcheck, ...files], PROGRAM_DIR);
        assert.equal(r.code, 0, r.out);
    });

    it("and it does find a mistake: a context used where GitHub does not give it, an unknown property", async function () {
        const tools = requireActionlint(this);
        const dir = fs.mkdtempSync(path.join(PROGRAM_DIR, ".github", "lint-"));
        try {
            const bad = fs.readFileSync(path.join(PROGRAM_DIR, ".github", "workflows", "golive-apply.yml"), "utf8").replace("group: golive-${{ matrix.stack }}", "group: golive-${{ secrets.STACK }}").replace("${{ github.token }}", "${{ github.tokn }}");
            fs.writeFileSync(path.join(dir, "bad.yml"), bad);
            const r = await run(tools.actionlint, ["-no-color", "-shellcheck=", path.join(dir, "bad.yml")], PROGRAM_DIR);
            assert.equal(r.code, 1, r.out);
            assert.match(r.out, /context "secrets" is not allowed here/);
            assert.match(r.out, /property "tokn" is not defined/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
