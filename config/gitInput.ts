// Values that reach git (MEP-18's tag script, the release ref) are checked here, once, so none can
// be read by git as an option (`--upload-pack=…`), a remote helper that runs commands (`ext::…`),
// an ssh host that is an option (`ssh://-oProxyCommand=…`), or shell text. Pure: returns the
// reason a value is refused, or undefined when it is acceptable; callers name the config key.

/** Control characters (newline, NUL, ESC…) have no place in a remote, path, ref or tag. */
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Shell metacharacters: the script quotes every value, but none of them belongs in these values. */
const SHELL = /[`$;&|<>(){}\\!*?"']/;

/** Why a value that git receives as an argument is unsafe, common to every kind. */
function unsafe(value: string): string | undefined {
    if (value === "") return "must not be empty";
    if (value.startsWith("-")) return "must not start with '-' (git would read it as an option)";
    if (CONTROL.test(value)) return "must not contain control characters (newline, tab, …)";
    if (/\s/.test(value)) return "must not contain spaces";
    return undefined;
}

/**
 * A git remote: a remote name (`origin`), an https://, ssh://, git:// or file:// URL, scp-like
 * `user@host:path`, or a local path. Remote helpers (`<transport>::<address>`, e.g. `ext::`) are
 * refused: `ext::` runs any command.
 */
export function remoteProblem(value: string): string | undefined {
    const base = unsafe(value);
    if (base) return base;
    if (value.includes("::")) return "must not name a git remote helper ('<transport>::…', e.g. ext:: runs commands)";
    if (SHELL.test(value)) return "must not contain shell characters ($ ` ; & | < > ( ) { } \\ ! * ? quotes)";
    const url = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(value);
    if (url) {
        const scheme = url[1].toLowerCase();
        if (!["https", "ssh", "git", "file", "http"].includes(scheme)) return `uses the ${scheme}:// transport: use https://, ssh:// or a local path`;
        const authority = url[2].split("/")[0];
        const host = authority.slice(authority.lastIndexOf("@") + 1);
        if (host.startsWith("-") || authority.startsWith("-")) return "has a host starting with '-' (ssh would read it as an option)";
        return undefined;
    }
    // scp-like user@host:path; the host must not be an option either.
    const scp = /^([^@/:]+@)?([^/:]+):(.*)$/.exec(value);
    if (scp && !value.startsWith("/") && !value.startsWith(".")) {
        if (scp[2].startsWith("-")) return "has a host starting with '-' (ssh would read it as an option)";
        return undefined;
    }
    return undefined; // a remote name or a local path
}

/** A local clone of the site repository. */
export function pathProblem(value: string): string | undefined {
    return unsafe(value);
}

/**
 * A git ref name by git's own rules (git check-ref-format), for one component or more:
 * no `..`, no `@{`, no component starting with `.` or ending with `.lock`, no `~^:?*[\`, no
 * trailing `/` or `.`.
 */
export function refNameProblem(value: string): string | undefined {
    const base = unsafe(value);
    if (base) return base;
    if (value.includes("..")) return "must not contain '..'";
    if (value.includes("@{") || value === "@") return "must not contain '@{' or be '@'";
    if (/[~^:?*[\\]/.test(value)) return "must not contain ~ ^ : ? * [ or \\";
    if (value.endsWith("/") || value.endsWith(".")) return "must not end with '/' or '.'";
    if (value.includes("//")) return "must not contain '//'";
    for (const part of value.split("/")) {
        if (part.startsWith(".")) return "must not have a part starting with '.'";
        if (part.endsWith(".lock")) return "must not have a part ending with '.lock'";
    }
    if (SHELL.test(value)) return "must not contain shell characters";
    return undefined;
}

/** A commit SHA, abbreviated (7+) or full, as git prints it (lower-case hex). */
export const COMMIT_SHA = /^[0-9a-f]{7,40}$/;
/** A version tag, the usual name of a release: v1.0.0, 1.2.3-rc.1, v2026.05. */
const VERSION_TAG = /^v?\d+(\.\d+)*([-+][0-9A-Za-z.+-]+)?$/;
/** Names git resolves to whatever the clone has checked out or fetched last. */
const MOVING = /^(HEAD|FETCH_HEAD|ORIG_HEAD|MERGE_HEAD|CHERRY_PICK_HEAD|REVERT_HEAD|REBASE_HEAD|AUTO_MERGE|@)$/;

/**
 * MEP-02: the frozen release is a commit SHA or a tag, nothing that moves. A tag is a version
 * (v1.0.0) or spelled out as refs/tags/<name>: without the repository a bare name cannot be told
 * from a branch (main, origin/main, feature/x), so those are refused.
 */
export function releaseRefProblem(value: string): string | undefined {
    const base = unsafe(value);
    if (base) return base;
    if (COMMIT_SHA.test(value)) return undefined;
    if (MOVING.test(value) || /[~^]|@\{/.test(value)) return "follows the clone's checkout (HEAD, @, ~, ^ move)";
    if (value.startsWith("refs/heads/")) return "is a branch (branches move)";
    if (value.startsWith("refs/remotes/")) return "is a remote-tracking branch (branches move)";
    if (value.startsWith("refs/") && !value.startsWith("refs/tags/")) return "is not a tag";
    const tag = value.startsWith("refs/tags/") ? value.slice("refs/tags/".length) : value;
    const refIssue = refNameProblem(tag);
    if (refIssue) return `is not a tag name git accepts: it ${refIssue}`;
    if (value.startsWith("refs/tags/") || VERSION_TAG.test(tag)) return undefined;
    return "may be a branch (main, origin/main, feature/x move); write another tag as refs/tags/<name>";
}

/** The tag name of an accepted release ref, or undefined for a commit SHA. */
export function releaseTagName(ref: string): string | undefined {
    if (COMMIT_SHA.test(ref)) return undefined;
    return ref.startsWith("refs/tags/") ? ref.slice("refs/tags/".length) : ref;
}
