import { strict as assert } from "assert";
import { refusalOf } from "../../program/providerRefusals";
import { parseBuildTimeout, DEFAULT_BUILD_TIMEOUT_SECONDS } from "../../config/buildConfig";
import { buildTimeoutMessage, buildWaitLine, saidOf } from "../../operations/buildWatch";
import { UpProgress } from "../../operations/upProgress";

// The provider's words, as terraform-provider-vercel prints them (replica/vercel.ts makes the same).
const IN_USE = "Error adding domain to project: Could not add domain kalia.fr to project prj_123, unexpected error: domain_already_in_use - Cannot add kalia.fr since it's already assigned to another project.";
const CHECKS = "Error creating deployment: Could not create deployment, unexpected error: deployment checks have failed. Visit https://vercel.com/team/prj_1/abc for more information";

describe("program/providerRefusals: what the operator reads when Vercel says no", () => {
    it("a domain another project holds (409 domain_already_in_use at the add): MEP-05, the domain, Vercel's words, what to do; whether DNS changed", () => {
        const r = refusalOf(IN_USE, true)!;
        assert.equal(r.id, "MEP-05");
        assert.match(r.text, /^kalia\.fr is already assigned to another Vercel project of the team \(Vercel does not say which\)/);
        assert.match(r.text, /domain_already_in_use - Cannot add kalia\.fr since it's already assigned to another project\./);
        assert.match(r.text, /Remove kalia\.fr from that project .*then run golive prepare again\. No DNS record was changed\.$/);
        assert.doesNotMatch(refusalOf(IN_USE, false)!.text, /No DNS record was changed/);
    });

    it("names the project when Vercel's message names it", () => {
        const r = refusalOf(IN_USE.replace("another project.", 'the project "kalia-old-site".'), true)!;
        assert.match(r.text, /assigned to the Vercel project kalia-old-site/);
    });

    it("a failed deployment (checks, build error): MEP-04 with Vercel's words and what to do", () => {
        const checks = refusalOf(CHECKS, false)!;
        assert.equal(checks.id, "MEP-04");
        assert.match(checks.text, /deployment checks have failed\. Visit https:\/\/vercel\.com\/team\/prj_1\/abc/);
        assert.match(checks.text, /did not assign the production domains/);
        const build = refusalOf('Could not create deployment, unexpected error: BUILD_UTILS_SPAWN_1 - Command "npm run build" exited with 1. Visit x for more information', false)!;
        assert.match(build.text, /choose another golive:releaseRef/);
    });

    it("knows nothing else: other errors are left as the provider said them", () => {
        assert.equal(refusalOf("Error reading project: 500", true), undefined);
    });

    it("the guided command's progress shows the refusal, and says DNS did not change only when no record step finished", () => {
        const p = new UpProgress();
        const urn = "urn:pulumi:prod::golive::golive:vercel:Site$vercel:index/projectDomain:ProjectDomain::site-apex";
        p.onEvent({ resourcePreEvent: { metadata: { op: "create", urn, type: "vercel:index/projectDomain:ProjectDomain", provider: "", new: { custom: true } } as never } }, 10);
        const lines = p.onEvent({ diagnosticEvent: { urn, message: IN_USE, severity: "error" } }, 20);
        assert.match(lines.join("\n"), /✗ .*: MEP-05 kalia\.fr is already assigned .* No DNS record was changed\./);
        assert.match(p.errors[0], /^site-apex: MEP-05 /);
    });
});

describe("config/buildConfig and operations/buildWatch: the bounded wait for Vercel's build (MEP-04)", () => {
    it("golive:buildTimeoutSeconds: default above Vercel's 45-minute limit; whole seconds 60..10800; errors name the key", () => {
        assert.equal(parseBuildTimeout(undefined), DEFAULT_BUILD_TIMEOUT_SECONDS);
        assert.ok(DEFAULT_BUILD_TIMEOUT_SECONDS > 45 * 60);
        assert.equal(parseBuildTimeout("600"), 600);
        for (const bad of ["59", "10801", "1.5", "ten", "-1"]) assert.throws(() => parseBuildTimeout(bad), /golive:buildTimeoutSeconds must be a whole number of seconds from 60 to 10800/, bad);
    });

    it("says what Vercel says: the state, since when, the checks or alias error, the deployment", () => {
        assert.equal(saidOf({ uid: "dpl_1", readyState: "BUILDING", created: 0, buildingAt: 1_000 }, 76_000), "BUILDING since 75 s (dpl_1)");
        assert.equal(saidOf({ uid: "dpl_1", state: "READY", created: 0, checksConclusion: "failed" }, 5_000), "READY since 5 s, checks failed (dpl_1)");
        assert.equal(saidOf({ uid: "dpl_1", readyState: "READY", created: 0, aliasAssigned: null }, 0), "READY since 0 s, production domains not assigned yet (dpl_1)");
        assert.match(buildWaitLine("MEP-04 Vercel production deployment site-deployment", 60_000, 3_000_000, "BUILDING since 60 s (dpl_1)"), /Vercel says BUILDING since 60 s \(dpl_1\) — 60 s of at most 3000 s \(golive:buildTimeoutSeconds\)/);
        assert.match(buildTimeoutMessage("MEP-04 x", 600_000, "BUILDING since 600 s (dpl_1)"), /did not finish within golive:buildTimeoutSeconds \(600 s\); Vercel last said BUILDING since 600 s \(dpl_1\)\. .*raise golive:buildTimeoutSeconds/);
    });
});
