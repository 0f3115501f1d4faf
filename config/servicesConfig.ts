// Stack config of the checks that talk to outside services: golive:contactForm, golive:imap,
// golive:pagespeed, golive:searchConsole, golive:analytics. Read and validated once; errors name
// the key and never print a value of a secret field (imap.password, pagespeed.apiKey,
// searchConsole.serviceAccountKey, analytics.serviceAccountKey). Secret fields must be stored
// with `--secret`; the component turns every input that holds them into a Pulumi secret.
import { RawConfigSource, stackConfigSource } from "./config";
import { booleanValue, decimalValue, fail, integerValue, isObject, oneOfValue, textValue } from "./configValues";
import { SERVICE_TIMEOUTS_S, ServicesSettings } from "../checks/serviceInputs";
import { sitePathProblem } from "../checks/siteUrl";

export type { ServicesSettings } from "../checks/serviceInputs";

/** Text of `golive:<key>` (objects as JSON text) and whether it is stored encrypted. */
export type ServicesRawSource = RawConfigSource;

type Obj = Record<string, unknown>;

/** The object at golive:<key>, undefined when unset; unknown fields are refused (typos). */
function objectAt(raw: ServicesRawSource, key: string, known: string[]): Obj | undefined {
    const text = raw.get(key);
    if (text === undefined || text === "") return undefined;
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        // Never echo the text: it may hold a secret field.
        return fail(`golive:${key} must be structured config (pulumi config set --path golive:${key}.<field> ...)`);
    }
    if (!isObject(value)) return fail(`golive:${key} must be an object of fields (set them with --path)`);
    const unknown = Object.keys(value).filter((k) => !known.includes(k));
    if (unknown.length > 0) return fail(`golive:${key} has unknown field(s) ${unknown.join(", ")}; known: ${known.join(", ")}`);
    // `{}` is the Pulumi.yaml default: the service is not configured.
    return Object.keys(value).length === 0 ? undefined : value;
}

function str(key: string, v: unknown, required = false): string | undefined {
    const s = textValue(key, v);
    return s === undefined && required ? fail(`${key} is required`) : s;
}

function baseUrl(key: string, v: unknown): string | undefined {
    const s = str(key, v);
    if (s === undefined) return undefined;
    if (!/^https?:\/\/[^/]+/.test(s)) return fail(`${key} must be an http(s) base URL, got ${JSON.stringify(s)}`);
    return s.replace(/\/+$/, "");
}

function stringMap(key: string, v: unknown): Record<string, string> {
    if (v === undefined || v === null) return {};
    if (!isObject(v) || !Object.values(v).every((x) => typeof x === "string")) return fail(`${key} must be an object of name: text`);
    return v as Record<string, string>;
}

/** A secret field: present only if the whole key is stored encrypted. */
function secretField(raw: ServicesRawSource, key: string, field: string, v: unknown): string | undefined {
    const value = str(`golive:${key}.${field}`, v);
    if (value !== undefined && !raw.isSecret(key)) {
        fail(`golive:${key}.${field} must be stored as a secret: pulumi config set --secret --path golive:${key}.${field}`);
    }
    return value;
}

function serviceAccountKey(raw: ServicesRawSource, key: string, v: unknown): string | undefined {
    const text = secretField(raw, key, "serviceAccountKey", v);
    if (text === undefined) return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        // The file through standard input: on a command line it is visible to every user of the machine and kept in shell history.
        return fail(`golive:${key}.serviceAccountKey must be the JSON key file of a service account (pulumi config set --secret --path 'golive:${key}.serviceAccountKey' < key.json)`);
    }
    if (!isObject(parsed) || typeof parsed.client_email !== "string" || typeof parsed.private_key !== "string") {
        return fail(`golive:${key}.serviceAccountKey must be a service-account key file with client_email and private_key`);
    }
    return text;
}

