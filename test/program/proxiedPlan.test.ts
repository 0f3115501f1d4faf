// The plan for proxied live records (issue 19 item 3): adopt imports them proxied with TTL 1,
// prepare leaves them exactly so (Cloudflare controls a proxied record's TTL), cutover makes them
// unproxied at Vercel with golive:ttl (MEP-06); a proxied record declared with another TTL is
// refused at preview naming the key.
import { strict as assert } from "assert";
import { ConfigError, parseConfig } from "../../config/config";
import { planSiteRecords } from "../../program/dnsPlan";
import { LIVE, prodConfig, rawFrom } from "../program/mocks";

const proxiedLive = { apex: { ...LIVE.apex, ttl: 1, proxied: true }, www: { ...LIVE.www, ttl: 1, proxied: true } };
const cfg = (phase: string, overrides: Record<string, unknown> = {}) => parseConfig(rawFrom(prodConfig(phase, { liveRecords: proxiedLive, ...overrides })));
const targets = { apexIpv4: "216.198.79.1", wwwIpv4: "216.198.79.1", wwwCname: "d1.vercel-dns-017.com" };

describe("program/dnsPlan: proxied live records", () => {
    it("adopt imports them proxied with TTL 1; prepare leaves them so; cutover is unproxied at Vercel with golive:ttl", () => {
        const [apexAdopt, wwwAdopt] = planSiteRecords(cfg("adopt"), "zone");
        assert.deepEqual([apexAdopt.spec?.proxied, apexAdopt.spec?.ttl, apexAdopt.spec?.importId], [true, 1, `zone/${LIVE.apex.id}`]);
        assert.deepEqual([wwwAdopt.spec?.proxied, wwwAdopt.spec?.ttl], [true, 1]);
        for (const p of planSiteRecords(cfg("prepare"), "zone", targets)) {
            const live = proxiedLive[p.label];
            assert.deepEqual([p.spec?.content, p.spec?.ttl, p.spec?.proxied], [live.content, 1, true], `${p.label}: nothing changes at prepare`);
        }
        for (const p of planSiteRecords(cfg("cutover"), "zone", targets)) {
            assert.deepEqual([p.spec?.proxied, p.spec?.ttl], [false, 60], `${p.label}: MEP-06 unproxied, golive:ttl`);
        }
    });

    it("refuses a proxied live record declared with a TTL other than 1, naming the key", () => {
        assert.throws(
            () => cfg("adopt", { liveRecords: { ...proxiedLive, www: { ...proxiedLive.www, ttl: 300 } } }),
            (err: Error) => err instanceof ConfigError && /^golive:liveRecords\.www\.ttl must be 1 \(automatic\) for a proxied record: .*got 300$/.test(err.message),
        );
    });
});
