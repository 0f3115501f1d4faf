// Live progress of a `pulumi up`, from the engine's events: one line per resource as it finishes
// and per check with its result, the check results themselves (passed ones from the resources'
// outputs, failed ones from the engine's error), and the moments that matter to the rollback
// decision: the DNS switch and the first failed check. The engine's warnings are shown too (once
// each): pending operations an interrupted run left, a provider's own warnings. Pure: events in,
// lines and facts out.
import type { CheckResult } from "../checks/types";
import { resultFromFailure } from "../checks/dynamic";
import { DNS_RECORD_TYPE, describeStep, isPreSwitch, labelOf, nameOfUrn, typeOfUrn } from "../program/stepLabels";
import { plannedStepOf, StepMetadata } from "./previewSummary";
import { refusalOf } from "../program/providerRefusals";
import { evidenceJson } from "../checks/inlineImage";

/** The fields of the engine's EngineEvent used here. */
export interface ProgressEvent {
    resourcePreEvent?: { metadata: StepMetadata & { new?: { outputs?: Record<string, unknown> } | null } };
    resOutputsEvent?: { metadata: StepMetadata & { new?: { outputs?: Record<string, unknown> } | null } };
    resOpFailedEvent?: { metadata: StepMetadata };
    diagnosticEvent?: { urn?: string; message: string; severity: string };
}

export interface ProgressStep {
    name: string;
    type: string;
    op: string;
    /** "MEP-06 DNS record dns-www" */
    label: string;
    startedAt: number;
    endedAt?: number;
    ok: boolean;
    error?: string;
    result?: CheckResult;
}

