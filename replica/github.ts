// A loopback stand-in for the part of GitHub's REST API the CI commands call: a run's review history
// (environment approvals), a run attempt's jobs, and a pull request's comments (list, create,
// edit). Answers as api.github.com does for those paths (shapes from the REST API description:
// environment-approvals, job, issue-comment); requests need the token it was given. The tests
// point GITHUB_API_URL here.
import * as http from "http";
import type { AddressInfo } from "net";
import type { EnvironmentReview, RunJob } from "../operations/ciContext";

export interface GitHubComment {
    id: number;
    body: string;
    user: { login: string };
    created_at: string;
    updated_at: string;
    html_url: string;
}

export interface GitHubStandIn {
    url: string;
    token: string;
    repository: string;
    /** Review history per run id. */
    approvals: Map<string, EnvironmentReview[]>;
    /** Jobs per "runId/attempt". */
    jobs: Map<string, RunJob[]>;
    /** Comments per pull request number. */
    comments: Map<number, GitHubComment[]>;
    /** Every request, in order: method, path (with query), whether it was authorized. */
    requests: Array<{ method: string; path: string; authorized: boolean }>;
    close(): Promise<void>;
}

const PAGE_MAX = 100;

export async function startGitHubStandIn(opts: { repository?: string; token?: string } = {}): Promise<GitHubStandIn> {
    const repository = opts.repository ?? "agency/sites";
    const token = opts.token ?? "ghs_standin_token";
    const approvals = new Map<string, EnvironmentReview[]>();
    const jobs = new Map<string, RunJob[]>();
    const comments = new Map<number, GitHubComment[]>();
    const requests: GitHubStandIn["requests"] = [];
    let nextId = 1000;
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "http://localhost");
            const authorized = req.headers.authorization === `Bearer ${token}`;
            requests.push({ method: req.method ?? "GET", path: `${url.pathname}${url.search}`, authorized });
            const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
            if (!authorized) return send(401, { message: "Bad credentials" });
            const prefix = `/repos/${repository}`;
            if (!url.pathname.startsWith(prefix + "/")) return send(404, { message: "Not Found" });
            const rest = url.pathname.slice(prefix.length);
            let m: RegExpExecArray | null;
            if (req.method === "GET" && (m = /^\/actions\/runs\/(\d+)\/approvals$/.exec(rest))) return send(200, approvals.get(m[1]) ?? []);
            if (req.method === "GET" && (m = /^\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs$/.exec(rest))) {
                const list = jobs.get(`${m[1]}/${m[2]}`) ?? [];
                return send(200, { total_count: list.length, jobs: list });
            }
            if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
                const pr = Number(m[1]);
                const list = comments.get(pr) ?? [];
                if (req.method === "GET") {
                    const perPage = Math.min(Number(url.searchParams.get("per_page") ?? 30) || 30, PAGE_MAX);
                    const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
                    return send(200, list.slice((page - 1) * perPage, page * perPage));
                }
                if (req.method === "POST") {
                    const body = parseBody(chunks);
                    if (typeof body?.body !== "string") return send(422, { message: "body is required" });
                    const at = new Date().toISOString();
                    const c: GitHubComment = { id: nextId++, body: body.body, user: { login: "github-actions[bot]" }, created_at: at, updated_at: at, html_url: `https://github.com/${repository}/pull/${pr}#issuecomment-${nextId}` };
                    comments.set(pr, [...list, c]);
                    return send(201, c);
                }
            }
            if (req.method === "PATCH" && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
                const id = Number(m[1]);
                const body = parseBody(chunks);
                if (typeof body?.body !== "string") return send(422, { message: "body is required" });
                for (const list of comments.values()) {
                    const c = list.find((x) => x.id === id);
                    if (c) {
                        c.body = body.body;
                        c.updated_at = new Date().toISOString();
                        return send(200, c);
                    }
                }
                return send(404, { message: "Not Found" });
            }
            return send(404, { message: "Not Found" });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        token,
        repository,
        approvals,
        jobs,
        comments,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections?.();
                server.close(() => resolve());
            }),
    };
}

function parseBody(chunks: Buffer[]): { body?: unknown } | undefined {
    try {
        return JSON.parse(Buffer.concat(chunks).toString("utf8")) as { body?: unknown };
    } catch {
        return undefined;
    }
}
