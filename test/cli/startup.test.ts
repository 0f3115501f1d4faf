// Issue 18 item 9: the `golive` command starts fast. The bin runs the JavaScript `npm ci` builds
// (package.json `prepare` → cli/build.js → tsc into dist/, stamped with the sources' hash), loads a
// command's modules only when it runs, and never the Pulumi SDK for --help or a verify of the live
// site. A missing or stale build is not run: the shim runs the TypeScript instead, and says why.
// Behaviour only here: the start-up figures are in `npm run bench`.
import { strict as assert } from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startWorld, ReplicaWorld } from "../../replica/world";

const ROOT = path.join(__dirname, "..", "..");
/** What the compiled CLI is built from, and what it reads at run time (a project copy of these). */
const PROJECT = ["package.json", "tsconfig.json", "tsconfig.build.json", "Pulumi.yaml", "Pulumi.prod.yaml", "index.ts", "cli", "shared", "config", "program", "operations", "rendering", "checks", "components", "replica", "rehearsal", "scripts"];
const LOADED = path.join(ROOT, "test", "fixtures", "loadedModules.js");

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    /** Every module file the process loaded. */
    modules: string[];
}

function run(dir: string, args: string[], timeoutMs = 120_000): Promise<Run> {
    const list = path.join(dir, `.modules-${process.hrtime.bigint()}.json`);
    return new Promise((resolve) =>
        execFile(
            process.execPath,
            ["--require", LOADED, path.join(dir, "cli", "golive.js"), ...args],
            { cwd: dir, env: { ...process.env, GOLIVE_LOADED_MODULES: list }, timeout: timeoutMs, killSignal: "SIGKILL" },
            (error, stdout, stderr) => {
                let modules: string[] = [];
                try {
                    modules = JSON.parse(fs.readFileSync(list, "utf8")) as string[];
                    fs.rmSync(list, { force: true });
                } catch {
                    // the process died before writing it: the assertions on code/stderr say why
                }
                resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr, modules });
            },
        ),
    );
}

const pulumiSdk = (r: Run) => r.modules.filter((m) => m.includes(`${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`));
const typescript = (r: Run) => r.modules.filter((m) => /[\\/]node_modules[\\/](ts-node|typescript)[\\/]/.test(m));

describe("cli: start-up of the golive command (compiled, lazy, never stale)", function () {
    this.timeout(300_000);
    let dir: string;
    let world: ReplicaWorld;

    before(async () => {
        // A copy of the project, built as `npm ci` builds it (cli/build.js), so this test neither
        // depends on nor disturbs the clone's own dist/.
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-startup-"));
        for (const f of PROJECT) fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
        const built = await new Promise<{ code: number; out: string }>((resolve) =>
            execFile(process.execPath, [path.join(dir, "cli", "build.js")], { cwd: dir, timeout: 240_000, killSignal: "SIGKILL" }, (error, stdout, stderr) =>
                resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, out: `${stdout}${stderr}` }),
            ),
        );
        assert.equal(built.code, 0, built.out);
        world = await startWorld({ pointAt: "new" });
    });

    after(async () => {
        await world?.close();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the bin runs the compiled CLI: --help and every command's --help load neither TypeScript nor the Pulumi SDK", async () => {
        const commands = ["verify", "report", "rollback", "rehearse", "init", "adopt", "prepare", "cutover", "status"];
        for (const args of [["--help"], ...commands.map((c) => [c, "--help"])]) {
            const r = await run(dir, args);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^usage: golive/);
            assert.equal(r.stderr, "", args.join(" "));
            assert.deepEqual(typescript(r), [], `${args.join(" ")}: no ts-node, no typescript`);
            assert.deepEqual(pulumiSdk(r), [], `${args.join(" ")}: no Pulumi SDK`);
            assert.ok(r.modules.some((m) => m.startsWith(path.join(dir, "dist") + path.sep)), "the compiled modules ran");
        }
    });

    it("golive verify of a live site runs every check without loading the Pulumi SDK", async () => {
        const ca = path.join(dir, "ca.pem");
        fs.writeFileSync(ca, world.ca.certPem);
        const r = await run(dir, [
            "verify", "--domain", world.domain, "--pages", "/,/services",
            "--dns-server", world.net.dnsServers![0], "--http-port", String(world.net.httpPort), "--https-port", String(world.net.httpsPort), "--ca", ca,
            "--expect-apex", "127.0.0.2", "--expect-www", "127.0.0.2", "--dns-timeout", "5", "--json",
        ]);
        const json = JSON.parse(r.stdout) as { checks: { id: string; status: string }[] };
        assert.deepEqual(json.checks.filter((c) => ["MEP-07", "MEP-08", "MEP-09", "MEP-10", "MEP-11", "MEP-14"].includes(c.id)).map((c) => `${c.id} ${c.status}`), [
            "MEP-07 pass", "MEP-08 pass", "MEP-09 pass", "MEP-10 pass", "MEP-11 pass", "MEP-14 pass",
        ]);
        assert.deepEqual(pulumiSdk(r), [], "verify needs no Pulumi SDK");
        assert.deepEqual(typescript(r), []);
    });

    it("a stale build is never run: a changed source sends the bin to the TypeScript, with a note saying so", async () => {
        const file = path.join(dir, "cli", "main.ts");
        const before = fs.readFileSync(file, "utf8");
        try {
            fs.writeFileSync(file, before.replace('"usage: golive <command> [options]"', '"usage: golive <command> [options] (changed)"'));
            const r = await run(dir, ["--help"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^usage: golive <command> \[options\] \(changed\)/, "the source as it is now, not the build");
            assert.match(r.stderr, /dist\/ is older than the sources.*npm run compile/);
            assert.notDeepEqual(typescript(r), []);
        } finally {
            fs.writeFileSync(file, before);
        }
        const back = await run(dir, ["--help"]);
        assert.equal(back.stderr, "", "the same sources again: the build is fresh again");
        assert.deepEqual(typescript(back), []);
    });

    it("index.ts is a source of the build too (the mock-engine rehearsal runs it from dist/)", async () => {
        const file = path.join(dir, "index.ts");
        const before = fs.readFileSync(file, "utf8");
        try {
            fs.writeFileSync(file, `${before}\n// changed\n`);
            const r = await run(dir, ["--help"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /dist\/ is older than the sources/);
        } finally {
            fs.writeFileSync(file, before);
        }
    });

    it("without a build (dist/ removed) the bin still works, through the TypeScript", async () => {
        const dist = path.join(dir, "dist");
        const aside = path.join(dir, "dist-aside");
        fs.renameSync(dist, aside);
        try {
            const r = await run(dir, ["verify", "--help"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^usage: golive verify/);
            assert.notDeepEqual(typescript(r), []);
        } finally {
            fs.renameSync(aside, dist);
        }
    });
});
