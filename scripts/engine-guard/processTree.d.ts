// Types of processTree.js (plain JavaScript: the engine guard runs it with node alone).
export interface ProcessInfo {
    pid: number;
    ppid: number;
    /** The session id, where ps tells it (Linux). */
    sid?: number;
    /** The command line as `ps` shows it. */
    args: string;
}
export function listProcesses(): ProcessInfo[];
export function descendantsOf(pid: number, list: ProcessInfo[]): ProcessInfo[];
export function sessionOf(sid: number, list: ProcessInfo[]): ProcessInfo[];
export function isAlive(pid: number): boolean;
export function stillRunning<T extends { pid: number; args: string }>(known: T[], list?: ProcessInfo[]): T[];
export function signalAll(pids: number[], signal: NodeJS.Signals): void;
