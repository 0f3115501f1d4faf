// Where the site is, really (issue 17): from what the stack is now (who holds it, the backend's lock,
// the operations an interrupted engine left pending, the site records as Cloudflare holds them, as
// the stack's state holds them, and as each phase declares them), one plain account: where apex and
// www point, what visitors reach, whether a run is under way, interrupted or half-applied, what an
// interrupted run left to clear, and the ways on. Every sentence about what visitors reach comes
// from the records Cloudflare holds, never from what a run meant to do. Pure: facts in, words out.

export type Where = "old" | "vercel" | "other" | "missing" | "unknown";

export interface RecordView {
    type: string;
    content: string;
}

export interface SiteFacts {
    stack: string;
    /** Phase of the last successful update: what the stack runs. */
    applied?: string;
    /** golive:phase in the stack file: what the next `up` applies. */
    filePhase?: string;
    /** The newest update of the history (any result); startedAt ISO. */
    latest?: { kind: string; result: string; phase: string; startedAt?: string };
    /** A golive run holding the stack (alive), or one that ended without releasing it (not alive); startedAt ISO. */
    run?: { description: string; alive: boolean | "unknown"; command: string; phase?: string; startedAt?: string };
    /**
     * The backend's lock: an engine under way (alive) or one killed while it held it; `orphaned` when
     * the engine holding it is one an interrupted golive left running (its guard is gone).
     */
    backendLock?: { description: string; alive: boolean | "unknown"; orphaned?: boolean };
    /** Operations the engine started and never saw end (`pending_operations` of the state). */
    pending: Array<{ op: string; name: string }>;
    /** Engine processes left running by a run whose guard is gone. */
    leftoverProcesses: number;
    /** The site records Cloudflare holds now, per name; undefined when they could not be read. */
    live?: { apex: RecordView[]; www: RecordView[] };
    /** Why the records could not be read. */
    liveError?: string;
    /** The site records as the stack's state holds them. */
    state?: { apex?: RecordView; www?: RecordView };
    /** Each record's content before the go-live (the old host) and at Vercel, when known. */
    targets?: { apex: { old?: string; vercel?: string }; www: { old?: string; vercel?: string } };
}

export interface SiteState {
    where: { apex: Where; www: Where };
    /** "apex and www point to Vercel (127.0.0.2)" */
    records: string;
    /** "visitors reach the new site" (Vercel) */
    visitors: string;
    /** The one sentence: "interrupted during cutover: apex and www point to Vercel, the stack's state does not know it yet". */
    headline: string;
    /** A run holds the stack now: who and since when. */
    busy?: string;
    /** The phase an interrupted (or half-applied) run was applying. */
    interrupted?: string;
    /** Apex and www do not point to the same side. */
    halfApplied: boolean;
    /** The stack's state holds what Cloudflare holds, for both records. */
    stateKnows: boolean;
    /** What an interrupted run left, each as a short line. */
    leftovers: string[];
    /**
     * Something must be cleared before a phase can run again: a lock or operations the engine left,
     * its processes, or a state that does not hold what Cloudflare holds. A golive run that only
     * left its own lock (taken over by the next run) and the stack file's phase do not count.
     */
    needsRecovery: boolean;
}

const norm = (s: string | undefined) => (s ?? "").trim().toLowerCase().replace(/\.$/, "");

/** Which side one name's records point to. */
export function whereOf(records: RecordView[] | undefined, target: { old?: string; vercel?: string } | undefined): Where {
    if (records === undefined) return "unknown";
    if (records.length === 0) return "missing";
    if (records.length > 1) return "other";
    const c = norm(records[0].content);
    if (target?.vercel && c === norm(target.vercel)) return "vercel";
    if (target?.old && c === norm(target.old)) return "old";
    return "other";
}

const SIDE: Record<Where, string> = { old: "the old host", vercel: "Vercel", other: "neither the old host nor Vercel", missing: "nothing (no record)", unknown: "an unknown place" };

