import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { commitToTag, ReleaseSteps } from "../../components/releaseSteps";
import type { CheckResult } from "../../checks/types";
import type { ChecklistLine } from "../../program/report";
import { parseReleaseConfig } from "../../config/releaseConfig";
import { r, RESULTS } from "../fixtures/checkResults";

const SHA = "d".repeat(40);
const passing: CheckResult[] = RESULTS.filter((x) => x.status !== "fail");
const unwrap = <T>(o: pulumi.Output<T>) => new Promise<T>((res) => o.apply(res));
const byId = (lines: ChecklistLine[], id: string) => lines.find((l) => l.id === id)!;

interface Reg {
    type: string;
    name: string;
    inputs: any;
}

describe("components/releaseSteps: MEP-01, MEP-17, MEP-18 and the checklist under mocks", () => {
    let registered: Reg[] = [];
    before(() => {
        pulumi.runtime.setMocks(
            {
                newResource(args) {
                    registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                    if (args.type === "command:local:Command") {
                        return { id: `${args.name}-id`, state: { ...args.inputs, stdout: `created: ${args.inputs.environment.TAG} on ${SHA}\npushed: x to origin\n` } };
                    }
                    if (args.type.startsWith("pulumi-nodejs:dynamic")) {
                        // What the notification provider returns on a 2xx (the provider itself is tested in notify.test.ts).
                        const stage = args.name.endsWith("-start") ? "start" : "end";
                        const result = r(stage === "start" ? "MEP-01" : "MEP-17", stage === "start" ? "Start notification" : "End notification", "pass", "message posted to the webhook on hooks.example (HTTP 200)", { at: "2026-05-02T08:00:00Z" });
                        return { id: `${args.name}-id`, state: { ...args.inputs, result } };
                    }
                    return { id: `${args.name}-id`, state: args.inputs };
                },
                call(args) {
                    throw new Error(`unexpected invoke ${args.token}`);
                },
            },
            "golive",
            "test",
            false,
        );
    });
    beforeEach(() => (registered = []));

    const configured = () =>
        parseReleaseConfig({
            get: (key) =>
                ({
                    notify: JSON.stringify({ webhookUrl: "https://hooks.example/services/T/B/s3cr3t" }),
                    release: JSON.stringify({ tag: "v1.0.0", repoPath: "/src/site", remote: "origin" }),
                })[key],
            isSecret: (key) => key === "notify",
        });

    it("at cutover: start and end messages, the tag after the checks, and a checklist with all of it", async () => {
        const steps = new ReleaseSteps("release", {
            phase: "cutover",
            domain: "example.com",
            siteUrl: "https://www.example.com/",
            releaseRef: SHA,
            deploymentUrl: "https://example-abc.vercel.app",
            checks: passing,
            config: configured(),
            facts: { approval: { by: "Client", at: "2026-05-01" }, deploymentId: "dpl_1", zone: { name: "example.com", status: "active" } },
        });
        const lines = await unwrap(steps.checklist);
        const dynamic = registered.filter((x) => x.type === "pulumi-nodejs:dynamic/golive:Notification");
        assert.deepEqual(dynamic.map((x) => x.name).sort(), ["release-end", "release-start"]);
        const end = dynamic.find((x) => x.name === "release-end")!;
        // The input holding the webhook URL is registered as a secret.
        assert.equal(end.inputs.input["4dabf18193072939515e22adb298388d"], "1b47061264138c4ac30d75fd1eb44270");
        assert.equal(end.inputs.input.value.stage, "end");
        assert.equal(end.inputs.input.value.results.length, passing.length);
        assert.ok(!String(end.inputs.__provider).includes("s3cr3t"), "the provider does not capture the URL");
        const cmd = registered.find((x) => x.type === "command:local:Command")!;
        assert.equal(cmd.inputs.environment.TAG, "v1.0.0");
        assert.equal(cmd.inputs.environment.COMMIT, SHA);
        assert.equal(cmd.inputs.environment.MESSAGE, "Mise en production v1.0.0 (example.com)");
        assert.ok(registered.some((x) => x.type === "golive:release:Steps"));

        assert.equal(lines.length, 29);
        assert.equal(byId(lines, "MEP-01").status, "done");
        assert.equal(byId(lines, "MEP-17").status, "done");
        assert.equal(byId(lines, "MEP-18").status, "done");
        assert.match(byId(lines, "MEP-18").evidence, new RegExp(`tag v1\\.0\\.0 on ${SHA}, pushed to origin`));
        assert.equal(byId(lines, "MEP-07").status, "checked OK");
        assert.equal(byId(lines, "P-01").status, "done");
        assert.ok(!JSON.stringify(lines).includes("s3cr3t"));
    });

    it("without webhook or release config: no notification, no tag, both listed as manual", async () => {
        const steps = new ReleaseSteps("bare", { phase: "cutover", domain: "example.com", siteUrl: "https://www.example.com/", releaseRef: SHA, checks: passing, config: {} });
        const lines = await unwrap(steps.checklist);
        assert.equal(registered.filter((x) => x.type === "pulumi-nodejs:dynamic/golive:Notification" || x.type === "command:local:Command").length, 0);
        assert.equal(byId(lines, "MEP-01").status, "manual");
        assert.equal(byId(lines, "MEP-17").status, "manual");
        assert.equal(byId(lines, "MEP-18").status, "manual");
        assert.match(byId(lines, "MEP-18").evidence, /golive:release\.tag/);
    });

    it("before cutover: nothing is sent or tagged, the steps are pending", async () => {
        const steps = new ReleaseSteps("early", { phase: "prepare", domain: "example.com", siteUrl: "https://www.example.com/", releaseRef: SHA, checks: [], config: configured() });
        const lines = await unwrap(steps.checklist);
        assert.equal(registered.filter((x) => x.type === "pulumi-nodejs:dynamic/golive:Notification" || x.type === "command:local:Command").length, 0);
        assert.equal(byId(lines, "MEP-01").status, "pending");
        assert.equal(byId(lines, "MEP-18").status, "pending");
        assert.equal(byId(lines, "MEP-07").status, "pending");
    });

    it("never tags after a failed check", () => {
        assert.equal(commitToTag(SHA, passing), SHA);
        assert.throws(() => commitToTag(SHA, RESULTS), /MEP-18: not tagging the release, checks failed: MEP-10/);
    });
});

