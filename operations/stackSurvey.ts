// Every stack of the clone as the backend knows it, for the commands that look at all of them
// (golive status --all, golive watch --list): each Pulumi.<stack>.yaml, its update history (no
// secret is read: no passphrase needed) and its tags (the last watch). The stack selected before
// is selected again at the end, so a plain `pulumi` call afterwards targets the same stack as before.
import * as fs from "fs";
import * as path from "path";
import { NAMESPACE } from "../config/config";
import { findEngine, isEngine } from "./engine";
import type { UpdateEntry } from "./phaseGates";
import { readStackFile, STACK_NAME } from "../config/stackFile";
import { openStack, readHistory } from "./engineStack";

export interface StackLook {
    stack: string;
    /** What the stack file says. */
    file: { domain?: string; phase: string; problem?: string };
    /** Newest first; absent when the backend could not be read for this stack (`error`). */
    history?: UpdateEntry[];
    tags?: Record<string, string>;
    error?: string;
}

/** The stacks of the clone: every Pulumi.<stack>.yaml in `dir`. */
export function stacksIn(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => !!s && STACK_NAME.test(s))
        .sort();
}

function fileOf(stack: string, dir: string): StackLook["file"] {
    try {
        const values = readStackFile(stack, [dir]).values;
        const domain = values[`${NAMESPACE}:domain`];
        const phase = values[`${NAMESPACE}:phase`];
        return { ...(typeof domain === "string" && domain ? { domain } : {}), phase: typeof phase === "string" && phase ? phase : "adopt" };
    } catch (err) {
        return { phase: "?", problem: (err as Error).message };
    }
}

/** The stack the project's workspace has selected now, and a way to select it again. */
async function selection(dir: string, env: NodeJS.ProcessEnv): Promise<{ restore(): Promise<void> }> {
    const none = { restore: async () => undefined };
    const engine = findEngine(env);
    if (!isEngine(engine)) return none;
    try {
        const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
        const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engine.binDir) });
        const envVars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
        const ws = await LocalWorkspace.create({ workDir: dir, envVars, pulumiCommand });
        const current = await ws.stack().catch(() => undefined);
        return { restore: async () => (current ? ws.selectStack(current.name).catch(() => undefined) : undefined) };
    } catch {
        return none;
    }
}

/** Each stack in turn (the engine is one CLI call at a time on a small machine). */
export async function surveyStacks(stacks: readonly string[], dir: string, env: NodeJS.ProcessEnv, opts: { historySize?: number; tags?: boolean } = {}): Promise<StackLook[]> {
    const selected = await selection(dir, env);
    const out: StackLook[] = [];
    try {
        for (const stack of stacks) {
            const file = fileOf(stack, dir);
            try {
                const gs = await openStack(stack, dir, env);
                const history = await readHistory(gs, opts.historySize ?? 20);
                const tags = opts.tags === false ? undefined : await gs.stack.listTags().catch(() => ({}) as Record<string, string>);
                out.push({ stack, file, history, ...(tags ? { tags } : {}) });
            } catch (err) {
                out.push({ stack, file, error: (err as Error).message.split("\n")[0] });
            }
        }
    } finally {
        await selected.restore();
    }
    return out;
}
