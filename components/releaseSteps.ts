// golive:release:Steps — the plan's communication and closure around the cutover:
// MEP-01 start message, MEP-17 end message with the check results, MEP-18 production tag, and the
// go-live checklist (P-01..MEP-18) with statuses and evidence as a stack output (traceability).
import * as pulumi from "@pulumi/pulumi";
import { NotificationStep } from "../checks/notify";
import type { CheckResult, NetOptions } from "../checks/types";
import { buildChecklist, ChecklistFacts, ChecklistLine, TagFact } from "../program/report";
import type { ReleaseConfig } from "../config/releaseConfig";
import { ReleaseTag } from "./releaseTag";

/** Facts of the checklist that come from the rest of the stack (see program/report ChecklistFacts). */
export type StackFacts = Omit<ChecklistFacts, "results" | "notifications" | "tag" | "generatedAt" | "domain" | "phase">;

export interface ReleaseStepsArgs {
    phase: string;
    domain: string;
    /** The URL that serves, e.g. https://www.example.com/ */
    siteUrl: string;
    /** MEP-02: the frozen ref deployed; also the commit tagged unless `commit` says otherwise. */
    releaseRef?: pulumi.Input<string>;
    /** The commit Vercel built (SHA); defaults to releaseRef, which the tag script resolves. */
    commit?: pulumi.Input<string>;
    deploymentUrl?: pulumi.Input<string>;
    /** The post-deploy check results (MEP-07..MEP-16). */
    checks: pulumi.Input<CheckResult[]>;
    /** The check resources: the end message and the tag wait for all of them to pass. */
    checkResources?: pulumi.Resource[];
    config: ReleaseConfig;
    net?: pulumi.Input<NetOptions>;
    /** Other facts for the checklist: approval, zone, deployment id, env var names, DNS records. */
    facts?: pulumi.Input<StackFacts>;
}

/** MEP-18 only on a clean run: a failed check must never leave a production tag behind. */
export function commitToTag(commit: string, results: CheckResult[]): string {
    const failed = results.filter((r) => r.status === "fail").map((r) => r.id);
    if (failed.length > 0) throw new Error(`MEP-18: not tagging the release, checks failed: ${failed.join(", ")}`);
    return commit;
}

export class ReleaseSteps extends pulumi.ComponentResource {
    public readonly start?: NotificationStep;
    public readonly end?: NotificationStep;
    public readonly tag?: ReleaseTag;
    /** MEP-18 as it went (null outside the cutover): the `tag` stack output, the go-live page's header. */
    public readonly tagFact: pulumi.Output<TagFact | null>;
    /** The plan's checklist with statuses and evidence: the `checklist` stack output. */
    public readonly checklist: pulumi.Output<ChecklistLine[]>;

    constructor(name: string, args: ReleaseStepsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golive:release:Steps", name, {}, opts);
        const cutover = args.phase === "cutover";
        const afterChecks = { parent: this, dependsOn: args.checkResources ?? [] };
        const message = {
            site: args.siteUrl,
            ...(args.releaseRef !== undefined ? { releaseRef: args.releaseRef } : {}),
            ...(args.deploymentUrl !== undefined ? { deploymentUrl: args.deploymentUrl } : {}),
        };

        if (cutover && args.config.notify) {
            // MEP-01: depends on nothing, so the engine posts it first, while the deployment and the
            // DNS records the checks wait for are being created.
            this.start = new NotificationStep(
                `${name}-start`,
                { input: pulumi.all([args.config.notify.webhookUrl, message]).apply(([webhookUrl, m]) => ({ webhookUrl, stage: "start" as const, ...m })), ...(args.net ? { net: args.net } : {}) },
                { parent: this },
            );
            // MEP-17: once every check passed (a failed check stops the update before this).
            this.end = new NotificationStep(
                `${name}-end`,
                {
                    input: pulumi
                        .all([args.config.notify.webhookUrl, message, args.checks])
                        .apply(([webhookUrl, m, results]) => ({ webhookUrl, stage: "end" as const, ...m, results })),
                    ...(args.net ? { net: args.net } : {}),
                },
                afterChecks,
            );
        }

        const commit = args.commit ?? args.releaseRef;
        if (cutover && args.config.release && commit !== undefined) {
            const r = args.config.release;
            this.tag = new ReleaseTag(
                `${name}-tag`,
                {
                    tag: r.tag,
                    commit: pulumi.all([commit, args.checks]).apply(([c, results]) => commitToTag(c, results)),
                    ...(r.repoPath ? { repoPath: r.repoPath } : {}),
                    ...(r.remote ? { remote: r.remote } : {}),
                    message: r.message ?? `Mise en production ${r.tag} (${args.domain})`,
                },
                afterChecks,
            );
        }

        const notifications = [this.start?.result, this.end?.result].filter((x): x is pulumi.Output<CheckResult> => x !== undefined);
        const tagFact: pulumi.Input<TagFact | null> = this.tag
            ? this.tag.fact
            : args.config.release && cutover
              ? { tag: args.config.release.tag, error: "no release ref to tag (golive:releaseRef)" }
              : null;
        this.tagFact = pulumi.output(tagFact) as pulumi.Output<TagFact | null>;
        this.checklist = pulumi
            .all([args.checks, pulumi.all(notifications), this.tagFact, args.facts ?? {}, args.releaseRef, args.deploymentUrl])
            .apply(([results, notes, tag, facts, releaseRef, deploymentUrl]) =>
                buildChecklist({
                    ...(facts as StackFacts),
                    ...(releaseRef !== undefined ? { releaseRef } : {}),
                    ...(deploymentUrl !== undefined ? { deploymentUrl } : {}),
                    phase: args.phase,
                    domain: args.domain,
                    results,
                    notifications: notes,
                    webhookConfigured: !!args.config.notify,
                    tag: (tag as TagFact | null) ?? null,
                    generatedAt: new Date().toISOString(),
                }),
            );

        this.registerOutputs({ checklist: this.checklist, tag: this.tagFact });
    }
}
