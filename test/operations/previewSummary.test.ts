import { strict as assert } from "assert";
import { plannedStepOf, PlannedStep, renderPreviewSummary, summarizePreview } from "../../operations/previewSummary";
import { UNKNOWN_VALUE as UNKNOWN } from "../../shared/secretEnvelope";

const URN = (type: string, name: string, parents = "golive:cloudflare:DnsRecords$") => `urn:pulumi:prod::golive::${parents}${type}::${name}`;
const REC = "cloudflare:index/dnsRecord:DnsRecord";
const record = (op: string, name: string, olds: Record<string, unknown> | undefined, news: Record<string, unknown> | undefined): PlannedStep => ({
    op,
    urn: URN(REC, name),
    type: REC,
    custom: true,
    ...(olds ? { oldInputs: olds } : {}),
    ...(news ? { newInputs: news } : {}),
});
const www = { name: "www.example.com", type: "A", content: "192.0.2.10", ttl: 300, proxied: false };
const check = (op: string, kind: string, name: string): PlannedStep => ({ op, urn: URN(`pulumi-nodejs:dynamic/golive:${kind}`, name, "golive:checks:PostDeploy$"), type: `pulumi-nodejs:dynamic/golive:${kind}`, custom: true });

describe("operations/previewSummary: a preview as a short plain summary", () => {
    it("cutover: records changing in place field by field, what is created, the checks that will run in plan order; nothing refused", () => {
        const s = summarizePreview(
            [
                { op: "same", urn: "urn:pulumi:prod::golive::pulumi:pulumi:Stack::golive-prod", type: "pulumi:pulumi:Stack", custom: false },
                { op: "same", urn: URN("golive:cloudflare:DnsRecords", "dns", ""), type: "golive:cloudflare:DnsRecords", custom: false },
                record("update", "dns-www", www, { ...www, content: "198.51.100.1", ttl: 60 }),
                record("update", "dns-apex", { ...www, name: "example.com" }, { ...www, name: "example.com", content: UNKNOWN }),
                check("create", "Redirects", "checks-mep10-redirects"),
                check("create", "DnsPropagation", "checks-mep07-dns"),
                check("update", "SeoBasics", "checks-mep14-seo"),
                { op: "create", urn: URN("pulumi-nodejs:dynamic/golive:Notification", "release-start", "golive:release:Steps$"), type: "pulumi-nodejs:dynamic/golive:Notification", custom: true },
                { op: "same", urn: URN("vercel:index/project:Project", "site-project", "golive:vercel:Site$"), type: "vercel:index/project:Project", custom: true },
            ],
            { allowRecordReplace: false },
        );
        assert.deepEqual(s.recordsInPlace, [
            { resource: "dns-apex", record: "example.com", changes: [{ field: "content", from: "192.0.2.10", to: "(known after apply)" }] },
            { resource: "dns-www", record: "www.example.com", changes: [{ field: "content", from: "192.0.2.10", to: "198.51.100.1" }, { field: "ttl", from: "300", to: "60" }] },
        ]);
        assert.deepEqual(s.checks, ["MEP-07 DNS propagation", "MEP-10 Redirects", "MEP-14 SEO basics"]);
        assert.deepEqual(s.creates, ["MEP-01 webhook message release-start"]);
        assert.deepEqual(s.refusals, []);
        assert.deepEqual(renderPreviewSummary(s), [
            "  record changing in place: example.com (dns-apex): content 192.0.2.10 → (known after apply)",
            "  record changing in place: www.example.com (dns-www): content 192.0.2.10 → 198.51.100.1, ttl 300 → 60",
            "  create: MEP-01 webhook message",
            "  checks that will run: MEP-07 DNS propagation, MEP-10 Redirects, MEP-14 SEO basics",
        ]);
    });

    it("cutover: the Vercel project or a domain replaced or deleted in the switching update is refused (prepare may change them)", () => {
        const vercel = (op: string, type: string, name: string): PlannedStep => ({ op, urn: URN(type, name, "golive:vercel:Site$"), type, custom: true });
        const steps = [
            vercel("replace", "vercel:index/project:Project", "site-project"),
            vercel("delete", "vercel:index/projectDomain:ProjectDomain", "site-domain-apex"),
            vercel("replace", "vercel:index/deployment:Deployment", "site-deployment"),
            vercel("update", "vercel:index/projectDomain:ProjectDomain", "site-domain-www"),
        ];
        const cutover = summarizePreview(steps, { allowRecordReplace: true, switchesToVercel: true });
        assert.equal(cutover.refusals.length, 2, cutover.refusals.join("\n"));
        assert.match(cutover.refusals[0], /^MEP-05 Vercel domain site-domain-apex would be deleted in the update that switches DNS to it/);
        assert.match(cutover.refusals[1], /^MEP-04 Vercel project site-project would be replaced \(deleted and created again\) .*Make that change at prepare/);
        // A new production deployment (a new release ref) is Vercel's normal redeploy; prepare may change anything of Vercel's.
        assert.deepEqual(summarizePreview(steps, { allowRecordReplace: true }).refusals, []);
    });

    it("a live record replaced (type change) or deleted is called out and refused, unless golive:allowRecordReplace accepts it", () => {
        const steps = [
            record("replace", "dns-www", www, { ...www, type: "CNAME", content: "cname.vercel-dns.com" }),
            record("create-replacement", "dns-www", www, { ...www, type: "CNAME" }),
            record("delete-replaced", "dns-www", www, undefined),
            record("delete", "dns-apex", { ...www, name: "example.com" }, undefined),
            check("delete", "Redirects", "checks-mep10-redirects"),
        ];
        const refused = summarizePreview(steps, { allowRecordReplace: false });
        assert.deepEqual(refused.replaces, ["MEP-06 DNS record dns-www"]);
        assert.deepEqual(refused.deletes, ["MEP-10 Redirects checks-mep10-redirects", "MEP-06 DNS record dns-apex"]);
        assert.equal(refused.refusals.length, 2);
        assert.match(refused.refusals[0], /^dns-apex \(example\.com\) would be deleted from the stack/);
        assert.match(refused.refusals[1], /^dns-www \(www\.example\.com\) would be replaced: deleted and created again.*golive:allowRecordReplace true/);
        const lines = renderPreviewSummary(refused);
        assert.ok(lines.includes("  REPLACE: MEP-06 DNS record dns-www"));
        assert.ok(lines.some((l) => l.startsWith("  refused: dns-www")));
        // A check resource deleted (going back to prepare) is listed, not refused.
        assert.deepEqual(summarizePreview([steps[4]], { allowRecordReplace: false }).refusals, []);
        assert.deepEqual(summarizePreview(steps, { allowRecordReplace: true }).refusals, []);
    });

    it("adopt: two imports and nothing else; any other change is refused", () => {
        const imports = [record("import", "dns-apex", undefined, { ...www, name: "example.com" }), record("import", "dns-www", undefined, www)];
        const ok = summarizePreview(imports, { allowRecordReplace: false, adopt: true });
        assert.deepEqual(ok.imports, ["dns-apex example.com A 192.0.2.10 (ttl 300, unproxied)", "dns-www www.example.com A 192.0.2.10 (ttl 300, unproxied)"]);
        assert.deepEqual(ok.refusals, []);
        const changed = summarizePreview([imports[0], record("update", "dns-www", www, { ...www, ttl: 60 })], { allowRecordReplace: false, adopt: true });
        assert.deepEqual(changed.refusals, [
            "adopt imports the live records and changes nothing, but this preview would update MEP-06 DNS record dns-www",
            "adopt changes nothing, but www.example.com would change: ttl 300 → 60",
        ]);
    });

    it("reads the engine's step metadata; components (no `custom` in the event) are left out", () => {
        assert.equal(plannedStepOf({ op: "same", urn: "u", type: "golive:cloudflare:DnsRecords", new: { inputs: {} } }).custom, false);
        const p = plannedStepOf({ op: "update", urn: URN(REC, "dns-www"), type: REC, old: { custom: true, inputs: www }, new: { custom: true, inputs: { ...www, ttl: 60 } } });
        assert.deepEqual(p, { op: "update", urn: URN(REC, "dns-www"), type: REC, custom: true, oldInputs: www, newInputs: { ...www, ttl: 60 } });
        assert.deepEqual(renderPreviewSummary(summarizePreview([], { allowRecordReplace: false })), ["  no change"]);
    });
});