const contentOf = (records: RecordView[] | undefined) => (records && records.length > 0 ? records.map((r) => r.content).join(", ") : undefined);

function side(where: Where, records: RecordView[] | undefined): string {
    const c = contentOf(records);
    return `${SIDE[where]}${c && where !== "missing" ? ` (${c})` : ""}`;
}

/** Where apex and www point, in one clause. */
export function describeRecords(where: SiteState["where"], live: SiteFacts["live"]): string {
    if (!live) return "where apex and www point was not read";
    const [a, w] = [side(where.apex, live.apex), side(where.www, live.www)];
    if (where.apex === where.www && contentOf(live.apex) === contentOf(live.www)) return `apex and www point to ${a}`;
    return `apex points to ${a}, www to ${w}`;
}

/** What a visitor reaches, from the records alone. */
export function describeVisitors(where: SiteState["where"], readError?: string): string {
    const reach = (w: Where) => (w === "old" ? "the old site" : w === "vercel" ? "the new site" : w === "missing" ? "no site (the name has no record)" : "an address golive does not know");
    if (where.apex === "unknown" || where.www === "unknown") return `what visitors reach is not known: the records could not be read${readError ? ` (${readError})` : ""}`;
    if (where.apex === where.www) return `visitors reach ${reach(where.apex)}`;
    return `visitors reach ${reach(where.www)} on www and ${reach(where.apex)} on the apex`;
}

function stateDisagreement(f: SiteFacts): string[] {
    if (!f.live || !f.state) return [];
    const out: string[] = [];
    for (const label of ["apex", "www"] as const) {
        const live = f.live[label];
        const state = f.state[label];
        if (!state) continue;
        if (live.length !== 1 || norm(live[0].content) !== norm(state.content) || live[0].type !== state.type) out.push(label);
    }
    return out;
}

