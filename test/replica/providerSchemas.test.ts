// The one test that keeps the replica honest (issue 19): the replica's schema table
// (replica/providerSchemas.ts) against the installed provider SDKs' type declarations, so an SDK
// upgrade that renames an input, adds a required one or drops an output fails `npm test`.
// - every input the replica accepts exists in the SDK's `<Type>Args`, and the replica requires
//   exactly the inputs the SDK requires;
// - every output the replica computes exists in the SDK's resource class; every data-source
//   argument and result field exists in the SDK's `<name>Args` / `<name>Result`;
// - every output the program reads (found with the TypeScript type checker in index.ts,
//   components/, program/, operations/ and cli/) is one the replica answers.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { INVOKES, SCHEMAS, TypeSchema } from "../../replica/providerSchemas";

const ROOT = path.join(__dirname, "..", "..");
const PACKAGES: Record<string, string> = { cloudflare: "@pulumi/cloudflare", vercel: "@pulumiverse/vercel", command: "@pulumi/command" };
// Real paths: the type checker names files by theirs (node_modules may be a symlink).
const packageDir = (pkg: string) => fs.realpathSync(path.join(ROOT, "node_modules", PACKAGES[pkg]));

/** `cloudflare:index/dnsRecord:DnsRecord` → the SDK's declaration file and the declared name. */
function sdkDeclaration(token: string): { file: string; name: string } {
    const [pkg, mod, name] = token.split(":");
    const module = mod.startsWith("index/") ? mod.slice("index/".length) : `${mod}/${name[0].toLowerCase()}${name.slice(1)}`;
    return { file: path.join(packageDir(pkg), `${module}.d.ts`), name: name[0].toUpperCase() + name.slice(1) };
}

const parsed = new Map<string, ts.SourceFile>();
function sourceOf(file: string): ts.SourceFile {
    let sf = parsed.get(file);
    if (!sf) {
        assert.ok(fs.existsSync(file), `${path.relative(ROOT, file)} is missing: the SDK no longer has this module`);
        sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
        parsed.set(file, sf);
    }
    return sf;
}

interface Member {
    optional: boolean;
    /** The declared type's text (e.g. `outputs.GetDnsRecordsResult[]`). */
    type: string;
}

/** Members of the top-level interface or class `name` in `file` (static and private members left out). */
function membersOf(file: string, name: string, kind: "interface" | "class"): Map<string, Member> {
    const sf = sourceOf(file);
    const decl = sf.statements.find(
        (s): s is ts.InterfaceDeclaration | ts.ClassDeclaration => (kind === "interface" ? ts.isInterfaceDeclaration(s) : ts.isClassDeclaration(s)) && (s as ts.InterfaceDeclaration | ts.ClassDeclaration).name?.text === name,
    );
    assert.ok(decl, `${path.relative(ROOT, file)} declares no ${kind} ${name}`);
    const members = new Map<string, Member>();
    for (const m of decl.members) {
        if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) || !m.name || !ts.isIdentifier(m.name)) continue;
        const mods = ts.canHaveModifiers(m) ? ts.getModifiers(m) ?? [] : [];
        if (mods.some((x) => x.kind === ts.SyntaxKind.StaticKeyword || x.kind === ts.SyntaxKind.PrivateKeyword)) continue;
        members.set(m.name.text, { optional: !!m.questionToken, type: m.type?.getText(sf) ?? "" });
    }
    return members;
}

/** The element interface's name of a list field typed `outputs.X[]` (or `pulumi.Output<outputs.X[]>`). */
function itemName(listType: string): string {
    const m = /^(?:pulumi\.Output<)?outputs\.(\w+)\[\]>?$/.exec(listType.trim());
    assert.ok(m, `expected a list of outputs.<Item>, got ${listType}`);
    return m[1];
}

/** The element interface of such a list field, in the package's types/output.d.ts. */
function itemMembers(pkg: string, listType: string): Map<string, Member> {
    return membersOf(path.join(packageDir(pkg), "types", "output.d.ts"), itemName(listType), "interface");
}

const resourceTypes = Object.entries(SCHEMAS).flatMap(([pkg, types]) => Object.entries(types).map(([token, schema]) => ({ pkg, token, schema })));

