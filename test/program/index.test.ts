// The resource graph of the real program (index.ts) for the prod stack file, as `pulumi up`
// at cutover would register it: config from Pulumi.prod.yaml plus what the operator adds.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { byName, byType, LIVE, prodConfig, Recorder, SECRET_VALUES, setGoLiveMocks, unwrapDeep, VERCEL_CNAME, VERCEL_IPV4, ZONE_ID } from "./mocks";

import * as yamlModule from "js-yaml";

const yaml = yamlModule as { load(text: string): any };

const root = path.join(__dirname, "..", "..");

function stackConfig(): Record<string, string> {
    const stack = yaml.load(fs.readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")).config as Record<string, unknown>;
    const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")).config as Record<string, { default?: unknown }>;
    const all: Record<string, unknown> = {};
    // Project defaults first, as the engine does, then the stack file, then the operator's values.
    for (const [key, decl] of Object.entries(project)) if (decl.default !== undefined) all[`golive:${key}`] = decl.default;
    Object.assign(all, stack);
    const operator = prodConfig("cutover");
    for (const key of ["gitRepo", "releaseRef", "envValues", "liveRecords", "approvedBy", "approvedAt", "phase"]) all[`golive:${key}`] = operator[key];
    const text: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) text[k] = typeof v === "string" ? v : JSON.stringify(v);
    return text;
}

