// The one module that reads the `golive:` config of the go-live program, validates it once and
// returns a typed, frozen GoLiveConfig. Components never read pulumi.Config themselves.
//
// Errors name the key and what was wrong, e.g. `golive:redirectStatus must be 301 or 308, got 302`,
// and never print a secret value. Go/no-go gates that config alone can decide (P-01 approval,
// P-05 env values, MEP-02 release ref) throw here, before any resource is registered.
import type * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { isIP } from "net";
import { createHash } from "crypto";
import { approvalDateProblem } from "./approvalDate";
import { releaseRefProblem } from "./gitInput";
import { PROGRAM_DIR } from "../shared/programDir";
import { booleanValue, ConfigError, fail, integerValue, isObject } from "./configValues";

/**
 * The Pulumi SDK, loaded on first use: `golive verify` and `golive --help` read and validate config
 * without it (it takes ~0.6 s to load).
 */
const sdk = (): typeof pulumi => require("@pulumi/pulumi");

/**
 * The SDK's runtime through its public entry, `pulumi.runtime` (allConfig, hasEngine). One call is
 * not in its typings: `isConfigSecret`, which `@pulumi/pulumi/runtime` exports at run time but
 * 3.248 marks internal. No public call says whether a config key is stored as a secret, and
 * refusing a credential kept in clear needs exactly that; without it every such key reads as clear
 * and is refused (never let through). test/program/sdkSurface.test.ts pins this remainder.
 */
type Runtime = typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };
const runtime = (): Runtime => sdk().runtime as Runtime;

export const NAMESPACE = "golive";

/** Each phase is one `pulumi up`, in this order; going back one phase is the rollback. */
export const PHASES = ["adopt", "prepare", "cutover"] as const;
export type Phase = (typeof PHASES)[number];

/**
 * The phase an update ran (or a stack config holds): its golive:phase, Pulumi.yaml's default
 * (adopt) when unset or empty. The one reading of it for history entries and config maps alike.
 */
export function phaseOf(entry: { config?: Record<string, { value?: string } | undefined> }): string {
    return entry.config?.[`${NAMESPACE}:phase`]?.value || "adopt";
}

/** Record types the program manages for apex and www (what Vercel accepts there). */
export type SiteRecordType = "A" | "CNAME";

/** A record serving the site before the go-live, as Cloudflare holds it today. */
export interface LiveRecord {
    /** Cloudflare record id (the import id is `<zoneId>/<id>`). */
    id: string;
    type: SiteRecordType;
    content: string;
    ttl: number;
    proxied: boolean;
    /** Declared only when the live record has one: adopt refuses a difference (the import would update it). */
    comment?: string;
}

export interface EnvVar {
    key: string;
    /** Always a secret Output: the value never appears in clear in state, logs or outputs. */
    value: pulumi.Output<string>;
}

export interface Approval {
    by: string;
    /** ISO 8601 date or date-time, as the operator wrote it. */
    at: string;
}

export interface GoLiveConfig {
    phase: Phase;
    /** The apex, e.g. `example.com`. */
    domain: string;
    /** `www.<domain>`: the name that serves. */
    wwwDomain: string;
    /** MEP-10: the apex redirects to www with this permanent status. */
    redirectStatus: 301 | 308;
    /** TTL (seconds, or 1 = Cloudflare automatic) of apex and www from `prepare` on. */
    ttl: number;
    vercel: {
        projectName: string;
        framework?: string;
        git: { type: "github" | "gitlab" | "bitbucket"; repo: string; productionBranch: string };
        /** MEP-02: the frozen commit SHA or tag that is deployed to production. Required from `prepare` on. */
        releaseRef?: string;
        /** P-05: production environment variables; empty values are refused from `prepare` on. */
        envVars: EnvVar[];
        /** MEP-02: from `prepare` on the project does not deploy pushes; set false to lift it after the go-live. */
        codeFreeze: boolean;
    };
    dns: {
        /** Records serving today; absent for a first site (nothing to import, nothing to keep serving). */
        live: { apex?: LiveRecord; www?: LiveRecord };
        /** Type of the www record at Vercel: kept from the live record unless config says otherwise. */
        wwwType: SiteRecordType;
        /** Whether a record type change (delete + create of a live record) is accepted. */
        allowRecordReplace: boolean;
    };
    /** P-01: client's "bon pour MEP". Required for `cutover`. */
    approval?: Approval;
    /** R-1 agreed beforehand: a failed cutover rolls back to prepare at once (`golive cutover`). */
    rollback: { auto: boolean };
}

