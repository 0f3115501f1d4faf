// operations/stackReads: a guided command's reads of one stack, each made once per change of the
// files it reads (a file backend's checkpoint and history; the stack file), asked again after any
// change, by anyone; every time on another backend.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { backendUrlOf, keepStateRead, readOfConfig, readOfState } from "../../operations/stackReads";

describe("operations/stackReads: each read once per change of what it reads", () => {
    let root: string;
    let project: string;
    let whoAmIs: number;
    const stackOf = (url: string, name = "prod"): Stack =>
        ({
            name,
            workspace: {
                workDir: project,
                whoAmI: async () => (whoAmIs++, { user: "u", url }),
                projectSettings: async () => ({ name: "golive", runtime: "nodejs" }),
            },
        }) as unknown as Stack;
    const checkpoint = () => path.join(root, ".pulumi", "stacks", "golive", "prod.json");
    const counter = () => {
        const c = { n: 0, read: async () => ++c.n };
        return c;
    };

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "golive-reads-"));
        project = path.join(root, "project");
        fs.mkdirSync(path.dirname(checkpoint()), { recursive: true });
        fs.mkdirSync(project);
        fs.writeFileSync(checkpoint(), '{"version":3}');
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: golive\n");
        fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), "config: {}\n");
        whoAmIs = 0;
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("a file backend: the same answer while the checkpoint is unchanged; asked again once anyone rewrites it", async () => {
        const stack = stackOf(`file://${root}`);
        const c = counter();
        assert.equal(await readOfState(stack, "outputs", c.read), 1);
        assert.equal(await readOfState(stack, "outputs", c.read), 1);
        assert.equal(c.n, 1);
        fs.writeFileSync(checkpoint(), '{"version":3,"checkpoint":{}}');
        assert.equal(await readOfState(stack, "outputs", c.read), 2);
        // A new entry in the stack's history folder (an update ended) is a change too.
        fs.mkdirSync(path.join(root, ".pulumi", "history", "golive", "prod"), { recursive: true });
        assert.equal(await readOfState(stack, "outputs", c.read), 3);
        assert.equal(whoAmIs, 1, "the backend asked once per opened stack");
        assert.equal(await backendUrlOf(stack), `file://${root}`);
    });

    it("each kind of read is its own, and each opened stack its own", async () => {
        const stack = stackOf(`file://${root}`);
        const [a, b] = [counter(), counter()];
        await readOfState(stack, "outputs", a.read);
        await readOfState(stack, "history:10", b.read);
        await readOfState(stackOf(`file://${root}`), "outputs", a.read);
        assert.deepEqual([a.n, b.n], [2, 1]);
    });

    it("another backend, a layout it does not know, or no answer from whoami: read every time", async () => {
        for (const stack of [stackOf("https://api.pulumi.com"), stackOf(`file://${root}`, "staging"), { ...stackOf("x"), workspace: { whoAmI: async () => Promise.reject(new Error("no")) } } as unknown as Stack]) {
            const c = counter();
            await readOfState(stack, "outputs", c.read);
            await readOfState(stack, "outputs", c.read);
            assert.equal(c.n, 2);
        }
    });

    it("a failed read is not kept: the next one asks again", async () => {
        const stack = stackOf(`file://${root}`);
        let n = 0;
        const read = async () => {
            if (++n === 1) throw new Error("engine busy");
            return n;
        };
        await assert.rejects(readOfState(stack, "export", read), /engine busy/);
        assert.equal(await readOfState(stack, "export", read), 2);
        assert.equal(await readOfState(stack, "export", read), 2);
    });

    it("the config: once per version of the stack file and Pulumi.yaml", async () => {
        const stack = stackOf(`file://${root}`);
        const c = counter();
        await readOfConfig(stack, "all", c.read);
        await readOfConfig(stack, "all", c.read);
        assert.equal(c.n, 1);
        fs.writeFileSync(path.join(project, "Pulumi.prod.yaml"), "config:\n  golive:phase: prepare\n");
        await readOfConfig(stack, "all", c.read);
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: golive\ndescription: x\n");
        await readOfConfig(stack, "all", c.read);
        assert.equal(c.n, 3);
        assert.equal(whoAmIs, 0, "the config's stamp needs no backend");
    });

    it("what an update just read is the next read's answer, until the checkpoint changes", async () => {
        const stack = stackOf(`file://${root}`);
        await keepStateRead(stack, "outputs", "from the up");
        const c = counter();
        assert.equal(await readOfState(stack, "outputs", c.read), "from the up");
        fs.writeFileSync(checkpoint(), '{"version":3,"changed":true}');
        assert.equal(await readOfState(stack, "outputs", c.read), 1);
    });
});
