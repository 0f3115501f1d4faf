// The replica's deployments by terraform-provider-vercel's rule (client/deployment.go): created,
// read every 5 s (on the build clock) until aliasAssigned && aliasError == nil; CheckForError's
// failures in its order and words; the provider resource's error text; a domain another project of
// the team holds refused at the add.
import { strict as assert } from "assert";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";
import { TYPES } from "../../replica/providers";
import { DEPLOYMENT_POLL_MS, deploymentError } from "../../replica/vercel";

describe("replica/vercel: deployments complete by the provider's rule; a held domain is refused at the add", function () {
    this.timeout(20_000);
    let vw: VercelWorld;
    before(async () => {
        vw = await startVercelWorld();
    });
    after(() => vw?.close());
    afterEach(() => {
        delete vw.behaviour.build;
        delete vw.behaviour.buildClockScale;
    });
    const deploy = () => vw.resources[TYPES.deployment]({ op: "create", type: TYPES.deployment, name: "site-deployment", inputs: { projectId: vw.projectId, ref: "v1.0.0", production: true } });

    it("a 4-minute build: QUEUED, BUILDING, then READY and aliased; read once per 5 s of build clock: 48 reads, the states in order", async () => {
        vw.behaviour.build = { state: "READY", buildMs: 240_000 };
        vw.behaviour.buildClockScale = 10;
        let wall = 1_000_000;
        const real = vw.vercel.clock;
        vw.vercel.clock = () => wall;
        const slept: number[] = [];
        const states: string[] = [];
        try {
            const created = vw.vercel.createDeployment({ projectId: vw.projectId, production: true, ref: "v1.0.0" });
            states.push(created.readyState);
            const done = await vw.vercel.completeDeployment(created, async (ms) => {
                slept.push(ms);
                wall += ms;
                states.push(vw.vercel.deployment(created.id).readyState);
                vw.vercel.deployments.get(created.id)!.reads--; // this look is the test's, not the provider's
            });
            assert.deepEqual([done.readyState, done.aliasAssigned, done.aliasError], ["READY", true, null]);
            assert.equal(slept.length, 240_000 / DEPLOYMENT_POLL_MS, "one read per 5 s of build clock");
            assert.ok(slept.every((ms) => ms === DEPLOYMENT_POLL_MS / 10), "the poll runs on the build clock");
            assert.equal(vw.vercel.deployments.get(created.id)!.reads, 48);
            assert.deepEqual([...new Set(states)], ["QUEUED", "BUILDING", "READY"]);
        } finally {
            vw.vercel.clock = real;
        }
    });

    it("through the provider's handler: the step ends once the deployment is complete; the ref is read back", async () => {
        vw.behaviour.build = { state: "READY", buildMs: 20_000 };
        vw.behaviour.buildClockScale = 1_000;
        const r = (await deploy())!;
        const d = vw.vercel.deployments.get(r.id!)!;
        assert.ok(d.reads >= 1, "read at least once after the create");
        assert.equal(vw.vercel.deployment(d.id).aliasAssigned, true);
        assert.equal(r.outputs!.ref, "v1.0.0");
    });

    it("what the provider reads while building: BUILDING, not aliased; READY is not complete until the aliases are assigned", () => {
        vw.behaviour.build = { state: "READY", buildMs: 600_000 };
        const d = vw.vercel.createDeployment({ projectId: vw.projectId, production: true });
        const now = vw.vercel.deployment(d.id);
        assert.ok(["QUEUED", "BUILDING"].includes(now.readyState));
        assert.equal(now.aliasAssigned, false);
        assert.equal(deploymentError(now), undefined);
    });

    it("checks failed, alias error, build error, canceled: the step fails with the provider's words", async () => {
        const cases: Array<[NonNullable<typeof vw.behaviour.build>, RegExp]> = [
            [{ state: "READY", buildMs: 10_000, checks: "failed" }, /^Error creating deployment: Could not create deployment, unexpected error: deployment checks have failed\. Visit https:\/\/vercel\.com\/\S+ for more information$/],
            [{ state: "READY", buildMs: 0, aliasError: { code: "alias_failed", message: "no" } }, /unexpected error: alias_failed - no\. Visit /],
            [{ state: "ERROR", buildMs: 5_000 }, /unexpected error: BUILD_UTILS_SPAWN_1 - Command "npm run build" exited with 1\. Visit /],
            [{ state: "CANCELED" }, /unexpected error: deployment canceled$/],
        ];
        vw.behaviour.buildClockScale = 1_000;
        for (const [build, words] of cases) {
            vw.behaviour.build = build;
            await assert.rejects(deploy(), (err: Error) => words.test(err.message), JSON.stringify(build));
        }
    });

    it("Vercel's 45-minute limit ends a build that would not: CANCELED", async () => {
        vw.behaviour.build = { state: "READY", buildMs: 10 * 3_600_000 };
        vw.behaviour.buildClockScale = 100_000;
        await assert.rejects(deploy(), /deployment canceled/);
    });

    it("a domain another project of the team holds: the add fails as the provider reports it; nothing is added", async () => {
        const host = `shop.${vw.world.domain}`;
        vw.vercel.claimDomain(host, { projectName: "kalia-old-site", team: "kalia-agency", yields: false });
        await assert.rejects(
            vw.resources[TYPES.projectDomain]({ op: "create", type: TYPES.projectDomain, name: "shop", inputs: { projectId: vw.projectId, domain: host } }) as Promise<unknown>,
            new RegExp(`Error adding domain to project: Could not add domain ${host.replace(/\./g, "\\.")} to project ${vw.projectId}, unexpected error: domain_already_in_use - Cannot add ${host.replace(/\./g, "\\.")} since it's already assigned to another project\\.$`),
        );
        assert.equal(vw.vercel.domains.has(host), false);
        // Another team's project yields: added unverified, with the _vercel TXT challenge.
        const other = `blog.${vw.world.domain}`;
        vw.vercel.claimDomain(other, { projectName: "kalia-old", team: "agence-web", yields: true });
        const r = (await vw.resources[TYPES.projectDomain]({ op: "create", type: TYPES.projectDomain, name: "blog", inputs: { projectId: vw.projectId, domain: other } }))!;
        assert.equal(r.outputs!.verified, false);
        assert.equal(r.outputs!.verifications[0].domain, `_vercel.${vw.world.domain}`);
    });
});
