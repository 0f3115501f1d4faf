// Whether a process the test started is still running: it exists and is not a zombie left to a
// PID 1 that does not reap (the sandbox's init), which `kill -0` alone would call alive.
import * as fs from "fs";

export function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
}
