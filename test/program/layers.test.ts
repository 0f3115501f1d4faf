// The layers of the tree (README's Layout), pinned: each folder imports only from its own layer and
// the layers below it, and the program the engine runs reaches nothing above it. A new upward
// import fails here, naming the file and the module it reaches.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROGRAM_PATHS } from "../../operations/rollback";
import { PROGRAM_FILES } from "../../replica/engineWorkspace";

const ROOT = path.join(__dirname, "..", "..");

/** Bottom to top. A folder imports from its own rank and below. */
export const LAYERS: ReadonlyArray<{ rank: number; dirs: string[]; job: string }> = [
    { rank: 0, dirs: ["shared", "scripts"], job: "primitives every layer uses: redaction, loopback, the program's directory, the engine's secret envelope, a stack file's secure values; the engine guard's script" },
    { rank: 1, dirs: ["checks"], job: "the checks: pure functions and their dynamic resources" },
    { rank: 2, dirs: ["config"], job: "the stack config: one set of value parsers and one reader per concern" },
    { rank: 3, dirs: ["index.ts", "components", "program"], job: "the Pulumi program: what the engine runs" },
    { rank: 4, dirs: ["operations"], job: "the Automation API and the decisions of the guided commands" },
    { rank: 5, dirs: ["rendering"], job: "text and pages: records, Markdown, the go-live page" },
    { rank: 6, dirs: ["cli", "rehearsal"], job: "the commands and the rehearsal" },
];
/** Beside the layers: the replica imitates Vercel and Cloudflare with its own rules; only the rehearsal drives it. */
const REPLICA_MAY_IMPORT = ["shared", "checks"];
const DRIVES_THE_REPLICA = ["rehearsal"];

const rankOf = (rel: string): number | undefined => LAYERS.find((l) => l.dirs.some((d) => rel === d || `${rel}.ts` === d || rel.startsWith(`${d}/`)))?.rank;

function sources(dir: string): string[] {
    const abs = path.join(ROOT, dir);
    if (dir.endsWith(".ts")) return [dir];
    const out: string[] = [];
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...sources(rel));
        else if (e.name.endsWith(".ts")) out.push(rel);
    }
    return out;
}

/** The project modules a source imports (value and type imports alike), as paths relative to ROOT without extension. */
function importsOf(rel: string): Array<{ module: string; typeOnly: boolean }> {
    const code = fs.readFileSync(path.join(ROOT, rel), "utf8");
    const out: Array<{ module: string; typeOnly: boolean }> = [];
    for (const m of code.matchAll(/(import\s+type\b[^;]*?from|import\b[^;]*?from|export\b[^;]*?from|require\(|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) {
        const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, rel)), m[2])).replace(/\.(ts|js)$/, "");
        out.push({ module: target, typeOnly: /^import\s+type\b/.test(m[1]) });
    }
    return out;
}

const resolvable = (module: string) => [".ts", "/index.ts", ".js", ".json"].some((ext) => fs.existsSync(path.join(ROOT, module + ext)));

/** Every module the program reaches from index.ts. */
function programClosure(): Set<string> {
    const seen = new Set<string>();
    const visit = (module: string) => {
        if (seen.has(module) || !fs.existsSync(path.join(ROOT, `${module}.ts`))) return;
        seen.add(module);
        for (const i of importsOf(`${module}.ts`)) visit(i.module);
    };
    visit("index");
    return seen;
}

describe("the layers: nothing imports upward", () => {
    it("every import of the layers resolves to a project module", () => {
        const dangling: string[] = [];
        for (const l of LAYERS) for (const d of l.dirs) for (const f of sources(d)) for (const i of importsOf(f)) if (!resolvable(i.module)) dangling.push(`${f} → ${i.module}`);
        assert.deepEqual(dangling, []);
    });

    it("each layer imports only from its own rank and below", () => {
        const upward: string[] = [];
        for (const l of LAYERS) {
            for (const d of l.dirs) {
                for (const f of sources(d)) {
                    for (const i of importsOf(f)) {
                        const r = rankOf(i.module);
                        if (i.module.startsWith("replica/") && DRIVES_THE_REPLICA.includes(d)) continue;
                        if (r === undefined) upward.push(`${f} → ${i.module} (outside the layers)`);
                        else if (r > l.rank) upward.push(`${f} → ${i.module}`);
                    }
                }
            }
        }
        assert.deepEqual(upward, []);
    });

    it("the replica keeps its own rules: it imports only shared/ and checks/ (and types of the operations it serves)", () => {
        const borrowed: string[] = [];
        for (const f of sources("replica")) {
            for (const i of importsOf(f)) {
                if (i.module.startsWith("replica/") || REPLICA_MAY_IMPORT.some((d) => i.module.startsWith(`${d}/`))) continue;
                if (i.typeOnly && i.module.startsWith("operations/")) continue;
                borrowed.push(`${f} → ${i.module}`);
            }
        }
        assert.deepEqual(borrowed, []);
    });

    it("the program the engine runs reaches only the program's layers, all of them in the files the engine workspace copies and the rollback compares", () => {
        const closure = [...programClosure()];
        assert.ok(closure.includes("components/dnsRecords"), "the closure is read from index.ts");
        assert.deepEqual(closure.filter((m) => (rankOf(m) ?? 99) > 3), [], "the program imports no operation, rendering or command");
        const top = new Set(closure.map((m) => (m.includes("/") ? m.split("/")[0] : `${m}.ts`)));
        for (const t of top) {
            assert.ok(PROGRAM_FILES.includes(t), `replica/engineWorkspace PROGRAM_FILES lacks ${t}`);
            assert.ok(PROGRAM_PATHS.includes(t), `operations/rollback PROGRAM_PATHS lacks ${t}`);
        }
    });
});
