// golive:buildTimeoutSeconds — how long prepare waits for Vercel to build the release (MEP-04).
// terraform-provider-vercel waits with no bound of its own (client/deployment.go polls every 5 s
// until the production aliases are assigned); golive bounds it. Vercel itself cancels a build after
// 45 minutes, so the default sits above that: a build golive gives up on is one Vercel would not
// finish either. Pure: text in, seconds out.
import { fail } from "./config";

export const BUILD_TIMEOUT_KEY = "golive:buildTimeoutSeconds";
/** 50 minutes: Vercel's 45-minute build limit and a few of the provider's polls. */
export const DEFAULT_BUILD_TIMEOUT_SECONDS = 3_000;
const MIN = 60;
const MAX = 3 * 3_600;

/** The configured bound in seconds; throws naming the key for anything but an integer 60..10800. */
export function parseBuildTimeout(text: string | undefined): number {
    const t = (text ?? "").trim();
    if (t === "") return DEFAULT_BUILD_TIMEOUT_SECONDS;
    const n = Number(t);
    if (!/^\d+$/.test(t) || !Number.isSafeInteger(n) || n < MIN || n > MAX) {
        return fail(`${BUILD_TIMEOUT_KEY} must be a whole number of seconds from ${MIN} to ${MAX} (Vercel cancels a build after 45 minutes; default ${DEFAULT_BUILD_TIMEOUT_SECONDS}), got ${JSON.stringify(t).slice(0, 40)}`);
    }
    return n;
}
