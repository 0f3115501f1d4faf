// `npm test`: every test file but the long engine scenarios (test/long, `npm run test:long`), on two
// parallel workers. The workers take files in the order of this list, so the longest files come
// first (the engine tier, the mock rehearsal: 55% of the suite's time, docs/testing.md "Where the
// time goes") and the short ones fill in beside them, instead of a long file starting late and
// ending the run alone. Every other file follows in path order; a new file needs no entry here.
"use strict";
const fs = require("fs");
const path = require("path");

const LONGEST_FIRST = ["test/engine/guided.test.ts", "test/engine/goLive.test.ts", "test/rehearsal/rehearsal.test.ts", "test/checks/performance.test.ts"];

function testFiles(dir) {
    const out = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const rel = path.posix.join(dir, e.name);
        if (e.isDirectory()) {
            if (rel !== "test/long") out.push(...testFiles(rel));
        } else if (e.name.endsWith(".test.ts")) out.push(rel);
    }
    return out;
}

const all = testFiles("test").sort();
const first = LONGEST_FIRST.filter((f) => all.includes(f));

module.exports = {
    require: ["ts-node/register/transpile-only", "test/setup.ts"],
    extension: ["ts"],
    spec: [...first, ...all.filter((f) => !first.includes(f))],
    timeout: 20000,
    exit: true,
    parallel: true,
    jobs: 2,
};
