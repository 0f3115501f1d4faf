// The build of the sources (dist/, made by cli/build.js, which `npm ci` runs), when it is of the
// sources as they are now: what the replica plugins, the prober's process and the engine
// workspaces run instead of TypeScript. One reading of cli/build.js's rule for all of them.
import * as path from "path";
import { PROGRAM_DIR } from "./programDir";

/** The build's folder when it is fresh; undefined when it is missing or older than the sources. */
export function freshBuildDir(root: string = PROGRAM_DIR): string | undefined {
    // cli/build.js is plain JavaScript, loaded at run time (it stamps and checks the build).
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { BUILD_DIR, buildState } = require(path.join(root, "cli", "build.js")) as { BUILD_DIR: string; buildState(root: string): string };
    return buildState(root) === "fresh" ? path.join(root, BUILD_DIR) : undefined;
}
