// golive:release:Tag — MEP-18 "Sauvegarde Initiale": an annotated Git tag of the production
// version on the exact commit Vercel built, pushed to the site's remote.
//
// The work is scripts/tag-release.sh, run by a local.Command. Its text is the `create` command
// itself (no path to resolve on the machine that runs `pulumi up`). No `delete`: destroying the
// stack never deletes the tag. The script is idempotent, so an input change that re-runs it is safe.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { TagFact } from "../program/report";
import { PROGRAM_DIR } from "../shared/programDir";

export const TAG_SCRIPT = path.join(PROGRAM_DIR, "scripts", "tag-release.sh");

export interface ReleaseTagArgs {
    /** The version, e.g. v1.0.0 (validated by config/releaseConfig). */
    tag: pulumi.Input<string>;
    /** The commit Vercel built: a SHA, or a ref the script resolves to its commit. */
    commit: pulumi.Input<string>;
    /** A local clone of the site repository. */
    repoPath?: pulumi.Input<string>;
    /** Remote (name or URL) to fetch tags from and push the tag to. */
    remote?: pulumi.Input<string>;
    message?: pulumi.Input<string>;
}

/** What the script printed ("created: v1.0.0 on <sha>", "pushed: ..."), as the report's MEP-18 evidence. */
export function tagOutcome(stdout: string): { outcome: string; sha?: string } {
    const lines = stdout.split("\n").map((l) => l.trim()).filter(Boolean);
    const made = lines.find((l) => l.startsWith("created:") || l.startsWith("already tagged:"));
    const pushed = lines.some((l) => l.startsWith("pushed:"));
    const what = made ? made.split(":")[0] : "done";
    const sha = made?.match(/ on ([0-9a-f]{40})$/)?.[1];
    return { outcome: pushed ? `${what}, pushed` : what, ...(sha ? { sha } : {}) };
}

export class ReleaseTag extends pulumi.ComponentResource {
    public readonly command: command.local.Command;
    public readonly tag: pulumi.Output<string>;
    public readonly commit: pulumi.Output<string>;
    /** For the checklist: tag, commit, remote and what the script did. */
    public readonly fact: pulumi.Output<TagFact>;

    constructor(name: string, args: ReleaseTagArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:release:Tag", name, {}, opts);
        this.tag = pulumi.output(args.tag);
        this.commit = pulumi.output(args.commit);

        this.command = new command.local.Command(
            `${name}-git-tag`,
            {
                create: fs.readFileSync(TAG_SCRIPT, "utf8"),
                interpreter: ["/bin/sh", "-c"],
                environment: {
                    TAG: args.tag,
                    COMMIT: args.commit,
                    ...(args.repoPath !== undefined ? { REPO: args.repoPath } : {}),
                    ...(args.remote !== undefined ? { REMOTE: args.remote } : {}),
                    ...(args.message !== undefined ? { MESSAGE: args.message } : {}),
                },
                // A new version or another commit is a new tag; the old one stays (no delete).
                triggers: [args.tag, args.commit],
            },
            { parent: this },
        );

        this.fact = pulumi
            .all([this.tag, this.commit, pulumi.output(args.remote), this.command.stdout])
            .apply(([tag, commit, remote, stdout]) => {
                const { outcome, sha } = tagOutcome(stdout ?? "");
                return { tag, commit: sha ?? commit, ...(remote ? { remote } : {}), outcome };
            });

        this.registerOutputs({ tag: this.tag, commit: this.commit, fact: this.fact });
    }
}
