// What the program needs to talk to Vercel's REST API itself (the DNS-01 certificate order and the
// domains' verification, MEP-05/MEP-08 before hour H): `golive:certificate` and
// `golive:vercelApiUrl`, plus the provider's own `vercel:apiToken` (secret) and `vercel:team`.
// Read and validated once; errors name the key.
import type * as pulumi from "@pulumi/pulumi";
import { deepFreeze, RawConfigSource, stackConfigSource } from "./config";
import { booleanValue, fail, integerValue, isObject } from "./configValues";
import { isLoopbackHost } from "../shared/loopback";
import { VERCEL_API_BASE_URL } from "../checks/vercelApi";

export interface CertificateConfig {
    /** Order the certificate by DNS-01 at prepare (default true); false: Vercel issues it after the switch (a visitor-facing gap). */
    preIssue: boolean;
    /** Bound of the wait for the TXT records and the finalization, and of a domain's verification. */
    timeoutSeconds: number;
    /** First pause between two looks. */
    pollSeconds: number;
}

export interface VercelApiConfig {
    baseUrl: string;
    teamId?: string;
    /** vercel:apiToken as a secret; absent: VERCEL_API_TOKEN where the engine runs (read at run time). */
    token?: pulumi.Output<string>;
}

const KEY = "golive:certificate";
const KNOWN = ["preIssue", "timeoutSeconds", "pollSeconds"];

export function parseCertificateConfig(raw: RawConfigSource): Readonly<CertificateConfig> {
    const text = raw.get("certificate");
    let value: unknown = {};
    if (text !== undefined && text !== "") {
        try {
            value = JSON.parse(text);
        } catch {
            fail(`${KEY} must be an object {preIssue, timeoutSeconds, pollSeconds}, got ${JSON.stringify(text.slice(0, 80))}`);
        }
    }
    if (!isObject(value)) return fail(`${KEY} must be an object {preIssue, timeoutSeconds, pollSeconds}`);
    const extra = Object.keys(value).filter((k) => !KNOWN.includes(k));
    if (extra.length > 0) fail(`${KEY} only knows ${KNOWN.join(", ")}, got ${extra.join(", ")}`);
    const cfg: CertificateConfig = {
        preIssue: booleanValue(`${KEY}.preIssue`, value.preIssue, true),
        timeoutSeconds: integerValue(`${KEY}.timeoutSeconds`, value.timeoutSeconds, 600, { min: 5, max: 3_600, unit: "seconds" }),
        pollSeconds: integerValue(`${KEY}.pollSeconds`, value.pollSeconds, 10, { min: 1, max: 300, unit: "seconds" }),
    };
    if (cfg.pollSeconds > cfg.timeoutSeconds) fail(`${KEY}.pollSeconds (${cfg.pollSeconds}) must not exceed ${KEY}.timeoutSeconds (${cfg.timeoutSeconds})`);
    return deepFreeze(cfg);
}

/** golive:vercelApiUrl: https, or http on loopback only (the replica). */
export function parseVercelApiUrl(raw: RawConfigSource): string {
    const text = (raw.get("vercelApiUrl") ?? "").trim();
    if (text === "") return VERCEL_API_BASE_URL;
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        return fail(`golive:vercelApiUrl must be a URL such as ${VERCEL_API_BASE_URL}, got ${JSON.stringify(text)}`);
    }
    const ok = url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
    if (!ok || url.username || url.password || url.search || url.hash) {
        return fail(`golive:vercelApiUrl must be an https:// URL without credentials or query (http:// only on loopback), got ${JSON.stringify(text)}`);
    }
    return url.toString().replace(/\/+$/, "");
}

/** Vercel's REST API as the program reaches it: URL, team and token (the provider's own keys). */
export function loadVercelApiConfig(raw: RawConfigSource = stackConfigSource()): VercelApiConfig {
    // The SDK only when the program runs (the guided commands' gates parse the rest without it).
    const { Config } = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    const vercel = new Config("vercel");
    const team = vercel.get("team");
    const token = vercel.getSecret("apiToken");
    return { baseUrl: parseVercelApiUrl(raw), ...(team ? { teamId: team } : {}), ...(token ? { token } : {}) };
}

export function loadCertificateConfig(raw: RawConfigSource = stackConfigSource()): Readonly<CertificateConfig> {
    return parseCertificateConfig(raw);
}
