// R-1 at a failed cutover (plan section 4): who decides, when and how, and what the decision does.
// The data plane first (issue 25): at the first failed check after the switch, R-1 is taken then,
// and "roll back" puts apex and www back by Cloudflare's API while the engine still ends the
// cutover (operations/directWayBack); once `up` has ended, the records are read and the way back
// (operations/wayBack, R-2) runs.
import type { GuidedArgs, GuidedDeps } from "./guided";
import { seconds as secs, type UpProgress } from "./upProgress";
import { directLines, failedAfterSwitch, putBackNow, type DirectPlan } from "./directWayBack";
import type { RecordsPut } from "./cloudflareDns";
import { judgeSite, type SiteState } from "./siteState";
import type { RollbackDecision } from "./runRecord";
import { isYes } from "./guided";

/** who decides, when, how. Agreed beforehand (flag or config), asked, or left open without a terminal. */
export async function decideRollback(args: Pick<GuidedArgs, "autoRollback" | "stack" | "noRollback">, autoInConfig: boolean, deps: Pick<GuidedDeps, "interactive" | "ask" | "now">, operator: string): Promise<RollbackDecision> {
    if (args.noRollback) return { choice: "no rollback", by: operator, at: new Date(deps.now()), how: `--no-rollback: decided beforehand, the new site keeps serving; to roll back: golive prepare --stack ${args.stack}` };
    const agreed = args.autoRollback ? "--auto-rollback" : autoInConfig ? "golive:rollback.auto agreed in config" : undefined;
    if (agreed) return { choice: "rollback", by: operator, at: new Date(deps.now()), how: `${agreed}: rolled back at once` };
    if (!deps.interactive) {
        return { choice: "undecided", by: operator, at: new Date(deps.now()), how: `no terminal to ask and no --auto-rollback; roll back with: golive recover --stack ${args.stack} --rollback --yes` };
    }
    const answer = await deps.ask("Roll back now to prepare (plan R-1: visitors go back to the old site)? [y/N] ");
    return { choice: isYes(answer) ? "rollback" : "no rollback", by: operator, at: new Date(deps.now()), how: `answered ${JSON.stringify(answer.trim())} at the prompt` };
}

/** What the early way back did while the engine ended the cutover: R-1 and the direct calls. */
export interface WentBack {
    decision?: RollbackDecision;
    put?: RecordsPut;
}

export interface EarlyWayBack {
    /** Called after each engine event with the update's progress. */
    watch: (progress: UpProgress) => void;
    /** What happened, once the decision and the calls (if any) are over. */
    settled: () => Promise<WentBack>;
}

/**
 * The data plane first (issue 25): at the first failed check after the switch, R-1 is taken then
 * (given beforehand, or asked at once at the prompt), and "roll back" puts apex and www back to
 * prepare's records by Cloudflare's API at once, while the engine still ends the cutover. Without a
 * terminal and without R-1 given, or with --no-rollback, nothing happens here.
 */
export function earlyWayBack(direct: DirectPlan, args: GuidedArgs, autoInConfig: boolean, deps: GuidedDeps, operator: string): EarlyWayBack {
    let started: Promise<WentBack> | undefined;
    const decidedBefore = args.autoRollback || autoInConfig;
    const go = async (): Promise<WentBack> => {
        const decision = await decideRollback(args, autoInConfig, deps, operator);
        if (decision.choice !== "rollback") return { decision };
        if (!direct.ok) {
            deps.err(`  R-1: roll back — the records go back through the engine (${direct.why})`);
            return { decision };
        }
        deps.err("  R-1: roll back — apex and www back to prepare's records by Cloudflare's API now, while the engine ends the cutover");
        const put = await putBackNow(direct.plan);
        for (const l of directLines(put)) deps.err(`    ${l}`);
        return { decision, put };
    };
    return {
        watch: (progress) => {
            if (started || args.noRollback || !(decidedBefore || deps.interactive) || !failedAfterSwitch(progress)) return;
            started = go();
        },
        settled: () => started ?? Promise.resolve({}),
    };
}

/**
 * Where apex and www point when Cloudflare confirmed both records' updates in this run (its answers
 * carry the records' content), judged as the site look judges them; undefined otherwise.
 */
export function recordsConfirmed(progress: UpProgress, before: Record<string, unknown>): SiteState | undefined {
    const { apex, www } = progress.dnsRecords;
    if (!apex || !www) return undefined;
    const dns = (before.dnsRecords ?? {}) as Record<"apex" | "www", { oldContent?: string | null; newContent?: string | null } | undefined>;
    const target = (l: "apex" | "www") => ({ ...(dns[l]?.oldContent ? { old: dns[l]!.oldContent! } : {}), ...(dns[l]?.newContent ? { vercel: dns[l]!.newContent! } : {}) });
    const view = { apex: [{ type: apex.type, content: apex.content }], www: [{ type: www.type, content: www.content }] };
    return judgeSite({ stack: "", pending: [], leftoverProcesses: 0, live: view, state: { apex: view.apex[0], www: view.www[0] }, targets: { apex: target("apex"), www: target("www") } });
}

/**
 * What visitors reach (after "DNS switched … ago" when this run changed both records, "apex
 * switched … ago, www did not" when only one), then the records and where they were read.
 */
export function recordLines(seen: SiteState, confirmed: boolean, progress: Pick<UpProgress, "dnsChangedAt" | "dnsRecords">, origin: number, deps: Pick<GuidedDeps, "now">): string[] {
    const at = progress.dnsChangedAt;
    const changed = (["apex", "www"] as const).filter((l) => progress.dnsRecords[l] !== undefined);
    const what = changed.length === 2 ? "DNS switched" : changed.length === 1 ? `${changed[0]} switched, ${changed[0] === "apex" ? "www" : "apex"} did not,` : "DNS switched";
    const switched = at !== undefined ? `${what} ${secs(deps.now() - origin - at)} ago (${new Date(origin + at).toISOString()}): ` : "";
    const visitors = switched ? seen.visitors : seen.visitors.replace(/^./, (c) => c.toUpperCase());
    const state = seen.stateKnows ? "" : seen.headline.includes("does not know www's") ? "; the stack's state does not know www's change yet" : seen.headline.includes("does not know apex's") ? "; the stack's state does not know apex's change yet" : "; the stack's state does not know it yet";
    return [`  ${switched}${visitors}.`, `  Records ${confirmed ? "as Cloudflare answered this run" : "read from Cloudflare now"}: ${seen.records}${state}.`];
}

