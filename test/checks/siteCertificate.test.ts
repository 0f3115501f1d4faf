// MEP-05 and MEP-08 before hour H, as pure functions against the replica's Vercel REST API and
// Cloudflare zone (one replica world): the DNS-01 order, its TXT records, the wait at the zone's
// servers and the finalization; each refusal Vercel can answer; a domain held by another project.
import { strict as assert } from "assert";
import type { ReplicaWorld } from "../../replica/world";
import type { ReplicaBehaviour, VercelReplica } from "../../replica/providers";
import type { VercelApi } from "../../replica/vercelApi";
import { startVercelWorld, VercelWorld } from "../helpers/vercelWorld";
import { inspectTls } from "../../checks/net";
import { certificateAfterSwitch, certificateBeforeSwitch, issueCertificate, orderCertificate, orderLapsed } from "../../checks/siteCertificate";
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
        assert.match(cert.reason, /Vercel had not issued the certificate within 2 s \(golive:certificate\.timeoutSeconds\): it answered validation_running ×\d+ over \d+\.\d s/);
        assert.equal(cert.code, "validation_running");
    });

    it("each refusal is recorded with what to do, not thrown: a personal-scoped domain, CAA, names on no project", async () => {
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

    });

    it("a certificate Vercel already holds for the names (GET /v8/certs) is used: nothing is ordered, its details are read back (GET /v8/certs/{id})", async () => {
        behaviour.existingCertificate = true;
        await addSiteDomains();
        const exists = await orderCertificate({ api: apiOf(), names: names() });
        assert.equal(exists.status, "exists", exists.reason);
        assert.equal(exists.certIds?.length, 2, "one per name, as Vercel issued them");
        assert.match(exists.reason, /Vercel already holds certificates cert_\w+, cert_\w+ for .* \(GET \/v8\/certs\), valid until \d{4}-\d\d-\d\d: none ordered/);
        assert.deepEqual(api.calls.map((c) => `${c.method} ${c.path}`), ["GET /v8/certs"], "no startOrder");
        const held = await issueCertificate({ api: apiOf(), domain: world.domain, order: exists, wait, net: world.net });
        assert.equal(held.status, "exists");
        assert.equal(held.id, exists.certIds!.join(", "));
        assert.ok(held.expiresAt, "its details were read (GET /v8/certs/{id})");
        assert.ok(api.calls.some((c) => c.path === `/v8/certs/${exists.certIds![0]}`));
        assert.ok(certificateBeforeSwitch(held));
    });

    it("a certificate held for one name only, or within Vercel's 30-day renewal window, is not used: the order is placed", async () => {
        await addSiteDomains();
        vercel.dnsPoints(world.www, true); // www got its certificate the HTTP-01 way
        const partial = await orderCertificate({ api: apiOf(), names: names() });
        assert.equal(partial.status, "ordered", partial.reason);
        const realNow = Date.now;
        try {
            const cert = [...vercel.certs.values()][0];
            const late = cert.expiresAt - 10 * 86_400_000;
            Date.now = () => late;
            vercel.dnsPoints(world.domain, true);
            const expiring = await orderCertificate({ api: apiOf(), names: names() });
            assert.equal(expiring.status, "ordered");
            assert.match(expiring.reason, /expires \d{4}-\d\d-\d\d: within Vercel's 30-day renewal window, not used/);
        } finally {
            Date.now = realNow;
        }
    });

    describe("finalizeOrder's answers (vercel CLI map-cert-error.ts, finish-cert-order.ts)", () => {
        const ordered = async () => {
            await addSiteDomains();
            const order = await orderCertificate({ api: apiOf(), names: names() });
            await publish(order.challenges);
            return order;
        };
        const finalizes = () => api.calls.filter((c) => c.op === "finalizeOrder").map((c) => c.code ?? "issued");

        for (const code of ["validation_running", "challenge_still_pending", "txt_record_not_found", "dns_error", "challenge_error"]) {
            it(`${code}: in progress, waited out; the certificate is issued and the reason says what Vercel answered`, async () => {
                behaviour.finalizeAnswers = [{ code, times: 2 }];
                const order = await ordered();
                const cert = await issueCertificate({ api: apiOf(), domain: world.domain, order, wait: { timeoutMs: 3_000, pollMs: 50 }, net: world.net });
                assert.equal(cert.status, "issued", cert.reason);
                assert.match(cert.reason, new RegExp(`Vercel answered ${code} ×2 over \\d+\\.\\d s first`));
                assert.deepEqual(finalizes(), [code, code, "issued"]);
            });
        }

        it("too_many_requests: Retry-After honoured (retryAfterMs), then issued", async () => {
            behaviour.finalizeAnswers = [{ code: "too_many_requests", retryAfterSeconds: 1, times: 4 }];
            const order = await ordered();
            const cert = await issueCertificate({ api: apiOf(), domain: world.domain, order, wait: { timeoutMs: 8_000, pollMs: 50 }, net: world.net });
            assert.equal(cert.status, "issued", cert.reason);
            assert.match(cert.reason, /too_many_requests ×\d/);
            // vercelCall's own retries of a 429 happen within a call; the loop waited the rest out.
            assert.equal(finalizes().filter((c) => c === "too_many_requests").length, 4);
        });

        it("rate_limited asking for longer than the wait left: pending at once, saying when to try again", async () => {
            behaviour.finalizeAnswers = [{ code: "rate_limited", retryAfterSeconds: 3_600, times: 5 }];
            const order = await ordered();
            const cert = await issueCertificate({ api: apiOf(), domain: world.domain, order, wait: { timeoutMs: 3_000, pollMs: 50 }, net: world.net });
            assert.equal(cert.status, "pending");
            assert.equal(cert.code, "rate_limited");
            assert.match(cert.reason, /rate-limited .* \(rate_limited\) and asks to wait 3600\.0 s, more than what is left of golive:certificate\.timeoutSeconds/);
            assert.match(cert.todo ?? "", /run golive prepare again after \d{4}-/);
        });

        const terminal: Array<[string, number | undefined, RegExp]> = [
            ["conflicting_caa_record", undefined, /add a CAA record 0 issue "letsencrypt\.org" at kaliabeautystudio\.com/],
            ["bad_domains", undefined, /check golive:domain .* domains of the Vercel project \(MEP-05\)/],
            ["domain_not_verified", undefined, /complete its verification \(MEP-05/],
            ["configuration_error", 449, /Vercel tried HTTP-01 .* needs DNS to point to Vercel/],
            ["configuration_error", 400, /could not verify the DNS-01 records _acme-challenge\.kaliabeautystudio\.com/],
        ];
        for (const [code, status, todo] of terminal) {
            it(`${code}${status ? ` (${status})` : ""}: terminal, the step fails naming the code, the names and what to do; no second finalize`, async () => {
                behaviour.finalizeAnswers = [{ code, ...(status ? { status } : {}) }];
                const order = await ordered();
                await assert.rejects(issueCertificate({ api: apiOf(), domain: world.domain, order, wait, net: world.net }), (err: Error) => {
                    assert.match(err.message, new RegExp(`^MEP-08 certificate finalization for kaliabeautystudio\\.com, www\\.kaliabeautystudio\\.com: Vercel answered ${code} \\(`));
                    assert.match(err.message, todo);
                    assert.match(err.message, /DNS was not changed$/);
                    return true;
                });
                assert.deepEqual(finalizes(), [code]);
            });
        }

        it("cert_order_not_found: the order lapsed; it is placed again and the step says the new values get published at the next run, which then issues", async () => {
            behaviour.ordersLapsing = 1;
            const order = await ordered();
            const cert = await issueCertificate({ api: apiOf(), domain: world.domain, order, wait, net: world.net });
            assert.equal(cert.status, "pending");
            assert.equal(cert.code, "cert_order_not_found");
            assert.match(cert.reason, /had lapsed at Vercel .*a new order was placed, with new DNS-01 values/);
            assert.match(cert.todo ?? "", /run golive prepare again .*publishes the new values .*nothing to edit by hand/);
            // The next run: the order's diff finds the lapse, the order is placed again (the open one), its values published.
            assert.equal(await orderLapsed(apiOf(), order), true);
            const again = await orderCertificate({ api: apiOf(), names: names() });
            assert.notDeepEqual(again.challenges, order.challenges);
            assert.equal(await orderLapsed(apiOf(), again), false, "the open order: no change");
            await publish(again.challenges);
            assert.equal((await issueCertificate({ api: apiOf(), domain: world.domain, order: again, wait, net: world.net })).status, "issued");
            assert.equal(await orderLapsed(apiOf(), again), false, "issued: the certificate covers the names, nothing is ordered");
            assert.equal(api.calls.filter((c) => c.op === "startOrder").length, 5, "startOrder: order, re-order at the lapse, probe, update, probe; none after issuance");
        });
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
