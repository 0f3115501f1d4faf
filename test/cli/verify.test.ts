import { strict as assert } from "assert";
import { execFile } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { startWorld, ReplicaWorld } from "../../replica/world";
import { vercelLikeSpec } from "../../replica/site";
import { main } from "../../cli/verify";

const ROOT = path.join(__dirname, "..", "..");

/** Temporary folders of this file, removed after it. */
const tempDirs: string[] = [];
function tempDir(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    tempDirs.push(dir);
    return dir;
}

/** Runs `main` in-process and captures what it prints. */
async function verify(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(argv, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
    return { code, out, err };
}

describe("cli/verify: golive verify", () => {
    let world: ReplicaWorld;
    let flags: string[];
    before(async () => {
        world = await startWorld({ pointAt: "new" });
        const dir = tempDir("golive-verify-");
        writeFileSync(path.join(dir, "ca.pem"), world.ca.certPem);
        flags = [
            "--domain", world.domain,
            "--pages", "/,/services,/tarifs,/a-propos,/contact,/mentions-legales",
            "--dns-server", world.net.dnsServers![0],
            "--http-port", String(world.net.httpPort),
            "--https-port", String(world.net.httpsPort),
            "--ca", path.join(dir, "ca.pem"),
            "--expect-apex", "127.0.0.2",
            "--expect-www", "127.0.0.2",
            "--dns-timeout", "2",
            "--only", "dns,tls,https,redirects,smoke,seo",
        ];
    });
    after(async () => {
        await world.close();
        for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });
    afterEach(() => {
        world.newSite.spec = vercelLikeSpec(world.domain, "Kalia Beauty Studio");
    });

    it("prints the checklist and exits 0 on a clean site", async () => {
        const { code, out } = await verify(flags);
        assert.equal(code, 0, out);
        assert.match(out, /^ID\s+Check\s+Status\s+Reason/);
        for (const id of ["MEP-07", "MEP-08", "MEP-09", "MEP-10", "MEP-11", "MEP-14"]) assert.match(out, new RegExp(`${id}\\s+.*PASS`));
        assert.match(out, /6 passed, 0 failed, 0 skipped/);
    });

    it("exits 1 with the failing check in the JSON when the apex redirect is a 302", async () => {
        world.newSite.spec.apexRedirectStatus = 302;
        const { code, out } = await verify([...flags, "--json"]);
        assert.equal(code, 1);
        const report = JSON.parse(out);
        assert.equal(report.failed, 1);
        assert.equal(report.passed, 5);
        const failing = report.checks.filter((c: { status: string }) => c.status === "fail");
        assert.deepEqual(failing.map((c: { id: string }) => c.id), ["MEP-10"]);
        assert.match(failing[0].reason, /302/);
        assert.ok(failing[0].evidence && typeof failing[0].durationMs === "number");
    });

    it("says on stderr what it waits for once a wait passes a second (the DNS wait); --json stays clean", async () => {
        world.pointAt("old");
        const timer = setTimeout(() => world.pointAt("new"), 1_500);
        try {
            const dnsOnly = flags.map((f, i) => (flags[i - 1] === "--only" ? "dns" : flags[i - 1] === "--dns-timeout" ? "3" : f));
            const { code, out, err } = await verify([...dnsOnly, "--json"]);
            assert.equal(code, 0, out + err);
            assert.equal(JSON.parse(out).checks[0].status, "pass");
            const lines = err.trim().split("\n");
            assert.match(lines[0], /^golive verify: waiting for MEP-07 DNS propagation: the expected records on every DNS server \(\d\.\d s of at most 3\.0 s\)$/);
            assert.ok(lines.every((l) => l.startsWith("golive verify: waiting for ")), err);
        } finally {
            clearTimeout(timer);
            world.pointAt("new");
        }
        // Whatever it says on stderr, stdout is the JSON alone.
        const quick = await verify([...flags, "--json"]);
        assert.equal(JSON.parse(quick.out).checks.length, 6);
        assert.doesNotMatch(quick.out, /waiting for/);
    });

    it("skips the DNS check without expected values, and --only narrows the run", async () => {
        const noExpect = flags.filter((f, i) => !["--expect-apex", "--expect-www"].includes(f) && !["--expect-apex", "--expect-www"].includes(flags[i - 1]));
        const { code, out } = await verify([...noExpect.slice(0, -2), "--only", "dns,smoke", "--json"]);
        assert.equal(code, 0);
        const report = JSON.parse(out);
        assert.deepEqual(report.checks.map((c: { id: string; status: string }) => `${c.id} ${c.status}`), ["MEP-07 skip", "MEP-11 pass"]);
        assert.equal(report.skipped, 1);
    });

    it("exits 2 on bad usage, naming the flag and what it expects", async () => {
        const cases: [string[], RegExp][] = [
            [["--domain", world.domain, "--bogus"], /^golive verify: unknown option --bogus\n/],
            [["--domain"], /^golive verify: --domain needs a value\n/],
            [["--domain", world.domain, "--json=yes"], /^golive verify: --json takes no value\n/],
            [["--pages", "/"], /--domain is required/],
            [["--domain", `www.${world.domain}`], /--domain must be the apex/],
            [["--domain", world.domain, "--https-port", "99999"], /--https-port must be a port number between 1 and 65535, got "99999"/],
            [["--domain", world.domain, "--http-port", "eighty"], /--http-port must be a port number/],
            [["--domain", world.domain, "--only", "tls,nope"], /--only takes check keys among dns, tls, .*; unknown: nope/],
            [["--domain", world.domain, "--dns-server", "localhost"], /--dns-server must be an IP address/],
            [["--domain", world.domain, "--dns-timeout", "soon"], /--dns-timeout must be a number of seconds/],
            [["--domain", world.domain, "--cert-wait", "7200"], /--cert-wait must be a number of seconds between 0 and 3600, got "7200"/],
            [["--domain", world.domain, "--pages", "tarifs"], /--pages takes paths of the site: "tarifs" must start with "\/"/],
            [["--domain", world.domain, "--pages", "/,//evil.example/x"], /--pages takes paths of the site: "\/\/evil\.example\/x" must start with a single "\/"/],
        ];
        for (const [argv, message] of cases) {
            const { code, err, out } = await verify(argv);
            assert.equal(code, 2, `${argv.join(" ")} → ${code}`);
            assert.match(err, message);
            assert.match(err, /usage: golive verify/);
            assert.equal(out, "");
        }
        // A file that cannot be used is not bad usage: exit 3, no usage text.
        for (const [argv, message] of [
            [["--domain", world.domain, "--ca", "/nonexistent/ca.pem"], /^golive verify: --ca \/nonexistent\/ca\.pem cannot be read: ENOENT/],
            [["--domain", world.domain, "--ca", __filename], /^golive verify: --ca .* is not a PEM certificate/],
        ] as [string[], RegExp][]) {
            const { code, err } = await verify(argv);
            assert.equal(code, 3, argv.join(" "));
            assert.match(err, message);
            assert.doesNotMatch(err, /usage:/);
        }
        const help = await verify(["--help"]);
        assert.equal(help.code, 0);
        assert.match(help.out, /--dns-server <ip\[:port\]>/);
        assert.match(help.out, /--pin <name>=<address>/);
    });

    it("--pin is validated: name=address, a host name to an IP or a host name, no option-like value (exit 2 naming --pin)", async () => {
        const expected = /--pin takes <name>=<address>, e\.g\. www\.example\.com=76\.76\.21\.21 or www\.example\.com=cname\.vercel-dns\.com/;
        const cases: [string[], RegExp][] = [
            [["--pin", `www.${world.domain}`], expected],
            [["--pin", `www.${world.domain}=`], /--pin takes .*: the address must be an IPv4 or IPv6 address, or a host name .*got ""/],
            [["--pin", `www.${world.domain}=127.0.0.2:8443`], /--pin takes .*: the address must be .*no port\), got "127\.0\.0\.2:8443"/],
            [["--pin", "127.0.0.2=127.0.0.2"], /--pin takes .*: the name must be a host name like www\.example\.com, got "127\.0\.0\.2"/],
            [["--pin", `=127.0.0.2`], /--pin takes .*: the name must be a host name/],
            [["--pin", `www.${world.domain}=www.${world.domain}`], /--pin takes .*: www\.kaliabeautystudio\.com cannot be pinned to itself/],
            [["--pin", `www.${world.domain}=127.0.0.2`, "--pin", `WWW.${world.domain}.=127.0.0.3`], /--pin www\.kaliabeautystudio\.com is given twice \(127\.0\.0\.2, 127\.0\.0\.3\): one address per name/],
            [["--pin=-x=127.0.0.2"], /--pin takes .*; a value cannot start with "-", got "-x=127\.0\.0\.2"/],
            [["--pin", "--json"], /^golive verify: --pin needs a value\n/],
        ];
        for (const [argv, message] of cases) {
            const { code, err, out } = await verify(["--domain", world.domain, ...argv]);
            assert.equal(code, 2, `${argv.join(" ")} → ${code}`);
            assert.match(err, message, argv.join(" "));
            assert.equal(out, "");
        }
        // Names and addresses are read as pins hold them: lower case, no trailing dot, no IPv6 brackets.
        const { parseVerifyArgs } = await import("../../cli/verify");
        const parsed = parseVerifyArgs(["--domain", world.domain, "--pin", `WWW.${world.domain}.=CNAME.Vercel-DNS.com.`, "--pin", `${world.domain}=[::1]`, "--pin", `${world.domain}=::1`]);
        assert.deepEqual(parsed.net.pins, { [`www.${world.domain}`]: "cname.vercel-dns.com", [world.domain]: "::1" });
    });

    it("--pin looks at the new host before DNS points at it: the checks pass on the new site, MEP-07 is skipped naming the pins", async () => {
        world.pointAt("old");
        // A key page only the new site has: a check that reaches the old host fails on it.
        world.newSite.spec.pages["/nouveau-soin"] = { title: "Nouveau soin – Kalia", description: "Le soin lancé avec le nouveau site.", text: "Nouveau." };
        try {
            const noExpect = flags.filter((f, i) => !["--expect-apex", "--expect-www"].includes(f) && !["--expect-apex", "--expect-www"].includes(flags[i - 1]));
            const argv = [...noExpect.map((f, i) => (noExpect[i - 1] === "--pages" ? "/,/nouveau-soin" : f)), "--json"];
            const unpinned = await verify(argv);
            assert.equal(unpinned.code, 1, "without pins the checks see the old site");
            const pins = ["--pin", `${world.domain}=127.0.0.2`, "--pin", `www.${world.domain}=127.0.0.2`];
            const { code, out, err } = await verify([...argv, ...pins]);
            assert.equal(code, 0, out + err);
            const report = JSON.parse(out);
            assert.deepEqual(report.pins, { [world.domain]: "127.0.0.2", [`www.${world.domain}`]: "127.0.0.2" });
            assert.deepEqual(report.checks.map((c: { id: string; status: string }) => `${c.id} ${c.status}`), ["MEP-07 skip", "MEP-08 pass", "MEP-09 pass", "MEP-10 pass", "MEP-11 pass", "MEP-14 pass"]);
            assert.match(report.checks[0].reason, /^the site's names are pinned \(kaliabeautystudio\.com → 127\.0\.0\.2, www\.kaliabeautystudio\.com → 127\.0\.0\.2\)/);
            const https = report.checks.find((c: { id: string }) => c.id === "MEP-09");
            assert.equal(https.evidence.servedBy, "vercel");
            assert.deepEqual(https.evidence.pinned, { [`www.${world.domain}`]: { pin: "127.0.0.2", addresses: ["127.0.0.2"] } });
            // The table says first that the names were pinned.
            const table = await verify([...argv.filter((f) => f !== "--json"), ...pins]);
            assert.match(table.out, /^Pinned \(as curl --resolve\): kaliabeautystudio\.com → 127\.0\.0\.2, www\.kaliabeautystudio\.com → 127\.0\.0\.2; the checks looked there, whatever DNS answers\.\n\nID\s+Check/);
            assert.match(table.out, /MEP-07\s+DNS propagation\s+SKIP\s+the site's names are pinned/);
        } finally {
            world.pointAt("new");
        }
    });

    it("works as the installed bin: node cli/golive.js verify ... --json", async function () {
        this.timeout(30_000);
        // Async spawn: the replica serves from this process, which must stay free to answer.
        const run = (argv: string[]) =>
            new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
                execFile(process.execPath, [path.join(ROOT, "cli", "golive.js"), "verify", ...argv], { cwd: ROOT, timeout: 25_000 }, (error, stdout, stderr) => {
                    resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
                });
            });
        world.newSite.spec.pages["/tarifs"].status = 500;
        const [broken, usage] = await Promise.all([run([...flags, "--json"]), run(["--domain", world.domain, "--https-port", "0"])]);
        assert.equal(broken.code, 1, broken.stderr);
        const report = JSON.parse(broken.stdout);
        assert.equal(report.failed, 2); // the smoke test and the SEO check both see /tarifs
        assert.deepEqual(report.checks.filter((c: { status: string }) => c.status === "fail").map((c: { id: string }) => c.id), ["MEP-11", "MEP-14"]);
        assert.equal(usage.code, 2);
        assert.match(usage.stderr, /--https-port must be a port number/);
        world.newSite.spec = vercelLikeSpec(world.domain, "Kalia Beauty Studio");
        const clean = await run([...flags, "--json"]);
        assert.equal(clean.code, 0, clean.stderr);
        assert.ok(JSON.parse(clean.stdout).checks.every((c: { status: string }) => c.status === "pass"));
    });

    it("--stack takes the domain, key pages and network of a stack file; flags still override", async () => {
        const dir = tempDir("golive-verify-stack-");
        writeFileSync(
            path.join(dir, "Pulumi.replica.yaml"),
            [
                "config:",
                `  golive:domain: ${world.domain}`,
                "  golive:checks:",
                "    pages:",
                "      - path: /",
                "        expectText: Kalia",
                "      - path: /tarifs",
                "    network:",
                `      dnsServers: ["${world.net.dnsServers![0]}"]`,
                `      httpPort: ${world.net.httpPort}`,
                `      httpsPort: ${world.net.httpsPort}`,
                `      caPem: ${JSON.stringify(world.ca.certPem)}`,
                "  vercel:apiToken:",
                "    secure: AAABAKalia",
                "",
            ].join("\n"),
        );
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            const ok = await verify(["--stack", "replica", "--expect-apex", "127.0.0.2", "--expect-www", "127.0.0.2", "--dns-timeout", "2", "--json"]);
            assert.equal(ok.code, 0, ok.out + ok.err);
            const report = JSON.parse(ok.out);
            const smoke = report.checks.find((c: { id: string }) => c.id === "MEP-11");
            assert.deepEqual(smoke.evidence.pages.map((p: { path: string }) => p.path), ["/", "/tarifs"]);
            const narrowed = await verify(["--stack", "replica", "--pages", "/contact", "--only", "smoke", "--json"]);
            assert.deepEqual(JSON.parse(narrowed.out).checks[0].evidence.pages.map((p: { path: string }) => p.path), ["/contact"]);
            const missing = await verify(["--stack", "nope"]);
            assert.equal(missing.code, 3);
            assert.match(missing.err, /no Pulumi\.nope\.yaml/);
        } finally {
            process.chdir(cwd);
        }
        // The project's own stack file: Kalia's domain and key pages, no network override.
        const { parseVerifyArgs } = await import("../../cli/verify");
        const prod = parseVerifyArgs(["--stack", "prod"]);
        assert.equal(prod.settings.domain, "kaliabeautystudio.com");
        assert.equal(prod.settings.pages.length, 6);
        assert.deepEqual(prod.net, {});
        // A one-off verify judges the certificate served now, unless told to wait for it.
        assert.equal(prod.settings.certWaitMs, 0);
        assert.equal(parseVerifyArgs(["--stack", "prod", "--cert-wait", "30"]).settings.certWaitMs, 30_000);
        // --pin works with --stack: the stack's network settings and the pins together.
        const pinnedProd = parseVerifyArgs(["--stack", "prod", "--pin", "www.kaliabeautystudio.com=cname.vercel-dns.com", "--pin", "kaliabeautystudio.com=76.76.21.21"]);
        assert.deepEqual(pinnedProd.net, { pins: { "www.kaliabeautystudio.com": "cname.vercel-dns.com", "kaliabeautystudio.com": "76.76.21.21" } });
    });
});
