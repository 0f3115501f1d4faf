// index.ts with golive:release set and a tag as golive:releaseRef: the tag is resolved to its commit
// at preview, and that commit is what Vercel deploys (MEP-04) and what MEP-18 tags.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import { createSiteRepository, SiteRepository } from "../../rehearsal/releaseFixtures";
import { byName, byType, prodConfig, setGoLiveMocks, unwrapDeep } from "./mocks";

describe("program: a tag as golive:releaseRef is deployed and tagged as its commit (issue 9 item 6)", () => {
    let repo: SiteRepository;
    before(() => {
        repo = createSiteRepository();
        execFileSync("git", ["-C", repo.repoPath, "-c", "user.name=t", "-c", "user.email=t@localhost", "tag", "-a", "-m", "rc", "v1.0.0-rc.2", repo.commit]);
        execFileSync("git", ["-C", repo.repoPath, "push", "-q", "origin", "refs/tags/v1.0.0-rc.2"]);
    });
    after(() => {
        pulumi.runtime.setAllConfig({}, []);
        repo.remove();
    });

    it("registers the Vercel deployment and the MEP-18 tag command with the commit, and says both in the checklist", async () => {
        const rec = setGoLiveMocks();
        const values: Record<string, unknown> = {
            ...prodConfig("cutover", { releaseRef: "v1.0.0-rc.2" }),
            release: { tag: "v1.0.0", repoPath: repo.repoPath, remote: repo.remote },
        };
        const config: Record<string, string> = {};
        for (const [k, v] of Object.entries(values)) config[`golive:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
        pulumi.runtime.setAllConfig(config, ["golive:envValues"]);
        const program = (await import("../../index")) as unknown as { default: () => Promise<Record<string, unknown>> };
        const outputs = (await unwrapDeep(await program.default())) as Record<string, any>;
        const custom = rec.registrations.filter((r) => r.custom);
        const deployment = byType(custom, "vercel:index/deployment:Deployment")[0];
        assert.equal(deployment.inputs.ref, repo.commit, "Vercel builds the commit, not the movable tag");
        const tagCommand = byName(custom, "release-tag-git-tag");
        assert.equal(tagCommand.inputs.environment.COMMIT, repo.commit);
        const mep02 = (outputs.checklist as { id: string; evidence?: string }[]).find((l) => l.id === "MEP-02");
        assert.match(String(mep02?.evidence), new RegExp(`v1\\.0\\.0-rc\\.2 \\(commit ${repo.commit.slice(0, 12)}\\)`));
    });
});
