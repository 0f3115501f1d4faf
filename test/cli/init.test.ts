import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { main } from "../../cli/init";
import { parseConfig } from "../../config/config";
import { parseChecksConfig } from "../../config/checksConfig";
import { requiredKeys } from "../../config/stackTemplate";
import { rawFrom } from "../program/mocks";

const REPO = path.resolve(__dirname, "..", "..");

describe("cli/init: golive init writes a new site's stack file", () => {
    let dir: string;
    const io = () => {
        const out: string[] = [];
        const err: string[] = [];
        return { out, err, deps: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
    };
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-init-"));
        fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.copyFileSync(path.join(REPO, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.prod.yaml"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("from the prod example: the domain, the derived project name, the prod's generic settings, generic key pages; nothing of the example site; the program accepts it once gitRepo is set", async () => {
        const t = io();
        assert.equal(await main(["--stack", "lumiere", "--domain", "studio-lumiere.fr", "--dir", dir], t.deps), 0, t.err.join("\n"));
        const text = fs.readFileSync(path.join(dir, "Pulumi.lumiere.yaml"), "utf8");
        assert.doesNotMatch(text, /kalia|RESEND|tarifs|mentions-legales/i);
        const cfg = (yaml.load(text) as { config: Record<string, unknown> }).config;
        const prod = (yaml.load(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, any> }).config;
        assert.equal(cfg["golive:domain"], "studio-lumiere.fr");
        assert.equal(cfg["golive:projectName"], "studio-lumiere-fr");
        assert.equal(cfg["golive:phase"], "adopt");
        for (const k of ["golive:redirectStatus", "golive:ttl", "golive:gitProvider", "golive:productionBranch"]) assert.deepEqual(cfg[k], prod[k], k);
        assert.deepEqual(cfg["golive:envVars"], []);
        assert.deepEqual(cfg["golive:checks"], { pages: [{ path: "/" }], minCertDays: prod["golive:checks"].minCertDays, dnsTimeoutSeconds: prod["golive:checks"].dnsTimeoutSeconds });
        const values = Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k.replace(/^golive:/, ""), v]));
        const parsed = parseConfig(rawFrom({ ...values, gitRepo: "studio-lumiere/site" }, []));
        assert.equal(parsed.vercel.projectName, "studio-lumiere-fr");
        parseChecksConfig(cfg["golive:checks"]);
        // Every required key listed, and what to run next.
        const out = t.out.join("\n");
        for (const k of requiredKeys("lumiere", "studio-lumiere.fr")) assert.ok(out.includes(k.key) && out.includes(k.how), k.key);
        assert.match(out, /1\. [^\n]*\n\s+pulumi stack init lumiere[\s\S]*3\. npx golive adopt --stack lumiere/);
        // Issue 18 item 8: the commands as a user can type them in the project (no global `golive`),
        // each pulumi config line on this stack, a list key by its path, one passphrase per client.
        const next = out.slice(out.indexOf("\nNext"));
        assert.doesNotMatch(next, /(?<!npx )\bgolive (adopt|prepare|cutover|status)/, "bare `golive` is not on PATH after npm ci");
        for (const phase of ["adopt", "prepare", "cutover", "status"]) assert.match(next, new RegExp(`npx golive ${phase} --stack lumiere`));
        assert.match(next, /pulumi config set --path 'golive:checks\.pages\[1\]\.path' \/<page> --stack lumiere/);
        assert.match(next, /PULUMI_CONFIG_PASSPHRASE_FILE/);
    });

    it("every golive: key it lists as required is declared in Pulumi.yaml", () => {
        const declared = Object.keys((yaml.load(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> }).config);
        for (const k of requiredKeys("s", "example.com").filter((x) => x.key.startsWith("golive:"))) assert.ok(declared.includes(k.key.slice(7).split(".")[0]), k.key);
    });

    it("refuses to overwrite an existing stack file (exit 1, file unchanged)", async () => {
        const file = path.join(dir, "Pulumi.lumiere.yaml");
        fs.writeFileSync(file, "config: {}\n");
        const t = io();
        assert.equal(await main(["--stack", "lumiere", "--domain", "studio-lumiere.fr", "--dir", dir], t.deps), 1);
        assert.match(t.err.join("\n"), /refused: .*Pulumi\.lumiere\.yaml already exists; it is not overwritten/);
        assert.equal(fs.readFileSync(file, "utf8"), "config: {}\n");
    });

    it("bad usage: the domain is judged by config/config's own rule; missing or unknown options; exit 2, nothing written", async () => {
        const cases: Array<[string[], RegExp]> = [
            [["--stack", "x", "--domain", "www.example.com"], /--domain: golive:domain must be the apex \(e\.g\. example\.com\), not the www name: got www\.example\.com/],
            [["--stack", "x", "--domain", "https://example.com/"], /--domain: golive:domain must be a bare domain name without scheme or path/],
            [["--stack", "x", "--domain", "Example.com"], /--domain: golive:domain must be lower case/],
            [["--stack", "x"], /--domain is required/],
            [["--domain", "example.com"], /--stack is required/],
            [["--stack", "x", "--domain", "example.com", "--yes"], /unknown option --yes/],
            [["--stack", "../x", "--domain", "example.com"], /--stack must be a stack name like prod/],
        ];
        for (const [argv, re] of cases) {
            const t = io();
            assert.equal(await main([...argv, "--dir", dir], t.deps), 2, argv.join(" "));
            assert.match(t.err.join("\n"), re);
            assert.match(t.err.join("\n"), /usage: golive init --stack <stack> --domain <domain>/);
        }
        assert.deepEqual(fs.readdirSync(dir).sort(), ["Pulumi.prod.yaml", "Pulumi.yaml"]);
    });
});
