// MEP-02 / MEP-04 / MEP-18: the frozen release ref is resolved to its commit at preview, where the
// site's repository can be read (golive:release.remote with `git ls-remote`, else the clone at
// golive:release.repoPath), so Vercel builds and MEP-18 tags that exact commit, and a tag moved
// since shows in `pulumi preview` as a new deployment. Without golive:release the repository is not
// known to the program: the tag goes to Vercel as it is (Vercel resolves it when it builds).
import { execFileSync } from "child_process";
import { ConfigError, deepFreeze, GoLiveConfig, NAMESPACE } from "../config/config";
import { COMMIT_SHA, releaseTagName } from "../config/gitInput";

export interface ResolvedRelease {
    /** golive:releaseRef as configured. */
    ref: string;
    /** The commit it names, when the repository could be read. */
    commit?: string;
    /** Where it was resolved: the remote or the clone. */
    resolvedIn?: string;
}

/** Runs git with a bound, options ended by the caller, only plain transports; returns stdout. */
export type GitRunner = (args: string[]) => string;

export const runGit: GitRunner = (args) =>
    execFileSync("git", args, {
        encoding: "utf8",
        timeout: 30_000,
        stdio: ["ignore", "pipe", "pipe"],
        // Same transports as scripts/tag-release.sh; never a prompt at preview.
        env: { ...process.env, GIT_ALLOW_PROTOCOL: "file:git:ssh:https:http", GIT_TERMINAL_PROMPT: "0" },
    });

const k = (key: string) => `${NAMESPACE}:${key}`;

function gitFailure(err: unknown): string {
    const e = err as { stderr?: string; message?: string; signal?: string };
    if (e.signal === "SIGTERM") return "git did not answer within 30 s";
    return (e.stderr || e.message || String(err)).trim().split("\n").slice(-2).join(" ").slice(0, 300);
}

/**
 * The commit of `ref` (validated by config/config: a SHA or a tag). Values reach git only after
 * `--` / `--end-of-options`, and were checked by config/gitInput already.
 */
export function resolveReleaseRef(ref: string, where: { repoPath?: string; remote?: string } | undefined, git: GitRunner = runGit): ResolvedRelease {
    const repoArgs = where?.repoPath ? ["-C", where.repoPath] : [];
    const tag = releaseTagName(ref);
    if (!where || (!where.repoPath && !where.remote)) return { ref };
    if (tag === undefined) {
        // A SHA: expanded and checked in the clone; a remote cannot be asked for a commit by id.
        if (!where.repoPath) return { ref, commit: ref };
        try {
            const commit = git([...repoArgs, "rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]).trim();
            return { ref, commit, resolvedIn: where.repoPath };
        } catch {
            if (where.remote) return { ref, commit: ref }; // may exist only on the remote yet: the tag script fetches it
            throw new ConfigError(`${k("releaseRef")} ${ref} is not a commit of ${k("release.repoPath")} ${where.repoPath} (git fetch there, or check the SHA)`);
        }
    }
    if (where.remote) {
        let out: string;
        try {
            out = git([...repoArgs, "ls-remote", "--", where.remote, `refs/tags/${tag}`, `refs/tags/${tag}^{}`]);
        } catch (err) {
            throw new ConfigError(`${k("releaseRef")} ${ref}: cannot read the tags of ${k("release.remote")} ${where.remote}: ${gitFailure(err)}`);
        }
        const lines = out.split("\n").map((l) => l.split("\t"));
        // An annotated tag's commit is its peeled line (^{}); a lightweight tag names the commit itself.
        const peeled = lines.find((l) => l[1] === `refs/tags/${tag}^{}`)?.[0];
        const direct = lines.find((l) => l[1] === `refs/tags/${tag}`)?.[0];
        const commit = peeled ?? direct;
        if (!commit || !COMMIT_SHA.test(commit)) {
            throw new ConfigError(`${k("releaseRef")} ${ref} is not a tag of ${k("release.remote")} ${where.remote}: push it (git push origin ${tag}) or pin the commit SHA`);
        }
        return { ref, commit, resolvedIn: where.remote };
    }
    try {
        const commit = git([...repoArgs, "rev-parse", "--verify", "--quiet", "--end-of-options", `refs/tags/${tag}^{commit}`]).trim();
        return { ref, commit, resolvedIn: where.repoPath };
    } catch {
        throw new ConfigError(`${k("releaseRef")} ${ref} is not a tag in ${k("release.repoPath")} ${where.repoPath} (git fetch --tags there, or pin the commit SHA)`);
    }
}

/** How the release reads in messages and the checklist: "v1.0.0 (commit 9f3c2e1a7b5d)". */
export function describeRelease(r: ResolvedRelease): string {
    return r.commit && r.commit !== r.ref ? `${r.ref} (commit ${r.commit.slice(0, 12)})` : r.ref;
}

/** The config with the release pinned to its resolved commit: what the Vercel deployment builds. */
export function pinnedToCommit(cfg: Readonly<GoLiveConfig>, release: ResolvedRelease | undefined): Readonly<GoLiveConfig> {
    if (!release?.commit || release.commit === cfg.vercel.releaseRef) return cfg;
    return deepFreeze({ ...cfg, vercel: { ...cfg.vercel, releaseRef: release.commit } });
}
