// Headless Chromium for the checks that need a real browser (MEP-13 local Lighthouse, MEP-16
// visit): where it is, and the flags that make it see the site the way the checks do. With the
// rehearsal's NetOptions (replica DNS and ports), host names are mapped to the replica addresses
// and everything else resolves to nothing, so the browser never leaves loopback.
import * as fs from "fs";
import { makeResolver } from "./net";
import type { NetOptions } from "./types";

export const DEFAULT_CHROMIUM = "/usr/bin/chromium";

/** The browser binary: the given path only, else $CHROME_PATH or Debian's chromium; undefined when absent. */
export function findChromium(path?: string): string | undefined {
    const candidates = path ? [path] : [process.env.CHROME_PATH, DEFAULT_CHROMIUM, "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
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
 * Flags that route the browser like `net` routes the checks: each URL host resolved on
 * net.dnsServers and mapped to that address and the mapped port; every other name fails. The
 * extra CA cannot be handed to Chromium, so certificate errors are ignored only in that case
 * (the replica's own CA), never against the real site.
 */
export async function routingFlags(urls: string[], net: NetOptions): Promise<string[]> {
    const flags: string[] = [];
    if (net.dnsServers && net.dnsServers.length > 0) {
        const resolver = makeResolver(net.dnsServers, Math.min(net.timeoutMs ?? 5_000, 5_000));
        const rules: string[] = [];
        const hosts = new Map<string, number>();
        for (const raw of urls) {
            const u = new URL(raw);
            const port = u.port ? Number(u.port) : u.protocol === "https:" ? net.httpsPort ?? 443 : net.httpPort ?? 80;
            hosts.set(u.hostname, port);
        }
        for (const [host, port] of hosts) {
            const [address] = await resolver.resolve4(host);
            rules.push(`MAP ${host} ${address}:${port}`);
        }
        rules.push("MAP * ~NOTFOUND");
        flags.push(`--host-resolver-rules=${rules.join(", ")}`);
    }
    if (net.caPem) flags.push("--ignore-certificate-errors");
    return flags;
}
