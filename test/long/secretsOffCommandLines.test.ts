// Issue 27: a rehearsal on the real engine, with the process list sampled all along (every
// /proc/<pid>/cmdline, as `ps` shows it to any user of the machine): no secret value on any
// command line, no secret key in a `config set-all`, and every process the engine starts (language
// host, dynamic providers, replica plugins) runs under GOLIVE_LOOPBACK_ONLY.
import { strict as assert } from "assert";
import { Worker } from "worker_threads";
import { findEngine, isEngine } from "../../operations/engine";
import { rehearse, type RehearsalReport } from "../../rehearsal/run";
import type { ServiceStandIns } from "../../rehearsal/services";

interface Seen {
    pid: number;
    ppid: number;
    cmdline: string[];
    /** GOLIVE_LOOPBACK_ONLY as the process's environment had it when first seen. */
    loopbackOnly?: string;
}

// The sampler's loop, in a worker thread: the rehearsal's own event loop neither slows it nor is slowed.
const SAMPLER = `
const { parentPort, workerData } = require("worker_threads");
const fs = require("fs");
const seen = new Map();
let samples = 0;
const once = () => {
    samples++;
    for (const pid of fs.readdirSync("/proc")) {
        if (!/^\\d+$/.test(pid)) continue;
        try {
            const cmdline = fs.readFileSync("/proc/" + pid + "/cmdline", "utf8").split("\\0").filter((a) => a !== "");
            if (cmdline.length === 0) continue;
            const key = pid + " " + cmdline.join(" "); // a pid reused by another command is another process
            if (seen.has(key)) continue;
            const ppid = Number((/^\\d+ \\(.*\\) \\S (\\d+)/s.exec(fs.readFileSync("/proc/" + pid + "/stat", "utf8")) || [])[1] || 0);
            let loopbackOnly;
            try {
                loopbackOnly = (/(?:^|\\0)GOLIVE_LOOPBACK_ONLY=([^\\0]*)/.exec(fs.readFileSync("/proc/" + pid + "/environ", "utf8")) || [])[1];
            } catch {}
            seen.set(key, { pid: Number(pid), ppid, cmdline, loopbackOnly });
        } catch {}
    }
};
const timer = setInterval(() => (samples >= workerData.maxSamples ? clearInterval(timer) : once()), workerData.everyMs);
parentPort.on("message", () => {
    clearInterval(timer);
    parentPort.postMessage({ samples, seen: [...seen.values()] });
});
`;

/** Samples every process's command line (and parent, and GOLIVE_LOOPBACK_ONLY) every `everyMs`, at most `maxSamples` times, until stop(). */
function sampleProcesses(everyMs = 20, maxSamples = 60_000): { stop(): Promise<{ samples: number; seen: Seen[] }> } {
    const worker = new Worker(SAMPLER, { eval: true, workerData: { everyMs, maxSamples } });
    return {
        stop: async () => {
            const done = new Promise<{ samples: number; seen: Seen[] }>((resolve) => worker.once("message", resolve));
            worker.postMessage("stop");
            const r = await done;
            await worker.terminate();
            return r;
        },
    };
}

/** The processes that descend from this one (through the processes sampled). */
function descendants(seen: Seen[]): Seen[] {
    const byPid = new Map<number, Seen[]>();
    for (const s of seen) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s]);
    const ours = (s: Seen, depth = 0): boolean => s.ppid === process.pid || (depth < 20 && (byPid.get(s.ppid) ?? []).some((p) => ours(p, depth + 1)));
    return seen.filter((s) => ours(s));
}

