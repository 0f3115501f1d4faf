// Traceability: the go-live plan's checklist (plan-mep.md: P-01..P-05, MEP-01..MEP-18 and the
// rollback plan of section 4) as data, each line with its status and the evidence the program has.
// Pure: no Pulumi import; fed by stack outputs, `golive verify --json` or the rehearsal's record.
import type { CheckResult, PlanId } from "../checks/types";
import type { CertificateFact } from "../checks/certificateFact";
import { plural } from "../checks/words";

export type ChecklistPhase = "prerequisites" | "preparation" | "deployment" | "post-deploy" | "closure" | "rollback";

/** How the program covers a line: a resource does it, a check proves it, or people do it. */
export type Coverage = "done" | "checked" | "manual";

/** `unknown`: the record does not hold the fact (a failed update, a verify result): said, never guessed. */
export type LineStatus = "done" | "checked OK" | "failed" | "skipped" | "manual" | "pending" | "unknown";

export type RollbackId = "R-1" | "R-2" | "R-3" | "R-4" | "R-5" | "R-6";

export interface PlanLine {
    id: PlanId | RollbackId;
    phase: ChecklistPhase;
    /** The label of the plan, in French as written there. */
    action: string;
    owner: string;
    coverage: Coverage;
}

export interface ChecklistLine extends PlanLine {
    status: LineStatus;
    evidence: string;
}

/** The plan, line by line, in its order. */
export const PLAN: ReadonlyArray<PlanLine> = [
    { id: "P-01", phase: "prerequisites", action: 'Validation Finale ("Bon pour MEP")', owner: "Client", coverage: "manual" },
    { id: "P-02", phase: "prerequisites", action: "Contenu Final Intégré et Validé", owner: "Client", coverage: "checked" },
    { id: "P-03", phase: "prerequisites", action: "Nom de Domaine Acheté", owner: "Client / Agence", coverage: "checked" },
    { id: "P-04", phase: "prerequisites", action: "Accès au Registrar du Nom de Domaine", owner: "Client / Agence", coverage: "checked" },
    { id: "P-05", phase: "prerequisites", action: "Variables d'Environnement Production Prêtes", owner: "Développeur", coverage: "done" },
    { id: "MEP-01", phase: "preparation", action: "Communication de début d'intervention", owner: "Chef de Projet", coverage: "done" },
    { id: "MEP-02", phase: "preparation", action: "Gel du Code (Code Freeze)", owner: "Développeur", coverage: "done" },
    { id: "MEP-03", phase: "preparation", action: "Merge final `develop` -> `main`", owner: "Développeur", coverage: "manual" },
    { id: "MEP-04", phase: "preparation", action: "Ultime Build sur la Branche `main`", owner: "Développeur", coverage: "done" },
    { id: "MEP-05", phase: "deployment", action: "Ajout du Nom de Domaine sur Vercel", owner: "Développeur", coverage: "done" },
    { id: "MEP-06", phase: "deployment", action: "Configuration des DNS", owner: "Développeur", coverage: "done" },
    { id: "MEP-07", phase: "deployment", action: "Propagation DNS", owner: "(Automatique)", coverage: "checked" },
    { id: "MEP-08", phase: "deployment", action: "Validation du Certificat SSL", owner: "Vercel (Auto)", coverage: "checked" },
    { id: "MEP-09", phase: "deployment", action: "Vérification de l'Accès au Site", owner: "Développeur", coverage: "checked" },
    { id: "MEP-10", phase: "deployment", action: "Forcer la Redirection", owner: "Développeur", coverage: "checked" },
    { id: "MEP-11", phase: "post-deploy", action: "Test de Navigation (Smoke Test)", owner: "Chef de Projet", coverage: "checked" },
    { id: "MEP-12", phase: "post-deploy", action: "Test du Formulaire de Contact", owner: "Chef de Projet", coverage: "checked" },
    { id: "MEP-13", phase: "post-deploy", action: "Analyse de Performance Initiale", owner: "Développeur", coverage: "checked" },
    { id: "MEP-14", phase: "post-deploy", action: "Vérification SEO Basique", owner: "Chef de Projet", coverage: "checked" },
    { id: "MEP-15", phase: "post-deploy", action: "Configuration Google Search Console", owner: "Chef de Projet", coverage: "checked" },
    { id: "MEP-16", phase: "post-deploy", action: "Configuration Google Analytics", owner: "Chef de Projet", coverage: "checked" },
    { id: "MEP-17", phase: "closure", action: "Communication de fin d'intervention", owner: "Chef de Projet", coverage: "done" },
    { id: "MEP-18", phase: "closure", action: "Sauvegarde Initiale", owner: "Développeur", coverage: "done" },
    { id: "R-1", phase: "rollback", action: "Décision", owner: "Chef de Projet / Développeur principal", coverage: "manual" },
    { id: "R-2", phase: "rollback", action: "Action : revenir à la configuration DNS précédente", owner: "Développeur", coverage: "done" },
    { id: "R-3", phase: "rollback", action: "Communication : le client est informé du report", owner: "Chef de Projet", coverage: "manual" },
    { id: "R-4", phase: "rollback", action: "Analyse de la cause racine", owner: "Équipe technique", coverage: "manual" },
    { id: "R-5", phase: "rollback", action: "Correction sur une nouvelle branche", owner: "Développeur", coverage: "manual" },
    { id: "R-6", phase: "rollback", action: "Re-planification", owner: "Chef de Projet", coverage: "manual" },
];

