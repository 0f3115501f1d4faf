// The key pages' pictures of a real go-live (issue 26), taken by the guided cutover in two stages of
// its own, outside `pulumi up` (visitors never wait for a browser):
//   - "shoot before the switch", right before the apply: the new host (verified at prepare) with
//     the site's names pinned exactly as the pre-switch checks pinned them (the pins their results
//     recorded, `evidence.pinned`, in the stack's outputs);
//   - "shoot after the switch", once the run has its outcome (the way back included): through
//     public DNS, no pins. Labelled from the records: after a way back, or a cutover that did not
//     move the records, the picture is the old site visitors reach, and says so. `golive rollback`
//     and `golive recover --rollback` of a cutover run the same stage once their update is done.
// Each is bounded (checks/screenshot: 30 s a page, one browser at a time), never throws, never
// changes the verdict; a picture that could not be taken says why. The shooter is the command's
// (GuidedDeps.shootPages): a run without one takes no picture (the page says it has none), and
// GOLIVE_SCREENSHOTS=off makes each page say why it has none.
import { NAMESPACE } from "../config/config";
import { parseChecksConfig } from "../config/checksConfig";
import type { PageShot, ShotStage } from "../checks/screenshot";
import type { NetOptions } from "../checks/types";
import { describeError } from "../checks/net";
import type { ConfigMap } from "./phaseGates";
import type { GuidedDeps } from "./guided";
import type { SiteState } from "./siteState";

/** Takes the pictures of `urls` at `stage` (checks/screenshot shootKeyPages in real use). */
export type ShootPages = (urls: string[], stage: ShotStage, net: NetOptions, pins?: Record<string, string>) => Promise<PageShot[]>;

/** How the checks reach the site (golive:checks.network: the rehearsal's DNS server, ports, CA), or the Internet. */
export function checksNetOf(map: ConfigMap): NetOptions {
    try {
        return parseChecksConfig(map[`${NAMESPACE}:checks`]?.value).network ?? {};
    } catch {
        return {};
    }
}

/** The key pages (golive:checks.pages) as visitors ask for them, on www; none when the key is refused or empty. */
export function keyPageUrls(map: ConfigMap): string[] {
    const domain = map[`${NAMESPACE}:domain`]?.value;
    if (!domain) return [];
    try {
        return parseChecksConfig(map[`${NAMESPACE}:checks`]?.value).pages.map((p) => `https://www.${domain}${p.path}`);
    } catch {
        return [];
    }
}

/**
 * The pins the pre-switch checks used (each result's `evidence.pinned`: name → its pin), as the
 * stack's outputs keep them since prepare; undefined when no result recorded one.
 */
export function preSwitchPinsOf(outputs: Record<string, unknown>): Record<string, string> | undefined {
    const pins: Record<string, string> = {};
    for (const r of Array.isArray(outputs.preSwitch) ? outputs.preSwitch : []) {
        const pinned = (r as { evidence?: { pinned?: unknown } } | null)?.evidence?.pinned;
        if (!pinned || typeof pinned !== "object") continue;
        for (const [name, seen] of Object.entries(pinned as Record<string, { pin?: unknown }>)) if (typeof seen?.pin === "string") pins[name] = seen.pin;
    }
    return Object.keys(pins).length > 0 ? pins : undefined;
}

/** The switch for runs that must not start a browser (a CI without Chromium, the engine tests): GOLIVE_SCREENSHOTS=off. */
export const SCREENSHOTS_ENV = "GOLIVE_SCREENSHOTS";

/** Why no picture is taken in this run (GOLIVE_SCREENSHOTS=off, or a value it does not take), or undefined: shoot. */
export function screenshotsOff(env: NodeJS.ProcessEnv): string | undefined {
    const v = env[SCREENSHOTS_ENV];
    if (v === undefined || v === "" || v === "on") return undefined;
    return v === "off" ? `not taken: ${SCREENSHOTS_ENV}=off` : `not taken: ${SCREENSHOTS_ENV} must be on or off, got ${JSON.stringify(v.slice(0, 40))}`;
}

export interface ShotsInput {
    map: ConfigMap;
    shoot?: ShootPages;
    /** Why this run takes no picture (screenshotsOff): every page says it. */
    off?: string;
    now(): number;
    err(line: string): void;
}

/** What the screenshot stages need of a guided command: the config, its shooter (none in tests), GOLIVE_SCREENSHOTS, its clock and stderr. */
export function shotsInputOf<T>(map: ConfigMap, deps: Pick<GuidedDeps, "shootPages" | "env" | "now" | "err">, more: T): ShotsInput & T {
    const off = screenshotsOff(deps.env);
    return { map, ...(deps.shootPages ? { shoot: deps.shootPages } : {}), ...(off ? { off } : {}), now: deps.now, err: deps.err, ...more };
}