describe("config/releaseConfig: golive:notify and golive:release", () => {
    const parse = (values: Record<string, unknown>, secret: string[] = ["notify"]) =>
        parseReleaseConfig({ get: (key) => (values[key] === undefined ? undefined : JSON.stringify(values[key])), isSecret: (key) => secret.includes(key) });

    it("is empty without config", () => {
        assert.deepEqual(parse({}), {});
    });

    it("keeps the webhook URL as a secret Output", async () => {
        const cfg = parse({ notify: { webhookUrl: "https://hooks.example/services/T/B/x" } });
        assert.ok(pulumi.Output.isInstance(cfg.notify!.webhookUrl));
        assert.equal(await (cfg.notify!.webhookUrl as any).isSecret, true);
    });

    it("refuses a webhook URL stored in clear, not https, or unknown fields, without printing it", () => {
        assert.throws(() => parse({ notify: { webhookUrl: "https://hooks.example/services/T/B/s3cr3t" } }, []), (e: Error) => /golive:notify\.webhookUrl must be set with --secret/.test(e.message) && !e.message.includes("s3cr3t"));
        assert.throws(() => parse({ notify: { webhookUrl: "http://hooks.example/s3cr3t" } }), (e: Error) => /must be an https:\/\/ URL/.test(e.message) && !e.message.includes("s3cr3t"));
        assert.throws(() => parse({ notify: { webhookUrl: "not a url s3cr3t" } }), (e: Error) => /is not a valid URL$/.test(e.message));
        assert.throws(() => parse({ notify: { url: "x" } }), /golive:notify only knows webhookUrl, got url/);
        assert.doesNotThrow(() => parse({ notify: { webhookUrl: "http://127.0.0.1:8080/hook" } }), "loopback receivers (rehearsal) may be plain http");
    });

    it("validates the release tag and where to push it", () => {
        assert.deepEqual(parse({ release: { tag: "v1.0.0", repoPath: "/src/site", remote: "origin" } }).release, { tag: "v1.0.0", repoPath: "/src/site", remote: "origin" });
        assert.deepEqual(parse({ release: { tag: "v1.1.0-rc.1", remote: "git@github.com:acme/site.git" } }).release, { tag: "v1.1.0-rc.1", remote: "git@github.com:acme/site.git" });
        assert.throws(() => parse({ release: { tag: "1.0.0", repoPath: "/x" } }), /golive:release\.tag must look like v1\.0\.0 .*got "1\.0\.0"/);
        assert.throws(() => parse({ release: { repoPath: "/x" } }), /golive:release\.tag is required/);
        assert.throws(() => parse({ release: { tag: "v1.0.0" } }), /golive:release\.repoPath or golive:release\.remote is required/);
        assert.throws(() => parse({ release: { tag: "v1.0.0", remote: "https://user:tok@github.com/acme/site.git" } }), /must not embed credentials/);
        assert.throws(() => parse({ release: { tag: "v1.0.0", remote: "origin", branch: "main" } }), /golive:release only knows tag, repoPath, remote, message, got branch/);
    });

    // Issue 9 item 1: values that reach git are refused at preview, each with the key it came from.
    it("refuses every value git or ssh could read as an option or a command", () => {
        const refused: Array<[string, Record<string, unknown>, RegExp]> = [
            ["remote", { remote: "--upload-pack=id > /tmp/x; git-upload-pack" }, /golive:release\.remote must not start with '-'/],
            ["remote", { remote: " --upload-pack=id" }, /golive:release\.remote must not start with '-'/],
            ["remote", { remote: "ext::sh -c id" }, /golive:release\.remote must not contain spaces|remote helper/],
            ["remote", { remote: "ext::sh%20-c%20id" }, /golive:release\.remote must not name a git remote helper/],
            ["remote", { remote: "fd::3" }, /golive:release\.remote must not name a git remote helper/],
            ["remote", { remote: "ssh://-oProxyCommand=id/x" }, /golive:release\.remote has a host starting with '-'/],
            ["remote", { remote: "git@-oProxyCommand=id:x" }, /golive:release\.remote has a host starting with '-'/],
            ["remote", { remote: "origin$(id)" }, /golive:release\.remote must not contain shell characters/],
            ["remote", { remote: "origin;id" }, /golive:release\.remote must not contain shell characters/],
            ["remote", { remote: "origin`id`" }, /golive:release\.remote must not contain shell characters/],
            ["remote", { remote: "origin\nid" }, /golive:release\.remote must not contain control characters/],
            ["repoPath", { repoPath: "--git-dir=/tmp" }, /golive:release\.repoPath must not start with '-'/],
            ["repoPath", { repoPath: "/src/site\n--help" }, /golive:release\.repoPath must not contain control characters/],
            ["tag", { tag: "v1.0.0-..", remote: "origin" }, /golive:release\.tag is not a tag name git accepts: it must not contain '\.\.'/],
            ["tag", { tag: "v1.0.0-rc.lock", remote: "origin" }, /golive:release\.tag is not a tag name git accepts: it must not have a part ending with '\.lock'/],
        ];
        for (const [, fields, message] of refused) {
            const release = { tag: "v1.0.0", remote: "origin", ...fields };
            assert.throws(() => parse({ release }), message, JSON.stringify(fields));
        }
        // Ordinary remotes still pass.
        for (const remote of ["origin", "https://github.com/acme/site.git", "ssh://git@github.com/acme/site.git", "git@github.com:acme/site.git", "/srv/git/site.git", "../site.git"]) {
            assert.doesNotThrow(() => parse({ release: { tag: "v1.0.0", remote } }), remote);
        }
        // The message is data: git receives it as the value of -m, never as code.
        assert.doesNotThrow(() => parse({ release: { tag: "v1.0.0", remote: "origin", message: "MEP `id` $(id); done" } }));
    });
});
