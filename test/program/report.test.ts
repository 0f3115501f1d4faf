import { strict as assert } from "assert";
import { buildChecklist, ChecklistFacts, ChecklistLine, describePhase, factsFromJson, PLAN, renderMarkdown, withRollback } from "../../program/report";
import { r, RESULTS } from "../fixtures/checkResults";


function facts(over: Partial<ChecklistFacts> = {}): ChecklistFacts {
    return {
        phase: "cutover",
        domain: "example.com",
        stack: "prod",
        approval: { by: "Mme Client", at: "2026-05-01" },
        releaseRef: "v1.0.0",
        deploymentId: "dpl_123",
        deploymentUrl: "https://example-abc.vercel.app",
        zone: { name: "example.com", status: "active" },
        envVars: ["RESEND_API_KEY"],
        dnsRecords: { apex: { name: "example.com", type: "A", content: "76.76.21.21" }, www: { name: "www.example.com", type: "CNAME", content: "cname.vercel-dns.com" } },
        results: RESULTS,
        notifications: [r("MEP-01", "StartNotification", "pass", "message posted to the webhook on hooks.example (HTTP 200)", { at: "2026-05-02T08:00:00Z" })],
        tag: { tag: "v1.0.0", commit: "a".repeat(40), remote: "origin", outcome: "created, pushed" },
        generatedAt: "2026-05-02T10:00:00Z",
        ...over,
    };
}

const byId = (lines: ChecklistLine[], id: string) => lines.find((l) => l.id === id)!;

