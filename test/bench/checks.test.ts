import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { figureOf, showFigure } from "../../bench/checks";

const ROOT = path.join(__dirname, "..", "..");

describe("bench: figures with their spread, files written only with --write", function () {
    this.timeout(90_000);

    it("a figure is the median of its runs, with their range", () => {
        const f = figureOf([130, 128, 251, 140, 129]);
        assert.deepEqual(f, { median: 130, min: 128, max: 251, runs: 5 });
        assert.equal(showFigure(f), "130 ms (128–251 ms over 5 runs)");
    });

    it("npm run bench:checks leaves bench/checks-results.json alone without --write", async () => {
        const file = path.join(ROOT, "bench", "checks-results.json");
        const before = fs.readFileSync(file, "utf8");
        const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) =>
            execFile(process.execPath, ["-r", "ts-node/register/transpile-only", "bench/checks.ts"], { cwd: ROOT, env: { ...process.env, BENCH_RUNS: "2" }, timeout: 80_000 }, (error, stdout) =>
                resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout }),
            ),
        );
        assert.equal(code, 0, stdout);
        assert.match(stdout, /concurrent \d+ ms \(\d+–\d+ ms over 2 runs\)/);
        assert.match(stdout, /not written \(add --write to save them to bench\/checks-results\.json\)/);
        assert.equal(fs.readFileSync(file, "utf8"), before);
    });
});