describe("operations/previewSummary: what is verified before the switch, and what visitors may meet (issue 16)", () => {
    const pre = (kind: string, name: string): PlannedStep => ({ op: "update", urn: URN(`pulumi-nodejs:dynamic/golive:${kind}`, name, "golive:checks:PreSwitch$"), type: `pulumi-nodejs:dynamic/golive:${kind}`, custom: true });
    const acme = (op: string, name: string): PlannedStep => ({ op, urn: URN(REC, name, "golive:vercel:SiteCertificate$"), type: REC, custom: true, oldInputs: { name: `_acme-challenge.${name}`, type: "TXT", content: "v" } });
    const steps = [
        record("update", "dns-www", www, { ...www, content: "198.51.100.1" }),
        pre("TlsCertificate", "preswitch-mep08-tls"),
        pre("HttpsReachability", "preswitch-mep09-https"),
        check("create", "DnsPropagation", "checks-mep07-dns"),
        check("create", "TlsCertificate", "checks-mep08-tls"),
        acme("delete", "certificate-acme-apex"),
        acme("delete", "certificate-acme-www"),
    ];

    it("tells the checks before the switch from those after it; the DNS-01 challenge records going at cutover are not refused", () => {
        const s = summarizePreview(steps, { allowRecordReplace: false, switchesToVercel: true });
        assert.deepEqual(s.checksBefore, ["MEP-08 TLS certificate", "MEP-09 HTTPS reachability"]);
        assert.deepEqual(s.checks, ["MEP-07 DNS propagation", "MEP-08 TLS certificate"]);
        assert.deepEqual(s.refusals, []);
        assert.deepEqual(s.deletes, ["MEP-08 DNS-01 challenge record certificate-acme-apex", "MEP-08 DNS-01 challenge record certificate-acme-www"]);
        const lines = renderPreviewSummary(s);
        assert.ok(lines.includes("  verified before the switch (new host, names pinned to Vercel; the records wait for them): MEP-08 TLS certificate, MEP-09 HTTPS reachability"), lines.join("\n"));
        assert.ok(lines.includes("  checks that will run after the switch: MEP-07 DNS propagation, MEP-08 TLS certificate"), lines.join("\n"));
        assert.ok(!lines.some((l) => /GAP|note:/.test(l)));
    });

    it("announces a visitor-facing gap when Vercel refused to pre-issue the certificate, and a note when it is still pending", () => {
        const refused = summarizePreview(steps, { allowRecordReplace: false, switchesToVercel: true, certWaitSeconds: 120, certificate: { status: "refused", names: ["example.com", "www.example.com"], reason: "personal-scoped domain", todo: "move it to the team" } });
        assert.deepEqual(renderPreviewSummary(refused).filter((l) => /GAP/.test(l)), [
            "  VISITOR-FACING GAP: no certificate before the switch (refused: personal-scoped domain; move it to the team): visitors who reach Vercel get its *.vercel.app certificate until Vercel issues the site's, once DNS points to it; MEP-08 waits up to 120 s after the switch",
        ]);
        const pending = summarizePreview(steps, { allowRecordReplace: false, switchesToVercel: true, certificate: { status: "pending", names: ["example.com"], reason: "Vercel had not issued it" } });
        assert.deepEqual(pending.gaps, []);
        assert.match(renderPreviewSummary(pending).join("\n"), /note: the certificate ordered at prepare is not issued yet \(Vercel had not issued it\): the cutover tries once more, and stops before DNS moves if it still is not/);
        const issued = summarizePreview(steps, { allowRecordReplace: false, switchesToVercel: true, certificate: { status: "issued", names: ["example.com"], reason: "issued" } });
        assert.deepEqual([issued.gaps, issued.notes], [[], []]);
    });
});
