// The go-live page's words in French (the plan's language) and English (`golive report --lang`).
// The checklist's actions are the plan's own French labels; English gives their translation. The
// evidence is the program's, in English, in both.
import type { ChecklistPhase, LineStatus, NextDateWords } from "../program/report";
import { NEXT_DATE_EN } from "../program/report";

export type Lang = "fr" | "en";

export const LANGS: readonly Lang[] = ["fr", "en"];

export interface Words {
    title: (domain: string) => string;
    rehearsalNote: string;
    verdictLive: (since?: string) => string;
    verdictRehearsed: (at?: string) => string;
    verdictRolledBack: (at?: string) => string;
    verdictFailed: string;
    verdictNotLive: (phase?: string) => string;
    because: string;
    site: string;
    stack: string;
    release: string;
    tag: string;
    generated: string;
    summary: string;
    pagesTitle: string;
    pagesIntro: string;
    before: string;
    after: string;
    pinnedOn: (pins: string) => string;
    throughDns: string;
    noShot: string;
    noShots: string;
    takenAt: string;
    shotAlt: (url: string, stage: string) => string;
    timelineTitle: string;
    timelineIntro: string;
    noTimeline: string;
    timelineLabel: (domain: string) => string;
    phasesLane: string;
    checksBefore: string;
    checksAfter: string;
    visitors: string;
    dnsSwitch: string;
    wayBack: string;
    seconds: string;
    latency: string;
    failedRequests: (n: number, total: number) => string;
    scoresTitle: string;
    scoresIntro: string;
    page: string;
    device: string;
    score: string;
    noScores: string;
    notMeasured: string;
    /** MEP-13 measured before the switch only. */
    scoresOnce: string;
    finalShot: string;
    noFinalShot: string;
    finalShotAlt: (url: string, device: string, tool: string) => string;
    probesFromProber: (urls: string[], everyMs: number) => string;
    probesFromChecks: (hosts: string[]) => string;
    certTitle: string;
    issuer: string;
    names: string;
    expires: string;
    source: string;
    noCert: string;
    checklistTitle: string;
    id: string;
    action: string;
    owner: string;
    status: string;
    evidence: string;
    incidentTitle: string;
    failedChecks: string;
    deploymentEvents: string;
    noDeploymentEvents: string;
    proberFigures: (failed: number, total: number) => string;
    nextDateTitle: string;
    /** R-6's steps; a command between backticks. */
    nextDate: NextDateWords;
    statuses: Record<LineStatus, string>;
    phases: Record<ChecklistPhase, string>;
    stages: Record<"pre-switch" | "after-switch", string>;
    checkStatus: Record<"pass" | "fail" | "skip", string>;
    actions?: Record<string, string>;
    footer: string;
}