/**
 * Where parseConfig reads from: pulumi.Config in a real run, a plain map in tests.
 * Values are the text the engine passes (numbers, booleans, objects and arrays as JSON text).
 */
export interface RawConfigSource {
    /** Text of `golive:<key>`, or undefined when unset. */
    get(key: string): string | undefined;
    /** Whether `golive:<key>` is stored encrypted (`secure:`) in the stack file. */
    isSecret(key: string): boolean;
}

export { ConfigError, fail, isObject } from "./configValues";

const k = (key: string) => `${NAMESPACE}:${key}`;

// RFC 1123 labels, at least two of them, lower case, no trailing dot.
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GIT_REF = /^(?![./-])[A-Za-z0-9._\/-]{1,200}(?<![./])$/;

/** The apex as golive:domain must hold it; throws the ConfigError parseConfig reports. */
export function parseDomain(raw: string | undefined): string {
    if (raw === undefined || raw.trim() === "") {
        return fail(`${k("domain")} is required: the apex of the site, e.g. example.com`);
    }
    const domain = raw.trim();
    if (/^[a-z]+:\/\//i.test(domain) || domain.includes("/")) {
        return fail(`${k("domain")} must be a bare domain name without scheme or path, got ${JSON.stringify(raw)}`);
    }
    if (domain !== domain.toLowerCase()) {
        return fail(`${k("domain")} must be lower case, got ${JSON.stringify(raw)}`);
    }
    // MEP-05: www serves and the apex redirects; the program derives www itself.
    if (domain.startsWith("www.")) {
        return fail(`${k("domain")} must be the apex (e.g. ${domain.slice(4)}), not the www name: got ${domain}`);
    }
    const labels = domain.split(".");
    if (domain.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels[labels.length - 1])) {
        return fail(`${k("domain")} is not a valid domain name, got ${JSON.stringify(raw)}`);
    }
    return domain;
}

function parseInteger(key: string, raw: unknown, fallback: number): number {
    return integerValue(k(key), raw, fallback);
}

function parseBoolean(key: string, raw: unknown, fallback: boolean): boolean {
    return booleanValue(k(key), raw, fallback);
}

function parseJson(key: string, raw: string | undefined): unknown {
    if (raw === undefined || raw === "") return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        return fail(`${k(key)} must be structured config (set it with --path), got text that is not JSON`);
    }
}

function parseTtl(key: string, raw: unknown, fallback: number): number {
    const ttl = parseInteger(key, raw, fallback);
    // Cloudflare: 1 means automatic, otherwise 60..86400 (30 on Enterprise, not assumed here).
    if (ttl !== 1 && (ttl < 60 || ttl > 86400)) {
        return fail(`${k(key)} must be 1 (automatic) or between 60 and 86400 seconds, got ${ttl}`);
    }
    return ttl;
}

function parseRecordType(key: string, raw: unknown): SiteRecordType {
    if (raw === "A" || raw === "CNAME") return raw;
    return fail(`${k(key)} must be A or CNAME, got ${JSON.stringify(raw)}`);
}

