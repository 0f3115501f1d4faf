// Where the real Pulumi engine is on this machine: a `pulumi` v3.248.x on PATH (the official
// installer), or the one `npm run engine` builds into its cache folder. The engine tier of the
// tests, the rehearsal and the golive commands all find it here, so they agree on which one runs.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The version @pulumi/pulumi is pinned to; the engine must match its minor version. */
export const ENGINE_VERSION = "v3.248.0";
const COMPATIBLE = /^v3\.248\.\d+$/;
export const ENGINE_BUILD_COMMAND = "npm run engine";

export interface Engine {
    /** Folder holding pulumi, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs. */
    binDir: string;
    version: string;
    source: "PATH" | "cache";
}

/** The cache folder `npm run engine` builds into (scripts/engine.sh uses the same rule). */
export function engineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    if (env.GOLIVE_ENGINE_DIR) return env.GOLIVE_ENGINE_DIR;
    const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache");
    return path.join(cache, "golive-engine", ENGINE_VERSION);
}

/** `<bin> version`, asked once per binary in this process (the same path, size and mtime). */
function versionOf(bin: string): string | undefined {
    let stamp: string;
    try {
        const s = fs.statSync(bin);
        stamp = `${bin}:${s.size}:${s.mtimeMs}`;
    } catch {
        return undefined;
    }
    if (!versions.has(stamp)) versions.set(stamp, askVersion(bin));
    return versions.get(stamp);
}
const versions = new Map<string, string | undefined>();

function askVersion(bin: string): string | undefined {
    const r = spawnSync(bin, ["version"], { encoding: "utf8", timeout: 15_000, stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, name);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/**
 * The engine to use, or why there is none (with the command that provides one). A pulumi on PATH
 * of another version is not used: the Automation API and the SDK expect 3.248.
 */
export function findEngine(env: NodeJS.ProcessEnv = process.env): Engine | { missing: string } {
    const ambient = onPath("pulumi", env);
    let seen = "";
    if (ambient) {
        const version = versionOf(ambient);
        const dir = path.dirname(ambient);
        if (version && COMPATIBLE.test(version) && onPath("pulumi-language-nodejs", { PATH: dir }) ) return { binDir: dir, version, source: "PATH" };
        seen = ` (pulumi on PATH is ${version ?? "unusable"}, not ${ENGINE_VERSION})`;
    }
    const binDir = path.join(engineCacheDir(env), "bin");
    const cached = path.join(binDir, "pulumi");
    const complete = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"].every((b) => fs.existsSync(path.join(binDir, b)));
    if (complete) {
        const version = versionOf(cached);
        if (version && COMPATIBLE.test(version)) return { binDir, version, source: "cache" };
        seen += ` (${cached} is ${version ?? "unusable"})`;
    }
    return { missing: `the Pulumi engine ${ENGINE_VERSION} is not installed${seen}: run \`${ENGINE_BUILD_COMMAND}\` (or install the Pulumi CLI ${ENGINE_VERSION})` };
}

export function isEngine(x: Engine | { missing: string }): x is Engine {
    return (x as Engine).binDir !== undefined;
}
