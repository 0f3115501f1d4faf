// What counts as this machine in a URL: the only place plain http and the replica's service API may go.

/** Whether a URL's hostname (as `new URL().hostname` gives it) is loopback: 127.0.0.0/8, localhost or [::1]. */
export function isLoopbackHost(hostname: string): boolean {
    return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(hostname);
}