export function judgeSite(f: SiteFacts): SiteState {
    const where = { apex: whereOf(f.live?.apex, f.targets?.apex), www: whereOf(f.live?.www, f.targets?.www) };
    const records = describeRecords(where, f.live);
    const visitors = describeVisitors(where, f.liveError);
    const unknownState = stateDisagreement(f);
    const stateKnows = unknownState.length === 0;
    const halfApplied = where.apex !== where.www && where.apex !== "unknown" && where.www !== "unknown";

    // A golive killed after its update succeeded (while it wrote its record) left nothing half-done.
    const runFinished =
        !!f.run && f.run.alive === false && !!f.run.phase && f.latest?.result === "succeeded" && f.latest.phase === f.run.phase && !!f.run.startedAt && !!f.latest.startedAt && Date.parse(f.latest.startedAt) >= Date.parse(f.run.startedAt) - 1000;
    const leftovers: string[] = [];
    if (f.run && f.run.alive === false) leftovers.push(runFinished ? `${f.run.description} was killed after its update succeeded: nothing of it is half-done` : `${f.run.description} ended without finishing (killed?)`);
    if (f.backendLock && f.backendLock.alive === false) leftovers.push(`the stack is still locked by an engine that is gone (${f.backendLock.description})`);
    if (f.backendLock?.orphaned) leftovers.push(`an engine an interrupted golive left running holds the stack (${f.backendLock.description}): golive recover stops it`);
    if (f.pending.length > 0) leftovers.push(`${f.pending.length} operation(s) the engine never saw end: ${f.pending.map((p) => `${p.op} ${p.name}`).join(", ")}`);
    if (f.leftoverProcesses > 0) leftovers.push(`${f.leftoverProcesses} engine process(es) of an interrupted run still running`);
    if (!stateKnows) leftovers.push(`the stack's state does not hold what Cloudflare holds for ${unknownState.join(" and ")}`);
    const staleLock = !!f.backendLock && (f.backendLock.alive === false || !!f.backendLock.orphaned);
    const runLeft = (f.run && f.run.alive === false && !runFinished) || staleLock || f.pending.length > 0;
    if (runLeft && f.filePhase && f.applied && f.filePhase !== f.applied) leftovers.push(`the stack file says golive:phase ${f.filePhase}, the stack runs ${f.applied}`);

    const busy =
        f.run && f.run.alive !== false
            ? `${f.run.description}${f.run.alive === "unknown" ? " (on another machine: if that run is gone, run golive recover there or remove the lock file)" : ""}`
            : f.backendLock && f.backendLock.alive !== false && !f.backendLock.orphaned
              ? `${f.backendLock.description} (the engine's own lock)`
              : undefined;

    // What the applied phase declares: the old host up to prepare, Vercel after cutover. Records on
    // the other side mean a phase went further (or back) than the stack's history says.
    const expected: Where | undefined = f.applied === "cutover" ? "vercel" : f.applied === "prepare" || f.applied === "adopt" ? "old" : undefined;
    const moved = !!expected && [where.apex, where.www].some((w) => w !== expected && (w === "old" || w === "vercel"));
    const failedLatest = f.latest && f.latest.result !== "succeeded" ? f.latest.phase : undefined;

    // The phase an interrupted run was applying: golive's own lock says it; else the stack file
    // (golive sets it before `up`), else the newest update when it failed; else which way the
    // records moved from what the stack runs.
    let interrupted: string | undefined;
    if (!busy && runLeft) {
        interrupted = f.run?.phase ?? (f.filePhase && f.filePhase !== f.applied ? f.filePhase : undefined) ?? failedLatest ?? f.filePhase ?? "an update";
    } else if (!busy && (halfApplied || !stateKnows || moved)) {
        interrupted = moved ? (expected === "old" ? "cutover" : "rollback") : failedLatest;
    }

    const stateClause = stateKnows ? "" : unknownState.length === 2 ? ", the stack's state does not know it yet" : `, the stack's state does not know ${unknownState[0]}'s change yet`;
    let headline: string;
    if (busy) headline = `a run is under way: ${busy}; ${records}`;
    else if (runLeft) headline = `interrupted during ${interrupted}: ${records}${stateClause}`;
    else if (moved) headline = `${halfApplied ? `half-applied ${interrupted}: ` : ""}${f.applied} applied, but ${records}${stateClause}`;
    else if (halfApplied && failedLatest) headline = `half-applied ${failedLatest}: ${records}${stateClause}`;
    else if (!stateKnows) headline = `${failedLatest ? `the last ${failedLatest} failed: ` : ""}${records}${stateClause}`;
    else headline = `${f.applied ? `${f.applied} applied` : "nothing applied yet"}: ${records}`;

    const mustClear = staleLock || f.pending.length > 0 || f.leftoverProcesses > 0 || !stateKnows;
    return { where, records, visitors, headline, ...(busy ? { busy } : {}), ...(interrupted ? { interrupted } : {}), halfApplied, stateKnows, leftovers, needsRecovery: !busy && !!mustClear };
}

/** The phase before `phase` (the way back), if there is one a rollback can return to. */
export function previousPhase(phase: string | undefined): string | undefined {
    return phase === "cutover" ? "prepare" : phase === "prepare" ? "adopt" : undefined;
}

/** The ways on after an interrupted or half-applied phase, as commands. */
export function waysOn(stack: string, s: Pick<SiteState, "interrupted" | "needsRecovery">): string[] {
    const phase = s.interrupted;
    if (!phase) return [];
    const back = previousPhase(phase);
    const lines = [];
    if (s.needsRecovery) lines.push(`golive recover --stack ${stack}: clears what the run left, then asks which way on`);
    if (phase === "cutover" || phase === "prepare" || phase === "adopt") lines.push(`finish the ${phase}: golive recover --stack ${stack} --finish`);
    if (phase === "rollback") lines.push(`finish the rollback: golive rollback --stack ${stack}`);
    if (back === "prepare") lines.push(`roll back to prepare (records first): golive recover --stack ${stack} --rollback`);
    return lines;
}

