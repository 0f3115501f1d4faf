// The facts of a stack at prepare, old host serving, that the site-state tests start from
// (test/operations/siteState.test.ts, test/operations/whatNext.test.ts, test/cli/rollback.test.ts): each test changes what its case needs.
import type { SiteFacts } from "../../operations/siteState";

export const OLD = "127.0.0.3";
export const NEW = "127.0.0.2";
export const targets = { apex: { old: OLD, vercel: NEW }, www: { old: OLD, vercel: NEW } };
/** One live A record holding `content`. */
export const a = (content: string) => [{ type: "A", content }];

export const siteFacts = (over: Partial<SiteFacts> = {}): SiteFacts => ({
    stack: "prod",
    applied: "prepare",
    filePhase: "prepare",
    latest: { kind: "update", result: "succeeded", phase: "prepare" },
    pending: [],
    leftoverProcesses: 0,
    live: { apex: a(OLD), www: a(OLD) },
    state: { apex: { type: "A", content: OLD }, www: { type: "A", content: OLD } },
    targets,
    ...over,
});
