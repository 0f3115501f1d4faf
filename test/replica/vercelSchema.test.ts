// The schema oracle (issue 23): @vercel/sdk, Vercel's generated client, validates every answer it
// gets against Vercel's published OpenAPI schema (zod). Run against the replica's REST API for every
// endpoint the program or the replica plugins imitate, an answer whose shape Vercel's schema rejects
// fails here (the SDK throws ResponseValidationError). Error answers: the SDK types none of these
// operations' errors (M.fail: SDKError with the status and the raw body), so their status and
// Vercel's error envelope `{ error: { code, message } }` are checked as Vercel documents them.
import { strict as assert } from "assert";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";
import { TYPES } from "../../replica/providers";

// @vercel/sdk is ESM only: a native import(), which ts-node's CommonJS output would turn into require().
const esm = new Function("s", "return import(s)") as (s: string) => Promise<any>;

describe("replica/vercelApi against Vercel's schema (@vercel/sdk as the oracle)", function () {
    this.timeout(20_000);
    let vw: VercelWorld;
    let sdk: any;
    let Vercel: any;
    let ResponseValidationError: any;
    let SDKError: any;

    // The standalone functions (Vercel's "tree-shakable" client): only the schemas of the operations
    // used are loaded, in a second rather than the whole SDK's many.
    const OPS: Record<string, [string, string]> = {
        createProject: ["projects", "projectsCreateProject"],
        getProject: ["projects", "projectsGetProject"],
        addProjectDomain: ["projects", "projectsAddProjectDomain"],
        getProjectDomain: ["projects", "projectsGetProjectDomain"],
        verifyProjectDomain: ["projects", "projectsVerifyProjectDomain"],
        createProjectEnv: ["projects", "projectsCreateProjectEnv"],
        getDomainConfig: ["domains", "domainsGetDomainConfig"],
        createDeployment: ["deployments", "deploymentsCreateDeployment"],
        getDeployment: ["deployments", "deploymentsGetDeployment"],
        getDeployments: ["deployments", "deploymentsGetDeployments"],
    };
    const funcs: Record<string, (client: unknown, req: unknown) => Promise<{ ok: boolean; value?: unknown; error?: unknown }>> = {};
    /** `sdk.<group>.<operation>(req)` as the SDK's class offers it, through the standalone function (which answers a Result). */
    const clientOf = (core: unknown) => {
        const groups: Record<string, Record<string, (req: unknown) => Promise<any>>> = {};
        for (const [op, [group, fn]] of Object.entries(OPS)) {
            (groups[group] ??= {})[op] = async (req) => {
                const r = await funcs[fn](core, req);
                if (!r.ok) throw r.error;
                return r.value;
            };
        }
        return groups;
    };
    let VercelCore: any;
    let fullDeployment: any;
    /** GET /v13/deployments/{id} as the provider reads it: the full variant of Vercel's schema, parsed strictly. */
    const fullDeploymentOf = async (id: string) => {
        const res = await fetch(`${vw.api.url}/v13/deployments/${id}`, { headers: { authorization: `Bearer ${vw.api.token}` } });
        const raw = await res.json();
        const parsed = fullDeployment.safeParse(raw);
        if (!parsed.success) assert.fail(`Vercel's schema (full deployment) rejects the replica's answer: ${JSON.stringify(parsed.error.issues).slice(0, 600)}`);
        return raw as { readyState: string; aliasAssigned: boolean; checksConclusion?: string; aliasError: unknown; errorCode?: string };
    };

    before(async () => {
        ({ VercelCore } = await esm("@vercel/sdk/core.js"));
        for (const [, fn] of Object.values(OPS)) funcs[fn] = (await esm(`@vercel/sdk/funcs/${fn}.js`))[fn];
        ({ ResponseValidationError } = await esm("@vercel/sdk/models/responsevalidationerror.js"));
        ({ SDKError } = await esm("@vercel/sdk/models/sdkerror.js"));
        // The SDK answers the smallest variant of GetDeploymentResponseBody that fits (id, readyState,
        // aliasAssigned, aliasError, alias, target); the full deployment, with checksState and
        // checksConclusion, is the variant the provider's DeploymentResponse reads: checked too.
        fullDeployment = (await esm("@vercel/sdk/models/getdeploymentgitsourcedeploymentsresponse200applicationjsonresponsebody215type.js")).GetDeploymentResponseBody3$inboundSchema;
        Vercel = function (this: unknown, opts: unknown) {
            return clientOf(new VercelCore(opts));
        };
    });
    // One replica world for the file (its certificates take seconds to make); each test uses names of its own.
    before(async () => {
        vw = await startVercelWorld();
        sdk = new Vercel({ bearerToken: vw.api.token, serverURL: vw.api.url, retryConfig: { strategy: "none" } });
    });
    after(() => vw?.close());
    afterEach(() => {
        delete vw.behaviour.build;
        delete vw.behaviour.buildClockScale;
    });

    /** The SDK's answer; a ResponseValidationError (the schema rejected the replica's shape) fails with its detail. */
    async function valid(call: Promise<any>): Promise<any> {
        try {
            return await call;
        } catch (err) {
            if (err instanceof ResponseValidationError) assert.fail(`Vercel's schema rejects the replica's answer: ${(err as any).pretty?.() ?? (err as Error).message}\n${String((err as any).rawValue ? JSON.stringify((err as any).rawValue).slice(0, 600) : "")}`);
            throw err;
        }
    }

    /** A refusal as Vercel answers it: the status, and `{ error: { code, message } }`. */
    async function refused(call: Promise<unknown>, status: number, code: string): Promise<Record<string, unknown>> {
        const err = await call.then(
            () => assert.fail(`expected ${status} ${code}`),
            (e) => e,
        );
        if (err instanceof ResponseValidationError) assert.fail(`Vercel's schema rejects the replica's error answer: ${err.message}`);
        assert.ok(err instanceof SDKError || err?.statusCode !== undefined, String(err));
        assert.equal(err.statusCode, status, err.message);
        const body = JSON.parse(err.body);
        assert.equal(typeof body.error?.message, "string", err.body);
        assert.equal(body.error.code, code, err.body);
        return body.error;
    }

    it("projects: create, get; a taken name is 409", async () => {
        const created = await valid(sdk.projects.createProject({ requestBody: { name: "kalia-other" } }));
        assert.equal(created.name, "kalia-other");
        const got = await valid(sdk.projects.getProject({ idOrName: created.id }));
        assert.equal(got.id, created.id);
        assert.equal((await valid(sdk.projects.getProject({ idOrName: "kalia-other" }))).id, created.id);
        await refused(sdk.projects.getProject({ idOrName: "prj_none" }), 404, "not_found");
        await refused(sdk.projects.createProject({ requestBody: { name: "kalia-other" } }), 409, "conflict");
    });

    it("project domains: add (verified, or another team's with its _vercel TXT challenge), get, verify; another project of the team's domain is refused at the add with 409 domain_already_in_use", async () => {
        const { world, vercel, projectId } = vw;
        const www = await valid(sdk.projects.addProjectDomain({ idOrName: projectId, requestBody: { name: world.www } }));
        assert.deepEqual([www.name, www.verified, www.projectId], [world.www, true, projectId]);
        const got = await valid(sdk.projects.getProjectDomain({ idOrName: projectId, domain: world.www }));
        assert.equal(got.verified, true);
        await refused(sdk.projects.getProjectDomain({ idOrName: projectId, domain: `shop.${world.domain}` }), 404, "not_found");

        vercel.claimDomain(`blog.${world.domain}`, { projectName: "kalia-old", team: "agence-web", yields: true });
        const claimed = await valid(sdk.projects.addProjectDomain({ idOrName: projectId, requestBody: { name: `blog.${world.domain}` } }));
        assert.equal(claimed.verified, false);
        assert.equal(claimed.verification[0].domain, `_vercel.${world.domain}`);
        await refused(sdk.projects.verifyProjectDomain({ idOrName: projectId, domain: `blog.${world.domain}` }), 400, "missing_txt_record");
        await vw.addTxt(`_vercel.${world.domain}`, claimed.verification[0].value);
        assert.equal((await valid(sdk.projects.verifyProjectDomain({ idOrName: projectId, domain: `blog.${world.domain}` }))).verified, true);

        vercel.claimDomain(world.domain, { projectName: "kalia-old-site", team: "kalia-agency", yields: false });
        const error = await refused(sdk.projects.addProjectDomain({ idOrName: projectId, requestBody: { name: world.domain, redirect: world.www, redirectStatusCode: 308 } }), 409, "domain_already_in_use");
        assert.match(String(error.message), /already assigned to another project/);
        assert.equal(vercel.domains.has(world.domain), false, "nothing added");
    });

    it("environment variables: created (201), the same key and target again refused", async () => {
        const { projectId } = vw;
        const r = await valid(sdk.projects.createProjectEnv({ idOrName: projectId, requestBody: { key: "CONTACT_TO", value: "x", type: "sensitive", target: ["production"] } }));
        assert.equal((r.created as { key: string }).key, "CONTACT_TO");
        await refused(sdk.projects.createProjectEnv({ idOrName: projectId, requestBody: { key: "CONTACT_TO", value: "y", type: "sensitive", target: ["production"] } }), 400, "ENV_ALREADY_EXISTS");
    });

    it("domain config: the ranked recommendations the provider keeps rank 1 of", async () => {
        const { world, projectId } = vw;
        const c = await valid(sdk.domains.getDomainConfig({ domain: world.www, projectIdOrName: projectId }));
        assert.equal(c.recommendedCNAME.find((x: { rank: number }) => x.rank === 1).value, `cname.vercel-dns.${world.domain}`);
        assert.deepEqual(c.recommendedIPv4.find((x: { rank: number }) => x.rank === 1).value, [world.newSite.host]);
    });

    it("deployments: created, read while BUILDING and once complete; the list; an unknown one is 404", async () => {
        const { projectId, behaviour } = vw;
        behaviour.build = { state: "READY", buildMs: 60_000 };
        behaviour.buildClockScale = 1;
        const created = await valid(sdk.deployments.createDeployment({ requestBody: { name: "kalia-site", project: projectId, target: "production", gitSource: { type: "github", ref: "v1.0.0", repoId: 1 } } }));
        assert.equal(created.readyState, "QUEUED");
        const building = await valid(sdk.deployments.getDeployment({ idOrUrl: created.id }));
        assert.ok(["QUEUED", "BUILDING"].includes(building.readyState), building.readyState);
        assert.equal(building.aliasAssigned, false);
        const list = await valid(sdk.deployments.getDeployments({ projectId, target: "production", limit: 1 }));
        assert.equal(list.deployments[0].uid, created.id);
        // The build's end, on a faster clock (same states).
        behaviour.buildClockScale = 1_000_000;
        const done = await valid(sdk.deployments.getDeployment({ idOrUrl: created.id }));
        assert.deepEqual([done.readyState, done.aliasAssigned], ["READY", true]);
        assert.equal((await fullDeploymentOf(created.id)).checksConclusion, "succeeded");
        await refused(sdk.deployments.getDeployment({ idOrUrl: "dpl_none" }), 404, "not_found");
    });

    it("deployments whose checks failed, whose alias failed, or whose build failed: the fields the provider's CheckForError reads, in Vercel's shapes", async () => {
        const { projectId, behaviour } = vw;
        for (const build of [
            { state: "READY" as const, buildMs: 0, checks: "failed" as const },
            { state: "READY" as const, buildMs: 0, aliasError: { code: "alias_failed", message: "The alias could not be assigned." } },
            { state: "ERROR" as const, buildMs: 0, message: 'Command "npm run build" exited with 1' },
        ]) {
            behaviour.build = build;
            const d = await valid(sdk.deployments.createDeployment({ requestBody: { name: "kalia-site", project: projectId, target: "production" } }));
            const got = await valid(sdk.deployments.getDeployment({ idOrUrl: d.id }));
            assert.equal(got.aliasAssigned, false, JSON.stringify(build));
            const full = await fullDeploymentOf(d.id);
            if ("checks" in build) assert.deepEqual([full.readyState, full.checksConclusion], ["READY", "failed"]);
            if ("aliasError" in build) assert.deepEqual(full.aliasError, build.aliasError);
            if (build.state === "ERROR") assert.deepEqual([full.readyState, full.errorCode], ["ERROR", "BUILD_UTILS_SPAWN_1"]);
        }
    });

    it("no token or a wrong one: 403 forbidden, as Vercel answers", async () => {
        const { Vercel: V } = { Vercel };
        const wrong = new V({ bearerToken: "wrong", serverURL: vw.api.url, retryConfig: { strategy: "none" } });
        const error = await refused(wrong.projects.getProject({ idOrName: vw.projectId }), 403, "forbidden");
        assert.equal(error.invalidToken, true);
    });

    it("the plugins' handlers and the REST routes act on one Vercel: a domain the provider added is the one REST reads", async () => {
        const { world, projectId, resources } = vw;
        await resources[TYPES.projectDomain]({ op: "create", type: TYPES.projectDomain, name: "www", inputs: { projectId, domain: world.www } });
        assert.equal((await valid(sdk.projects.getProjectDomain({ idOrName: "kalia-site", domain: world.www }))).projectId, projectId);
    });
});
