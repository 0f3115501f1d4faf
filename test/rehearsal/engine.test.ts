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

// What the real engine (v3.248) does that the rehearsal must do too (../shared/reference/real-engine.md).
describe("rehearsal/engine: the real engine's import, replace and retainOnDelete rules", () => {
    const DNS = "cloudflare:index/dnsRecord:DnsRecord";
    /** A provider over a map of records by id, logging each call. */
    function recordsProvider(live: Record<string, Record<string, any>>) {
        const calls: string[] = [];
        let seq = 0;
        const handler = async (req: any) => {
            calls.push(`${req.op}${req.id ? ` ${req.id}` : ""}${req.inputs?.type ? ` ${req.inputs.type}` : ""}`);
            const id = req.id?.split("/").pop();
            if (req.op === "read") return live[id] ? { id, inputs: { ...live[id] } } : undefined;
            if (req.op === "delete") return void delete live[id];
            if (req.op === "create") {
                const newId = `new${++seq}`;
                live[newId] = { ...req.inputs };
                return { id: newId };
            }
            live[id] = { ...req.inputs };
            return { id };
        };
        return { calls, live, engine: new MockEngine({ resources: { [DNS]: handler }, replaceKeys: { [DNS]: ["type", "zoneId"] } }) };
    }
    const record = (inputs: Record<string, any>, opts: pulumi.CustomResourceOptions = {}) => async () => {
        new cloudflare.DnsRecord("dns-www", { zoneId: "z", name: "www.example.com", ttl: 60, ...inputs } as cloudflare.DnsRecordArgs, opts);
    };

    it("import reads the live record, then updates what the program declares differently (no refusal)", async () => {
        const p = recordsProvider({ r1: { zoneId: "z", name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60 } });
        const r = await p.engine.up("adopt", {}, record({ type: "A", content: "192.0.2.99" }, { import: "z/r1" }));
        assert.equal(r.ok, true, r.errors.join("\n"));
        assert.deepEqual(r.steps.map((s) => s.op), ["import", "update"]);
        assert.deepEqual(p.calls, ["read z/r1 A", "update r1 A"]);
        assert.equal(p.live.r1.content, "192.0.2.99", "the live record was changed");
        // Declared exactly as live: an import and nothing else.
        const q = recordsProvider({ r1: { zoneId: "z", name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60 } });
        const same = await q.engine.up("adopt", {}, record({ type: "A", content: "192.0.2.1" }, { import: "z/r1" }));
        assert.deepEqual(same.steps.map((s) => s.op), ["import"]);
        assert.deepEqual(q.calls, ["read z/r1 A"]);
    });

    it("import with a difference that forces a replace is an error; a missing resource too", async () => {
        const p = recordsProvider({ r1: { zoneId: "z", name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60 } });
        const r = await p.engine.up("adopt", {}, record({ type: "CNAME", content: "x.example.net" }, { import: "z/r1" }));
        assert.equal(r.ok, false);
        assert.match(r.errors.join("\n"), /previously-imported resources that still specify an ID may not be replaced.*type: "A" => "CNAME"/);
        const missing = await p.engine.up("adopt", {}, record({ type: "A", content: "192.0.2.1" }, { import: "z/nope" }));
        assert.match(missing.errors.join("\n"), /resource 'z\/nope' does not exist/);
    });

    it("replaces create-before-delete by default, delete-before-replace when asked", async () => {
        const p = recordsProvider({});
        await p.engine.up("one", {}, record({ type: "A", content: "192.0.2.1" }));
        const cbd = await p.engine.up("two", {}, record({ type: "CNAME", content: "x.example.net" }));
        assert.deepEqual(cbd.steps.map((s) => `${s.op}${s.note ? ` ${s.note}` : ""}`), ["replace", "delete replaced"]);
        assert.deepEqual(p.calls.slice(1), ["create CNAME", "delete new1 A"], "the new one first, the old one after every create and update");
        const dbr = await p.engine.up("three", {}, record({ type: "A", content: "192.0.2.2" }, { deleteBeforeReplace: true }));
        assert.deepEqual(dbr.steps.map((s) => `${s.op}${s.note ? ` ${s.note}` : ""}`), ["delete replaced", "replace delete-before-replace"]);
        assert.deepEqual(p.calls.slice(3), ["delete new2 CNAME", "create A"]);
        assert.equal(p.engine.state.get(`${DNS}::dns-www`)!.id, "new3");
    });

    it("skips the delete when the OLD state was retainOnDelete: dropping the flag in the replacing update does not help", async () => {
        const p = recordsProvider({});
        await p.engine.up("prepare", {}, record({ type: "A", content: "192.0.2.1" }, { retainOnDelete: true }));
        const r = await p.engine.up("cutover", {}, record({ type: "CNAME", content: "x.example.net" }, { deleteBeforeReplace: true }));
        assert.deepEqual(r.steps.map((s) => `${s.op}${s.note ? ` ${s.note}` : ""}`), ["delete retained", "replace delete-before-replace"]);
        assert.deepEqual(p.calls.slice(1), ["create CNAME"], "no delete call: the A is still there");
        assert.ok(p.live.new1 && p.live.new2, "both records exist (Cloudflare itself would refuse the CNAME)");
        // The next update reads the new state's flag: not retained, so a dropped resource is deleted.
        const dropped = await p.engine.up("destroy", {}, async () => undefined);
        assert.deepEqual(dropped.steps.map((s) => `${s.op}${s.note ? ` ${s.note}` : ""}`), ["delete"]);
        assert.deepEqual(p.calls.slice(2), ["delete new2 CNAME"]);
    });

    it("an import id on a resource the state has under another id is an import-replacement (retained old: no delete)", async () => {
        const p = recordsProvider({ r1: { zoneId: "z", name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60 } });
        await p.engine.up("adopt", {}, record({ type: "A", content: "192.0.2.1" }, { import: "z/r1", retainOnDelete: true }));
        const prepare = await p.engine.up("prepare", {}, record({ type: "A", content: "192.0.2.1", ttl: 300 }, { retainOnDelete: true }));
        assert.deepEqual(prepare.steps.map((s) => s.op), ["update"]);
        const again = await p.engine.up("adopt again", {}, record({ type: "A", content: "192.0.2.1", ttl: 300 }, { import: "z/r1", retainOnDelete: true }));
        assert.deepEqual(again.steps.map((s) => `${s.op}${s.note ? ` ${s.note}` : ""}`), ["import import-replacement", "delete retained"]);
        assert.ok(p.live.r1, "retained: the record the state replaced is still there");
    });

    it("preview plans without touching the resources or the state, but runs import reads and invokes", async () => {
        const p = recordsProvider({ r1: { zoneId: "z", name: "www.example.com", type: "A", content: "192.0.2.1", ttl: 60 } });
        const r = await p.engine.preview("adopt", {}, record({ type: "A", content: "192.0.2.99" }, { import: "z/r1" }));
        assert.equal(r.ok, true, r.errors.join("\n"));
        assert.deepEqual(r.steps.map((s) => `${s.op} ${s.planned}`), ["import true", "update true"]);
        assert.deepEqual(p.calls, ["read z/r1 A"]);
        assert.equal(p.live.r1.content, "192.0.2.1");
        assert.equal(p.engine.state.size, 0);
        assert.equal(p.engine.phases.length, 0);
    });
});
