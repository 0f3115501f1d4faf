// A guided command reads the same stack several times (the gates, the look at the site before and
// after, the page, the record), and each read is a CLI run (0.1-0.6 s, most of it deriving the
// passphrase key). Here each read is made once per change of what it reads: on a self-managed
// backend (file://), the stack's checkpoint and its history folder for the outputs, the history
// and the state; the stack file and Pulumi.yaml for the config. A stamp of those files (inode,
// size, mtime in ns) keys the answer, so a change by any process (an `up` of ours, a refresh, a
// plain `pulumi` beside us) is seen at the next read. Any other backend, or a stamp that cannot
// be taken, reads every time.
import * as fs from "fs";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { fileBackendRoot } from "./backendLock";

interface Memo {
    backendUrl?: Promise<string | undefined>;
    reads: Map<string, { stamp: string; value: Promise<unknown> }>;
}

const memos = new WeakMap<Stack, Memo>();

function memoOf(stack: Stack): Memo {
    let m = memos.get(stack);
    if (!m) memos.set(stack, (m = { reads: new Map() }));
    return m;
}

/** The backend's URL (`pulumi whoami`), asked once per opened stack; undefined when it cannot be told. */
export function backendUrlOf(stack: Stack): Promise<string | undefined> {
    const m = memoOf(stack);
    m.backendUrl ??= stack.workspace.whoAmI().then(
        (w) => w.url,
        () => undefined,
    );
    return m.backendUrl;
}

function statStamp(file: string): string {
    try {
        const s = fs.statSync(file, { bigint: true });
        return `${s.ino}:${s.size}:${s.mtimeNs}`;
    } catch {
        return "-";
    }
}

/** The files of a file backend that hold `stack` of `project` (project-scoped and legacy layouts). */
export function checkpointFiles(root: string, project: string, stack: string): string[] {
    const dot = path.join(root, ".pulumi");
    const scoped = [path.join(dot, "stacks", "organization", project), path.join(dot, "stacks", project), path.join(dot, "stacks")];
    const history = [path.join(dot, "history", "organization", project, stack), path.join(dot, "history", project, stack), path.join(dot, "history", stack)];
    return [...scoped.flatMap((d) => [`${stack}.json`, `${stack}.json.gz`].map((f) => path.join(d, f))), ...history];
}

/** The stamp of what the state, outputs and history are read from; undefined when it cannot be taken. */
async function stateStamp(stack: Stack): Promise<string | undefined> {
    const root = fileBackendRoot(await backendUrlOf(stack));
    if (!root) return undefined;
    const project = (await stack.workspace.projectSettings()).name;
    const stamps = checkpointFiles(root, project, stack.name).map(statStamp);
    // No checkpoint found where a file backend keeps it: a layout this does not know, so no stamp.
    return stamps.slice(0, 6).every((s) => s === "-") ? undefined : stamps.join("|");
}

/** The stamp of what the config is read from: the stack file and the project file. */
async function configStamp(stack: Stack): Promise<string | undefined> {
    const dir = stack.workspace.workDir;
    if (!dir) return undefined;
    const file = path.join(dir, `Pulumi.${stack.name}.yaml`);
    return fs.existsSync(file) ? [file, path.join(dir, "Pulumi.yaml")].map(statStamp).join("|") : undefined;
}

async function once<T>(stack: Stack, key: string, stampOf: (s: Stack) => Promise<string | undefined>, read: () => Promise<T>): Promise<T> {
    const stamp = await stampOf(stack).catch(() => undefined);
    if (stamp === undefined) return read();
    const m = memoOf(stack);
    const held = m.reads.get(key);
    if (held && held.stamp === stamp) return held.value as Promise<T>;
    const value = read();
    m.reads.set(key, { stamp, value });
    // A failed read is not kept: the next one asks again.
    value.catch(() => m.reads.get(key)?.value === value && m.reads.delete(key));
    return value;
}

/** A read of the stack's state, outputs or history, made once per change of the checkpoint. */
export function readOfState<T>(stack: Stack, key: string, read: () => Promise<T>): Promise<T> {
    return once(stack, `state:${key}`, stateStamp, read);
}

/** A read of the stack's config, made once per change of the stack file or Pulumi.yaml. */
export function readOfConfig<T>(stack: Stack, key: string, read: () => Promise<T>): Promise<T> {
    return once(stack, `config:${key}`, configStamp, read);
}

/** Keeps `value` as the answer of `key` for the checkpoint as it is now (what an `up` just returned). */
export async function keepStateRead<T>(stack: Stack, key: string, value: T): Promise<void> {
    const stamp = await stateStamp(stack).catch(() => undefined);
    if (stamp !== undefined) memoOf(stack).reads.set(`state:${key}`, { stamp, value: Promise.resolve(value) });
}
