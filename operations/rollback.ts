// Plan section 4, step 2 ("revenir à la configuration DNS précédente"): which update of the stack
// to go back to, with which config and which program commit, and when to refuse.
// Pure: works on history entries shaped like `Stack.history()` of @pulumi/pulumi/automation.
import type { ConfigMap, UpdateSummary } from "@pulumi/pulumi/automation";
import { phaseOf } from "../config/config";

/** The fields of an UpdateSummary the decision uses (dates may be strings when read from JSON). */
export type HistoryEntry = Pick<UpdateSummary, "version" | "kind" | "result" | "config" | "environment"> & {
    startTime: Date | string;
    endTime?: Date | string;
    message?: string;
};

export interface RollbackOptions {
    /** `--to N`: the update version to go back to; default the last successful one before the current. */
    to?: number;
    /**
     * The stack went further than its history says (a cutover interrupted before the engine recorded
     * it: the records at Vercel, the newest update still prepare): go back to the current update
     * itself, its program and config applied again.
     */
    reapplyCurrent?: boolean;
}

/** What only the caller can observe: the program repository's state. */
export interface RepoState {
    /** Whether a commit exists in the local repository (`git cat-file -e <sha>^{commit}`). */
    hasCommit(sha: string): boolean;
    /**
     * The program's own files (PROGRAM_PATHS) that differ here, committed or not, tracked or not,
     * from commit `sha`. Stack files, docs and tests do not count.
     */
    programChanges(sha: string): string[];
}

/**
 * What the program is made of: the files whose difference from the recorded commit would make the
 * rollback run another program than the one that produced the target update. The node_modules the
 * rollback links in are built from the package files, hence those too. Stack files
 * (Pulumi.<stack>.yaml) are not in it: the rollback takes the config from the history.
 */
export const PROGRAM_PATHS = ["index.ts", "Pulumi.yaml", "components", "program", "config", "checks", "shared", "scripts", "package.json", "package-lock.json", "tsconfig.json"];

/** A config value as `pulumi stack history --json` prints it: objects also in `objectValue`. */
export type HistoryConfigValue = ConfigMap[string] & { objectValue?: unknown };

/** What `stack history --json --show-secrets` prints when it could not decrypt a value. */
export const UNDECRYPTABLE = "ERROR_UNABLE_TO_DECRYPT";

export interface ConfigChange {
    key: string;
    kind: "added" | "removed" | "changed";
    /** Current value, "[secret]" for secrets. */
    from?: string;
    /** Value after the rollback, "[secret]" for secrets. */
    to?: string;
}

export interface RollbackPlan {
    current: { version: number; result: string; startTime: string; commit?: string };
    target: { version: number; startTime: string; endTime?: string; message?: string; commit: string; config: Record<string, HistoryConfigValue> };
    /** How the config changes from the current update's to the target's. */
    changes: ConfigChange[];
    /** Successful updates passed over because they are the same program and config as the current state. */
    skipped: number[];
}

export class RollbackRefused extends Error {
    constructor(message: string) {
        super(message);
        this.name = "RollbackRefused";
    }
}

export const SECRET_MASK = "[secret]";

// Kinds that change resources from a program run: the current state comes from the newest of them.
const APPLYING = new Set(["update", "destroy", "import"]);

const iso = (d: Date | string | undefined) => (d === undefined ? undefined : typeof d === "string" ? d : d.toISOString());

export function commitOf(entry: Pick<HistoryEntry, "environment">): string | undefined {
    const sha = entry.environment?.["git.head"];
    return sha && /^[0-9a-f]{7,64}$/i.test(sha) ? sha : undefined;
}

/** Config keys added, removed or changed from `current` to `target`; secret values masked. */
export function configDiff(current: ConfigMap, target: ConfigMap): ConfigChange[] {
    const show = (v: { value: string; secret?: boolean } | undefined) => (v === undefined ? undefined : v.secret ? SECRET_MASK : v.value);
    const keys = [...new Set([...Object.keys(current ?? {}), ...Object.keys(target ?? {})])].sort();
    const out: ConfigChange[] = [];
    for (const key of keys) {
        const a = current?.[key];
        const b = target?.[key];
        if (a === undefined && b !== undefined) out.push({ key, kind: "added", to: show(b) });
        else if (a !== undefined && b === undefined) out.push({ key, kind: "removed", from: show(a) });
        else if (a && b && (a.value !== b.value || !!a.secret !== !!b.secret)) out.push({ key, kind: "changed", from: show(a), to: show(b) });
    }
    return out;
}

