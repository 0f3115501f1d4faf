import { strict as assert } from "assert";
import { format, inspect } from "util";
import { readOutputs, type GuidedStack } from "../../operations/engineStack";
import { SECRET_TEXT, SecretOutput } from "../../operations/secretOutput";

// The Automation API hands every output in clear with a `secret` flag (`stack output --show-secrets`).
describe("operations/secretOutput: secret stack outputs stay secret when read back", () => {
    const CANARY = "canary-secret-output-8e1f";
    const gs = { stack: { outputs: async () => ({ zone: { value: { name: "kaliabeautystudio.com" }, secret: false }, webhook: { value: { url: `https://hooks.example/${CANARY}` }, secret: true } }) } } as unknown as GuidedStack;

    it("readOutputs keeps the plain ones as values and the secret one as a SecretOutput", async () => {
        const outputs = await readOutputs(gs);
        assert.deepEqual(outputs.zone, { name: "kaliabeautystudio.com" });
        assert.ok(outputs.webhook instanceof SecretOutput);
        assert.deepEqual((outputs.webhook as SecretOutput).reveal(), { url: `https://hooks.example/${CANARY}` });
    });

    it("nothing that prints or records it shows the value: JSON, text, console formatting, spreading", async () => {
        const outputs = await readOutputs(gs);
        const shown = [JSON.stringify(outputs), `${outputs.webhook}`, String(outputs.webhook), inspect(outputs, { depth: 10 }), format("%o %O %s %j", outputs, outputs, outputs.webhook, outputs), JSON.stringify({ ...outputs }), JSON.stringify(structuredCloneSafe(outputs))];
        for (const text of shown) assert.ok(!text.includes(CANARY), text);
        assert.equal(JSON.parse(JSON.stringify(outputs)).webhook, SECRET_TEXT);
    });
});

/** A deep copy as record writers make it (Object.entries all the way down). */
function structuredCloneSafe(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(structuredCloneSafe);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, structuredCloneSafe(x)]));
    return v;
}
