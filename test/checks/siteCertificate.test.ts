// MEP-05 and MEP-08 before hour H, as pure functions against the replica's Vercel REST API and
// Cloudflare zone (one replica world): the DNS-01 order, its TXT records, the wait at the zone's
// servers and the finalization; each refusal Vercel can answer; a domain held by another project.
import { strict as assert } from "assert";
import type { ReplicaWorld } from "../../replica/world";
import type { ReplicaBehaviour, VercelReplica } from "../../replica/providers";
import type { VercelApi } from "../../replica/vercelApi";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";
import { inspectTls } from "../../checks/net";
import { certificateAfterSwitch, certificateBeforeSwitch, issueCertificate, orderCertificate } from "../../checks/siteCertificate";
import { checkDomainVerification, DomainVerificationInput } from "../../checks/domainVerification";

describe("checks/siteCertificate and checks/domainVerification: MEP-05 and MEP-08 before the switch, against the replica's Vercel API", function () {
    this.timeout(60_000);
    let vw: VercelWorld;
    let world: ReplicaWorld;
    let behaviour: ReplicaBehaviour;
    let vercel: VercelReplica;
    let api: VercelApi;
    let projectId: string;

    beforeEach(async () => {
        vw = await startVercelWorld();
        ({ world, behaviour, vercel, api, projectId } = vw);
    });
    afterEach(() => vw.close());

    const names = () => [world.domain, world.www];
    const apiOf = (token = api.token) => ({ baseUrl: api.url, token });
    const addDomain = (domain: string, extra: Record<string, unknown> = {}) => vw.addDomain(domain, extra);
    const addSiteDomains = () => vw.addSiteDomains();
    /** The TXT records as the program publishes them (cloudflare.DnsRecord through the provider). */
    const publish = (records: Array<{ name: string; value: string }>) => Promise.all(records.map((r) => vw.addTxt(r.name, r.value)));
    const wait = { timeoutMs: 3_000, pollMs: 100 };

    it("orders, publishes the two _acme-challenge records, waits for them and has the certificate issued: the new host serves it before DNS points there", async () => {
        await addSiteDomains();
        const order = await orderCertificate({ api: apiOf(), names: names() });
        assert.equal(order.status, "ordered", order.reason);
        assert.deepEqual(order.challenges.map((c) => c.name).sort(), [`_acme-challenge.${world.domain}`, `_acme-challenge.${world.www}`]);
        await publish(order.challenges);
        const cert = await issueCertificate({ api: apiOf(), domain: world.domain, order, wait, net: world.net });
        assert.equal(cert.status, "issued", cert.reason);
        assert.equal(cert.via, "dns-01");
        assert.match(cert.id ?? "", /^cert_/);
        assert.ok(cert.expiresAt && Date.parse(cert.expiresAt) > Date.now() + 60 * 86_400_000, cert.expiresAt);
        assert.ok(certificateBeforeSwitch(cert));
        // DNS still points at the old host: looked at through Vercel's address, the site's certificate.
        const tls = await inspectTls(world.www, { ...world.net, pins: { [world.www]: world.newSite.host } });
        assert.ok(tls.altNames.includes(world.www), JSON.stringify(tls.altNames));
    });

    it("stays pending, with what to do, when the records do not resolve within the wait; a later try issues it", async () => {
        await addSiteDomains();
        const order = await orderCertificate({ api: apiOf(), names: names() });
        const pending = await issueCertificate({ api: apiOf(), domain: world.domain, order, wait: { timeoutMs: 600, pollMs: 100 }, net: world.net });
        assert.equal(pending.status, "pending");
        assert.match(pending.reason, /the DNS-01 records were not answered everywhere after \d+\.\d s \(_acme-challenge\./);
        assert.match(pending.todo ?? "", /golive prepare again/);
        assert.ok(!certificateBeforeSwitch(pending) && !certificateAfterSwitch(pending), "pending is neither: the cutover stops until it is issued");
        await publish(order.challenges);
        assert.equal((await issueCertificate({ api: apiOf(), domain: world.domain, order, wait, net: world.net })).status, "issued");
    });

    it("a late issuance by Vercel (issuanceDelayMs) is pending after the wait, not an error", async () => {
        behaviour.issuanceDelayMs = 60_000;
        await addSiteDomains();
        const order = await orderCertificate({ api: apiOf(), names: names() });
        await publish(order.challenges);
        const cert = await issueCertificate({ api: apiOf(), domain: world.domain, order, wait: { timeoutMs: 1_500, pollMs: 200 }, net: world.net });
        assert.equal(cert.status, "pending");
        assert.match(cert.reason, /Vercel had not issued the certificate within 2 s \(golive:certificate\.timeoutSeconds\): .*challenge_still_pending/);
    });

    it("each refusal is recorded with what to do, not thrown: a personal-scoped domain, CAA, names on no project; a certificate already held is read back", async () => {
        await addSiteDomains();
        behaviour.orderRefused = "personal-scope";
        const personal = await orderCertificate({ api: apiOf(), names: names() });
        assert.deepEqual([personal.status, personal.code], ["refused", "forbidden"]);
        assert.match(personal.todo ?? "", /move the domain to the team of vercel:team/);
        behaviour.orderRefused = "caa";
        const caa = await orderCertificate({ api: apiOf(), names: names() });
        assert.deepEqual([caa.status, caa.code], ["refused", "conflicting_caa_record"]);
        assert.match(caa.todo ?? "", /0 issue "letsencrypt\.org"/);
        const passThrough = await issueCertificate({ api: apiOf(), domain: world.domain, order: caa, wait, net: world.net });
        assert.equal(passThrough.status, "refused");
        assert.ok(certificateAfterSwitch(passThrough), "refused: MEP-08 moves after the switch (the announced gap)");
        behaviour.orderRefused = undefined;
        const nowhere = await orderCertificate({ api: apiOf(), names: ["other.example", "www.other.example"] });
        assert.deepEqual([nowhere.status, nowhere.code], ["refused", "not_found"]);

        behaviour.orderRefused = "already-issued";
        const exists = await orderCertificate({ api: apiOf(), names: names() });
        assert.equal(exists.status, "exists", exists.reason);
        assert.match(exists.certId ?? "", /^cert_/);
        const held = await issueCertificate({ api: apiOf(), domain: world.domain, order: exists, wait, net: world.net });
        assert.equal(held.status, "exists");
        assert.equal(held.id, exists.certId);
        assert.ok(held.expiresAt, "its details were read (GET /v7/certs/{id})");
        assert.ok(certificateBeforeSwitch(held));
    });

    it("a refused token fails the step naming vercel:apiToken, and never shows the token", async () => {
        await addSiteDomains();
        await assert.rejects(orderCertificate({ api: apiOf("not-the-token-0123456789"), names: names() }), (err: Error) => {
            assert.match(err.message, /Vercel refused the token .*check vercel:apiToken/);
            assert.ok(!err.message.includes("not-the-token-0123456789"));
            return true;
        });
    });

    it("refuses to leave loopback under GOLIVE_LOOPBACK_ONLY (tests, rehearsals)", async () => {
        await assert.rejects(orderCertificate({ api: { baseUrl: "https://api.vercel.com", token: "x" }, names: names() }), /GOLIVE_LOOPBACK_ONLY is set/);
    });

    describe("MEP-05: a domain Vercel holds unverified", () => {
        const input = (domain: string, view: { verified: boolean; verification?: Array<{ type: string; domain: string; value: string; reason: string }> }): DomainVerificationInput => ({
            api: apiOf(),
            projectId,
            projectName: "kalia-site",
            domain,
            zone: world.domain,
            verified: view.verified,
            verifications: view.verification ?? [],
            wait: { timeoutMs: 3_000, pollMs: 100 },
        });
        const viewOf = async (domain: string) => (await addDomain(domain))!.outputs as { verified: boolean; verifications: Array<{ type: string; domain: string; value: string; reason: string }> };

        it("a verified domain passes without a call", async () => {
            const r = await checkDomainVerification(input(world.www, { verified: true }), world.net);
            assert.equal(r.status, "pass");
            assert.equal(api.calls.length, 0);
        });

        it("held by another team's project: the TXT record Vercel asks for is published, Vercel verifies it, the domain serves the project", async () => {
            vercel.claimDomain(world.domain, { projectName: "kalia-old-site", team: "another-team", yields: true });
            const view = await viewOf(world.domain);
            assert.equal(view.verified, false);
            const asked = view.verifications.map((v) => ({ ...v, verification: undefined }));
            const missing = await checkDomainVerification(input(world.domain, { verified: false, verification: asked }), { ...world.net });
            assert.equal(missing.status, "fail", "without the record, it cannot be verified");
            assert.match(missing.reason, /the verification TXT record Vercel asks for is not answered everywhere/);
            await publish(view.verifications.map((v) => ({ name: v.domain, value: v.value })));
            const r = await checkDomainVerification(input(world.domain, { verified: false, verification: asked }), world.net);
            assert.equal(r.status, "pass", r.reason);
            assert.match(r.reason, /verified on the Vercel project kalia-site by the TXT record _vercel\./);
        });

        it("kept by another project of the team: Vercel refuses it at the add (the ProjectDomain fails), so there is nothing to verify", async () => {
            vercel.claimDomain(world.domain, { projectName: "kalia-old-site", team: "kalia-agency", yields: false });
            await assert.rejects(viewOf(world.domain), /domain_already_in_use/);
            assert.equal(api.calls.length, 0);
        });
    });
});
