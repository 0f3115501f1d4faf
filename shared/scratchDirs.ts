// The temporary folders a rehearsal or a test world makes (the engine workspace, the site's
// repository, the IMAP server's folder). Each is removed by its owner's stop in the normal course;
// a rehearsal stopped by a signal exits at once (operations/engineGuard stopRehearsalOnSignal), so
// it removes here, synchronously, whatever is still held.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const held = new Set<string>();

/** A new folder under the system's temporary folder, held until `releaseScratchDir`. */
export function makeScratchDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    held.add(dir);
    return dir;
}

/** Removes `dir` and forgets it. */
export function releaseScratchDir(dir: string): void {
    held.delete(dir);
    fs.rmSync(dir, { recursive: true, force: true });
}

/** Removes every folder still held; never throws (called on the way out). */
export function removeScratchDirs(): void {
    for (const dir of [...held]) {
        try {
            releaseScratchDir(dir);
        } catch {
            // a folder that cannot be removed is left; the exit goes on
        }
    }
}
