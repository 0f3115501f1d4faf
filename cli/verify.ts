// `golive verify`: runs the post-deploy checks (MEP-07..MEP-14) against a live site, without Pulumi.
// The same suite the Pulumi component runs; flags point it anywhere (a replica, a staging host).
import { readFileSync } from "fs";
import { CHECKS, formatTable, hasExpectedRecords, runSuite, SuiteSettings } from "../checks/suite";
import { Progress } from "../operations/progress";
import { summarize } from "../checks/types";
import { sitePathProblem } from "../checks/siteUrl";
import { describePins, normalizePinPart, pinProblem } from "../checks/pins";
import { reasonLine } from "../checks/failures";
import type { NetOptions } from "../checks/types";
import * as path from "path";
import { isServerAddress, parseChecksConfig, suiteSettingsOf } from "../config/checksConfig";
import { readStackFile } from "../config/stackFile";
import { PROGRAM_DIR } from "../shared/programDir";
import { EXIT, EXIT_CODES_TEXT, FileError, parseOptions, reportError, UsageError } from "./args";

export interface Io {
    out(text: string): void;
    err(text: string): void;
}

const STD_IO: Io = {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
};

/** Default wait for DNS propagation in a one-off verify (the Pulumi check waits longer). */
const DEFAULT_DNS_TIMEOUT_S = 10;

export function usage(): string {
    return `usage: golive verify --domain <apex> [options]

Runs the post-deploy checks against https://www.<apex> and prints the checklist.
${EXIT_CODES_TEXT}

  --stack <name>             take the domain, key pages, resolvers and budgets from Pulumi.<name>.yaml
                             (the settings the Pulumi checks use); the flags below override them
  --domain <apex>            the apex of the site, e.g. example.com (required without --stack)
  --pages </,/services,...>  key pages for the smoke test and SEO checks (default /)
  --dns-server <ip[:port]>   resolve every name through this server (repeatable)
  --http-port <N>            port for http:// URLs (default 80)
  --https-port <N>           port for https:// URLs (default 443)
  --ca <file.pem>            extra trusted CA certificate
  --pin <name>=<address>     look at a new host before DNS points at it, as curl --resolve: every
                             connection to <name> goes to <address> (an IP, or a host name resolved
                             as usual), SNI, Host and redirects keep the name (repeatable), e.g.
                             --pin www.example.com=cname.vercel-dns.com --pin example.com=76.76.21.21;
                             MEP-07 (public DNS) is then skipped unless --expect-* is given
  --only <keys>              run only these checks: ${CHECKS.map((c) => c.key).join(",")}
  --expect-apex <ip,...>     MEP-07: what the apex must resolve to (A addresses)
  --expect-www <value,...>   MEP-07: what www must resolve to (A addresses or CNAME target)
                             without either, the DNS check is skipped
  --dns-timeout <seconds>    how long the DNS check waits for propagation (default ${DEFAULT_DNS_TIMEOUT_S})
  --cert-wait <seconds>      how long the TLS check (and the checks after it) waits for the site's
                             certificate to be issued (default 0: judge what is served now)
  --json                     print one JSON object instead of the table
  --help                     this text`;
}

