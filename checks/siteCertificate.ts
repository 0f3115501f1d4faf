// MEP-08 before hour H: Vercel's certificate for the apex and www issued while DNS still points to
// the old host, through Vercel's DNS-01 flow ("pre-generate SSL certificates": PATCH /v3/certs
// startOrder → one `_acme-challenge.<name>` TXT value per name → finalizeOrder once they resolve).
// Without it Vercel issues the certificate only after DNS points to it, and visitors who reach the
// new host first get its *.vercel.app certificate. Two steps, two resources: the order (its TXT
// values go into Cloudflare records in between) and the issuance (bounded wait for the records at
// the authoritative servers and public resolvers, then the finalization).
//
// A refusal by Vercel (a certificate already exists for the name, a personal-scoped domain, CAA)
// is not an error of prepare: it is recorded with what to do, and the cutover falls back to
// waiting for the certificate after the switch, announced as a visitor-facing gap.
import * as pulumi from "@pulumi/pulumi";
import { describeError, deadlineIn } from "./net";
import { awaitTxtRecords, describeMissing, TxtRecord, TxtWait } from "./txtRecords";
import { isTokenRefusal, TOKEN_HINT, VercelApi, vercelCall, isVercelApiError, type VercelApiError } from "./vercelApi";
import type { NetOptions } from "./types";
import type { CertificateFact } from "./certificateFact";

/** What the order gave: the challenges to publish, or why there is none. */
export interface CertificateOrderFact {
    status: "ordered" | "exists" | "refused";
    /** The certificate's names (the apex and www). */
    names: string[];
    /** TXT records to publish (status "ordered"). */
    challenges: TxtRecord[];
    /** Vercel's error code when it refused. */
    code?: string;
    /** The certificate Vercel already holds for the names (status "exists"). */
    certId?: string;
    reason: string;
    /** What the operator does about a refusal. */
    todo?: string;
    /** ISO time of the order. */
    at: string;
}

export type { CertificateFact } from "./certificateFact";
export { certificateAfterSwitch, certificateBeforeSwitch } from "./certificateFact";

export interface CertificateOrderInput {
    api: VercelApi;
    names: string[];
}

interface VercelChallenge {
    type?: string;
    status?: string;
    domain?: string;
    value?: string;
}

/** Vercel's refusals of an order that are the domain's situation (not a fault of the call), and what to do. */
function refusalOf(err: VercelApiError, names: string[]): Pick<CertificateOrderFact, "status" | "code" | "reason" | "todo"> | undefined {
    const list = names.join(", ");
    const msg = err.message.replace(/^Vercel API [A-Z]+ \S+: /, "");
    switch (err.code) {
        case "cert_already_exists":
        case "certificate_already_exists":
        case "cert_exists":
            return {
                status: "exists",
                code: err.code,
                ...(typeof err.details.certId === "string" ? { certId: err.details.certId } : {}),
                reason: `Vercel already holds a certificate for ${list} (${msg}): the new host serves it, MEP-08 checks it before the switch`,
            };
        case "not_found":
            return {
                status: "refused",
                code: err.code,
                reason: `Vercel refused the certificate order for ${list}: ${typeof err.details.domain === "string" ? err.details.domain : "a name"} is on no project of the team yet (${msg})`,
                todo: "the domains must be on the Vercel project first (MEP-05): run golive prepare again once they are",
            };
        case "conflicting_caa_record":
            return {
                status: "refused",
                code: err.code,
                reason: `Vercel refused the certificate order for ${list}: the zone's CAA records do not let Let's Encrypt issue (${msg})`,
                todo: `add a CAA record 0 issue "letsencrypt.org" for the names (golive adds it at prepare when the zone restricts issuers: check it is there), then run golive prepare again`,
            };
        case "domain_permission_denied":
        case "forbidden":
        case "not_authorized_for_domain":
            return {
                status: "refused",
                code: err.code,
                reason: `Vercel refused the certificate order for ${list}: the domain is not in the scope of the token's team (a personal-scoped domain) (${msg})`,
                todo: "move the domain to the team of vercel:team in Vercel (Domains → Move), or set vercel:team to the scope that owns it, then run golive prepare again",
            };
        case "domain_not_verified":
            return {
                status: "refused",
                code: err.code,
                reason: `Vercel refused the certificate order for ${list}: a name is not verified on the project (${msg})`,
                todo: "the domain must be verified on the project first (MEP-05); run golive prepare again once it is",
            };
        default:
            return undefined;
    }
}

