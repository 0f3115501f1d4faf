// A real IMAP mailbox on loopback (MEP-12's target in the tests and the rehearsal): Debian's dovecot,
// started as a child process with its own config, run and state folders in a temp directory, one
// passwd-file user, plain login over loopback. CI installs it (`apt-get install dovecot-imapd`);
// without it `requireDovecot` throws that instruction and `dovecotAvailable` says false.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ImapFlow } from "imapflow";
import { freePortOn } from "./site";
import { PROGRAM_DIR } from "../shared/programDir";
import { makeScratchDir, releaseScratchDir } from "../shared/scratchDirs";

export const DOVECOT_BIN = "/usr/sbin/dovecot";

export interface Mailbox {
    host: string;
    port: number;
    user: string;
    password: string;
    /** Maildir of the user (owned by uid 65534). */
    maildir: string;
    /** The passdb ({PLAIN}<password>): 0600 in a 0700 folder. */
    passwordFile: string;
    stop(): Promise<void>;
}

export const DOVECOT_INSTALL_HINT = "apt-get install dovecot-imapd";

/** Whether this machine has dovecot (read at call time: tests may run before it is installed). */
export function dovecotAvailable(bin = DOVECOT_BIN): boolean {
    return fs.existsSync(bin);
}

/** Throws the install hint when dovecot is missing (tests call this in `before`). */
export function requireDovecot(bin = DOVECOT_BIN): void {
    if (!dovecotAvailable(bin)) {
        throw new Error(`dovecot is not installed (${bin} missing): ${DOVECOT_INSTALL_HINT}`);
    }
}

function portAccepts(host: string, port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (ok: boolean) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(500, () => done(false));
        socket.once("data", () => done(true)); // the IMAP greeting: the server is really up
        socket.once("error", () => done(false));
    });
}

/** Starts dovecot on 127.0.0.1:<free port>; resolves when it greets, within `startTimeoutMs`. */
export async function startDovecot(opts: { user?: string; password?: string; startTimeoutMs?: number; bin?: string } = {}): Promise<Mailbox> {
    const bin = opts.bin ?? DOVECOT_BIN;
    requireDovecot(bin);
    const host = "127.0.0.1";
    const user = opts.user ?? "contact@kaliabeautystudio.com";
    const password = opts.password ?? `pw-${Math.random().toString(36).slice(2)}`;
    const port = await freePortOn([host]);
    const dir = makeScratchDir("golive-dovecot-");
    const home = path.join(dir, "home");
    for (const d of ["run", "state", "home"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    fs.chmodSync(dir, 0o755);
    // Mail is handled as nobody: dovecot refuses uid 0 for mail users.
    fs.chownSync(home, 65534, 65534);
    // The password file: 0600 in a 0700 folder (the run folder is 0755 for dovecot's unprivileged
    // processes; the auth process that reads the passdb runs as the owner, set below).
    const secrets = path.join(dir, "secret");
    fs.mkdirSync(secrets, { mode: 0o700 });
    fs.chmodSync(secrets, 0o700);
    const passwd = path.join(secrets, "passwd");
    fs.writeFileSync(passwd, `${user}:{PLAIN}${password}::::::\n`, { mode: 0o600 });
    fs.chmodSync(passwd, 0o600);
    const conf = path.join(dir, "dovecot.conf");
    fs.writeFileSync(
        conf,
        `base_dir = ${dir}/run
state_dir = ${dir}/state
instance_name = golive-${port}
protocols = imap
listen = ${host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = ${dir}/dovecot.log
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${passwd}
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=${home}/%u
}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {
  inet_listener imap {
    address = ${host}
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service auth {
  user = ${os.userInfo().username}
}
service stats {
  inet_listener http {
    port = 0
  }
}
`,
    );
    // Under the engine guard (scripts/engine-guard/guard.js): dovecot ends with the process that
    // started it even when that process is killed before it can call stop() (a test worker killed,
    // a rehearsal's SIGKILL), never left as an orphan on the port. stop()'s SIGTERM to the guard
    // ends dovecot and every process of its tree.
    const guard = path.join(PROGRAM_DIR, "scripts", "engine-guard", "guard.js");
    const child: ChildProcess = spawn(process.execPath, [guard, bin, "-F", "-c", conf], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, GOLIVE_ENGINE_GRACE_MS: "3000", GOLIVE_ENGINE_REGISTRY: "" } });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    let exited = false;
    child.once("exit", () => (exited = true));
    const stop = async () => {
        if (!exited) {
            const gone = new Promise<void>((r) => child.once("exit", () => r()));
            child.kill("SIGTERM");
            await Promise.race([gone, new Promise((r) => setTimeout(r, 3_000))]);
            if (!exited) child.kill("SIGKILL");
        }
        releaseScratchDir(dir);
    };
    const deadline = Date.now() + (opts.startTimeoutMs ?? 10_000);
    while (!(await portAccepts(host, port))) {
        if (exited || Date.now() > deadline) {
            const log = fs.existsSync(path.join(dir, "dovecot.log")) ? fs.readFileSync(path.join(dir, "dovecot.log"), "utf8") : "";
            await stop();
            throw new Error(`dovecot did not start on ${host}:${port}: ${(stderr + log).trim().slice(-1500)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return { host, port, user, password, maildir: path.join(home, user, "Maildir"), passwordFile: passwd, stop };
}

/**
 * Puts a message in the mailbox's INBOX (IMAP APPEND), as a site's form handler delivering mail
 * would. Bounded: the connection and the whole delivery time out after `timeoutMs`.
 */
export async function deliverToMailbox(mb: Mailbox, message: { from: string; subject: string; text: string }, timeoutMs = 5_000): Promise<void> {
    const client = new ImapFlow({
        host: mb.host,
        port: mb.port,
        secure: false,
        auth: { user: mb.user, pass: mb.password },
        logger: false, // its default logger would print the login
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
    });
    client.on("error", () => undefined); // a late socket error must not crash the host process
    const raw = `From: ${message.from}\r\nTo: ${mb.user}\r\nSubject: ${message.subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${message.text}\r\n`;
    let timer: NodeJS.Timeout | undefined;
    try {
        await Promise.race([
            (async () => {
                await client.connect();
                await client.append("INBOX", raw);
                await client.logout();
            })(),
            new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new Error(`IMAP delivery to ${mb.host}:${mb.port} took over ${timeoutMs} ms`)), timeoutMs);
            }),
        ]);
    } finally {
        if (timer) clearTimeout(timer);
        client.close();
    }
}
