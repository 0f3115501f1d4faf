// The few GitHub REST API calls the CI commands make (golive ci approval, golive ci comment), at the
// address GitHub Actions gives every step (GITHUB_API_URL) with the job's token. Each call has a
// deadline and bounded retries (checks/net); the tests point GITHUB_API_URL at a loopback stand-in
// (replica/github.ts), and under GOLIVE_LOOPBACK_ONLY any other host is refused.
import { describeError, httpRequestWithRetry, jsonBody } from "../checks/net";
import { isLoopbackHost } from "../shared/loopback";
import { redact, registerSecret } from "../shared/redact";

export interface GitHubApi {
    get<T>(path: string): Promise<T>;
    post<T>(path: string, body: unknown): Promise<T>;
    patch<T>(path: string, body: unknown): Promise<T>;
}

/** The API's address and the token, from the job's environment; a message naming what is missing otherwise. */
export function githubApiOf(env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): GitHubApi | { missing: string } {
    const base = (env.GITHUB_API_URL || "").replace(/\/+$/, "");
    const token = env.GITHUB_TOKEN || "";
    if (!base) return { missing: "GITHUB_API_URL is not set: run this in a GitHub Actions job" };
    if (!token) return { missing: "GITHUB_TOKEN is not set: pass the job's token to the step (env: GITHUB_TOKEN: ${{ github.token }})" };
    let host: string;
    try {
        host = new URL(base).hostname;
    } catch {
        return { missing: `GITHUB_API_URL is not a URL: ${JSON.stringify(base)}` };
    }
    // The tests and the rehearsal run with GOLIVE_LOOPBACK_ONLY: nothing may leave the machine.
    if (env.GOLIVE_LOOPBACK_ONLY && !isLoopbackHost(host)) return { missing: `GitHub API at ${host} refused: GOLIVE_LOOPBACK_ONLY is set` };
    registerSecret(token);
    const headers = { Accept: "application/vnd.github+json", Authorization: `Bearer ${token}`, "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "golive" };
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const what = `GitHub API ${method} ${path}`;
        let res;
        try {
            res = await httpRequestWithRetry(`${base}${path}`, { timeoutMs: opts.timeoutMs ?? 15_000, attempts: 3 }, {
                method,
                headers: { ...headers, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
                ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
                call: "GitHub API",
            });
        } catch (err) {
            throw new Error(`${what}: ${redact(describeError(err), [token])}`);
        }
        if (res.status < 200 || res.status >= 300) {
            const message = (() => {
                try {
                    return (JSON.parse(res.body) as { message?: string }).message;
                } catch {
                    return undefined;
                }
            })();
            const hint = res.status === 403 || res.status === 404 ? " (the job's token may lack a permission: see the workflow's permissions)" : "";
            // The API's own words, through the one redaction: a proxy that echoes the request would quote the token.
            throw new Error(`${what} answered HTTP ${res.status}${message ? `: ${redact(message, [token])}` : ""}${hint}`);
        }
        return jsonBody<T>(res, what);
    };
    return {
        get: (path) => call("GET", path),
        post: (path, body) => call("POST", path, body),
        patch: (path, body) => call("PATCH", path, body),
    };
}

/** `owner/name` from GITHUB_REPOSITORY, checked (it goes into API paths). */
export function repositoryOf(env: NodeJS.ProcessEnv): string | { missing: string } {
    const repo = env.GITHUB_REPOSITORY || "";
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) return { missing: `GITHUB_REPOSITORY must be owner/name, got ${JSON.stringify(repo)}` };
    return repo;
}
