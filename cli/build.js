#!/usr/bin/env node
// The compiled `golive` command: `node cli/build.js` (npm's `prepare`, so `npm ci` runs it; or
// `npm run compile`) transpiles the CLI's TypeScript into dist/ with tsc (tsconfig.build.json;
// type checking is `npm test`'s job) and stamps dist/ with a hash of the sources it was built from.
// cli/golive.js runs dist/ only when that hash is still the sources' hash: never stale code.
"use strict";
const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const BUILD_DIR = "dist";
const STAMP = path.join(BUILD_DIR, ".sources.json");
/** What dist/ is built from (tsconfig.build.json's include: the rehearsal runs index.ts too), and the build's settings. */
const SOURCE_DIRS = ["cli", "shared", "config", "program", "operations", "rendering", "checks", "components", "replica", "rehearsal"];
const SOURCE_FILES = ["index.ts", "tsconfig.json", "tsconfig.build.json"];

/** The sources, relative to `root`, in a stable order. */
function sourceFiles(root) {
    const files = [];
    const walk = (rel) => {
        const entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const e of entries) {
            const child = path.join(rel, e.name);
            if (e.isDirectory()) walk(child);
            else if (e.isFile() && e.name.endsWith(".ts")) files.push(child);
        }
    };
    for (const dir of SOURCE_DIRS) walk(dir);
    return [...files, ...SOURCE_FILES];
}

/** A hash of every source's path and content. */
function sourcesHash(root = ROOT, files = sourceFiles(root)) {
    const hash = require("crypto").createHash("sha256");
    for (const rel of files) {
        hash.update(rel.split(path.sep).join("/"));
        hash.update("\0");
        hash.update(fs.readFileSync(path.join(root, rel)));
        hash.update("\0");
    }
    return hash.digest("hex");
}

/** Each source's path, size and modification time: cheap to compare at every start. */
function fingerprint(root, files) {
    return files
        .map((rel) => {
            const st = fs.statSync(path.join(root, rel));
            return `${rel.split(path.sep).join("/")} ${st.size} ${st.mtimeMs}`;
        })
        .join("\n");
}

/**
 * "fresh", "missing" (never built) or "stale" (built from other sources than these). The file
 * sizes and times decide when they are all as built; otherwise the content hash does (a checkout
 * that touched files without changing them leaves the build fresh).
 */
function buildState(root = ROOT) {
    let stamp;
    try {
        stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP), "utf8"));
    } catch {
        return "missing";
    }
    const files = sourceFiles(root);
    if (stamp.fingerprint === fingerprint(root, files)) return "fresh";
    return stamp.hash === sourcesHash(root, files) ? "fresh" : "stale";
}

/** Builds dist/ and stamps it; the stamp goes first and comes back last, so a half-built dist/ is never run. */
function build(root = ROOT) {
    const { spawnSync } = require("child_process");
    const files = sourceFiles(root);
    const stamp = { hash: sourcesHash(root, files), fingerprint: fingerprint(root, files) };
    fs.rmSync(path.join(root, STAMP), { force: true });
    const tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
    const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) return r.status ?? 1;
    // Sources changed while tsc ran: the build may hold either version, so it is not stamped.
    if (sourcesHash(root, sourceFiles(root)) !== stamp.hash) return 3;
    fs.writeFileSync(path.join(root, STAMP), JSON.stringify(stamp));
    return 0;
}

module.exports = { BUILD_DIR, buildState, sourcesHash, build };

if (require.main === module) {
    const code = build();
    console.error(code === 0 ? `golive: built ${BUILD_DIR}/ (the compiled golive command)` : `golive: the build of ${BUILD_DIR}/ failed (exit ${code}); golive runs from the TypeScript meanwhile`);
    process.exit(code);
}
