import { strict as assert } from "assert";
import { buildChecklist, factsFromJson } from "../../program/report";
import { goLivePageOf, nextDateNeeds, verdictOf } from "../../rendering/goLivePage";
import { renderHtmlReport } from "../../rendering/htmlReport";
import { thinProbes } from "../../rendering/htmlTimeline";
import { DOMAIN, failedCutoverRecord } from "../fixtures/goLiveRecord";

const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

function pageOf(record: Record<string, unknown>, lang: "fr" | "en" = "fr") {
    const facts = factsFromJson(record, { generatedAt: "2026-12-05T10:00:00Z" });
    const lines = buildChecklist(facts);
    return { facts, lines, page: goLivePageOf(record, facts, lines), html: renderHtmlReport(goLivePageOf(record, facts, lines), lang) };
}

describe("rendering/htmlReport: the go-live page (issue 26)", () => {
    it("puts the verdict first: rolled back at the time the old site was back, because of the failed check", () => {
        const { page, html } = pageOf(failedCutoverRecord(PNG));
        assert.deepEqual(page.verdict, { kind: "rolled-back", at: "2026-12-05T09:00:44.000Z", because: "MEP-10 Redirects failed: http://kaliabeautystudio.com/ answered 302" });
        const verdictAt = html.indexOf('class="verdict bad"');
        assert.ok(verdictAt > 0 && verdictAt < html.indexOf('id="pages"'), "the verdict comes before the sections");
        assert.match(html, /Retour arrière le 2026-12-05 09:00:44 UTC : mise en production reportée/);
    });

    it("says live since the DNS switch when the cutover went through", () => {
        const record: Record<string, any> = { ...failedCutoverRecord(PNG), failedUpdate: undefined, rollback: undefined, incident: undefined, results: [] };
        const facts = factsFromJson(record, { generatedAt: "2026-12-05T10:00:00Z" });
        assert.deepEqual(verdictOf(facts, { rehearsal: false, timeline: record.timeline as any }), { kind: "live", since: "2026-12-05T09:00:30.000Z" });
        const { html } = pageOf(record, "en");
        assert.match(html, /Live since 2026-12-05 09:00:30 UTC/);
        assert.doesNotMatch(html, /id="incident"/);
        assert.doesNotMatch(html, /id="next"/);
    });

    it("is self-contained: no script, no stylesheet or font from elsewhere, every picture a data: URI", () => {
        const { html } = pageOf(failedCutoverRecord(PNG));
        assert.doesNotMatch(html, /<script/i);
        assert.doesNotMatch(html, /<link/i);
        assert.doesNotMatch(html, /url\(/);
        assert.doesNotMatch(html, /@import/);
        const sources = [...html.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]);
        assert.equal(sources.length, 3);
        assert.ok(sources.every((s) => s.startsWith("data:image/png;base64,")));
        assert.match(html, /<svg class="timeline"/);
    });

    it("escapes outside text (check reasons, probe details, evidence)", () => {
        const { html } = pageOf(failedCutoverRecord(PNG));
        assert.ok(!html.includes("<not permanent>") && html.includes("&lt;not permanent&gt;"));
        assert.ok(!html.includes("<script>alert(1)</script>"));
    });

    it("says why a picture is missing, and refuses a picture that is not an inline image", () => {
        const { html } = pageOf(failedCutoverRecord(undefined));
        assert.equal((html.match(/<img /g) ?? []).length, 0);
        assert.equal((html.match(/no Chromium on this machine/g) ?? []).length, 3);
        const record = failedCutoverRecord(PNG);
        (record.screenshots as any[])[0].image = "https://tracker.example/pixel.png";
        const other = pageOf(record).html;
        assert.doesNotMatch(other, /tracker\.example/);
        assert.match(other, /not an inline image/);
    });

    it("an after picture that is not the new site (a real cutover's after the way back) says what it shows, from the records, instead of 'through public DNS'", () => {
        const record = failedCutoverRecord(PNG);
        const shows = "after the way back (records back at 2026-12-05T09:00:44.000Z), through public DNS: visitors reach the old site";
        (record.screenshots as any[])[1].shows = shows;
        const { page, html } = pageOf(record, "en");
        assert.equal(page.shots[1].shows, shows);
        assert.ok(html.includes(shows));
    });

    it("shows the pages before and after side by side, and the page whose after picture is missing says so", () => {
        const { html } = pageOf(failedCutoverRecord(PNG));
        const tarifs = html.slice(html.indexOf(`<h3>https://www.${DOMAIN}/tarifs</h3>`));
        assert.match(tarifs.slice(0, tarifs.indexOf("</div></div>") + 12), /Après la bascule/);
        assert.match(tarifs, /Pas de capture/);
    });

    it("lists the checklist as the record has it, in the plan's order, French or English", () => {
        const { lines, html } = pageOf(failedCutoverRecord(PNG));
        const rows = [...html.matchAll(/<tr data-id="([^"]+)" data-status="([^"]+)">/g)].map((m) => ({ id: m[1], status: m[2] }));
        assert.deepEqual(rows, lines.map((l) => ({ id: l.id, status: l.status })));
        assert.equal(rows.length, 29);
        assert.match(html, /Forcer la Redirection/);
        const en = pageOf(failedCutoverRecord(PNG), "en").html;
        assert.match(en, /<html lang="en">/);
        assert.match(en, /Forced redirection/);
    });

    it("shows the scores before and after, the certificate, the incident (R-4) and what a new date needs (R-6)", () => {
        const { page, html } = pageOf(failedCutoverRecord(PNG), "en");
        assert.deepEqual(page.scores.map((s) => [s.url.replace(/.*\//, "/"), s.stage, s.score]), [["/", "pre-switch", 0.97], ["/tarifs", "pre-switch", 0.92], ["/", "after-switch", 0.95], ["/tarifs", "after-switch", 0.92]]);
        assert.equal(page.certificate?.issuer, "R11 (Let's Encrypt)");
        assert.equal(page.certificate?.expiresAt, "2027-03-05T09:00:00.000Z");
        assert.match(html, /Build Completed in \/vercel\/output/);
        assert.match(html, /4 failed requests of 1200/);
        assert.deepEqual(page.nextDate, { cause: "MEP-10", newRelease: false, stack: "prod" });
        assert.match(html, /<li>fix the cause: MEP-10 \(R-4, incident section\)<\/li><li><code>golive phase prepare --stack prod<\/code> again only if the release changes/);
        // In French, R-6's steps are French; the commands stay as typed.
        assert.match(pageOf(failedCutoverRecord(PNG), "fr").html, /<li>corriger la cause : MEP-10 \(R-4, section incident\)<\/li><li><code>golive phase prepare --stack prod<\/code> à nouveau seulement si la version change/);
    });

    it("MEP-13: each page's final screenshot beside its scores (the newest analysis that has one), or why none; no 'after' column when MEP-13 ran only before the switch", () => {
        const record = failedCutoverRecord(PNG);
        const results = record.results as Array<{ id: string; stage?: string; evidence: Record<string, any> }>;
        const pre = results.find((r) => r.id === "MEP-13" && r.stage === "pre-switch")!;
        pre.evidence.scores[0].finalScreenshot = PNG;
        pre.evidence.scores[1].finalScreenshotMissing = "the analysis has no final-screenshot audit";
        const { page, html } = pageOf(record, "en");
        assert.equal(page.scores[0].screenshot, PNG);
        const rows = html.slice(html.indexOf('id="scores"'), html.indexOf('id="cert"'));
        assert.match(rows, /<th scope="col">After the switch<\/th><th scope="col">As analysed<\/th>/);
        assert.match(rows, new RegExp(`<img class="thumb" src="${PNG.replace(/[+/]/g, "\\$&")}" alt="https://www\\.${DOMAIN.replace(".", "\\.")}/ as PageSpeed saw it \\(mobile\\) at the end of its analysis">`));
        assert.match(rows, /no picture: the analysis has no final-screenshot audit/);
        // A picture that is not an inline raster is never put in the page.
        pre.evidence.scores[0].finalScreenshot = "data:image/svg+xml;base64,PHN2Zz4=";
        assert.equal(pageOf(record).page.scores[0].screenshot, undefined);

        // Only before the switch (a real day: MEP-13 runs on the deployment at prepare): no column of "not measured", and the page says why.
        const before = failedCutoverRecord(PNG);
        before.results = (before.results as Array<{ id: string; stage?: string }>).filter((r) => r.id !== "MEP-13" || r.stage === "pre-switch");
        const once = pageOf(before, "fr").html;
        const section = once.slice(once.indexOf('id="scores"'), once.indexOf('id="cert"'));
        assert.doesNotMatch(section, /Après la bascule|non mesuré|Vue de l'analyse/);
        assert.match(section, /Mesurés avant la bascule, sur le déploiement de cette version/);
    });

    it("the header's tag is MEP-18's once created, never a tag only configured; the visitors' lane is said in the page's language", () => {
        const record = failedCutoverRecord(PNG);
        assert.equal(pageOf({ ...record, tag: { tag: "v1.0.0" } }).page.tag, null);
        assert.equal(pageOf({ ...record, tag: { tag: "v1.0.0", outcome: "created", commit: "a1b2" } }).page.tag, "v1.0.0");
        assert.equal(pageOf({ ...record, tag: { tag: "v1.0.0", outcome: "created", error: "push refused" } }).page.tag, null);
        const timeline = { ...(record.timeline as object), probesFrom: undefined, probesSource: { kind: "checks", hosts: [DOMAIN, `www.${DOMAIN}`] } };
        assert.match(pageOf({ ...record, timeline }, "fr").html, /les requêtes des vérifications elles-mêmes vers kaliabeautystudio\.com et www\.kaliabeautystudio\.com/);
        const prober = { ...timeline, probesSource: { kind: "prober", urls: [`https://www.${DOMAIN}/`], everyMs: 50 } };
        assert.match(pageOf({ ...record, timeline: prober }, "en").html, /the rehearsal&#39;s prober asks for https:\/\/www\.kaliabeautystudio\.com\/ every 50 ms/);
        // A page kept before: its English words as they were.
        assert.match(pageOf(record, "fr").html, /the rehearsal&#39;s prober: www and apex every 50 ms/);
    });

    it("R-6: a failure of the site needs a new release; none is asked when nothing failed", () => {
        const failed = { id: "MEP-11" as const, name: "Smoke test", status: "fail" as const, reason: "404", evidence: {}, durationMs: 1 };
        assert.match(nextDateNeeds({ stack: "prod", results: [failed], failedUpdate: { phase: "cutover", error: "MEP-11 failed" } })[1], /a new release: golive:releaseRef/);
        assert.deepEqual(nextDateNeeds({ stack: "prod", results: [failed] }), []);
    });

    it("draws one mark per check, the DNS switch and the way back; thins the probes but keeps every failure", () => {
        const { html } = pageOf(failedCutoverRecord(PNG));
        const svg = html.slice(html.indexOf("<svg"), html.indexOf("</svg>"));
        assert.equal((svg.match(/<circle /g) ?? []).length, 3);
        assert.equal((svg.match(/class="check-fail"/g) ?? []).length, 1);
        assert.equal((svg.match(/class="switch"/g) ?? []).length, 1);
        assert.equal((svg.match(/class="wayback"/g) ?? []).length, 1);
        const probes = Array.from({ length: 5000 }, (_, i) => ({ atMs: i, ms: i % 10, ok: i % 1000 !== 3 }));
        const thin = thinProbes(probes, 500);
        assert.ok(thin.length <= 510);
        assert.equal(thin.filter((p) => !p.ok).length, 5);
    });
});
