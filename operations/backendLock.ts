// The lock the engine itself takes on a stack during an update. On a self-managed file backend
// (file://) it is a file the engine writes under .pulumi/locks/ (pid, user, host, time: Pulumi's
// diy backend lockContent), which golive reads to say who holds the stack and whether that engine
// still runs; `pulumi cancel` (Stack.cancel) removes it. Other backends say it through the update
// history (an update "in-progress").
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { holderAlive } from "./runLock";

export interface BackendLock {
    pid?: number;
    user?: string;
    host?: string;
    /** ISO time the engine took it. */
    since?: string;
    file?: string;
    alive: boolean | "unknown";
}

/** The folder of a file:// backend URL ("file://~" is the home folder), or undefined for another backend. */
export function fileBackendRoot(url: string | undefined): string | undefined {
    if (!url || !url.startsWith("file://")) return undefined;
    const rest = decodeURIComponent(url.slice("file://".length).replace(/\?.*$/, ""));
    if (rest === "~" || rest.startsWith("~/")) return path.join(os.homedir(), rest.slice(1));
    return rest;
}

/** The lock files of `stack` of `project` under a file backend root (project-scoped and legacy layouts). */
export function lockFiles(root: string, project: string, stack: string): string[] {
    const base = path.join(root, ".pulumi", "locks");
    const dirs = [path.join(base, "organization", project, stack), path.join(base, stack)];
    let orgs: string[] = [];
    try {
        orgs = fs.readdirSync(base).filter((d) => d !== stack);
    } catch {
        return [];
    }
    for (const org of orgs) dirs.push(path.join(base, org, project, stack));
    const files = new Set<string>();
    for (const dir of dirs) {
        try {
            for (const n of fs.readdirSync(dir)) if (n.endsWith(".json")) files.add(path.join(dir, n));
        } catch {
            // no such folder
        }
    }
    return [...files];
}

/** The locks the engine holds on `stack`, with whether their engine still runs. */
export function readFileBackendLocks(root: string, project: string, stack: string, alive: typeof holderAlive = holderAlive): BackendLock[] {
    return lockFiles(root, project, stack).map((file) => {
        try {
            const c = JSON.parse(fs.readFileSync(file, "utf8")) as { pid?: number; username?: string; hostname?: string; timestamp?: string };
            const since = c.timestamp ? new Date(c.timestamp).toISOString() : undefined;
            const known = typeof c.pid === "number" && c.hostname && since;
            return {
                ...(typeof c.pid === "number" ? { pid: c.pid } : {}),
                ...(c.username ? { user: c.username } : {}),
                ...(c.hostname ? { host: c.hostname } : {}),
                ...(since ? { since } : {}),
                file,
                alive: known ? alive({ pid: c.pid!, host: c.hostname!, startedAt: since! }) : "unknown",
            };
        } catch {
            return { file, alive: "unknown" as const };
        }
    });
}

export function describeBackendLock(l: BackendLock): string {
    return `pulumi${l.pid ? ` pid ${l.pid}` : ""}${l.host ? ` on ${l.host}` : ""}${l.user ? `, user ${l.user}` : ""}${l.since ? `, since ${l.since}` : ""}${l.alive === false ? " — no longer running" : ""}`;
}