describe("replica/providerSchemas: the replica's schema table against the installed SDKs' declarations", function () {
    this.timeout(120_000);

    for (const { token, schema } of resourceTypes) {
        it(`${token}: inputs, required inputs and computed outputs as the SDK declares them`, () => {
            const { file, name } = sdkDeclaration(token);
            const args = membersOf(file, `${name}Args`, "interface");
            const cls = membersOf(file, name, "class");
            const unknownInputs = schema.inputs.filter((k) => !args.has(k));
            assert.deepEqual(unknownInputs, [], `the replica accepts inputs ${name}Args does not have`);
            const sdkRequired = [...args].filter(([, m]) => !m.optional).map(([k]) => k).sort();
            assert.deepEqual([...schema.required].sort(), sdkRequired, `the replica must require exactly what ${name}Args requires`);
            const grouped = [...(schema.exactlyOneOf ?? []), ...(schema.atLeastOneOf ?? [])].flat();
            const listed = (keys: string[] | undefined) => (keys ?? []).filter((k) => !schema.inputs.includes(k));
            assert.deepEqual([...listed(schema.replaces), ...listed(grouped), ...listed(schema.keptWhenUnset), ...listed(schema.writeOnly)], [], "every rule names an input of the table");
            // `id` (and `urn`) come from CustomResource itself.
            const computed = [...schema.computed, ...(schema.secretOutputs ?? []), ...Object.keys(schema.defaults ?? {})].filter((k) => k !== "id");
            assert.deepEqual(computed.filter((k) => !cls.has(k)), [], `the replica answers outputs the ${name} class does not have`);
            for (const [field, fields] of Object.entries(schema.items ?? {})) {
                assert.ok(schema.computed.includes(field), `${field}: items of a computed output`);
                const item = itemMembers(token.split(":")[0], cls.get(field)!.type);
                assert.deepEqual(fields.filter((k) => !item.has(k)), [], `${name}.${field} items have no such field`);
            }
        });
    }

    for (const [token, invoke] of Object.entries(INVOKES)) {
        it(`${token}: arguments and results as the SDK declares them`, () => {
            const { file, name } = sdkDeclaration(token);
            const args = membersOf(file, `${name}Args`, "interface");
            const result = membersOf(file, `${name}Result`, "interface");
            assert.deepEqual(invoke.args.filter((k) => !args.has(k)), [], `${name}Args has no such argument`);
            assert.deepEqual(invoke.results.filter((k) => !result.has(k)), [], `${name}Result has no such field`);
            for (const [field, fields] of Object.entries(invoke.items ?? {})) {
                const item = itemMembers(token.split(":")[0], result.get(field)!.type);
                assert.deepEqual(fields.filter((k) => !item.has(k)), [], `${name}Result.${field} items have no such field`);
            }
        });
    }

    it("every output the program reads (index.ts, components/, program/, operations/, cli/) is one the replica answers", () => {
        const reads = programReads();
        const answered = (where: Read["where"]): string[] | undefined => {
            if (where.kind === "resource") {
                const entry = resourceTypes.find((t) => sdkDeclaration(t.token).file === where.file && sdkDeclaration(t.token).name === where.name);
                return entry && [...entry.schema.inputs, ...entry.schema.computed, ...Object.keys(entry.schema.defaults ?? {})];
            }
            if (where.kind === "item") {
                // An item of a resource's list output (e.g. ProjectDomain.verifications).
                for (const { pkg, token, schema } of resourceTypes) {
                    if (where.file !== path.join(packageDir(pkg), "types", "output.d.ts")) continue;
                    const { file, name } = sdkDeclaration(token);
                    const cls = membersOf(file, name, "class");
                    for (const [field, fields] of Object.entries(schema.items ?? {})) if (itemName(cls.get(field)!.type) === where.name) return fields;
                }
            }
            for (const [token, invoke] of Object.entries(INVOKES)) {
                const { file, name } = sdkDeclaration(token);
                if (where.kind === "result" && where.file === file && where.name === `${name}Result`) return invoke.results;
                if (where.kind === "item") {
                    const result = membersOf(file, `${name}Result`, "interface");
                    for (const [field, fields] of Object.entries(invoke.items ?? {})) {
                        if (itemName(result.get(field)!.type) === where.name && where.file === path.join(packageDir(token.split(":")[0]), "types", "output.d.ts")) return fields;
                    }
                }
            }
            return undefined;
        };
        const problems: string[] = [];
        for (const r of reads) {
            const fields = answered(r.where);
            const at = `${r.where.name}.${r.property} (read at ${r.at})`;
            if (!fields) problems.push(`${at}: the replica has no schema for ${r.where.name}`);
            else if (!fields.includes(r.property)) problems.push(`${at}: the replica does not answer it`);
        }
        // The reads the program is known to make are found (the scan itself can fail).
        const found = new Set(reads.map((r) => `${r.where.name}.${r.property}`));
        for (const known of ["DnsRecord.content", "Deployment.url", "GetZoneResult.status", "GetDomainConfigResult.recommendedIpv4s", "GetDnsRecordResult.ttl", "GetDnsRecordsResult.results"]) {
            assert.ok(found.has(known), `the scan did not find the program reading ${known}: ${[...found].sort().join(", ")}`);
        }
        assert.deepEqual(problems, []);
    });
});

