import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { addWorktree, HISTORY_PAGE_SIZE, numbered, programRepo, readHistory, replaceStackFile, RollbackStack, runRollback, setSecretFromStdin } from "../../operations/automation";
import type { Stack } from "@pulumi/pulumi/automation";
import { configDiff, configJsonOf, describePlan, historyReaches, HistoryEntry, planRollback, RollbackRefused } from "../../operations/rollback";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

const base = {
    "golive:phase": { value: "adopt", secret: false },
    "golive:domain": { value: "example.com", secret: false },
    "golive:projectName": { value: "example-site", secret: false },
    "golive:envValues": { value: '{"API_KEY":"k-123"}', secret: true },
};
const prepare = { ...base, "golive:phase": { value: "prepare", secret: false }, "golive:releaseRef": { value: "v1.0.0", secret: false } };
const cutover = {
    ...prepare,
    "golive:phase": { value: "cutover", secret: false },
    "golive:approvedBy": { value: "Client", secret: false },
    "golive:approvedAt": { value: "2026-05-01", secret: false },
    "golive:envValues": { value: '{"API_KEY":"k-456"}', secret: true },
};

function entry(version: number, kind: HistoryEntry["kind"], result: HistoryEntry["result"], config: HistoryEntry["config"], head?: string, extra: Record<string, string> = {}): HistoryEntry {
    return {
        version,
        kind,
        result,
        config,
        message: `update ${version}`,
        startTime: new Date(Date.UTC(2026, 4, 1, 8, version)),
        endTime: new Date(Date.UTC(2026, 4, 1, 8, version, 30)),
        environment: { "exec.kind": "cli", ...(head ? { "git.head": head, "git.dirty": "false" } : {}), ...extra },
    };
}

// Newest first, as Stack.history() returns it: adopt, prepare, a refresh, a failed cutover, then the cutover.
const typical: HistoryEntry[] = [
    entry(5, "update", "succeeded", cutover, C),
    entry(4, "update", "failed", cutover, C),
    entry(3, "refresh", "succeeded", prepare, B),
    entry(2, "update", "succeeded", prepare, B),
    entry(1, "update", "succeeded", base, A),
];

const clean = { hasCommit: () => true, programChanges: () => [] as string[] };

