// `npm run bench:hostile`: time to verdict of each check against hostile servers on loopback
// (test/fixtures/hostileServers), next to the bound configured for the run, and what an endless
// IMAP line costs in memory. These are correctness bounds (issue 9): the verdict must come within
// the bound plus scheduling slack, whatever the server does. Writes bench/hostile-results.json.
import * as http from "http";
import { AddressInfo } from "net";
import { writeFileSync } from "fs";
import * as path from "path";
import { checkContactForm } from "../checks/contactForm";
import { checkPerformance } from "../checks/performance";
import { checkSearchConsole } from "../checks/searchConsole";
import { checkAnalytics } from "../checks/analytics";
import { describeError, httpRequest } from "../checks/net";
import { findChromium } from "../checks/chromium";
import { GoogleFakes } from "../replica/googleFakes";
import { startWorld } from "../replica/world";
import { HostileServer, httpHead, IMAP_GREETING, startHostileImap, startHostileServer } from "../test/fixtures/hostileServers";

interface Row {
    check: string;
    server: string;
    boundMs: number;
    verdictMs: number;
    withinBound: boolean;
    verdict: string;
    extra?: Record<string, unknown>;
}

const SLACK_MS = 1_000;
const rows: Row[] = [];

async function measure(check: string, server: string, boundMs: number, run: () => Promise<{ status?: string; reason: string }>, extra?: () => Record<string, unknown>): Promise<void> {
    const started = Date.now();
    const r = await run();
    const verdictMs = Date.now() - started;
    const row: Row = { check, server, boundMs, verdictMs, withinBound: verdictMs <= boundMs + SLACK_MS, verdict: `${r.status ? `${r.status}: ` : ""}${r.reason}`.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<port>").slice(0, 220), ...(extra ? { extra: extra() } : {}) };
    rows.push(row);
    console.log(`${row.withinBound ? "ok  " : "OVER"} ${check.padEnd(18)} ${server.padEnd(44)} ${String(verdictMs).padStart(5)} ms / bound ${boundMs} ms`);
}

async function withServer<T>(start: () => Promise<HostileServer>, fn: (s: HostileServer) => Promise<T>): Promise<T> {
    const s = await start();
    try {
        return await fn(s);
    } finally {
        await s.close();
    }
}

/** Samples this process's RSS every 10 ms while `fn` runs: the peak, in MB above the start. */
async function peakRssDelta<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
    const base = process.memoryUsage().rss;
    let peak = base;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
        const value = await fn();
        peak = Math.max(peak, process.memoryUsage().rss);
        return { value, peakMb: Math.round((peak - base) / 1024 / 1024) };
    } finally {
        clearInterval(timer);
    }
}

