// A preview as a short plain summary for the operator: what is imported, which DNS records change
// in place (field by field), what is created, replaced or deleted, and which checks will run. A
// live record replaced or deleted is called out and refused unless golive:allowRecordReplace
// accepts it (zero downtime: records are updated in place). Pure: reads the engine's step events.
import { DNS_RECORD_TYPE, describeStep, isPreSwitch, isSiteRecord, labelOf, nameOfUrn } from "../program/stepLabels";
import { certificateBeforeSwitch, type CertificateFact } from "../checks/certificateFact";

import { UNKNOWN_VALUE } from "../shared/secretEnvelope";
import type { GoLiveConfig, Phase } from "../config/config";
import type { ChecksConfig } from "../config/checksConfig";

/** A step of a preview, from the engine's resourcePreEvent metadata. */
export interface PlannedStep {
    op: string;
    urn: string;
    type: string;
    /** False for components (the engine omits `custom` for them). */
    custom: boolean;
    oldInputs?: Record<string, unknown>;
    newInputs?: Record<string, unknown>;
}

/** The fields of the engine's StepEventMetadata used here. */
export interface StepMetadata {
    op: string;
    urn: string;
    type: string;
    old?: { custom?: boolean; inputs?: Record<string, unknown> } | null;
    new?: { custom?: boolean; inputs?: Record<string, unknown> } | null;
}

export function plannedStepOf(meta: StepMetadata): PlannedStep {
    const state = meta.new ?? meta.old;
    return {
        op: meta.op,
        urn: meta.urn,
        type: meta.type,
        custom: state?.custom === true,
        ...(meta.old?.inputs ? { oldInputs: meta.old.inputs } : {}),
        ...(meta.new?.inputs ? { newInputs: meta.new.inputs } : {}),
    };
}

export interface FieldChange {
    field: string;
    from: string;
    to: string;
}

export interface RecordChange {
    /** Resource name, e.g. dns-www. */
    resource: string;
    /** DNS name, e.g. www.example.com. */
    record: string;
    changes: FieldChange[];
}

export interface PreviewSummary {
    /** Imported records (adopt), e.g. "dns-apex example.com A 192.0.2.1 (ttl 300, unproxied)". */
    imports: string[];
    recordsInPlace: RecordChange[];
    /** Other resources updated in place. */
    updates: string[];
    creates: string[];
    replaces: string[];
    deletes: string[];
    /** Checks that will run after the switch (created or re-run), in plan order. */
    checks: string[];
    /** Checks that will run against the new host before the switch: at cutover the records wait for them. */
    checksBefore: string[];
    /** What visitors will meet that the program could not prevent, announced before the switch. */
    gaps: string[];
    /** What the operator should know before applying (a certificate still pending...). */
    notes: string[];
    /** Why this preview must not be applied; empty when it may. */
    refusals: string[];
}

const byPlanId = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });
const RECORD_FIELDS = ["type", "content", "ttl", "proxied", "comment"];
const REPLACE_OPS = ["replace", "create-replacement", "delete-replaced", "import-replacement", "discard-replaced"];
const DELETE_OPS = ["delete", "discard"];

function show(v: unknown): string {
    if (v === UNKNOWN_VALUE) return "(known after apply)";
    if (v === undefined || v === null || v === "") return "(none)";
    if (typeof v === "object") return JSON.stringify(v);
    return String(v);
}

/** Which op a resource gets in this preview, its step events merged. */
function opOf(ops: string[]): "import" | "create" | "update" | "replace" | "delete" | "same" {
    if (ops.some((o) => REPLACE_OPS.includes(o))) return "replace";
    if (ops.some((o) => DELETE_OPS.includes(o))) return "delete";
    if (ops.includes("import")) return "import";
    if (ops.includes("create")) return "create";
    if (ops.includes("update")) return "update";
    return "same";
}

export interface SummaryOptions {
    /** golive:allowRecordReplace: a record replaced (type change) or dropped is accepted. */
    allowRecordReplace: boolean;
    /** adopt must import and change nothing else. */
    adopt?: boolean;
    /**
     * The update switches DNS to Vercel (cutover): the project and its domains must stay as prepared,
     * since a replaced or deleted one takes the domains (and their certificates) from under the switch.
     */
    switchesToVercel?: boolean;
    /** The certificate as the last update left it (stack output `certificate`), at cutover. */
    certificate?: CertificateFact | null;
    /** golive:checks.certWaitSeconds: how long MEP-08 waits after the switch without a certificate. */
    certWaitSeconds?: number;
}