function parseLiveRecord(which: "apex" | "www", raw: unknown, domain: string): LiveRecord | undefined {
    if (raw === undefined || raw === null) return undefined;
    const key = `liveRecords.${which}`;
    if (typeof raw !== "object" || Array.isArray(raw)) return fail(`${k(key)} must be an object {id, type, content, ttl, proxied}`);
    const r = raw as Record<string, unknown>;
    const id = r.id;
    if (typeof id !== "string" || !/^[0-9a-f]{32}$/.test(id)) {
        return fail(`${k(key + ".id")} must be the Cloudflare record id (32 hex characters), got ${JSON.stringify(id)}`);
    }
    const type = parseRecordType(`${key}.type`, r.type);
    const content = r.content;
    if (typeof content !== "string" || content.trim() === "") return fail(`${k(key + ".content")} is required: the record's current content`);
    if (type === "A" && !/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(content)) {
        return fail(`${k(key + ".content")} must be an IPv4 address for an A record, got ${JSON.stringify(content)}`);
    }
    const cnameIssue = type === "CNAME" ? cnameTargetProblem(content, which === "apex" ? domain : `www.${domain}`) : undefined;
    if (cnameIssue) return fail(`${k(key + ".content")} ${cnameIssue}, got ${JSON.stringify(content)}`);
    const ttl = parseTtl(`${key}.ttl`, r.ttl, 1);
    const proxied = parseBoolean(`${key}.proxied`, r.proxied, false);
    // Cloudflare controls a proxied record's TTL: the API keeps 1 ("automatic", answered as 300 s)
    // and the provider refuses another value (terraform-provider-cloudflare dns_record/resource.go).
    if (proxied && ttl !== 1) return fail(`${k(key + ".ttl")} must be 1 (automatic) for a proxied record: Cloudflare controls its TTL (it answers 300 s), got ${ttl}`);
    if (r.comment !== undefined && typeof r.comment !== "string") return fail(`${k(key + ".comment")} must be text`);
    const known = new Set(["id", "type", "content", "ttl", "proxied", "comment", "name"]);
    const unknown = Object.keys(r).filter((x) => !known.has(x));
    if (unknown.length > 0) return fail(`${k(key)} has unknown field(s) ${unknown.join(", ")}`);
    const expectedName = which === "apex" ? domain : `www.${domain}`;
    if (r.name !== undefined && r.name !== expectedName) {
        return fail(`${k(key + ".name")} must be ${expectedName} (apex and www must not be swapped), got ${JSON.stringify(r.name)}`);
    }
    return { id, type, content: content.trim(), ttl, proxied, ...(typeof r.comment === "string" ? { comment: r.comment } : {}) };
}

/** Why `content` cannot be the target of the CNAME record `name`: an address, or the name itself. */
function cnameTargetProblem(content: string, name: string): string | undefined {
    const target = content.trim().toLowerCase().replace(/\.$/, "");
    if (isIP(target)) return "is an IP address: a CNAME holds a host name (an address needs type A)";
    if (target === name) return `points to ${name} itself: a CNAME loop`;
    const labels = target.split(".");
    if (labels.length < 2 || !labels.every((l) => /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/.test(l))) return "must be a host name for a CNAME record";
    return undefined;
}

