// MEP-08: each host presents a trusted certificate that names it, is valid now and for a while
// longer, over TLS 1.2 or newer.
import type * as pulumi from "@pulumi/pulumi";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { attemptsOf, DEFAULT_TIMEOUT_MS, describeError, inspectTls, timed, TlsInfo, withRetry } from "./net";
import type { CheckResult, NetOptions } from "./types";

export interface TlsCertificateInput {
    /** Hosts to connect to with SNI, e.g. the apex and www. */
    hosts: string[];
    /** Fewest days the certificate must still be valid (default 14). */
    minDaysLeft?: number;
}

export const TLS_CERTIFICATE_NAME = "TLS certificate";

const DAY_MS = 86_400_000;
const GOOD_PROTOCOLS = ["TLSv1.2", "TLSv1.3"];
/** Verification errors that the name and date checks below explain better. */
const EXPLAINED_ERRORS = ["ERR_TLS_CERT_ALTNAME_INVALID", "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"];

/** Does certificate name `pattern` cover `host`? A wildcard covers exactly one label. */
export function nameCovers(pattern: string, host: string): boolean {
    const p = pattern.toLowerCase().replace(/\.$/, "");
    const h = host.toLowerCase().replace(/\.$/, "");
    if (p.startsWith("*.")) {
        const rest = p.slice(2);
        const dot = h.indexOf(".");
        return dot > 0 && h.slice(dot + 1) === rest;
    }
    return p === h;
}

/** The problems of one host's certificate; empty when it is right. Pure, for tests of every rule. */
export function assessCertificate(info: TlsInfo, minDaysLeft: number, now: Date): string[] {
    const problems: string[] = [];
    const host = info.host;
    const names = info.altNames.length > 0 ? info.altNames : info.subject ? [info.subject] : [];
    if (!names.some((n) => nameCovers(n, host))) {
        problems.push(`certificate names [${names.join(", ")}] do not cover ${host}`);
    }
    if (!info.authorized && !EXPLAINED_ERRORS.includes(info.authorizationError ?? "")) {
        problems.push(`untrusted chain for ${host}: ${info.authorizationError ?? "not verified"}`);
    }
    const from = info.validFrom ? Date.parse(info.validFrom) : NaN;
    const to = info.validTo ? Date.parse(info.validTo) : NaN;
    if (Number.isNaN(from) || Number.isNaN(to)) {
        problems.push(`certificate for ${host} has no readable validity dates`);
    } else if (now.getTime() < from) {
        problems.push(`certificate for ${host} is not valid before ${info.validFrom}`);
    } else if (now.getTime() > to) {
        problems.push(`certificate for ${host} expired on ${info.validTo}`);
    } else {
        const daysLeft = Math.floor((to - now.getTime()) / DAY_MS);
        if (daysLeft < minDaysLeft) {
            problems.push(`certificate for ${host} expires in ${daysLeft} days (< ${minDaysLeft})`);
        }
    }
    if (!GOOD_PROTOCOLS.includes(info.protocol ?? "")) {
        problems.push(`${host} negotiated ${info.protocol ?? "an unknown protocol"} (TLS 1.2 or newer required)`);
    }
    return problems;
}

export async function checkTlsCertificate(input: TlsCertificateInput, net: NetOptions): Promise<CheckResult> {
    const minDaysLeft = input.minDaysLeft ?? 14;
    const base = { id: "MEP-08" as const, name: TLS_CERTIFICATE_NAME };
    return timed<CheckResult>(
        async () => {
            if (input.hosts.length === 0) {
                return { ...base, status: "fail", reason: "no host to check (input.hosts is empty)", evidence: {} };
            }
            const now = new Date();
            const perHost = await Promise.all(
                input.hosts.map(async (host) => {
                    try {
                        const info = await withRetry(() => inspectTls(host, net), {
                            attempts: attemptsOf(net),
                            deadlineMs: (net.timeoutMs ?? DEFAULT_TIMEOUT_MS) * attemptsOf(net),
                        });
                        const evidence = {
                            subject: info.subject,
                            altNames: info.altNames,
                            issuer: info.issuer,
                            validFrom: info.validFrom,
                            validTo: info.validTo,
                            daysLeft: info.validTo ? Math.floor((Date.parse(info.validTo) - now.getTime()) / DAY_MS) : undefined,
                            protocol: info.protocol,
                            address: info.address,
                            authorized: info.authorized,
                            ...(info.authorizationError ? { authorizationError: info.authorizationError } : {}),
                        };
                        return { host, evidence, problems: assessCertificate(info, minDaysLeft, now) };
                    } catch (err) {
                        const error = describeError(err);
                        return { host, evidence: { error }, problems: [`no TLS connection to ${host}: ${error}`] };
                    }
                }),
            );
            const evidence = { minDaysLeft, hosts: Object.fromEntries(perHost.map((h) => [h.host, h.evidence])) };
            const problems = perHost.flatMap((h) => h.problems);
            if (problems.length > 0) {
                return { ...base, status: "fail", reason: problems.join("; "), evidence };
            }
            const soonest = Math.min(...perHost.map((h) => (h.evidence as { daysLeft?: number }).daysLeft ?? Infinity));
            return {
                ...base,
                status: "pass",
                reason: `trusted certificates cover ${input.hosts.join(", ")}, valid ${soonest} more days (≥ ${minDaysLeft}), TLS ≥ 1.2`,
                evidence,
            };
        },
        (err) => ({ ...base, status: "fail", reason: `certificates could not be checked: ${describeError(err)}`, evidence: { error: describeError(err) } }),
    );
}

/** MEP-08 as a dynamic resource: `pulumi up` fails on a wrong, untrusted or expiring certificate. */
export class TlsCertificateCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<TlsCertificateInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkTlsCertificate, { label: "MEP-08 TLS certificate", required: { hosts: "list" } }), "TlsCertificate", name, args, opts);
    }
}