describe("program: index.ts for the prod stack at cutover", function () {
    this.timeout(180_000);
    let rec: Recorder;
    let outputs: Record<string, unknown>;
    let rawOutputs: Record<string, unknown>;

    before(async () => {
        rec = setGoLiveMocks();
        pulumi.runtime.setAllConfig(stackConfig(), ["golive:envValues"]);
        const program = (await import("../../index")) as unknown as { default: () => Promise<Record<string, unknown>> };
        rawOutputs = await program.default();
        outputs = (await unwrapDeep(rawOutputs)) as Record<string, unknown>;
    });
    after(() => pulumi.runtime.setAllConfig({}, []));

    it("declares every project key the stack file sets, and the stack file is for kaliabeautystudio.com", () => {
        const stack = yaml.load(fs.readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")).config as Record<string, unknown>;
        const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
        assert.equal(project.name, "golive");
        for (const key of Object.keys(stack).filter((k) => k.startsWith("golive:"))) {
            const decl = project.config[key.slice("golive:".length)];
            assert.ok(decl, `${key} is not declared in Pulumi.yaml`);
            assert.ok(typeof decl.description === "string" && decl.description.length > 10, `${key} has no description`);
        }
        assert.equal(stack["golive:domain"], "kaliabeautystudio.com");
    });

    it("registers the expected resources: types, counts and stable names", () => {
        const custom = rec.registrations.filter((r) => r.custom);
        const count = (t: string) => byType(custom, t).length;
        assert.equal(count("vercel:index/project:Project"), 1);
        assert.equal(count("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"), 3);
        assert.equal(count("vercel:index/deployment:Deployment"), 1);
        assert.equal(count("vercel:index/projectDomain:ProjectDomain"), 2);
        // apex and www; no CAA (the zone has none), no DNS-01 challenge record at cutover (they go at its end).
        assert.equal(count("cloudflare:index/dnsRecord:DnsRecord"), 2);
        const infra = custom.filter((r) => !r.type.startsWith("pulumi-nodejs:dynamic"));
        assert.equal(infra.length, 9);
        assert.deepEqual(
            infra.map((r) => r.name).sort(),
            ["dns-apex", "dns-www", "site-apex", "site-deployment", "site-env-CONTACT_TO_EMAIL", "site-env-NEXT_PUBLIC_GA_MEASUREMENT_ID", "site-env-RESEND_API_KEY", "site-project", "site-www"],
        );
        // At cutover: the domains verified and the certificate (MEP-05, MEP-08 before H), the checks
        // against the new host before the switch, and what only the switch can fail after it.
        assert.deepEqual(
            custom.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")).map((r) => `${r.type.split(":").pop()} ${r.name}`).sort(),
            [
                "Analytics preswitch-mep16-analytics",
                "Analytics services-analytics",
                "CertificateIssuance certificate-issuance",
                "CertificateOrder certificate-order",
                "ContactForm preswitch-mep12-contact-form",
                "DnsPropagation checks-mep07-dns",
                "DomainVerification domains-apex",
                "DomainVerification domains-www",
                "HttpsReachability checks-mep09-https",
                "HttpsReachability preswitch-mep09-https",
                "Performance preswitch-mep13-performance",
                "Redirects checks-mep10-redirects",
                "Redirects preswitch-mep10-redirects",
                "SearchConsole services-search-console",
                "SeoBasics checks-mep14-seo",
                "SeoBasics preswitch-mep14-seo",
                "SmokeTest checks-mep11-smoke",
                "SmokeTest preswitch-mep11-smoke",
                "TlsCertificate checks-mep08-tls",
                "TlsCertificate preswitch-mep08-tls",
            ],
        );
        assert.deepEqual(
            rec.registrations.filter((r) => !r.custom && r.type.startsWith("golive:")).map((r) => `${r.type} ${r.name}`).sort(),
            [
                "golive:checks:PostDeploy checks",
                "golive:checks:PreSwitch preswitch",
                "golive:checks:Services services",
                "golive:cloudflare:DnsRecords dns",
                "golive:release:Steps release",
                "golive:vercel:Site site",
                "golive:vercel:SiteCertificate certificate",
                "golive:vercel:VerifiedDomains domains",
            ],
        );
    });

    it("switches DNS only after every check against the new host passed: the records are created after them, the post-switch checks after the records", () => {
        const created = (name: string) => rec.events.indexOf(`created ${name}`);
        const pre = ["preswitch-mep08-tls", "preswitch-mep09-https", "preswitch-mep10-redirects", "preswitch-mep11-smoke", "preswitch-mep12-contact-form", "preswitch-mep13-performance", "preswitch-mep14-seo", "preswitch-mep16-analytics"];
        for (const record of ["dns-apex", "dns-www"]) {
            for (const check of pre) assert.ok(created(check) >= 0 && created(check) < created(record), `${check} before ${record}:\n${rec.events.join("\n")}`);
        }
        for (const check of ["certificate-issuance", "domains-apex", "domains-www"]) assert.ok(created(check) < created("preswitch-mep08-tls"), `${check} before the pre-switch checks`);
        assert.ok(created("dns-www") < created("checks-mep07-dns") && created("dns-apex") < created("checks-mep07-dns"), "MEP-07 after the switch");
    });

    it("pins the site's names to Vercel's recommended targets for the pre-switch checks, which are enforced at cutover", () => {
        const https = byName(rec.registrations, "preswitch-mep09-https").inputs;
        assert.deepEqual(https.net.pins, { "kaliabeautystudio.com": VERCEL_IPV4, "www.kaliabeautystudio.com": VERCEL_CNAME });
        assert.equal(https.enforce, true);
        assert.equal(https.stage, "pre-switch");
        assert.equal(https.net.tlsUnverifiedBecause, undefined, "the certificate was issued before the switch: TLS is verified");
        const tls = byName(rec.registrations, "preswitch-mep08-tls").inputs;
        assert.equal(tls.input.waitMs, 0);
        assert.equal(tls.input.skipBecause, undefined);
        // After the switch MEP-08 has nothing to wait for: the certificate is there.
        assert.equal(byName(rec.registrations, "checks-mep08-tls").inputs.input.waitMs, 0);
    });

    it("links the project to the repository and deploys the pinned ref to production", () => {
        const project = byName(rec.registrations, "site-project").inputs;
        assert.equal(project.name, "kalia-beauty-studio");
        assert.deepEqual(project.gitRepository, { type: "github", repo: "kalia-beauty-studio/website", productionBranch: "main" });
        const deployment = byName(rec.registrations, "site-deployment").inputs;
        assert.equal(deployment.ref, prodConfig("cutover").releaseRef);
        assert.equal(deployment.production, true);
        assert.equal(deployment.projectId, "site-project-id");
    });

    it("serves www and redirects the apex to it with 308 (MEP-10)", () => {
        const www = byName(rec.registrations, "site-www").inputs;
        assert.equal(www.domain, "www.kaliabeautystudio.com");
        assert.equal(www.redirect, undefined);
        const apex = byName(rec.registrations, "site-apex").inputs;
        assert.equal(apex.domain, "kaliabeautystudio.com");
        assert.equal(apex.redirect, "www.kaliabeautystudio.com");
        assert.equal(apex.redirectStatusCode, 308);
    });

    it("points apex and www at Vercel's recommended values, unproxied, with the config TTL", () => {
        const apex = byName(rec.registrations, "dns-apex").inputs;
        assert.deepEqual(
            { zoneId: apex.zoneId, name: apex.name, type: apex.type, content: apex.content, ttl: apex.ttl, proxied: apex.proxied },
            { zoneId: ZONE_ID, name: "kaliabeautystudio.com", type: "A", content: VERCEL_IPV4, ttl: 60, proxied: false },
        );
        const www = byName(rec.registrations, "dns-www").inputs;
        assert.deepEqual(
            { name: www.name, type: www.type, content: www.content, ttl: www.ttl, proxied: www.proxied },
            { name: "www.kaliabeautystudio.com", type: "CNAME", content: VERCEL_CNAME, ttl: 60, proxied: false },
        );
        assert.equal(byName(rec.registrations, "dns-apex").importId, undefined, "no import outside adopt");
        assert.ok(rec.invokes.includes("vercel:index/getDomainConfig:getDomainConfig"));
    });

    it("sets each production variable as a sensitive secret for production only (P-05)", () => {
        for (const [key, value] of Object.entries(SECRET_VALUES)) {
            const reg = byName(rec.registrations, `site-env-${key}`).inputs;
            assert.deepEqual({ key: reg.key, targets: reg.targets, sensitive: reg.sensitive, projectId: reg.projectId }, { key, targets: ["production"], sensitive: true, projectId: "site-project-id" });
            // Registered as a secret envelope: the engine encrypts it in state and masks it in logs.
            assert.deepEqual(reg.value, { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
        }
    });

    it("exports the phase, URLs, old and new record contents and the deployment, with no secret in them", () => {
        assert.equal(outputs.phase, "cutover");
        assert.deepEqual(outputs.urls, { site: "https://www.kaliabeautystudio.com/", apex: "https://kaliabeautystudio.com/" });
        assert.deepEqual(outputs.redirect, { from: "kaliabeautystudio.com", to: "www.kaliabeautystudio.com", status: 308 });
        const dns = outputs.dnsRecords as Record<string, Record<string, unknown>>;
        assert.deepEqual(
            { old: dns.apex.oldContent, new: dns.apex.newContent, content: dns.apex.content, proxied: dns.apex.proxied },
            { old: LIVE.apex.content, new: VERCEL_IPV4, content: VERCEL_IPV4, proxied: false },
        );
        assert.deepEqual({ old: dns.www.oldContent, new: dns.www.newContent, type: dns.www.type }, { old: LIVE.www.content, new: VERCEL_CNAME, type: "CNAME" });
        const v = outputs.vercel as Record<string, unknown>;
        assert.equal(v.deploymentId, "site-deployment-id");
        assert.equal(v.deploymentUrl, "https://kalia-beauty-studio-abc123.vercel.app");
        assert.deepEqual(v.envVars, Object.keys(SECRET_VALUES));
        const text = JSON.stringify(outputs);
        for (const secret of Object.values(SECRET_VALUES)) assert.ok(!text.includes(secret), "a secret value leaked into the stack outputs");
    });

    it("runs the checks against what the records became, re-running them when the records or the deployment change", () => {
        const dns = byName(rec.registrations, "checks-mep07-dns").inputs;
        assert.deepEqual(dns.input.expected, { apex: [VERCEL_IPV4], www: [VERCEL_CNAME] });
        assert.deepEqual(dns.triggers, { apex: VERCEL_IPV4, www: VERCEL_CNAME, deployment: "site-deployment-id" });
        assert.deepEqual(dns.input.domain, "kaliabeautystudio.com");
        const smoke = byName(rec.registrations, "checks-mep11-smoke").inputs;
        assert.deepEqual(smoke.input.pages.map((p: { path: string }) => p.path), ["/", "/services", "/tarifs", "/a-propos", "/contact", "/mentions-legales"]);
        assert.deepEqual(byName(rec.registrations, "services-analytics").inputs.triggers, dns.triggers);
    });

    it("refuses a mistyped golive key before registering anything (the engine would ignore it)", async () => {
        const before = rec.registrations.length;
        const config = stackConfig();
        config["golive:approvdBy"] = config["golive:approvedBy"];
        pulumi.runtime.setAllConfig(config, ["golive:envValues"]);
        const program = (await import("../../index")) as unknown as { default: () => Promise<unknown> };
        await assert.rejects(program.default(), (err: Error) => err.name === "ConfigError" && /golive:approvdBy is not a key of this program: did you mean golive:approvedBy\?/.test(err.message));
        assert.equal(rec.registrations.length, before);
        pulumi.runtime.setAllConfig(stackConfig(), ["golive:envValues"]);
    });

    it("refuses a bad golive:report at preview, naming the key, before registering anything (issue 26)", async () => {
        const before = rec.registrations.length;
        const config = stackConfig();
        config["golive:report"] = JSON.stringify({ url: "http://pages.agence.example", uploadCommand: ["rclone", "copyto", "{file}"] });
        pulumi.runtime.setAllConfig(config, ["golive:envValues"]);
        const program = (await import("../../index")) as unknown as { default: () => Promise<unknown> };
        await assert.rejects(program.default(), (err: Error) => err.name === "ConfigError" && /^golive:report\.url must be an https:\/\/ address, got "http"$/.test(err.message));
        assert.equal(rec.registrations.length, before);
        pulumi.runtime.setAllConfig(stackConfig(), ["golive:envValues"]);
    });

    it("exports the check results and the plan's checklist (P-01..MEP-18)", () => {
        const checks = outputs.checks as { id: string }[];
        // 8 before the switch, 6 site checks and 2 outside services after it.
        assert.equal(checks.length, 16);
        const checklist = outputs.checklist as { id: string; status: string }[];
        const ids = checklist.map((l) => l.id);
        for (const id of ["P-01", "P-05", "MEP-01", "MEP-06", "MEP-07", "MEP-13", "MEP-18"]) assert.ok(ids.includes(id), `${id} in the checklist`);
        assert.equal(checklist.find((l) => l.id === "MEP-18")!.status, "manual", "no golive:release in this stack: the tag is a manual step");
    });
});