/**
 * Chooses the update to roll back to and says what changes, or throws RollbackRefused with a
 * message a person can act on. `history` in any order (the CLI returns newest first).
 */
export function planRollback(history: ReadonlyArray<HistoryEntry>, repo: RepoState, opts: RollbackOptions = {}): RollbackPlan {
    const entries = [...history].sort((a, b) => b.version - a.version);
    const current = entries.find((e) => APPLYING.has(e.kind));
    if (!current) throw new RollbackRefused("the stack has no update in its history: nothing to roll back");
    if (current.result === "in-progress" || current.result === "not-started") {
        throw new RollbackRefused(`update ${current.version} is still ${current.result}: wait for it to finish (or cancel it) before rolling back`);
    }
    const succeeded = (e: HistoryEntry) => e.kind === "update" && e.result === "succeeded";
    const currentCommit = commitOf(current);
    const skipped: number[] = [];

    let target: HistoryEntry | undefined;
    if (opts.reapplyCurrent && opts.to === undefined) {
        if (!succeeded(current)) throw new RollbackRefused(`update ${current.version} (${current.kind}, ${current.result}) is not a successful update: nothing to apply again`);
        target = current;
    } else if (opts.to !== undefined) {
        target = entries.find((e) => e.version === opts.to);
        if (!target) throw new RollbackRefused(`update ${opts.to} is not in the stack history (versions ${entries.map((e) => e.version).join(", ")})`);
        if (target.version >= current.version) {
            throw new RollbackRefused(`update ${opts.to} is not before the current update ${current.version}: a rollback goes back in history`);
        }
        if (!succeeded(target)) {
            throw new RollbackRefused(`update ${opts.to} (${target.kind}, ${target.result}) is not a successful update: only a successful update can be rolled back to`);
        }
    } else {
        // A successful update with the same program and config as the current state would change nothing.
        for (const e of entries) {
            if (e.version >= current.version || !succeeded(e)) continue;
            if (commitOf(e) === currentCommit && configDiff(current.config, e.config).length === 0) {
                skipped.push(e.version);
                continue;
            }
            target = e;
            break;
        }
        if (!target) {
            throw new RollbackRefused(
                `no successful update before the current one (${current.version}, ${current.result})` +
                    (skipped.length ? ` other than ${skipped.join(", ")}, identical to it` : "") +
                    ": there is no earlier state to return to",
            );
        }
    }

    const commit = commitOf(target);
    if (!commit) {
        throw new RollbackRefused(
            `update ${target.version} did not record its program commit (environment git.head): the program that produced it is unknown, roll back by hand`,
        );
    }
    refuseAdoptTarget(target, entries, current.version);
    refuseUnrestorableConfig(target);
    // git.dirty is not a reason: `pulumi config set` edits the tracked stack file before every
    // phase's `up` (and untracked files count), so every update of the workflow records it, and the
    // config is taken from the history anyway. What matters is the program's own code.
    if (!repo.hasCommit(commit)) {
        throw new RollbackRefused(`commit ${commit} of update ${target.version} is unknown in this repository: run git fetch, then try again`);
    }
    const changed = repo.programChanges(commit);
    if (changed.length > 0) {
        const shown = changed.slice(0, 8).join(", ") + (changed.length > 8 ? ` and ${changed.length - 8} more` : "");
        throw new RollbackRefused(
            `the program here differs from commit ${commit} recorded by update ${target.version} (${shown}): that update may have run code ` +
                `that is in no commit, and the rollback would not reproduce it. Check the recorded program out (git stash; git checkout ${commit}), then run the rollback again`,
        );
    }

    return {
        current: { version: current.version, result: current.result, startTime: iso(current.startTime)!, ...(currentCommit ? { commit: currentCommit } : {}) },
        target: {
            version: target.version,
            startTime: iso(target.startTime)!,
            ...(target.endTime ? { endTime: iso(target.endTime) } : {}),
            ...(target.message ? { message: target.message } : {}),
            commit,
            config: target.config,
        },
        changes: configDiff(current.config, target.config),
        skipped,
    };
}


/**
 * Going back to adopt would delete the Vercel project, its deployment and domains (adopt declares
 * none), and re-import records the stack already manages (an import-replacement): refused, with
 * the prepare update to go back to instead.
 */