/** Validates raw config text into a GoLiveConfig. Pure apart from wrapping secrets as secret Outputs. */
export function parseConfig(raw: RawConfigSource): Readonly<GoLiveConfig> {
    const phaseText = raw.get("phase") ?? "adopt";
    if (!(PHASES as readonly string[]).includes(phaseText)) {
        fail(`${k("phase")} must be one of ${PHASES.join(", ")}, got ${JSON.stringify(phaseText)}`);
    }
    const phase = phaseText as Phase;
    const after = (p: Phase) => PHASES.indexOf(phase) >= PHASES.indexOf(p);

    const domain = parseDomain(raw.get("domain"));
    const wwwDomain = `www.${domain}`;

    // MEP-10: only permanent redirects; 308 keeps the method, 301 is accepted for old clients.
    const redirectStatus = parseInteger("redirectStatus", raw.get("redirectStatus"), 308);
    if (redirectStatus !== 301 && redirectStatus !== 308) {
        fail(`${k("redirectStatus")} must be 301 or 308, got ${redirectStatus}`);
    }
    const ttl = parseTtl("ttl", raw.get("ttl"), 60);

    const projectName = raw.get("projectName") || projectNameOf(domain);
    const nameIssue = projectNameProblem(projectName);
    if (nameIssue) fail(`${k("projectName")} must be a Vercel project name: ${nameIssue}, got ${JSON.stringify(projectName)}`);
    const gitType = raw.get("gitProvider") || "github";
    if (gitType !== "github" && gitType !== "gitlab" && gitType !== "bitbucket") {
        fail(`${k("gitProvider")} must be github, gitlab or bitbucket, got ${JSON.stringify(gitType)}`);
    }
    const repo = raw.get("gitRepo") ?? "";
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/.test(repo) || repo.split("/").some((part) => part === "." || part === "..")) {
        fail(`${k("gitRepo")} must be the site's repository as owner/name, got ${JSON.stringify(repo)}`);
    }
    const productionBranch = raw.get("productionBranch") || "main";
    if (!GIT_REF.test(productionBranch)) fail(`${k("productionBranch")} is not a valid branch name, got ${JSON.stringify(productionBranch)}`);

    // MEP-02: the code freeze is the pinned ref; a moving branch would not be a freeze.
    const releaseRef = raw.get("releaseRef") || undefined;
    if (releaseRef !== undefined) {
        if (releaseRef === productionBranch) {
            fail(`${k("releaseRef")} must pin a commit SHA or tag (MEP-02 code freeze), not the moving branch ${productionBranch}`);
        }
        const refIssue = releaseRefProblem(releaseRef);
        if (refIssue) fail(`${k("releaseRef")} must be a commit SHA (7 to 40 hex digits) or a tag (v1.0.0, or refs/tags/<name>) for the code freeze (MEP-02): ${JSON.stringify(releaseRef)} ${refIssue}`);
    } else if (after("prepare")) {
        fail(`${k("releaseRef")} is required from phase prepare on: the commit SHA or tag frozen for production (MEP-02)`);
    }

    // P-05: the list of keys is plain config; their values live in one secret object.
    const envKeysRaw = parseJson("envVars", raw.get("envVars")) ?? [];
    if (!Array.isArray(envKeysRaw)) fail(`${k("envVars")} must be a list of environment variable names (letters, digits, _)`);
    (envKeysRaw as unknown[]).forEach((x, i) => {
        if (typeof x !== "string" || !ENV_KEY.test(x)) fail(`${k(`envVars[${i}]`)} must be an environment variable name (letters, digits, _, not starting with a digit), got ${JSON.stringify(x)}`);
    });
    const envKeys = envKeysRaw as string[];
    const dup = envKeys.find((x, i) => envKeys.indexOf(x) !== i);
    if (dup) fail(`${k("envVars")} lists ${dup} twice`);
    const values = parseJson("envValues", raw.get("envValues")) ?? {};
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
        fail(`${k("envValues")} must be an object of NAME: value (set each with --secret --path)`);
    }
    const valueMap = values as Record<string, unknown>;
    const envVars: EnvVar[] = [];
    if (after("prepare")) {
        for (const key of envKeys) {
            const v = valueMap[key];
            if (v !== undefined && v !== null && typeof v !== "string") {
                // `config set --path` without --secret stores digits and true/false as such; the value is not printed.
                fail(`${k(`envValues.${key}`)} must be text set as a secret, got a ${typeof v} in clear (P-05): pulumi config set --secret --path '${k(`envValues.${key}`)}' <value>`);
            }
            if (typeof v !== "string" || v === "") {
                fail(`${k(`envValues.${key}`)} has no value (P-05): pulumi config set --secret --path '${k(`envValues.${key}`)}' <value>`);
            }
        }
        if (envKeys.length > 0 && !raw.isSecret("envValues")) {
            fail(`${k("envValues")} must be stored as secrets (P-05): pulumi config set --secret --path '${k("envValues")}.<NAME>'`);
        }
        // The clear text exists only here, and goes straight into secret Outputs.
        for (const key of envKeys) envVars.push({ key, value: sdk().secret(valueMap[key] as string) });
    }
    const unlisted = Object.keys(valueMap).filter((x) => !envKeys.includes(x));
    if (unlisted.length > 0) fail(`${k("envValues")} has ${unlisted.join(", ")}, not listed in ${k("envVars")}`);

    const liveRaw = parseJson("liveRecords", raw.get("liveRecords")) ?? {};
    if (typeof liveRaw !== "object" || liveRaw === null || Array.isArray(liveRaw)) fail(`${k("liveRecords")} must be an object with apex and/or www`);
    const liveObj = liveRaw as Record<string, unknown>;
    const extra = Object.keys(liveObj).filter((x) => x !== "apex" && x !== "www");
    if (extra.length > 0) fail(`${k("liveRecords")} only knows apex and www, got ${extra.join(", ")}`);
    const live = { apex: parseLiveRecord("apex", liveObj.apex, domain), www: parseLiveRecord("www", liveObj.www, domain) };
    if (live.apex && live.www && live.apex.id === live.www.id) {
        fail(`${k("liveRecords")}: apex and www have the same record id ${live.apex.id}; one of them is wrong`);
    }
    const allowRecordReplace = parseBoolean("allowRecordReplace", raw.get("allowRecordReplace"), false);

    // Vercel serves the apex from an A record; a live apex CNAME (flattened by Cloudflare) would
    // have to be deleted and recreated, a short outage: refused unless explicitly allowed.
    if (live.apex && live.apex.type !== "A" && !allowRecordReplace) {
        fail(
            `${k("liveRecords.apex.type")} is ${live.apex.type}: Vercel's apex needs an A record and changing the type deletes and recreates the live record. ` +
                `Point the apex with an A record first, or set ${k("allowRecordReplace")} true to accept the replacement.`,
        );
    }
    const wwwTypeRaw = raw.get("wwwRecordType");
    const wwwType: SiteRecordType = wwwTypeRaw ? parseRecordType("wwwRecordType", wwwTypeRaw) : live.www?.type ?? "CNAME";
    if (live.www && live.www.type !== wwwType && !allowRecordReplace) {
        fail(
            `${k("wwwRecordType")} is ${wwwType} but the live www record is ${live.www.type}: changing the type deletes and recreates it. ` +
                `Keep the live type (unset ${k("wwwRecordType")}) or set ${k("allowRecordReplace")} true to accept the replacement.`,
        );
    }

    // P-01: the client's "bon pour MEP", recorded as who and when.
    const approvedBy = (raw.get("approvedBy") ?? "").trim();
    const approvedAt = (raw.get("approvedAt") ?? "").trim();
    let approval: Approval | undefined;
    if (approvedBy || approvedAt) {
        if (!approvedBy) fail(`${k("approvedBy")} is required with ${k("approvedAt")}: who gave the go (P-01)`);
        const dateIssue = approvalDateProblem(approvedAt);
        if (dateIssue) fail(`${k("approvedAt")} is when the client approved (P-01): it ${dateIssue}, got ${JSON.stringify(approvedAt)}`);
        approval = { by: approvedBy, at: approvedAt };
    }
    if (phase === "cutover" && !approval) {
        fail(`${k("approvedBy")} and ${k("approvedAt")} are required for cutover: the client's approval (P-01) is not recorded`);
    }

    const framework = raw.get("framework") || undefined;

    // R-1: whether the rollback decision was agreed beforehand (golive cutover reads it).
    const rollbackRaw = parseJson("rollback", raw.get("rollback")) ?? {};
    if (!isObject(rollbackRaw)) fail(`${k("rollback")} must be an object {auto}`);
    const rollbackObj = rollbackRaw as Record<string, unknown>;
    const rollbackExtra = Object.keys(rollbackObj).filter((x) => x !== "auto");
    if (rollbackExtra.length > 0) fail(`${k("rollback")} only knows auto, got ${rollbackExtra.join(", ")}`);
    const auto = parseBoolean("rollback.auto", rollbackObj.auto, false);

    const cfg: GoLiveConfig = {
        phase,
        domain,
        wwwDomain,
        redirectStatus: redirectStatus as 301 | 308,
        ttl,
        vercel: {
            projectName,
            ...(framework ? { framework } : {}),
            git: { type: gitType as "github" | "gitlab" | "bitbucket", repo, productionBranch },
            ...(releaseRef ? { releaseRef } : {}),
            envVars,
            codeFreeze: parseCodeFreeze(raw),
        },
        dns: { live, wwwType, allowRecordReplace },
        ...(approval ? { approval } : {}),
        rollback: { auto },
    };
    return deepFreeze(cfg);
}

