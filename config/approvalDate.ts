// P-01: when the client gave the "bon pour MEP". A real moment of the past: an impossible date
// (2026-02-30, which Date.parse rolls over to March 2) or one in the future is refused.

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?$/;
/** A little clock skew between the operator's watch and this machine is not a future approval. */
export const APPROVAL_CLOCK_SKEW_MS = 5 * 60_000;

/** Why `text` is not the date or date-time of an approval already given, or undefined. */
export function approvalDateProblem(text: string, now = Date.now()): string | undefined {
    const m = ISO.exec(text);
    if (!m) return "must be an ISO 8601 date or date-time, e.g. 2026-11-20 or 2026-11-20T18:00:00+01:00";
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return `is not a date of the calendar (${m[1]}-${m[2]} has ${month >= 1 && month <= 12 ? daysInMonth : "no"} days)`;
    if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59))) return "has an impossible time of day";
    if (m[8] !== undefined && (Number(m[8]) > 14 || Number(m[9]) > 59)) return "has an impossible UTC offset";
    const at = Date.parse(text.replace(" ", "T"));
    if (Number.isNaN(at)) return "is not a date this machine can read";
    if (at > now + APPROVAL_CLOCK_SKEW_MS) return `is in the future (the approval is recorded once given; now is ${new Date(now).toISOString()})`;
    return undefined;
}