function refuseAdoptTarget(target: HistoryEntry, entries: ReadonlyArray<HistoryEntry>, currentVersion: number): void {
    if (phaseOf(target) !== "adopt") return;
    const prepare = entries.find((e) => e.version < currentVersion && e.version > target.version && e.kind === "update" && e.result === "succeeded" && phaseOf(e) === "prepare");
    throw new RollbackRefused(
        `update ${target.version} ran phase adopt: going back to it would delete the Vercel project, its deployment and domains, and re-import the DNS records ` +
            `the stack already manages. ${prepare ? `Roll back to the prepare update instead (--to ${prepare.version}): ` : "Roll back to a prepare update instead: "}` +
            "the records point to the old host there and Vercel is kept",
    );
}

/** The target's config must come back exactly: every value readable, secrets decrypted. */
function refuseUnrestorableConfig(target: HistoryEntry): void {
    const bad = Object.entries(target.config ?? {})
        .filter(([, v]) => typeof v?.value !== "string" || v.value === UNDECRYPTABLE)
        .map(([k]) => k);
    if (bad.length > 0) {
        throw new RollbackRefused(
            `the history of update ${target.version} has no readable value for ${bad.join(", ")} (secrets not decrypted: check PULUMI_CONFIG_PASSPHRASE or the secrets provider); its config cannot be restored exactly`,
        );
    }
}

/**
 * The target's config in the shape `pulumi config set-all --json` reads (the shape history prints):
 * objects and arrays keep their structure through `objectValue`, secrets stay secrets.
 */
export function configJsonOf(config: Readonly<Record<string, HistoryConfigValue>>): Record<string, { value: string; objectValue?: unknown; secret: boolean }> {
    const out: Record<string, { value: string; objectValue?: unknown; secret: boolean }> = {};
    for (const [key, v] of Object.entries(config)) {
        // A secret object goes back as a secure string holding its JSON text: the CLI 3.248 cannot
        // store a secret objectValue through set-all --json ("invalid character 'v'", seen on the
        // real CLI), and the program reads both forms the same way (JSON text of the key).
        const structured = v.objectValue !== undefined && v.objectValue !== null && !v.secret;
        out[key] = { value: v.value, secret: !!v.secret, ...(structured ? { objectValue: v.objectValue } : {}) };
    }
    return out;
}

/**
 * Whether the history read so far reaches the update to go back to (`--to`, or a successful update
 * before the current one that differs from it), so the reader can stop paging.
 */
export function historyReaches(history: ReadonlyArray<HistoryEntry>, opts: RollbackOptions = {}): boolean {
    if (history.length === 0) return false;
    if (opts.reapplyCurrent && opts.to === undefined) return history.some((e) => APPLYING.has(e.kind));
    if (opts.to !== undefined) return history.some((e) => e.version <= opts.to!);
    const entries = [...history].sort((a, b) => b.version - a.version);
    const current = entries.find((e) => APPLYING.has(e.kind));
    if (!current) return false;
    return entries.some(
        (e) => e.version < current.version && e.kind === "update" && e.result === "succeeded" && (commitOf(e) !== commitOf(current) || configDiff(current.config, e.config).length > 0),
    );
}

/** The plan as the CLI prints it before asking for confirmation. Never prints a secret value. */
export function describePlan(plan: RollbackPlan, stack: string): string {
    const lines = [
        `Rollback of stack ${stack}`,
        `  current update : ${plan.current.version} (${plan.current.result}, ${plan.current.startTime})${plan.current.commit ? ` from commit ${plan.current.commit}` : ""}`,
        `  back to update : ${plan.target.version} (succeeded, ${plan.target.startTime})${plan.target.message ? ` "${plan.target.message.split("\n")[0]}"` : ""}${plan.target.version === plan.current.version ? " — applied again: the stack went further than its history says" : ""}`,
        `  program commit : ${plan.target.commit}${plan.current.commit === plan.target.commit ? " (same as current)" : ""}`,
    ];
    if (plan.skipped.length) lines.push(`  passed over    : ${plan.skipped.join(", ")} (same program and config as the current update)`);
    if (plan.changes.length === 0) {
        lines.push("  config         : unchanged");
    } else {
        lines.push("  config changes :");
        for (const c of plan.changes) {
            if (c.kind === "added") lines.push(`    + ${c.key} = ${c.to}`);
            else if (c.kind === "removed") lines.push(`    - ${c.key} (was ${c.from})`);
            else lines.push(`    ~ ${c.key}: ${c.from} -> ${c.to}`);
        }
    }
    return lines.join("\n");
}
