// The settings of the post-deploy checks: the `golive:checks` object of the stack config, read and
// validated once. Errors name the key, e.g. `golive:checks.pages[2].path must start with "/"`.
// The program's core config (domain, phase, ...) is config/config.ts; this is only the checks' part.
import type * as pulumi from "@pulumi/pulumi";
import { isIP } from "net";
import type { SuiteSettings } from "../checks/suite";
import type { NetOptions } from "../checks/types";
import { sitePathProblem } from "../checks/siteUrl";
import { deepFreeze } from "./config";
import { fail, integerValue, isObject, optionalIntegerValue } from "./configValues";

export interface ChecksConfig {
    /** MEP-11/MEP-14: key pages, each with an optional text it must show. */
    pages: { path: string; expectText?: string }[];
    /** MEP-07: public resolvers asked ("ip[:port]"); the check's defaults when absent. */
    resolvers?: string[];
    /** MEP-07: the zone's authoritative servers ("ip[:port]"). */
    authoritativeNameservers?: string[];
    /** MEP-07: how long to wait for propagation. */
    dnsTimeoutSeconds: number;
    /** MEP-08: days the certificate must still be valid. */
    minCertDays: number;
    /** MEP-08: how long to wait for Vercel to issue the site's certificate once DNS points to it. */
    certWaitSeconds: number;
    budgets: {
        /** MEP-09: home page over HTTPS. */
        httpsMs?: number;
        /** MEP-11: each key page. */
        pageMs?: number;
    };
    /** MEP-14: sitemap URLs fetched. */
    sitemapSample: number;
    /** Change it to re-run every check on the next `pulumi up`. */
    nonce?: string;
    /**
     * Where the checks resolve names and which extra CA they trust: the real Internet when absent.
     * Set for a rehearsal or a staging run (the rehearsal points it at its loopback replica).
     */
    network?: NetOptions;
}

const KEY = "golive:checks";
const KNOWN = ["pages", "resolvers", "authoritativeNameservers", "dnsTimeoutSeconds", "minCertDays", "certWaitSeconds", "budgets", "sitemapSample", "nonce", "network"];
const NETWORK_KNOWN = ["dnsServers", "httpPort", "httpsPort", "caPem", "timeoutMs", "attempts"];

/** "ip" or "ip:port" ("[v6]:port" for IPv6 with a port), as checks/net's resolvers take them. */
export function isServerAddress(s: string): boolean {
    if (isIP(s)) return true;
    const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
    return !!m && isIP(m[1]) !== 0 && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

function servers(key: string, raw: unknown): string[] | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (!Array.isArray(raw) || raw.length === 0) return fail(`${key} must be a non-empty list of "ip" or "ip:port"`);
    return raw.map((s, i) => {
        if (typeof s !== "string" || !isServerAddress(s.trim())) {
            return fail(`${key}[${i}] must be an IP address with an optional port ("ip" or "ip:port"), got ${JSON.stringify(s)}`);
        }
        return s.trim();
    });
}

function pages(raw: unknown): ChecksConfig["pages"] {
    const key = `${KEY}.pages`;
    if (raw === undefined || raw === null) return [{ path: "/" }];
    if (!Array.isArray(raw) || raw.length === 0) return fail(`${key} must be a non-empty list of {path, expectText?}`);
    if (raw.length > 30) return fail(`${key} lists ${raw.length} pages; keep to the key pages (at most 30)`);
    const out = raw.map((entry, i) => {
        const at = `${key}[${i}]`;
        // A bare path is accepted as shorthand for {path}.
        const obj = typeof entry === "string" ? { path: entry } : entry;
        if (!isObject(obj)) return fail(`${at} must be a path or an object {path, expectText?}`);
        const extra = Object.keys(obj).filter((x) => x !== "path" && x !== "expectText");
        if (extra.length > 0) return fail(`${at} has unknown field(s) ${extra.join(", ")}; known: path, expectText`);
        const path = obj.path;
        const problem = sitePathProblem(path);
        if (problem) return fail(`${at}.path is a path of the site: it ${problem}, got ${JSON.stringify(path)}`);
        if (obj.expectText !== undefined && (typeof obj.expectText !== "string" || obj.expectText.trim() === "")) {
            return fail(`${at}.expectText must be non-empty text when set`);
        }
        return { path: path as string, ...(typeof obj.expectText === "string" ? { expectText: obj.expectText } : {}) };
    });
    const dup = out.find((p, i) => out.findIndex((q) => q.path === p.path) !== i);
    if (dup) fail(`${key} lists ${dup.path} twice`);
    return out;
}