/** The secret values the rehearsal's stand-ins put in the stack config (each string field of each secret key). */
function secretValues(services: ServiceStandIns): string[] {
    const out: string[] = [];
    const walk = (v: unknown, key: string): void => {
        if (typeof v === "string") {
            try {
                const parsed = JSON.parse(v);
                if (parsed && typeof parsed === "object") return walk(parsed, key);
            } catch {
                // text
            }
            if (key === "private_key") out.push(...v.split("\n").filter((l) => l.length > 40)); // any line of the PEM body
            else if (/apiKey|password|private_key_id|webhookUrl/i.test(key) && v.length >= 8) out.push(v);
            return;
        }
        if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    for (const key of services.secretKeys) walk(services.config[key], key);
    return out;
}

describe("long: no secret on a command line during a rehearsal on the real engine (issue 27)", function () {
    this.timeout(900_000);

    it("samples the process list all along: no secret value, no secret key in config set-all; the engine's processes run loopback-only", async function () {
        const engine = findEngine();
        if (!isEngine(engine)) this.skip();
        let services: ServiceStandIns | undefined;
        const sampler = sampleProcesses();
        let report: RehearsalReport;
        let sampled: { samples: number; seen: Seen[] };
        const t0 = Date.now();
        try {
            report = await rehearse({ engine: "pulumi", fast: true, onServices: (s) => (services = s) });
        } finally {
            sampled = await sampler.stop();
        }
        assert.equal(report.engine.kind, "pulumi");
        assert.ok(services, "the stand-ins started");
        const values = secretValues(services);
        assert.ok(values.length >= 3, `the canaries: the PageSpeed key, the private key's lines, the IMAP password (${values.length})`);
        const all = sampled.seen;
        const ours = descendants(all);

        // 1. No secret value on any command line of the machine while the rehearsal ran.
        for (const p of all) for (const v of values) assert.ok(!p.cmdline.join(" ").includes(v), `a secret on a command line: ${p.cmdline.join(" ").slice(0, 300)}`);
        // 2. Ours: the webhook's secret path, a bearer token, or a secret key through set-all never appear.
        const secretKeys = [...services.secretKeys, "golive:envValues", "golive:notify", "vercel:apiToken"];
        for (const p of ours) {
            const line = p.cmdline.join(" ");
            assert.ok(!/\/services\/T0REHEARSE\/B0REHEARSE\/[0-9a-f]/.test(line) && !/Bearer /i.test(line), `a credential on a command line: ${line.slice(0, 300)}`);
            const json = p.cmdline.indexOf("--json");
            if (p.cmdline.includes("set-all") && json >= 0) {
                const keys = Object.keys(JSON.parse(p.cmdline[json + 1]) as Record<string, unknown>);
                assert.deepEqual(keys.filter((k) => secretKeys.includes(k)), [], `secret keys through set-all: ${keys.join(", ")}`);
            }
            // `config set --secret <key>` takes the value on stdin: nothing after the key but flags.
            const at = p.cmdline.indexOf("--secret");
            if (p.cmdline.includes("config") && at >= 0) assert.deepEqual(p.cmdline.slice(at + 1).filter((a) => !a.startsWith("--")).length, 1, line);
        }
        // The sampler saw what it had to see: the secrets being set, the engine's plugins at work.
        const secretSets = ours.filter((p) => p.cmdline.includes("config") && p.cmdline.includes("--secret"));
        assert.ok(secretSets.length >= 3, `config set --secret seen ${secretSets.length} times in ${sampled.samples} samples`);
        const engineProcesses = ours.filter((p) => /pulumi-language-nodejs|pulumi-resource-|dynamic-provider|replica\/plugins/.test(p.cmdline.join(" ")));
        assert.ok(engineProcesses.some((p) => /dynamic-provider|pulumi-resource-pulumi-nodejs/.test(p.cmdline.join(" "))), "a dynamic provider was seen");
        // 3. GOLIVE_LOOPBACK_ONLY reached every process the engine started.
        for (const p of engineProcesses) assert.equal(p.loopbackOnly, "1", `GOLIVE_LOOPBACK_ONLY missing in ${p.cmdline.join(" ").slice(0, 200)}`);
        console.log(`      rehearsal ${((Date.now() - t0) / 1000).toFixed(0)} s, ${sampled.samples} samples, ${all.length} processes seen (${ours.length} of this rehearsal, ${engineProcesses.length} engine processes, ${secretSets.length} secret sets)`);
    });
});