const FR: Words = {
    title: (d) => `Mise en production de ${d}`,
    rehearsalNote: "Répétition sur une réplique locale (aucun visiteur réel) : la bascule est jouée puis annulée, comme le plan le prévoit.",
    verdictLive: (since) => `En ligne${since ? ` depuis le ${since}` : ""}`,
    verdictRehearsed: (at) => `Répétition réussie${at ? ` : bascule DNS le ${at}` : ""}, puis retour arrière`,
    verdictRolledBack: (at) => `Retour arrière${at ? ` le ${at}` : ""} : mise en production reportée`,
    verdictFailed: "La mise en production a échoué",
    verdictNotLive: (phase) => `Pas encore en ligne${phase ? ` (phase ${phase})` : ""}`,
    because: "Cause :",
    site: "Site",
    stack: "Stack",
    release: "Version déployée",
    tag: "Étiquette",
    generated: "Rapport généré le",
    summary: "Bilan",
    pagesTitle: "Les pages clés, vues par un visiteur",
    pagesIntro: "À gauche, le nouveau site avant la bascule (noms épinglés sur le nouvel hébergement) ; à droite, le site après la bascule, par le DNS public.",
    before: "Avant la bascule",
    after: "Après la bascule",
    pinnedOn: (p) => `noms épinglés : ${p}`,
    throughDns: "par le DNS public",
    noShot: "Pas de capture",
    noShots: "Aucune capture d'écran n'a été enregistrée pendant cette mise en production.",
    takenAt: "prise le",
    shotAlt: (url, stage) => `Capture de ${url} ${stage}`,
    timelineTitle: "Chronologie",
    timelineIntro: "Les phases, la bascule DNS, chaque vérification avant et après, et les requêtes des visiteurs (temps de réponse et échecs).",
    noTimeline: "Le dossier de cette stack ne contient pas de chronologie.",
    timelineLabel: (d) => `Chronologie de la mise en production de ${d}`,
    phasesLane: "Phases",
    checksBefore: "Vérif. avant",
    checksAfter: "Vérif. après",
    visitors: "Visiteurs",
    dnsSwitch: "Bascule DNS",
    wayBack: "Retour arrière",
    seconds: "s",
    latency: "temps de réponse (ms)",
    failedRequests: (n, t) => `${n} requête${n > 1 ? "s" : ""} en échec sur ${t}`,
    scoresTitle: "Performance (PageSpeed / Lighthouse)",
    scoresIntro: "Score de performance de chaque page clé (objectif : 90 ou plus).",
    page: "Page",
    device: "Appareil",
    score: "Score",
    noScores: "Aucun score enregistré.",
    notMeasured: "non mesuré",
    scoresOnce: "Mesurés avant la bascule, sur le déploiement de cette version : la bascule ne change que le DNS, pas le site.",
    finalShot: "Vue de l'analyse",
    noFinalShot: "pas de capture",
    finalShotAlt: (url, device, tool) => `${url} vue par ${tool} (${device}) à la fin de son analyse`,
    probesFromProber: (urls, ms) => `Les visiteurs : la sonde de la répétition demande ${urls.join(" et ")} toutes les ${ms} ms, par le DNS public de la réplique.`,
    probesFromChecks: (hosts) => `Les visiteurs : les requêtes des vérifications elles-mêmes vers ${hosts.join(" et ")} (pas de sonde ce jour-là) ; avant la bascule avec les noms épinglés sur Vercel, après par le DNS public.`,
    certTitle: "Certificat SSL",
    issuer: "Émetteur",
    names: "Noms",
    expires: "Expire le",
    source: "Source",
    noCert: "Le dossier ne contient pas le certificat servi.",
    checklistTitle: "Checklist du plan",
    id: "ID",
    action: "Action",
    owner: "Responsable",
    status: "Statut",
    evidence: "Preuve",
    incidentTitle: "Incident : analyse de la cause (R-4)",
    failedChecks: "Vérifications en échec",
    deploymentEvents: "Journal de build et événements du déploiement Vercel",
    noDeploymentEvents: "Journal du déploiement non recueilli",
    proberFigures: (f, t) => `Visiteurs pendant l'incident : ${f} requête${f > 1 ? "s" : ""} en échec sur ${t}.`,
    nextDateTitle: "Pour une nouvelle date (R-6)",
    nextDate: {
        fix: (cause) => `corriger la cause : ${cause} (R-4, section incident)`,
        release: (stack) => `une nouvelle version : golive:releaseRef sur le commit corrigé, puis \`golive phase prepare --stack ${stack}\` (nouveau build, certificat conservé, vérifications avant la bascule)`,
        prepareIfChanged: (stack) => `\`golive phase prepare --stack ${stack}\` à nouveau seulement si la version change (le build et le certificat de prepare restent valables)`,
        cutover: (stack) => `\`golive phase cutover --stack ${stack}\` à la nouvelle date (validation P-01 pour cette date ; MEP-01 l'annonce)`,
    },
    statuses: { done: "fait", "checked OK": "vérifié", failed: "échec", skipped: "non vérifié", manual: "manuel", pending: "en attente", unknown: "inconnu" },
    phases: {
        prerequisites: "Prérequis (48 h avant)",
        preparation: "Phase 1 : Préparation finale",
        deployment: "Phase 2 : Déploiement technique",
        "post-deploy": "Phase 3 : Tests post-déploiement",
        closure: "Phase 4 : Clôture",
        rollback: "Plan de retour arrière",
    },
    stages: { "pre-switch": "avant la bascule", "after-switch": "après la bascule" },
    checkStatus: { pass: "réussie", fail: "échec", skip: "non jouée" },
    footer: "Page produite par golive report --html à partir du dossier de la mise en production ; elle s'ouvre sans réseau.",
};

