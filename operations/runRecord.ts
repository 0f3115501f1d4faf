// What a guided run records (traceability), as data: the phase record (who, when, the gates, the
// preview, every step and check, R-1's decision and the rollback), and the record of a recover or
// a rollback. rendering/recordFile turns them into the Markdown file.
import type { CheckResult } from "../checks/types";
import type { ChecklistLine } from "../program/report";
import type { Gate } from "./phaseGates";
import type { ProgressStep } from "./upProgress";
import type { CiRun } from "./ciContext";

export interface RollbackDecision {
    choice: "rollback" | "no rollback" | "undecided";
    /** Who decided: git user.name or the login. */
    by: string;
    at: Date;
    /** How: "answered yes at the prompt", "--auto-rollback", "golive:rollback.auto agreed in config"... */
    how: string;
}

export interface RollbackRun {
    ok: boolean;
    startedAt: Date;
    endedAt: Date;
    /** When the site records were back at their previous content. */
    dnsRestoredAt?: Date;
    /** The rollback's `pulumi up`, from its start to its end (the go-live page's timeline). */
    apply?: { startedAt: Date; endedAt: Date };
    steps: ProgressStep[];
    errors: string[];
}

/** A phase stopped by a signal (Ctrl-C, SIGTERM) before it ended (issue 18 item 7). */
export interface Interruption {
    /** "SIGINT"… */
    by: string;
    at: Date;
    /** true when the engine was stopped at once (second Ctrl-C, or it did not stop in time). */
    stoppedAtOnce: boolean;
}

export interface PhaseRecord {
    stack: string;
    phase: string;
    domain: string;
    operator: string;
    engine: string;
    startedAt: Date;
    endedAt: Date;
    gates: Gate[];
    /** The preview summary as shown (operations/previewSummary renderPreviewSummary). */
    preview: string[];
    /** How the apply was confirmed: "--yes" or "answered yes at the prompt". */
    confirmation: string;
    ok: boolean;
    errors: string[];
    steps: ProgressStep[];
    /** ms since the epoch of the steps' clock origin (step times are relative to it). */
    clockOrigin: number;
    /** The phase's `pulumi up`, from its start to its end (the go-live page's timeline). */
    apply?: { startedAt: Date; endedAt: Date };
    failedChecks: CheckResult[];
    dnsSwitchAt?: Date;
    firstFailedCheckAt?: Date;
    decision?: RollbackDecision;
    rollback?: RollbackRun;
    checklist: ChecklistLine[];
    releaseRef?: string | null;
    interruption?: Interruption;
    /** Where the site was when the run ended, read from the records (operations/siteLook): headline and visitors. */
    siteAfter?: string[];
    /** The ways on printed at the end. */
    next?: string[];
    /** The CI run this phase ran in (GitHub Actions): its URL, who started it, who approved it. */
    ci?: CiRun;
    /** The go-live page, MEP-17's page or R-3's message, R-4's incident (cli/goLiveNews, issue 26). */
    page?: RecordedPage;
    messages?: CheckResult[];
    incident?: { deploymentEvents?: Array<{ at?: string; type: string; text: string }>; deploymentEventsMissing?: string };
}

/** The record of one `golive recover` or `golive rollback`: what it found, what it cleared, which way on was taken. */
export interface RecoveryRecord {
    stack: string;
    domain?: string;
    operator: string;
    engine: string;
    startedAt: Date;
    endedAt: Date;
    /** The site look before anything was cleared (operations/siteLook lookLines). */
    before: string[];
    /** Each thing cleared, as done. */
    cleared: string[];
    /** The site look once cleared. */
    after: string[];
    /** The way on: finish the phase, roll back, or none (with how it was chosen and what came of it). */
    way?: { choice: "finish" | "rollback" | "none"; how: string; result: string };
    rollback?: RollbackRun;
    /** The go-live page and R-3's message after a rollback of a cutover (cli/goLiveNews, issue 26). */
    page?: RecordedPage;
    messages?: CheckResult[];
    clockOrigin: number;
    ok: boolean;
}

/** The go-live page as a guided command left it (operations/goLivePagePublish PublishedPage). */
export interface RecordedPage {
    file: string;
    link: string;
    /** The key pages' pictures in it, one line (operations/goLiveShots picturesSummary). */
    pictures?: string;
    upload?: { ok: boolean; detail: string; ms: number };
    missing?: string;
}
