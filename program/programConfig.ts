// Everything the program reads from the stack config, loaded and validated once, before any
// resource is declared: the core (config/config), the checks, the outside services, the release
// steps, the certificate and Vercel's API, and the frozen release resolved to its commit (MEP-02).
import { loadConfig, refuseUndeclaredKeys, stackConfigSource, type GoLiveConfig } from "../config/config";
import { DEFAULT_BUILD_TIMEOUT_SECONDS, parseBuildTimeout } from "../config/buildConfig";
import { loadChecksConfig, parseChecksConfig, type ChecksConfig } from "../config/checksConfig";
import { loadServicesConfig } from "../config/servicesConfig";
import { loadReleaseConfig, type ReleaseConfig } from "../config/releaseConfig";
import { parseReportConfig } from "../config/reportConfig";
import { pinnedToCommit, resolveReleaseRef, type ResolvedRelease } from "./releaseRef";
import { loadCertificateConfig, loadVercelApiConfig, type CertificateConfig, type VercelApiConfig } from "../config/certificateConfig";
import { VERCEL_API_BASE_URL } from "../checks/vercelApi";
import type { ServicesSettings } from "../checks/serviceInputs";

export interface ProgramConfig {
    /** The core config, the release ref pinned to its commit when it could be resolved. */
    cfg: Readonly<GoLiveConfig>;
    checks: Readonly<ChecksConfig>;
    services: ServicesSettings;
    release: ReleaseConfig;
    certificate: Readonly<CertificateConfig>;
    /** MEP-04: how long prepare waits for Vercel's build (golive:buildTimeoutSeconds). */
    buildTimeoutSeconds: number;
    api: VercelApiConfig;
    /** MEP-02: the frozen ref resolved to its commit (from prepare on, when golive:release names the repository). */
    frozen?: ResolvedRelease;
}

/**
 * Reads the stack config. A `golive:` key that Pulumi.yaml does not declare (a typo the engine
 * would ignore) is refused first; the go/no-go gates config alone decides (P-01 approval, P-05 env
 * values, MEP-02 release ref) throw here.
 */
export function loadProgramConfig(): ProgramConfig {
    refuseUndeclaredKeys();
    const core = loadConfig();
    const checks = loadChecksConfig();
    const services = loadServicesConfig();
    const release = loadReleaseConfig();
    // The go-live page's key is the guided commands' (after the update), refused here all the same.
    parseReportConfig(stackConfigSource());
    const certificate = loadCertificateConfig();
    const api = loadVercelApiConfig();
    const buildTimeoutSeconds = parseBuildTimeout(stackConfigSource().get("buildTimeoutSeconds"));
    // MEP-02: from prepare on, the frozen ref is resolved to its commit where the site's repository
    // can be read (golive:release): Vercel builds it and MEP-18 tags it.
    const frozen = core.vercel.releaseRef && core.phase !== "adopt" ? resolveReleaseRef(core.vercel.releaseRef, release.release) : undefined;
    return { cfg: pinnedToCommit(core, frozen), checks, services, release, certificate, buildTimeoutSeconds, api, ...(frozen ? { frozen } : {}) };
}

/** A ProgramConfig around a parsed core config, the rest at its defaults (tests). */
export function programConfigOf(cfg: Readonly<GoLiveConfig>, over: Partial<Omit<ProgramConfig, "cfg">> = {}): ProgramConfig {
    return {
        cfg,
        checks: parseChecksConfig(undefined),
        services: {},
        release: {},
        certificate: { preIssue: true, timeoutSeconds: 600, pollSeconds: 10 },
        buildTimeoutSeconds: DEFAULT_BUILD_TIMEOUT_SECONDS,
        api: { baseUrl: VERCEL_API_BASE_URL },
        ...over,
    };
}