describe("operations/rollback: which update to go back to (plan section 4)", () => {
    it("goes back from the cutover to the last successful update before it (prepare)", () => {
        const plan = planRollback(typical, clean);
        assert.equal(plan.current.version, 5);
        assert.equal(plan.target.version, 2);
        assert.equal(plan.target.commit, B);
        assert.equal(plan.target.config, prepare);
        assert.equal(plan.target.startTime, "2026-05-01T08:02:00.000Z");
    });

    it("goes back from a failed cutover to the last success", () => {
        const plan = planRollback(typical.slice(1), clean);
        assert.equal(plan.current.version, 4);
        assert.equal(plan.current.result, "failed");
        assert.equal(plan.target.version, 2);
    });

    it("a cutover interrupted before the engine recorded it: the current (prepare) update is applied again (issue 17)", () => {
        const plan = planRollback(typical.slice(3), clean, { reapplyCurrent: true });
        assert.equal(plan.current.version, 2);
        assert.equal(plan.target.version, 2);
        assert.equal(plan.target.commit, B);
        assert.deepEqual(plan.changes, []);
        assert.match(describePlan(plan, "prod"), /back to update : 2 \(succeeded, [^)]+\) "update 2" — applied again: the stack went further than its history says/);
        assert.ok(historyReaches(typical.slice(3), { reapplyCurrent: true }));
        assert.throws(() => planRollback(typical.slice(1), clean, { reapplyCurrent: true }), /update 4 \(update, failed\) is not a successful update: nothing to apply again/);
    });

    it("passes over successful updates identical to the current state", () => {
        const history = [entry(6, "update", "succeeded", cutover, C), ...typical];
        const plan = planRollback(history, clean);
        assert.equal(plan.target.version, 2);
        assert.deepEqual(plan.skipped, [5]);
        assert.match(describePlan(plan, "prod"), /passed over {4}: 5/);
    });

    it("accepts history in any order and dates as strings (JSON)", () => {
        const json = JSON.parse(JSON.stringify([...typical].reverse()));
        assert.equal(planRollback(json, clean).target.version, 2);
    });

    it("goes to the update named by --to", () => {
        const lowTtl = { ...prepare, "golive:ttl": { value: "60", secret: false } };
        const history = [entry(4, "update", "succeeded", cutover, C), entry(3, "update", "succeeded", lowTtl, B), ...typical.slice(3)];
        assert.equal(planRollback(history, clean).target.version, 3);
        const plan = planRollback(history, clean, { to: 2 });
        assert.equal(plan.target.version, 2);
        assert.equal(plan.target.commit, B);
    });

    it("refuses to go back to adopt, naming the prepare update to go back to instead", () => {
        assert.throws(
            () => planRollback(typical, clean, { to: 1 }),
            (e: Error) => e instanceof RollbackRefused && /update 1 ran phase adopt: going back to it would delete the Vercel project.*--to 2/.test(e.message),
        );
        // A stack file without golive:phase is adopt (Pulumi.yaml's default).
        const noPhase = { ...base } as Record<string, { value: string; secret: boolean }>;
        delete noPhase["golive:phase"];
        assert.throws(() => planRollback([entry(2, "update", "succeeded", prepare, B), entry(1, "update", "succeeded", noPhase, A)], clean), /update 1 ran phase adopt/);
    });

    it("refuses --to a failed update, a refresh, the current one or an unknown version", () => {
        assert.throws(() => planRollback(typical, clean, { to: 4 }), (e: Error) => e instanceof RollbackRefused && /update 4 \(update, failed\) is not a successful update/.test(e.message));
        assert.throws(() => planRollback(typical, clean, { to: 3 }), /update 3 \(refresh, succeeded\) is not a successful update/);
        assert.throws(() => planRollback(typical, clean, { to: 5 }), /not before the current update 5/);
        assert.throws(() => planRollback(typical, clean, { to: 9 }), /update 9 is not in the stack history \(versions 5, 4, 3, 2, 1\)/);
    });

    it("refuses when there is no earlier successful update", () => {
        assert.throws(() => planRollback([entry(1, "update", "succeeded", base, A)], clean), /no successful update before the current one \(1, succeeded\)/);
        assert.throws(() => planRollback([entry(2, "update", "failed", prepare, B), entry(1, "update", "failed", base, A)], clean), /no successful update before the current one \(2, failed\)/);
        assert.throws(() => planRollback([], clean), /no update in its history/);
        assert.throws(
            () => planRollback([entry(2, "update", "succeeded", base, A), entry(1, "update", "succeeded", base, A)], clean),
            /other than 1, identical to it/,
        );
    });

    it("refuses while an update is running", () => {
        assert.throws(() => planRollback([entry(6, "update", "in-progress", cutover, C), ...typical], clean), /update 6 is still in-progress/);
    });

    it("refuses when the target did not record its commit", () => {
        const noHead = [entry(3, "update", "succeeded", cutover, C), entry(2, "update", "succeeded", prepare)];
        assert.throws(() => planRollback(noHead, clean), /update 2 did not record its program commit \(environment git.head\)/);
    });

    it("accepts the documented workflow: every update recorded git.dirty (pulumi config set edits the stack file)", () => {
        const dirty = { "git.dirty": "true" };
        const history = [entry(5, "update", "succeeded", cutover, C, dirty), entry(2, "update", "succeeded", prepare, B, dirty), entry(1, "update", "succeeded", base, A, dirty)];
        const plan = planRollback(history, clean);
        assert.equal(plan.target.version, 2);
    });

    it("refuses when the program's own code differs from the recorded commit, naming the files, or the commit is unknown", () => {
        const asked: string[] = [];
        const edited = { hasCommit: () => true, programChanges: (sha: string) => (asked.push(sha), ["components/dnsRecords.ts", "program/dnsPlan.ts"]) };
        assert.throws(
            () => planRollback(typical, edited),
            new RegExp(`the program here differs from commit ${B} recorded by update 2 \\(components/dnsRecords\.ts, program/dnsPlan\.ts\\).*git checkout ${B}`),
        );
        assert.deepEqual(asked, [B]);
        const seen: string[] = [];
        assert.throws(
            () => planRollback(typical, { hasCommit: (sha) => (seen.push(sha), false), programChanges: () => [] }),
            new RegExp(`commit ${B} of update 2 is unknown in this repository: run git fetch`),
        );
        assert.deepEqual(seen, [B]);
    });

    it("refuses a target whose secrets history could not decrypt", () => {
        const unreadable = { ...prepare, "golive:envValues": { value: "ERROR_UNABLE_TO_DECRYPT", secret: true } };
        assert.throws(() => planRollback([entry(3, "update", "succeeded", cutover, C), entry(2, "update", "succeeded", unreadable, B)], clean), /no readable value for golive:envValues/);
    });

    it("diffs the config with secrets masked", () => {
        const plan = planRollback(typical, clean);
        assert.deepEqual(plan.changes, [
            { key: "golive:approvedAt", kind: "removed", from: "2026-05-01" },
            { key: "golive:approvedBy", kind: "removed", from: "Client" },
            { key: "golive:envValues", kind: "changed", from: "[secret]", to: "[secret]" },
            { key: "golive:phase", kind: "changed", from: "cutover", to: "prepare" },
        ]);
        const text = describePlan(plan, "prod");
        assert.match(text, /back to update : 2 \(succeeded, 2026-05-01T08:02:00.000Z\) "update 2"/);
        assert.match(text, new RegExp(`program commit : ${B}`));
        assert.match(text, /~ golive:phase: cutover -> prepare/);
        assert.match(text, /- golive:approvedBy \(was Client\)/);
        assert.ok(!text.includes("k-123") && !text.includes("k-456"), "secret values never printed");
        assert.deepEqual(configDiff(base, { ...base, "golive:x": { value: "1", secret: false } }), [{ key: "golive:x", kind: "added", to: "1" }]);
        assert.deepEqual(configDiff(base, base), []);
    });
});

