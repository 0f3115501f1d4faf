// A page opened in one headless Chromium (issue 26's go-live page): what a reader's browser sees
// (console errors, requests that failed or left the page, images loaded, the checklist's rows, the
// width on a phone, the PDF it prints to) and one Lighthouse accessibility run on the same browser. Lighthouse and
// puppeteer-core (Lighthouse's own dependency) are ES modules: they run in a child Node process in
// its own process group, ended with its browser and profile however the run ends (checks/chromium).
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import { endSpawnedBrowser, findChromium, HEADLESS_FLAGS, newBrowserRun } from "../../checks/chromium";

export interface PageInBrowser {
    consoleErrors: string[];
    failedRequests: string[];
    /** Requests to anything but the page itself (data: URIs are not requests). */
    outsideRequests: string[];
    images: Array<{ complete: boolean; naturalWidth: number; alt: string }>;
    rows: Array<{ id: string; status: string }>;
    verdict: string;
    timelines: number;
    /** document width beyond the viewport at 390 px (a phone): 0 when nothing scrolls sideways. */
    phoneOverflowPx: number;
    /** The same under print styles at A4's width. */
    printOverflowPx: number;
    /** Pages of the PDF Chromium prints it to (A4). */
    pdfPages: number;
    accessibility: number;
    /** Accessibility audits that did not pass: id → title. */
    failing: Record<string, string>;
}

const SCRIPT = `
const a = JSON.parse(process.env.GOLIVE_PAGE_IN_BROWSER);
const { default: lighthouse } = await import("lighthouse");
const chromeLauncher = await import("chrome-launcher");
const { default: puppeteer } = await import("puppeteer-core");
const chrome = await chromeLauncher.launch({ chromePath: a.chromePath, chromeFlags: a.flags, userDataDir: a.userDataDir, logLevel: "silent" });
try {
  const browser = await puppeteer.connect({ browserURL: "http://127.0.0.1:" + chrome.port, defaultViewport: { width: 1200, height: 900 } });
  const page = await browser.newPage();
  const consoleErrors = [], failedRequests = [], outsideRequests = [];
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("requestfailed", (r) => failedRequests.push(r.url().slice(0, 120)));
  page.on("request", (r) => { const u = r.url(); if (!u.startsWith("data:") && u !== a.url) outsideRequests.push(u.slice(0, 120)); });
  await page.goto(a.url, { waitUntil: "load", timeout: 30000 });
  const seen = await page.evaluate(() => ({
    images: [...document.images].map((i) => ({ complete: i.complete, naturalWidth: i.naturalWidth, alt: i.alt })),
    rows: [...document.querySelectorAll("tr[data-id]")].map((r) => ({ id: r.dataset.id, status: r.dataset.status })),
    verdict: (document.querySelector(".verdict-head") || {}).textContent || "",
    timelines: document.querySelectorAll("svg.timeline").length,
  }));
  await page.setViewport({ width: 390, height: 844 });
  const phoneOverflowPx = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  // Printed to PDF from the browser, on A4 (794 px wide at 96 dpi): what the print styles make of it.
  await page.setViewport({ width: 794, height: 1123 });
  await page.emulateMediaType("print");
  const printOverflowPx = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  const pdf = Buffer.from(await page.pdf({ format: "A4", printBackground: true, timeout: 30000 }));
  const pdfPages = (pdf.toString("latin1").match(/\\/Type\\s*\\/Page[^s]/g) || []).length;
  await page.close();
  await browser.disconnect();
  const r = await lighthouse(a.url, { port: chrome.port, output: "json", onlyCategories: ["accessibility"], logLevel: "error" });
  const lhr = r.lhr;
  const failing = {};
  for (const ref of lhr.categories.accessibility.auditRefs) {
    const audit = lhr.audits[ref.id];
    if (audit && audit.score !== null && audit.score < 1 && ref.weight > 0) failing[ref.id] = audit.title;
  }
  process.stdout.write(JSON.stringify({ ...seen, consoleErrors, failedRequests, outsideRequests, phoneOverflowPx, printOverflowPx, pdfPages, accessibility: lhr.categories.accessibility.score, failing, runtimeError: lhr.runtimeError && lhr.runtimeError.message }));
} finally {
  await chrome.kill();
}
`;

/** Serves `html` on loopback and opens it in one Chromium, then one Lighthouse run; within `timeoutMs`. */
export async function openPageInBrowser(html: string, timeoutMs = 150_000): Promise<PageInBrowser> {
    const chromePath = findChromium();
    if (!chromePath) throw new Error("no Chromium (apt-get install chromium)");
    const server = http.createServer((req, res) => {
        if (req.url !== "/report.html") return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/report.html`;
    const run = newBrowserRun("golive-page-test-");
    try {
        return await new Promise<PageInBrowser>((resolve, reject) => {
            let settled = false;
            let timer: NodeJS.Timeout | undefined;
            const child = spawn(process.execPath, ["--input-type=module", "-e", SCRIPT], {
                env: { ...process.env, TMPDIR: run.tmp, GOLIVE_PAGE_IN_BROWSER: JSON.stringify({ url, chromePath, flags: HEADLESS_FLAGS, userDataDir: run.profile }) },
                stdio: ["ignore", "pipe", "pipe"],
                detached: true,
            });
            let stdout = "";
            let stderr = "";
            const finish = (err: Error | undefined, out?: PageInBrowser) => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                void endSpawnedBrowser(child, run).then((leak) => (err ? reject(new Error(`${err.message}${leak}`)) : leak ? reject(new Error(`the page was opened${leak}`)) : resolve(out!)));
            };
            child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
            child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4_000)));
            timer = setTimeout(() => finish(new Error(`the page was not opened and audited within ${timeoutMs / 1000} s`)), timeoutMs);
            child.once("error", (err) => finish(err));
            child.once("close", (code) => {
                try {
                    const out = JSON.parse(stdout) as PageInBrowser & { runtimeError?: string };
                    if (out.runtimeError) return finish(new Error(`Lighthouse: ${out.runtimeError}`));
                    finish(undefined, out);
                } catch {
                    finish(new Error(`the browser run exited ${code}: ${stderr.trim().split("\n").slice(-5).join(" ").slice(0, 600)}`));
                }
            });
        });
    } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }
}
