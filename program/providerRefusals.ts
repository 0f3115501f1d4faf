// What the operator reads when a provider refuses a step of the go-live: the provider's words kept,
// with what they mean for the go-live and what to do. The engine reports a provider's error as its
// message only; these rules recognise the ones a first real go-live meets at prepare. Pure.

/** An operator's reading of one provider error: the plan line it stops, and the sentence. */
export interface Refusal {
    id: "MEP-04" | "MEP-05";
    text: string;
}

/**
 * terraform-provider-vercel, vercel/resource_project_domain.go Create: "Could not add domain <d> to
 * project <p>, unexpected error: <code> - <message>" (client/request.go APIError), here with Vercel's
 * 409 domain_already_in_use: another project of the team holds the domain.
 */
const DOMAIN_IN_USE = /Could not add domain (\S+) to project (\S*), unexpected error: domain_already_in_use - ([^\n]*)/;
/** client/deployment.go CheckForError, wrapped by vercel/resource_deployment.go's "Could not create deployment". */
const DEPLOYMENT_FAILED = /Could not create deployment, unexpected error: ([^\n]*)/;

/** A project Vercel names in its message, if it names one (its 409 usually does not). */
function holderIn(said: string): string | undefined {
    const m = /\bproject "?([A-Za-z0-9._-]+)"?/.exec(said.replace(/another project/g, ""));
    return m?.[1];
}

/** The operator's reading of a provider error, or undefined when no rule knows it. */
export function refusalOf(message: string, dnsUnchanged: boolean): Refusal | undefined {
    const untouched = dnsUnchanged ? " No DNS record was changed." : "";
    const inUse = DOMAIN_IN_USE.exec(message);
    if (inUse) {
        const [, domain, project, said] = inUse;
        const holder = holderIn(said);
        return {
            id: "MEP-05",
            text:
                `${domain} is already assigned to ${holder ? `the Vercel project ${holder}` : "another Vercel project of the team (Vercel does not say which)"}: Vercel refused to add it to ${project || "the project"} (domain_already_in_use - ${said.trim()}). ` +
                `Remove ${domain} from that project (Vercel dashboard → that project → Settings → Domains; \`vercel domains inspect ${domain}\` names it), or ask its owner to, then run golive prepare again.${untouched}`,
        };
    }
    const build = DEPLOYMENT_FAILED.exec(message);
    if (build) {
        const said = build[1].trim();
        const checks = /deployment checks have failed/.test(said);
        return {
            id: "MEP-04",
            text:
                `the production deployment failed on Vercel: ${said}. ` +
                (checks
                    ? "The build succeeded but its deployment checks failed, so Vercel did not assign the production domains to it: fix what the checks report (the logs named above), then run golive prepare again."
                    : "Fix the release (the logs named above) or choose another golive:releaseRef, then run golive prepare again.") +
                untouched,
        };
    }
    return undefined;
}