describe("operations/automation: the program repository and the rollback worktree", () => {
    let dir: string;
    let root: string;
    let first: string;
    const env = { ...process.env, GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@localhost", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@localhost" };
    const git = (...args: string[]) => execFileSync("git", args, { cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-wt-"));
        root = path.join(dir, "repo");
        fs.mkdirSync(path.join(root, "infra", "node_modules"), { recursive: true });
        git("init", "-q", "-b", "main");
        fs.writeFileSync(path.join(root, ".gitignore"), "node_modules\n");
        fs.writeFileSync(path.join(root, "infra", "Pulumi.yaml"), "name: golive\n");
        fs.writeFileSync(path.join(root, "infra", "index.ts"), "// v1\n");
        git("add", ".");
        git("commit", "-q", "-m", "v1");
        first = git("rev-parse", "HEAD");
        fs.writeFileSync(path.join(root, "infra", "index.ts"), "// v2\n");
        git("commit", "-q", "-am", "v2");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("sees the project prefix, known commits and the program files that differ from a commit", () => {
        const repo = programRepo(path.join(root, "infra"));
        const head = git("rev-parse", "HEAD");
        assert.equal(fs.realpathSync(repo.root), fs.realpathSync(root));
        assert.equal(repo.prefix, "infra/");
        assert.equal(repo.hasCommit(first), true);
        assert.equal(repo.hasCommit("0123456789abcdef0123456789abcdef01234567"), false);
        assert.deepEqual(repo.programChanges(head), []);
        assert.deepEqual(repo.programChanges(first), ["index.ts"], "a later commit changed the program");
        // What `pulumi config set` and the operator's scratch files do: not the program.
        fs.writeFileSync(path.join(root, "infra", "Pulumi.prod.yaml"), "config:\n  golive:phase: prepare\n");
        fs.writeFileSync(path.join(root, "infra", "scratch.txt"), "untracked\n");
        assert.deepEqual(repo.programChanges(head), []);
        // Program code, tracked or not, counts.
        fs.mkdirSync(path.join(root, "infra", "program"));
        fs.writeFileSync(path.join(root, "infra", "program", "new.ts"), "// untracked\n");
        fs.writeFileSync(path.join(root, "infra", "index.ts"), "// edited\n");
        assert.deepEqual(repo.programChanges(head), ["index.ts", "program/new.ts"]);
        git("checkout", "--", "infra/index.ts");
        for (const f of ["scratch.txt", "Pulumi.prod.yaml", "program"]) fs.rmSync(path.join(root, "infra", f), { recursive: true });
    });

    it("checks the recorded commit out in a temporary worktree with node_modules, and removes it", () => {
        const repo = programRepo(path.join(root, "infra"));
        const wt = addWorktree(repo, first, path.join(root, "infra"));
        try {
            assert.equal(fs.readFileSync(path.join(wt.projectDir, "index.ts"), "utf8"), "// v1\n");
            assert.ok(fs.lstatSync(path.join(wt.projectDir, "node_modules")).isSymbolicLink());
            assert.equal(fs.readFileSync(path.join(root, "infra", "index.ts"), "utf8"), "// v2\n", "the main tree is untouched");
        } finally {
            wt.remove();
        }
        assert.equal(fs.existsSync(wt.dir), false);
        assert.doesNotMatch(git("worktree", "list"), /golive-rollback-/);
        assert.deepEqual(programRepo(path.join(root, "infra")).programChanges(git("rev-parse", "HEAD")), []);
    });

    it("reads history pages until the target is reached (the CLI returns 10 updates unless asked)", async () => {
        // 250 updates, newest first, as `stack history --page-size N --page P` pages them.
        const all = Array.from({ length: 250 }, (_, i) => entry(250 - i, "update", "succeeded", prepare, B));
        const asked: Array<[number | undefined, number | undefined, boolean | undefined]> = [];
        const stack = {
            history: async (pageSize?: number, page?: number, showSecrets?: boolean) => {
                asked.push([pageSize, page, showSecrets]);
                const size = pageSize ?? 10;
                return all.slice(((page ?? 1) - 1) * size, (page ?? 1) * size);
            },
        } as unknown as RollbackStack;
        const toOld = await readHistory("prod", "/p", (e) => historyReaches(e, { to: 120 }), async () => stack);
        assert.ok(toOld.some((e) => e.version === 120));
        assert.deepEqual(asked, [[HISTORY_PAGE_SIZE, 1, true], [HISTORY_PAGE_SIZE, 2, true]], "secrets in clear, two pages of 100");
        asked.length = 0;
        const whole = await readHistory("prod", "/p", () => false, async () => stack);
        assert.equal(whole.length, 250);
        assert.equal(asked.length, 3, "stops at the short last page");
    });

    it("restores the target's config into a fresh stack file: set-all --json without secrets (arrays and objects structured), then each secret on its own (secret objects as secure JSON text)", async () => {
        // This stack's secrets settings are what the fresh stack file keeps (the passphrase's salt).
        fs.writeFileSync(path.join(root, "infra", "Pulumi.prod.yaml"), "encryptionsalt: v1:c2FsdA==:v1:abc\nconfig:\n  golive:phase: cutover\n  golive:approvedBy: Client\n");
        // The target as `stack history --json --show-secrets` prints it.
        const target: HistoryEntry["config"] = JSON.parse(
            JSON.stringify({
                "golive:phase": { value: "prepare", secret: false },
                "golive:envVars": { value: '["API_KEY"]', objectValue: ["API_KEY"], secret: false },
                "golive:checks": { value: '{"pages":[{"path":"/"}]}', objectValue: { pages: [{ path: "/" }] }, secret: false },
                "golive:envValues": { value: '{"API_KEY":"k-123"}', objectValue: { API_KEY: "k-123" }, secret: true },
                "vercel:apiToken": { value: "tok", secret: true },
            }),
        );
        const history = [entry(3, "update", "succeeded", cutover, C), entry(2, "update", "succeeded", target, first)];
        const repo = programRepo(path.join(root, "infra"));
        const plan = planRollback(history, { ...repo, programChanges: () => [] });
        const calls: string[] = [];
        let json = "";
        const secrets: Record<string, string> = {};
        let inWorktree = "";
        let stackFile = "";
        const stack = {
            getAllConfig: async () => ({ "golive:phase": { value: "cutover" }, "golive:approvedBy": { value: "Client" } }),
            removeAllConfig: async (keys: string[]) => void calls.push(`rm ${keys.join(",")}`),
            setAllConfig: async () => void calls.push("setAllConfig"),
            setAllConfigJson: async (j: string) => {
                calls.push("setAllConfigJson");
                json = j;
            },
            setSecret: async (key: string, value: string) => {
                calls.push(`setSecret ${key}`);
                secrets[key] = value;
            },
            preview: async () => ({ changeSummary: { same: 2 } }),
            up: async () => ({ summary: { result: "succeeded", resourceChanges: { update: 2 } } }),
        } as unknown as RollbackStack;
        const r = await runRollback(
            { stackName: "prod", projectDir: path.join(root, "infra"), repo, plan, dryRun: true, onOutput: () => undefined },
            async (_name, dir) => {
                inWorktree = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
                stackFile = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
                return stack;
            },
        );
        fs.rmSync(path.join(root, "infra", "Pulumi.prod.yaml"));
        assert.equal(inWorktree, "// v1\n", "run from the recorded commit");
        // Nothing read through `pulumi config` (it refuses a file that lacks required keys): the file
        // starts over with the secrets settings only, and the target's config is written into it.
        assert.equal(stackFile, "encryptionsalt: v1:c2FsdA==:v1:abc\nconfig: {}\n");
        // Never setAllConfig (plain strings); secrets never through set-all, whose JSON is a command-line argument.
        assert.deepEqual(calls, ["setAllConfigJson", "setSecret golive:envValues", "setSecret vercel:apiToken"]);
        const sent = JSON.parse(json);
        assert.deepEqual(sent["golive:envVars"], { value: '["API_KEY"]', objectValue: ["API_KEY"], secret: false });
        assert.deepEqual(sent["golive:checks"].objectValue, { pages: [{ path: "/" }] });
        assert.ok(!json.includes("k-123") && !json.includes("tok"), "no secret value in the set-all JSON");
        // The CLI 3.248 refuses a secret objectValue in set-all --json; a secret object goes back as its JSON text, which the program reads alike.
        assert.deepEqual(secrets, { "golive:envValues": '{"API_KEY":"k-123"}', "vercel:apiToken": "tok" });
        const expected = configJsonOf(target);
        assert.deepEqual(sent, Object.fromEntries(Object.entries(expected).filter(([, v]) => !v.secret)));
        assert.match(r.summary, /same/);
    });

    it("a secret the stack holds today with the target's value goes back as the stack file's ciphertext (no engine run for it); one that differs is set through the engine", async () => {
        fs.writeFileSync(
            path.join(root, "infra", "Pulumi.prod.yaml"),
            "encryptionsalt: v1:c2FsdA==:v1:abc\nconfig:\n  golive:phase: cutover\n  golive:envValues:\n    secure: v1:ENVCIPHER\n  vercel:apiToken:\n    secure: v1:OLDTOKEN\n",
        );
        // As `stack history --json --show-secrets` prints it (objectValue is not in the SDK's type).
        const target: HistoryEntry["config"] = JSON.parse(
            JSON.stringify({
                "golive:phase": { value: "prepare", secret: false },
                "golive:envValues": { value: '{"API_KEY":"k-123"}', objectValue: { API_KEY: "k-123" }, secret: true },
                "vercel:apiToken": { value: "tok", secret: true },
            }),
        );
        const history = [entry(3, "update", "succeeded", cutover, C), entry(2, "update", "succeeded", target, first)];
        const repo = programRepo(path.join(root, "infra"));
        const plan = planRollback(history, { ...repo, programChanges: () => [] });
        const set: string[] = [];
        let stackFile = "";
        const opened: string[] = [];
        const stack = (dir: string) =>
            ({
                // Today's config, as `pulumi config --show-secrets --json` prints it: envValues as the target has it, the token rotated since.
                getAllConfig: async () => ({ "golive:phase": { value: "cutover", secret: false }, "golive:envValues": { value: '{"API_KEY":"k-123"}', secret: true }, "vercel:apiToken": { value: "tok-2", secret: true } }),
                setAllConfigJson: async () => undefined,
                setSecret: async (key: string) => void set.push(key),
                preview: async () => {
                    stackFile = fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8");
                    return { changeSummary: { same: 2 } };
                },
            }) as unknown as RollbackStack;
        await runRollback({ stackName: "prod", projectDir: path.join(root, "infra"), repo, plan, dryRun: true, onOutput: () => undefined }, async (_name, dir) => {
            opened.push(dir === path.join(root, "infra") ? "project" : "worktree");
            return stack(dir);
        });
        fs.rmSync(path.join(root, "infra", "Pulumi.prod.yaml"));
        assert.deepEqual(opened, ["project", "worktree"], "today's config read once, from the project's stack");
        assert.deepEqual(set, ["vercel:apiToken"], "only the secret whose value changed goes through the engine");
        assert.match(stackFile, /golive:envValues:\n\s+secure: v1:ENVCIPHER/);
        assert.match(stackFile, /^encryptionsalt: v1:c2FsdA==:v1:abc$/m, "the same secrets settings as the stack's");
        assert.doesNotMatch(stackFile, /OLDTOKEN|k-123/, "no old ciphertext for a changed value, no value in clear");
    });
});

// Seen on the real CLI: a self-managed backend (file://, s3://) reports version 0 for every update.
describe("operations/automation: the history of a self-managed backend", () => {
    it("numbers the updates by their order (oldest = 1) so the rollback can tell them apart", () => {
        const unnumbered = [entry(0, "update", "succeeded", {}), entry(0, "update", "failed", {}), entry(0, "update", "succeeded", {})];
        assert.deepEqual(numbered(unnumbered).map((e) => e.version), [3, 2, 1]);
        const cloud = [entry(7, "update", "succeeded", {}), entry(6, "update", "succeeded", {})];
        assert.equal(numbered(cloud), cloud, "the backend's own numbers are kept");
        const plan = planRollback(numbered([entry(0, "update", "succeeded", {}, "a".repeat(40)), entry(0, "update", "succeeded", { "golive:phase": { value: "prepare", secret: false } }, "a".repeat(40))]), {
            hasCommit: () => true,
            programChanges: () => [],
        });
        assert.equal(plan.target.version, 1);
    });
});

describe("operations/automation: a secret goes back through the CLI's stdin", () => {
    it("runs `pulumi config set --secret --raw -- <key>` in the stack's workspace with the value on stdin only, exactly", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-secret-stdin-"));
        try {
            // A stand-in CLI that records what a process listing would show (argv, env) and what it read.
            const cli = path.join(dir, "pulumi");
            fs.writeFileSync(cli, `#!${process.execPath}\nconst fs = require("fs");\nfs.writeFileSync(${JSON.stringify(path.join(dir, "seen.json"))}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), home: process.env.PULUMI_HOME, pass: process.env.PULUMI_CONFIG_PASSPHRASE, stdin: fs.readFileSync(0, "utf8") }));\nif (process.argv.includes("fail:key")) { console.error("error: stack 'prod' not found"); process.exit(255); }\n`, { mode: 0o755 });
            const value = "s3cr3t value\nwith a trailing newline\n";
            const stack = { name: "prod", workspace: { pulumiCommand: { command: cli }, workDir: dir, pulumiHome: path.join(dir, "home"), envVars: { PULUMI_CONFIG_PASSPHRASE: "pp" } } } as unknown as Stack;
            await setSecretFromStdin(stack, "golive:envValues", value);
            const seen = JSON.parse(fs.readFileSync(path.join(dir, "seen.json"), "utf8"));
            assert.deepEqual(seen.argv, ["config", "set", "--stack", "prod", "--secret", "--raw", "--non-interactive", "--", "golive:envValues"]);
            assert.equal(seen.stdin, value, "the value, byte for byte (--raw keeps trailing newlines)");
            assert.equal(fs.realpathSync(seen.cwd), fs.realpathSync(dir));
            assert.equal(seen.home, path.join(dir, "home"));
            assert.equal(seen.pass, "pp");
            await assert.rejects(setSecretFromStdin(stack, "fail:key", value), (err: Error) => /pulumi config set --secret fail:key failed: error: stack 'prod' not found/.test(err.message) && !err.message.includes("s3cr3t"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("operations/automation: after a rollback, the stack file says what the stack runs (issue 18 item 4)", () => {
    it("the worktree's stack file (the target's config) replaces the project's, which is kept under .golive/", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "golive-stackfile-"));
        try {
            const [wt, project] = [path.join(root, "wt"), path.join(root, "project")];
            fs.mkdirSync(wt);
            fs.mkdirSync(project);
            fs.writeFileSync(path.join(wt, "Pulumi.prod.yaml"), "encryptionsalt: v1:x\nconfig:\n  golive:phase: prepare\n");
            fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), "encryptionsalt: v1:x\nconfig:\n  golive:phase: cutover\n");
            const backup = replaceStackFile(wt, project, "prod", new Date("2026-11-21T18:00:05.250Z"))!;
            assert.equal(fs.readFileSync(path.join(project, "Pulumi.prod.yaml"), "utf8"), "encryptionsalt: v1:x\nconfig:\n  golive:phase: prepare\n");
            assert.equal(backup, path.join(project, ".golive", "Pulumi.prod.yaml.before-rollback-20261121T180005Z"));
            assert.match(fs.readFileSync(backup, "utf8"), /golive:phase: cutover/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});
