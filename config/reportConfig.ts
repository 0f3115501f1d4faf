// Config of the go-live page that MEP-17's and R-3's messages carry (`golive:report`, issue 26):
// where the guided commands write the page, the https address the agency publishes it at, and
// the command that uploads it. Validated once, at `pulumi preview` as at the guided commands'
// config gate; each error names the key and what is expected.
import { NAMESPACE, RawConfigSource } from "./config";
import { fail, integerValue, oneOfValue, textValue } from "./configValues";
import { structuredObject } from "./releaseConfig";

export const PAGE_LANGS = ["fr", "en"] as const;
export type PageLang = (typeof PAGE_LANGS)[number];

export interface ReportConfig {
    /** Where the page is written; absent: the project's pages/ (beside records/). */
    dir?: string;
    /** https address where the agency publishes the pages: the message links `<url>/<page file name>`. */
    url?: string;
    /**
     * The upload, as an argument vector run without a shell: `{file}` in an argument becomes the
     * page's absolute path, `{name}` its file name; without `{file}`, the path is the last argument.
     */
    uploadCommand?: string[];
    /** The upload's bound, whatever the command does. */
    uploadTimeoutSeconds: number;
    /** The page's and the messages' language (the plan's: French). */
    lang: PageLang;
}

const k = (key: string) => `${NAMESPACE}:${key}`;
export const REPORT_KEY = k("report");
export const DEFAULT_UPLOAD_TIMEOUT_SECONDS = 120;
const MAX_ARG = 4096;
const MAX_ARGS = 64;

function path(key: string, v: unknown): string | undefined {
    const text = textValue(k(key), v)?.trim();
    if (text === undefined || text === "") return undefined;
    if (text.includes("\0")) fail(`${k(key)} must not contain a NUL character`);
    return text;
}

/** The https base address; no credentials, query or fragment (the page's name is appended). */
function baseUrl(v: unknown): string | undefined {
    const text = path("report.url", v);
    if (text === undefined) return undefined;
    let u: URL;
    try {
        u = new URL(text);
    } catch {
        return fail(`${k("report.url")} must be an https:// address (where the agency publishes the pages), got ${JSON.stringify(text)}`);
    }
    if (u.protocol !== "https:") fail(`${k("report.url")} must be an https:// address, got ${JSON.stringify(u.protocol.replace(/:$/, ""))}`);
    if (u.username || u.password) fail(`${k("report.url")} must not embed credentials: it is sent to the client`);
    if (u.search || u.hash) fail(`${k("report.url")} must be a base address without ?query or #fragment: the page's file name is added to it`);
    return u.toString().replace(/\/+$/, "");
}

/** An argument vector: a JSON array of text, the program first; never run through a shell. */
function argv(v: unknown): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    const key = k("report.uploadCommand");
    const list = typeof v === "string" ? parseList(v, key) : v;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ARGS || !list.every((a) => typeof a === "string")) {
        return fail(`${key} must be a list of 1 to ${MAX_ARGS} arguments (text), the program first, e.g. ["rclone", "copyto", "{file}", "pages:golive/{name}"]`);
    }
    const args = list as string[];
    if (args[0].trim() === "" || args[0].startsWith("-")) fail(`${key}[0] must be the program to run (a name or a path), got ${JSON.stringify(args[0].slice(0, 80))}`);
    const bad = args.findIndex((a) => a.includes("\0") || a.length > MAX_ARG);
    if (bad >= 0) fail(`${key}[${bad}] must be text of at most ${MAX_ARG} characters without a NUL character`);
    return [...args];
}

function parseList(text: string, key: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return fail(`${key} must be a list of arguments, e.g. ["rclone", "copyto", "{file}", "pages:golive/{name}"]`);
    }
}

export function parseReportConfig(raw: RawConfigSource): Readonly<ReportConfig> {
    const o = structuredObject("report", raw.get("report"), ["dir", "url", "uploadCommand", "uploadTimeoutSeconds", "lang"]) ?? {};
    const dir = path("report.dir", o.dir);
    const url = baseUrl(o.url);
    const uploadCommand = argv(o.uploadCommand);
    const uploadTimeoutSeconds = integerValue(k("report.uploadTimeoutSeconds"), o.uploadTimeoutSeconds, DEFAULT_UPLOAD_TIMEOUT_SECONDS, { min: 1, max: 3600, unit: "seconds" });
    const lang = oneOfValue(k("report.lang"), o.lang, PAGE_LANGS, "fr");
    return Object.freeze({ ...(dir ? { dir } : {}), ...(url ? { url } : {}), ...(uploadCommand ? { uploadCommand } : {}), uploadTimeoutSeconds, lang });
}
