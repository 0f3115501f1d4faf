import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { deliverToMailbox, dovecotAvailable, startDovecot } from "../../replica/mailbox";

// The rehearsal's and the tests' IMAP mailbox holds a credential: its passdb is readable by its owner only.
describe("replica/mailbox: the IMAP password file", function () {
    before(function () {
        if (!dovecotAvailable()) this.skip();
    });

    it("is 0600 in a 0700 folder, and the login still works", async () => {
        const mb = await startDovecot({ password: "canary-imap-password-31" });
        try {
            assert.equal(fs.statSync(mb.passwordFile).mode & 0o777, 0o600);
            assert.equal(fs.statSync(path.dirname(mb.passwordFile)).mode & 0o777, 0o700);
            assert.match(fs.readFileSync(mb.passwordFile, "utf8"), /\{PLAIN\}canary-imap-password-31/);
            await deliverToMailbox(mb, { from: "site@kaliabeautystudio.com", subject: "test", text: "hello" });
        } finally {
            await mb.stop();
        }
        assert.ok(!fs.existsSync(mb.passwordFile), "removed with the mailbox");
    });
});

// Whatever ends the process that started it, dovecot ends too (under the engine guard): a test
// worker killed mid-run must not leave an IMAP server on a loopback port.
describe("replica/mailbox: dovecot ends with the process that started it", function () {
    this.timeout(60_000);
    before(function () {
        if (!dovecotAvailable()) this.skip();
    });

    it("a SIGKILL of the starter (no stop() called): dovecot's port closes", async () => {
        const { spawn } = await import("child_process");
        const net = await import("net");
        const root = path.join(__dirname, "..", "..");
        const script = `require(${JSON.stringify(path.join(root, "replica", "mailbox"))}).startDovecot({}).then((mb) => console.log(JSON.stringify({ host: mb.host, port: mb.port, dir: require("path").dirname(require("path").dirname(mb.passwordFile)) })));setInterval(() => {}, 1000);`;
        const starter = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
        const started = await new Promise<{ host: string; port: number; dir: string }>((resolve, reject) => {
            let out = "";
            starter.stdout!.on("data", (c: Buffer) => {
                out += c.toString();
                const line = out.split("\n").find((l) => l.startsWith("{"));
                if (line) resolve(JSON.parse(line));
            });
            starter.once("exit", (code) => reject(new Error(`the starter ended first (${code})`)));
        });
        const accepts = () =>
            new Promise<boolean>((resolve) => {
                const s = net.connect({ host: started.host, port: started.port });
                s.setTimeout(2_000, () => (s.destroy(), resolve(false)));
                s.once("connect", () => (s.destroy(), resolve(true)));
                s.once("error", () => resolve(false));
            });
        try {
            assert.equal(await accepts(), true, "dovecot serves before the kill");
            starter.kill("SIGKILL");
            // Bounded: the guard sees its parent gone within 250 ms, asks dovecot to stop, and kills it after 3 s.
            let open = true;
            for (let i = 0; i < 60 && open; i++) {
                await new Promise((r) => setTimeout(r, 500));
                open = await accepts();
            }
            assert.equal(open, false, "dovecot still serves after its starter was killed");
        } finally {
            starter.kill("SIGKILL");
            fs.rmSync(started.dir, { recursive: true, force: true });
        }
    });
});