/** What the stack's history says, for the next step (after where the site is). */
export interface HistoryFacts {
    /** The newest update: kind, result, the phase it ran. */
    latest?: { kind: string; result: string; phase: string };
    /** The phase of the last successful update. */
    applied?: string;
    /** The newest update was stopped by the operator (Ctrl-C, its record says INTERRUPTED), not failed. */
    latestInterrupted?: boolean;
    /**
     * The applied update is a way back from this phase (its message carries the failure note,
     * operations/failureNote): the failed or interrupted phase it undid.
     */
    rolledBackFrom?: { phase: string; interrupted?: boolean };
}

/**
 * What to do next (issue 25), from one source: where the site is first (a run under way, what an
 * interrupted or half-applied run left, read from the records), then the history. Every line a
 * command prints about the ways on agrees with it: it never advises a phase that would refuse.
 */
export function whatNext(stack: string, site: Pick<SiteState, "busy" | "interrupted" | "needsRecovery" | "where">, h: HistoryFacts): string {
    if (site.busy) return `wait for the run under way to end (${site.busy}), then golive status --stack ${stack}`;
    const phase = site.interrupted;
    const back = previousPhase(phase);
    if (site.needsRecovery) {
        return `golive recover --stack ${stack}: clears what the ${phase ? `interrupted ${phase}` : "interrupted run"} left, then finishes it${back === "prepare" ? " (--finish) or rolls back to prepare (--rollback)" : ""}`;
    }
    if (phase === "rollback") return `finish the rollback: golive rollback --stack ${stack}`;
    if (phase) return `golive recover --stack ${stack} --finish to finish the ${phase}${back === "prepare" ? `, or --rollback to go back to prepare (records first)` : ""}`;
    const failed = h.latest && h.latest.kind === "update" && h.latest.result !== "succeeded" ? h.latest.phase : undefined;
    const home = site.where.apex === "old" && site.where.www === "old";
    if (failed && h.latestInterrupted) {
        return `the last ${failed} was interrupted before anything of it was left half-done${failed === "cutover" && home ? " (visitors keep the old site)" : ""}: golive ${failed} --stack ${stack} when ready`;
    }
    if (failed === "cutover" && home && h.applied !== "cutover") {
        return `the last cutover failed and visitors are on the old site: read its record, fix the cause, then golive cutover --stack ${stack} again`;
    }
    if (failed === "cutover" && h.applied === "cutover") {
        return `the last cutover failed after an earlier one had succeeded: check the site (golive verify --stack ${stack}), then golive cutover --stack ${stack} again or golive prepare --stack ${stack} to roll back`;
    }
    if (failed) {
        const visitorsOnNew = !home;
        return `the last ${failed} failed: read its record, fix the cause, then golive ${failed} --stack ${stack} again${failed === "cutover" && visitorsOnNew ? `; if visitors see the new site broken, roll back: golive prepare --stack ${stack}` : ""}`;
    }
    const undone = h.rolledBackFrom;
    if (undone && h.applied && h.applied === previousPhase(undone.phase)) {
        const where = home ? ", visitors are on the old site" : "";
        const again = `golive ${undone.phase} --stack ${stack} again${undone.phase === "cutover" ? " at hour H, once the client's approval (P-01) is recorded again" : ""}`;
        const fix = undone.interrupted ? "" : `read what failed (golive report --stack ${stack}), fix the cause, then `;
        return `the last ${undone.phase} ${undone.interrupted ? "was interrupted" : "failed"} and was rolled back to ${h.applied}${where}: ${fix}${again}`;
    }
    switch (h.applied) {
        case undefined:
            return `golive adopt --stack ${stack}: import the records serving today (48 h before H)`;
        case "adopt":
            return `golive prepare --stack ${stack}: freeze the release, set up Vercel, lower the TTL (at least one old TTL before H)`;
        case "prepare":
            return `golive cutover --stack ${stack} at hour H, once the client's approval (P-01) is recorded`;
        case "cutover":
            return `done: the site is live. golive report --stack ${stack} prints the checklist; roll back with golive prepare --stack ${stack}`;
        default:
            return `golive adopt --stack ${stack}`;
    }
}
