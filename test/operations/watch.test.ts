import { strict as assert } from "assert";
import { r } from "../fixtures/checkResults";
import {
    cadenceOf,
    certDaysOf,
    changeOf,
    decodeMemo,
    driftChanges,
    encodeMemo,
    expectedRecordsOf,
    liveSince,
    watchedSince,
    problemsOf,
    TAG_VALUE_MAX,
    watchMessage,
    type WatchResult,
} from "../../operations/watch";
import type { UpdateEntry } from "../../operations/phaseGates";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const tls = (days: Record<string, number>) => r("MEP-08", "TLS certificate", "pass", "trusted", { minDaysLeft: 14, hosts: Object.fromEntries(Object.entries(days).map(([h, d]) => [h, { daysLeft: d }])) });
const result = (over: Partial<WatchResult> = {}): WatchResult => ({ at: "2026-12-02T10:00:00.000Z", problems: [], checks: { passed: 6, failed: 0, skipped: 0 }, drift: [], ...over });
const update = (phase: string, end: string, result = "succeeded", kind = "update"): UpdateEntry => ({ version: 0, kind, result, startTime: end, endTime: end, config: { "golive:phase": { value: phase } } });

describe("operations/watch: what golive watch counts as a problem, keeps, and tells", () => {
    it("the certificate's days left are the fewest among the hosts MEP-08 looked at; none when it saw none", () => {
        assert.equal(certDaysOf([tls({ "example.com": 80, "www.example.com": 19 })]), 19);
        assert.equal(certDaysOf([r("MEP-08", "TLS certificate", "fail", "could not be checked", { error: "ECONNREFUSED" })]), undefined);
        assert.equal(certDaysOf([]), undefined);
    });

    it("problems: each failed check by its plan ID, a certificate under 21 days (unless MEP-08 failed already), each drifted resource; a record's drift shows its values", () => {
        const failing = r("MEP-09", "HTTPS reachability", "fail", "https://www.example.com/ answered 500 (expected 200); and more");
        const p = problemsOf([failing, tls({ "www.example.com": 20 })], [{ resource: "dns-www", type: DNS, changes: [{ field: "content", from: "76.76.21.21", to: "192.0.2.9" }] }], 20);
        assert.deepEqual(p.map((x) => x.key), ["MEP-09", "cert", "drift:dns-www"]);
        assert.match(p[0].text, /^MEP-09 HTTPS reachability: https:\/\/www\.example\.com\/ answered 500 \(expected 200\) \(and 1 more problem\)$/);
        assert.match(p[1].text, /expires in 20 days \(under 21\)/);
        assert.equal(p[2].text, "DNS record dns-www drifted from what the stack holds (stack → now): content 76.76.21.21 → 192.0.2.9");
        assert.deepEqual(problemsOf([tls({ "www.example.com": 21 })], [], 21), [], "21 days is not under 21");
        assert.deepEqual(problemsOf([r("MEP-08", "TLS certificate", "fail", "expires in 3 days (< 14)")], [], 3).map((x) => x.key), ["MEP-08"], "MEP-08's own failure says it");
        assert.deepEqual(problemsOf([], null, undefined), [], "drift not checked is no problem");
    });

    it("a drifted resource other than a DNS record names its changed outputs only: their values may be secrets", () => {
        assert.deepEqual(driftChanges("vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", { value: "s3cret", key: "K" }, { value: "other", key: "K" }), [{ field: "value" }]);
        assert.deepEqual(driftChanges(DNS, { content: "a", ttl: 60, proxied: false }, { content: "a", ttl: 300, proxied: false }), [{ field: "ttl", from: "60", to: "300" }]);
    });

    it("the stack tag's value: the status, its keys and their hash, under 256 characters however many problems; read back as it was written", () => {
        const many = result({ problems: Array.from({ length: 40 }, (_, i) => ({ key: `drift:site-env-VARIABLE_NUMBER_${i}`, text: "x" })), certDays: 12 });
        const text = encodeMemo(many);
        assert.ok(text.length <= TAG_VALUE_MAX, `${text.length}`);
        const memo = decodeMemo(text)!;
        assert.equal(memo.s, "problems");
        assert.equal(memo.k.length + (memo.m ?? 0), 40);
        assert.equal(memo.d, 12);
        assert.equal(changeOf(memo, many).changed, false, "the hash covers the keys left out of the tag");
        assert.deepEqual(decodeMemo(encodeMemo(result())), { v: 1, at: "2026-12-02T10:00:00.000Z", s: "ok", k: [], h: decodeMemo(encodeMemo(result()))!.h });
        assert.equal(decodeMemo("not json"), undefined);
        assert.equal(decodeMemo('{"v":2}'), undefined);
    });

    it("a change of status: a problem appears or clears; the same problems again are no change, whatever their text; the first watch changes only with a problem (the cutover passed its checks)", () => {
        const broken = result({ problems: [{ key: "MEP-09", text: "answered 500" }] });
        const first = changeOf(undefined, broken);
        assert.deepEqual(first, { changed: true, first: true, appeared: ["MEP-09"], cleared: [] });
        assert.equal(changeOf(undefined, result()).changed, false);
        const memo = decodeMemo(encodeMemo(broken))!;
        assert.equal(changeOf(memo, result({ problems: [{ key: "MEP-09", text: "answered 502 now" }] })).changed, false);
        assert.deepEqual(changeOf(memo, result({ problems: [{ key: "MEP-09", text: "" }, { key: "cert", text: "" }] })), { changed: true, first: false, appeared: ["cert"], cleared: [] });
        assert.deepEqual(changeOf(memo, result()), { changed: true, first: false, appeared: [], cleared: ["MEP-09"] });
    });

    it("the webhook's message: the problems with the new ones marked, since when, the run; or back to normal with what cleared", () => {
        const prev = decodeMemo(encodeMemo(result({ at: "2026-12-02T09:00:00.000Z" })))!;
        const broken = result({ problems: [{ key: "MEP-09", text: "MEP-09 HTTPS reachability: answered 500" }] });
        const m = watchMessage({ stack: "prod", domain: "example.com", runUrl: "https://github.com/a/b/actions/runs/1/attempts/1" }, broken, changeOf(prev, broken), prev).text;
        assert.equal(m, "⚠️ Surveillance de https://www.example.com/ (stack prod) : 1 problème depuis la vérification du 2026-12-02T09:00:00.000Z.\n❌ MEP-09 HTTPS reachability: answered 500 (nouveau)\nVérification : https://github.com/a/b/actions/runs/1/attempts/1");
        const back = result({ certDays: 80 });
        const memo = decodeMemo(encodeMemo(broken))!;
        assert.equal(watchMessage({ stack: "prod", domain: "example.com" }, back, changeOf(memo, back), memo).text, "✅ Surveillance de https://www.example.com/ (stack prod) : tout est rentré dans l'ordre (résolu : MEP-09). Les vérifications passent, certificat valide encore 80 jours, aucun écart avec la stack.");
    });

    it("live since the first cutover of the current run of successful cutovers; not live when the last successful update is not a cutover; failed updates and previews do not count", () => {
        const h = [
            update("cutover", "2026-12-05T10:00:00Z"),
            update("cutover", "2026-12-04T10:00:00Z", "failed"),
            update("cutover", "2026-12-03T10:00:00Z", "succeeded", "preview"),
            update("cutover", "2026-12-02T10:00:00Z"),
            update("prepare", "2026-12-01T10:00:00Z"),
            update("cutover", "2026-11-20T10:00:00Z"),
        ];
        assert.equal(liveSince(h)?.toISOString(), "2026-12-02T10:00:00.000Z");
        assert.equal(liveSince([update("prepare", "2026-12-06T10:00:00Z"), ...h]), undefined, "rolled back: not live");
        assert.equal(liveSince([]), undefined);
        assert.equal(liveSince([update("cutover", "2026-12-06T10:00:00Z", "failed"), update("prepare", "2026-12-05T10:00:00Z")]), undefined);
    });

    it("a failed cutover kept (the newest update, after a successful prepare) is watched too, said as such; not once rolled back or re-applied", () => {
        const kept = [update("cutover", "2026-12-06T10:00:00Z", "failed"), update("prepare", "2026-12-05T10:00:00Z")];
        assert.deepEqual(watchedSince(kept), { since: new Date("2026-12-06T10:00:00Z"), keptFailure: true });
        assert.equal(watchedSince([update("prepare", "2026-12-06T11:00:00Z"), ...kept]), undefined, "rolled back to prepare: not watched");
        assert.equal(watchedSince([update("cutover", "2026-12-06T09:00:00Z", "failed"), update("adopt", "2026-12-05T10:00:00Z")]), undefined, "never prepared: nothing to watch");
        const live = [update("cutover", "2026-12-07T10:00:00Z"), ...kept];
        assert.deepEqual(watchedSince(live), { since: new Date("2026-12-07T10:00:00Z"), keptFailure: false });
    });

    it("watched hourly in its first days live (7 by default), daily after", () => {
        const since = new Date("2026-12-01T10:00:00Z");
        assert.equal(cadenceOf(since, Date.parse("2026-12-08T09:59:59Z")), "hourly");
        assert.equal(cadenceOf(since, Date.parse("2026-12-08T10:00:00Z")), "daily");
        assert.equal(cadenceOf(since, Date.parse("2026-12-02T10:00:00Z"), 1), "daily");
    });

    it("DNS as the stack holds it: the records' contents from the stack output, lower case without the final dot", () => {
        assert.deepEqual(expectedRecordsOf({ dnsRecords: { apex: { content: "76.76.21.21" }, www: { content: "CNAME.Vercel-DNS.com." } } }), { apex: ["76.76.21.21"], www: ["cname.vercel-dns.com"] });
        assert.equal(expectedRecordsOf({}), undefined);
        assert.equal(expectedRecordsOf({ dnsRecords: { apex: { content: null } } }), undefined);
    });
});
