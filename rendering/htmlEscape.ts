// Text into HTML (element content and attribute values alike): the page shows outside text
// (check reasons, evidence, Vercel's build log) that must never become markup.
export function escapeHtml(text: unknown): string {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** An image source the page may embed: only a data: URI of a raster picture (no network, no script). */
export function isInlineImage(src: unknown): src is string {
    return typeof src === "string" && /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/.test(src);
}
