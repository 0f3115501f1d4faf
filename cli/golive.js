#!/usr/bin/env node
// The `golive` command. It runs the JavaScript that `npm ci` builds into dist/ (cli/build.js) when
// that build is of the sources as they are now; otherwise (never built, or sources changed since) it
// runs the TypeScript through ts-node, as Pulumi runs index.ts: slower to start, never stale.
"use strict";
const path = require("path");
const { BUILD_DIR, buildState } = require("./build");

const root = path.join(__dirname, "..");
const state = buildState(root);
let main;
if (state === "fresh") {
    main = require(path.join(root, BUILD_DIR, "cli", "main")).main;
} else {
    if (state === "stale") console.error(`golive: ${BUILD_DIR}/ is older than the sources: running the TypeScript instead (slower to start); \`npm run compile\` rebuilds it`);
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    main = require("./main").main;
}
main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
        console.error(`golive: ${err && err.message ? err.message : err}`);
        process.exit(2);
    },
);