/** PATCH /v3/certs startOrder. Throws for what the operator must fix (token) or cannot be told apart. */
export async function orderCertificate(input: CertificateOrderInput): Promise<CertificateOrderFact> {
    const at = new Date().toISOString();
    const names = input.names.map((n) => n.toLowerCase());
    try {
        const order = await vercelCall<{ challengesToResolve?: VercelChallenge[] }>(input.api, "PATCH", "/v3/certs", { op: "startOrder", domains: names });
        const challenges = (order.challengesToResolve ?? [])
            .filter((c) => (c.type ?? "dns-01") === "dns-01" && typeof c.domain === "string" && typeof c.value === "string")
            // `domain` is the name certified (the vercel CLI publishes `_acme-challenge.<domain>`).
            .map((c) => {
                const name = c.domain!.toLowerCase().replace(/\.$/, "");
                return { name: name.startsWith("_acme-challenge.") ? name : `_acme-challenge.${name}`, value: c.value! };
            });
        return { status: "ordered", names, challenges, reason: `ordered for ${names.join(", ")}: ${challenges.length} DNS-01 challenge(s) to publish`, at };
    } catch (err) {
        if (isTokenRefusal(err)) throw new Error(`MEP-08 certificate order: Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
        const refused = isVercelApiError(err) ? refusalOf(err, names) : undefined;
        if (refused) return { ...refused, names, challenges: [], at };
        throw new Error(`MEP-08 certificate order for ${names.join(", ")} failed: ${describeError(err)}`);
    }
}

export interface CertificateIssuanceInput {
    api: VercelApi;
    /** The apex; its zone holds the challenges. */
    domain: string;
    order: CertificateOrderFact;
    /** The wait for the TXT records (MEP-07's servers), then for Vercel's finalization. */
    wait: TxtWait;
    net: NetOptions;
}

interface VercelCert {
    id?: string;
    uid?: string;
    cns?: string[];
    created?: number | string;
    expiration?: number | string;
    expiresAt?: number | string;
}

const isoOf = (t: number | string | undefined) => (t === undefined ? undefined : new Date(typeof t === "number" ? t : Date.parse(t)).toISOString());

/** The certificate Vercel already holds (its order was refused for that reason): GET /v7/certs/{id}. */
async function existingCertificate(api: VercelApi, order: CertificateOrderFact): Promise<CertificateFact> {
    try {
        const cert = await vercelCall<VercelCert & { createdAt?: number; expiresAt?: number }>(api, "GET", `/v7/certs/${encodeURIComponent(order.certId!)}`);
        const expiresAt = isoOf(cert.expiresAt ?? cert.expiration);
        const issuedAt = isoOf(cert.createdAt ?? cert.created);
        return {
            status: "exists",
            names: (cert.cns ?? order.names).map((n) => n.toLowerCase()),
            id: cert.id ?? order.certId!,
            ...(issuedAt ? { issuedAt } : {}),
            ...(expiresAt ? { expiresAt } : {}),
            reason: `Vercel already holds certificate ${cert.id ?? order.certId} for ${order.names.join(", ")}${expiresAt ? `, valid until ${expiresAt.slice(0, 10)}` : ""}: MEP-08 checks what the new host serves before the switch`,
        };
    } catch (err) {
        if (isTokenRefusal(err)) throw new Error(`MEP-08 certificate: Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
        return { status: "exists", names: order.names, id: order.certId!, reason: `${order.reason} (its details could not be read: ${describeError(err)})` };
    }
}

/** Codes of a finalization that is not done yet (Let's Encrypt has not seen the records). */
const NOT_YET = ["challenge_still_pending", "dns_error", "cant_solve_challenge", "bad_domains_pending"];

/** The bounded wait for the TXT records, then finalizeOrder (retried while Vercel says it is not ready). */
export async function issueCertificate(input: CertificateIssuanceInput): Promise<CertificateFact> {
    const { order } = input;
    const names = order.names;
    if (order.status === "exists" && order.certId) return existingCertificate(input.api, order);
    if (order.status !== "ordered") return { status: order.status, names, reason: order.reason, ...(order.todo ? { todo: order.todo } : {}) };
    const deadline = Date.now() + Math.max(0, input.wait.timeoutMs);
    const seen = await awaitTxtRecords(input.domain, order.challenges, input.wait, input.net);
    if (!seen.seen) {
        return {
            status: "pending",
            names,
            reason: `the DNS-01 records were not answered everywhere after ${(seen.waitedMs / 1000).toFixed(1)} s (${describeMissing(seen.missing)})`,
            todo: "run golive prepare again once they resolve: the order stays open, and the cutover refuses to switch without the certificate",
        };
    }
    let lastNotYet = "";
    for (let attempt = 1; attempt <= 60; attempt++) {
        const left = deadline - Date.now();
        try {
            const cert = await vercelCall<VercelCert>(input.api, "PATCH", "/v3/certs", { op: "finalizeOrder", domains: names }, deadlineIn(Math.max(5_000, Math.min(30_000, left)), "golive:certificate.timeoutSeconds"));
            const id = cert.id ?? cert.uid;
            const expiresAt = isoOf(cert.expiration ?? cert.expiresAt);
            return {
                status: "issued",
                names: (cert.cns ?? names).map((n) => n.toLowerCase()),
                ...(id ? { id } : {}),
                issuedAt: isoOf(cert.created) ?? new Date().toISOString(),
                ...(expiresAt ? { expiresAt } : {}),
                via: "dns-01",
                reason: `issued by DNS-01 for ${names.join(", ")}${id ? ` (${id})` : ""}${expiresAt ? `, valid until ${expiresAt.slice(0, 10)}` : ""}, after ${seen.rounds} round(s) of DNS checks`,
            };
        } catch (err) {
            if (isTokenRefusal(err)) throw new Error(`MEP-08 certificate finalization: Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
            if (!isVercelApiError(err)) throw new Error(`MEP-08 certificate finalization for ${names.join(", ")} failed: ${describeError(err)}`);
            if (!NOT_YET.includes(err.code)) {
                const refused = refusalOf(err, names);
                if (refused) return { status: refused.status === "exists" ? "exists" : "refused", names, reason: refused.reason, ...(refused.todo ? { todo: refused.todo } : {}) };
                throw new Error(`MEP-08 certificate finalization for ${names.join(", ")} failed: ${err.message}`);
            }
            lastNotYet = err.message;
        }
        const pause = Math.min(input.wait.pollMs * Math.min(attempt, 4), deadline - Date.now());
        if (pause <= 0) break;
        await new Promise((r) => setTimeout(r, pause));
    }
    return {
        status: "pending",
        names,
        reason: `Vercel had not issued the certificate within ${(input.wait.timeoutMs / 1000).toFixed(0)} s (golive:certificate.timeoutSeconds): ${lastNotYet || "no answer"}`,
        todo: "run golive prepare again later: the order stays open, and the cutover refuses to switch without the certificate",
    };
}

/**
 * A dynamic provider whose create and update call `act(inputs)`; its diff says when to act again.
 * (No captured name may shadow a test runner's global, e.g. mocha's `run`: Pulumi would not capture it.)
 */
function stepProvider<I>(act: (inputs: I) => Promise<Record<string, unknown>>, differs: (olds: any, news: any) => boolean, label: string): pulumi.dynamic.ResourceProvider {
    const execute = async (inputs: any) => {
        const clean: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(inputs ?? {})) if (k !== "__provider") clean[k] = v;
        let produced: Record<string, unknown>;
        try {
            produced = await act(clean as I);
        } catch (err) {
            throw new Error(`${label}: ${describeError(err)}`);
        }
        // JSON values only: the engine's dynamic-provider host refuses `undefined` in outputs.
        return { ...clean, ...JSON.parse(JSON.stringify(produced)) };
    };
    return {
        async create(inputs: any) {
            return { id: `${label.split(" ")[0].toLowerCase()}-${Date.now().toString(36)}`, outs: await execute(inputs) };
        },
        async diff(_id: string, olds: any, news: any) {
            return { changes: differs(olds, news) };
        },
        async update(_id: string, _olds: any, news: any) {
            return { outs: await execute(news) };
        },
    };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
/** What identifies an order: the names and where they are ordered (the token may change freely). */
const orderKey = (x: any) => ({ names: x?.names, baseUrl: x?.api?.baseUrl, teamId: x?.api?.teamId ?? null });

export interface CertificateOrderArgs {
    api: pulumi.Input<Omit<VercelApi, "token">>;
    /** Secret: vercel:apiToken. */
    token?: pulumi.Input<string>;
    names: pulumi.Input<pulumi.Input<string>[]>;
}

/** The order (startOrder): outputs `order`, the challenges to publish or why there are none. */
export class CertificateOrder extends pulumi.dynamic.Resource {
    declare public readonly order: pulumi.Output<CertificateOrderFact>;

    constructor(name: string, args: CertificateOrderArgs, opts?: pulumi.CustomResourceOptions) {
        const provider = stepProvider(
            async (i: { api: VercelApi; token?: string; names: string[] }) => ({ order: await orderCertificate({ api: { ...i.api, ...(i.token ? { token: i.token } : {}) }, names: i.names }) }),
            (olds, news) => !sameJson(orderKey(olds), orderKey(news)),
            "MEP-08 certificate order",
        );
        super(provider, name, { api: args.api, names: args.names, ...(args.token !== undefined ? { token: pulumi.secret(args.token) } : {}), order: undefined }, { ...opts, additionalSecretOutputs: ["token"] }, "golive", "CertificateOrder");
    }
}

export interface CertificateIssuanceArgs {
    api: pulumi.Input<Omit<VercelApi, "token">>;
    token?: pulumi.Input<string>;
    domain: pulumi.Input<string>;
    order: pulumi.Input<CertificateOrderFact>;
    wait: pulumi.Input<TxtWait>;
    net?: pulumi.Input<NetOptions>;
}

/**
 * The issuance (bounded wait for the TXT records, then finalizeOrder): outputs `certificate`. A
 * certificate still pending is tried again at the next `up` (prepare again, or the cutover,
 * which refuses to switch without it: MEP-08 before the switch).
 */
export class CertificateIssuance extends pulumi.dynamic.Resource {
    declare public readonly certificate: pulumi.Output<CertificateFact>;

    constructor(name: string, args: CertificateIssuanceArgs, opts?: pulumi.CustomResourceOptions) {
        const provider = stepProvider(
            async (i: { api: VercelApi; token?: string; domain: string; order: CertificateOrderFact; wait: TxtWait; net?: NetOptions }) => ({
                certificate: await issueCertificate({ api: { ...i.api, ...(i.token ? { token: i.token } : {}) }, domain: i.domain, order: i.order, wait: i.wait, net: i.net ?? {} }),
            }),
            (olds, news) => olds?.certificate?.status === "pending" || !sameJson(orderKey(olds?.order ? { ...olds.order, api: olds.api } : olds), orderKey(news?.order ? { ...news.order, api: news.api } : news)) || !sameJson(olds?.order?.challenges, news?.order?.challenges),
            "MEP-08 certificate issuance",
        );
        super(
            provider,
            name,
            { api: args.api, domain: args.domain, order: args.order, wait: args.wait, net: args.net ?? {}, ...(args.token !== undefined ? { token: pulumi.secret(args.token) } : {}), certificate: undefined },
            { ...opts, additionalSecretOutputs: ["token"] },
            "golive",
            "CertificateIssuance",
        );
    }
}