const EN: Words = {
    title: (d) => `Go-live of ${d}`,
    rehearsalNote: "Rehearsal on a local replica (no real visitor): the switch is played, then rolled back, as the plan provides.",
    verdictLive: (since) => `Live${since ? ` since ${since}` : ""}`,
    verdictRehearsed: (at) => `Rehearsal passed${at ? `: DNS switched at ${at}` : ""}, then rolled back`,
    verdictRolledBack: (at) => `Rolled back${at ? ` at ${at}` : ""}: the go-live is postponed`,
    verdictFailed: "The go-live failed",
    verdictNotLive: (phase) => `Not live yet${phase ? ` (phase ${phase})` : ""}`,
    because: "Because:",
    site: "Site",
    stack: "Stack",
    release: "Release",
    tag: "Tag",
    generated: "Report generated",
    summary: "Summary",
    pagesTitle: "The key pages as a visitor saw them",
    pagesIntro: "Left, the new site before the switch (names pinned to the new host); right, the site after the switch, through public DNS.",
    before: "Before the switch",
    after: "After the switch",
    pinnedOn: (p) => `names pinned: ${p}`,
    throughDns: "through public DNS",
    noShot: "No screenshot",
    noShots: "No screenshot was recorded during this go-live.",
    takenAt: "taken",
    shotAlt: (url, stage) => `Screenshot of ${url} ${stage}`,
    timelineTitle: "Timeline",
    timelineIntro: "The phases, the DNS switch, each check before and after, and the visitors' requests (response time and failures).",
    noTimeline: "This stack's record holds no timeline.",
    timelineLabel: (d) => `Timeline of the go-live of ${d}`,
    phasesLane: "Phases",
    checksBefore: "Checks before",
    checksAfter: "Checks after",
    visitors: "Visitors",
    dnsSwitch: "DNS switch",
    wayBack: "Way back",
    seconds: "s",
    latency: "response time (ms)",
    failedRequests: (n, t) => `${n} failed request${n === 1 ? "" : "s"} of ${t}`,
    scoresTitle: "Performance (PageSpeed / Lighthouse)",
    scoresIntro: "Performance score of each key page (goal: 90 or more).",
    page: "Page",
    device: "Device",
    score: "Score",
    noScores: "No score recorded.",
    notMeasured: "not measured",
    scoresOnce: "Measured before the switch, on this release's deployment: the switch changes DNS, not the site.",
    finalShot: "As analysed",
    noFinalShot: "no picture",
    finalShotAlt: (url, device, tool) => `${url} as ${tool} saw it (${device}) at the end of its analysis`,
    probesFromProber: (urls, ms) => `The visitors: the rehearsal's prober asks for ${urls.join(" and ")} every ${ms} ms, through the replica's public DNS.`,
    probesFromChecks: (hosts) => `The visitors: the checks' own requests to ${hosts.join(" and ")} (no prober on the day); before the switch with the names pinned to Vercel, after it through public DNS.`,
    certTitle: "SSL certificate",
    issuer: "Issuer",
    names: "Names",
    expires: "Expires",
    source: "Source",
    noCert: "The record does not hold the certificate served.",
    checklistTitle: "The plan's checklist",
    id: "ID",
    action: "Action",
    owner: "Owner",
    status: "Status",
    evidence: "Evidence",
    incidentTitle: "Incident: root cause (R-4)",
    failedChecks: "Failed checks",
    deploymentEvents: "Vercel deployment build log and events",
    noDeploymentEvents: "Deployment log not gathered",
    proberFigures: (f, t) => `Visitors during the incident: ${f} failed request${f === 1 ? "" : "s"} of ${t}.`,
    nextDateTitle: "For a new date (R-6)",
    nextDate: NEXT_DATE_EN,
    statuses: { done: "done", "checked OK": "checked", failed: "failed", skipped: "skipped", manual: "manual", pending: "pending", unknown: "unknown" },
    phases: {
        prerequisites: "Prerequisites (48 h before)",
        preparation: "Phase 1: Final preparation",
        deployment: "Phase 2: Technical deployment",
        "post-deploy": "Phase 3: Post-deployment tests",
        closure: "Phase 4: Closure",
        rollback: "Rollback plan",
    },
    stages: { "pre-switch": "before the switch", "after-switch": "after the switch" },
    checkStatus: { pass: "passed", fail: "failed", skip: "not run" },
    // The plan's labels, translated (the French ones are program/report PLAN's).
    actions: {
        "P-01": 'Final approval ("go for go-live")',
        "P-02": "Final content integrated and approved",
        "P-03": "Domain name bought",
        "P-04": "Access to the domain's registrar",
        "P-05": "Production environment variables ready",
        "MEP-01": "Start-of-work message",
        "MEP-02": "Code freeze",
        "MEP-03": "Final merge `develop` -> `main`",
        "MEP-04": "Last build on `main`",
        "MEP-05": "Domain added on Vercel",
        "MEP-06": "DNS configuration",
        "MEP-07": "DNS propagation",
        "MEP-08": "SSL certificate validation",
        "MEP-09": "Site access check",
        "MEP-10": "Forced redirection",
        "MEP-11": "Navigation test (smoke test)",
        "MEP-12": "Contact form test",
        "MEP-13": "Initial performance analysis",
        "MEP-14": "Basic SEO check",
        "MEP-15": "Google Search Console setup",
        "MEP-16": "Google Analytics setup",
        "MEP-17": "End-of-work message",
        "MEP-18": "Initial backup",
        "R-1": "Decision",
        "R-2": "Action: back to the previous DNS configuration",
        "R-3": "Communication: the client is told of the postponement",
        "R-4": "Root-cause analysis",
        "R-5": "Fix on a new branch",
        "R-6": "Re-planning",
    },
    footer: "Page made by golive report --html from the go-live's record; it opens without a network.",
};

export function wordsFor(lang: Lang): Words {
    return lang === "fr" ? FR : EN;
}