/**
 * The provider's rule for a project name: 1 to 52 characters of a-z, 0-9 and `-`
 * (terraform-provider-vercel v5.4.1 vercel/resource_project.go: LengthBetween(1, 52) and
 * `^[a-z0-9\-]{0,100}$`); Vercel's API also refuses `---` in a name.
 */
export const PROJECT_NAME_MAX = 52;

/** Why `name` cannot be a Vercel project name, or undefined when it can. */
export function projectNameProblem(name: string): string | undefined {
    if (!/^[a-z0-9-]*$/.test(name)) return "only lower case letters, digits and - are allowed";
    if (name.length < 1 || name.length > PROJECT_NAME_MAX) return `1 to ${PROJECT_NAME_MAX} characters (it has ${name.length})`;
    if (name.includes("---")) return "it may not contain ---";
    return undefined;
}

/**
 * The Vercel project name when golive:projectName is empty: the domain with dots as dashes, as
 * long as that fits the provider's 52 characters; a longer domain keeps its first labels and ends
 * with 6 hex digits of its SHA-256, so the name stays readable, fits, and never changes for a domain.
 */
export function projectNameOf(domain: string): string {
    const full = domain.replace(/\./g, "-").replace(/-{3,}/g, "--");
    if (full.length <= PROJECT_NAME_MAX) return full;
    const digest = createHash("sha256").update(domain).digest("hex").slice(0, 6);
    return `${full.slice(0, PROJECT_NAME_MAX - digest.length - 1).replace(/-+$/, "")}-${digest}`;
}