/** The stack output `certificate` when it has the shape of a CertificateFact (an old stack may lack it). */
export function isCertificateFact(x: unknown): x is CertificateFact {
    return !!x && typeof x === "object" && typeof (x as CertificateFact).status === "string" && Array.isArray((x as CertificateFact).names);
}

/**
 * The summary of a guided phase's preview, its options read off the phase and the config: one
 * definition for `golive plan` and the guided phases. `certificateOutput`: the stack output
 * `certificate` before the update (it decides, at cutover, whether visitors would meet a gap).
 */
export function summarizePhasePreview(
    steps: readonly PlannedStep[],
    phase: Phase,
    cfg: Pick<GoLiveConfig, "dns">,
    checks: Pick<ChecksConfig, "certWaitSeconds"> | undefined,
    certificateOutput: unknown,
): PreviewSummary {
    return summarizePreview(steps, {
        allowRecordReplace: cfg.dns.allowRecordReplace,
        adopt: phase === "adopt",
        switchesToVercel: phase === "cutover",
        certificate: phase === "cutover" && isCertificateFact(certificateOutput) ? certificateOutput : null,
        certWaitSeconds: checks?.certWaitSeconds ?? 300,
    });
}

/** What serves the site once DNS points to Vercel (MEP-04, MEP-05). */
const SERVING_TYPES = ["vercel:index/project:Project", "vercel:index/projectDomain:ProjectDomain"];

export function summarizePreview(steps: readonly PlannedStep[], opts: SummaryOptions): PreviewSummary {
    const byUrn = new Map<string, PlannedStep[]>();
    for (const s of steps) {
        if (!s.custom || s.type.startsWith("pulumi:providers:") || s.type === "pulumi:pulumi:Stack") continue;
        byUrn.set(s.urn, [...(byUrn.get(s.urn) ?? []), s]);
    }
    const out: PreviewSummary = { imports: [], recordsInPlace: [], updates: [], creates: [], replaces: [], deletes: [], checks: [], checksBefore: [], gaps: [], notes: [], refusals: [] };
    const checks: Array<{ id: string; text: string }> = [];
    const checksBefore: Array<{ id: string; text: string }> = [];
    for (const [urn, list] of [...byUrn].sort(([a], [b]) => nameOfUrn(a).localeCompare(nameOfUrn(b)))) {
        const op = opOf(list.map((s) => s.op));
        if (op === "same") continue;
        const type = list[0].type;
        const name = nameOfUrn(urn);
        const olds = list.find((s) => s.oldInputs)?.oldInputs ?? {};
        const news = list.find((s) => s.newInputs)?.newInputs ?? {};
        const label = labelOf(type, name);
        // The site's records and CAA; the TXT records of the certificate and the domains come and go.
        const isRecord = isSiteRecord(type, name);
        const record = String(news.name ?? olds.name ?? name);
        if (label.check && op !== "delete") {
            (isPreSwitch(name) ? checksBefore : checks).push({ id: label.id ?? "", text: `${label.id} ${label.what}` });
            continue;
        }
        switch (op) {
            case "import":
                out.imports.push(`${name} ${record} ${news.type} ${show(news.content)} (ttl ${show(news.ttl)}, ${news.proxied ? "proxied" : "unproxied"})`);
                break;
            case "update":
                if (isRecord) {
                    const changes = RECORD_FIELDS.filter((f) => JSON.stringify(olds[f] ?? null) !== JSON.stringify(news[f] ?? null)).map((f) => ({ field: f, from: show(olds[f]), to: show(news[f]) }));
                    out.recordsInPlace.push({ resource: name, record, changes });
                } else out.updates.push(describeStep(type, name));
                break;
            case "create":
                out.creates.push(describeStep(type, name));
                break;
            case "replace":
                out.replaces.push(describeStep(type, name));
                if (isRecord && !opts.allowRecordReplace) {
                    out.refusals.push(
                        `${name} (${record}) would be replaced: deleted and created again, so visitors may get no answer in between. Set golive:allowRecordReplace true to accept it.`,
                    );
                }
                break;
            case "delete":
                out.deletes.push(describeStep(type, name));
                if (isRecord && !opts.allowRecordReplace) {
                    out.refusals.push(
                        `${name} (${record}) would be deleted from the stack: the program would stop managing a live record. Check golive:liveRecords; set golive:allowRecordReplace true to accept it.`,
                    );
                }
                break;
        }
        if (opts.switchesToVercel && (op === "replace" || op === "delete") && SERVING_TYPES.includes(type)) {
            out.refusals.push(
                `${describeStep(type, name)} would be ${op === "replace" ? "replaced (deleted and created again)" : "deleted"} in the update that switches DNS to it: visitors would reach a project or domain that is not there. Make that change at prepare, before the switch (golive prepare), then cut over.`,
            );
        }
        if (opts.adopt && op !== "import") out.refusals.push(`adopt imports the live records and changes nothing, but this preview would ${op} ${describeStep(type, name)}`);
    }
    out.checks = checks.sort((a, b) => byPlanId(a.id, b.id)).map((c) => c.text);
    out.checksBefore = checksBefore.sort((a, b) => byPlanId(a.id, b.id)).map((c) => c.text);
    const c = opts.certificate;
    if (opts.switchesToVercel && c && !certificateBeforeSwitch(c)) {
        // pending: the cutover stops before DNS moves unless it is issued by then; refused or off: a gap.
        if (c.status === "pending") out.notes.push(`the certificate ordered at prepare is not issued yet (${c.reason}): the cutover tries once more, and stops before DNS moves if it still is not`);
        else out.gaps.push(`no certificate before the switch (${c.status}: ${c.reason}${c.todo ? `; ${c.todo}` : ""}): visitors who reach Vercel get its *.vercel.app certificate until Vercel issues the site's, once DNS points to it; MEP-08 waits up to ${opts.certWaitSeconds ?? 300} s after the switch`);
    }
    if (opts.adopt) {
        for (const r of out.recordsInPlace) out.refusals.push(`adopt changes nothing, but ${r.record} would change: ${r.changes.map((c) => `${c.field} ${c.from} → ${c.to}`).join(", ")}`);
    }
    return out;
}

