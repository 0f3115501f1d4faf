// The secrets a Pulumi stack file holds as the engine wrote them (`<key>: {secure: v1:…}`, encrypted
// under the stack's own secrets settings, which the file's header keeps): read to put a secret back
// where its value has not changed, instead of one engine run per secret (golive rollback, the
// rehearsal's engine workspace). Never a value in clear: only ciphertexts go in and out.
import * as fs from "fs";
import * as yaml from "js-yaml";

type StackFileDoc = { config?: Record<string, unknown> | null } & Record<string, unknown>;

/** Each `secure:` value of the file's config by key; none when the file is absent or unreadable. */
export function securedValues(file: string): Record<string, string> {
    let doc: StackFileDoc | null;
    try {
        doc = yaml.load(fs.readFileSync(file, "utf8")) as StackFileDoc | null;
    } catch {
        return {};
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc?.config ?? {})) {
        const secure = v && typeof v === "object" ? (v as { secure?: unknown }).secure : undefined;
        if (typeof secure === "string") out[k] = secure;
    }
    return out;
}

/** Writes `secure:` values into the file's config, the rest of the file kept (the engine keeps them on its next write). */
export function addSecuredValues(file: string, secured: Record<string, string>): void {
    if (Object.keys(secured).length === 0) return;
    const doc = (yaml.load(fs.readFileSync(file, "utf8")) ?? {}) as StackFileDoc;
    doc.config = { ...(doc.config ?? {}), ...Object.fromEntries(Object.entries(secured).map(([k, secure]) => [k, { secure }])) };
    fs.writeFileSync(file, yaml.dump(doc, { lineWidth: -1 }));
}
