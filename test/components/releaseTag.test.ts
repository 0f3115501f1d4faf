import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ReleaseTag, TAG_SCRIPT, tagOutcome } from "../../components/releaseTag";

const GIT_ENV = {
    ...process.env,
    GIT_AUTHOR_NAME: "Test",
    GIT_AUTHOR_EMAIL: "test@localhost",
    GIT_COMMITTER_NAME: "Test",
    GIT_COMMITTER_EMAIL: "test@localhost",
    GIT_CONFIG_NOSYSTEM: "1",
};

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function commit(repo: string, file: string, text: string): string {
    fs.writeFileSync(path.join(repo, file), text);
    git(repo, "add", file);
    git(repo, "commit", "-q", "-m", `edit ${file}`);
    return git(repo, "rev-parse", "HEAD");
}

function tagRelease(env: Record<string, string>): { code: number; stdout: string; stderr: string } {
    const r = spawnSync("/bin/sh", [TAG_SCRIPT], { env: { ...GIT_ENV, ...env }, encoding: "utf8", timeout: 15_000 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("scripts/tag-release.sh: MEP-18 tag on a real repository", () => {
    let dir: string;
    let remote: string;
    let clone: string;
    let first: string;
    let second: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-tag-"));
        remote = path.join(dir, "site.git");
        clone = path.join(dir, "site");
        git(dir, "init", "-q", "--bare", "-b", "main", remote);
        git(dir, "clone", "-q", remote, clone);
        first = commit(clone, "index.html", "<h1>v1</h1>");
        second = commit(clone, "index.html", "<h1>v1.1</h1>");
        git(clone, "push", "-q", "origin", "HEAD:main");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("creates an annotated tag on the commit and pushes it", () => {
        const r = tagRelease({ TAG: "v1.0.0", COMMIT: first, REPO: clone, REMOTE: "origin", MESSAGE: "Mise en production v1.0.0" });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`created: v1\\.0\\.0 on ${first}`));
        assert.match(r.stdout, /pushed: v1\.0\.0 to origin/);
        assert.equal(git(clone, "cat-file", "-t", "v1.0.0"), "tag", "annotated, not lightweight");
        assert.equal(git(remote, "rev-parse", "v1.0.0^{commit}"), first);
        assert.match(git(remote, "tag", "-n1", "v1.0.0"), /Mise en production v1\.0\.0/);
        assert.deepEqual(tagOutcome(r.stdout), { outcome: "created, pushed", sha: first });
    });

    it("is a no-op when the same tag is on the same commit", () => {
        const before = git(remote, "rev-parse", "v1.0.0");
        const r = tagRelease({ TAG: "v1.0.0", COMMIT: first, REPO: clone, REMOTE: "origin" });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`already tagged: v1\\.0\\.0 on ${first}`));
        assert.equal(git(remote, "rev-parse", "v1.0.0"), before, "the tag object is unchanged");
    });

    it("refuses the same tag on another commit, saying where it points", () => {
        const r = tagRelease({ TAG: "v1.0.0", COMMIT: second, REPO: clone, REMOTE: "origin" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, new RegExp(`tag v1\\.0\\.0 already points to ${first}, not ${second}`));
        assert.equal(git(remote, "rev-parse", "v1.0.0^{commit}"), first, "the remote tag did not move");
    });

    it("sees a tag made from another clone through the remote", () => {
        const other = path.join(dir, "other");
        git(dir, "clone", "-q", remote, other);
        git(other, "tag", "-a", "v2.0.0", "-m", "elsewhere", first);
        git(other, "push", "-q", "origin", "v2.0.0");
        const r = tagRelease({ TAG: "v2.0.0", COMMIT: second, REPO: clone, REMOTE: "origin" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /tag v2\.0\.0 already points to/);
    });

    it("says so when the commit is unknown", () => {
        const r = tagRelease({ TAG: "v1.2.0", COMMIT: "0123456789abcdef0123456789abcdef01234567", REPO: clone, REMOTE: "origin" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /commit 0123456789abcdef0123456789abcdef01234567 is unknown/);
        assert.equal(spawnSync("git", ["-C", remote, "rev-parse", "--verify", "--quiet", "refs/tags/v1.2.0"]).status, 1);
    });

    it("works from the remote alone (throwaway clone) and resolves a ref to its commit", () => {
        const r = tagRelease({ TAG: "v1.1.0", COMMIT: "main", REMOTE: remote });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(git(remote, "rev-parse", "v1.1.0^{commit}"), second);
    });

    it("tags locally without a remote, and names the missing settings", () => {
        const r = tagRelease({ TAG: "v0.9.0", COMMIT: first, REPO: clone });
        assert.equal(r.code, 0, r.stderr);
        assert.doesNotMatch(r.stdout, /pushed/);
        assert.equal(git(clone, "rev-parse", "v0.9.0^{commit}"), first);
        const missing = tagRelease({ TAG: "v0.9.1", COMMIT: first });
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /golive:release\.repoPath or golive:release\.remote/);
    });
});

// Issue 9 item 1: each hostile value, run through the script against a real repository. A canary
// file that any injected command would create must never appear, and no tag may be made.
describe("scripts/tag-release.sh: hostile values run nothing", () => {
    let dir: string;
    let remote: string;
    let clone: string;
    let sha: string;
    let canary: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-tag-hostile-"));
        remote = path.join(dir, "site.git");
        clone = path.join(dir, "site");
        canary = path.join(dir, "pwned");
        git(dir, "init", "-q", "--bare", "-b", "main", remote);
        git(dir, "clone", "-q", remote, clone);
        sha = commit(clone, "index.html", "<h1>v1</h1>");
        git(clone, "push", "-q", "origin", "HEAD:main");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const cases = (c: string): Array<[string, Record<string, string>]> => [
        ["--upload-pack in REMOTE", { REMOTE: `--upload-pack=touch ${c}; git-upload-pack` }],
        ["--upload-pack in COMMIT (fallback fetch)", { COMMIT: `--upload-pack=touch ${c};` }],
        ["a leading dash in TAG", { TAG: `--format=$(touch ${c})` }],
        ["a leading dash in REPO", { REPO: `--exec-path=${c}` }],
        ["ext:: remote helper", { REMOTE: `ext::sh -c touch% ${c}` }],
        ["ssh:// host that is an option", { REMOTE: `ssh://-oProxyCommand=touch ${c}/x`, REPO: "" }],
        ["$(...) in REMOTE", { REMOTE: `origin$(touch ${c})` }],
        ["; in COMMIT", { COMMIT: `main; touch ${c}` }],
        ["newline in COMMIT", { COMMIT: `main\n--upload-pack=touch ${c}` }],
        ["an invalid tag name", { TAG: "v1.0.0-.." }],
    ];

    it("refuses each hostile value with its name, creating nothing", () => {
        for (const [what, env] of cases(canary)) {
            const r = tagRelease({ TAG: "v9.9.9", COMMIT: sha, REPO: clone, REMOTE: "origin", ...env });
            assert.notEqual(r.code, 0, `${what}: refused`);
            assert.ok(!fs.existsSync(canary), `${what}: ran a command (${r.stderr})`);
        }
        assert.equal(git(clone, "tag", "-l"), "", "no tag was created locally");
        assert.equal(git(remote, "tag", "-l"), "", "no tag reached the remote");
    });

    it("writes a message with backticks, $(...) and ; verbatim, running nothing", () => {
        const message = `MEP \`touch ${canary}\` $(touch ${canary}); touch ${canary}`;
        const r = tagRelease({ TAG: "v1.0.0", COMMIT: sha, REPO: clone, REMOTE: "origin", MESSAGE: message });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(!fs.existsSync(canary), "the message ran a command");
        assert.equal(git(remote, "for-each-ref", "--format=%(contents:subject)", "refs/tags/v1.0.0"), message);
    });

    it("ends the options of every git call (-- or --end-of-options)", () => {
        const script = fs.readFileSync(TAG_SCRIPT, "utf8");
        const calls = script.split("\n").filter((l) => /^\s*[^#]*\bgit (-C|clone|check-ref-format)/.test(l) && !/rev-parse --git-dir|config user\.email/.test(l));
        assert.ok(calls.length >= 7, `found ${calls.length} git calls`);
        for (const line of calls) {
            for (const call of line.split(/\|\||\$\(/).filter((x) => /\bgit /.test(x) && !/check-ref-format/.test(x))) {
                assert.match(call, / -- | --end-of-options /, `options not ended: ${call.trim()}`);
            }
        }
    });
});

describe("components/releaseTag: the local.Command under mocks", () => {
    const registered: Array<{ type: string; name: string; inputs: any }> = [];
    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                    const state = args.type === "command:local:Command" ? { ...args.inputs, stdout: `created: v1.0.0 on ${"a".repeat(40)}\npushed: v1.0.0 to origin\n` } : args.inputs;
                    return { id: `${args.name}-id`, state };
                },
                call(args) {
                    throw new Error(`unexpected invoke ${args.token}`);
                },
            },
            "golive",
            "test",
            false,
        );
    });

    it("runs the tag script on create, never deletes, re-runs on a new tag or commit", async () => {
        const tag = new ReleaseTag("release", { tag: "v1.0.0", commit: "main", repoPath: "/src/site", remote: "origin", message: "MEP v1.0.0" });
        const fact = await new Promise<any>((r) => tag.fact.apply(r));
        const cmd = registered.find((x) => x.type === "command:local:Command");
        assert.ok(cmd, "a local.Command is registered");
        assert.equal(cmd!.name, "release-git-tag");
        assert.equal(cmd!.inputs.create, fs.readFileSync(TAG_SCRIPT, "utf8"));
        assert.match(cmd!.inputs.create, /tag -a -m "\$MESSAGE" -- "\$TAG" "\$SHA"/);
        assert.deepEqual(cmd!.inputs.interpreter, ["/bin/sh", "-c"]);
        assert.equal(cmd!.inputs.delete, undefined, "destroying the stack never deletes the tag");
        assert.equal(cmd!.inputs.update, undefined);
        assert.deepEqual(cmd!.inputs.environment, { TAG: "v1.0.0", COMMIT: "main", REPO: "/src/site", REMOTE: "origin", MESSAGE: "MEP v1.0.0" });
        assert.deepEqual(cmd!.inputs.triggers, ["v1.0.0", "main"]);
        assert.ok(registered.some((x) => x.type === "golive:release:Tag" && x.name === "release"));
        assert.deepEqual(fact, { tag: "v1.0.0", commit: "a".repeat(40), remote: "origin", outcome: "created, pushed" });
    });
});
