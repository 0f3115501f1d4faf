// What counts as this machine in a URL: the only place plain http and the replica's service API may go.
import { isIP } from "net";

/** Whether a URL's hostname (as `new URL().hostname` gives it) is loopback: 127.0.0.0/8, localhost or [::1]. */
export function isLoopbackHost(hostname: string): boolean {
    return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(hostname);
}

/** Whether an IP address (v4, v6, or v4 mapped into v6) is in 127.0.0.0/8 or is ::1. */
export function isLoopbackAddress(address: string): boolean {
    const a = address.replace(/^\[|\]$/g, "").toLowerCase();
    if (isIP(a) === 4) return /^127\./.test(a);
    if (isIP(a) === 6) return /^(0{0,4}:){2,7}0{0,3}1$/.test(a) || a === "::1" || /^::ffff:127\.\d+\.\d+\.\d+$/.test(a);
    return false;
}
