// MEP-08 before hour H: Vercel's certificate for the apex and www issued while DNS still points to
// the old host, through Vercel's DNS-01 flow ("pre-generate SSL certificates": PATCH /v3/certs
// startOrder → one `_acme-challenge.<name>` TXT value per name → finalizeOrder once they resolve).
// Without it Vercel issues the certificate only after DNS points to it, and visitors who reach the
// new host first get its *.vercel.app certificate. Two steps, two resources: the order (its TXT
// values go into Cloudflare records in between) and the issuance (bounded wait for the records at
// the authoritative servers and public resolvers, then the finalization).
//
// A certificate Vercel already holds for the names (GET /v8/certs) is used, nothing is ordered. A
// refusal of the order (a personal-scoped domain, CAA) is not an error of prepare: it is recorded
// with what to do, and the cutover falls back to waiting for the certificate after the switch,
// announced as a visitor-facing gap. At finalize, Vercel's in-progress answers are waited out
// (bounded), its terminal ones fail prepare before DNS moves, and an order that lapsed is placed
// again. Each rule's upstream source: docs/replica-certificates.md.
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
    /** The certificates Vercel already holds for the names (status "exists"), one or more. */
    certIds?: string[];
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

/** A challenge of startOrder's answer: the vercel CLI's CertificateChallenge (start-cert-order.ts). */
interface CertificateChallenge {
    type?: string;
    status?: string;
    domain?: string;
    value?: string;
}

/** startOrder's answer: the vercel CLI's CertificateOrder (start-cert-order.ts). */
interface StartOrderAnswer {
    challengesToResolve?: CertificateChallenge[];
    domains?: string[];
    finalize?: string;
    createdAt?: number;
}

/** finalizeOrder's answer: the vercel CLI's Cert (internals/types/index.d.ts: uid, cns, created, expiration). */
interface FinalizedCert {
    uid?: string;
    id?: string;
    cns?: string[];
    created?: number | string;
    expiration?: number | string;
}

/**
 * A certificate of the account: GET /v8/certs `certs[]` and GET /v8/certs/{id}, as @vercel/sdk's
 * getCerts and getCertById read them (esm/models/getcertsop.d.ts, getcertbyidop.d.ts).
 */
interface AccountCert {
    id: string;
    cns: string[];
    createdAt: number;
    expiresAt: number;
    autoRenew: boolean;
}

/**
 * An existing certificate is used only with this much validity left: Vercel renews within 30 days
 * before expiry (vercel.com/guides/renewal-of-ssl-certificates-with-a-vercel-domain), so a shorter
 * one is about to be replaced by Vercel on its own schedule.
 */
export const EXISTING_CERT_MIN_VALIDITY_MS = 30 * 86_400_000;

/** Whether `cns` covers `name`: the name itself, or a wildcard one label up. */
function covers(cns: string[], name: string): boolean {
    const parent = name.split(".").slice(1).join(".");
    return cns.some((c) => c.toLowerCase() === name || (c.startsWith("*.") && c.slice(2).toLowerCase() === parent));
}

/**
 * The account's certificates that cover the names (GET /v8/certs, one page: Vercel's default page
 * holds 20), each name by one with EXISTING_CERT_MIN_VALIDITY_MS left; undefined when a name has none.
 */