/** Validates the services' config; pure apart from reading `raw`. */
export function parseServicesConfig(raw: ServicesRawSource): ServicesSettings {
    const out: ServicesSettings = {};

    const form = objectAt(raw, "contactForm", ["path", "action", "method", "fields", "hidden", "sender", "expectStatus", "expectText", "deliveryTimeoutSeconds", "pollSeconds"]);
    if (form) {
        const path = str("golive:contactForm.path", form.path) ?? "/contact";
        const pathIssue = sitePathProblem(path);
        if (pathIssue) fail(`golive:contactForm.path is a path of the site: it ${pathIssue}, got ${JSON.stringify(path)}`);
        const action = form.action === undefined ? undefined : str("golive:contactForm.action", form.action);
        const actionIssue = action === undefined ? undefined : sitePathProblem(action);
        if (actionIssue) fail(`golive:contactForm.action is a path of the site (where the form posts, e.g. /api/contact): it ${actionIssue}, got ${JSON.stringify(action)}`);
        const fields = form.fields === undefined ? {} : stringMap("golive:contactForm.fields", form.fields);
        const knownFields = ["name", "email", "message", "subject"];
        const extra = Object.keys(fields).filter((f) => !knownFields.includes(f));
        if (extra.length > 0) fail(`golive:contactForm.fields has unknown field(s) ${extra.join(", ")}; known: ${knownFields.join(", ")} (other inputs go in golive:contactForm.hidden)`);
        const expectStatus = form.expectStatus;
        if (expectStatus !== undefined && !(Array.isArray(expectStatus) && expectStatus.every((s) => Number.isInteger(s) && s >= 100 && s <= 599))) {
            fail("golive:contactForm.expectStatus must be a list of HTTP statuses, e.g. [200, 303]");
        }
        out.contactForm = {
            path,
            ...(action !== undefined ? { action } : {}),
            method: oneOfValue("golive:contactForm.method", form.method, ["POST", "GET"] as const, "POST"),
            fields,
            hidden: stringMap("golive:contactForm.hidden", form.hidden),
            ...(form.sender !== undefined ? { sender: stringMap("golive:contactForm.sender", form.sender) } : {}),
            ...(expectStatus !== undefined ? { expectStatus: expectStatus as number[] } : {}),
            ...(form.expectText !== undefined ? { expectText: str("golive:contactForm.expectText", form.expectText)! } : {}),
            deliveryTimeoutSeconds: decimalValue("golive:contactForm.deliveryTimeoutSeconds", form.deliveryTimeoutSeconds, 180, { min: 5, max: 3600 }),
            pollSeconds: decimalValue("golive:contactForm.pollSeconds", form.pollSeconds, 5, { min: 0.1, max: 300 }),
        };
    }

    const imap = objectAt(raw, "imap", ["host", "port", "secure", "user", "mailbox", "password"]);
    if (imap) {
        const secure = booleanValue("golive:imap.secure", imap.secure, true);
        out.imap = {
            host: str("golive:imap.host", imap.host, true)!,
            port: integerValue("golive:imap.port", imap.port, secure ? 993 : 143, { min: 1, max: 65535 }),
            secure,
            user: str("golive:imap.user", imap.user, true)!,
            ...(imap.mailbox !== undefined ? { mailbox: str("golive:imap.mailbox", imap.mailbox)! } : {}),
            ...(imap.password !== undefined ? { password: secretField(raw, "imap", "password", imap.password) } : {}),
        };
    }

    const psi = objectAt(raw, "pagespeed", ["apiKey", "baseUrl", "strategies", "threshold", "mode", "localRuns", "timeoutSeconds"]);
    if (psi) {
        const strategies = psi.strategies ?? ["mobile"];
        if (!Array.isArray(strategies) || strategies.length === 0 || !strategies.every((s) => s === "mobile" || s === "desktop")) {
            fail(`golive:pagespeed.strategies must be a list of mobile and/or desktop, got ${JSON.stringify(psi.strategies)}`);
        }
        out.pagespeed = {
            ...(psi.apiKey !== undefined ? { apiKey: secretField(raw, "pagespeed", "apiKey", psi.apiKey) } : {}),
            ...(psi.baseUrl !== undefined ? { baseUrl: baseUrl("golive:pagespeed.baseUrl", psi.baseUrl) } : {}),
            strategies: strategies as ("mobile" | "desktop")[],
            threshold: decimalValue("golive:pagespeed.threshold", psi.threshold, 0.9, { min: 0, max: 1 }),
            mode: oneOfValue("golive:pagespeed.mode", psi.mode, ["api", "local", "auto"] as const, "auto"),
            localRuns: integerValue("golive:pagespeed.localRuns", psi.localRuns, 3, { min: 1, max: 9 }),
            timeoutSeconds: decimalValue("golive:pagespeed.timeoutSeconds", psi.timeoutSeconds, SERVICE_TIMEOUTS_S.pagespeed, { min: 1, max: 3600 }),
        };
    }

    const sc = objectAt(raw, "searchConsole", ["siteUrl", "sitemapUrl", "serviceAccountKey", "baseUrl", "tokenUrl", "timeoutSeconds"]);
    if (sc) {
        const siteUrl = str("golive:searchConsole.siteUrl", sc.siteUrl);
        if (siteUrl !== undefined && !siteUrl.startsWith("sc-domain:") && !/^https?:\/\/[^/]+\/(.*\/)?$/.test(siteUrl)) {
            fail(`golive:searchConsole.siteUrl must be a URL prefix ending with "/" (https://www.example.com/) or sc-domain:example.com, got ${JSON.stringify(siteUrl)}`);
        }
        out.searchConsole = {
            ...(siteUrl !== undefined ? { siteUrl } : {}),
            ...(sc.sitemapUrl !== undefined ? { sitemapUrl: str("golive:searchConsole.sitemapUrl", sc.sitemapUrl)! } : {}),
            ...(sc.serviceAccountKey !== undefined ? { serviceAccountKey: serviceAccountKey(raw, "searchConsole", sc.serviceAccountKey) } : {}),
            ...(sc.baseUrl !== undefined ? { baseUrl: baseUrl("golive:searchConsole.baseUrl", sc.baseUrl) } : {}),
            ...(sc.tokenUrl !== undefined ? { tokenUrl: baseUrl("golive:searchConsole.tokenUrl", sc.tokenUrl) } : {}),
            timeoutSeconds: decimalValue("golive:searchConsole.timeoutSeconds", sc.timeoutSeconds, SERVICE_TIMEOUTS_S.searchConsole, { min: 1, max: 1800 }),
        };
    }

    const ga = objectAt(raw, "analytics", ["measurementId", "tagManagerId", "propertyId", "serviceAccountKey", "baseUrl", "tokenUrl", "realtimeWaitSeconds", "visit", "timeoutSeconds"]);
    if (ga) {
        const measurementId = str("golive:analytics.measurementId", ga.measurementId);
        if (measurementId !== undefined && !/^G-[A-Z0-9]{4,}$/.test(measurementId)) fail(`golive:analytics.measurementId must be a GA4 measurement ID like G-XXXXXXXXXX, got ${JSON.stringify(measurementId)}`);
        const tagManagerId = str("golive:analytics.tagManagerId", ga.tagManagerId);
        if (tagManagerId !== undefined && !/^GTM-[A-Z0-9]{4,}$/.test(tagManagerId)) fail(`golive:analytics.tagManagerId must look like GTM-XXXXXXX, got ${JSON.stringify(tagManagerId)}`);
        const propertyId = ga.propertyId === undefined ? undefined : String(ga.propertyId);
        if (propertyId !== undefined && !/^[0-9]+$/.test(propertyId)) fail(`golive:analytics.propertyId must be the numeric GA4 property id, got ${JSON.stringify(ga.propertyId)}`);
        const realtimeWaitSeconds = decimalValue("golive:analytics.realtimeWaitSeconds", ga.realtimeWaitSeconds, 120, { min: 0, max: 1800 });
        const timeoutSeconds = decimalValue("golive:analytics.timeoutSeconds", ga.timeoutSeconds, Math.max(SERVICE_TIMEOUTS_S.analytics, realtimeWaitSeconds + 180), { min: 1, max: 3600 });
        if (timeoutSeconds <= realtimeWaitSeconds) {
            fail(`golive:analytics.timeoutSeconds (${timeoutSeconds}) must be longer than golive:analytics.realtimeWaitSeconds (${realtimeWaitSeconds}): the realtime wait is part of the check's deadline`);
        }
        out.analytics = {
            ...(measurementId !== undefined ? { measurementId } : {}),
            ...(tagManagerId !== undefined ? { tagManagerId } : {}),
            ...(propertyId !== undefined ? { propertyId } : {}),
            ...(ga.serviceAccountKey !== undefined ? { serviceAccountKey: serviceAccountKey(raw, "analytics", ga.serviceAccountKey) } : {}),
            ...(ga.baseUrl !== undefined ? { baseUrl: baseUrl("golive:analytics.baseUrl", ga.baseUrl) } : {}),
            ...(ga.tokenUrl !== undefined ? { tokenUrl: baseUrl("golive:analytics.tokenUrl", ga.tokenUrl) } : {}),
            realtimeWaitSeconds,
            visit: oneOfValue("golive:analytics.visit", ga.visit, ["browser", "none"] as const, "browser"),
            timeoutSeconds,
        };
    }
    return out;
}

/** Reads the services' keys from the stack config and validates them. */
export function loadServicesConfig(): ServicesSettings {
    return parseServicesConfig(stackConfigSource());
}
