// The rehearsal's record of the go-live: the plan's checklist as `golive report` would print it
// after the cutover and the rollback. A cutover that went through has recorded its own checklist
// (the `checklist` stack output); a failed one recorded no outputs, so its checklist is built from
// what is known: the previous phase's outputs, the cutover's config, which of its steps went
// through, and the check results. A fact none of them holds is reported unknown, never guessed.
import type { CheckResult } from "../checks/types";
import { DNS_RECORD_TYPE } from "../program/stepLabels";
import {
    buildChecklist,
    ChecklistFacts,
    ChecklistLine,
    DnsRecordFact,
    FailedUpdate,
    RollbackFact,
    withRollback,
} from "../program/report";

/** One `pulumi up` as the record needs it (rehearsal/engine PhaseResult fits). */
export interface PhaseOutcome {
    phase: string;
    ok: boolean;
    errors: string[];
    outputs?: Record<string, unknown>;
    steps: Array<{ type: string; name: string; op: string; ok: boolean }>;
}

export interface RecordInput {
    domain: string;
    stack: string;
    /** The stack config of the cutover (`golive:*` keys as Pulumi.<stack>.yaml holds them). */
    config: Record<string, string>;
    /** Outputs of the last successful update before the cutover (prepare). */
    previous?: Record<string, unknown>;
    cutover: PhaseOutcome;
    /** Check results (MEP-07..MEP-16, P-02) and the MEP-01/MEP-17 messages. */
    results: CheckResult[];
    notifications: CheckResult[];
    /** Plan section 4, once carried out. */
    rollback?: RollbackFact;
    generatedAt: string;
}


/** A failed update's first error as one line: "MEP-10 Redirects failed", with a count of the rest. */
export function failedUpdateOf(outcome: PhaseOutcome): FailedUpdate | undefined {
    if (outcome.ok) return undefined;
    const first = outcome.errors[0] ?? "the update failed without an error message";
    const check = /(MEP-\d+|P-\d+) (.+?) failed:/.exec(first);
    const line = check ? `${check[1]} ${check[2]} failed` : first.split("\n")[0].slice(0, 160);
    const more = outcome.errors.length - 1;
    return { phase: outcome.phase, error: more > 0 ? `${line}, and ${more} more error${more === 1 ? "" : "s"}` : line };
}

function json<T>(raw: string | undefined): T | undefined {
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw) as T;
    } catch {
        return undefined;
    }
}

/**
 * The records after a failed cutover: as the previous phase left them, except those whose update
 * the cutover applied, which now hold the value the cutover declared (Vercel's, `newContent`).
 */
function recordsAfter(previous: Record<string, any> | undefined, cutover: PhaseOutcome): ChecklistFacts["dnsRecords"] {
    const before = previous?.dnsRecords as { apex?: DnsRecordFact | null; www?: DnsRecordFact | null } | undefined;
    if (!before) return null;
    const after = (label: "apex" | "www"): DnsRecordFact | null => {
        const r = before[label];
        if (!r) return null;
        const applied = cutover.steps.some((s) => s.type === DNS_RECORD_TYPE && s.name.endsWith(`-${label}`) && s.ok && s.op !== "same");
        return applied && r.newContent ? { ...r, content: r.newContent } : r;
    };
    return { apex: after("apex"), www: after("www") };
}

/** What the checklist says about the cutover from what is known. */
export function cutoverFacts(input: RecordInput): ChecklistFacts {
    const out = (input.cutover.ok ? input.cutover.outputs : undefined) as Record<string, any> | undefined;
    const prev = input.previous as Record<string, any> | undefined;
    const cfg = input.config;
    const release = json<{ tag?: string }>(cfg["golive:release"]);
    const failedUpdate = failedUpdateOf(input.cutover);
    const approval = cfg["golive:approvedBy"] && cfg["golive:approvedAt"] ? { by: cfg["golive:approvedBy"], at: cfg["golive:approvedAt"] } : null;
    const vercel = (out ?? prev)?.vercel as { deploymentId?: string; deploymentUrl?: string; envVars?: string[] } | null | undefined;
    return {
        phase: "cutover",
        domain: input.domain,
        stack: input.stack,
        approval: out?.approval ?? approval,
        // The config's ref (the frozen commit), not a guess.
        releaseRef: out?.releaseRef ?? cfg["golive:releaseRef"] ?? null,
        deploymentId: vercel?.deploymentId ?? null,
        deploymentUrl: vercel?.deploymentUrl ?? null,
        zone: out?.zone ?? prev?.zone ?? null,
        envVars: vercel?.envVars ?? json<string[]>(cfg["golive:envVars"]) ?? [],
        dnsRecords: out?.dnsRecords ?? recordsAfter(prev, input.cutover),
        results: input.results,
        notifications: input.notifications,
        webhookConfigured: cfg["golive:notify"] !== undefined,
        tag: out?.tag ?? (release?.tag ? { tag: release.tag } : null),
        failedUpdate: failedUpdate ?? null,
        rollback: input.rollback ?? null,
        generatedAt: input.generatedAt,
    };
}

/** The checklist of the record: the cutover's own when it went through (plus the rollback), else built from the facts. */
export function rehearsalChecklist(input: RecordInput): { facts: ChecklistFacts; checklist: ChecklistLine[] } {
    const facts = cutoverFacts(input);
    const recorded = input.cutover.ok ? (input.cutover.outputs as { checklist?: unknown } | undefined)?.checklist : undefined;
    const checklist = Array.isArray(recorded) ? withRollback(recorded as ChecklistLine[], facts) : buildChecklist(facts);
    return { facts, checklist };
}