async function main(): Promise<void> {
    // The site's form answers at once: MEP-12's time is the mailbox's.
    const form = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => res.writeHead(303, { location: "/contact?ok=1" }).end());
    });
    await new Promise<void>((r) => form.listen(0, "127.0.0.1", r));
    const pageUrl = `http://127.0.0.1:${(form.address() as AddressInfo).port}/contact`;
    const mep12 = (s: HostileServer, secure = false) =>
        checkContactForm({ pageUrl, imap: { host: s.host, port: s.port, secure, user: "contact@example.com", password: "pw" }, deliveryTimeoutMs: 2_000, pollMs: 200 }, { timeoutMs: 2_000, attempts: 1 });

    const imapCases: [string, () => Promise<HostileServer>, boolean][] = [
        ["greets, then silence", () => startHostileServer("silence", { prefix: IMAP_GREETING }), false],
        ["accepts, never greets", () => startHostileServer("silence"), false],
        ["trickles the greeting (50 ms/byte)", () => startHostileServer("trickle", { prefix: "* OK", trickleText: " still here", intervalMs: 50 }), false],
        ["trickles its LOGIN answer", () => startHostileImap("trickle", "LOGIN", { trickleText: "* OK wait\r\n", intervalMs: 50 }), false],
        ["silent after SELECT", () => startHostileImap("silence", "SELECT"), false],
        ["trickles its SEARCH answer", () => startHostileImap("trickle", "UID SEARCH", { trickleText: "* OK searching\r\n", intervalMs: 50 }), false],
        ["silent after STORE (delete)", () => startHostileImap("silence", "UID STORE", { found: true }), false],
        ["stalls the TLS handshake", () => startHostileServer("stalled-handshake"), true],
    ];
    for (const [name, start, secure] of imapCases) await withServer(start, (s) => measure("MEP-12 IMAP", name, 2_000, () => mep12(s, secure)));
    await withServer(
        () => startHostileServer("endless-line", { prefix: IMAP_GREETING }),
        async (s) => {
            let peakMb = 0;
            let received = 0;
            await measure(
                "MEP-12 IMAP",
                "one endless line",
                2_000,
                async () => {
                    const { value, peakMb: p } = await peakRssDelta(() => mep12(s));
                    peakMb = p;
                    received = (value.evidence as { mail?: { receivedBytes?: number } }).mail?.receivedBytes ?? 0;
                    return value;
                },
                () => ({ peakRssDeltaMb: peakMb, receivedBytes: received, serverSentBytes: s.bytesSent }),
            );
        },
    );
    await withServer(
        () => startHostileServer("flood", { prefix: IMAP_GREETING, unit: `* OK ${"x".repeat(4_000)}\r\n` }),
        async (s) => {
            let received = 0;
            await measure("MEP-12 IMAP", "flood of 4 KB lines", 2_000, async () => {
                const r = await mep12(s);
                received = (r.evidence as { mail?: { receivedBytes?: number } }).mail?.receivedBytes ?? 0;
                return r;
            }, () => ({ receivedBytes: received }));
        },
    );
    form.close();

    // HTTP: one request, 1 s timeout.
    for (const [name, behaviour] of [["silent", "silence"], ["trickles its body", "trickle"], ["endless body", "endless-line"]] as const) {
        await withServer(
            () => startHostileServer(behaviour, { prefix: httpHead(), after: "request", intervalMs: 50 }),
            (s) => measure("checks/net request", name, 1_000, () => httpRequest(`${s.url}/`, { timeoutMs: 1_000 }).then((r) => ({ reason: `answered ${r.status}` }), (e) => ({ reason: describeError(e) }))),
        );
    }
    await withServer(
        () => startHostileServer("stalled-handshake"),
        (s) => measure("checks/net request", "stalls the TLS handshake", 1_000, () => httpRequest(`https://127.0.0.1:${s.port}/`, { timeoutMs: 1_000 }).then((r) => ({ reason: `answered ${r.status}` }), (e) => ({ reason: describeError(e) }))),
    );

    // Google services: the check's one deadline, 2 s.
    const fakes = await GoogleFakes.start();
    const world = await startWorld();
    try {
        const account = fakes.serviceAccount();
        fakes.state.owners["https://www.kaliabeautystudio.com/"] = [account.email];
        const net = { timeoutMs: 2_000, attempts: 2 };
        for (const [name, behaviour] of [["PSI silent", "silence"], ["PSI trickles", "trickle"]] as const) {
            await withServer(
                () => startHostileServer(behaviour, { prefix: httpHead(), after: "request", trickleText: "{", intervalMs: 100 }),
                (s) => measure("MEP-13 PageSpeed", name, 2_000, () => checkPerformance({ urls: ["https://www.kaliabeautystudio.com/"], apiKey: "bench-key", apiBaseUrl: s.url, mode: "api", timeoutMs: 2_000 }, net)),
            );
        }
        if (findChromium()) {
            await withServer(
                () => startHostileServer("silence"),
                (psi) =>
                    withServer(
                        () => startHostileServer("silence"),
                        (site) =>
                            measure("MEP-13 PageSpeed", "PSI silent, then local Lighthouse on a silent page", 5_000, () =>
                                checkPerformance({ urls: [`${site.url}/`], mode: "auto", apiKey: "bench-key", apiBaseUrl: psi.url, apiTimeoutMs: 1_000, retry: { attempts: 1 }, localRuns: 3, timeoutMs: 5_000 }, { attempts: 1 }),
                            ),
                    ),
            );
        }
        const sc = { siteUrl: "https://www.kaliabeautystudio.com/", sitemapUrl: "https://www.kaliabeautystudio.com/sitemap.xml", serviceAccountKey: account.keyJson, apiBaseUrl: fakes.baseUrl, retry: { baseMs: 20, maxMs: 50 }, timeoutMs: 2_000 };
        for (const [name, behaviour, at] of [["token endpoint silent", "silence", "token"], ["token endpoint trickles", "trickle", "token"], ["API silent", "silence", "api"], ["API trickles", "trickle", "api"]] as const) {
            await withServer(
                () => startHostileServer(behaviour, { prefix: httpHead(), after: "request", trickleText: "{ ", intervalMs: 100 }),
                (s) => measure("MEP-15 Search Console", name, 2_000, () => checkSearchConsole({ ...sc, ...(at === "token" ? { tokenUrl: `${s.url}/token` } : { apiBaseUrl: s.url }) }, net)),
            );
        }
        world.newSite.spec.measurementId = "G-KALIA2024";
        fakes.state.analyticsReaders = { "412345678": [account.email] };
        const ga = { urls: [`https://www.${world.domain}/`], measurementId: "G-KALIA2024", propertyId: "412345678", serviceAccountKey: account.keyJson, apiBaseUrl: fakes.baseUrl, realtimeWaitMs: 1_000, realtimePollMs: 200, visit: "none" as const, timeoutMs: 2_000 };
        for (const [name, behaviour, at] of [["realtime report silent", "silence", "api"], ["realtime report trickles", "trickle", "api"], ["token endpoint silent", "silence", "token"]] as const) {
            await withServer(
                () => startHostileServer(behaviour, { prefix: httpHead(), after: "request", trickleText: "{ ", intervalMs: 100 }),
                (s) => measure("MEP-16 Analytics", name, 2_000, () => checkAnalytics({ ...ga, ...(at === "token" ? { tokenUrl: `${s.url}/token` } : { apiBaseUrl: s.url }) }, world.net)),
            );
        }
    } finally {
        await Promise.all([fakes.close(), world.close()]);
    }

    const out = path.join(__dirname, "hostile-results.json");
    const over = rows.filter((r) => !r.withinBound);
    writeFileSync(out, JSON.stringify({ generatedAt: new Date().toISOString(), slackMs: SLACK_MS, node: process.version, rows }, null, 2) + "\n");
    console.log(`${rows.length} cases, ${over.length} over bound + ${SLACK_MS} ms; written to ${path.relative(process.cwd(), out)}`);
    if (over.length > 0) process.exitCode = 1;
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
