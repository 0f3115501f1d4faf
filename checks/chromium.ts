// Headless Chromium for the checks that need a real browser (MEP-13 local Lighthouse, MEP-16
// visit): where it is, and the flags that make it see the site the way the checks do. With the
// rehearsal's NetOptions (replica DNS and ports), host names are mapped to the replica addresses
// and everything else resolves to nothing, so the browser never leaves loopback.
import type { ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isIP } from "net";
import { lookupAddress, loopbackOnly, pinOf, sleep } from "./net";
import { isLoopbackAddress } from "../shared/loopback";
import type { NetOptions } from "./types";

/** How long a run must show no process before it counts as ended. */
const QUIET_MS = 300;

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** The browser binary: the given path only, else $CHROME_PATH or Debian's chromium; undefined when absent. */
export function findChromium(binary?: string): string | undefined {
    const candidates = binary ? [binary] : [process.env.CHROME_PATH, DEFAULT_CHROMIUM, "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
    return candidates.find((p): p is string => typeof p === "string" && p !== "" && fs.existsSync(p));
}

/** Flags of a quiet, throwaway headless browser (the user-data-dir is chosen by the caller). */
export const HEADLESS_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
];

/**
 * Flags that route the browser like `net` routes the checks: every pinned name (NetOptions.pins)
 * goes to its pinned address, as the checks' connections do (the browser follows apex → www and
 * loads assets through them too); with net.dnsServers, each URL host is resolved there and every
 * other name fails. A rule carries a port only where the checks map one (httpPort/httpsPort, or
 * the URL's own). The extra CA cannot be handed to Chromium, so certificate errors are ignored
 * only in that case (the replica's own CA), never against the real site, pinned or not.
 */
export async function routingFlags(urls: string[], net: NetOptions): Promise<string[]> {
    const flags: string[] = [];
    const viaServers = !!net.dnsServers && net.dnsServers.length > 0;
    const pinned = Object.keys(net.pins ?? {});
    // GOLIVE_LOOPBACK_ONLY: the browser resolves nothing itself (its names are mapped by our lookup, or not found).
    const closed = viaServers || loopbackOnly();
    if (closed || pinned.length > 0) {
        const rules: string[] = [];
        const hosts = new Map<string, number | undefined>();
        const literals = new Set<string>();
        for (const raw of urls) {
            const u = new URL(raw);
            if (!closed && pinOf(net, u.hostname) === undefined) continue; // resolves as usual
            const literal = u.hostname.replace(/^\[|\]$/g, "");
            if (isIP(literal) !== 0) {
                // An address: nothing to resolve. Chromium's `MAP *` catches literals too, so a loopback
                // one is let through by name; any other stays not found under the closed rules.
                if (closed && isLoopbackAddress(literal)) literals.add(u.hostname);
                continue;
            }
            const port = u.port ? Number(u.port) : u.protocol === "https:" ? net.httpsPort : net.httpPort;
            hosts.set(u.hostname, port);
        }
        for (const name of pinned) if (!hosts.has(name)) hosts.set(name, net.httpsPort);
        for (const [host, port] of hosts) {
            const address = await lookupAddress(host, net);
            const at = isIP(address) === 6 ? `[${address}]` : address;
            rules.push(`MAP ${host} ${at}${port !== undefined ? `:${port}` : ""}`);
        }
        if (closed) rules.push("MAP * ~NOTFOUND", ...(viaServers ? [] : ["EXCLUDE localhost"]), ...[...literals].map((l) => `EXCLUDE ${l}`));
        flags.push(`--host-resolver-rules=${rules.join(", ")}`);
    }
    if (net.caPem) flags.push("--ignore-certificate-errors");
    return flags;
}

/**
 * Pids of the processes of one browser run: those started with `--user-data-dir=<profile>`
 * (browser, zygotes, renderers, utilities) and those whose environment has the run's TMPDIR (also a
 * browser still between fork and exec, whose command line is still its parent's, and the Node child
 * that launched it). Linux /proc; elsewhere none are found and endBrowserRun relies on the process
 * group chrome-launcher recorded.
 */
function processesOf(run: BrowserRun): number[] {
    const flag = `--user-data-dir=${run.profile}`;
    const tmpdir = `TMPDIR=${run.tmp}`;
    let entries: string[];
    try {
        entries = fs.readdirSync("/proc");
    } catch {
        return [];
    }
    const found: number[] = [];
    for (const e of entries) {
        if (!/^[0-9]+$/.test(e) || Number(e) === process.pid) continue;
        try {
            if (fs.readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0").includes(flag) || fs.readFileSync(`/proc/${e}/environ`, "utf8").split("\0").includes(tmpdir)) found.push(Number(e));
        } catch {
            // gone meanwhile, or not ours to read
        }
    }
    return found;
}

/** The folder of one throwaway browser run: its profile, and its TMPDIR (Chromium leaves org.chromium.* there when killed). */
export interface BrowserRun {
    dir: string;
    profile: string;
    tmp: string;
}

export function newBrowserRun(prefix: string): BrowserRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const run = { dir, profile: path.join(dir, "profile"), tmp: path.join(dir, "tmp") };
    fs.mkdirSync(run.profile);
    fs.mkdirSync(run.tmp);
    return run;
}

/**
 * Ends a throwaway browser and removes its run folder: SIGKILL to the process group
 * chrome-launcher recorded (chrome.pid) and to every process of the run, until none has been seen
 * for QUIET_MS (a launch that was under way when the run was stopped shows up late), within
 * `waitMs`; then the folder goes. Says what could not be ended or removed.
 */
export async function endBrowserRun(run: BrowserRun, waitMs = 5_000): Promise<{ processes: number[]; removed: boolean }> {
    const kill = (pid: number, group: boolean) => {
        try {
            process.kill(group ? -pid : pid, "SIGKILL");
        } catch {
            // already gone
        }
    };
    let recorded: number | undefined;
    try {
        recorded = Number(fs.readFileSync(path.join(run.profile, "chrome.pid"), "utf8").trim()) || undefined;
    } catch {
        // not launched through chrome-launcher, or not launched at all
    }
    // The recorded pid is killed only while it is still this run's browser (pids get reused).
    if (recorded !== undefined && processesOf(run).includes(recorded)) kill(recorded, true);
    const until = Date.now() + waitMs;
    let left = processesOf(run);
    let quietSince = left.length === 0 ? Date.now() : undefined;
    while (Date.now() < until && (quietSince === undefined || Date.now() - quietSince < QUIET_MS)) {
        for (const pid of left) kill(pid, false);
        await sleep(20);
        left = processesOf(run);
        if (left.length > 0) quietSince = undefined;
        else quietSince ??= Date.now();
    }
    try {
        fs.rmSync(run.dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
    } catch {
        // reported below
    }
    return { processes: left, removed: !fs.existsSync(run.dir) };
}

/**
 * Ends a browser started for `run` through `child` (spawned detached: its own process group) and
 * removes the run folder; resolves with what could not be ended, "" when everything went.
 */
export async function endSpawnedBrowser(child: ChildProcess, run: BrowserRun): Promise<string> {
    if (child.pid !== undefined) {
        try {
            process.kill(-child.pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    try {
        const left = await endBrowserRun(run);
        return left.processes.length > 0 || !left.removed ? ` (could not end Chromium: ${left.processes.length} process(es) left, profile ${left.removed ? "removed" : "left"})` : "";
    } catch (err) {
        return ` (could not end Chromium: ${(err as Error).message})`;
    }
}