function network(raw: unknown): NetOptions | undefined {
    const key = `${KEY}.network`;
    if (raw === undefined || raw === null) return undefined;
    if (!isObject(raw)) return fail(`${key} must be an object {dnsServers?, httpPort?, httpsPort?, caPem?, timeoutMs?, attempts?}`);
    const unknown = Object.keys(raw).filter((x) => !NETWORK_KNOWN.includes(x));
    if (unknown.length > 0) fail(`${key} has unknown key(s) ${unknown.join(", ")}; known: ${NETWORK_KNOWN.join(", ")}`);
    const dnsServers = servers(`${key}.dnsServers`, raw.dnsServers);
    const httpPort = optionalIntegerValue(`${key}.httpPort`, raw.httpPort, { min: 1, max: 65_535 });
    const httpsPort = optionalIntegerValue(`${key}.httpsPort`, raw.httpsPort, { min: 1, max: 65_535 });
    const timeoutMs = optionalIntegerValue(`${key}.timeoutMs`, raw.timeoutMs, { min: 100, max: 120_000 });
    const attempts = optionalIntegerValue(`${key}.attempts`, raw.attempts, { min: 1, max: 10 });
    const caPem = raw.caPem;
    if (caPem !== undefined && (typeof caPem !== "string" || !caPem.includes("-----BEGIN CERTIFICATE-----"))) {
        fail(`${key}.caPem must be a PEM certificate (-----BEGIN CERTIFICATE-----...)`);
    }
    return {
        ...(dnsServers ? { dnsServers } : {}),
        ...(httpPort !== undefined ? { httpPort } : {}),
        ...(httpsPort !== undefined ? { httpsPort } : {}),
        ...(typeof caPem === "string" ? { caPem } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(attempts !== undefined ? { attempts } : {}),
    };
}

/** Validates the raw `golive:checks` value (an object, JSON text, or undefined for all defaults). */
export function parseChecksConfig(raw: unknown): Readonly<ChecksConfig> {
    let value = raw;
    if (typeof raw === "string") {
        try {
            value = raw.trim() === "" ? undefined : JSON.parse(raw);
        } catch {
            return fail(`${KEY} must be structured config (set it with --path), got text that is not JSON`);
        }
    }
    if (value === undefined || value === null) value = {};
    if (!isObject(value)) return fail(`${KEY} must be an object`);
    const unknown = Object.keys(value).filter((x) => !KNOWN.includes(x));
    if (unknown.length > 0) fail(`${KEY} has unknown key(s) ${unknown.join(", ")}; known: ${KNOWN.join(", ")}`);
    const budgetsRaw = value.budgets ?? {};
    if (!isObject(budgetsRaw)) return fail(`${KEY}.budgets must be an object {httpsMs?, pageMs?}`);
    const unknownBudgets = Object.keys(budgetsRaw).filter((x) => x !== "httpsMs" && x !== "pageMs");
    if (unknownBudgets.length > 0) fail(`${KEY}.budgets has unknown key(s) ${unknownBudgets.join(", ")}; known: httpsMs, pageMs`);
    const httpsMs = optionalIntegerValue(`${KEY}.budgets.httpsMs`, budgetsRaw.httpsMs, { min: 100, max: 60_000 });
    const pageMs = optionalIntegerValue(`${KEY}.budgets.pageMs`, budgetsRaw.pageMs, { min: 100, max: 60_000 });
    const nonce = value.nonce;
    if (nonce !== undefined && nonce !== null && typeof nonce !== "string" && typeof nonce !== "number") {
        fail(`${KEY}.nonce must be text or a number`);
    }
    const resolvers = servers(`${KEY}.resolvers`, value.resolvers);
    const authoritative = servers(`${KEY}.authoritativeNameservers`, value.authoritativeNameservers);
    const cfg: ChecksConfig = {
        pages: pages(value.pages),
        ...(resolvers ? { resolvers } : {}),
        ...(authoritative ? { authoritativeNameservers: authoritative } : {}),
        dnsTimeoutSeconds: integerValue(`${KEY}.dnsTimeoutSeconds`, value.dnsTimeoutSeconds, 600, { min: 1, max: 86_400 }),
        minCertDays: integerValue(`${KEY}.minCertDays`, value.minCertDays, 14, { min: 0, max: 365 }),
        certWaitSeconds: integerValue(`${KEY}.certWaitSeconds`, value.certWaitSeconds, 300, { min: 0, max: 3_600 }),
        budgets: { ...(httpsMs !== undefined ? { httpsMs } : {}), ...(pageMs !== undefined ? { pageMs } : {}) },
        sitemapSample: integerValue(`${KEY}.sitemapSample`, value.sitemapSample, 5, { min: 0, max: 50 }),
        ...(nonce !== undefined && nonce !== null ? { nonce: String(nonce) } : {}),
    };
    const net = network(value.network);
    if (net) cfg.network = net;
    return deepFreeze(cfg);
}

/** Reads `golive:checks` from the stack config and validates it. */
export function loadChecksConfig(): Readonly<ChecksConfig> {
    // The SDK only here, when the program runs: `golive verify --stack` parses the same config without it.
    const { Config } = require("@pulumi/pulumi") as typeof pulumi;
    return parseChecksConfig(new Config("golive").getObject<unknown>("checks"));
}

/** The suite's settings for `domain` from the checks config (expected DNS values come from the records). */
export function suiteSettingsOf(domain: string, cfg: ChecksConfig, expected?: { apex: string[]; www: string[] }): SuiteSettings {
    return {
        domain,
        pages: cfg.pages.map((p) => ({ ...p })),
        ...(expected ? { expected } : {}),
        ...(cfg.authoritativeNameservers ? { authoritative: [...cfg.authoritativeNameservers] } : {}),
        ...(cfg.resolvers ? { resolvers: [...cfg.resolvers] } : {}),
        dnsTimeoutMs: cfg.dnsTimeoutSeconds * 1000,
        minCertDays: cfg.minCertDays,
        certWaitMs: cfg.certWaitSeconds * 1000,
        ...(cfg.budgets.httpsMs !== undefined ? { httpsBudgetMs: cfg.budgets.httpsMs } : {}),
        ...(cfg.budgets.pageMs !== undefined ? { pageBudgetMs: cfg.budgets.pageMs } : {}),
        sitemapSample: cfg.sitemapSample,
    };
}
