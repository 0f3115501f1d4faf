// What the way back's direct calls did (issue 25), kept beside the stack's run lock
// (<project>/.golive/<stack>.records-back-by-api.json) from the moment they end until the engine has
// caught up: a golive killed in between leaves it, and `golive recover --rollback` puts it into the
// reconciling update's message (operations/failureNote `recordsBackByApi`), so that `pulumi stack
// history` tells the whole way back without the record file. Never the token: the calls' lines only.
import * as fs from "fs";
import * as path from "path";
import type { FailureNote } from "./failureNote";
import { callLines, type RecordsPut } from "./cloudflareDns";
import { runLockFile } from "./runLock";

export type RecordsBackByApi = NonNullable<FailureNote["recordsBackByApi"]>;

/** The journal of the direct calls of `stack` in the project `projectDir`. */
export function directCallsFile(projectDir: string, stack: string): string {
    return path.join(path.dirname(runLockFile(projectDir, stack)), `${stack}.records-back-by-api.json`);
}

/** The calls as the history says them: when they ended, whether both went through, one line each. */
export function recordsBackByApiOf(put: RecordsPut): RecordsBackByApi {
    return { at: new Date(put.endedAt).toISOString(), ok: put.ok, calls: callLines(put) };
}

/** Keeps what the calls did (written whole, then renamed: a kill never leaves half a file). Never throws; false when it could not. */
export function keepDirectCalls(file: string, put: RecordsPut): boolean {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(recordsBackByApiOf(put), null, 2) + "\n", { mode: 0o600 });
        fs.renameSync(tmp, file);
        return true;
    } catch {
        return false;
    }
}

/** What was kept, or undefined (none, or not a journal). */
export function directCallsKept(file: string): RecordsBackByApi | undefined {
    try {
        const j = JSON.parse(fs.readFileSync(file, "utf8")) as RecordsBackByApi;
        return typeof j.at === "string" && typeof j.ok === "boolean" && Array.isArray(j.calls) && j.calls.every((c) => typeof c === "string") ? j : undefined;
    } catch {
        return undefined;
    }
}

/** The engine has caught up (or a new cutover begins): the journal has told its story. Never throws. */
export function forgetDirectCalls(file: string): void {
    try {
        fs.rmSync(file, { force: true });
    } catch {
        // nothing to forget
    }
}
