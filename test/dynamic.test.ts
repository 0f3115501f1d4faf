import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { CheckResource, checkProvider } from "../checks/dynamic";
import { httpRequest } from "../checks/net";
import type { CheckResult, NetOptions } from "../checks/types";
import { providerOf } from "./helpers/engine";

// A minimal check that goes through checks/net, so the whole network module is serialized.
async function checkStatus(input: { url: string; net: NetOptions; want: number }): Promise<CheckResult> {
    const res = await httpRequest(input.url, input.net);
    return {
        id: "MEP-09",
        name: "Status",
        status: res.status === input.want ? "pass" : "fail",
        reason: `answered ${res.status}`,
        evidence: { status: res.status },
        durationMs: res.elapsedMs,
    };
}

describe("checks/dynamic: a check as the engine runs it", () => {
    let server: http.Server;
    let url: string;
    before(async () => {
        server = http.createServer((req, res) => res.writeHead(req.url === "/ok" ? 200 : 500).end("x"));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    it("serializes, creates, diffs and updates through the __provider string", async () => {
        const { provider, inputs, serialized } = await providerOf(
            () => new CheckResource(checkProvider(checkStatus), "Status", "status", { url: `${url}/ok`, net: {}, want: 200 }),
        );
        assert.match(serialized, /exports\.handler/);
        const { __provider, ...plain } = inputs;
        const created = await provider.create(inputs);
        assert.equal(created.outs.result.status, "pass");
        assert.equal(created.outs.__provider, undefined);
        assert.deepEqual((await provider.diff(created.id, created.outs, plain)), { changes: false });
        const news = { ...plain, url: `${url}/boom` };
        assert.deepEqual((await provider.diff(created.id, created.outs, news)), { changes: true });
        await assert.rejects(provider.update(created.id, created.outs, news), /MEP-09 Status failed: answered 500/);
    });
});
