// Plan section 4, step 2 ("revenir à la configuration DNS précédente"): which update of the stack
// to go back to, with which config and which program commit, and when to refuse.
// Pure: works on history entries shaped like `Stack.history()` of @pulumi/pulumi/automation.
import type { ConfigMap, UpdateSummary } from "@pulumi/pulumi/automation";

/** The fields of an UpdateSummary the decision uses (dates may be strings when read from JSON). */
export type HistoryEntry = Pick<UpdateSummary, "version" | "kind" | "result" | "config" | "environment"> & {
    startTime: Date | string;
    endTime?: Date | string;
    message?: string;
};

export interface RollbackOptions {
    /** `--to N`: the update version to go back to; default the last successful one before the current. */
    to?: number;
}

/** What only the caller can observe: the program repository's state. */
export interface RepoState {
    /** `git status --porcelain` is not empty. */
    dirty: boolean;
    /** Whether a commit exists in the local repository (`git cat-file -e <sha>^{commit}`). */
    hasCommit(sha: string): boolean;
}

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
    target: { version: number; startTime: string; endTime?: string; message?: string; commit: string; config: ConfigMap };
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
    if (opts.to !== undefined) {
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
    if (target.environment?.["git.dirty"] === "true") {
        throw new RollbackRefused(`update ${target.version} ran from a working tree with uncommitted changes: commit ${commit} alone does not reproduce it`);
    }
    if (repo.dirty) {
        throw new RollbackRefused("the working tree has uncommitted changes: commit or set them aside first, so the rollback runs exactly the recorded program");
    }
    if (!repo.hasCommit(commit)) {
        throw new RollbackRefused(`commit ${commit} of update ${target.version} is unknown in this repository: run git fetch, then try again`);
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

/** The plan as the CLI prints it before asking for confirmation. Never prints a secret value. */
export function describePlan(plan: RollbackPlan, stack: string): string {
    const lines = [
        `Rollback of stack ${stack}`,
        `  current update : ${plan.current.version} (${plan.current.result}, ${plan.current.startTime})${plan.current.commit ? ` from commit ${plan.current.commit}` : ""}`,
        `  back to update : ${plan.target.version} (succeeded, ${plan.target.startTime})${plan.target.message ? ` "${plan.target.message}"` : ""}`,
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
