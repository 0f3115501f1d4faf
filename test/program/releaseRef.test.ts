// MEP-02/MEP-04/MEP-18: the release ref resolved to its commit at preview, against a real site
// repository (a clone and its bare remote in a temp folder).
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseConfig } from "../../config/config";
import { describeRelease, GitRunner, pinnedToCommit, resolveReleaseRef, runGit } from "../../program/releaseRef";
import { createSiteRepository, SiteRepository } from "../../rehearsal/releaseFixtures";
import { prodConfig, rawFrom } from "./mocks";

const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd, encoding: "utf8", timeout: 15_000 }).trim();

describe("program/releaseRef: golive:releaseRef resolved to its commit before it is deployed and tagged (issue 9 item 6)", () => {
    let repo: SiteRepository;
    let second: string;
    before(() => {
        repo = createSiteRepository();
        git(repo.repoPath, "tag", "-a", "-m", "release candidate", "v1.0.0-rc.1", repo.commit);
        git(repo.repoPath, "tag", "site-light", repo.commit);
        git(repo.repoPath, "push", "-q", "origin", "refs/tags/v1.0.0-rc.1", "refs/tags/site-light");
        fs.writeFileSync(path.join(repo.repoPath, "later.html"), "later\n");
        git(repo.repoPath, "add", "later.html");
        git(repo.repoPath, "commit", "-q", "-m", "after the freeze");
        second = git(repo.repoPath, "rev-parse", "HEAD");
        git(repo.repoPath, "tag", "-a", "-m", "local only", "v1.1.0", second);
    });
    after(() => repo.remove());

    it("an annotated tag on the remote resolves to its commit (not the tag object)", () => {
        const r = resolveReleaseRef("v1.0.0-rc.1", { repoPath: repo.repoPath, remote: repo.remote });
        assert.deepEqual(r, { ref: "v1.0.0-rc.1", commit: repo.commit, resolvedIn: repo.remote });
        assert.equal(describeRelease(r), `v1.0.0-rc.1 (commit ${repo.commit.slice(0, 12)})`);
        assert.equal(resolveReleaseRef("refs/tags/site-light", { remote: repo.remote }).commit, repo.commit, "a lightweight tag, without a clone");
    });

    it("without a remote, the clone resolves tags and expands a short SHA", () => {
        assert.equal(resolveReleaseRef("v1.1.0", { repoPath: repo.repoPath }).commit, second);
        assert.equal(resolveReleaseRef(second.slice(0, 8), { repoPath: repo.repoPath }).commit, second);
    });

    it("a tag the remote does not have (or the clone, without a remote) is refused at preview, naming the key", () => {
        assert.throws(() => resolveReleaseRef("v1.1.0", { repoPath: repo.repoPath, remote: repo.remote }), (err: Error) => {
            assert.ok(err instanceof ConfigError);
            assert.match(err.message, /^golive:releaseRef v1\.1\.0 is not a tag of golive:release\.remote .*site\.git: push it/);
            return true;
        });
        assert.throws(() => resolveReleaseRef("v9.9.9", { repoPath: repo.repoPath }), /golive:releaseRef v9\.9\.9 is not a tag in golive:release\.repoPath/);
        assert.throws(() => resolveReleaseRef("deadbee", { repoPath: repo.repoPath }), /golive:releaseRef deadbee is not a commit of golive:release\.repoPath/);
        const gone = path.join(os.tmpdir(), "golive-no-such-remote.git");
        assert.throws(() => resolveReleaseRef("v1.0.0-rc.1", { remote: gone }), /golive:releaseRef v1\.0\.0-rc\.1: cannot read the tags of golive:release\.remote .*golive-no-such-remote\.git/);
    });

    it("a tag moved on the remote is seen at the next preview", () => {
        git(repo.repoPath, "tag", "-f", "-a", "-m", "moved", "v1.0.0-rc.1", second);
        git(repo.repoPath, "push", "-q", "-f", "origin", "refs/tags/v1.0.0-rc.1");
        assert.equal(resolveReleaseRef("v1.0.0-rc.1", { remote: repo.remote }).commit, second);
    });

    it("without golive:release the repository is unknown: the ref goes to Vercel as it is; git is not run", () => {
        const never: GitRunner = () => assert.fail("git must not run");
        assert.deepEqual(resolveReleaseRef("v1.0.0", undefined, never), { ref: "v1.0.0" });
        assert.deepEqual(resolveReleaseRef(repo.commit, { remote: repo.remote }, never), { ref: repo.commit, commit: repo.commit });
    });

    it("values reach git after the end of its options", () => {
        const calls: string[][] = [];
        const spy: GitRunner = (args) => (calls.push(args), runGit(args));
        resolveReleaseRef("v1.0.0-rc.1", { repoPath: repo.repoPath, remote: repo.remote }, spy);
        resolveReleaseRef("v1.1.0", { repoPath: repo.repoPath }, spy);
        assert.deepEqual(calls[0].slice(2, 4), ["ls-remote", "--"]);
        assert.ok(calls[1].includes("--end-of-options") && calls[1].indexOf("--end-of-options") < calls[1].indexOf("refs/tags/v1.1.0^{commit}"));
    });

    it("the deployment and the tag get the commit: pinnedToCommit", () => {
        const cfg = parseConfig(rawFrom(prodConfig("prepare", { releaseRef: "v1.0.0-rc.1" })));
        const pinned = pinnedToCommit(cfg, { ref: "v1.0.0-rc.1", commit: repo.commit });
        assert.equal(pinned.vercel.releaseRef, repo.commit);
        assert.ok(Object.isFrozen(pinned.vercel));
        assert.equal(cfg.vercel.releaseRef, "v1.0.0-rc.1", "the parsed config is not changed");
        assert.equal(pinnedToCommit(cfg, { ref: "v1.0.0-rc.1" }), cfg, "unresolved: as configured");
    });
});
