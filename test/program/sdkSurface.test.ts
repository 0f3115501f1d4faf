// The program uses the SDK's public API. This pins what remains outside it, each with its reason
// (config/config.ts says why beside the code); a new private import or process.exit fails here.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

const ROOT = path.join(__dirname, "..", "..");

/** The sources of the program's layers (test/program/layers.test.ts): index.ts, components/, program/, config/, checks/, shared/. */
function programSources(): string[] {
    const out = ["index.ts"];
    for (const dir of ["components", "program", "config", "checks", "shared"]) {
        for (const f of fs.readdirSync(path.join(ROOT, dir))) if (f.endsWith(".ts")) out.push(path.join(dir, f));
    }
    return out;
}

// Code only: comments may name a module without importing it.
const code = (file: string) =>
    fs
        .readFileSync(path.join(ROOT, file), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

describe("the program and the SDK: public API only, the remainder pinned", () => {
    it("no module of @pulumi/pulumi below its public entries (automation is the public Automation API)", () => {
        const deep: string[] = [];
        for (const file of programSources()) {
            for (const m of code(file).matchAll(/["'](@pulumi\/pulumi\/[^"']+)["']/g)) {
                if (m[1] !== "@pulumi/pulumi/automation") deep.push(`${file}: ${m[1]}`);
            }
        }
        assert.deepEqual(deep, []);
    });

    it("one process.exit, in config/config refusingBadConfig: 32, the language host's 'already reported' (no public call ends a program so)", () => {
        const exits: string[] = [];
        for (const file of programSources()) {
            for (const m of code(file).matchAll(/process\.exit\(([^)]*)\)/g)) exits.push(`${file}: ${m[1]}`);
        }
        assert.deepEqual(exits, [`${path.join("config", "config.ts")}: 32`]);
    });

    it("isConfigSecret: on the public pulumi.runtime at run time, not in its typings (no public call says a key is secret)", () => {
        const rt = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: unknown };
        assert.equal(typeof rt.isConfigSecret, "function", "the SDK no longer has isConfigSecret: config/config.ts would read every key as clear");
        const typings = fs.readFileSync(require.resolve("@pulumi/pulumi/runtime/config.d.ts"), "utf8");
        // When a later SDK makes it public, the cast in config/config.ts can go (and this test with it).
        assert.ok(!/isConfigSecret/.test(typings), "isConfigSecret is now in the public typings: drop the cast in config/config.ts");
        assert.equal(typeof pulumi.runtime.hasEngine, "function");
        assert.equal(typeof pulumi.runtime.allConfig, "function");
    });
});
