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