const list = (values: string[] | undefined): string[] =>
    (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");

function port(flag: string, raw: string | undefined): number | undefined {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new UsageError(`--${flag} must be a port number between 1 and 65535, got ${JSON.stringify(raw)}`);
    return n;
}

const DOMAIN = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;

/** Turns the command line into suite settings, net options and run options; throws UsageError. */
export function parseVerifyArgs(argv: string[]): { help: boolean; json: boolean; settings: SuiteSettings; net: NetOptions; only?: string[] } {
    const values = parseOptions(argv, {
        stack: { type: "string" },
        domain: { type: "string" },
        pages: { type: "string", multiple: true },
        "dns-server": { type: "string", multiple: true },
        "http-port": { type: "string" },
        "https-port": { type: "string" },
        ca: { type: "string" },
        only: { type: "string", multiple: true },
        "expect-apex": { type: "string", multiple: true },
        "expect-www": { type: "string", multiple: true },
        "dns-timeout": { type: "string" },
        "cert-wait": { type: "string" },
        pin: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
    });
    const empty = { domain: "", pages: [] };
    if (values.help) return { help: true, json: false, settings: empty, net: {} };
    const fromStack = values.stack !== undefined ? stackSettings(values.stack) : undefined;
    const domain = (values.domain ?? fromStack?.settings.domain ?? "").trim().toLowerCase().replace(/\.$/, "");
    if (!domain) throw new UsageError("--domain is required (or --stack with golive:domain): the apex of the site, e.g. --domain example.com");
    if (domain.startsWith("www.")) throw new UsageError(`--domain must be the apex (e.g. ${domain.slice(4)}), not the www name`);
    if (!DOMAIN.test(domain)) throw new UsageError(`--domain must be a domain name like example.com, got ${JSON.stringify(values.domain)}`);
    const pages = list(values.pages);
    const badPage = pages.find((p) => sitePathProblem(p) !== undefined);
    if (badPage) throw new UsageError(`--pages takes paths of the site: ${JSON.stringify(badPage)} ${sitePathProblem(badPage)}`);
    const dnsServers = list(values["dns-server"]);
    const badServer = dnsServers.find((s) => !isServerAddress(s));
    if (badServer) throw new UsageError(`--dns-server must be an IP address with an optional port (ip or ip:port), got ${JSON.stringify(badServer)}`);
    const only = values.only ? list(values.only) : undefined;
    const unknown = (only ?? []).filter((k) => !CHECKS.some((c) => c.key === k));
    if (unknown.length > 0) throw new UsageError(`--only takes check keys among ${CHECKS.map((c) => c.key).join(", ")}; unknown: ${unknown.join(", ")}`);
    if (only && only.length === 0) throw new UsageError("--only needs at least one check key");
    const apex = list(values["expect-apex"]).map((v) => v.toLowerCase().replace(/\.$/, ""));
    const www = list(values["expect-www"]).map((v) => v.toLowerCase().replace(/\.$/, ""));
    // A one-off verify answers quickly, even with --stack (whose wait is for the cutover).
    let dnsTimeoutS = DEFAULT_DNS_TIMEOUT_S;
    if (values["dns-timeout"] !== undefined) {
        dnsTimeoutS = Number(values["dns-timeout"]);
        if (!Number.isFinite(dnsTimeoutS) || dnsTimeoutS <= 0 || dnsTimeoutS > 86_400) {
            throw new UsageError(`--dns-timeout must be a number of seconds between 0 and 86400, got ${JSON.stringify(values["dns-timeout"])}`);
        }
    }
    let certWaitS = 0;
    if (values["cert-wait"] !== undefined) {
        certWaitS = Number(values["cert-wait"]);
        if (!Number.isFinite(certWaitS) || certWaitS < 0 || certWaitS > 3_600) {
            throw new UsageError(`--cert-wait must be a number of seconds between 0 and 3600, got ${JSON.stringify(values["cert-wait"])}`);
        }
    }
    let caPem: string | undefined;
    if (values.ca !== undefined) {
        try {
            caPem = readFileSync(values.ca, "utf8");
        } catch (err) {
            throw new FileError(`--ca ${values.ca} cannot be read: ${(err as Error).message}`);
        }
        if (!caPem.includes("-----BEGIN CERTIFICATE-----")) throw new FileError(`--ca ${values.ca} is not a PEM certificate`);
    }
    const pins = parsePins(values.pin);
    const httpPort = port("http-port", values["http-port"]);
    const httpsPort = port("https-port", values["https-port"]);
    const net: NetOptions = {
        ...(fromStack?.net ?? {}),
        ...(dnsServers.length > 0 ? { dnsServers } : {}),
        ...(httpPort !== undefined ? { httpPort } : {}),
        ...(httpsPort !== undefined ? { httpsPort } : {}),
        ...(caPem ? { caPem } : {}),
        ...(pins ? { pins } : {}),
    };
    const settings: SuiteSettings = {
        ...(fromStack?.settings ?? {}),
        domain,
        pages: pages.length > 0 ? pages.map((path) => ({ path })) : fromStack?.settings.pages ?? [{ path: "/" }],
        // An empty list leaves that name unchecked by MEP-07; neither skips the check.
        ...(apex.length > 0 || www.length > 0 ? { expected: { apex, www } } : {}),
        dnsTimeoutMs: Math.round(dnsTimeoutS * 1000),
        certWaitMs: Math.round(certWaitS * 1000),
    };
    return { help: false, json: values.json ?? false, settings, net, ...(only ? { only } : {}) };
}

const PIN_FORM = "<name>=<address>, e.g. www.example.com=76.76.21.21 or www.example.com=cname.vercel-dns.com";

/** The --pin values as NetOptions.pins (name → address), or undefined when none is given. */
export function parsePins(values: string[] | undefined): Record<string, string> | undefined {
    if (!values || values.length === 0) return undefined;
    const pins: Record<string, string> = {};
    for (const raw of values) {
        // A value is never read as an option, even written --pin=-x.
        if (raw.startsWith("-")) throw new UsageError(`--pin takes ${PIN_FORM}; a value cannot start with "-", got ${JSON.stringify(raw)}`);
        const eq = raw.indexOf("=");
        if (eq < 0) throw new UsageError(`--pin takes ${PIN_FORM}, got ${JSON.stringify(raw)}`);
        const name = normalizePinPart(raw.slice(0, eq));
        const address = normalizePinPart(raw.slice(eq + 1));
        const problem = pinProblem(name, address);
        if (problem) throw new UsageError(`--pin takes ${PIN_FORM}: ${problem}`);
        if (pins[name] !== undefined && pins[name] !== address) throw new UsageError(`--pin ${name} is given twice (${pins[name]}, ${address}): one address per name`);
        pins[name] = address;
    }
    return pins;
}

/** The check settings of a stack file: what the Pulumi checks of that stack use. */
function stackSettings(stack: string): { settings: SuiteSettings; net?: NetOptions } {
    let values: Record<string, unknown>;
    try {
        values = readStackFile(stack, [process.cwd(), PROGRAM_DIR]).values;
    } catch (err) {
        const message = (err as Error).message;
        // A bad name is the command line's fault; a missing or unreadable file is the file's.
        throw message.startsWith("--stack") ? new UsageError(message) : new FileError(`--stack ${stack}: ${message}`);
    }
    const domain = values["golive:domain"];
    if (typeof domain !== "string" || domain === "") throw new UsageError(`--stack ${stack}: its stack file has no golive:domain`);
    try {
        const checks = parseChecksConfig(values["golive:checks"]);
        return { settings: suiteSettingsOf(domain, checks), ...(checks.network ? { net: checks.network } : {}) };
    } catch (err) {
        throw new UsageError(`--stack ${stack}: ${(err as Error).message}`);
    }
}

/** `golive verify ...`; resolves to the exit code. */
export async function main(argv: string[], io: Io = STD_IO): Promise<number> {
    let parsed;
    try {
        parsed = parseVerifyArgs(argv);
    } catch (err) {
        return reportError("verify", err, usage(), io.err);
    }
    if (parsed.help) {
        io.out(usage());
        return EXIT.ok;
    }
    // Long waits (the DNS wait above all) are told on stderr, so --json stays clean.
    const progress = new Progress(io.err, { prefix: "golive verify" });
    const dnsLimit = parsed.settings.dnsTimeoutMs;
    const results = await runSuite(parsed.settings, parsed.net, {
        ...(parsed.only ? { only: parsed.only } : {}),
        onStart: (def) =>
            def.key === "dns" && hasExpectedRecords(parsed.settings)
                ? progress.begin(`${def.id} ${def.name}: the expected records on every DNS server`, dnsLimit)
                : progress.begin(`${def.id} ${def.name}`),
    });
    progress.stop();
    const totals = summarize(results);
    const pins = parsed.net.pins;
    if (parsed.json) {
        // `domain` lets `golive report --from -` read this output as it is.
        io.out(JSON.stringify({ domain: parsed.settings.domain, ...(pins ? { pins } : {}), checks: results.map(({ id, name, status, reason, evidence, durationMs }) => ({ id, name, status, reason, evidence, durationMs })), ...totals }, null, 2));
    } else {
        const shortened = results.some((r) => reasonLine(r) !== r.reason);
        // Said first: these results are about the pinned host, not about what DNS answers.
        const pinned = pins ? `Pinned (as curl --resolve): ${describePins(pins)}; the checks looked there, whatever DNS answers.\n\n` : "";
        io.out(`${pinned}${formatTable(results)}\n\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${shortened ? " (--json has every reason and the evidence)" : ""}`);
    }
    return totals.failed > 0 ? EXIT.failed : EXIT.ok;
}
