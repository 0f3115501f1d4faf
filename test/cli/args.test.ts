import { strict as assert } from "assert";
import { main as verify } from "../../cli/verify";
import { main as report, ReportDeps } from "../../cli/report";
import { main as rehearse } from "../../cli/rehearse";
import { main as rollback, RollbackDeps } from "../../cli/rollback";

/** Runs one command's main with `argv`, returning its exit code and what it printed on stderr. */
async function errorsOf(command: string, argv: string[]): Promise<{ code: number; err: string }> {
    let err = "";
    const collect = (t: string) => (err += `${t}\n`);
    let code: number;
    if (command === "verify") code = await verify(argv, { out: () => undefined, err: collect });
    else if (command === "report") {
        const deps: ReportDeps = { stackOutputs: () => ({}), now: () => "now", stdin: async () => "", out: () => undefined, err: collect };
        code = await report(argv, deps);
    } else if (command === "rollback") {
        const deps = { findEngine: () => ({ binDir: "/engine/bin", version: "v3.248.0", source: "cache" }), out: () => undefined, err: collect } as unknown as RollbackDeps;
        code = await rollback(argv, deps);
    } else {
        const saved = console.error;
        console.error = collect;
        try {
            code = await rehearse(argv);
        } finally {
            console.error = saved;
        }
    }
    return { code, err };
}

describe("cli: option errors read the same in every command", () => {
    for (const command of ["verify", "report", "rehearse", "rollback"]) {
        it(`golive ${command}: unknown option, missing value → exit 2 with the usage`, async () => {
            const unknown = await errorsOf(command, ["--bogus"]);
            assert.equal(unknown.code, 2);
            assert.match(unknown.err, new RegExp(`^golive ${command}: unknown option --bogus\\n\\nusage: golive ${command}`));
            const flag = { verify: "--domain", report: "--from", rehearse: "--break", rollback: "--stack" }[command]!;
            const missing = await errorsOf(command, [flag]);
            assert.equal(missing.code, 2);
            assert.match(missing.err, new RegExp(`^golive ${command}: ${flag} needs a value\\n\\nusage: golive ${command}`));
        });
    }

    it("golive rehearse names the faults --break takes", async () => {
        const { code, err } = await errorsOf("rehearse", ["--break", "nope"]);
        assert.equal(code, 2);
        assert.match(err, /^golive rehearse: --break takes one of dns-before-domain, .*, got "nope"/);
    });
});