async function coveringCertificates(api: VercelApi, names: string[], now = Date.now()): Promise<{ usable?: AccountCert[]; expiring: AccountCert[] }> {
    const list = await vercelCall<{ certs?: AccountCert[] }>(api, "GET", "/v8/certs");
    const certs = (Array.isArray(list.certs) ? list.certs : []).filter((c) => c && typeof c.id === "string" && Array.isArray(c.cns) && typeof c.expiresAt === "number");
    const fresh = certs.filter((c) => c.expiresAt - now > EXISTING_CERT_MIN_VALIDITY_MS);
    const expiring = certs.filter((c) => c.expiresAt - now <= EXISTING_CERT_MIN_VALIDITY_MS && names.some((n) => covers(c.cns, n)));
    const chosen: AccountCert[] = [];
    for (const n of names) {
        const c = fresh.find((x) => covers(x.cns, n));
        if (!c) return { expiring };
        if (!chosen.includes(c)) chosen.push(c);
    }
    return { usable: chosen, expiring };
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Vercel's refusals of an order that are the domain's situation (not a fault of the call), and what to do. */
function refusalOf(err: VercelApiError, names: string[]): Pick<CertificateOrderFact, "status" | "code" | "reason" | "todo"> | undefined {
    const list = names.join(", ");
    const msg = err.message.replace(/^Vercel API [A-Z]+ \S+: /, "");
    switch (err.code) {
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

/** The DNS-01 challenges of startOrder's answer, as the TXT records to publish. */
function challengesOf(order: StartOrderAnswer): TxtRecord[] {
    return (order.challengesToResolve ?? [])
        .filter((c) => (c.type ?? "dns-01") === "dns-01" && typeof c.domain === "string" && typeof c.value === "string")
        // `domain` is the name certified (the vercel CLI publishes `_acme-challenge.<domain>`).
        .map((c) => {
            const name = c.domain!.toLowerCase().replace(/\.$/, "");
            return { name: name.startsWith("_acme-challenge.") ? name : `_acme-challenge.${name}`, value: c.value! };
        });
}

/** PATCH /v3/certs startOrder: the open order for the names (the same one while it is open, a new one once it lapsed). */
async function startOrder(api: VercelApi, names: string[]): Promise<TxtRecord[]> {
    return challengesOf(await vercelCall<StartOrderAnswer>(api, "PATCH", "/v3/certs", { op: "startOrder", domains: names }));
}

/**
 * MEP-08's order. First the certificates Vercel already holds (GET /v8/certs): when they cover the
 * names with 30 days left, none is ordered (what startOrder would answer for such names is unknown:
 * no upstream source names a code). Else PATCH /v3/certs startOrder. Throws for what the operator
 * must fix (token) or cannot be told apart.
 */
export async function orderCertificate(input: CertificateOrderInput): Promise<CertificateOrderFact> {
    const at = new Date().toISOString();
    const names = input.names.map((n) => n.toLowerCase());
    let held: Awaited<ReturnType<typeof coveringCertificates>> = { expiring: [] };
    let unread = "";
    try {
        held = await coveringCertificates(input.api, names);
    } catch (err) {
        if (isTokenRefusal(err)) throw new Error(`MEP-08 certificate order: Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
        unread = ` (the account's certificates could not be read: ${describeError(err)})`;
    }
    if (held.usable) {
        const until = Math.min(...held.usable.map((c) => c.expiresAt));
        return {
            status: "exists",
            names,
            challenges: [],
            certIds: held.usable.map((c) => c.id),
            reason: `Vercel already holds ${held.usable.length === 1 ? `certificate ${held.usable[0].id}` : `certificates ${held.usable.map((c) => c.id).join(", ")}`} for ${names.join(", ")} (GET /v8/certs), valid until ${dayOf(until)}: none ordered; MEP-08 checks what the new host serves before the switch`,
            at,
        };
    }
    const expiring = held.expiring.length > 0 ? ` (${held.expiring.map((c) => `${c.id} expires ${dayOf(c.expiresAt)}`).join(", ")}: within Vercel's 30-day renewal window, not used)` : "";
    try {
        const challenges = await startOrder(input.api, names);
        return { status: "ordered", names, challenges, reason: `ordered for ${names.join(", ")}: ${challenges.length} DNS-01 challenge(s) to publish${expiring}${unread}`, at };
    } catch (err) {
        if (isTokenRefusal(err)) throw new Error(`MEP-08 certificate order: Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
        const refused = isVercelApiError(err) ? refusalOf(err, names) : undefined;
        if (refused) return { ...refused, names, challenges: [], at };
        throw new Error(`MEP-08 certificate order for ${names.join(", ")} failed: ${describeError(err)}`);
    }
}

/**
 * Whether the order published at the last run is still Vercel's open order: the account holds no
 * certificate for the names yet, and startOrder (which answers the open order again) gives other
 * challenge values, because the order lapsed and Vercel placed a new one. Run by the order's diff,
 * so a plain `pulumi up` places it again and publishes the new values in the same run. Any doubt
 * (an error) keeps the order: the issuance then says what Vercel answers.
 */
export async function orderLapsed(api: VercelApi, order: CertificateOrderFact): Promise<boolean> {
    if (order.status !== "ordered") return false;
    try {
        if ((await coveringCertificates(api, order.names)).usable) return false;
        const now = await startOrder(api, order.names);
        const values = (cs: TxtRecord[]) => JSON.stringify(cs.map((c) => `${c.name} ${c.value}`).sort());
        return values(now) !== values(order.challenges);
    } catch {
        return false;
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

const isoOf = (t: number | string | undefined) => (t === undefined ? undefined : new Date(typeof t === "number" ? t : Date.parse(t)).toISOString());

/** The certificates Vercel already holds for the names, read again: GET /v8/certs/{id} (@vercel/sdk getCertById). */
async function existingCertificate(api: VercelApi, order: CertificateOrderFact): Promise<CertificateFact> {
    const ids = order.certIds ?? [];
    try {
        const certs = await Promise.all(ids.map((id) => vercelCall<AccountCert>(api, "GET", `/v8/certs/${encodeURIComponent(id)}`)));
        const expiresAt = Math.min(...certs.map((c) => c.expiresAt));
        const issuedAt = Math.min(...certs.map((c) => c.createdAt));
        return {
            status: "exists",
            names: order.names,
            id: certs.map((c) => c.id).join(", "),
            ...(Number.isFinite(issuedAt) ? { issuedAt: new Date(issuedAt).toISOString() } : {}),
            ...(Number.isFinite(expiresAt) ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
            reason: `Vercel already holds ${certs.map((c) => `${c.id} (${c.cns.join(", ")})`).join(" and ")} for ${order.names.join(", ")}${Number.isFinite(expiresAt) ? `, valid until ${dayOf(expiresAt)}` : ""}: MEP-08 checks what the new host serves before the switch`,
        };
    } catch (err) {
        if (isTokenRefusal(err)) throw new Error(`MEP-08 certificate: Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
        if (isVercelApiError(err) && err.code === "cert_not_found") {
            return {
                status: "pending",
                names: order.names,
                code: err.code,
                reason: `the certificate Vercel held for ${order.names.join(", ")} is gone (${err.message})`,
                todo: "run golive prepare again: it orders a new one (the order is placed again when no certificate covers the names)",
            };
        }
        return { status: "exists", names: order.names, id: ids.join(", "), reason: `${order.reason} (its details could not be read: ${describeError(err)})` };
    }
}

/**
 * finalizeOrder's answers while Let's Encrypt has not validated yet: the codes of the vercel CLI's
 * map-cert-error.ts that describe a validation in progress or a DNS answer not seen yet. The CLI
 * prints each and stops (certs issue is one shot); golive waits, bounded by
 * golive:certificate.timeoutSeconds. challenge_error is counted here too (assumed: upstream does not
 * say whether Vercel retries the challenge; the wait is bounded either way).
 */
const IN_PROGRESS = ["validation_running", "challenge_still_pending", "txt_record_not_found", "dns_error", "challenge_error"];
/** Rate limits (map-cert-error.ts too_many_requests with retryAfterMs; rate_limited): waited out when the wait allows. */
const RATE_LIMITED = ["too_many_requests", "rate_limited"];

/**
 * finalizeOrder's answers that no wait changes: prepare fails, naming the code, the names and what
 * to do, before any record of the site changes (map-cert-error.ts; configuration_error is HTTP-01
 * when the status is 449, else DNS-01).
 */
function terminalTodo(err: VercelApiError, names: string[], domain: string): string | undefined {
    const list = names.join(", ");
    switch (err.code) {
        case "conflicting_caa_record":
            return `the zone's CAA records do not let Let's Encrypt issue for ${list}: add a CAA record 0 issue "letsencrypt.org" at ${domain} (golive adds it at prepare when the zone restricts issuers: check it is there and nothing overrides it on www), then run golive prepare again`;
        case "bad_domains":
            return `Vercel will not issue for ${list}: check golive:domain (the apex) and that both names are domains of the Vercel project (MEP-05), then run golive prepare again`;
        case "domain_not_verified":
            return `a name of ${list} is not verified on the Vercel project: complete its verification (MEP-05, the _vercel TXT record), then run golive prepare again`;
        case "configuration_error":
            return err.status === 449
                ? `Vercel tried HTTP-01 for ${list}, which needs DNS to point to Vercel (not before the switch): run golive prepare again; if it persists, issue by DNS-01 with vercel certs issue --challenge-only ${names.join(" ")} and contact Vercel support`
                : `Vercel could not verify the DNS-01 records _acme-challenge.${domain} and _acme-challenge.www.${domain}: check at Cloudflare that they hold the values golive published (golive status) and that the zone's servers answer them, then run golive prepare again`;
        case "not_found":
        case "forbidden":
        case "domain_permission_denied":
        case "not_authorized_for_domain":
            return refusalOf(err, names)?.todo;
        default:
            return undefined;
    }
}

const secsOf = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The bounded wait for the TXT records, then finalizeOrder: again while Vercel says the validation
 * is in progress or rate-limited (honouring retryAfterMs), until golive:certificate.timeoutSeconds;
 * a lapsed order is placed again; a terminal answer fails the step.
 */
export async function issueCertificate(input: CertificateIssuanceInput): Promise<CertificateFact> {
    const { order } = input;
    const names = order.names;
    if (order.status === "exists" && (order.certIds ?? []).length > 0) return existingCertificate(input.api, order);
    if (order.status !== "ordered") return { status: order.status, names, reason: order.reason, ...(order.todo ? { todo: order.todo } : {}) };
    const budget = Math.max(0, input.wait.timeoutMs);
    const deadline = Date.now() + budget;
    const seen = await awaitTxtRecords(input.domain, order.challenges, input.wait, input.net);
    if (!seen.seen) {
        return {
            status: "pending",
            names,
            reason: `the DNS-01 records were not answered everywhere after ${(seen.waitedMs / 1000).toFixed(1)} s (${describeMissing(seen.missing)})`,
            todo: "run golive prepare again once they resolve: the order stays open, and the cutover refuses to switch without the certificate",
        };
    }
    const finalizingSince = Date.now();
    /** What Vercel answered while not done: code → count (for the message). */
    const answered = new Map<string, number>();
    let last = "";
    let reordered = false;
    const saidSoFar = () => [...answered].map(([c, n]) => `${c} ×${n}`).join(", ");
    for (let attempt = 1; attempt <= 60; attempt++) {
        const left = deadline - Date.now();
        let pause = input.wait.pollMs * Math.min(attempt, 4);
        try {
            const cert = await vercelCall<FinalizedCert>(input.api, "PATCH", "/v3/certs", { op: "finalizeOrder", domains: names }, deadlineIn(Math.max(5_000, Math.min(30_000, left)), "golive:certificate.timeoutSeconds"));
            const id = cert.uid ?? cert.id;
            const expiresAt = isoOf(cert.expiration);
            const waited = answered.size > 0 ? `; Vercel answered ${saidSoFar()} over ${secsOf(Date.now() - finalizingSince)} first` : "";
            return {
                status: "issued",
                names: (cert.cns ?? names).map((n) => n.toLowerCase()),
                ...(id ? { id } : {}),
                issuedAt: isoOf(cert.created) ?? new Date().toISOString(),
                ...(expiresAt ? { expiresAt } : {}),
                via: "dns-01",
                reason: `issued by DNS-01 for ${names.join(", ")}${id ? ` (${id})` : ""}${expiresAt ? `, valid until ${expiresAt.slice(0, 10)}` : ""}, after ${seen.rounds} round(s) of DNS checks${waited}${reordered ? " (the order had lapsed and was placed again with the same values)" : ""}`,
            };
        } catch (err) {
            if (isTokenRefusal(err)) throw new Error(`MEP-08 certificate finalization: Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
            if (!isVercelApiError(err)) throw new Error(`MEP-08 certificate finalization for ${names.join(", ")} failed: ${describeError(err)}`);
            answered.set(err.code, (answered.get(err.code) ?? 0) + 1);
            last = err.message;
            if (err.code === "cert_order_not_found") {
                // finish-cert-order.ts: the order is gone (it lapsed). The CLI then asks Vercel to
                // issue on its own (POST /v3/certs), which needs DNS pointing to Vercel: not before
                // the switch. golive places the DNS-01 order again instead.
                if (reordered) throw new Error(`MEP-08 certificate finalization for ${names.join(", ")}: the order placed again is not found either (${err.message}): run golive prepare again; if it persists, contact Vercel support`);
                reordered = true;
                let again: TxtRecord[];
                try {
                    again = await startOrder(input.api, names);
                } catch (e) {
                    throw new Error(`MEP-08 certificate: the order for ${names.join(", ")} lapsed (cert_order_not_found) and placing it again failed: ${describeError(e)}`);
                }
                const values = (cs: TxtRecord[]) => JSON.stringify(cs.map((c) => `${c.name} ${c.value}`).sort());
                if (values(again) !== values(order.challenges)) {
                    return {
                        status: "pending",
                        names,
                        code: "cert_order_not_found",
                        reason: `the certificate order for ${names.join(", ")} had lapsed at Vercel (finalizeOrder answered cert_order_not_found: ${err.message}); a new order was placed, with new DNS-01 values`,
                        todo: "run golive prepare again (or pulumi up with golive:phase=prepare): it publishes the new values and finalizes; nothing to edit by hand",
                    };
                }
                pause = 0;
            } else if (RATE_LIMITED.includes(err.code)) {
                const after = typeof err.details.retryAfterMs === "number" ? err.details.retryAfterMs : undefined;
                if (after !== undefined && after > deadline - Date.now()) {
                    return {
                        status: "pending",
                        names,
                        code: err.code,
                        reason: `Vercel rate-limited the finalization of ${names.join(", ")} (${err.code}) and asks to wait ${secsOf(after)}, more than what is left of golive:certificate.timeoutSeconds (${secsOf(Math.max(0, deadline - Date.now()))})`,
                        todo: `run golive prepare again after ${new Date(Date.now() + after).toISOString()}: the order stays open, and the cutover refuses to switch without the certificate`,
                    };
                }
                pause = Math.max(pause, after ?? 0);
            } else if (!IN_PROGRESS.includes(err.code)) {
                const todo = terminalTodo(err, names, input.domain);
                if (todo) throw new Error(`MEP-08 certificate finalization for ${names.join(", ")}: Vercel answered ${err.code} (${err.message.replace(/^Vercel API [A-Z]+ \S+: /, "")}): ${todo}; DNS was not changed`);
                throw new Error(`MEP-08 certificate finalization for ${names.join(", ")} failed: ${err.message}`);
            }
        }
        pause = Math.min(pause, deadline - Date.now());
        if (pause < 0 || (pause === 0 && Date.now() >= deadline)) break;
        if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
    return {
        status: "pending",
        names,
        ...(answered.size > 0 ? { code: [...answered.keys()].pop() } : {}),
        reason: `Vercel had not issued the certificate within ${(budget / 1000).toFixed(0)} s (golive:certificate.timeoutSeconds): it answered ${saidSoFar() || "nothing"} over ${secsOf(Date.now() - finalizingSince)} (last: ${last || "no answer"})`,
        todo: "run golive prepare again later: the order stays open, and the cutover refuses to switch without the certificate",
    };
}

/**
 * A dynamic provider whose create and update call `act(inputs)`; its diff says when to act again.
 * (No captured name may shadow a test runner's global, e.g. mocha's `run`: Pulumi would not capture it.)
 */
function stepProvider<I>(act: (inputs: I) => Promise<Record<string, unknown>>, differs: (olds: any, news: any) => boolean | Promise<boolean>, label: string): pulumi.dynamic.ResourceProvider {
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
            return { changes: await differs(olds, news) };
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

/**
 * The order (startOrder): outputs `order`, the challenges to publish or why there are none. Placed
 * again when the names, base URL or team change, and when it lapsed at Vercel (orderLapsed, asked
 * by the diff at every run while no certificate covers the names): its new challenge values then
 * reach the TXT records in the same `pulumi up`.
 */
export class CertificateOrder extends pulumi.dynamic.Resource {
    declare public readonly order: pulumi.Output<CertificateOrderFact>;

    constructor(name: string, args: CertificateOrderArgs, opts?: pulumi.CustomResourceOptions) {
        const provider = stepProvider(
            async (i: { api: VercelApi; token?: string; names: string[] }) => ({ order: await orderCertificate({ api: { ...i.api, ...(i.token ? { token: i.token } : {}) }, names: i.names }) }),
            async (olds, news) =>
                !sameJson(orderKey(olds), orderKey(news)) || (!!olds?.order && (await orderLapsed({ ...news.api, ...(news.token ? { token: news.token } : {}) }, olds.order))),
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
