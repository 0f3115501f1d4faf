// The prober's own process (started by rehearsal/prober.ts): it requests each URL every 50 ms as a
// visitor's browser would (the replica's DNS, certificates checked against the trusted roots plus
// the replica's CA, names covered) and sends every probe to its parent over IPC. It loads only the
// network module (checks/net.ts and axios), never the Pulumi SDK.
//
// It ends whatever happens to its parent: when the IPC channel closes (the parent exited or was
// killed), when the parent is no longer its parent, at its probing cap, and at its life cap.
import { describeError, httpRequest, sleep } from "../checks/net";
import type { NetOptions } from "../checks/types";
import type { FromProber, ProbeSettings, ToProber } from "./prober";
import { StallWatch } from "./stallWatch";

export interface ProbeOutcome {
    ok: boolean;
    status?: number;
    /** Who answered (`x-served-by`), or the error. */
    detail: string;
    /** No answer in time: the request, or the DNS query, timed out. */
    timedOut: boolean;
}

/** One visit: follow up to `maxHops` redirects; OK when the last answer is < 400. */
export async function probeOnce(url: string, net: NetOptions, timeoutMs: number, maxHops: number): Promise<ProbeOutcome> {
    let current = url;
    try {
        for (let hop = 0; hop <= maxHops; hop++) {
            const res = await httpRequest(current, net, { timeoutMs, maxBodyBytes: 200_000 });
            const by = res.headers["x-served-by"] ?? "?";
            const vercelError = res.headers["x-vercel-error"];
            if (res.status >= 300 && res.status < 400 && res.location) {
                if (hop === maxHops) return { ok: false, status: res.status, detail: `more than ${maxHops} redirects (last ${current} → ${res.location})`, timedOut: false };
                current = res.location;
                continue;
            }
            if (res.status >= 400) return { ok: false, status: res.status, detail: `${res.status}${vercelError ? ` ${vercelError}` : ""} from ${by} for ${current}`, timedOut: false };
            return { ok: true, status: res.status, detail: by, timedOut: false };
        }
    } catch (err) {
        // httpRequest's own deadline (ETIMEDOUT) or DNS servers that never answered (ETIMEOUT, see
        // checks/net lookupError); NXDOMAIN, refusals and certificate errors are answers.
        const code = (err as { code?: unknown }).code;
        return { ok: false, detail: `${current}: ${describeError(err)}`, timedOut: code === "ETIMEDOUT" || code === "ETIMEOUT" };
    }
    return { ok: false, detail: "unreachable", timedOut: false };
}

function main(): void {
    const lifeMs = Number(process.argv[2]);
    const parentPid = process.ppid;
    const exit = (code: number) => process.exit(code);
    // The hard cap on this process's life, whatever the parent does (it is also the parent's bound).
    setTimeout(() => exit(3), Number.isFinite(lifeMs) && lifeMs > 0 ? lifeMs : 10 * 60_000).unref();
    // The parent is gone (exited, killed, crashed): its end of the IPC channel closed.
    process.on("disconnect", () => exit(0));
    // Belt and braces: reparented means the parent is gone, whatever became of the channel.
    setInterval(() => {
        if (!process.connected || process.ppid !== parentPid) exit(0);
    }, 500).unref();

    const send = (m: FromProber, then?: () => void) => {
        if (!process.connected || !process.send) return then?.();
        process.send(m, undefined, {}, () => then?.());
    };
    const stalls = new StallWatch();
    let settings: ProbeSettings | undefined;
    let running = false;
    let finishing = false;
    let loops: Promise<void>[] = [];
    let capTimer: NodeJS.Timeout | undefined;

    const loop = async (s: ProbeSettings, url: string) => {
        while (running) {
            const sent = Date.now();
            const r = await probeOnce(url, s.net, s.timeoutMs, s.maxHops);
            const ended = Date.now();
            send({ t: "sample", url, sent, ended, ok: r.ok, ...(r.status !== undefined ? { status: r.status } : {}), detail: r.detail, timedOut: r.timedOut, proberStalledMs: r.timedOut ? stalls.stalledMs(sent, ended) : 0 });
            await sleep(s.intervalMs - (Date.now() - sent));
        }
    };
    const finish = async (capped: boolean) => {
        if (finishing) return;
        finishing = true;
        running = false;
        if (capTimer) clearTimeout(capTimer);
        await Promise.all(loops);
        stalls.stop();
        send({ t: "done", capped, eventLoopMaxMs: stalls.maxMs }, () => exit(0));
    };
    process.on("message", (m: ToProber) => {
        if (m.t === "start" && !settings && !finishing) {
            const s = (settings = m.settings);
            stalls.start();
            running = true;
            loops = s.urls.map((url) => loop(s, url));
            capTimer = setTimeout(() => void finish(true), s.maxDurationMs);
            send({ t: "ready" });
        } else if (m.t === "stop") {
            void finish(false);
        }
    });
}

if (require.main === module) main();