export const PHASE_TITLES: Record<ChecklistPhase, string> = {
    prerequisites: "2. Prérequis (À valider 48h AVANT la MEP)",
    preparation: "Phase 1 : Préparation Finale (T-1 Heure)",
    deployment: "Phase 2 : Déploiement Technique (Heure H)",
    "post-deploy": "Phase 3 : Tests Post-Déploiement (Heure H+1)",
    closure: "Phase 4 : Clôture (Heure H+2)",
    rollback: "4. Plan de Retour Arrière (Rollback Plan)",
};

/** A record as the stack outputs it (program/program `dnsRecords.apex|www`). */
export interface DnsRecordFact {
    name: string;
    type?: string | null;
    content?: string | null;
    oldContent?: string | null;
    newContent?: string | null;
}

/** MEP-18 as the ReleaseTag component reports it. */
export interface TagFact {
    tag: string;
    commit?: string;
    remote?: string;
    /** What the tag script said: "created", "already tagged"... */
    outcome?: string;
    error?: string;
}

export interface ChecklistFacts {
    phase?: string;
    domain: string;
    stack?: string;
    approval?: { by: string; at: string } | null;
    releaseRef?: string | null;
    deploymentId?: string | null;
    deploymentUrl?: string | null;
    zone?: { name?: string; status?: string } | null;
    /** P-05: names only, never values. */
    envVars?: string[];
    /** MEP-02: whether the Vercel project refuses to deploy pushes (null before prepare). */
    codeFreeze?: boolean | null;
    dnsRecords?: { apex?: DnsRecordFact | null; www?: DnsRecordFact | null } | null;
    /**
     * Check results (MEP-07..MEP-16, P-02), as checks/types.ts shapes them; those run against the
     * new host before the switch carry `stage: "pre-switch"`.
     */
    results: CheckResult[];
    /** MEP-08 before hour H: the certificate as prepare left it (null before prepare). */
    certificate?: CertificateFact | null;
    /** MEP-05: each domain's verification on Vercel. */
    domainsVerified?: CheckResult[];
    /** MEP-01 / MEP-17 (and R-3) results from checks/notify; absent when no webhook is configured. */
    notifications?: CheckResult[];
    /** A webhook is configured: without results yet, MEP-01/MEP-17 are pending rather than manual. */
    webhookConfigured?: boolean;
    tag?: TagFact | null;
    /**
     * The phase's `pulumi up` failed: it recorded no outputs, so the facts above come from what is
     * known (the previous phase, the config, the check results) and a fact they lack is unknown.
     */
    failedUpdate?: FailedUpdate | null;
    /** Plan section 4 was carried out after this phase (R-1, R-2). */
    rollback?: RollbackFact | null;
    generatedAt: string;
}

export interface FailedUpdate {
    /** The phase whose update failed, e.g. "cutover". */
    phase: string;
    /** Its first error, one line (e.g. "MEP-10 Redirects failed: …"). */
    error: string;
}

export interface RollbackFact {
    /** The phase the stack went back to, e.g. "prepare". */
    to: string;
    ok: boolean;
    /** Why it was rolled back (R-1). */
    why: string;
    /** What the rollback did and what proves it (R-2). */
    evidence: string;
}

const PHASE_ORDER = ["adopt", "prepare", "cutover"];
const atLeast = (phase: string | undefined, wanted: string) => PHASE_ORDER.indexOf(phase ?? "") >= PHASE_ORDER.indexOf(wanted);

/** Why a fact is missing from a record that cannot hold it; undefined when the record should. */
function missingBecause(facts: ChecklistFacts): string | undefined {
    if (facts.failedUpdate) return `not known: the ${facts.failedUpdate.phase} update failed before recording it (${facts.failedUpdate.error})`;
    // A `golive verify` result knows the checks only, not the stack.
    if (facts.phase === undefined) return `not in this record (check results only): \`golive report --stack ${facts.stack ?? "<stack>"}\` reads the stack`;
    return undefined;
}

