// The program's own directory (Pulumi.yaml, package.json, scripts/), from this module's TypeScript
// source (shared/) or from the compiled CLI (dist/shared/, cli/build.js): one answer for every command.
import * as fs from "fs";
import * as path from "path";

/** The project directory above `dir` (a folder of modules, as source or as compiled into dist/). */
export function programDirOf(dir: string): string {
    const up = path.resolve(dir, "..");
    return !fs.existsSync(path.join(up, "Pulumi.yaml")) && path.basename(up) === "dist" ? path.dirname(up) : up;
}

export const PROGRAM_DIR = programDirOf(__dirname);
