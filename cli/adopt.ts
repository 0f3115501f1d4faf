// `golive adopt --stack <name> [--yes]`: the records serving today, read through the Cloudflare
// provider (no id or content copied by hand), shown, written into golive:liveRecords exactly as they
// are, then imported by the guided phase (cli/phase.ts): the preview must be two imports and no change.
import { NAMESPACE } from "../config/config";
import { configGates, ConfigMap, zoneGate, gateLines } from "../operations/phaseGates";
import { formatLiveRecords, liveRecordsFrom } from "../operations/liveRecords";
import { DEFAULT_DEPS, parseGuidedArgs } from "./guided";
import { GuidedDeps } from "../operations/guided";
import { discover, GuidedStack } from "../operations/engineStack";
import { runPhase, usage } from "./phase";
import type { Adoption } from "../operations/phaseStages";
import { valuesOrExit } from "./args";

const LIVE = `${NAMESPACE}:liveRecords`;

/** Discovery: the zone and the apex/www records through the provider, checked by the program's parser. */
export async function adoptLiveRecords(gs: GuidedStack, map: ConfigMap, deps: GuidedDeps): Promise<Adoption | { code: number }> {
    // The records already in config are what adopt replaces: judge the rest of the config without them.
    const base = configGates({ ...map, [LIVE]: { value: "{}", secret: false } }, "adopt");
    if (!base.cfg) {
        deps.out("Gates:");
        for (const l of gateLines(base.gates)) deps.out(l);
        deps.err("golive adopt: refused: a gate is not met; nothing was changed");
        return { code: 1 };
    }
    const domain = base.cfg.domain;
    const found = await discover(gs, { domain, phase: "adopt", records: true });
    const zone = zoneGate(found);
    if (!zone.ok || !found.records) {
        deps.out("Gates:");
        for (const l of gateLines([...base.gates, zone])) deps.out(l);
        deps.err(`golive adopt: refused: ${found.error ?? "the records could not be listed"}; nothing was changed`);
        return { code: 1 };
    }
    const live = liveRecordsFrom(domain, found.records);
    deps.out(`Records serving today (Cloudflare zone ${found.zone!.name}, read through the provider):`);
    for (const l of formatLiveRecords(live)) deps.out(l);
    if (live.problems.length > 0) {
        for (const p of live.problems) deps.out(`  ✗ ${p}`);
        deps.err("golive adopt: refused: these records cannot be adopted as they are; nothing was changed");
        return { code: 1 };
    }
    const liveRecords = { ...(live.apex ? { apex: live.apex } : {}), ...(live.www ? { www: live.www } : {}) };
    deps.out(`Once the gates pass, they go into ${LIVE} as they are, with golive:phase adopt.`);
    return { map: { ...map, [LIVE]: { value: JSON.stringify(liveRecords), secret: false } }, zone, liveRecords };
}

export async function main(argv: string[], deps: GuidedDeps = DEFAULT_DEPS): Promise<number> {
    const args = valuesOrExit("adopt", parseGuidedArgs(argv, ["--stack", "--dir", "--records", "--yes"]), usage("adopt"), deps);
    if (typeof args === "number") return args;
    return (await runPhase("adopt", args, deps, (gs, map) => adoptLiveRecords(gs, map, deps))).code;
}
