// Pictures kept inside a check's result (MEP-13's final screenshot, the key pages' shots): data:
// URIs of a raster picture, so the go-live page needs no file or network. Where evidence becomes
// text (an engine error, a terminal line, a Markdown record) a picture is named by its size instead:
// tens of kilobytes of base64 help nobody reading, and an error cut mid-picture no longer parses.

/** An image source the page may embed: only a data: URI of a raster picture (no network, no script). */
export function isInlineImage(src: unknown): src is string {
    return typeof src === "string" && /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/.test(src);
}

/** "image/jpeg picture (31 KB, not shown)" for a picture; anything else as it is. */
function pictureNamed(_key: string, value: unknown): unknown {
    if (typeof value !== "string" || !value.startsWith("data:image/")) return value;
    const type = /^data:(image\/[a-z+.-]+)/.exec(value)?.[1] ?? "image";
    return `${type} picture (${Math.round((value.length * 3) / 4 / 1024)} KB, not shown)`;
}

/** A check's evidence as JSON text, its pictures named by their size. */
export function evidenceJson(evidence: unknown, space?: number): string {
    return JSON.stringify(evidence ?? {}, pictureNamed, space) ?? "{}";
}
