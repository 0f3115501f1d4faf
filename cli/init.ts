// `golive init --stack <name> --domain <domain> [--dir <project>]`: the stack file of a new site,
// Pulumi.prod.yaml being the example (config/stackTemplate.ts), then every required key and what to
// run next. Offline: no engine, no account. Never overwrites a stack file.
import * as fs from "fs";
import * as path from "path";
import { parseDomain } from "../config/config";
import { renderNewStackFile, requiredKeys } from "../config/stackTemplate";
import { DEFAULT_DEPS, parseGuidedArgs, PROGRAM_DIR } from "./guided";
import { GuidedDeps } from "../operations/guided";

export const USAGE = [
    "usage: golive init --stack <stack> --domain <domain> [--dir <project dir>]",
    "",
    "Writes Pulumi.<stack>.yaml for a new site from Pulumi.prod.yaml (the example): the domain, the",
    "Vercel project name derived from it, generic key pages. Lists every required key and what to run",
    "next. Refuses to overwrite an existing stack file.",
    "",
    "  --stack <stack>    the new stack (letters, digits, . _ -)",
    "  --domain <apex>    the site's apex, e.g. example.com (www.<apex> serves, the apex redirects)",
    "  --dir <dir>        the Pulumi project (default: this program's directory)",
].join("\n");

/** Pulumi.prod.yaml of the project, or of this program when the project has none. */
function exampleFile(dir: string): string {
    const own = path.join(dir, "Pulumi.prod.yaml");
    return fs.existsSync(own) ? own : path.join(PROGRAM_DIR, "Pulumi.prod.yaml");
}

export async function main(argv: string[], deps: Pick<GuidedDeps, "out" | "err"> = DEFAULT_DEPS): Promise<number> {
    const args = parseGuidedArgs(argv, ["--stack", "--domain", "--dir"]);
    if ("help" in args) {
        deps.out(USAGE);
        return 0;
    }
    const fail = (message: string) => {
        deps.err(`golive init: ${message}\n\n${USAGE}`);
        return 2;
    };
    if ("error" in args) return fail(args.error);
    if (args.domain === undefined) return fail("--domain is required: the apex of the site, e.g. --domain example.com");
    let domain: string;
    try {
        // The program's own rule for golive:domain, so init never writes a domain `pulumi preview` refuses.
        domain = parseDomain(args.domain);
    } catch (err) {
        return fail(`--domain: ${(err as Error).message}`);
    }
    if (!fs.existsSync(path.join(args.dir, "Pulumi.yaml"))) return fail(`--dir ${args.dir} is not the Pulumi project (no Pulumi.yaml)`);
    const file = path.join(args.dir, `Pulumi.${args.stack}.yaml`);
    const text = renderNewStackFile({ stack: args.stack, domain, exampleText: fs.readFileSync(exampleFile(args.dir), "utf8") });
    try {
        fs.writeFileSync(file, text, { flag: "wx" });
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
            deps.err(`golive init: refused: ${file} already exists; it is not overwritten (choose another --stack, or edit it)`);
            return 1;
        }
        throw err;
    }
    const keys = requiredKeys(args.stack, domain);
    const width = Math.max(...keys.map((k) => k.key.length));
    deps.out(`Wrote ${file}: ${domain} (www.${domain} serves), from ${path.basename(exampleFile(args.dir))} as the example.`);
    deps.out("\nRequired keys, by phase:");
    for (const phase of ["adopt", "prepare", "cutover"] as const) {
        deps.out(`  ${phase}:`);
        for (const k of keys.filter((x) => x.phase === phase)) deps.out(`    ${k.key.padEnd(width)}  ${k.secret ? "(secret) " : ""}${k.what}\n    ${"".padEnd(width)}  ${k.how}`);
    }
    // `npx golive`: what a user can type in the project after `npm ci` (no global `golive` on PATH).
    deps.out(
        [
            "",
            "Next (in " + args.dir + "):",
            `  1. export PULUMI_CONFIG_PASSPHRASE_FILE=<this client's passphrase file>   (one per client: README "1. Set up the real stack")`,
            `     pulumi stack init ${args.stack}            (keeps the file, adds its encryption salt)`,
            "  2. set the adopt keys above; the key pages one by one, and the variable names in golive:envVars:",
            `     pulumi config set --path 'golive:checks.pages[1].path' /<page> --stack ${args.stack}`,
            `  3. npx golive adopt --stack ${args.stack}         (48 h before H: imports the records serving today)`,
            `  4. npx golive prepare --stack ${args.stack}       (at least one old TTL before H)`,
            `  5. npx golive cutover --stack ${args.stack}       (at H)`,
            `  npx golive status --stack ${args.stack} shows where the go-live stands.`,
        ].join("\n"),
    );
    return 0;
}
