// Reads a stack's config the way the engine assembles it, without the Pulumi CLI: the project
// defaults of Pulumi.yaml, then Pulumi.<stack>.yaml. Secret (`secure:`) values are left out: this
// is for commands that need the site's settings (domain, key pages), never its credentials.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { NAMESPACE } from "./config";

export interface StackFile {
    /** The file read. */
    file: string;
    /** `golive:<key>` → value (objects and arrays as parsed YAML). */
    values: Record<string, unknown>;
}

/** A stack name as the golive commands take it (--stack), e.g. prod; never read as an option. */
export const STACK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Finds Pulumi.<stack>.yaml in `dirs` (first match) and merges it over the project defaults. */
export function readStackFile(stack: string, dirs: string[]): StackFile {
    if (!STACK_NAME.test(stack)) throw new Error(`--stack must be a stack name like prod, got ${JSON.stringify(stack)}`);
    const dir = dirs.find((d) => fs.existsSync(path.join(d, `Pulumi.${stack}.yaml`)));
    if (!dir) throw new Error(`no Pulumi.${stack}.yaml in ${dirs.join(" or ")}`);
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const load = (f: string): Record<string, unknown> => {
        const doc = yaml.load(fs.readFileSync(f, "utf8"));
        return doc && typeof doc === "object" ? (doc as Record<string, unknown>) : {};
    };
    const values: Record<string, unknown> = {};
    const projectFile = path.join(dir, "Pulumi.yaml");
    if (fs.existsSync(projectFile)) {
        const declared = (load(projectFile).config ?? {}) as Record<string, { default?: unknown }>;
        for (const [key, decl] of Object.entries(declared)) {
            if (decl && typeof decl === "object" && decl.default !== undefined) values[`${NAMESPACE}:${key}`] = decl.default;
        }
    }
    for (const [key, value] of Object.entries((load(file).config ?? {}) as Record<string, unknown>)) {
        const secret = value && typeof value === "object" && "secure" in (value as object);
        if (!secret) values[key] = value;
    }
    return { file, values };
}