describe("program/report: the go-live checklist (traceability)", () => {
    it("lists every line of the plan in order, with the plan's French labels", () => {
        const lines = buildChecklist(facts());
        assert.deepEqual(
            lines.map((l) => l.id),
            ["P-01", "P-02", "P-03", "P-04", "P-05", ...Array.from({ length: 18 }, (_, i) => `MEP-${String(i + 1).padStart(2, "0")}`), "R-1", "R-2", "R-3", "R-4", "R-5", "R-6"],
        );
        assert.equal(byId(lines, "MEP-08").action, "Validation du Certificat SSL");
        assert.equal(byId(lines, "MEP-11").owner, "Chef de Projet");
        assert.equal(PLAN.length, 29);
    });

    it("maps check results to checked OK / failed / skipped / pending with their reasons", () => {
        const lines = buildChecklist(facts());
        assert.equal(byId(lines, "MEP-07").status, "checked OK");
        assert.match(byId(lines, "MEP-07").evidence, /DnsPropagation: apex and www answer/);
        assert.equal(byId(lines, "MEP-10").status, "failed");
        assert.match(byId(lines, "MEP-10").evidence, /answered 302/);
        assert.equal(byId(lines, "MEP-12").status, "skipped");
        assert.match(byId(lines, "MEP-12").evidence, /golive:contactForm\.imap/);
        assert.equal(byId(lines, "MEP-13").status, "pending");
        assert.equal(byId(lines, "P-02").status, "checked OK");
        assert.match(byId(lines, "P-02").evidence, /no placeholder text on 2 key pages/);
    });

    it("says which steps the program did, with their evidence", () => {
        const lines = buildChecklist(facts());
        assert.deepEqual([byId(lines, "P-01").status, byId(lines, "P-05").status, byId(lines, "MEP-04").status, byId(lines, "MEP-05").status, byId(lines, "MEP-06").status, byId(lines, "MEP-18").status], ["done", "done", "done", "done", "done", "done"]);
        assert.match(byId(lines, "P-01").evidence, /approved by Mme Client on 2026-05-01/);
        assert.match(byId(lines, "MEP-04").evidence, /dpl_123 .*built from release ref v1\.0\.0/);
        assert.match(byId(lines, "MEP-06").evidence, /example\.com A 76\.76\.21\.21; www\.example\.com CNAME cname\.vercel-dns\.com/);
        assert.match(byId(lines, "MEP-18").evidence, new RegExp(`tag v1\\.0\\.0 on ${"a".repeat(40)}, pushed to origin \\(created, pushed\\)`));
        assert.equal(byId(lines, "MEP-01").status, "done");
        assert.match(byId(lines, "MEP-01").evidence, /at 2026-05-02T08:00:00Z/);
        assert.equal(byId(lines, "MEP-02").status, "manual");
        assert.match(byId(lines, "MEP-02").evidence, /release ref v1\.0\.0/);
        assert.match(byId(lines, "R-2").evidence, /golive rollback --stack prod/);
    });

    it("MEP-02: says the code freeze is enforced from prepare on, and when it was lifted", () => {
        const frozen = byId(buildChecklist(facts({ codeFreeze: true })), "MEP-02");
        assert.equal(frozen.status, "done");
        assert.match(frozen.evidence, /^enforced: the Vercel project does not deploy pushes to the production branch; release ref v1\.0\.0 is deployed/);
        const lifted = byId(buildChecklist(facts({ codeFreeze: false })), "MEP-02");
        assert.match(lifted.evidence, /lifted \(golive:codeFreeze false\)/);
        assert.equal(byId(buildChecklist(facts({ codeFreeze: true })), "MEP-03").status, "manual", "the merge stays a manual step");
    });

    it("lists notifications as manual without a webhook, failed when the webhook failed", () => {
        const none = buildChecklist(facts({ notifications: [] }));
        assert.equal(byId(none, "MEP-01").status, "manual");
        assert.equal(byId(none, "MEP-17").status, "manual");
        assert.match(byId(none, "MEP-17").evidence, /golive:notify\.webhookUrl/);
        const waiting = buildChecklist(facts({ phase: "prepare", notifications: [], webhookConfigured: true }));
        assert.equal(byId(waiting, "MEP-01").status, "pending");
        assert.match(byId(waiting, "MEP-17").evidence, /once every check passed/);
        const failed = buildChecklist(facts({ notifications: [r("MEP-17", "EndNotification", "fail", "the webhook on hooks.example answered HTTP 500")] }));
        assert.equal(byId(failed, "MEP-17").status, "failed");
    });

    it("shows what is still pending before cutover, and P-02 failing on placeholder text", () => {
        const prepare = buildChecklist(
            facts({
                phase: "adopt", approval: null, deploymentId: null, tag: null, zone: { name: "example.com", status: "pending" },
                results: [r("MEP-14", "SeoBasics", "fail", "P-02 content final not met", { pages: [{ path: "/tarifs", placeholder: "Lorem ipsum" }] })],
            }),
        );
        for (const id of ["P-01", "P-04", "P-05", "MEP-04", "MEP-05", "MEP-06", "MEP-07", "MEP-18"]) assert.equal(byId(prepare, id).status, "pending", id);
        assert.equal(byId(prepare, "P-02").status, "failed");
        assert.match(byId(prepare, "P-02").evidence, /placeholder text on \/tarifs/);
    });

    it("renders Markdown laid out like the plan", () => {
        const md = renderMarkdown(buildChecklist(facts()), { domain: "example.com", phase: "cutover", stack: "prod", releaseRef: "v1.0.0", generatedAt: "2026-05-02T10:00:00Z" });
        const order = ["## 2. Prérequis", "## 3. Checklist de Mise en Production", "### Phase 1 : Préparation Finale", "### Phase 2 : Déploiement Technique", "### Phase 3 : Tests Post-Déploiement", "### Phase 4 : Clôture", "## 4. Plan de Retour Arrière"];
        let at = -1;
        for (const h of order) {
            const i = md.indexOf(h);
            assert.ok(i > at, `${h} in order`);
            at = i;
        }
        assert.match(md, /\| ID \| Action \| Responsable \| Statut \| Preuve \|/);
        assert.match(md, /\| \*\*MEP-10\*\* \| Forcer la Redirection \| Développeur \| ❌ failed \| Redirects: http:\/\/example\.com\/ answered 302/);
        assert.match(md, /Rapport généré le :\*\* 2026-05-02T10:00:00Z/);
        assert.match(md, /\*\*Bilan :\*\* 7 done, 8 checked OK, 1 failed, 1 skipped, 3 manual, 3 pending/);
    });

    it("escapes table cells", () => {
        const md = renderMarkdown(buildChecklist(facts({ results: [r("MEP-09", "HttpsReachability", "fail", "a | b\nc")] })), { domain: "example.com", generatedAt: "x" });
        assert.match(md, /a \\\| b c/);
    });

    it("reads facts from stack outputs, verify results or a bare list of results", () => {
        const stackOutputs = {
            phase: "cutover",
            urls: { site: "https://www.example.com/", apex: "https://example.com/" },
            zone: { id: "z", name: "example.com", status: "active" },
            releaseRef: "v1.0.0",
            approval: { by: "Client", at: "2026-05-01" },
            vercel: { projectId: "prj", deploymentId: "dpl_9", deploymentUrl: "https://x.vercel.app", envVars: ["A"] },
            dnsRecords: { apex: { name: "example.com", type: "A", content: "76.76.21.21" }, www: null },
            checks: [...RESULTS, r("MEP-17", "EndNotification", "pass", "posted")],
        };
        const f = factsFromJson(stackOutputs, { stack: "prod", generatedAt: "now" });
        assert.equal(f.domain, "example.com");
        assert.equal(f.deploymentId, "dpl_9");
        assert.deepEqual(f.envVars, ["A"]);
        assert.equal(f.results.length, RESULTS.length);
        assert.equal(f.notifications!.length, 1);
        assert.equal(byId(buildChecklist(f), "MEP-17").status, "done");
        const bare = factsFromJson({ domain: "example.com", results: RESULTS }, { generatedAt: "now" });
        assert.equal(byId(buildChecklist(bare), "MEP-10").status, "failed");
        assert.throws(() => factsFromJson(RESULTS, { generatedAt: "now" }), /cannot tell the domain/);
    });

    it("after a failed update, says what is unknown instead of pending, and why MEP-17/MEP-18 did not happen", () => {
        const failedUpdate = { phase: "cutover", error: "MEP-10 Redirects failed" };
        // What a failed cutover knows: the config and the previous phase, not the deployment here.
        const lines = buildChecklist(facts({ deploymentId: null, zone: null, dnsRecords: null, results: RESULTS.filter((x) => x.id !== "MEP-14"), notifications: [], webhookConfigured: true, tag: { tag: "v1.0.0" }, failedUpdate }));
        for (const id of ["P-02", "P-03", "P-04", "MEP-04", "MEP-05", "MEP-06", "MEP-13", "MEP-14", "MEP-01"]) {
            assert.equal(byId(lines, id).status, "unknown", id);
            assert.match(byId(lines, id).evidence, /the cutover update failed .*MEP-10 Redirects failed/, id);
        }
        assert.equal(byId(lines, "MEP-17").status, "pending");
        assert.match(byId(lines, "MEP-17").evidence, /^not sent: the cutover update failed/);
        assert.match(byId(lines, "MEP-18").evidence, /tag v1\.0\.0 not created: the cutover update failed/);
        // What is known stays known.
        assert.equal(byId(lines, "P-01").status, "done");
        assert.equal(byId(lines, "P-05").status, "done");
        assert.match(byId(lines, "P-05").evidence, /RESEND_API_KEY/);
        const md = renderMarkdown(lines, { domain: "example.com", phase: describePhase({ phase: "cutover", failedUpdate }), generatedAt: "x" });
        assert.match(md, /\*\*Phase :\*\* cutover \(update failed: MEP-10 Redirects failed\)/);
        assert.match(md, /❔ unknown/);
        assert.match(md, /, 11 unknown/); // + MEP-15, MEP-16
        // R-6 (issue 26): what a new date needs, the phases to run again.
        assert.equal(byId(lines, "R-6").status, "pending");
        assert.match(byId(lines, "R-6").evidence, /^a new date needs: \(1\) fix the cause: .*\(3\) `golive phase cutover --stack /);
    });

    it("MEP-06 is done only when the records hold Vercel's values", () => {
        const records = (content: string) => ({ apex: { name: "example.com", type: "A", content, newContent: "76.76.21.21" }, www: null });
        assert.equal(byId(buildChecklist(facts({ dnsRecords: records("76.76.21.21") })), "MEP-06").status, "done");
        const old = byId(buildChecklist(facts({ dnsRecords: records("192.0.2.10"), failedUpdate: { phase: "cutover", error: "P-04 gate" } })), "MEP-06");
        assert.equal(old.status, "pending");
        assert.match(old.evidence, /now: example\.com A 192\.0\.2\.10/);
    });

    it("a record of check results only (golive verify) says the stack facts are not in it", () => {
        const lines = buildChecklist(factsFromJson({ domain: "example.com", checks: RESULTS }, { generatedAt: "now" }));
        for (const id of ["P-01", "P-03", "P-05", "MEP-02", "MEP-04", "MEP-06", "MEP-18"]) {
            assert.equal(byId(lines, id).status, "unknown", id);
            assert.match(byId(lines, id).evidence, /not in this record \(check results only\): `golive report --stack <stack>`/, id);
        }
        assert.equal(byId(lines, "MEP-10").status, "failed");
        assert.equal(byId(lines, "MEP-13").status, "pending");
    });

    it("records the rollback: R-1 and R-2 done, the phase says it rolled back, also over a recorded checklist", () => {
        const rollback = { to: "prepare", ok: true, why: "the cutover failed (MEP-10 Redirects failed)", evidence: "dns-apex updated in place back to 192.0.2.10" };
        const recorded = buildChecklist(facts());
        assert.equal(byId(recorded, "R-2").status, "manual");
        const lines = withRollback(recorded, facts({ rollback }));
        assert.equal(byId(lines, "R-1").status, "done");
        assert.match(byId(lines, "R-1").evidence, /the cutover failed/);
        assert.equal(byId(lines, "R-2").status, "done");
        assert.match(byId(lines, "R-2").evidence, /^back to the prepare phase: dns-apex updated in place/);
        assert.equal(byId(lines, "MEP-10").evidence, byId(recorded, "MEP-10").evidence);
        assert.equal(byId(withRollback(recorded, facts({ rollback: { ...rollback, ok: false } })), "R-2").status, "failed");
        assert.equal(describePhase({ phase: "cutover", failedUpdate: { phase: "cutover", error: "MEP-10 Redirects failed" }, rollback }), "cutover (update failed: MEP-10 Redirects failed), then rolled back to prepare");
        const f = factsFromJson({ domain: "example.com", phase: "cutover", rollback, failedUpdate: { phase: "cutover", error: "x" }, results: [] }, { generatedAt: "now" });
        assert.deepEqual(f.rollback, rollback);
        assert.equal(f.failedUpdate?.error, "x");
    });

    it("counts read as words: 1 key page, not 1 key pages", () => {
        const one = buildChecklist(facts({ results: [r("MEP-14", "SEO basics", "pass", "ok", { pages: [{ path: "/", status: 200 }] })] }));
        assert.equal(byId(one, "P-02").evidence, "no placeholder text on 1 key page (MEP-14 scan)");
    });

    // Issue 18 item 5: each line states only what was observed.
    it("P-02: a key page that was never read (no answer, or not 200) is not 'checked OK: no placeholder text'", () => {
        const unreachable = r("MEP-14", "SEO basics", "fail", "SEO check: /: connect ECONNREFUSED 127.0.0.3:443", {
            pages: [{ path: "/", error: "connect ECONNREFUSED 127.0.0.3:443", problems: ["connect ECONNREFUSED 127.0.0.3:443"] }],
        });
        const none = byId(buildChecklist(facts({ results: [unreachable] })), "P-02");
        assert.notEqual(none.status, "checked OK");
        assert.equal(none.status, "unknown");
        assert.doesNotMatch(none.evidence, /no placeholder text on/);
        assert.match(none.evidence, /not scanned.*\/ \(connect ECONNREFUSED 127\.0\.0\.3:443\)/);

        const partly = r("MEP-14", "SEO basics", "fail", "/services: answered 503", {
            pages: [{ path: "/", status: 200, problems: [] }, { path: "/services", status: 503, problems: ["answered 503"] }],
        });
        const some = byId(buildChecklist(facts({ results: [partly] })), "P-02");
        assert.equal(some.status, "unknown");
        assert.equal(some.evidence, "no placeholder text on 1 key page (/); not scanned: /services (answered 503) (MEP-14 scan)");
    });

    it("P-02: a page scanned before the switch and again after it is counted once; flagged if either scan flagged it", () => {
        const pages = [{ path: "/", status: 200, problems: [] }, { path: "/services", status: 200, problems: [] }];
        const before = { ...r("MEP-14", "SEO basics", "pass", "ok", { pages }), stage: "pre-switch" as const };
        const after = r("MEP-14", "SEO basics", "pass", "ok", { pages });
        assert.equal(byId(buildChecklist(facts({ results: [before, after] })), "P-02").evidence, "no placeholder text on 2 key pages (MEP-14 scan)");
        const flagged = r("MEP-14", "SEO basics", "fail", "placeholder", { pages: [pages[0], { ...pages[1], placeholder: "lorem ipsum" }] });
        const line = byId(buildChecklist(facts({ results: [before, flagged] })), "P-02");
        assert.deepEqual([line.status, line.evidence], ["failed", "placeholder text on /services (MEP-14 scan)"]);
    });

    it("MEP-18: before cutover, a release tag set in golive:release.tag is not called 'not configured'", () => {
        for (const phase of ["adopt", "prepare"]) {
            const line = byId(buildChecklist(facts({ phase, tag: null })), "MEP-18");
            assert.equal(line.status, "pending");
            assert.doesNotMatch(line.evidence, /no release tag configured/, phase);
            assert.match(line.evidence, /cutover/);
        }
        // At cutover the record holds the tag whenever golive:release.tag is set (components/releaseSteps).
        assert.match(byId(buildChecklist(facts({ phase: "cutover", tag: null })), "MEP-18").evidence, /no release tag configured \(golive:release\.tag\)/);
    });
});
