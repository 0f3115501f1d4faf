import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PostDeployChecks } from "../../components/postDeployChecks";
import { loadProvider } from "../helpers/engine";

interface Registration {
    type: string;
    name: string;
    urn: string;
    parent: string;
    inputs: Record<string, any>;
    dependencies: string[];
}

const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/** Mocks that record every registration with its parent and dependencies (setMocks is global). */
function recordWithDependencies(): Registration[] {
    const registered: Registration[] = [];
    pulumi.runtime.setMocks(
        {
            newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, result: { id: "MEP-07", status: "pass", name: args.name } } }),
            call: (args) => {
                throw new Error(`unexpected invoke ${args.token}`);
            },
        },
        "golive",
        "test",
        false,
    );
    // The mock monitor sees the wire request, dependencies included; record them on the way in.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const { deserializeProperties } = require("@pulumi/pulumi/runtime/rpc");
        registered.push({
            type: req.getType(),
            name: req.getName(),
            urn: "",
            parent: req.getParent(),
            inputs: req.getObject() ? deserializeProperties(req.getObject()) : {},
            dependencies: req.getDependenciesList(),
        });
        return original(req, (err: unknown, res: any) => {
            if (res) registered.find((r) => r.name === req.getName())!.urn = res.getUrn();
            cb(err, res);
        });
    };
    return registered;
}

describe("components/postDeployChecks: the checks as resources", () => {
    let registered: Registration[];
    let component: PostDeployChecks;
    before(async () => {
        registered = recordWithDependencies();
        const apexIp = pulumi.output("216.198.79.1"); // as the DNS records component would give it
        component = new PostDeployChecks("golive", {
            settings: {
                domain: "example.com",
                pages: [{ path: "/" }, { path: "/tarifs", expectText: "65 €" }],
                expected: { apex: [apexIp], www: ["cname.vercel-dns.com"] },
                pageBudgetMs: 2_000,
                minCertDays: 21,
            },
            net: { timeoutMs: 5_000 },
            triggers: { deployment: pulumi.output("dpl_123"), apex: apexIp },
            nonce: "1",
        });
        await unwrap(component.urn);
        await unwrap(component.results);
    });

    const byName = (suffix: string) => registered.find((r) => r.name === `golive-${suffix}`)!;
    const SUFFIXES = ["mep07-dns", "mep08-tls", "mep09-https", "mep10-redirects", "mep11-smoke", "mep14-seo"];

    it("creates the component and one check resource per check, as its children", () => {
        const comp = registered.find((r) => r.type === "golive:checks:PostDeploy");
        assert.ok(comp, "component registered");
        const children = registered.filter((r) => r !== comp);
        assert.deepEqual(children.map((r) => r.name).sort(), SUFFIXES.map((s) => `golive-${s}`).sort());
        for (const c of children) {
            assert.equal(c.parent, comp!.urn, `${c.name} parent`);
            assert.match(c.type, /dynamic/);
            assert.equal(typeof c.inputs.__provider, "string");
        }
    });

    it("runs TLS after DNS propagation, and HTTPS, redirects, smoke and SEO once the certificate is valid, independent of each other", () => {
        const dns = byName("mep07-dns");
        const tls = byName("mep08-tls");
        assert.deepEqual(dns.dependencies, []);
        assert.deepEqual(tls.dependencies, [dns.urn], "MEP-08 waits for DNS only");
        for (const s of SUFFIXES.slice(2)) {
            assert.deepEqual(byName(s).dependencies.slice().sort(), [dns.urn, tls.urn].sort(), `${s} waits for DNS and the certificate`);
        }
    });

    it("gives each check its input from the settings, with the triggers and nonce", () => {
        assert.deepEqual(byName("mep07-dns").inputs.input, { domain: "example.com", expected: { apex: ["216.198.79.1"], www: ["cname.vercel-dns.com"] } });
        assert.deepEqual(byName("mep08-tls").inputs.input, { hosts: ["example.com", "www.example.com"], minDaysLeft: 21 });
        assert.deepEqual(byName("mep09-https").inputs.input, { url: "https://www.example.com/" });
        assert.deepEqual(byName("mep10-redirects").inputs.input, { domain: "example.com" });
        assert.deepEqual(byName("mep11-smoke").inputs.input, {
            baseUrl: "https://www.example.com",
            pages: [{ path: "/" }, { path: "/tarifs", expectText: "65 €" }],
            budgetMs: 2_000,
        });
        assert.deepEqual(byName("mep14-seo").inputs.input, { baseUrl: "https://www.example.com", pages: ["/", "/tarifs"] });
        for (const s of SUFFIXES) {
            const r = byName(s);
            assert.deepEqual(r.inputs.triggers, { deployment: "dpl_123", apex: "216.198.79.1" }, s);
            assert.equal(r.inputs.nonce, "1");
            assert.deepEqual(r.inputs.net, { timeoutMs: 5_000 });
        }
    });

    it("serializes providers the engine can load, and exposes the results in plan order", async () => {
        for (const s of SUFFIXES) {
            const provider = loadProvider(byName(s).inputs);
            assert.equal(typeof provider.create, "function", s);
        }
        const results = await unwrap(component.results);
        assert.equal(results.length, 6);
    });
});
