#!/usr/bin/env node
// The `golive` command. The project is TypeScript run through ts-node (as Pulumi runs index.ts),
// so this shim registers it and hands over to cli/main.ts.
require("ts-node").register({ transpileOnly: true, project: require("path").join(__dirname, "..", "tsconfig.json") });
require("./main").main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
        console.error(`golive: ${err && err.message ? err.message : err}`);
        process.exit(2);
    },
);
