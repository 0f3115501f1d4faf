// MEP-05 before hour H: each domain of the project verified on Vercel. A domain Vercel holds as
// unverified (attached to a project of another team or account) does not serve the project and
// gets no certificate: found at prepare, not after the switch. Vercel asks for TXT records
// (the ProjectDomain's `verifications`); the program publishes them at Cloudflare, waits for them
// (MEP-07's servers) and asks Vercel to verify (POST /v9/projects/{id}/domains/{domain}/verify).
// When Vercel keeps the domain with another project, prepare fails naming the domain, the project
// that holds it and what to do.
import * as pulumi from "@pulumi/pulumi";
import { CheckArgs, CheckResource, checkProvider } from "./dynamic";
import { deadlineIn, describeError, sleep, timed } from "./net";
import { awaitTxtRecords, describeMissing, TxtWait } from "./txtRecords";
import { isTokenRefusal, TOKEN_HINT, VercelApi, vercelCall, isVercelApiError, type VercelApiError } from "./vercelApi";
import type { CheckResult, NetOptions } from "./types";

export interface DomainVerificationInput {
    api: VercelApi;
    projectId: string;
    /** The project's name, for messages. */
    projectName: string;
    domain: string;
    /** The zone's apex (where MEP-07's servers are looked up). */
    zone: string;
    /** The ProjectDomain's `verified` output. */
    verified: boolean;
    /** The ProjectDomain's `verifications`: what Vercel asks for. */
    verifications: Array<{ type: string; domain: string; value: string; reason?: string }>;
    wait: TxtWait;
}

const NAME = "Domain verification";

/** What Vercel's refusal to verify says about who holds the domain. */
function holderOf(err: VercelApiError): string | undefined {
    const d = err.details as { projectName?: unknown; projectId?: unknown; project?: { name?: unknown; id?: unknown }; teamName?: unknown; teamId?: unknown };
    const project = (typeof d.projectName === "string" && d.projectName) || (typeof d.project?.name === "string" && d.project.name) || (typeof d.projectId === "string" && d.projectId) || undefined;
    const t = d as { team?: unknown };
    const team = (typeof t.team === "string" && t.team) || (typeof d.teamName === "string" && d.teamName) || (typeof d.teamId === "string" && d.teamId) || undefined;
    return project ? `project ${project}${team ? ` (team ${team})` : ""}` : undefined;
}

export async function checkDomainVerification(input: DomainVerificationInput, net: NetOptions): Promise<CheckResult> {
    const base = { id: "MEP-05" as const, name: NAME };
    return timed<CheckResult>(
        async () => {
            if (input.verified) return { ...base, status: "pass", reason: `${input.domain} is verified on the Vercel project ${input.projectName}`, evidence: { domain: input.domain, verified: true } };
            const txt = input.verifications.filter((v) => v.type.toUpperCase() === "TXT").map((v) => ({ name: v.domain.toLowerCase().replace(/\.$/, ""), value: v.value }));
            const asked = input.verifications.map((v) => `${v.type} ${v.domain} ${JSON.stringify(v.value)}${v.reason ? ` (${v.reason})` : ""}`);
            if (txt.length === 0) {
                return { ...base, status: "fail", reason: `${input.domain} is not verified on the Vercel project ${input.projectName} and Vercel asks for no TXT record the program can publish (${asked.join("; ") || "nothing"}): verify it in the Vercel dashboard (Project → Domains)`, evidence: { domain: input.domain, verified: false, verifications: input.verifications } };
            }
            const seen = await awaitTxtRecords(input.zone, txt, input.wait, net);
            const evidence = { domain: input.domain, verified: false, verifications: input.verifications, dns: { seen: seen.seen, rounds: seen.rounds, waitedMs: seen.waitedMs } };
            if (!seen.seen) {
                return { ...base, status: "fail", reason: `${input.domain}: the verification TXT record Vercel asks for is not answered everywhere after ${(seen.waitedMs / 1000).toFixed(1)} s (${describeMissing(seen.missing)}); run golive prepare again once it resolves`, evidence };
            }
            // Vercel reads the record on its own schedule: a few tries, bounded by the wait.
            const deadline = Date.now() + Math.max(5_000, input.wait.timeoutMs);
            let last: VercelApiError | undefined;
            // Vercel's 429/5xx answers the call retried (checks/vercelRetry.ts), said in the evidence.
            const retries: string[] = [];
            for (let attempt = 1; attempt <= 10 && Date.now() < deadline; attempt++) {
                try {
                    const r = await vercelCall<{ verified?: boolean }>(input.api, "POST", `/v9/projects/${encodeURIComponent(input.projectId)}/domains/${encodeURIComponent(input.domain)}/verify`, {}, deadlineIn(Math.min(30_000, Math.max(1_000, deadline - Date.now())), "golive:certificate.timeoutSeconds"), (note) => retries.push(note));
                    if (r.verified !== false) {
                        return { ...base, status: "pass", reason: `${input.domain} verified on the Vercel project ${input.projectName} by the TXT record ${txt.map((t) => t.name).join(", ")}`, evidence: { ...evidence, verified: true, attempts: attempt, ...(retries.length > 0 ? { retries } : {}) } };
                    }
                } catch (err) {
                    if (isTokenRefusal(err)) throw new Error(`Vercel refused the token (${(err as Error).message}): ${TOKEN_HINT}`);
                    if (!isVercelApiError(err)) throw err;
                    last = err;
                    const holder = holderOf(err);
                    // Another project keeps the domain: no record of ours can change that.
                    if (holder || err.status === 409) {
                        return {
                            ...base,
                            status: "fail",
                            reason:
                                `${input.domain} is held by ${holder ?? "another Vercel project"}, and Vercel keeps it there (${err.message.replace(/^Vercel API [A-Z]+ \S+: /, "")}): ` +
                                `remove ${input.domain} from that project (its Settings → Domains), or ask its owner to, then run golive prepare again; DNS was not changed`,
                            evidence: { ...evidence, error: { status: err.status, code: err.code, ...err.details } },
                        };
                    }
                }
                await sleep(Math.min(input.wait.pollMs * attempt, Math.max(0, deadline - Date.now())));
            }
            return {
                ...base,
                status: "fail",
                reason: `${input.domain}: Vercel did not verify the domain on the project ${input.projectName} although the TXT record resolves (${last ? last.message : "it kept answering verified: false"}); check Project → Domains in Vercel, then run golive prepare again`,
                evidence: { ...evidence, ...(retries.length > 0 ? { retries } : {}) },
            };
        },
        (err) => ({ ...base, status: "fail", reason: `${input.domain} could not be verified: ${describeError(err)}`, evidence: { domain: input.domain } }),
    );
}

/** MEP-05 verification as a dynamic resource: prepare fails on a domain Vercel keeps elsewhere. */
export class DomainVerificationCheck extends CheckResource {
    constructor(name: string, args: CheckArgs<Omit<DomainVerificationInput, "api"> & { api: Omit<VercelApi, "token"> }> & { token?: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        const provider = checkProvider(
            (i: { input: DomainVerificationInput; token?: string; net?: NetOptions }) => checkDomainVerification({ ...i.input, api: { ...i.input.api, ...(i.token ? { token: i.token } : {}) } }, i.net ?? {}),
            { label: "MEP-05 Domain verification", required: { domain: "text", projectId: "text" } },
        );
        const { token, ...rest } = args;
        super(provider, "DomainVerification", name, { ...rest, ...(token !== undefined ? { token: pulumi.secret(token) } : {}) }, opts, ["token"]);
    }
}
