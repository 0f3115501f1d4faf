// Config of the release steps: the webhook of MEP-01/MEP-17 (`golive:notify`) and the production
// tag of MEP-18 (`golive:release`). Validated once; errors name the key, never print the URL.
import type * as pulumi from "@pulumi/pulumi";
import { NAMESPACE, RawConfigSource, stackConfigSource } from "./config";
import { fail, textValue } from "./configValues";
import { pathProblem, refNameProblem, remoteProblem } from "./gitInput";
import { isLoopbackHost } from "../shared/loopback";

export interface ReleaseConfig {
    /** Absent: MEP-01 and MEP-17 are manual steps in the checklist. */
    notify?: { webhookUrl: pulumi.Output<string> };
    /** Absent: MEP-18 is a manual step in the checklist. */
    release?: { tag: string; repoPath?: string; remote?: string; message?: string };
}

const k = (key: string) => `${NAMESPACE}:${key}`;
// Semver with a leading v, e.g. v1.0.0 or v1.1.0-rc.1 (the plan's example is v1.0.0).
export const TAG_PATTERN = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;

/** Structured config `golive:<key>` with only the fields in `allowed`; undefined when unset or `{}`. */
export function structuredObject(key: string, raw: string | undefined, allowed: string[]): Record<string, unknown> | undefined {
    if (raw === undefined || raw === "") return undefined;
    let v: unknown;
    try {
        v = JSON.parse(raw);
    } catch {
        return fail(`${k(key)} must be structured config: set its fields with --path, e.g. ${k(key)}.${allowed[0]}`);
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) return fail(`${k(key)} must be an object with ${allowed.join(", ")}`);
    const extra = Object.keys(v).filter((x) => !allowed.includes(x));
    if (extra.length > 0) fail(`${k(key)} only knows ${allowed.join(", ")}, got ${extra.join(", ")}`);
    // `{}` is the Pulumi.yaml default: the step is not configured (listed as manual).
    return Object.keys(v).length === 0 ? undefined : (v as Record<string, unknown>);
}

const object = structuredObject;

function text(key: string, v: unknown): string | undefined {
    return textValue(k(key), v)?.trim();
}

export function parseReleaseConfig(raw: RawConfigSource): ReleaseConfig {
    const out: ReleaseConfig = {};

    const url = webhookUrlOf(raw);
    if (url) {
        // The SDK only when a webhook is set: the guided commands' --help and gates start without it.
        out.notify = { webhookUrl: (require("@pulumi/pulumi") as typeof pulumi).secret(url) };
    }

    const release = object("release", raw.get("release"), ["tag", "repoPath", "remote", "message"]);
    if (release) {
        const tag = text("release.tag", release.tag);
        if (!tag) return fail(`${k("release.tag")} is required with ${k("release")}: the production version, e.g. v1.0.0 (MEP-18)`);
        if (!TAG_PATTERN.test(tag)) fail(`${k("release.tag")} must look like v1.0.0 (v + semantic version), got ${JSON.stringify(tag)}`);
        // git's own ref rules, here at preview rather than at MEP-18 after the cutover's checks.
        const tagProblem = refNameProblem(tag);
        if (tagProblem) fail(`${k("release.tag")} is not a tag name git accepts: it ${tagProblem}, got ${JSON.stringify(tag)}`);
        const repoPath = text("release.repoPath", release.repoPath);
        const remote = text("release.remote", release.remote);
        if (!repoPath && !remote) fail(`${k("release.repoPath")} or ${k("release.remote")} is required: where to tag the site's repository (MEP-18)`);
        // Both reach git as arguments: nothing that git or ssh could read as an option or a command.
        const repoProblem = repoPath === undefined ? undefined : pathProblem(repoPath);
        if (repoProblem) fail(`${k("release.repoPath")} ${repoProblem}, got ${JSON.stringify(repoPath)}`);
        const remoteIssue = remote === undefined ? undefined : remoteProblem(remote);
        if (remoteIssue) fail(`${k("release.remote")} ${remoteIssue}: a remote name, an https:// or ssh:// URL, or a local path, got ${JSON.stringify(remote)}`);
        // Credentials belong to git (SSH key, credential helper), not to the stack file.
        if (remote && /^https?:\/\/[^/]*@/i.test(remote)) {
            fail(`${k("release.remote")} must not embed credentials: use SSH or a git credential helper`);
        }
        const message = text("release.message", release.message);
        out.release = { tag, ...(repoPath ? { repoPath } : {}), ...(remote ? { remote } : {}), ...(message ? { message } : {}) };
    }
    return Object.freeze(out);
}

/**
 * `golive:notify.webhookUrl` checked (set as a secret, https, or http to a loopback receiver), in
 * clear: the guided commands post R-3 and the page's message through it after the update.
 */
export function webhookUrlOf(raw: RawConfigSource): string | undefined {
    const notify = object("notify", raw.get("notify"), ["webhookUrl"]);
    const url = text("notify.webhookUrl", notify?.webhookUrl);
    if (!url) return undefined;
    // The URL is the credential (Slack-style incoming webhooks): never in clear in the stack file.
    if (!raw.isSecret("notify")) fail(`${k("notify.webhookUrl")} must be set with --secret: the URL holds the webhook's secret`);
    let parsed: URL | undefined;
    try {
        parsed = new URL(url);
    } catch {
        fail(`${k("notify.webhookUrl")} is not a valid URL`);
    }
    // Plain http only to a loopback receiver (the rehearsal); anything else must be https.
    if (parsed!.protocol !== "https:" && !(parsed!.protocol === "http:" && isLoopbackHost(parsed!.hostname))) {
        fail(`${k("notify.webhookUrl")} must be an https:// URL`);
    }
    return url;
}

/** Reads `golive:notify` and `golive:release` from the stack config. */
export function loadReleaseConfig(): ReleaseConfig {
    return parseReleaseConfig(stackConfigSource());
}