/** Status of a plan line proved by one or more check results. */
function fromResults(results: CheckResult[], facts?: ChecklistFacts): { status: LineStatus; evidence: string } {
    if (results.length === 0) {
        if (facts?.failedUpdate) return { status: "unknown", evidence: `not run: the ${facts.failedUpdate.phase} update failed before this check ran (${facts.failedUpdate.error})` };
        return { status: "pending", evidence: "not run yet" };
    }
    const evidence = results.map((r) => `${r.stage === "pre-switch" ? "before the switch (names pinned to Vercel): " : ""}${r.name}: ${r.reason}`).join("; ");
    if (results.some((r) => r.status === "fail")) return { status: "failed", evidence };
    if (results.every((r) => r.status === "skip")) return { status: "skipped", evidence };
    return { status: "checked OK", evidence };
}

// P-02: the SEO check (MEP-14) looks for placeholder text on the key pages.
function contentFinal(results: CheckResult[], facts: ChecklistFacts): { status: LineStatus; evidence: string } {
    const own = results.filter((r) => r.id === "P-02");
    if (own.length > 0) return fromResults(own);
    const seo = results.filter((r) => r.id === "MEP-14");
    type Scanned = { path?: string; status?: number; error?: string; placeholder?: unknown };
    const scans = seo.flatMap((r) => {
        const p = (r.evidence as { pages?: unknown }).pages;
        return Array.isArray(p) ? (p as Scanned[]) : [];
    });
    // A page scanned before the switch and again after it is one page: flagged if either scan
    // flagged it, read if either scan read it.
    const byPath = new Map<string, Scanned>();
    for (const p of scans) {
        const key = p.path ?? "";
        const seen = byPath.get(key);
        const read = (x: Scanned | undefined) => !!x && x.error === undefined && x.status === 200;
        byPath.set(key, !seen ? p : { ...(read(p) ? p : seen), placeholder: seen.placeholder || p.placeholder });
    }
    const pages = [...byPath.values()];
    if (pages.length === 0) {
        return seo.length > 0 && seo.every((r) => r.status === "skip")
            ? { status: "skipped", evidence: `MEP-14 skipped: ${seo.map((r) => r.reason).join("; ")}` }
            : facts.failedUpdate
              ? { status: "unknown", evidence: `no placeholder scan: the ${facts.failedUpdate.phase} update failed before MEP-14 ran (${facts.failedUpdate.error})` }
              : { status: "pending", evidence: "no placeholder scan yet (MEP-14)" };
    }
    const flagged = pages.filter((p) => p.placeholder);
    if (flagged.length > 0) return { status: "failed", evidence: `placeholder text on ${flagged.map((p) => p.path).join(", ")} (MEP-14 scan)` };
    // Only a page that answered 200 had its text read: one that did not says nothing about its content.
    const unread = pages.filter((p) => p.error !== undefined || p.status !== 200);
    if (unread.length === 0) return { status: "checked OK", evidence: `no placeholder text on ${plural(pages.length, "key page")} (MEP-14 scan)` };
    const read = pages.filter((p) => !unread.includes(p));
    const why = (p: (typeof pages)[number]) => `${p.path} (${p.error ?? (p.status !== undefined ? `answered ${p.status}` : "no answer recorded")})`;
    return {
        status: "unknown",
        evidence: `${read.length > 0 ? `no placeholder text on ${plural(read.length, "key page")} (${read.map((p) => p.path).join(", ")}); ` : ""}not scanned: ${unread.map(why).join(", ")} (MEP-14 scan)`,
    };
}

function notification(id: "MEP-01" | "MEP-17", facts: ChecklistFacts): { status: LineStatus; evidence: string } {
    const found = (facts.notifications ?? []).filter((r) => r.id === id);
    if (found.length === 0 && facts.webhookConfigured && facts.failedUpdate) {
        return id === "MEP-17"
            ? { status: "pending", evidence: `not sent: the ${facts.failedUpdate.phase} update failed (${facts.failedUpdate.error}); sent once every check passes` }
            : { status: "unknown", evidence: `no result recorded: the ${facts.failedUpdate.phase} update failed (${facts.failedUpdate.error})` };
    }
    if (found.length === 0 && facts.webhookConfigured) {
        return { status: "pending", evidence: `posted to the webhook ${id === "MEP-01" ? "at the start of the cutover" : "once every check passed"}` };
    }
    if (found.length === 0 || found.every((r) => r.status === "skip")) {
        const why = found.length > 0 ? found.map((r) => r.reason).join("; ") : "no webhook configured (golive:notify.webhookUrl)";
        return { status: "manual", evidence: `${why}: inform the client by hand` };
    }
    const r = found[found.length - 1];
    const at = typeof r.evidence.at === "string" ? ` at ${r.evidence.at}` : "";
    return r.status === "pass" ? { status: "done", evidence: `${r.reason}${at}` } : { status: "failed", evidence: r.reason };
}

