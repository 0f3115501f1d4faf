// --markdown for the guided phases (a CI run's summary): the run's record file, which is Markdown,
// on stdout and nothing else; every line a person reads goes to stderr. A run refused before it
// had a record (a gate, bad usage) prints its lines as Markdown instead.
import * as fs from "fs";
import { runLinesMarkdown } from "../rendering/markdownSummary";
import type { GuidedDeps } from "../operations/guided";

export async function withMarkdownRecord(title: string, deps: GuidedDeps, run: (quiet: GuidedDeps) => Promise<{ code: number; recordFile?: string }>): Promise<number> {
    const said: string[] = [];
    const keep = (l: string) => {
        said.push(l);
        deps.err(l);
    };
    const r = await run({ ...deps, out: keep, err: keep });
    let record: string | undefined;
    try {
        if (r.recordFile) record = fs.readFileSync(r.recordFile, "utf8");
    } catch {
        record = undefined; // said on stderr by the run; its lines stand in for it
    }
    // The record as it is (deps.out ends the text with its own newline).
    deps.out((record ?? runLinesMarkdown(title, said, r.code)).replace(/\n$/, ""));
    return r.code;
}
