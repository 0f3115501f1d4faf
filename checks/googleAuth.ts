// Service-account access tokens for the Google checks (MEP-15, MEP-16): the OAuth 2.0 JWT-bearer
// grant (RFC 7523) done here with node:crypto and checks/net, so the token endpoint honours the
// configured base URL, timeouts and CA like every other call. google-auth-library's JWT client
// always posts to https://oauth2.googleapis.com/token (its gtoken ignores the key's token_uri),
// which a loopback rehearsal cannot answer.
import * as crypto from "crypto";
import { Deadline, httpRequestWithRetry } from "./net";
import { redact, registerSecret } from "../shared/redact";
import type { NetOptions } from "./types";

export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";

export interface ServiceAccountKey {
    client_email: string;
    private_key: string;
    private_key_id?: string;
    token_uri?: string;
}

/** The service account's key file (JSON text). Error messages never quote the key. */
export function parseServiceAccountKey(text: string, keyName: string): ServiceAccountKey {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new Error(`${keyName} is not JSON: paste the whole key file of the service account`);
    }
    const key = parsed as Partial<ServiceAccountKey> | null;
    if (!key || typeof key.client_email !== "string" || typeof key.private_key !== "string" || !key.private_key.includes("PRIVATE KEY")) {
        throw new Error(`${keyName} must be a service-account key file with client_email and private_key`);
    }
    return key as ServiceAccountKey;
}

function base64url(data: string | Buffer): string {
    return Buffer.from(data).toString("base64").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** The signed assertion of the JWT-bearer grant. */
export function signAssertion(key: ServiceAccountKey, scope: string, audience: string, nowMs = Date.now()): string {
    const iat = Math.floor(nowMs / 1000);
    const header = { alg: "RS256", typ: "JWT", ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
    const claims = { iss: key.client_email, scope, aud: audience, iat, exp: iat + 3600 };
    const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = crypto.createSign("RSA-SHA256").update(unsigned).sign(key.private_key);
    return `${unsigned}.${base64url(signature)}`;
}

/**
 * An access token for `scope`. The endpoint is `tokenUrl`, else the key's token_uri, else Google's.
 * Throws a log-safe error (the endpoint's error code and description, never the key or token).
 */
export async function fetchAccessToken(key: ServiceAccountKey, scope: string, net: NetOptions, tokenUrl?: string, deadline?: Deadline): Promise<string> {
    const endpoint = tokenUrl ?? key.token_uri ?? GOOGLE_TOKEN_URL;
    const assertion = signAssertion(key, scope, endpoint);
    // What golive sends and may be echoed back: the key, the signed assertion (shared/redact).
    registerSecret(key.private_key);
    registerSecret(assertion);
    const body = new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString();
    const res = await httpRequestWithRetry(endpoint, net, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body,
        deadline,
        call: "token endpoint",
    });
    let json: { access_token?: string; error?: string; error_description?: string } = {};
    try {
        json = JSON.parse(res.body);
    } catch {
        // reported below with the status
    }
    if (res.status !== 200 || typeof json.access_token !== "string") {
        const detail = json.error ? `${json.error}${json.error_description ? `: ${json.error_description}` : ""}` : `HTTP ${res.status}`;
        throw new Error(`token endpoint ${new URL(endpoint).origin} refused service account ${key.client_email}: ${redact(detail)}`);
    }
    registerSecret(json.access_token);
    return json.access_token;
}

/**
 * NetOptions for calls to a service: its base URL is used as given (no site DNS or port mapping),
 * and its certificate is always verified (tlsUnverifiedBecause is about the site's). Pins still
 * apply to any name they list, and what they did is still observed.
 */
export function serviceNet(net: NetOptions, timeoutMs?: number): NetOptions {
    return {
        caPem: net.caPem,
        timeoutMs: timeoutMs ?? Math.max(net.timeoutMs ?? 10_000, 10_000),
        attempts: net.attempts,
        ...(net.pins ? { pins: net.pins } : {}),
        ...(net.observed ? { observed: net.observed } : {}),
    };
}
