// Configured paths (key pages, the contact form, its action) are paths of the site and nothing
// else: "//evil.example/x" or "/\evil.example/x" would make a URL parser go to another host, and
// the smoke test, PageSpeed and the form post with it. The config parsers refuse them with
// sitePathProblem; siteUrl builds every page URL and refuses to leave the site's origin even if a
// bad path slipped through.

/** Why `path` is not a site path, or undefined when it is one ("/", "/contact", "/a?b=c"). */
export function sitePathProblem(path: unknown): string | undefined {
    if (typeof path !== "string" || !path.startsWith("/")) return 'must start with "/"';
    if (path.startsWith("//")) return 'must start with a single "/" ("//host/..." names another site)';
    if (path.includes("\\")) return "must not contain a backslash (URL parsers read it as \"/\")";
    if (/[\u0000-\u0020\u007f]/.test(path)) return "must not contain spaces or control characters";
    if (path.includes("#")) return "must not contain a fragment (#)";
    return undefined;
}

/** The absolute URL of site path `path` on the site at `base`; throws rather than leave base's origin. */
export function siteUrl(base: string, path: string): string {
    const origin = new URL(base).origin;
    const problem = sitePathProblem(path);
    if (problem) throw new Error(`${JSON.stringify(path)} is not a path of ${origin}: it ${problem}`);
    // Appended to the origin, never resolved against it: a path cannot replace the host.
    const url = new URL(origin + path);
    if (url.origin !== origin) throw new Error(`${JSON.stringify(path)} leads to ${url.origin}, not ${origin}`);
    return url.toString();
}