/** R-3: the client told of the postponement through the webhook (posted after a rollback), else by hand. */
function postponementMessage(facts: ChecklistFacts): { status: LineStatus; evidence: string } {
    const sent = (facts.notifications ?? []).filter((r) => r.id === "R-3");
    const r = sent[sent.length - 1];
    if (r && r.status !== "skip") {
        const at = typeof r.evidence.at === "string" ? ` at ${r.evidence.at}` : "";
        return r.status === "pass" ? { status: "done", evidence: `the postponement posted with the go-live page: ${r.reason}${at}` } : { status: "failed", evidence: `${r.reason}: inform the client by hand` };
    }
    if (facts.webhookConfigured && facts.rollback) return { status: "pending", evidence: "posted through the webhook (golive:notify) by the command that rolled back; its record says when" };
    // Nothing rolled back: ready, as R-2 is (posted at once by the command that rolls a cutover back).
    return { status: "manual", evidence: facts.webhookConfigured ? "ready: posted through the webhook (golive:notify) at once if a cutover is rolled back" : "" };
}

/**
 * The checklist with the messages the guided command posted after the update (issue 26): R-3 after
 * a rollback, and MEP-17's go-live page once the site is live (its evidence says when and where).
 */
export function withMessages(lines: readonly ChecklistLine[], messages: readonly CheckResult[], facts: Pick<ChecklistFacts, "webhookConfigured" | "rollback">): ChecklistLine[] {
    const page = messages.filter((m) => m.id === "MEP-17").pop();
    return lines.map((l) => {
        if (l.id === "R-3" && messages.some((m) => m.id === "R-3")) return { ...l, ...postponementMessage({ domain: "", results: [], generatedAt: "", ...facts, notifications: [...messages] }) };
        if (l.id === "MEP-17" && page) {
            const at = typeof page.evidence.at === "string" ? ` at ${page.evidence.at}` : "";
            const what = page.status === "pass" ? `the go-live page posted${at} (${page.reason})` : `the go-live page not posted: ${page.reason}`;
            return { ...l, evidence: l.evidence ? `${l.evidence}; ${what}` : what };
        }
        return l;
    });
}

/** R-4's material as gathered on a failed cutover (rendering/goLivePage Incident, the page's incident section). */
export interface GatheredIncident {
    failedChecks: ReadonlyArray<{ id: string }>;
    deploymentEvents?: readonly unknown[];
    deploymentEventsMissing?: string;
    probes?: { total: number; failed: number };
}

/**
 * R-4 once its material is gathered (issue 26): what was kept for the root-cause analysis and
 * where. The team names the cause from it; gathering it is no longer left to memory.
 */
export function incidentGathered(i: GatheredIncident): { status: LineStatus; evidence: string } {
    const ids = [...new Set(i.failedChecks.map((c) => c.id))];
    const parts = [
        ids.length ? `the failed checks with their evidence (${ids.join(", ")})` : "no failed check recorded",
        i.deploymentEvents?.length ? `Vercel's build log and events (${i.deploymentEvents.length})` : `no Vercel events (${i.deploymentEventsMissing ?? "not read"})`,
        ...(i.probes ? [`the visitors' figures (${i.probes.failed} failed requests of ${i.probes.total})`] : []),
    ];
    return { status: "done", evidence: `gathered for the analysis: ${parts.join("; ")}; in the go-live page's incident section and the record` };
}

/** The checklist with R-4 as gathered. */
export function withIncident(lines: readonly ChecklistLine[], incident: GatheredIncident | undefined): ChecklistLine[] {
    return incident ? lines.map((l) => (l.id === "R-4" ? { ...l, ...incidentGathered(incident) } : l)) : [...lines];
}

function record(r: DnsRecordFact | null | undefined): string | undefined {
    if (!r) return undefined;
    const content = r.content ?? r.newContent;
    return content ? `${r.name} ${r.type ?? ""} ${content}`.replace(/\s+/g, " ") : undefined;
}

const sameValue = (a: string, b: string) => a.toLowerCase().replace(/\.$/, "") === b.toLowerCase().replace(/\.$/, "");

