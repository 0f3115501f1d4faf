import { strict as assert } from "assert";
import axios from "axios";
import type { ReplicaWorld } from "../../replica/world";
import { CloudflareZone } from "../../replica/cloudflareZone";
import { ReplicaBehaviour, replicaProviders, TYPES, VercelReplica } from "../../replica/providers";
import { ORDER_LIFETIME_MS } from "../../replica/vercel";
import type { VercelApi } from "../../replica/vercelApi";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";
import { startControlServer, CONTROL_ENV } from "../../replica/control";
import { SCHEMAS } from "../../replica/providerSchemas";
import { ReplicaProvider } from "../../replica/plugins/provider";
import { httpRequest, inspectTls, sleep } from "../../checks/net";
import type { ResourceHandler } from "../../replica/providerApi";

describe("replica/vercelApi: Vercel's REST API over the replica's Vercel (certificate orders, domain verification, builds)", () => {
    let vw: VercelWorld;
    let world: ReplicaWorld;
    let zone: CloudflareZone;
    let behaviour: ReplicaBehaviour;
    let vercel: VercelReplica;
    let resources: Record<string, ResourceHandler>;
    let api: VercelApi;
    let projectId: string;

    beforeEach(async () => {
        vw = await startVercelWorld();
        ({ world, zone, behaviour, vercel, resources, api, projectId } = vw);
    });
    afterEach(() => vw.close());

    const addDomain = (domain: string, extra: Record<string, unknown> = {}) => vw.addDomain(domain, extra);
    const addSiteDomains = () => vw.addSiteDomains();
    const addTxt = (name: string, content: string) => vw.addTxt(name, content);
    const call = (method: string, path: string, body?: unknown, token: string | null = api.token) =>
        axios.request({ url: `${api.url}${path}`, method, data: body, headers: token ? { authorization: `Bearer ${token}` } : {}, proxy: false, timeout: 5_000, validateStatus: () => true });
    const certsOp = (op: string, domains: string[]) => call("PATCH", "/v3/certs?teamId=team_kalia", { op, domains });

    it("issues by DNS-01: startOrder, the _acme-challenge TXT records at the zone, finalizeOrder; the new host then serves one certificate for apex and www", async () => {
        await addSiteDomains();
        // Visitors' DNS is not involved: the names resolve to the new host only for this inspection.
        world.pointAt("new");
        assert.deepEqual((await inspectTls(world.www, world.net)).altNames, ["*.vercel.app"]);

        const order = await certsOp("startOrder", [world.www, world.domain]);
        assert.equal(order.status, 200, JSON.stringify(order.data));
        assert.deepEqual(order.data.domains, [world.domain, world.www]);
        const challenges: Array<{ type: string; status: string; domain: string; value: string }> = order.data.challengesToResolve;
        assert.deepEqual(challenges.map((c) => [c.type, c.status, c.domain]), [["dns-01", "pending", world.domain], ["dns-01", "pending", world.www]]);
        assert.notEqual(challenges[0].value, challenges[1].value);
        // The same order while it is pending: the same values.
        assert.deepEqual((await certsOp("startOrder", [world.domain, world.www])).data.challengesToResolve.map((c: { value: string }) => c.value), challenges.map((c) => c.value));

        const early = await certsOp("finalizeOrder", [world.domain, world.www]);
        assert.equal(early.status, 400);
        assert.equal(early.data.error.code, "challenge_still_pending");
        await addTxt(`_acme-challenge.${world.www}`, challenges[1].value);
        const half = await certsOp("finalizeOrder", [world.domain, world.www]);
        assert.equal(half.data.error.code, "challenge_still_pending");
        assert.match(half.data.error.message, new RegExp(`_acme-challenge\\.${world.domain.replace(/\./g, "\\.")} has no TXT`));
        assert.doesNotMatch(half.data.error.message, /_acme-challenge\.www\./);
        assert.deepEqual((await inspectTls(world.www, world.net)).altNames, ["*.vercel.app"], "no certificate before the order is finalized");

        await addTxt(`_acme-challenge.${world.domain}`, challenges[0].value);
        const issued = await certsOp("finalizeOrder", [world.www, world.domain]);
        assert.equal(issued.status, 200, JSON.stringify(issued.data));
        assert.match(issued.data.id, /^cert_/);
        assert.deepEqual(issued.data.cns, [world.domain, world.www]);
        assert.ok(Date.parse(issued.data.expiration) > Date.now() + 30 * 86_400_000);
        for (const name of [world.domain, world.www]) {
            const tls = await inspectTls(name, world.net);
            assert.equal(tls.authorized, true, `${name}: ${tls.authorizationError}`);
            assert.deepEqual([...tls.altNames].sort(), [world.domain, world.www]);
            assert.deepEqual({ ...vercel.certificates.get(name), issuedAt: undefined }, { issuedAt: undefined, via: "dns-01", certId: issued.data.id });
        }
        assert.equal((await httpRequest(`https://${world.www}/`, world.net)).status, 200);

        // GET /v8/certs/{id} and GET /v8/certs, in @vercel/sdk's getCertById / getCerts shapes.
        const read = await call("GET", `/v8/certs/${issued.data.id}`);
        assert.equal(read.status, 200);
        assert.deepEqual(Object.keys(read.data).sort(), ["autoRenew", "cns", "createdAt", "expiresAt", "id"]);
        assert.deepEqual(read.data.cns, [world.domain, world.www]);
        assert.equal(read.data.expiresAt, Date.parse(issued.data.expiration));
        assert.equal((await call("GET", "/v8/certs/cert_nope")).data.error.code, "cert_not_found");
        assert.equal((await call("GET", `/v7/certs/${issued.data.id}`)).status, 404, "v7 is not the documented path");
        const list = await call("GET", "/v8/certs");
        assert.deepEqual(list.data.certs.map((c: { id: string }) => c.id), [issued.data.id]);
        assert.deepEqual(list.data.pagination, { count: 1, next: null, prev: null });
        // The order is spent (finish-cert-order.ts: cert_order_not_found for names without one).
        assert.deepEqual([(await certsOp("finalizeOrder", [world.domain, world.www])).status, (await certsOp("finalizeOrder", [world.domain, world.www])).data.error.code], [404, "cert_order_not_found"]);
        assert.ok(api.calls.filter((c) => c.path === "/v3/certs").every((c) => c.teamId === "team_kalia"));
        assert.deepEqual(api.calls.filter((c) => c.path === "/v3/certs" && c.status === 200).map((c) => c.op), ["startOrder", "startOrder", "finalizeOrder"]);
    });

    it("keeps the HTTP-01 way for a name without a DNS-01 certificate: issued once DNS points here, listed by GET /v8/certs; no invented refusal of a later order", async () => {
        await addSiteDomains();
        vercel.dnsPoints(world.www, true);
        assert.equal(vercel.certificates.get(world.www)?.via, "http-01");
        const list = await call("GET", "/v8/certs");
        assert.deepEqual(list.data.certs.map((c: { cns: string[] }) => c.cns), [[world.www]]);
        // What Vercel answers here is unknown (no upstream source names a code): the replica orders.
        const order = await certsOp("startOrder", [world.domain, world.www]);
        assert.equal(order.status, 200, JSON.stringify(order.data));
    });

    it("refuses orders as Vercel does: names not in the account, a bad body, an unknown op", async () => {
        await addDomain(world.www);
        const unknown = await certsOp("startOrder", [world.domain, world.www]);
        assert.deepEqual([unknown.status, unknown.data.error.code, unknown.data.error.domain], [404, "not_found", world.domain]);
        assert.equal((await certsOp("startOrder", [])).data.error.code, "bad_request");
        assert.equal((await certsOp("startOrder", ["not a name"])).data.error.code, "invalid_cn");
        assert.equal((await certsOp("renew", [world.www])).data.error.code, "bad_request");
        const notJson = await axios.request({ url: `${api.url}/v3/certs`, method: "PATCH", data: "{", headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" }, proxy: false, timeout: 5_000, validateStatus: () => true, transformRequest: (d) => d });
        assert.deepEqual([notJson.status, notJson.data.error.code], [400, "bad_request"]);
        assert.equal((await call("GET", "/v3/certs")).status, 405);
        assert.equal((await call("GET", "/v1/nothing")).data.error.code, "not_found");
    });

    it("order-refused switches: a personal-scoped domain (forbidden), CAA (conflicting_caa_record); existingCertificate: listed and served", async () => {
        await addSiteDomains();
        behaviour.orderRefused = "personal-scope";
        const personal = await certsOp("startOrder", [world.domain, world.www]);
        assert.deepEqual([personal.status, personal.data.error.code, personal.data.error.domain], [403, "forbidden", world.domain]);
        assert.equal(personal.data.error.invalidToken, undefined);

        behaviour.orderRefused = "caa";
        const caa = await certsOp("startOrder", [world.domain, world.www]);
        assert.deepEqual([caa.status, caa.data.error.code], [400, "conflicting_caa_record"]);

        behaviour.orderRefused = undefined;
        behaviour.existingCertificate = true;
        await addSiteDomains();
        const { data } = await call("GET", "/v8/certs");
        assert.deepEqual(data.certs.map((c: { cns: string[] }) => c.cns[0]).sort(), [world.domain, world.www], "one certificate per name, as Vercel issues them per domain");
        const cert = await call("GET", `/v8/certs/${data.certs[0].id}`);
        assert.equal(cert.status, 200);
        world.pointAt("new");
        const tls = await inspectTls(world.www, world.net);
        assert.equal(tls.authorized, true);
        assert.ok(tls.altNames.includes(world.www));
        assert.equal(vercel.certificates.get(world.www)?.via, "existing");
    });

    it("existingCertificate: the existing certificate is served as soon as the name is on the project, before any DNS change", async () => {
        behaviour.existingCertificate = true;
        await addDomain(world.www);
        world.pointAt("new");
        assert.ok((await inspectTls(world.www, world.net)).altNames.includes(world.www));
    });

    it("finalizeOrder: conflicting_caa_record when the zone's CAA does not let Let's Encrypt issue", async () => {
        await addSiteDomains();
        zone.create({ name: world.domain, type: "CAA", data: { flags: 0, tag: "issue", value: "digicert.com" }, ttl: 300, proxied: false });
        const { data } = await certsOp("startOrder", [world.domain, world.www]);
        for (const c of data.challengesToResolve) await addTxt(`_acme-challenge.${c.domain}`, c.value);
        const refused = await certsOp("finalizeOrder", [world.domain, world.www]);
        assert.deepEqual([refused.status, refused.data.error.code, refused.data.error.domain], [400, "conflicting_caa_record", world.domain]);
        assert.equal(vercel.certificates.get(world.www), undefined);
    });

    it("issuanceDelayMs: the certificate arrives that long after finalizeOrder first found the TXT records", async () => {
        behaviour.issuanceDelayMs = 400;
        await addSiteDomains();
        const { data } = await certsOp("startOrder", [world.domain, world.www]);
        for (const c of data.challengesToResolve) await addTxt(`_acme-challenge.${c.domain}`, c.value);
        const firstSeen = Date.now();
        const first = await certsOp("finalizeOrder", [world.domain, world.www]);
        assert.deepEqual([first.status, first.data.error.code], [400, "validation_running"]);
        assert.equal((await certsOp("startOrder", [world.domain, world.www])).data.challengesToResolve.every((c: { status: string }) => c.status === "valid"), true);
        let issued;
        for (let i = 0; i < 100 && !issued; i++) {
            await sleep(50);
            const r = await certsOp("finalizeOrder", [world.domain, world.www]);
            if (r.status === 200) issued = Date.now();
            else assert.equal(r.data.error.code, "validation_running");
        }
        assert.ok(issued, "issued within the bounded wait");
        assert.ok(issued - firstSeen >= 400, `issued ${issued - firstSeen} ms after the records were first found`);
    });

    it("finalizeAnswers: the codes of map-cert-error.ts on demand, in order, once the TXT records resolve; too_many_requests with Retry-After; then it issues", async () => {
        behaviour.finalizeAnswers = [
            { code: "validation_running", times: 2 },
            { code: "too_many_requests", retryAfterSeconds: 3 },
            { code: "configuration_error", status: 449 },
        ];
        await addSiteDomains();
        const { data } = await certsOp("startOrder", [world.domain, world.www]);
        const early = await certsOp("finalizeOrder", [world.domain, world.www]);
        assert.equal(early.data.error.code, "challenge_still_pending", "the records come first");
        for (const c of data.challengesToResolve) await addTxt(`_acme-challenge.${c.domain}`, c.value);
        const seen = [];
        for (let i = 0; i < 5; i++) {
            const r = await certsOp("finalizeOrder", [world.domain, world.www]);
            seen.push([r.status, r.status === 200 ? "issued" : r.data.error.code, r.headers["retry-after"] ?? null]);
        }
        assert.deepEqual(seen, [
            [400, "validation_running", null],
            [400, "validation_running", null],
            [429, "too_many_requests", "3"],
            [449, "configuration_error", null],
            [200, "issued", null],
        ]);
        assert.deepEqual(behaviour.finalizeAnswers, []);
    });

    it("an order lapses on demand (ordersLapsing) or after its lifetime: finalizeOrder answers cert_order_not_found, startOrder then places a new order with new values", async () => {
        behaviour.ordersLapsing = 1;
        await addSiteDomains();
        const first = (await certsOp("startOrder", [world.domain, world.www])).data;
        assert.deepEqual((await certsOp("startOrder", [world.domain, world.www])).data.challengesToResolve, first.challengesToResolve, "the same order while it is open");
        for (const c of first.challengesToResolve) await addTxt(`_acme-challenge.${c.domain}`, c.value);
        const lapsed = await certsOp("finalizeOrder", [world.domain, world.www]);
        assert.deepEqual([lapsed.status, lapsed.data.error.code, lapsed.data.error.cns], [404, "cert_order_not_found", [world.domain, world.www]]);
        const second = (await certsOp("startOrder", [world.domain, world.www])).data;
        assert.notDeepEqual(second.challengesToResolve.map((c: { value: string }) => c.value), first.challengesToResolve.map((c: { value: string }) => c.value));
        assert.equal(second.challengesToResolve[0].status, "pending", "the published values are the old order's");
        // Seven days on (ORDER_LIFETIME_MS), the open order is gone without any fault.
        const realNow = Date.now;
        try {
            const later = realNow() + ORDER_LIFETIME_MS;
            Date.now = () => later;
            assert.equal((await certsOp("finalizeOrder", [world.domain, world.www])).data.error.code, "cert_order_not_found");
        } finally {
            Date.now = realNow;
        }
    });

    it("answers 403 forbidden to a wrong or missing token, and acts on nothing", async () => {
        await addSiteDomains();
        const wrong = await call("PATCH", "/v3/certs", { op: "startOrder", domains: [world.domain, world.www] }, "not-the-token");
        assert.deepEqual([wrong.status, wrong.data.error.code, wrong.data.error.invalidToken], [403, "forbidden", true]);
        const missing = await call("PATCH", "/v3/certs", { op: "startOrder", domains: [world.domain, world.www] }, null);
        assert.deepEqual([missing.status, missing.data.error.code, missing.data.error.missingToken], [403, "forbidden", true]);
        assert.equal((await call("GET", `/v9/projects/${projectId}/domains/${world.www}`, undefined, `${api.token}x`)).status, 403);
        assert.equal((await certsOp("finalizeOrder", [world.domain, world.www])).data.error.code, "cert_order_not_found", "the refused startOrder made no order");
    });

    it("a domain another team's project holds: unverified with its _vercel TXT challenge, not served; the TXT record and verify move it", async () => {
        vercel.claimDomain(world.domain, { projectName: "kalia-old", team: "agence-web", yields: true });
        const created = await addDomain(world.domain, { redirect: world.www, redirectStatusCode: 308 });
        await addDomain(world.www);
        const outputs = created!.outputs as { verified: boolean; verifications: Array<{ type: string; domain: string; value: string; reason: string }> };
        assert.equal(outputs.verified, false);
        assert.equal(outputs.verifications.length, 1);
        const challenge = outputs.verifications[0];
        assert.equal(challenge.type, "TXT");
        assert.equal(challenge.domain, `_vercel.${world.domain}`);
        assert.match(challenge.value, new RegExp(`^vc-domain-verify=${world.domain.replace(/\./g, "\\.")},[0-9a-f]+$`));

        world.pointAt("new");
        const notServed = await httpRequest(`http://${world.domain}/`, world.net);
        assert.deepEqual([notServed.status, notServed.headers["x-vercel-error"]], [404, "DEPLOYMENT_NOT_FOUND"]);
        vercel.dnsPoints(world.domain, true);
        assert.equal(vercel.certificates.get(world.domain), undefined, "no certificate for a name it does not serve");
        const read = await call("GET", `/v9/projects/${projectId}/domains/${world.domain}`);
        assert.deepEqual([read.data.verified, read.data.verification], [false, [challenge]]);
        assert.equal((await call("GET", `/v9/projects/kalia-site/domains/${world.domain}`)).data.name, world.domain, "the project by name");
        assert.equal((await call("GET", `/v9/projects/prj_other/domains/${world.domain}`)).status, 404);
        assert.equal((await certsOp("startOrder", [world.domain, world.www])).data.error.code, "domain_not_verified");

        const early = await call("POST", `/v9/projects/${projectId}/domains/${world.domain}/verify`);
        assert.deepEqual([early.status, early.data.error.code], [400, "missing_txt_record"]);
        assert.match(early.data.error.message, /_vercel\..* is missing required TXT Record "vc-domain-verify=/);
        await addTxt(challenge.domain, challenge.value);
        const verified = await call("POST", `/v9/projects/${projectId}/domains/${world.domain}/verify`);
        assert.equal(verified.status, 200, JSON.stringify(verified.data));
        assert.deepEqual([verified.data.verified, verified.data.verification, verified.data.redirect], [true, undefined, world.www]);
        assert.deepEqual(vercel.domainState(world.domain), { verified: true, verifications: [] });
        assert.equal((await httpRequest(`http://${world.domain}/`, world.net)).status, 308);
        assert.equal(vercel.certificates.get(world.domain)?.via, "http-01", "served now, so DNS pointing here brings its certificate");
    });

    it("a domain another project of the same team holds: the add is refused (409 domain_already_in_use), over REST and through the provider; verify never gets it", async () => {
        vercel.claimDomain(world.domain, { projectName: "kalia-staging", team: "kalia", yields: false });
        const refused = await call("POST", `/v10/projects/${projectId}/domains`, { name: world.domain });
        assert.deepEqual([refused.status, refused.data.error.code], [409, "domain_already_in_use"]);
        assert.match(refused.data.error.message, /^Cannot add kaliabeautystudio\.com since it's already assigned to another project\.$/);
        await assert.rejects(Promise.resolve(addDomain(world.domain)), /Could not add domain kaliabeautystudio\.com to project .*domain_already_in_use/);
        assert.equal((await call("GET", `/v9/projects/${projectId}/domains/${world.domain}`)).status, 404);
        assert.equal(vercel.serves(world.domain), false);
    });

    it("the replica plugin returns the ProjectDomain's computed outputs the schema declares (verified, verifications)", async () => {
        vercel.claimDomain(world.domain, { projectName: "kalia-old", team: "agence-web", yields: true });
        const control = await startControlServer(replicaProviders(world, zone, vercel, behaviour, () => Date.now(), () => undefined));
        const before = process.env[CONTROL_ENV];
        process.env[CONTROL_ENV] = control.url;
        try {
            const computed = SCHEMAS.vercel[TYPES.projectDomain].computed ?? [];
            assert.deepEqual(computed, ["verified", "verifications"]);
            const urn = `urn:pulumi:prod::golive::golive:vercel:Site$${TYPES.projectDomain}::site-apex`;
            const { id, outs } = await new ReplicaProvider("vercel").create(urn, { projectId, domain: world.domain });
            assert.equal(id, world.domain);
            for (const k of computed) assert.ok(k in outs, `${k} in the plugin's outputs`);
            assert.equal(outs.verified, false);
            assert.equal(outs.verifications[0].domain, `_vercel.${world.domain}`);
        } finally {
            if (before === undefined) delete process.env[CONTROL_ENV];
            else process.env[CONTROL_ENV] = before;
            await control.close();
        }
    });

    describe("the deployment's build", () => {
        const deploy = () => resources[TYPES.deployment]({ op: "create", type: TYPES.deployment, name: "release", inputs: { projectId, production: true } });

        it("ERROR fails the step with the provider's words, CANCELED too", async () => {
            behaviour.build = { state: "ERROR" };
            await assert.rejects(deploy(), /^Error: Error creating deployment: Could not create deployment, unexpected error: BUILD_UTILS_SPAWN_1 - Command "npm run build" exited with 1\. Visit https:\/\/vercel\.com\/\S+ for more information$/);
            behaviour.build = { state: "ERROR", code: "NO_OUTPUT_DIRECTORY", message: 'No Output Directory named "dist" found after the Build completed' };
            await assert.rejects(deploy(), /unexpected error: NO_OUTPUT_DIRECTORY - No Output Directory named "dist" found/);
            behaviour.build = { state: "CANCELED" };
            await assert.rejects(deploy(), /unexpected error: deployment canceled$/);
        });

        it("READY after buildMs: the step waits for the build (the provider's 5 s reads, on a build clock 20× faster)", async () => {
            behaviour.build = { state: "READY", buildMs: 6_000 };
            behaviour.buildClockScale = 20;
            const done = await deploy();
            assert.match(done!.id!, /^dpl_/);
            const d = vercel.deployments.get(done!.id!)!;
            // Read every 5 s of build clock until complete: at 5 s (BUILDING) and 10 s, or once when a busy machine's timer runs late.
            assert.ok(d.reads >= 1 && d.reads <= 2, `${d.reads} reads`);
            assert.equal(vercel.deployment(d.id).readyState, "READY");
        });
    });
});