/** Freezes a parsed config object and everything in it (Outputs are left as they are). */
export function deepFreeze<T>(o: T): T {
    // An Output carries the flag pulumi.Output.isInstance reads (no SDK loaded for a plain config).
    if (o && typeof o === "object" && (o as { __pulumiOutput?: unknown }).__pulumiOutput !== true) {
        for (const v of Object.values(o as object)) deepFreeze(v);
        Object.freeze(o);
    }
    return o;
}

/**
 * The stack config (the engine's PULUMI_CONFIG) as a RawConfigSource: the one door through which
 * every config/*Config loader reads `golive:*`.
 */
export function stackConfigSource(): RawConfigSource {
    const config = new (sdk().Config)(NAMESPACE);
    const rt = runtime();
    return {
        get: (key) => config.get(key),
        isSecret: (key) => rt.isConfigSecret?.(`${NAMESPACE}:${key}`) ?? false,
    };
}

/**
 * Runs the program; a refusal (ConfigError) reaches the engine as its message alone. Under the real
 * engine the program then ends at once with the SDK's "already reported" exit code: the SDK's own
 * path for an uncaught error spends ~10 s of CPU describing it (pulumi 3.248, measured here: a
 * refused preview took 16 s that way, 5 s this way). Under mocks (no engine) it throws as before.
 *
 * The one process.exit of the program, and a remainder the SDK's public API cannot replace: 3.248
 * offers no call that ends a program as "error already reported" (its exit code, 32, is the
 * language host's `nodeJSProcessExitedAfterLoggingUserActionableMessage`, not exported publicly).
 * test/program/sdkSurface.test.ts pins it.
 */
export async function refusingBadConfig<T>(program: () => Promise<T>): Promise<T> {
    try {
        return await program();
    } catch (err) {
        if (!(err instanceof ConfigError) || !runtime().hasEngine()) throw err;
        await sdk().log.error(err.message);
        // 32: the language host's "bail", an error the user has already been shown.
        return process.exit(32);
    }
}

/** Reads `golive:*` from the stack config and validates it; a provider token in clear is refused first. */
export function loadConfig(): Readonly<GoLiveConfig> {
    refuseClearProviderTokens();
    return parseConfig(stackConfigSource());
}

