// MEP-08: each host presents a trusted certificate that names it, is valid now and for a while
// longer, over TLS 1.2 or newer. Vercel issues the site's certificate only once DNS points to it
// and serves its *.vercel.app certificate meanwhile: the check waits for the right one (bounded,
// like MEP-07 waits for DNS) and reports what was served while it waited.
import type * as pulumi from "@pulumi/pulumi";
import { CheckArgs, CheckResource, providerFor } from "./dynamic";
import { attemptsOf, DEFAULT_TIMEOUT_MS, describeError, inspectTls, sleep, timed, TlsInfo, withRetry } from "./net";
import type { CheckResult, NetOptions } from "./types";

export interface TlsCertificateInput {
    /** Hosts to connect to with SNI, e.g. the apex and www. */
    hosts: string[];
    /** Fewest days the certificate must still be valid (default 14). */
    minDaysLeft?: number;
    /** How long to wait for the certificate to be issued (default 0: judge the first answer). */
    waitMs?: number;
    /** Pause between looks while waiting (default 2000 ms). */
    pollMs?: number;
    /**
     * Before the switch, when Vercel has no certificate for the names yet (its pre-issuance was
     * refused): nothing to judge, the check says why and MEP-08 is judged after the switch.
     */
    skipBecause?: string;
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

/**
 * Whether a host's answer is one the issuance of its certificate will change: no TLS yet, a
 * certificate for other names (Vercel's *.vercel.app), an untrusted or not yet valid one. An
 * expiring certificate or an old protocol will not change by waiting.
 */
export function awaitingCertificate(info: TlsInfo | undefined, now: Date): boolean {
    if (!info) return true;
    const names = info.altNames.length > 0 ? info.altNames : info.subject ? [info.subject] : [];
    if (!names.some((n) => nameCovers(n, info.host))) return true;
    if (!info.authorized && !EXPLAINED_ERRORS.includes(info.authorizationError ?? "")) return true;
    const from = info.validFrom ? Date.parse(info.validFrom) : NaN;
    return !Number.isNaN(from) && now.getTime() < from;
}

interface HostLook {
    host: string;
    info?: TlsInfo;
    evidence: Record<string, unknown>;
    problems: string[];
}

/** What a certificate says about itself, in one line (the evidence of what was served). */
function describeServed(info: TlsInfo): string {
    const names = info.altNames.length > 0 ? info.altNames : info.subject ? [info.subject] : [];
    return `[${names.join(", ")}] from ${info.issuer ?? "an unknown issuer"}`;
}

export async function checkTlsCertificate(input: TlsCertificateInput, net: NetOptions): Promise<CheckResult> {
    const minDaysLeft = input.minDaysLeft ?? 14;
    const waitMs = Math.max(0, input.waitMs ?? 0);
    const pollMs = Math.max(50, input.pollMs ?? 2_000);
    // Bounded in time and in looks: the wait, plus one look at the start.
    const maxRounds = 1 + Math.ceil(waitMs / pollMs);
    const base = { id: "MEP-08" as const, name: TLS_CERTIFICATE_NAME };
    return timed<CheckResult>(
        async () => {
            if (input.skipBecause) return { ...base, status: "skip", reason: input.skipBecause, evidence: { hosts: input.hosts } };
            if (input.hosts.length === 0) {
                return { ...base, status: "fail", reason: "no host to check (input.hosts is empty)", evidence: {} };
            }
            const started = Date.now();
            const deadline = started + waitMs;
            // What each host served before its certificate was right, one entry per distinct answer.
            const servedMeanwhile: Record<string, Array<{ served: string; firstSeenMs: number }>> = {};
            let rounds = 0;
            let perHost: HostLook[];
            let now: Date;
            for (;;) {
                rounds++;
                now = new Date();
                perHost = await lookAtHosts(input.hosts, net, minDaysLeft, now);
                const waiting = perHost.filter((h) => h.problems.length > 0 && awaitingCertificate(h.info, now));
                const settled = perHost.every((h) => h.problems.length === 0 || awaitingCertificate(h.info, now));
                if (waiting.length === 0 || !settled || rounds >= maxRounds || Date.now() >= deadline) break;
                for (const h of waiting) {
                    const served = h.info ? describeServed(h.info) : String(h.evidence.error ?? "no TLS answer");
                    const seen = (servedMeanwhile[h.host] ??= []);
                    if (!seen.some((x) => x.served === served)) seen.push({ served, firstSeenMs: Date.now() - started });
                }
                await sleep(Math.min(pollMs, deadline - Date.now()));
            }
            const waitedMs = Date.now() - started;
            const meanwhile = Object.entries(servedMeanwhile).map(([host, seen]) => `${host} served ${seen.map((x) => x.served).join(", then ")}`);
            const evidence = {
                minDaysLeft,
                hosts: Object.fromEntries(perHost.map((h) => [h.host, h.evidence])),
                ...(waitMs > 0 ? { wait: { waitMs, waitedMs, rounds, servedMeanwhile } } : {}),
            };
            const problems = perHost.flatMap((h) => h.problems);
            if (problems.length > 0) {
                const waited = rounds > 1 ? ` (after waiting ${(waitedMs / 1000).toFixed(1)} s for the certificate${meanwhile.length ? `; meanwhile ${meanwhile.join("; ")}` : ""})` : "";
                return { ...base, status: "fail", reason: `${problems.join("; ")}${waited}`, evidence };
            }
            const soonest = Math.min(...perHost.map((h) => (h.evidence as { daysLeft?: number }).daysLeft ?? Infinity));
            const waited = rounds > 1 ? `; issued after ${(waitedMs / 1000).toFixed(1)} s of waiting (meanwhile ${meanwhile.join("; ")})` : "";
            return {
                ...base,
                status: "pass",
                reason: `trusted certificates cover ${input.hosts.join(", ")}, valid ${soonest} more days (≥ ${minDaysLeft}), TLS ≥ 1.2${waited}`,
                evidence,
            };
        },
        (err) => ({ ...base, status: "fail", reason: `certificates could not be checked: ${describeError(err)}`, evidence: { error: describeError(err) } }),
    );
}

/** One look at every host: the certificate it presents, its evidence and its problems. */
async function lookAtHosts(hosts: string[], net: NetOptions, minDaysLeft: number, now: Date): Promise<HostLook[]> {
    return Promise.all(
        hosts.map(async (host): Promise<HostLook> => {
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
                return { host, info, evidence, problems: assessCertificate(info, minDaysLeft, now) };
            } catch (err) {
                const error = describeError(err);
                return { host, evidence: { error }, problems: [`no TLS connection to ${host}: ${error}`] };
            }
        }),
    );
}

/** MEP-08 as a dynamic resource: `pulumi up` fails on a wrong, untrusted or expiring certificate. */
export class TlsCertificateCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<TlsCertificateInput>, opts?: pulumi.CustomResourceOptions) {
        super(providerFor(checkTlsCertificate, { label: "MEP-08 TLS certificate", required: { hosts: "list" } }), "TlsCertificate", name, args, opts);
    }
}
