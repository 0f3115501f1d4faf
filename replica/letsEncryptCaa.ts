// The replica's own CAA rule: whether Let's Encrypt may issue a certificate for a name, judged the
// way a CA processes CAA records. It imitates RFC 8659 ("DNS Certification Authority Authorization
// (CAA) Resource Record", https://www.rfc-editor.org/rfc/rfc8659) and Let's Encrypt's documented
// CAA page (https://letsencrypt.org/docs/caa/: its issuer domain name is `letsencrypt.org`).
// It is deliberately not the product's rule (program/dnsPlan's CAA decision): a rehearsal
// that judged the program with the program's own decision could never show that decision wrong.

/** A CAA record as the replica's zone holds it (Cloudflare's `data`: flags, tag, value). */
export interface ZoneCaaRecord {
    name: string;
    data?: { flags?: number; tag?: string; value?: string };
}

/** Let's Encrypt's issuer domain name (letsencrypt.org/docs/caa). */
export const LETS_ENCRYPT_ISSUER = "letsencrypt.org";

/** The property tags Let's Encrypt understands (RFC 8659 §4: issue, issuewild, iodef). */
const KNOWN_TAGS = new Set(["issue", "issuewild", "iodef"]);

/** RFC 8659 §4.1: bit 0 of the flags octet (128), the Issuer Critical Flag. */
const ISSUER_CRITICAL = 128;

const bare = (name: string) => name.toLowerCase().replace(/\.$/, "");

/**
 * RFC 8659 §3: the Relevant RRset of a name is its own CAA RRset if it is not empty, otherwise its
 * parent's, climbing label by label (the root excluded). Names above the zone hold no CAA in the
 * replica world. Not imitated: following a CNAME at the name itself (the www CNAME points outside
 * the zone, to Vercel, whose names hold no CAA here).
 */
export function relevantCaaSet(host: string, records: readonly ZoneCaaRecord[]): ZoneCaaRecord[] {
    const labels = bare(host).split(".");
    for (let i = 0; i < labels.length; i++) {
        const name = labels.slice(i).join(".");
        const set = records.filter((r) => bare(r.name) === name);
        if (set.length > 0) return set;
    }
    return [];
}

/**
 * Whether `issuer` may issue a (non-wildcard) certificate for `host`, from the zone's CAA records.
 * - RFC 8659 §4.1: a property with the Issuer Critical Flag and a tag the CA does not know forbids issuance.
 * - RFC 8659 §4 and §4.2: an RRset with no `issue` property does not restrict issuance (iodef alone,
 *   issuewild alone: those do not restrict a non-wildcard name).
 * - RFC 8659 §4.2: otherwise the CA must be named by an `issue` value's issuer domain name (the
 *   text before any `;` parameters, compared case-insensitively); an empty one (`;`) names nobody.
 */
export function caaPermits(host: string, records: readonly ZoneCaaRecord[], issuer = LETS_ENCRYPT_ISSUER): boolean {
    const set = relevantCaaSet(host, records);
    const tag = (r: ZoneCaaRecord) => (r.data?.tag ?? "").toLowerCase();
    if (set.some((r) => ((r.data?.flags ?? 0) & ISSUER_CRITICAL) !== 0 && !KNOWN_TAGS.has(tag(r)))) return false;
    const issue = set.filter((r) => tag(r) === "issue");
    if (issue.length === 0) return true;
    return issue.some((r) => bare((r.data?.value ?? "").split(";")[0].trim()) === issuer);
}
