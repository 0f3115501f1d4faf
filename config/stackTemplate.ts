// The stack file of a new site (`golive init`): Pulumi.prod.yaml is the example. Its generic
// settings (redirect status, TTL, git provider, branch, check budgets) are carried over; what is
// the example site's own (domain, project name, variable names, key pages and their texts) is
// replaced by the new domain's values or generic ones. Pure: text in, text out.
import * as yaml from "js-yaml";
import { NAMESPACE, projectNameOf } from "./config";

/** A key the operator must set before a phase can run. */
export interface RequiredKey {
    key: string;
    phase: "adopt" | "prepare" | "cutover";
    secret: boolean;
    /** What it is, for the new site. */
    what: string;
    /** The command that sets it (`<stack>` filled in), or who writes it. */
    how: string;
}

/** Every key a go-live needs that the new stack file cannot hold yet, by phase. */
export function requiredKeys(stack: string, domain: string): RequiredKey[] {
    const s = `--stack ${stack}`;
    return [
        { key: "golive:gitRepo", phase: "adopt", secret: false, what: "the site's repository, owner/name (the Vercel GitHub app must see it)", how: `pulumi config set golive:gitRepo <owner>/<repo> ${s}` },
        { key: "cloudflare:apiToken", phase: "adopt", secret: true, what: `Cloudflare API token, Zone:Read + DNS:Edit on ${domain}`, how: `pulumi config set --secret cloudflare:apiToken ${s}` },
        { key: "golive:liveRecords", phase: "adopt", secret: false, what: "the apex and www records serving today", how: `written by golive adopt ${s} (read from Cloudflare)` },
        { key: "vercel:apiToken", phase: "prepare", secret: true, what: "Vercel token with access to the team (and vercel:team if the project lives in one)", how: `pulumi config set --secret vercel:apiToken ${s}` },
        { key: "golive:releaseRef", phase: "prepare", secret: false, what: "the commit SHA or tag frozen for production (MEP-02)", how: `pulumi config set golive:releaseRef <sha-or-tag> ${s}` },
        { key: "golive:envValues.<NAME>", phase: "prepare", secret: true, what: "one value per name listed in golive:envVars (P-05)", how: `pulumi config set --secret --path 'golive:envValues.<NAME>' ${s}` },
        { key: "golive:approvedBy", phase: "cutover", secret: false, what: `who gave the client's "bon pour MEP" (P-01)`, how: `pulumi config set golive:approvedBy "<name>" ${s}` },
        { key: "golive:approvedAt", phase: "cutover", secret: false, what: "when (ISO 8601, P-01)", how: `pulumi config set golive:approvedAt <YYYY-MM-DDTHH:MM+01:00> ${s}` },
    ];
}

/** Settings of the example that hold for any site. */
const GENERIC_KEYS = ["redirectStatus", "ttl", "gitProvider", "productionBranch"].map((k) => `${NAMESPACE}:${k}`);
const GENERIC_CHECK_KEYS = ["resolvers", "dnsTimeoutSeconds", "minCertDays", "budgets", "sitemapSample"];

function entry(key: string, value: unknown): string[] {
    return yaml.dump({ [key]: value }, { lineWidth: 120 }).trimEnd().split("\n").map((l) => `  ${l}`);
}

/**
 * Pulumi.<stack>.yaml for `domain`, from the example stack file's text. `domain` must already be
 * valid (config/config parseDomain).
 */
export function renderNewStackFile(opts: { stack: string; domain: string; exampleText: string }): string {
    const { stack, domain } = opts;
    const doc = yaml.load(opts.exampleText) as { config?: Record<string, unknown> } | undefined;
    const example = doc?.config ?? {};
    const exampleChecks = (example[`${NAMESPACE}:checks`] ?? {}) as Record<string, unknown>;
    const by = (phase: RequiredKey["phase"]) =>
        requiredKeys(stack, domain)
            .filter((k) => k.phase === phase)
            .map((k) => `${k.key}${k.secret ? " (secret)" : ""}`)
            .join(", ");
    const lines = [
        `# Stack \`${stack}\`: the go-live of ${domain} (www.${domain} serves, ${domain} redirects`,
        "# permanently to it). Written by `golive init` from Pulumi.prod.yaml. Non-secret values live here;",
        "# secrets are added with `pulumi config set --secret` and appear below as `secure:` values.",
        "#",
        "# Required keys, by phase (each golive command checks them before it changes anything):",
        `#   adopt:   ${by("adopt")}`,
        `#   prepare: ${by("prepare")}`,
        `#   cutover: ${by("cutover")}`,
        "#",
        `# Next: pulumi stack init ${stack}; set the keys above; golive adopt --stack ${stack};`,
        `#       golive prepare --stack ${stack} (at least one old TTL before H); golive cutover --stack ${stack} (at H).`,
        "config:",
        ...entry(`${NAMESPACE}:domain`, domain),
        ...entry(`${NAMESPACE}:phase`, "adopt"),
    ];
    for (const key of GENERIC_KEYS) if (example[key] !== undefined) lines.push(...entry(key, example[key]));
    lines.push(
        ...entry(`${NAMESPACE}:projectName`, projectNameOf(domain)),
        "  # Required: the site's repository, owner/name:",
        `  #   pulumi config set golive:gitRepo <owner>/<repo> --stack ${stack}`,
        "  # Production environment variables (P-05): their names here, each value as a secret (prepare):",
        `  #   pulumi config set --secret --path 'golive:envValues.<NAME>' --stack ${stack}`,
        ...entry(`${NAMESPACE}:envVars`, []),
        "  # The records serving today: `golive adopt` reads them from Cloudflare and writes golive:liveRecords.",
        "  # Cutover (P-01): golive:approvedBy and golive:approvedAt, the client's \"bon pour MEP\".",
        "  # Post-deploy checks (MEP-07..MEP-14): list the site's 5-6 key pages (MEP-11 smoke test, MEP-14 SEO),",
        "  # each with an optional text it must show (expectText).",
    );
    const checks: Record<string, unknown> = { pages: [{ path: "/" }] };
    for (const key of GENERIC_CHECK_KEYS) if (exampleChecks[key] !== undefined) checks[key] = exampleChecks[key];
    lines.push(...entry(`${NAMESPACE}:checks`, checks));
    lines.push(
        "  # Optional, each a skip or a manual step until set (see README): golive:contactForm + golive:imap (MEP-12),",
        "  # golive:pagespeed (MEP-13), golive:searchConsole (MEP-15), golive:analytics (MEP-16),",
        "  # golive:notify (MEP-01/MEP-17), golive:release (MEP-18), golive:rollback.auto (R-1 agreed beforehand).",
    );
    return lines.join("\n") + "\n";
}
