// golive:report's upload (issue 26): an argument vector run without a shell — every value reaches
// the program as written — bounded, with what it started; a failed or hung upload is said and the
// page stays linked by its path.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { publishPage, stackPageJsons, uploadArgv, uploadPage } from "../../operations/goLivePagePublish";
import { parseReportConfig } from "../../config/reportConfig";
import { isRunning as alive } from "../helpers/processes";


describe("operations/goLivePagePublish: the go-live page written, uploaded, linked", function () {
    this.timeout(30_000);
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-page-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const report = (o: Record<string, unknown>) => parseReportConfig({ get: (k) => (k === "report" ? JSON.stringify(o) : undefined), isSecret: () => false });

    it("fills {file} and {name}, or adds the path last; a relative path is refused", () => {
        assert.deepEqual(uploadArgv(["rclone", "copyto", "{file}", "pages:x/{name}"], "/srv/p/golive-prod-cutover-1.html"), ["rclone", "copyto", "/srv/p/golive-prod-cutover-1.html", "pages:x/golive-prod-cutover-1.html"]);
        assert.deepEqual(uploadArgv(["upload", "--to", "pages"], "/srv/p/a.html"), ["upload", "--to", "pages", "/srv/p/a.html"]);
        assert.throws(() => uploadArgv(["upload"], "a.html"), /absolute/);
    });

    it("passes every value literally: one starting with - stays an argument, $(…) and ; are not run", async () => {
        const seen = path.join(dir, "argv.json");
        const script = path.join(dir, "upload.js");
        fs.writeFileSync(script, `require("fs").writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.argv.slice(2)));`);
        const pwned = path.join(dir, "pwned");
        const page = path.join(dir, "golive-prod-cutover-x.html");
        fs.writeFileSync(page, "<html></html>");
        const args = ["-x", `$(touch ${pwned})`, `; touch ${pwned}`, "{file}"];
        const u = await uploadPage([process.execPath, script, ...args], page, 10_000);
        assert.deepEqual(u.ok ? u.detail : u, "exit 0");
        assert.deepEqual(JSON.parse(fs.readFileSync(seen, "utf8")), ["-x", `$(touch ${pwned})`, `; touch ${pwned}`, page]);
        assert.equal(fs.existsSync(pwned), false, "nothing ran through a shell");
    });

    it("the upload does not get the engine's or the providers' secrets from the environment", async () => {
        const seen = path.join(dir, "env.json");
        const env = { ...process.env, PULUMI_CONFIG_PASSPHRASE: "stack-passphrase", VERCEL_API_TOKEN: "vercel-token-123", RCLONE_CONFIG_PAGES_TYPE: "s3" };
        const u = await uploadPage([process.execPath, "-e", `require("fs").writeFileSync(${JSON.stringify(seen)}, JSON.stringify(process.env))`], path.join(dir, "p.html"), 10_000, env);
        assert.equal(u.ok, true, u.detail);
        const got = JSON.parse(fs.readFileSync(seen, "utf8"));
        assert.deepEqual([got.PULUMI_CONFIG_PASSPHRASE, got.VERCEL_API_TOKEN, got.RCLONE_CONFIG_PAGES_TYPE], [undefined, undefined, "s3"]);
    });

    it("a failing upload is said with its exit code and last error line; a missing program is named", async () => {
        const page = path.join(dir, "p.html");
        const u = await uploadPage([process.execPath, "-e", "console.error('quota exceeded'); process.exit(3)"], page, 10_000);
        assert.deepEqual([u.ok, u.detail], [false, "exit 3: quota exceeded"]);
        const missing = await uploadPage(["/nonexistent/upload-tool"], page, 10_000);
        assert.deepEqual([missing.ok, missing.detail], [false, "/nonexistent/upload-tool not found (golive:report.uploadCommand[0])"]);
    });

    it("a hung upload is stopped at its bound, with what it started (its own process group)", async () => {
        const pidFile = path.join(dir, "child.pid");
        // The upload starts a child of its own, then both hang.
        const code = `const c = require("child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "inherit" }); require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(c.pid)); setInterval(() => {}, 1000);`;
        const u = await uploadPage([process.execPath, "-e", code], path.join(dir, "p.html"), 1_500);
        assert.equal(u.ok, false);
        assert.match(u.detail, /^stopped after 2 s \(golive:report\.uploadTimeoutSeconds\)/);
        const grandchild = Number(fs.readFileSync(pidFile, "utf8"));
        for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(alive(grandchild), false, "what the upload started ended with it");
    });

    it("publishes: the page and its JSON in the default place (or golive:report.dir), linked at golive:report.url once uploaded; by its path when the upload failed", async () => {
        const ok = await publishPage({ html: "<p>page</p>", json: { domain: "example.com" }, name: "golive-prod-cutover-20261206T080000Z.html", defaultDir: dir, report: report({ url: "https://pages.agence.example/golive/", uploadCommand: [process.execPath, "-e", "0"] }) });
        assert.equal(ok.file, path.join(dir, "golive-prod-cutover-20261206T080000Z.html"));
        assert.equal(fs.readFileSync(ok.file, "utf8"), "<p>page</p>");
        assert.deepEqual(JSON.parse(fs.readFileSync(`${ok.file}.json`, "utf8")), { domain: "example.com" });
        assert.equal(ok.link, "https://pages.agence.example/golive/golive-prod-cutover-20261206T080000Z.html");
        const other = path.join(dir, "pages");
        const failed = await publishPage({ html: "x", json: {}, name: "p.html", defaultDir: dir, report: report({ dir: other, url: "https://pages.agence.example", uploadCommand: [process.execPath, "-e", "process.exit(1)"] }) });
        assert.equal(failed.file, path.join(other, "p.html"));
        assert.equal(failed.link, failed.file, "not uploaded: the link is the file");
        assert.deepEqual([failed.upload?.ok, failed.upload?.detail], [false, "exit 1"]);
    });

    it("a stack's page JSONs, newest run first, another stack's (prod-eu beside prod) and other files left out", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-pages-"));
        try {
            for (const f of ["golive-prod-cutover-20261206T080000Z.html.json", "golive-prod-rollback-20261207T090000Z.html.json", "golive-prod-eu-cutover-20261208T080000Z.html.json", "golive-prod-cutover-20261205T080000Z.html", "notes.json"]) fs.writeFileSync(path.join(dir, f), "{}");
            assert.deepEqual(stackPageJsons(dir, "prod").map((f) => path.basename(f)), ["golive-prod-rollback-20261207T090000Z.html.json", "golive-prod-cutover-20261206T080000Z.html.json"]);
            assert.deepEqual(stackPageJsons(path.join(dir, "absent"), "prod"), []);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
