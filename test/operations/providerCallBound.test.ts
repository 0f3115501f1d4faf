// golive bounds a hung provider call itself (issue 23 item 5): the bound's setting, which call
// passed it, and the cancel it starts (the first Ctrl-C's, naming the call). No real waiting.
import { strict as assert } from "assert";
import { Interrupt } from "../../operations/interrupt";
import { hungCall, isProviderCall } from "../../operations/applyWithProgress";
import { DEFAULT_PROVIDER_CALL_MS, providerCallBoundMsOf } from "../../operations/runFrame";

describe("golive's bound on a hung provider call", () => {
    it("GOLIVE_PROVIDER_CALL_SECONDS: 600 s by default; whole seconds from 5 to 7200, else an error naming it", () => {
        assert.equal(DEFAULT_PROVIDER_CALL_MS, 600_000);
        assert.equal(providerCallBoundMsOf({}), 600_000);
        assert.equal(providerCallBoundMsOf({ GOLIVE_PROVIDER_CALL_SECONDS: "45" }), 45_000);
        for (const bad of ["0", "4", "7201", "1.5", "ten", "-30"]) {
            assert.throws(() => providerCallBoundMsOf({ GOLIVE_PROVIDER_CALL_SECONDS: bad }), /^Error: GOLIVE_PROVIDER_CALL_SECONDS must be a whole number of seconds from 5 to 7200 .*got "/, bad);
        }
    });

    it("the hung call is the oldest Cloudflare or Vercel operation in flight past the bound; golive's own checks and finished steps are not", () => {
        const steps = [
            { label: "MEP-06 DNS record dns-apex", op: "update", type: "cloudflare:index/dnsRecord:DnsRecord", startedAt: 1_000, endedAt: 2_000 },
            { label: "MEP-08 check", op: "create", type: "golive:checks:TlsCheck", startedAt: 0 },
            { label: "MEP-06 DNS record dns-www", op: "update", type: "cloudflare:index/dnsRecord:DnsRecord", startedAt: 3_000 },
            { label: "MEP-04 deployment", op: "create", type: "vercel:index/deployment:Deployment", startedAt: 5_000 },
        ];
        assert.equal(isProviderCall("golive:checks:TlsCheck"), false);
        assert.equal(hungCall(steps, 12_999, 10_000), undefined);
        assert.equal(hungCall(steps, 13_000, 10_000)?.label, "MEP-06 DNS record dns-www");
        assert.equal(hungCall(steps.slice(3), 16_000, 10_000)?.label, "MEP-04 deployment");
    });

    it("the cancel it starts is the first Ctrl-C's (aborts the engine calls, then at once after the wait), recorded by what hung", () => {
        const lines: string[] = [];
        let stops = 0;
        const i = new Interrupt({ err: (l) => lines.push(l), cancelWaitMs: 8_000, stopNow: async () => void stops++, recoverCommand: "golive recover --stack prod", onSignal: () => () => undefined }).install();
        i.cancel("no answer: update MEP-06 DNS record dns-www", "no answer from Cloudflare for update MEP-06 DNS record dns-www after 600 s (GOLIVE_PROVIDER_CALL_SECONDS)");
        assert.equal(i.signal.aborted, true);
        assert.equal(i.state, "cancelling");
        assert.equal(i.by, "no answer: update MEP-06 DNS record dns-www");
        assert.match(lines.join("\n"), /^\nno answer from Cloudflare for update MEP-06 DNS record dns-www after 600 s \(GOLIVE_PROVIDER_CALL_SECONDS\): stopping cleanly — .* \(up to 8 s\)/);
        i.cancel("again", "again");
        assert.equal(i.by, "no answer: update MEP-06 DNS record dns-www", "a second cancel changes nothing");
        assert.equal(stops, 0);
        i.uninstall();
    });
});