/** "MEP-05 Vercel domain ×2", in plan order. */
function group(items: string[]): string {
    const counts = new Map<string, number>();
    for (const i of [...items].sort(byPlanId)) counts.set(i, (counts.get(i) ?? 0) + 1);
    return [...counts].map(([i, n]) => (n > 1 ? `${i} ×${n}` : i)).join(", ");
}

/** The summary as a few plain lines. */
export function renderPreviewSummary(s: PreviewSummary): string[] {
    const lines: string[] = [];
    if (s.imports.length > 0) lines.push(`  import (adopted as they are): ${s.imports.join("; ")}`);
    for (const r of s.recordsInPlace) {
        lines.push(`  record changing in place: ${r.record} (${r.resource}): ${r.changes.map((c) => `${c.field} ${c.from} → ${c.to}`).join(", ") || "no field change"}`);
    }
    if (s.creates.length > 0) lines.push(`  create: ${group(s.creates.map((c) => c.replace(/ \S+$/, "")))}`);
    if (s.updates.length > 0) lines.push(`  update in place: ${s.updates.join(", ")}`);
    if (s.replaces.length > 0) lines.push(`  REPLACE: ${s.replaces.join(", ")}`);
    if (s.deletes.length > 0) lines.push(`  DELETE: ${s.deletes.join(", ")}`);
    if (s.checksBefore.length > 0) lines.push(`  verified before the switch (new host, names pinned to Vercel${s.recordsInPlace.length > 0 ? "; the records wait for them" : ""}): ${s.checksBefore.join(", ")}`);
    if (s.checks.length > 0) lines.push(`  checks that will run${s.checksBefore.length > 0 ? " after the switch" : ""}: ${s.checks.join(", ")}`);
    for (const g of s.gaps) lines.push(`  VISITOR-FACING GAP: ${g}`);
    for (const n of s.notes) lines.push(`  note: ${n}`);
    if (lines.length === 0) lines.push("  no change");
    for (const r of s.refusals) lines.push(`  refused: ${r}`);
    return lines;
}
