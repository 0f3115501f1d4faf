import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, pulumiStackOutputs, ReportDeps } from "../../cli/report";
import { buildChecklist } from "../../lib/report";
import { RESULTS } from "../fixtures/checkResults";

function fakeDeps(over: Partial<ReportDeps> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const deps: ReportDeps = {
        stackOutputs: () => {
            throw Object.assign(new Error("spawnSync pulumi ENOENT"), { code: "ENOENT" });
        },
        now: () => "2026-05-02T10:00:00Z",
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        ...over,
    };
    return { deps, out, err };
}

describe("cli/report: golive report", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-report-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("prints the checklist of a verify result as Markdown", async () => {
        const from = path.join(dir, "verify.json");
        fs.writeFileSync(from, JSON.stringify({ domain: "example.com", results: RESULTS }));
        const f = fakeDeps();
        assert.equal(await main(["--from", from], f.deps), 0);
        const md = f.out.join("");
        assert.match(md, /^# Mise en production — example\.com/);
        assert.match(md, /\*\*MEP-10\*\* \| Forcer la Redirection \| Développeur \| ❌ failed/);
        assert.match(md, /Rapport généré le :\*\* 2026-05-02T10:00:00Z/);
    });

    it("writes to --out and keeps the checklist recorded in stack outputs", async () => {
        const recorded = buildChecklist({ domain: "example.com", phase: "cutover", results: RESULTS, generatedAt: "2026-05-01T00:00:00Z" });
        recorded[0] = { ...recorded[0], evidence: "recorded at deploy time" };
        const from = path.join(dir, "outputs.json");
        fs.writeFileSync(from, JSON.stringify({ phase: "cutover", zone: { name: "example.com", status: "active" }, checklist: recorded }));
        const out = path.join(dir, "mep.md");
        const f = fakeDeps();
        assert.equal(await main(["--from", from, "--out", out, "--stack", "prod"], f.deps), 0);
        assert.equal(f.out.length, 0);
        const md = fs.readFileSync(out, "utf8");
        assert.match(md, /\| \*\*P-01\*\* \|[^\n]*recorded at deploy time/);
        assert.match(md, /\*\*Stack :\*\* prod/);
    });

    it("reads the stack outputs through the Pulumi CLI without --from", async () => {
        const seen: Array<string | undefined> = [];
        const f = fakeDeps({ stackOutputs: (s) => (seen.push(s), { redirect: { from: "example.com" }, phase: "prepare", checks: RESULTS }) });
        assert.equal(await main(["--stack", "prod"], f.deps), 0);
        assert.deepEqual(seen, ["prod"]);
        assert.match(f.out.join(""), /\*\*Phase :\*\* prepare/);
    });

    it("explains that the Pulumi CLI is needed when it is missing (exit 2)", async () => {
        const f = fakeDeps();
        assert.equal(await main(["--stack", "prod"], f.deps), 2);
        assert.match(f.err.join("\n"), /Pulumi CLI is not on PATH.*--from <file\.json>/);
    });

    it("finds no Pulumi CLI on an empty PATH (the real runner)", async () => {
        const saved = process.env.PATH;
        process.env.PATH = "/nonexistent-golive-test";
        try {
            assert.throws(() => pulumiStackOutputs("prod"), (e: NodeJS.ErrnoException) => e.code === "ENOENT");
            const f = fakeDeps({ stackOutputs: pulumiStackOutputs });
            assert.equal(await main(["--stack", "prod"], f.deps), 2);
            assert.match(f.err.join("\n"), /Pulumi CLI is not on PATH/);
        } finally {
            process.env.PATH = saved;
        }
    });

    it("exits 2 on usage errors and unreadable files", async () => {
        for (const argv of [["--bogus"], ["--from"], ["--from", path.join(dir, "missing.json")]]) {
            const f = fakeDeps();
            assert.equal(await main(argv, f.deps), 2, argv.join(" "));
        }
        const noDomain = path.join(dir, "nodomain.json");
        fs.writeFileSync(noDomain, JSON.stringify(RESULTS));
        const f = fakeDeps();
        assert.equal(await main(["--from", noDomain], f.deps), 2);
        assert.match(f.err.join("\n"), /cannot tell the domain/);
    });
});
