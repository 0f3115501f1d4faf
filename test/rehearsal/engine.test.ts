import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import { MockEngine } from "../../rehearsal/engine";
import { CheckResource, checkProvider } from "../../checks/dynamic";
import type { CheckResult } from "../../checks/types";

// A stand-in program: one record and a check on its content, with the real type tokens.
async function checkContent(input: { content: string; want: string }): Promise<CheckResult> {
    const ok = input.content === input.want;
    return { id: "MEP-07", name: "Content", status: ok ? "pass" : "fail", reason: `record is ${input.content}`, evidence: {}, durationMs: 0 };
}

function program(content: string, want: string) {
    return async () => {
        const record = new cloudflare.DnsRecord("dns-www", { zoneId: "z", name: "www.example.com", type: "A", content, ttl: 60 });
        const check = new CheckResource(checkProvider(checkContent), "Content", "check-content", { content: record.content, want } as never);
        return { phase: new pulumi.Config("golive").get("phase"), result: check.result };
    };
}

describe("rehearsal/engine: steps across phases like the engine's state", () => {
    it("creates, then updates in place or keeps the same, and runs the serialized check for real", async () => {
        const calls: string[] = [];
        const engine = new MockEngine({
            resources: { "cloudflare:index/dnsRecord:DnsRecord": async (req) => void calls.push(`${req.op} ${req.inputs.content}`) },
        });
        const one = await engine.up("one", { "golive:phase": "one" }, program("192.0.2.1", "192.0.2.1"));
        assert.equal(one.ok, true, one.errors.join("\n"));
        assert.deepEqual(one.steps.map((s) => `${s.op} ${s.name}`), ["create dns-www", "create check-content"]);
        assert.equal((one.outputs as any).phase, "one");
        assert.equal((one.outputs as any).result.status, "pass");
        const id = engine.state.get("cloudflare:index/dnsRecord:DnsRecord::dns-www")!.id;

        const same = await engine.up("same", { "golive:phase": "same" }, program("192.0.2.1", "192.0.2.1"));
        assert.deepEqual(same.steps.map((s) => `${s.op} ${s.name}`), ["same dns-www", "same check-content"]);

        // A failing check fails the phase, like `pulumi up`, with the check's plan ID and reason.
        const bad = await engine.up("bad", { "golive:phase": "bad" }, program("192.0.2.2", "192.0.2.1"));
        assert.equal(bad.ok, false);
        assert.deepEqual(bad.steps.map((s) => `${s.op} ${s.name} ${s.ok}`), ["update dns-www true", "update check-content false"]);
        assert.match(bad.errors.join("\n"), /MEP-07 Content failed: record is 192\.0\.2\.2/);
        assert.equal(engine.state.get("cloudflare:index/dnsRecord:DnsRecord::dns-www")!.id, id, "updated in place: same id");
        assert.deepEqual(calls, ["create 192.0.2.1", "update 192.0.2.2"]);
    });

    it("deletes what the program no longer declares, and refuses unknown invokes", async () => {
        const deleted: string[] = [];
        const engine = new MockEngine({
            resources: { "cloudflare:index/dnsRecord:DnsRecord": async (req) => void (req.op === "delete" && deleted.push(req.name)) },
        });
        await engine.up("one", {}, async () => {
            new cloudflare.DnsRecord("a", { zoneId: "z", name: "a.example.com", type: "A", content: "192.0.2.1", ttl: 60 });
            new cloudflare.DnsRecord("b", { zoneId: "z", name: "b.example.com", type: "A", content: "192.0.2.1", ttl: 60 });
        });
        const two = await engine.up("two", {}, async () => {
            new cloudflare.DnsRecord("a", { zoneId: "z", name: "a.example.com", type: "A", content: "192.0.2.1", ttl: 60 });
        });
        assert.deepEqual(two.steps.map((s) => `${s.op} ${s.name}`), ["same a", "delete b"]);
        assert.deepEqual(deleted, ["b"]);
        const three = await engine.up("three", {}, async () => {
            await cloudflare.getZone({ filter: { name: "example.com" } });
        });
        assert.equal(three.ok, false);
        assert.match(three.errors.join("\n"), /unexpected invoke cloudflare:index\/getZone:getZone/);
    });
});
