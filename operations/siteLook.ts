// The look every guided command starts with (and `golive status` shows): the stack as it is — the
// golive run holding it, the backend's lock, the pending operations and site records of its state,
// the records Cloudflare holds now (read through the Cloudflare provider, as `discover` reads them),
// what each phase declares — judged by operations/siteState into one plain account.
import { NAMESPACE, type Phase } from "../config/config";
import { describeBackendLock, fileBackendRoot, readFileBackendLocks } from "./backendLock";
import { backendUrlOf } from "./stackReads";
import { leftoverEngines } from "./engineGuard";
import { domainOf, lastApplied, latestUpdate, phaseOf, type ConfigMap, type UpdateEntry } from "./phaseGates";
import { judgeSite, SiteFacts, SiteState, type RecordView } from "./siteState";
import { describeHolder, type HeldLock } from "./runLock";
import { discover, Discovery, GuidedStack, readHistory, readOutputs, readState, StateView } from "./engineStack";

export interface Look {
    facts: SiteFacts;
    site: SiteState;
    /** The zone and records lookup (also the zone gate of prepare and cutover). */
    discovery?: Discovery;
    history: UpdateEntry[];
    outputs: Record<string, unknown>;
    state?: StateView;
}

export interface LookOptions {
    /** The stack config, when the command has read it. */
    map?: ConfigMap;
    history?: UpdateEntry[];
    outputs?: Record<string, unknown>;
    /** The golive run lock as this command found it: its own (alive) is left out. */
    run?: HeldLock;
    /** Read the records at Cloudflare (a preview of an inline program: a few seconds). */
    records: boolean;
    /** The phase the zone lookup is for (a cutover needs an active zone). */
    zonePhase?: Phase;
    signal?: AbortSignal;
}

const SITE_TYPES = new Set(["A", "AAAA", "CNAME"]);

type DnsOutputs = { apex?: { oldContent?: string | null; newContent?: string | null }; www?: { oldContent?: string | null; newContent?: string | null } };

/** Each record's content before the go-live and at Vercel: the last outputs, else golive:liveRecords. */
function targetsOf(outputs: Record<string, unknown>, map: ConfigMap | undefined): SiteFacts["targets"] {
    const dns = (outputs.dnsRecords ?? {}) as DnsOutputs;
    let live: Record<string, { content?: string }> = {};
    try {
        live = JSON.parse(map?.[`${NAMESPACE}:liveRecords`]?.value ?? "{}");
    } catch {
        // the config gate says why
    }
    const one = (label: "apex" | "www") => ({
        ...(dns[label]?.oldContent ?? live[label]?.content ? { old: (dns[label]?.oldContent ?? live[label]?.content)! } : {}),
        ...(dns[label]?.newContent ? { vercel: dns[label]!.newContent! } : {}),
    });
    return { apex: one("apex"), www: one("www") };
}

/** The apex from the stack config, else the zone the last update saw. */
function siteDomainOf(map: ConfigMap | undefined, outputs: Record<string, unknown>): string | undefined {
    return domainOf(map) ?? (outputs.zone as { name?: string } | undefined)?.name;
}

async function backendLockOf(gs: GuidedStack, latest: UpdateEntry | undefined, orphans: number[]): Promise<SiteFacts["backendLock"]> {
    const root = fileBackendRoot(await backendUrlOf(gs.stack));
    if (root) {
        const project = (await gs.stack.workspace.projectSettings()).name;
        const locks = readFileBackendLocks(root, project, gs.name);
        if (locks.length === 0) return undefined;
        const live = locks.find((l) => l.alive !== false);
        const l = live ?? locks[0];
        return { description: describeBackendLock(l), alive: l.alive, ...(l.pid !== undefined && orphans.includes(l.pid) ? { orphaned: true } : {}) };
    }
    // Other backends say it in the history: an update still in progress.
    if (latest && latest.result === "in-progress") return { description: `an update of ${phaseOf(latest)} in progress since ${new Date(latest.startTime).toISOString()} (the backend says so)`, alive: "unknown" };
    return undefined;
}

/** Looks at the stack and the records; never throws for what it cannot read (it says so instead). */
export async function lookAtSite(gs: GuidedStack, o: LookOptions): Promise<Look> {
    const history = o.history ?? (await readHistory(gs).catch((): UpdateEntry[] => []));
    const outputs = o.outputs ?? (await readOutputs(gs).catch((): Record<string, unknown> => ({})));
    const applied = lastApplied(history);
    const latest = latestUpdate(history);
    const state = await readState(gs).catch(() => undefined);
    const domain = siteDomainOf(o.map, outputs);
    // Engine processes an interrupted golive left running (their guard is gone), then who holds the
    // stack: a run under way is not disturbed by a preview of ours; an orphaned engine is a leftover.
    let leftoverPids: number[] = [];
    try {
        leftoverPids = leftoverEngines(gs.registry, gs.name).flatMap((l) => l.running.map((p) => p.pid));
    } catch {
        // ps unavailable: nothing to say
    }
    const backendLock = await backendLockOf(gs, latest, leftoverPids).catch(() => undefined);
    const busy = (o.run && o.run.alive !== false) || (backendLock && backendLock.alive !== false && !backendLock.orphaned);
    let discovery: Discovery | undefined;
    let live: SiteFacts["live"];
    let liveError: string | undefined;
    if (o.records && domain && !busy) {
        discovery = await discover(gs, { domain, phase: o.zonePhase ?? "adopt", records: true, ...(o.signal ? { signal: o.signal } : {}) });
        if (discovery.records) {
            const pick = (name: string): RecordView[] => discovery!.records!.filter((r) => r.name.toLowerCase() === name && SITE_TYPES.has(r.type)).map((r) => ({ type: r.type, content: r.content }));
            live = { apex: pick(domain), www: pick(`www.${domain}`) };
        } else liveError = discovery.error ?? "the records could not be listed";
    } else if (o.records) liveError = busy ? "not read while another run holds the stack" : "no golive:domain";
    const leftoverProcesses = leftoverPids.length;
    const filePhase = o.map?.[`${NAMESPACE}:phase`]?.value;
    const facts: SiteFacts = {
        stack: gs.name,
        ...(applied ? { applied: phaseOf(applied) } : {}),
        ...(filePhase ? { filePhase } : {}),
        ...(latest ? { latest: { kind: latest.kind, result: latest.result, phase: phaseOf(latest), startedAt: new Date(latest.startTime).toISOString() } } : {}),
        ...(o.run ? { run: { description: describeHolder(o.run), alive: o.run.alive, command: o.run.info.command, startedAt: o.run.info.startedAt, ...(o.run.info.phase ? { phase: o.run.info.phase } : {}) } } : {}),
        pending: state?.pending.map((p) => ({ op: p.op, name: p.name })) ?? [],
        leftoverProcesses,
        ...(live ? { live } : {}),
        ...(liveError ? { liveError } : {}),
        ...(state && !state.empty ? { state: state.records } : {}),
        targets: targetsOf(outputs, o.map),
    };
    if (backendLock) facts.backendLock = backendLock;
    return { facts, site: judgeSite(facts), ...(discovery ? { discovery } : {}), history, outputs, ...(state ? { state } : {}) };
}

/** The look as the commands print it: the headline, then each leftover. */
export function lookLines(look: Look): string[] {
    const s = look.site;
    return [`Where the site is: ${s.headline}; ${s.visitors}.`, ...s.leftovers.map((l) => `  ! ${l}`)];
}