interface Read {
    property: string;
    where: { kind: "resource" | "result" | "item"; file: string; name: string };
    at: string;
}

/**
 * What the program reads of the provider SDKs' resources and data-source results: property
 * accesses whose symbol the SDK declares, and the fields a local interface reads of an SDK value
 * passed to it (e.g. liveRecordDifferences reading getDnsRecord's result through its own type).
 */
function programReads(): Read[] {
    const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    const parsedConfig = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const isProgramFile = (f: string) => {
        const rel = path.relative(ROOT, f);
        return rel === "index.ts" || /^(components|program|operations|cli)\//.test(rel);
    };
    const program = ts.createProgram(parsedConfig.fileNames.filter(isProgramFile), { ...parsedConfig.options, noEmit: true });
    const checker = program.getTypeChecker();
    const pkgDirs = Object.keys(PACKAGES).map(packageDir);
    const sdkPlace = (decl: ts.Declaration | undefined): Read["where"] | undefined => {
        if (!decl) return undefined;
        const file = decl.getSourceFile().fileName;
        if (!pkgDirs.some((d) => file.startsWith(d + path.sep))) return undefined;
        const parent = decl.parent;
        if (!(ts.isClassDeclaration(parent) || ts.isInterfaceDeclaration(parent)) || !parent.name) return undefined;
        const name = parent.name.text;
        const kind = ts.isClassDeclaration(parent) ? "resource" : file.endsWith(path.join("types", "output.d.ts")) ? "item" : "result";
        return { kind, file, name };
    };
    const typeOwner = (type: ts.Type): ts.Declaration | undefined => {
        const t = checker.getNonNullableType(type);
        const elem = checker.isArrayType(t) ? checker.getTypeArguments(t as ts.TypeReference)[0] : t;
        const decl = elem?.getSymbol()?.declarations?.[0];
        return decl && (ts.isInterfaceDeclaration(decl) || ts.isClassDeclaration(decl)) ? decl.members[0] ?? decl : undefined;
    };
    const reads: Read[] = [];
    for (const sf of program.getSourceFiles()) {
        if (!isProgramFile(sf.fileName)) continue;
        const at = (n: ts.Node) => `${path.relative(ROOT, sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
        const visit = (node: ts.Node): void => {
            if (ts.isPropertyAccessExpression(node)) {
                const decl = checker.getSymbolAtLocation(node.name)?.declarations?.[0];
                const where = sdkPlace(decl);
                if (where) reads.push({ property: node.name.text, where, at: at(node) });
            }
            if (ts.isCallExpression(node)) {
                const signature = checker.getResolvedSignature(node);
                node.arguments.forEach((arg, i) => {
                    const param = signature?.parameters[i];
                    if (!param) return;
                    const argOwner = sdkPlace(typeOwner(checker.getTypeAtLocation(arg)));
                    const paramType = checker.getTypeOfSymbolAtLocation(param, node);
                    const paramDecl = typeOwner(paramType);
                    if (!argOwner || !paramDecl || sdkPlace(paramDecl)) return;
                    // A local interface reading an SDK value: each of its fields the SDK type has is read.
                    const argFields = checker.getPropertiesOfType(checker.getNonNullableType(checker.getTypeAtLocation(arg))).map((p) => p.name);
                    const local = checker.getNonNullableType(paramType);
                    const localElem = checker.isArrayType(local) ? checker.getTypeArguments(local as ts.TypeReference)[0] : local;
                    const elemArg = checker.getNonNullableType(checker.getTypeAtLocation(arg));
                    const sdkFields = checker.isArrayType(elemArg) ? checker.getPropertiesOfType(checker.getTypeArguments(elemArg as ts.TypeReference)[0]).map((p) => p.name) : argFields;
                    for (const p of checker.getPropertiesOfType(localElem)) {
                        if (sdkFields.includes(p.name)) reads.push({ property: p.name, where: argOwner, at: at(arg) });
                    }
                });
            }
            ts.forEachChild(node, visit);
        };
        visit(sf);
    }
    return reads;
}
