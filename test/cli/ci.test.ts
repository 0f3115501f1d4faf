// golive ci targets | approval | comment without the engine: the stacks a change concerns, P-01
// read from the run (GitHub's API is a loopback stand-in, replica/github.ts) and written through a
// stand-in config writer, the pull request's one comment created then edited. Also the R-1 flags
// the apply workflow passes (--auto-rollback, --no-rollback).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main as ci, targetsOf, fitComment } from "../../cli/ci";
import { decideRollback } from "../../operations/rollbackDecision";
import { parseGuidedArgs } from "../../cli/guided";
import type { GuidedDeps } from "../../operations/guided";
import { startGitHubStandIn, type GitHubStandIn } from "../../replica/github";
import { APPROVAL_ENV } from "../../operations/ciContext";

interface Io {
    out: string[];
    err: string[];
}

function deps(io: Io, env: NodeJS.ProcessEnv, over: Partial<GuidedDeps> = {}): GuidedDeps {
    return { env, interactive: false, ask: async () => "no", out: (l) => io.out.push(l), err: (l) => io.err.push(l), now: () => Date.now(), operator: () => "test", ...over };
}
const newIo = (): Io => ({ out: [], err: [] });
const text = (io: Io) => [...io.out, ...io.err].join("\n");

describe("golive ci: the glue of the GitHub workflows", () => {
    let dir: string;
    let github: GitHubStandIn;
    let env: NodeJS.ProcessEnv;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-ci-"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: golive\nruntime: nodejs\nconfig:\n  golive:phase:\n    type: string\n    default: adopt\n");
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  golive:domain: example.com\n  golive:phase: cutover\n");
        fs.writeFileSync(path.join(dir, "Pulumi.lumiere.yaml"), "config:\n  golive:domain: lumiere.fr\n  golive:phase: prepare\n");
        fs.writeFileSync(path.join(dir, "Pulumi.nouveau.yaml"), "config:\n  golive:domain: nouveau.fr\n");
        github = await startGitHubStandIn({ repository: "agency/sites" });
        env = {
            GOLIVE_LOOPBACK_ONLY: "1",
            GITHUB_ACTIONS: "true",
            GITHUB_SERVER_URL: "https://github.com",
            GITHUB_API_URL: github.url,
            GITHUB_REPOSITORY: "agency/sites",
            GITHUB_RUN_ID: "4242",
            GITHUB_RUN_ATTEMPT: "1",
            GITHUB_TOKEN: github.token,
            RUNNER_NAME: "GitHub Actions 3",
            GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
        };
    });
    after(async () => {
        fs.rmSync(dir, { recursive: true, force: true });
        await github?.close();
    });

    describe("targets", () => {
        it("a changed stack file is that stack at the phase it asks for; a change of the program previews every stack but applies none; a removed stack file is nothing", () => {
            assert.deepEqual(targetsOf("preview", ["Pulumi.prod.yaml", "README.md"], dir).targets, [{ stack: "prod", phase: "cutover" }]);
            const program = targetsOf("preview", ["program/dnsPlan.ts"], dir);
            assert.deepEqual(program.targets.map((t) => t.stack), ["lumiere", "nouveau", "prod"]);
            assert.match(program.notes.join("\n"), /the program changed \(program\/dnsPlan\.ts\): every stack is previewed/);
            const apply = targetsOf("apply", ["index.ts", "Pulumi.lumiere.yaml", "Pulumi.gone.yaml"], dir);
            assert.deepEqual(apply.targets, [{ stack: "lumiere", phase: "prepare" }]);
            assert.match(apply.notes.join("\n"), /Pulumi\.gone\.yaml was removed: nothing to apply/);
            assert.match(apply.notes.join("\n"), /the program changed \(index\.ts\): it is applied to a stack only when its stack file changes, or by a dispatch of golive apply/);
            assert.deepEqual(targetsOf("preview", ["Pulumi.yaml"], dir).targets.length, 3, "Pulumi.yaml is the program's");
        });

        it("an apply takes prepare and cutover only: a stack file at adopt is left to a terminal (adopt writes the stack file)", () => {
            const r = targetsOf("apply", ["Pulumi.nouveau.yaml"], dir);
            assert.deepEqual(r.targets, []);
            assert.match(r.notes[0], /nouveau: golive:phase is adopt; an apply from CI runs prepare or cutover/);
        });

        it("prints the JSON a matrix takes on stdout (the notes on stderr); a dispatch's stack and phase are checked", async () => {
            let io = newIo();
            assert.equal(await ci(["targets", "--for", "preview", "--files", "-", "--dir", dir], deps(io, env), { readList: async () => "Pulumi.prod.yaml\n" }), 0, text(io));
            assert.deepEqual(io.out, ['[{"stack":"prod","phase":"cutover"}]']);
            io = newIo();
            assert.equal(await ci(["targets", "--for", "apply", "--stack", "prod", "--phase", "cutover", "--dir", dir], deps(io, env)), 0, text(io));
            assert.deepEqual(io.out, ['[{"stack":"prod","phase":"cutover"}]']);
            for (const [argv, message] of [
                [["--for", "apply", "--stack", "prod", "--phase", "adopt"], /--phase must be one of prepare, cutover, got "adopt"/],
                [["--for", "apply", "--stack=-x", "--phase", "cutover"], /--stack must be a stack name like prod, got "-x"/],
                [["--for", "deploy", "--files", "-"], /--for must be preview or apply, got "deploy"/],
                [["--for", "apply"], /give either --files, or --stack with --phase/],
            ] as Array<[string[], RegExp]>) {
                io = newIo();
                assert.equal(await ci(["targets", ...argv, "--dir", dir], deps(io, env)), 2, argv.join(" "));
                assert.match(io.err.join("\n"), message);
            }
            io = newIo();
            assert.equal(await ci(["targets", "--for", "apply", "--stack", "absent", "--phase", "cutover", "--dir", dir], deps(io, env)), 1);
            assert.match(io.err.join("\n"), /no Pulumi\.absent\.yaml in .*: the stacks here are lumiere, nouveau, prod/);
        });
    });

    describe("approval (P-01 from the run)", () => {
        const approved = (runId: string, login: string, environment: string, state = "approved") => github.approvals.set(runId, [{ state, comment: "go", user: { login }, environments: [{ name: environment }] }]);

        it("a cutover: the environment's last approval (who) and this job's start (when) are written as golive:approvedBy / golive:approvedAt, and passed to the next steps in $GITHUB_ENV", async () => {
            approved("4242", "lea-client", "golive-prod");
            github.jobs.set("4242/1", [{ name: "apply", status: "in_progress", started_at: "2026-12-01T09:00:00Z", runner_name: "GitHub Actions 3" }]);
            const jobEnv = path.join(dir, "github-env");
            fs.writeFileSync(jobEnv, "");
            const written: Array<Record<string, string>> = [];
            const io = newIo();
            const code = await ci(["approval", "--stack", "prod", "--phase", "cutover", "--environment", "golive-prod", "--dir", dir], {
                ...deps(io, { ...env, GITHUB_ENV: jobEnv }),
                writeConfig: async (_s, _d, values) => (written.push(values), { "golive:approvedBy": "Léa (typed)" }),
            });
            assert.equal(code, 0, text(io));
            assert.deepEqual(written, [{ "golive:approvedBy": "lea-client (required reviewer of GitHub environment golive-prod, https://github.com/agency/sites/actions/runs/4242/attempts/1)", "golive:approvedAt": "2026-12-01T09:00:00.000Z" }]);
            assert.match(text(io), /golive:approvedBy = lea-client .* \(the stack file had "Léa \(typed\)": replaced by the run's approval\)/);
            const line = fs.readFileSync(jobEnv, "utf8");
            assert.ok(line.startsWith(`${APPROVAL_ENV}={`) && line.endsWith("}\n") && line.split("\n").length === 2, line);
            assert.equal(JSON.parse(line.slice(APPROVAL_ENV.length + 1)).by, "lea-client");
            assert.deepEqual(github.requests.slice(-2).map((r) => r.path), ["/repos/agency/sites/actions/runs/4242/approvals", "/repos/agency/sites/actions/runs/4242/attempts/1/jobs?per_page=100"]);
        });

        it("a prepare: the approval is read and recorded, P-01 is not written (it is the client's go for the cutover)", async () => {
            approved("4243", "camille-lead", "golive-prod");
            const io = newIo();
            let wrote = false;
            const code = await ci(["approval", "--stack", "prod", "--phase", "prepare", "--environment", "golive-prod", "--dir", dir], { ...deps(io, { ...env, GITHUB_RUN_ID: "4243" }), writeConfig: async () => ((wrote = true), {}) });
            assert.equal(code, 0, text(io));
            assert.equal(wrote, false);
            assert.match(text(io), /when golive read the approval in the approved job \(the jobs API did not give this job's start\)/);
        });

        it("no approval of the stack's environment in the run (no required reviewers), another environment's, or a rejection: refused, nothing written", async () => {
            for (const [runId, setup, message] of [
                ["5001", () => undefined, /no review of environment golive-prod: give it required reviewers/],
                ["5002", () => approved("5002", "x", "golive-other"), /no review of environment golive-prod/],
                ["5003", () => approved("5003", "x", "golive-prod", "rejected"), /the last review of environment golive-prod is "rejected" by x/],
            ] as Array<[string, () => void, RegExp]>) {
                setup();
                const io = newIo();
                let wrote = false;
                const code = await ci(["approval", "--stack", "prod", "--phase", "cutover", "--environment", "golive-prod", "--dir", dir], { ...deps(io, { ...env, GITHUB_RUN_ID: runId }), writeConfig: async () => ((wrote = true), {}) });
                assert.equal(code, 1, text(io));
                assert.match(io.err.join("\n"), /refused: cutover from CI needs this run approved in GitHub environment golive-prod, and /);
                assert.match(io.err.join("\n"), message);
                assert.equal(wrote, false);
            }
        });

        it("outside a GitHub Actions run, without the token, or with GitHub's real API under GOLIVE_LOOPBACK_ONLY: refused with what is missing", async () => {
            const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
                [{ ...env, GITHUB_RUN_ID: undefined }, /not in a GitHub Actions run/],
                [{ ...env, GITHUB_TOKEN: "" }, /GITHUB_TOKEN is not set: pass the job's token to the step/],
                [{ ...env, GITHUB_API_URL: "https://api.github.com" }, /GitHub API at api\.github\.com refused: GOLIVE_LOOPBACK_ONLY is set/],
                [{ ...env, GITHUB_TOKEN: "wrong" }, /GitHub API GET \/repos\/agency\/sites\/actions\/runs\/4242\/approvals answered HTTP 401: Bad credentials/],
            ];
            for (const [e, message] of cases) {
                const io = newIo();
                assert.equal(await ci(["approval", "--stack", "prod", "--phase", "cutover", "--environment", "golive-prod", "--dir", dir], deps(io, e)), 1, text(io));
                assert.match(io.err.join("\n"), message);
                assert.doesNotMatch(io.err.join("\n"), new RegExp(github.token), "the token is never printed");
            }
        });
    });

    describe("comment (one per pull request)", () => {
        const sections = (stacks: Record<string, string>) => {
            const d = fs.mkdtempSync(path.join(dir, "plans-"));
            for (const [s, md] of Object.entries(stacks)) fs.writeFileSync(path.join(d, `${s}.md`), md);
            return d;
        };

        it("created on the first push, edited on the next (found by its marker, past a page of other comments); a person's comment quoting the marker is left alone", async () => {
            const pr = 31;
            github.comments.set(pr, [
                ...Array.from({ length: 120 }, (_, i) => ({ id: 10 + i, body: `review ${i}`, user: { login: "someone" }, created_at: "", updated_at: "", html_url: "" })),
                { id: 9, body: "> <!-- golive:golive-plan -->\n> quoted", user: { login: "someone" }, created_at: "", updated_at: "", html_url: "" },
            ]);
            let io = newIo();
            assert.equal(await ci(["comment", "--pr", String(pr), "--marker", "golive-plan", "--from-dir", sections({ prod: "### ✅ `prod` first push\n" }), "--targets", '[{"stack":"prod","phase":"cutover"}]', "--sha", "abcdef1234567"], deps(io, env)), 0, text(io));
            assert.match(text(io), /comment \d+ created on pull request #31/);
            const mine = () => github.comments.get(pr)!.filter((c) => c.body.startsWith("<!-- golive:golive-plan -->"));
            assert.equal(mine().length, 1);
            const id = mine()[0].id;
            io = newIo();
            assert.equal(await ci(["comment", "--pr", String(pr), "--marker", "golive-plan", "--from-dir", sections({ prod: "### ✅ `prod` second push\n" })], deps(io, env)), 0, text(io));
            assert.match(text(io), new RegExp(`comment ${id} on pull request #31 updated`));
            assert.equal(mine().length, 1, "still one comment");
            assert.match(mine()[0].body, /second push/);
            assert.doesNotMatch(mine()[0].body, /first push/);
            assert.equal(github.comments.get(pr)!.find((c) => c.id === 9)!.body, "> <!-- golive:golive-plan -->\n> quoted");
        });

        it("a comment longer than GitHub accepts drops the plain output first, then is cut with a note", () => {
            const details = `<details><summary>golive plan, as printed</summary>\n\n${"x".repeat(70_000)}\n</details>\n`;
            assert.equal(fitComment(`head\n${details}tail`), "head\ntail");
            const cut = fitComment("y".repeat(80_000));
            assert.ok(cut.length <= 65_000 && cut.endsWith("the run's artifacts have every plan)\n"));
        });

        it("bad usage names the option", async () => {
            for (const [argv, message] of [
                [["--pr", "x", "--marker", "m", "--from-dir", dir], /--pr must be the pull request's number, got "x"/],
                [["--pr", "1", "--marker", "<!--", "--from-dir", dir], /--marker must be a short name like golive-plan/],
                [["--pr", "1", "--marker", "m", "--from-dir", dir, "--targets", "{}"], /--targets must be golive ci targets' JSON/],
                [["--pr", "1", "--marker", "m", "--from-dir", dir, "--sha=--x"], /--sha must be a commit SHA, got "--x"/],
            ] as Array<[string[], RegExp]>) {
                const io = newIo();
                assert.equal(await ci(["comment", ...argv], deps(io, env)), 2, argv.join(" "));
                assert.match(io.err.join("\n"), message);
            }
        });
    });

    describe("R-1 decided beforehand (the apply's on_failure input)", () => {
        it("--no-rollback keeps the new site and says how to roll back; --auto-rollback with --no-rollback is refused", async () => {
            const a = parseGuidedArgs(["--stack", "prod", "--no-rollback", "--markdown"], ["--stack", "--no-rollback", "--auto-rollback", "--markdown"]);
            assert.ok(!("error" in a) && !("help" in a));
            const d = await decideRollback(a as { stack: string; autoRollback: boolean; noRollback?: boolean }, true, { interactive: true, ask: async () => "yes", now: () => 0 }, "camille-ops (GitHub Actions run x)");
            assert.deepEqual(d, { choice: "no rollback", by: "camille-ops (GitHub Actions run x)", at: new Date(0), how: "--no-rollback: decided beforehand, the new site keeps serving; to roll back: golive prepare --stack prod" });
            assert.deepEqual(parseGuidedArgs(["--stack", "prod", "--no-rollback", "--auto-rollback"], ["--stack", "--no-rollback", "--auto-rollback"]), { error: "--auto-rollback and --no-rollback decide R-1 both ways: give one" });
        });
    });
});