/** Where the records left the site, one line (what the after-switch pictures are labelled with): "<headline>; <visitors>." */
export function siteLineOf(site: Pick<SiteState, "headline" | "visitors">): string {
    return `${site.headline}; ${site.visitors}.`;
}

/** Every page missing, for one reason. */
function allMissing(urls: string[], stage: ShotStage, why: string, now: number): PageShot[] {
    return urls.map((url) => ({ url, stage, takenAt: new Date(now).toISOString(), missing: why, width: 0, height: 0 }));
}

/** Runs the shooter; one that throws leaves every page missing with its error, never the run. */
async function shootSafely(i: ShotsInput, urls: string[], stage: ShotStage, pins?: Record<string, string>): Promise<PageShot[]> {
    const what = stage === "pre-switch" ? "on the new host before the switch, names pinned" : "through public DNS after the switch";
    i.err(`  … screenshots of ${urls.length} key page(s) ${what}`);
    try {
        const shots = await i.shoot!(urls, stage, checksNetOf(i.map), pins);
        const missing = shots.filter((s) => !s.image);
        i.err(`  ${missing.length === 0 ? "✓" : "!"} ${shots.length - missing.length}/${shots.length} picture(s) ${what}${missing[0]?.missing ? ` (${missing[0].missing})` : ""}`);
        return shots;
    } catch (err) {
        return allMissing(urls, stage, `the screenshots failed: ${describeError(err)}`, i.now());
    }
}

/** Stage "shoot before the switch" (cutover, right before the apply). */
export async function shootBeforeSwitch(i: ShotsInput & { outputs: () => Promise<Record<string, unknown>> }): Promise<PageShot[]> {
    const urls = keyPageUrls(i.map);
    if (!i.shoot || urls.length === 0) return [];
    if (i.off) return allMissing(urls, "pre-switch", i.off, i.now());
    const outputs = await i.outputs().catch((): Record<string, unknown> => ({}));
    const pins = preSwitchPinsOf(outputs);
    if (!pins) return allMissing(urls, "pre-switch", "no picture before the switch: the stack's outputs hold no pins of the pre-switch checks (golive prepare records them)", i.now());
    return shootSafely(i, urls, "pre-switch", pins);
}

/** What the after-switch picture shows, from the run's records: nothing to say when the site went live. */
export interface AfterSwitch {
    live: boolean;
    /** The site as read from the records when the run ended (PhaseRecord siteAfter). */
    siteAfter?: string[];
    rolledBackAt?: Date;
    /** Whether this run changed the site records (the engine's events: PhaseRecord dnsSwitchAt). */
    switched?: boolean;
    /** The command that rolled the cutover back, when not the cutover itself ("golive rollback"). */
    by?: string;
}

/** Stage "shoot after the switch" (cutover, once the outcome is known: live, or after the way back). */
export async function shootAfterSwitch(i: ShotsInput & { after: AfterSwitch }): Promise<PageShot[]> {
    const urls = keyPageUrls(i.map);
    if (!i.shoot || urls.length === 0) return [];
    if (i.off) return allMissing(urls, "after-switch", i.off, i.now());
    const shots = await shootSafely(i, urls, "after-switch");
    const shows = showsAfter(i.after);
    return shows ? shots.map((s) => ({ ...s, shows })) : shots;
}

/** "after the way back (records back at …): <where the records point>; <what visitors reach>". */
export function showsAfter(a: AfterSwitch): string | undefined {
    if (a.live) return undefined;
    if (!a.switched && !a.rolledBackAt && !a.siteAfter) return "the cutover stopped before the site records changed (no DNS switch in this run), through public DNS: the site as it was";
    const seen = a.siteAfter?.join(" ") ?? "where the records point was not read";
    const by = a.by ? ` by ${a.by}` : "";
    if (a.rolledBackAt) return `after the way back${by} (records back at ${a.rolledBackAt.toISOString()}), through public DNS: ${seen}`;
    return a.by ? `after ${a.by} (this run did not put the site records back), through public DNS: ${seen}` : `the cutover did not go live, through public DNS: ${seen}`;
}

/** The pictures in one line for the run's record: how many of each stage were taken, and why not the first one missing. */
export function picturesSummary(shots: readonly PageShot[]): string | undefined {
    if (shots.length === 0) return undefined;
    const part = (stage: ShotStage, label: string) => {
        const of = shots.filter((s) => s.stage === stage);
        if (of.length === 0) return undefined;
        const missing = of.find((s) => !s.image);
        return `${label} ${of.length - of.filter((s) => !s.image).length} of ${of.length}${missing?.missing ? ` (${missing.missing})` : ""}`;
    };
    return [part("pre-switch", "before the switch"), part("after-switch", "after it")].filter(Boolean).join("; ");
}