// ---- Provider tokens (issue 18 item 6) -------------------------------------------------------
// `pulumi config set vercel:apiToken <token>` without --secret keeps the token in clear in
// Pulumi.<stack>.yaml (and in git when the file is committed): refused like a clear golive: secret.

/** The provider keys that hold a credential. */
export const PROVIDER_TOKEN_KEYS = ["cloudflare:apiToken", "vercel:apiToken"] as const;

/** The provider tokens among `setKeys` not stored as secrets, as one message; undefined when there is none. */
export function clearProviderTokensProblem(setKeys: readonly string[], isSecret: (key: string) => boolean): string | undefined {
    const clear = PROVIDER_TOKEN_KEYS.filter((key) => setKeys.includes(key) && !isSecret(key));
    if (clear.length === 0) return undefined;
    return clear
        .map(
            (key) =>
                `${key} is stored in clear in the stack file: store it as a secret with \`pulumi config set --secret ${key}\` ` +
                "(it prompts, or reads the token from standard input: never put a token on the command line), and revoke the token if the stack file was shared or committed",
        )
        .join("; ");
}

/** Refuses, before anything is declared, a provider token that the stack config holds in clear. */
export function refuseClearProviderTokens(): void {
    const rt = runtime();
    const problem = clearProviderTokensProblem(Object.keys(rt.allConfig()), (key) => rt.isConfigSecret?.(key) ?? false);
    if (problem) fail(problem);
}

// ---- Code freeze (issue 11 item 7) ----------------------------------------------------------

/** MEP-02: `golive:codeFreeze`, on unless set false (after the go-live, to let pushes deploy again). */
function parseCodeFreeze(raw: RawConfigSource): boolean {
    return parseBoolean("codeFreeze", raw.get("codeFreeze"), true);
}

// ---- Undeclared keys (issue 11 item 9) -------------------------------------------------------
// The engine validates the keys Pulumi.yaml declares and ignores the others, so a mistyped
// `golive:approvdBy` would silently leave P-01 unrecorded. Every `golive:*` key the stack sets must
// be declared; the error names the closest declared key.

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.length][b.length];
}

/**
 * The `golive:*` keys of `setKeys` that `declared` (Pulumi.yaml's config names, without the
 * namespace) does not have, as one message, or undefined when all are declared.
 */
export function undeclaredKeysProblem(setKeys: readonly string[], declared: readonly string[]): string | undefined {
    const unknown = setKeys.filter((key) => key.startsWith(`${NAMESPACE}:`) && !declared.includes(key.slice(NAMESPACE.length + 1))).sort();
    if (unknown.length === 0) return undefined;
    const explain = (key: string) => {
        const name = key.slice(NAMESPACE.length + 1);
        const best = [...declared].sort((x, y) => editDistance(name.toLowerCase(), x.toLowerCase()) - editDistance(name.toLowerCase(), y.toLowerCase()))[0];
        const close = best !== undefined && editDistance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(name.length / 3));
        return `${key} is not a key of this program: ${close ? `did you mean ${k(best)}?` : `Pulumi.yaml declares ${declared.map(k).join(", ")}`}`;
    };
    return `${unknown.map(explain).join("; ")} (remove it with pulumi config rm '${unknown[0]}')`;
}

/** The config names Pulumi.yaml declares, read from the program's own project file. */
export function declaredConfigKeys(projectFile = path.join(PROGRAM_DIR, "Pulumi.yaml")): string[] {
    const doc = yaml.load(fs.readFileSync(projectFile, "utf8")) as { config?: Record<string, unknown> } | undefined;
    return Object.keys(doc?.config ?? {});
}

/** Refuses, before anything is declared, a `golive:*` key of the stack config that Pulumi.yaml does not declare. */
export function refuseUndeclaredKeys(): void {
    const problem = undeclaredKeysProblem(Object.keys(runtime().allConfig()), declaredConfigKeys());
    if (problem) fail(problem);
}
