import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createEngineWorkspace, EngineWorkspace, programForm, type ProgramForm } from "../../replica/engineWorkspace";
import { requirePrerequisite } from "../helpers/prerequisites";
import { freshBuildDir } from "../../shared/freshBuild";

// The engine workspace of the tests and the rehearsal sets config as golive does: no secret on a
// command line. A stand-in `pulumi` records each call's argv (what /proc/<pid>/cmdline shows) and
// what it read on stdin; the engine-tier proof (a real rehearsal, the process list sampled) is in
// test/long/secretsOffCommandLines.test.ts.
describe("replica/engineWorkspace: secrets reach the CLI on stdin, never in argv", () => {
    let dir: string;
    let ws: EngineWorkspace;
    const log = () => fs.readFileSync(path.join(dir, "calls.log"), "utf8");
    before(async function () {
        this.timeout(60_000);
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-fake-cli-"));
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        // argv one per line after ARGV; stdin (read only by `config set`) after STDIN.
        fs.writeFileSync(
            path.join(bin, "pulumi"),
            `#!/bin/sh\nlog='${path.join(dir, "calls.log")}'\nprintf 'ARGV' >> "$log"; for a in "$@"; do printf ' <%s>' "$a" >> "$log"; done; echo >> "$log"\ncase "$1 $2" in "config set") printf 'STDIN <%s>\\n' "$(cat)" >> "$log";; "config --json") cat '${path.join(dir, "held.json")}' 2>/dev/null || echo '{}';; esac\nexit 0\n`,
            { mode: 0o755 },
        );
        ws = await createEngineWorkspace({ engine: { binDir: bin, version: "3.248.0", source: "cache" }, controlUrl: "http://127.0.0.1:9" });
    });
    after(() => {
        ws?.remove();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("sets plain values through set-all --json and each secret through `config set --secret` with the value on stdin", async () => {
        const canaries = { token: "canary-vercel-token-1f2e", env: JSON.stringify({ RESEND_API_KEY: "canary-resend-9c8b" }), webhook: "http://127.0.0.1:1/services/canary-hook" };
        fs.writeFileSync(path.join(dir, "calls.log"), "");
        await ws.setConfig({
            "golive:domain": { value: "kalia-beauty.fr" },
            "golive:envVars": { value: '["RESEND_API_KEY"]' },
            "vercel:apiToken": { value: canaries.token, secret: true },
            "golive:envValues": { value: canaries.env, secret: true },
            "golive:notify": { value: JSON.stringify({ webhookUrl: canaries.webhook }), secret: true },
        });
        const lines = log().trim().split("\n");
        const argv = lines.filter((l) => l.startsWith("ARGV"));
        for (const a of argv) for (const c of ["canary-vercel", "canary-resend", "canary-hook"]) assert.ok(!a.includes(c), `a secret on a command line: ${a}`);
        // One set-all with the plain values (arrays structured), one read of the stack's values, then one `config set --secret` per secret.
        assert.equal(argv.length, 5, lines.join("\n"));
        assert.match(argv[0], /^ARGV <config> <set-all> <--stack> <replica> <--json> <\{.*"golive:domain":\{"value":"kalia-beauty.fr","secret":false\}/);
        assert.match(argv[0], /"golive:envVars":\{"value":"\[\\"RESEND_API_KEY\\"\]","secret":false,"objectValue":\["RESEND_API_KEY"\]\}/);
        assert.equal(argv[1], "ARGV <config> <--json> <--show-secrets> <--stack> <replica> <--non-interactive>");
        assert.deepEqual(argv.slice(2), ["vercel:apiToken", "golive:envValues", "golive:notify"].map((k) => `ARGV <config> <set> <--stack> <replica> <--secret> <--raw> <${k}> <--non-interactive>`));
        assert.deepEqual(
            lines.filter((l) => l.startsWith("STDIN")),
            [canaries.token, canaries.env, JSON.stringify({ webhookUrl: canaries.webhook })].map((v) => `STDIN <${v}>`),
        );
    });

    it("skips set-all when every value is secret", async () => {
        fs.writeFileSync(path.join(dir, "calls.log"), "");
        await ws.setConfig({ "cloudflare:apiToken": { value: "canary-cf-token-77", secret: true } }, "other");
        assert.deepEqual(log().trim().split("\n"), ["ARGV <config> <--json> <--show-secrets> <--stack> <other> <--non-interactive>", "ARGV <config> <set> <--stack> <other> <--secret> <--raw> <cloudflare:apiToken> <--non-interactive>", "STDIN <canary-cf-token-77>"]);
    });

    it("sets again only the secrets whose value the stack does not already hold (one read, no CLI run per unchanged secret)", async () => {
        fs.writeFileSync(path.join(dir, "calls.log"), "");
        fs.writeFileSync(path.join(dir, "held.json"), JSON.stringify({ "vercel:apiToken": { value: "canary-same-1", secret: true }, "golive:notify": { value: "canary-old-2", secret: true } }));
        try {
            await ws.setConfig({ "vercel:apiToken": { value: "canary-same-1", secret: true }, "golive:notify": { value: "canary-new-3", secret: true } });
        } finally {
            fs.rmSync(path.join(dir, "held.json"));
        }
        assert.deepEqual(log().trim().split("\n"), [
            "ARGV <config> <--json> <--show-secrets> <--stack> <replica> <--non-interactive>",
            "ARGV <config> <set> <--stack> <replica> <--secret> <--raw> <golive:notify> <--non-interactive>",
            "STDIN <canary-new-3>",
        ]);
    });

    it("a secret it had the engine encrypt for this stack goes back as that ciphertext when the stack file is written anew (no CLI run); a new value is set again", async () => {
        const file = path.join(ws.projectDir, "Pulumi.cached.yaml");
        // What the engine's `config set --secret` leaves in the stack file (the stand-in writes nothing).
        fs.writeFileSync(file, "encryptionsalt: v1:c2FsdA==:v1:abc\nconfig:\n  vercel:apiToken:\n    secure: v1:CIPHER-1\n");
        fs.writeFileSync(path.join(dir, "calls.log"), "");
        await ws.setConfig({ "vercel:apiToken": { value: "canary-tok-1", secret: true } }, "cached");
        assert.equal(log().split("\n").filter((l) => l.includes("<set>")).length, 1, "the first time through the engine");
        // The next phase: the stack file starts over (operations/automation freshStackFile), the same value.
        fs.writeFileSync(file, "encryptionsalt: v1:c2FsdA==:v1:abc\nconfig: {}\n");
        fs.writeFileSync(path.join(dir, "calls.log"), "");
        await ws.setConfig({ "golive:domain": { value: "kalia-beauty.fr" }, "vercel:apiToken": { value: "canary-tok-1", secret: true } }, "cached");
        assert.deepEqual(log().trim().split("\n").map((l) => l.split(" ").slice(0, 3).join(" ")), ["ARGV <config> <set-all>"], "set-all only: no read, no secret set");
        assert.match(fs.readFileSync(file, "utf8"), /vercel:apiToken:\n\s+secure: v1:CIPHER-1/);
        assert.match(fs.readFileSync(file, "utf8"), /^encryptionsalt: v1:c2FsdA==:v1:abc$/m);
        // Another value: through the engine again, its value on stdin.
        fs.writeFileSync(path.join(dir, "calls.log"), "");
        await ws.setConfig({ "vercel:apiToken": { value: "canary-tok-2", secret: true } }, "cached");
        assert.ok(log().includes("STDIN <canary-tok-2>"), log());
        fs.rmSync(file);
    });
});

// The program the engine runs in a workspace: the build of the sources as they are (cli/build.js),
// or index.ts through ts-node when asked (as the operator's `pulumi up`) or when the build is stale.
describe("replica/engineWorkspace: the program's form", () => {
    const { buildState } = require("../../cli/build.js") as { buildState(): string };
    let dir: string;
    let bin: string;
    before(function () {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-form-"));
        bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const workspace = (program?: ProgramForm) => createEngineWorkspace({ engine: { binDir: bin, version: "3.248.0", source: "cache" }, controlUrl: "http://127.0.0.1:9", ...(program ? { program } : {}) });

    it("asked for typescript (or GOLIVE_ENGINE_PROGRAM=typescript): index.ts and its folders as they are, run through ts-node", async () => {
        assert.equal(programForm(undefined, { GOLIVE_ENGINE_PROGRAM: "typescript" }, freshBuildDir()), "typescript");
        const ws = await workspace("typescript");
        try {
            assert.equal(ws.program, "typescript");
            assert.equal(fs.readFileSync(path.join(ws.projectDir, "index.ts"), "utf8"), fs.readFileSync("index.ts", "utf8"));
            assert.ok(!fs.existsSync(path.join(ws.projectDir, "index.js")));
            assert.match(fs.readFileSync(path.join(ws.projectDir, "Pulumi.yaml"), "utf8"), /^ {4}typescript: true$/m);
        } finally {
            ws.remove();
        }
    });

    it("by default, with a fresh build: the compiled program, Pulumi.yaml and package.json saying so, nothing else changed", async function () {
        requirePrerequisite(this, "the compiled program", buildState() === "fresh" ? undefined : `dist/ is ${buildState()}`, "npm run compile");
        const ws = await workspace();
        try {
            assert.equal(ws.program, "compiled");
            for (const f of ["index.js", "components/dnsRecords.js", "checks/smokeTest.js", "config/config.js", "program/dnsPlan.js", "shared/programDir.js", "scripts/tag-release.sh"]) assert.ok(fs.existsSync(path.join(ws.projectDir, f)), f);
            assert.ok(!fs.existsSync(path.join(ws.projectDir, "index.ts")));
            const project = fs.readFileSync(path.join(ws.projectDir, "Pulumi.yaml"), "utf8");
            assert.equal(project, fs.readFileSync("Pulumi.yaml", "utf8").replace(/^ {4}typescript: true$/m, "    typescript: false"));
            const pkg = JSON.parse(fs.readFileSync(path.join(ws.projectDir, "package.json"), "utf8"));
            assert.deepEqual(pkg, { ...JSON.parse(fs.readFileSync("package.json", "utf8")), main: "index.js" });
            // The program finds its own folder (scripts/, Pulumi.yaml) from the compiled modules as from the sources.
            const { programDirOf } = await import("../../shared/programDir");
            assert.equal(programDirOf(path.join(ws.projectDir, "shared")), ws.projectDir);
        } finally {
            ws.remove();
        }
    });
});
