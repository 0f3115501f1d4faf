// The go-live page in a real browser (issue 26): one Chromium takes a key page's picture as the
// go-live does (checks/screenshot), the page is rendered with it and opened in one Chromium with one
// Lighthouse accessibility run. Without Chromium the tests are pending (failing under CI).
import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { buildChecklist, factsFromJson } from "../../program/report";
import { goLivePageOf } from "../../rendering/goLivePage";
import { renderHtmlReport } from "../../rendering/htmlReport";
import { screenshotPage } from "../../checks/screenshot";
import { failedCutoverRecord } from "../fixtures/goLiveRecord";
import { standInFinalScreenshot } from "../../replica/standInPicture";
import { openPageInBrowser, PageInBrowser } from "../helpers/pageInBrowser";
import { requireChromium } from "../helpers/prerequisites";

describe("rendering/htmlReport in headless Chromium (issue 26)", function () {
    this.timeout(240_000);
    let seen: PageInBrowser;
    let lines: ReturnType<typeof buildChecklist>;
    let shotMissing: string | undefined;

    before(async function () {
        requireChromium(this);
        // A key page served on loopback, photographed as the go-live photographs the site's.
        const site = http.createServer((_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end('<!doctype html><html lang="fr"><title>Kalia</title><body style="font-family:sans-serif;background:#fdf2f8"><h1>Kalia Beauty Studio</h1><p>Institut de beauté</p></body></html>'));
        await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
        let image: string | undefined;
        try {
            const shot = await screenshotPage(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`, "after-switch", {}, { width: 800, height: 500, timeoutMs: 60_000 });
            image = shot.image;
            shotMissing = shot.missing;
        } finally {
            await new Promise<void>((resolve) => site.close(() => resolve()));
        }
        const record = failedCutoverRecord(image);
        // MEP-13's final screenshot as PageSpeed answers it (the stand-in's PNG), beside the scores.
        const mep13 = (record.results as Array<{ id: string; stage?: string; evidence: Record<string, any> }>).find((r) => r.id === "MEP-13" && r.stage === "pre-switch")!;
        mep13.evidence.scores[0].finalScreenshot = standInFinalScreenshot("mobile");
        const facts = factsFromJson(record, { generatedAt: "2026-12-05T10:00:00Z" });
        lines = buildChecklist(facts);
        seen = await openPageInBrowser(renderHtmlReport(goLivePageOf(record, facts, lines), "fr"));
    });

    it("took the key page's picture with Chromium; MEP-13's final screenshot is on the page too", () => {
        assert.equal(shotMissing, undefined);
        assert.equal(seen.images.length, 4);
    });

    it("renders without console errors, failed requests or requests leaving the page", () => {
        assert.deepEqual(seen.consoleErrors, []);
        assert.deepEqual(seen.failedRequests, []);
        assert.deepEqual(seen.outsideRequests, []);
    });

    it("loads every image, each with a text alternative", () => {
        for (const img of seen.images) {
            assert.ok(img.complete && img.naturalWidth > 0, JSON.stringify(img));
            assert.ok(img.alt.length > 0);
        }
    });

    it("shows the checklist as the record has it, the verdict and the timeline", () => {
        assert.deepEqual(seen.rows, lines.map((l) => ({ id: l.id, status: l.status })));
        assert.match(seen.verdict, /^Retour arrière le 2026-12-05 09:00:44 UTC/);
        assert.equal(seen.timelines, 1);
    });

    it("fits a phone's width (390 px) without scrolling sideways", () => {
        assert.ok(seen.phoneOverflowPx <= 0, `${seen.phoneOverflowPx} px too wide`);
    });

    it("prints to PDF from the browser: A4 pages, nothing wider than the page", () => {
        assert.ok(seen.pdfPages >= 2, `${seen.pdfPages} PDF pages`);
        assert.ok(seen.printOverflowPx <= 0, `${seen.printOverflowPx} px wider than A4`);
    });

    it("scores at least 0.95 in Lighthouse's accessibility category", () => {
        assert.ok(seen.accessibility >= 0.95, `accessibility ${seen.accessibility}; failing: ${JSON.stringify(seen.failing)}`);
    });
});
