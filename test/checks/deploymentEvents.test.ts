// R-4 (issue 26): the deployment's build log read from Vercel's API — here the replica's, which
// serves GET /v3/deployments/{id}/events from its build simulation — through checks/vercelApi's
// client (token, retries, loopback rule), bounded in count.
import { strict as assert } from "assert";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";
import { eventsOf, readDeploymentEvents } from "../../checks/deploymentEvents";
import { isVercelApiError } from "../../checks/vercelApi";

describe("checks/deploymentEvents: R-4's build log from Vercel's API (the replica's build simulation)", function () {
    this.timeout(20_000);
    let vw: VercelWorld;
    before(async () => {
        vw = await startVercelWorld();
    });
    after(() => vw?.close());
    afterEach(() => {
        delete vw.behaviour.build;
        vw.api.clearFaults();
    });
    const api = () => ({ baseUrl: vw.api.url, token: vw.api.token, teamId: "team_kalia" });
    const deploy = () => vw.vercel.createDeployment({ projectId: vw.projectId, production: true, ref: "v1.0.0" });

    it("a READY build: clone, the build command, completion and the aliases, oldest first, with times", async () => {
        const d = deploy();
        const events = await readDeploymentEvents(api(), d.id);
        assert.deepEqual(events.map((e) => e.type), ["stdout", "stdout", "command", "stdout", "stdout", "stdout", "deployment-state"]);
        assert.match(events[2].text, /Running "npm run build"/);
        assert.equal(events.at(-1)!.text, "READY");
        assert.ok(events.every((e) => e.at && !Number.isNaN(Date.parse(e.at))));
        const call = vw.api.calls.at(-1)!;
        assert.deepEqual([call.method, call.path, call.status, call.teamId], ["GET", `/v3/deployments/${d.id}/events`, 200, "team_kalia"]);
    });

    it("the build-error fault: the command's error on stderr and the exit, as the page's incident shows them", async () => {
        vw.behaviour.build = { state: "ERROR", buildMs: 0, message: 'Command "npm run build" exited with 1 <script>' };
        const d = deploy();
        const events = await readDeploymentEvents(api(), d.url);
        const last = events.slice(-2);
        assert.deepEqual(last.map((e) => e.type), ["stderr", "exit"]);
        assert.match(last[0].text, /exited with 1 <script>/, "kept as Vercel said it (the page escapes it)");
    });

    it("a slow build still running: only what it printed so far, and bounded by the count asked (the newest kept)", async () => {
        vw.behaviour.build = { state: "READY", buildMs: 10 * 60_000 };
        vw.behaviour.buildClockScale = 1;
        const d = deploy();
        const real = vw.vercel.clock;
        const created = d.createdAt;
        vw.vercel.clock = () => created + 5.5 * 60_000;
        try {
            const all = await readDeploymentEvents(api(), d.id);
            assert.equal(all.filter((e) => /^Building/.test(e.text)).length, 5, "one line a minute of build so far");
            assert.ok(!all.some((e) => e.type === "deployment-state"), "not done");
            const two = await readDeploymentEvents(api(), d.id, { limit: 2 });
            assert.deepEqual(two.map((e) => e.text), all.slice(-2).map((e) => e.text));
        } finally {
            vw.vercel.clock = real;
            delete vw.behaviour.buildClockScale;
        }
    });

    it("a 503 is retried and said; an unknown deployment is Vercel's 404; a wrong token's refusal does not quote it", async () => {
        const d = deploy();
        vw.api.failNext({ path: "/v3/deployments", status: 503, retryAfterMs: 1 });
        const notes: string[] = [];
        const events = await readDeploymentEvents(api(), d.id, { onRetry: (n) => notes.push(n) });
        assert.ok(events.length > 0);
        assert.equal(notes.length, 1);
        assert.match(notes[0], /503/);
        await assert.rejects(readDeploymentEvents(api(), "dpl_nope"), (err: unknown) => isVercelApiError(err) && err.status === 404);
        await assert.rejects(readDeploymentEvents({ ...api(), token: "wrong-token-123456" }, d.id), (err: Error) => !err.message.includes("wrong-token-123456"));
    });

    it("reads both shapes @vercel/sdk declares (flat and payload-wrapped), drops nulls, cuts long lines", () => {
        const events = eventsOf([null, { type: "stderr", created: 2, date: 2, text: "x".repeat(600) }, { type: "stdout", created: 1, payload: { date: 1, text: "first" } }, { type: "alias-assigned", date: 3, alias: ["www.example.com"], aliasError: null }]);
        assert.deepEqual(events.map((e) => [e.type, e.text.length > 500 ? "long" : e.text]), [["stdout", "first"], ["stderr", "long"], ["alias-assigned", "alias www.example.com"]]);
        assert.ok(events[1].text.length <= 501);
    });
});
