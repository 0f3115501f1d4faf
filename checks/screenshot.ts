// The key pages as a visitor sees them (issue 26): one headless Chromium screenshot per page, taken
// at a moment of the go-live (before the switch on the new host with the names pinned, after it
// through public DNS), kept as a data: URI so the go-live page (rendering/htmlReport) needs no file
// beside it. The browser is routed as the checks are (checks/chromium routingFlags) and ended with
// the run whatever happens; a page that could not be taken says why, never an invented picture.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { endSpawnedBrowser, findChromium, HEADLESS_FLAGS, newBrowserRun, routingFlags } from "./chromium";
import { describeError } from "./net";
import { describePins } from "./pins";
import type { NetOptions } from "./types";

/** When the picture was taken: on the new host before DNS moved, or through public DNS after. */
export type ShotStage = "pre-switch" | "after-switch";

export interface PageShot {
    url: string;
    stage: ShotStage;
    /** ISO time the browser was started for it. */
    takenAt: string;
    /** data:image/png;base64,… when it was taken. */
    image?: string;
    /** Why there is no picture, one line. */
    missing?: string;
    /** The pins the browser used ("www.x → 76.76.21.21"), before the switch. */
    pinned?: string;
    /** What the picture shows when it is not the new site through public DNS, from the records (after a way back: the old site). */
    shows?: string;
    width: number;
    height: number;
}

export interface ScreenshotOptions {
    chromePath?: string;
    /** Per page (default 30 000 ms): the browser is ended when it runs out. */
    timeoutMs?: number;
    width?: number;
    height?: number;
    /** Largest picture kept, in bytes (default 1 500 000): a bigger one is reported missing. */
    maxBytes?: number;
    now?: () => Date;
}

/** One page, one throwaway browser: resolves with the picture or the reason there is none; never throws. */
export async function screenshotPage(url: string, stage: ShotStage, net: NetOptions, opts: ScreenshotOptions = {}): Promise<PageShot> {
    const width = opts.width ?? 1280;
    const height = opts.height ?? 800;
    const takenAt = (opts.now ?? (() => new Date()))().toISOString();
    const pinned = net.pins && Object.keys(net.pins).length > 0 ? { pinned: describePins(net.pins) } : {};
    const base = { url, stage, takenAt, width, height, ...pinned };
    const chromePath = findChromium(opts.chromePath);
    if (!chromePath) return { ...base, missing: "no Chromium on this machine (apt-get install chromium, or set CHROME_PATH)" };
    let flags: string[];
    try {
        flags = await routingFlags([url], net);
    } catch (err) {
        return { ...base, missing: `cannot route the browser to ${new URL(url).hostname}: ${describeError(err)}` };
    }
    const run = newBrowserRun("golive-shot-");
    const file = path.join(run.dir, "page.png");
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const args = [...HEADLESS_FLAGS, ...flags, "--hide-scrollbars", `--window-size=${width},${height}`, `--user-data-dir=${run.profile}`, `--screenshot=${file}`, url];
    const outcome = await new Promise<{ image?: string; missing?: string }>((resolve) => {
        let settled = false;
        let timer: NodeJS.Timeout | undefined;
        const child = spawn(chromePath, args, { stdio: ["ignore", "ignore", "pipe"], detached: true, env: { ...process.env, TMPDIR: run.tmp } });
        let stderr = "";
        child.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2_000)));
        const finish = (what: { image?: string; missing?: string }) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            // Read before the run folder goes with the browser.
            void endSpawnedBrowser(child, run).then((leak) => resolve(leak && what.image ? { image: what.image } : leak ? { missing: `${what.missing ?? "no picture"}${leak}` } : what));
        };
        const read = (): { image?: string; missing?: string } => {
            try {
                const png = fs.readFileSync(file);
                if (png.length === 0) return { missing: "Chromium wrote an empty picture" };
                if (png.length > (opts.maxBytes ?? 1_500_000)) return { missing: `the picture is ${png.length} bytes, more than the ${opts.maxBytes ?? 1_500_000} kept` };
                return { image: `data:image/png;base64,${png.toString("base64")}` };
            } catch {
                const last = stderr.trim().split("\n").filter((l) => !/^\[\d+:\d+:/.test(l) || /ERROR/.test(l)).slice(-1)[0];
                return { missing: `Chromium wrote no picture of ${url}${last ? ` (${last.slice(0, 300)})` : ""}` };
            }
        };
        timer = setTimeout(() => finish({ missing: `no picture of ${url} within ${timeoutMs / 1000} s` }), timeoutMs);
        child.once("error", (err) => finish({ missing: `Chromium did not start: ${err.message}` }));
        child.once("close", () => finish(read()));
    });
    return { ...base, ...outcome };
}

/** The key pages one after the other (one browser at a time: the machine is shared). */
export async function screenshotPages(urls: string[], stage: ShotStage, net: NetOptions, opts: ScreenshotOptions = {}): Promise<PageShot[]> {
    const out: PageShot[] = [];
    for (const url of urls) out.push(await screenshotPage(url, stage, net, opts));
    return out;
}

/** A go-live's pictures (the rehearsal's and a guided cutover's): the page size and bound of both. */
export const KEY_PAGE_SHOTS: Readonly<ScreenshotOptions> = { timeoutMs: 30_000, width: 1024, height: 640 };

/**
 * The key pages before the switch, on the new host with the site's names pinned to it (as the
 * pre-switch checks see it), or after it through public DNS (no pins).
 */
export function shootKeyPages(urls: string[], stage: ShotStage, net: NetOptions, pins: Record<string, string> = {}): Promise<PageShot[]> {
    const { pins: _none, ...unpinned } = net;
    return screenshotPages(urls, stage, stage === "pre-switch" ? { ...unpinned, pins } : unpinned, KEY_PAGE_SHOTS);
}