/** MEP-06: the records hold Vercel's values (when the record says what they must become). */
function recordsSwitched(records: Array<DnsRecordFact | null | undefined>): boolean {
    const known = records.filter((r): r is DnsRecordFact => !!r && !!r.content);
    return known.length > 0 && known.every((r) => !r.newContent || sameValue(r.content!, r.newContent));
}

function lineFor(line: PlanLine, facts: ChecklistFacts): { status: LineStatus; evidence: string } {
    const ref = facts.releaseRef ? `release ref ${facts.releaseRef}` : undefined;
    const zoneActive = facts.zone?.status === "active";
    // What the record cannot hold is unknown; otherwise a missing fact means "not done yet".
    const missing = missingBecause(facts);
    const notYet = (evidence: string) => (missing ? { status: "unknown" as const, evidence: missing } : { status: "pending" as const, evidence });
    switch (line.id) {
        case "P-01":
            return facts.approval
                ? { status: "done", evidence: `approved by ${facts.approval.by} on ${facts.approval.at} (golive:approvedBy/approvedAt)` }
                : notYet("no approval recorded (golive:approvedBy, golive:approvedAt)");
        case "P-02":
            return contentFinal(facts.results, facts);
        case "P-03":
            return facts.zone?.name
                ? { status: "checked OK", evidence: `Cloudflare zone ${facts.zone.name} exists (status ${facts.zone.status ?? "unknown"})` }
                : notYet("zone not looked up yet");
        case "P-04":
            return zoneActive
                ? { status: "checked OK", evidence: `zone ${facts.zone!.name} is active: the registrar delegates to Cloudflare` }
                : facts.zone?.status
                  ? { status: "pending", evidence: `zone status ${facts.zone.status}: the registrar does not delegate to Cloudflare yet` }
                  : notYet("zone not looked up yet");
        case "P-05":
            if (facts.phase === undefined) return notYet("");
            if (!atLeast(facts.phase, "prepare")) return { status: "pending", evidence: "set from the prepare phase on" };
            return facts.envVars && facts.envVars.length > 0
                ? { status: "done", evidence: `production variables set on Vercel: ${facts.envVars.join(", ")}` }
                : { status: "done", evidence: "no production variable declared (golive:envVars)" };
        case "MEP-01":
        case "MEP-17":
            return notification(line.id, facts);
        case "MEP-02":
            // From prepare on the project does not deploy pushes (gitProviderOptions.createDeployments false).
            if (facts.codeFreeze === true) return { status: "done", evidence: `enforced: the Vercel project does not deploy pushes to the production branch; ${ref ?? "the pinned ref"} is deployed` };
            if (facts.codeFreeze === false) return { status: "done", evidence: `lifted (golive:codeFreeze false): pushes to the production branch deploy again${ref ? `; ${ref} was the go-live's` : ""}` };
            return ref ? { status: "manual", evidence: `deployed ${ref} (golive:releaseRef)` } : facts.phase === undefined ? notYet("") : { status: "manual", evidence: "no release ref pinned yet (golive:releaseRef)" };
        case "MEP-03":
            return ref ? { status: "manual", evidence: `deployed ${ref} (golive:releaseRef)` } : facts.phase === undefined ? notYet("") : { status: "manual", evidence: "no release ref pinned yet (golive:releaseRef)" };
        case "MEP-04":
            return facts.deploymentId
                ? { status: "done", evidence: `Vercel production deployment ${facts.deploymentId}${facts.deploymentUrl ? ` (${facts.deploymentUrl})` : ""}${ref ? ` built from ${ref}` : ""}` }
                : notYet("no production deployment yet (prepare phase)");
        case "MEP-05": {
            if (!facts.deploymentId) return notYet("domains are added in the prepare phase");
            const refused = (facts.domainsVerified ?? []).filter((r) => r.status === "fail");
            if (refused.length > 0) return { status: "failed", evidence: refused.map((r) => r.reason).join("; ") };
            const verified = (facts.domainsVerified ?? []).filter((r) => r.status === "pass").map((r) => r.reason);
            return { status: "done", evidence: `${facts.domain} (redirects) and www.${facts.domain} (serves) on the Vercel project${verified.length > 0 ? `; ${verified.join("; ")}` : ""}` };
        }
        case "MEP-08": {
            const checked = fromResults(facts.results.filter((r) => r.id === "MEP-08"), facts);
            const c = facts.certificate;
            if (!c) return checked;
            const before = certificateLine(c);
            return { status: checked.status, evidence: checked.evidence === "not run yet" ? before : `${before}; ${checked.evidence}` };
        }
        case "MEP-06": {
            const both = [facts.dnsRecords?.apex, facts.dnsRecords?.www];
            const recs = both.map(record).filter((x): x is string => !!x);
            if (facts.phase === "cutover" && recordsSwitched(both)) {
                return { status: "done", evidence: `Cloudflare records: ${recs.join("; ")}${facts.failedUpdate ? ` (updated before the ${facts.failedUpdate.phase} update failed)` : ""}` };
            }
            if (recs.length === 0 && missing) return { status: "unknown", evidence: missing };
            return { status: "pending", evidence: `records point to Vercel in the cutover phase${recs.length ? ` (now: ${recs.join("; ")})` : ""}` };
        }
        case "MEP-18": {
            const t = facts.tag;
            if (!t) {
                if (facts.phase === undefined) return notYet("");
                // Before cutover the record holds no tag whether golive:release.tag is set or not; at
                // cutover it holds one whenever it is set (components/releaseSteps).
                return facts.phase === "cutover"
                    ? { status: "manual", evidence: "no release tag configured (golive:release.tag)" }
                    : { status: "pending", evidence: "the release tag (golive:release.tag) is created in the cutover phase, once every check passes" };
            }
            if (t.error) return { status: "failed", evidence: t.error };
            if (!t.outcome && facts.failedUpdate) return { status: "pending", evidence: `tag ${t.tag} not created: the ${facts.failedUpdate.phase} update failed (${facts.failedUpdate.error}); it is created once every check passes` };
            if (!t.outcome) return { status: "pending", evidence: `tag ${t.tag} is created once every check passes` };
            return { status: "done", evidence: `tag ${t.tag}${t.commit ? ` on ${t.commit}` : ""}${t.remote ? `, pushed to ${t.remote}` : ""} (${t.outcome})` };
        }
        case "R-1":
            return facts.rollback ? { status: "done", evidence: `rollback decided: ${facts.rollback.why}` } : { status: "manual", evidence: "" };
        case "R-2":
            if (facts.rollback) return { status: facts.rollback.ok ? "done" : "failed", evidence: `back to the ${facts.rollback.to} phase: ${facts.rollback.evidence}` };
            return { status: "manual", evidence: `ready: golive rollback --stack ${facts.stack ?? "<stack>"} returns the DNS records to the previous successful update` };
        case "R-6": {
            // What a new date needs, said by `golive report` once a cutover failed.
            const needs = nextDateNeeds(facts);
            if (needs.length > 0) return { status: "pending", evidence: `a new date needs: ${needs.map((l, i) => `(${i + 1}) ${l}`).join("; ")}` };
            return { status: "manual", evidence: "" };
        }
        case "R-3":
            return postponementMessage(facts);
        case "R-4":
        case "R-5":
            return { status: "manual", evidence: line.id === "R-4" ? "stack history, check results above and Vercel logs" : "" };
        default:
            return fromResults(facts.results.filter((r) => r.id === line.id), facts);
    }
}

/**
 * R-6: what a new date needs after a rolled-back or failed cutover: the cause fixed, the phases to
 * run again, the client told. Empty when nothing failed.
 */
export function nextDateNeeds(facts: Pick<ChecklistFacts, "failedUpdate" | "rollback" | "stack" | "results">): string[] {
    const n = nextDateOf(facts);
    return n ? nextDateSteps(n, NEXT_DATE_EN) : [];
}

/** R-6's steps in words; a command between backticks. The English ones are the record's (the go-live page's French its own). */
export interface NextDateWords {
    fix: (cause: string) => string;
    release: (stack: string) => string;
    prepareIfChanged: (stack: string) => string;
    cutover: (stack: string) => string;
}

export const NEXT_DATE_EN: NextDateWords = {
    fix: (cause) => `fix the cause: ${cause} (R-4, incident section)`,
    release: (stack) => `a new release: golive:releaseRef on the fixed commit, then \`golive phase prepare --stack ${stack}\` (new build, certificate kept, checks before the switch)`,
    prepareIfChanged: (stack) => `\`golive phase prepare --stack ${stack}\` again only if the release changes (the build and the certificate of prepare stand)`,
    cutover: (stack) => `\`golive phase cutover --stack ${stack}\` on the new date (P-01 approval for that date; MEP-01 announces it)`,
};

/** What a new date needs, step by step, in `words`. */
export function nextDateSteps(n: NextDate, words: NextDateWords): string[] {
    return [words.fix(n.cause), n.newRelease ? words.release(n.stack) : words.prepareIfChanged(n.stack), words.cutover(n.stack)];
}

/** R-6's facts: what failed, whether the site itself must be fixed (a new release), on which stack. */
export interface NextDate {
    /** The failed checks' IDs, or the failed update's error. */
    cause: string;
    newRelease: boolean;
    stack: string;
}

/** What a new date needs after a failed cutover; none when nothing failed. */
export function nextDateOf(facts: Pick<ChecklistFacts, "failedUpdate" | "stack" | "results">): NextDate | undefined {
    if (!facts.failedUpdate) return undefined;
    const failed = facts.results.filter((r) => r.status === "fail");
    const ids = [...new Set(failed.map((r) => r.id))];
    // A failure of the site itself needs a new build; one of the records or the certificate does not.
    const newRelease = failed.some((r) => ["P-02", "MEP-09", "MEP-11", "MEP-12", "MEP-13", "MEP-14", "MEP-16"].includes(r.id));
    return { cause: ids.length ? ids.join(", ") : facts.failedUpdate.error, newRelease, stack: facts.stack ?? "<stack>" };
}

/** MEP-08's evidence before hour H: the certificate issued at prepare, or why there is none. */
export function certificateLine(c: CertificateFact): string {
    switch (c.status) {
        case "issued":
            return `certificate${c.id ? ` ${c.id}` : ""} for ${c.names.join(", ")} issued before the switch${c.issuedAt ? ` at ${c.issuedAt}` : ""} (DNS-01)${c.expiresAt ? `, valid until ${c.expiresAt.slice(0, 10)}` : ""}`;
        case "exists":
            return `Vercel already held a certificate for ${c.names.join(", ")} before the switch (${c.reason})`;
        default:
            return `no certificate before the switch (${c.status}: ${c.reason}${c.todo ? `; ${c.todo}` : ""})`;
    }
}

/** The whole checklist with statuses and evidence, in the plan's order. */
export function buildChecklist(facts: ChecklistFacts): ChecklistLine[] {
    return PLAN.map((line) => ({ ...line, ...lineFor(line, facts) }));
}

/** A checklist recorded at deploy time, with the rollback carried out since (R-1, R-2) added. */
export function withRollback(lines: ReadonlyArray<ChecklistLine>, facts: ChecklistFacts): ChecklistLine[] {
    if (!facts.rollback) return [...lines];
    return lines.map((l) => (l.id === "R-1" || l.id === "R-2" ? { ...l, ...lineFor(l, facts) } : l));
}

/** The phase line of the record: where the stack is, and what happened to get there. */
export function describePhase(facts: Pick<ChecklistFacts, "phase" | "failedUpdate" | "rollback">): string | undefined {
    if (!facts.phase) return undefined;
    const failed = facts.failedUpdate ? ` (update failed: ${facts.failedUpdate.error})` : "";
    if (!facts.rollback) return `${facts.phase}${failed}`;
    return `${facts.phase}${failed}, then rolled back to ${facts.rollback.to}${facts.rollback.ok ? "" : " (the rollback failed)"}`;
}

export interface ReportMeta {
    domain: string;
    phase?: string;
    stack?: string;
    releaseRef?: string | null;
    generatedAt: string;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ").trim() || "—";

const STATUS_MARK: Record<LineStatus, string> = {
    done: "✅ done",
    "checked OK": "✅ checked OK",
    failed: "❌ failed",
    skipped: "⚠️ skipped",
    manual: "✋ manual",
    pending: "⏳ pending",
    unknown: "❔ unknown",
};

/** A Markdown document laid out like the plan: phases, then one table per phase. */
export function renderMarkdown(lines: ReadonlyArray<ChecklistLine>, meta: ReportMeta): string {
    const count = (s: LineStatus) => lines.filter((l) => l.status === s && l.phase !== "rollback").length;
    const out: string[] = [
        `# Mise en production — ${meta.domain}`,
        "",
        `- **Stack :** ${meta.stack ?? "—"}`,
        `- **Phase :** ${meta.phase ?? "—"}`,
        `- **Version (release ref) :** ${meta.releaseRef ?? "—"}`,
        `- **Rapport généré le :** ${meta.generatedAt}`,
        `- **Bilan :** ${count("done")} done, ${count("checked OK")} checked OK, ${count("failed")} failed, ${count("skipped")} skipped, ${count("manual")} manual, ${count("pending")} pending${count("unknown") ? `, ${count("unknown")} unknown` : ""}`,
        "",
    ];
    let section = "";
    for (const phase of Object.keys(PHASE_TITLES) as ChecklistPhase[]) {
        const rows = lines.filter((l) => l.phase === phase);
        if (rows.length === 0) continue;
        if (phase === "prerequisites" || phase === "rollback") {
            out.push(`## ${PHASE_TITLES[phase]}`, "");
        } else {
            if (section !== "checklist") out.push("## 3. Checklist de Mise en Production", "");
            section = "checklist";
            out.push(`### ${PHASE_TITLES[phase]}`, "");
        }
        out.push("| ID | Action | Responsable | Statut | Preuve |", "| :--- | :--- | :--- | :--- | :--- |");
        for (const l of rows) out.push(`| **${l.id}** | ${cell(l.action)} | ${cell(l.owner)} | ${STATUS_MARK[l.status]} | ${cell(l.evidence)} |`);
        out.push("");
    }
    return out.join("\n");
}

/** Facts from whatever JSON the team kept: stack outputs, `golive verify --json`, the rehearsal's record. */
export function factsFromJson(json: unknown, defaults: { stack?: string; generatedAt: string }): ChecklistFacts {
    const o = (Array.isArray(json) ? { results: json } : json ?? {}) as Record<string, any>;
    const unwrap = (v: any) => (v && typeof v === "object" && "value" in v && Object.keys(v).length <= 2 && "secret" in v ? v.value : v);
    const get = (k: string) => unwrap(o[k]);
    const results: CheckResult[] = (get("results") ?? get("checks") ?? []).filter(isCheckResult);
    const notifications: CheckResult[] = (get("notifications") ?? []).filter(isCheckResult);
    // Notifications may come mixed in with the results (a verify run that included them).
    for (const r of results.filter((x) => x.id === "MEP-01" || x.id === "MEP-17")) notifications.push(r);
    const vercel = get("vercel") ?? {};
    const domain = get("domain") ?? get("zone")?.name ?? get("redirect")?.from ?? hostOf(get("urls")?.apex) ?? domainOfResults(results);
    if (typeof domain !== "string" || domain === "") {
        throw new Error("cannot tell the domain from this JSON: expected `domain`, `zone.name`, `redirect.from`, `urls.apex`, or check results naming the site");
    }
    return {
        domain,
        ...(get("phase") ? { phase: get("phase") } : {}),
        ...(defaults.stack ?? get("stack") ? { stack: defaults.stack ?? get("stack") } : {}),
        approval: get("approval") ?? null,
        releaseRef: get("releaseRef") ?? null,
        deploymentId: get("deploymentId") ?? vercel.deploymentId ?? null,
        deploymentUrl: get("deploymentUrl") ?? vercel.deploymentUrl ?? null,
        zone: get("zone") ?? null,
        envVars: Array.isArray(vercel.envVars) ? vercel.envVars : get("envVars") ?? [],
        dnsRecords: get("dnsRecords") ?? null,
        results: results.filter((r) => r.id !== "MEP-01" && r.id !== "MEP-17"),
        notifications,
        tag: get("tag") ?? get("releaseTag") ?? null,
        certificate: isCertificate(get("certificate")) ? get("certificate") : null,
        domainsVerified: (get("domainsVerified") ?? []).filter(isCheckResult),
        failedUpdate: isFailedUpdate(get("failedUpdate")) ? get("failedUpdate") : null,
        rollback: isRollback(get("rollback")) ? get("rollback") : null,
        generatedAt: get("generatedAt") ?? defaults.generatedAt,
    };
}

const isCertificate = (x: any): x is CertificateFact => !!x && typeof x.status === "string" && Array.isArray(x.names) && typeof x.reason === "string";
const isFailedUpdate = (x: any): x is FailedUpdate => !!x && typeof x.phase === "string" && typeof x.error === "string";
const isRollback = (x: any): x is RollbackFact => !!x && typeof x.to === "string" && typeof x.ok === "boolean" && typeof x.why === "string" && typeof x.evidence === "string";

/** The apex a set of results was about (older `golive verify --json` files carry no `domain`). */
function domainOfResults(results: CheckResult[]): string | undefined {
    for (const r of results) {
        const e = r.evidence as { url?: unknown; hosts?: unknown };
        const host = hostOf(e.url) ?? (Array.isArray(e.hosts) && typeof e.hosts[0] === "string" ? e.hosts[0] : undefined);
        if (host) return host.replace(/^www\./, "");
    }
    return undefined;
}

function hostOf(url: unknown): string | undefined {
    try {
        return typeof url === "string" ? new URL(url).hostname : undefined;
    } catch {
        return undefined;
    }
}

export function isCheckResult(x: unknown): x is CheckResult {
    const r = x as CheckResult;
    return !!r && typeof r === "object" && typeof r.id === "string" && ["pass", "fail", "skip"].includes(r.status) && typeof r.reason === "string";
}

/** A checklist as recorded in stack outputs (the `checklist` output). */
export function isLines(x: unknown): x is ChecklistLine[] {
    return Array.isArray(x) && x.length > 0 && x.every((l) => l && typeof l.id === "string" && typeof l.status === "string" && typeof l.action === "string");
}