/** A duration as the guided commands print it: `4.2 s`. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const firstLine = (s: string) => s.trim().split("\n")[0];

function isCheckResult(x: unknown): x is CheckResult {
    return !!x && typeof x === "object" && typeof (x as CheckResult).id === "string" && typeof (x as CheckResult).status === "string";
}

export class UpProgress {
    readonly steps: ProgressStep[] = [];
    /** Results of the checks that ran: passed and skipped from outputs, failed from errors. */
    readonly results: CheckResult[] = [];
    /** Errors that are not a check's (a provider refusal, a program error). */
    readonly errors: string[] = [];
    /** The engine's warnings, once each, as shown. */
    readonly warnings: string[] = [];
    /** When a site record first finished changing (the DNS switch at cutover, the way back at rollback). */
    dnsChangedAt?: number;
    firstFailedCheckAt?: number;
    /** The site records as this update left them (dns-apex → apex), for the checklist. */
    readonly dnsRecords: Record<string, { name: string; type: string; content: string }> = {};

    private step(meta: StepMetadata, at: number): ProgressStep | undefined {
        const planned = plannedStepOf(meta);
        if (!planned.custom || meta.type.startsWith("pulumi:providers:") || meta.type === "pulumi:pulumi:Stack" || meta.op === "same" || meta.op === "read") return undefined;
        const name = nameOfUrn(meta.urn);
        let s = this.steps.find((x) => x.name === name && x.type === meta.type && x.endedAt === undefined);
        if (!s) {
            s = { name, type: meta.type, op: meta.op, label: describeStep(meta.type, name), startedAt: at, ok: true };
            this.steps.push(s);
        }
        return s;
    }

    /** Takes one engine event (received at `at`, ms) and returns the lines to print now. */
    onEvent(e: ProgressEvent, at: number): string[] {
        const lines: string[] = [];
        if (e.resourcePreEvent) {
            const s = this.step(e.resourcePreEvent.metadata, at);
            const running = ["create", "update", "replace", "create-replacement"].includes(e.resourcePreEvent.metadata.op);
            if (s && running && labelOf(s.type, s.name).check) lines.push(`  … ${s.label}: running`);
        }
        if (e.resOutputsEvent) {
            const meta = e.resOutputsEvent.metadata;
            const s = this.step(meta, at);
            if (s) {
                s.endedAt = at;
                const result = meta.new?.outputs?.result;
                if (isCheckResult(result)) {
                    s.result = result;
                    this.results.push(result);
                    lines.push(`  ${result.status === "skip" ? "-" : "✓"} ${result.id} ${result.name}: ${result.status} — ${firstLine(result.reason)} (${seconds(at - s.startedAt)})`);
                } else {
                    lines.push(`  ✓ ${s.op} ${s.label} (${seconds(at - s.startedAt)})`);
                }
                if (s.type === DNS_RECORD_TYPE && labelOf(s.type, s.name).id === "MEP-06") {
                    this.dnsChangedAt ??= at;
                    const o = meta.new?.outputs ?? {};
                    this.dnsRecords[s.name.replace(/^.*-/, "")] = { name: String(o.name ?? ""), type: String(o.type ?? ""), content: String(o.content ?? "") };
                }
            }
        }
        if (e.resOpFailedEvent) {
            const s = this.step(e.resOpFailedEvent.metadata, at);
            if (s) {
                s.ok = false;
                s.endedAt = at;
            }
        }
        const diag = e.diagnosticEvent;
        if (diag && diag.severity === "warning") {
            const message = diag.message.trim();
            const name = diag.urn && !diag.urn.includes("pulumi:pulumi:Stack") ? nameOfUrn(diag.urn) : undefined;
            const line = `${name ? `${name}: ` : ""}${message.split("\n").map((l) => l.trim()).filter((l) => l !== "").join(" ")}`;
            if (message !== "" && !this.warnings.includes(line)) {
                this.warnings.push(line);
                lines.push(`  ! warning: ${line}`);
            }
        }
        if (diag && diag.severity === "error") {
            const message = diag.message.trim();
            const failed = resultFromFailure(message);
            const name = diag.urn ? nameOfUrn(diag.urn) : undefined;
            const s = name ? this.steps.find((x) => x.name === name) : undefined;
            if (s) {
                s.ok = false;
                s.endedAt ??= at;
                s.error ??= message;
            }
            // A failure's message does not carry the stage: the resource's name does.
            const result = failed && name && isPreSwitch(name) ? { ...failed, stage: "pre-switch" as const } : failed;
            if (result && !this.results.some((r) => r.id === result.id && r.status === "fail" && r.stage === result.stage)) {
                if (s) s.result = result;
                this.results.push(result);
                // The check says when it failed (ms); the event arrived a little later.
                const failedAt = Date.parse(String((result.evidence as { failedAt?: unknown }).failedAt ?? ""));
                this.firstFailedCheckAt ??= Number.isFinite(failedAt) ? Math.min(at, at - Math.max(0, Date.now() - failedAt)) : at;
                lines.push(`  ✗ ${result.id} ${result.name}${result.stage === "pre-switch" ? " (before the switch)" : ""}: FAILED — ${result.reason}`);
            } else if (!failed && diag.urn && !diag.urn.includes("pulumi:pulumi:Stack")) {
                // A refusal the operator can act on reads so, the provider's words kept (program/providerRefusals).
                const refusal = refusalOf(message, !this.dnsChanged());
                const text = refusal ? `${refusal.id} ${refusal.text}` : firstLine(message);
                this.errors.push(`${name}: ${text}`);
                lines.push(`  ✗ ${s?.label ?? describeStep(typeOfUrn(diag.urn), name!)}: ${text}`);
            } else if (!failed && !/update failed|preview failed/.test(message)) {
                this.errors.push(firstLine(message));
            }
        }
        return lines;
    }

    /** Whether a DNS record of the zone changed in this update (a site record, a CAA or a TXT record). */
    dnsChanged(): boolean {
        return this.steps.some((x) => x.type === DNS_RECORD_TYPE && x.endedAt !== undefined && x.ok);
    }

    get failedChecks(): CheckResult[] {
        return this.results.filter((r) => r.status === "fail");
    }
}

/** One line per failed check: its reason and evidence, shortened. */
export function failedCheckLines(results: readonly CheckResult[], maxEvidence = 240): string[] {
    return results
        .filter((r) => r.status === "fail")
        .map((r) => {
            const evidence = evidenceJson(r.evidence);
            return `  ✗ ${r.id} ${r.name}: ${r.reason} — evidence: ${evidence.length > maxEvidence ? evidence.slice(0, maxEvidence) + "…" : evidence}`;
        });
}
