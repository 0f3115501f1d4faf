// What the release steps act on in the rehearsal: a Slack-like webhook receiver on loopback
// (MEP-01, MEP-17) and a site repository with a bare remote in a temporary folder (MEP-18 tag).
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import type { AddressInfo } from "net";
import { makeScratchDir, releaseScratchDir } from "../shared/scratchDirs";

export interface WebhookReceiver {
    /** The secret URL (http on loopback: golive:notify accepts it only there). */
    url: string;
    /** Bodies received, in order. */
    messages: Array<{ text?: string; at: number }>;
    close(): Promise<void>;
}

/** An incoming-webhook endpoint that answers 200 on its secret path only, as Slack does. */
export async function startWebhookReceiver(host = "127.0.0.1"): Promise<WebhookReceiver> {
    const secretPath = `/services/T0REHEARSE/B0REHEARSE/${crypto.randomBytes(12).toString("hex")}`;
    const messages: WebhookReceiver["messages"] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            if (req.method !== "POST" || req.url !== secretPath) {
                res.writeHead(404).end("no_service");
                return;
            }
            try {
                const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { text?: string };
                messages.push({ text: body.text, at: Date.now() });
                res.writeHead(200, { "content-type": "text/plain" }).end("ok");
            } catch {
                res.writeHead(400).end("invalid_payload");
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${host}:${port}${secretPath}`,
        messages,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

export interface SiteRepository {
    /** A clone of the site (what golive:release.repoPath points at). */
    repoPath: string;
    /** Its bare `origin`, where the tag is pushed. */
    remote: string;
    /** The frozen commit (MEP-02), deployed and tagged. */
    commit: string;
    /** The annotated tags the remote holds: name → commit. */
    remoteTags(): Record<string, string>;
    remove(): void;
}

const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", args, {
        cwd,
        encoding: "utf8",
        timeout: 15_000,
        env: { ...process.env, GIT_AUTHOR_NAME: "Rehearsal", GIT_AUTHOR_EMAIL: "rehearsal@localhost", GIT_COMMITTER_NAME: "Rehearsal", GIT_COMMITTER_EMAIL: "rehearsal@localhost" },
    }).trim();

/** A one-commit site repository with a bare remote, in a fresh temporary folder. */
export function createSiteRepository(): SiteRepository {
    const root = makeScratchDir("golive-rehearsal-repo-");
    const remote = path.join(root, "site.git");
    const repoPath = path.join(root, "site");
    git(root, "init", "-q", "--bare", remote);
    git(root, "init", "-q", repoPath);
    fs.writeFileSync(path.join(repoPath, "index.html"), "<!doctype html><title>Kalia Beauty Studio</title>\n");
    git(repoPath, "add", "index.html");
    git(repoPath, "commit", "-q", "-m", "Site v1.0.0 (code freeze)");
    git(repoPath, "remote", "add", "origin", remote);
    git(repoPath, "push", "-q", "origin", "HEAD:refs/heads/main");
    const commit = git(repoPath, "rev-parse", "HEAD");
    return {
        repoPath,
        remote,
        commit,
        remoteTags() {
            const out = git(root, "--git-dir", remote, "for-each-ref", "--format=%(refname:short) %(*objectname)", "refs/tags");
            return Object.fromEntries(out.split("\n").filter(Boolean).map((l) => l.split(" ") as [string, string]));
        },
        remove() {
            releaseScratchDir(root);
        },
    };
}
