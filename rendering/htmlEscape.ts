// Text into HTML (element content and attribute values alike): the page shows outside text
// (check reasons, evidence, Vercel's build log) that must never become markup.
export function escapeHtml(text: unknown): string {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export { isInlineImage } from "../checks/inlineImage";
