// adopt → prepare → cutover (and back): the same resources, updated in place, each phase
// changing only what it must. The program's stages (index.ts goLive) run with a fresh set of mocks per run.
import { strict as assert } from "assert";
import { parseConfig } from "../../config/config";
import { programConfigOf } from "../../program/programConfig";
import program = require("../../index");
import { namesNeedingLetsEncrypt, OWN_CAA_COMMENT, pickCname, pickIpv4, planSiteRecords, VERCEL_DEFAULT_CNAME, VERCEL_DEFAULT_IPV4 } from "../../program/dnsPlan";
import { byName, byType, LIVE, prodConfig, rawFrom, Recorder, Registration, settle, setGoLiveMocks, unwrapDeep, VERCEL_CNAME, VERCEL_IPV4, World, ZONE_ID } from "./mocks";

interface Run {
    rec: Recorder;
    urns: Record<string, string>;
    outputs: any;
}

async function runPhase(phase: string, overrides: Record<string, unknown> = {}, world: World = {}): Promise<Run> {
    const rec = setGoLiveMocks(world);
    const outputs = await unwrapDeep(await program.goLive(programConfigOf(parseConfig(rawFrom(prodConfig(phase, overrides))))));
    await settle();
    return { rec, urns: rec.urns, outputs };
}

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const record = (run: Run, name: string): Registration => byName(byType(run.rec.registrations, DNS), name);
/** The site's records (apex, www) and the program's CAA records, not the TXT records of the certificate or the domains. */
const siteAndCaa = (run: Run) => byType(run.rec.registrations, DNS).filter((r) => r.name.startsWith("dns-"));
const changedKeys = (a: Record<string, unknown>, b: Record<string, unknown>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();

describe("program: phases adopt → prepare → cutover", function () {
    this.timeout(180_000);
    let adopt: Run, prepare: Run, cutover: Run, rollback: Run;
    before(async () => {
        adopt = await runPhase("adopt");
        prepare = await runPhase("prepare");
        cutover = await runPhase("cutover");
        rollback = await runPhase("prepare"); // cutover → prepare is the rollback
    });

    it("adopt imports the live records exactly as they are, and creates nothing on Vercel", () => {
        assert.deepEqual(adopt.rec.registrations.filter((r) => r.custom).map((r) => r.name).sort(), ["dns-apex", "dns-www"]);
        const apex = record(adopt, "dns-apex");
        assert.equal(apex.importId, `${ZONE_ID}/${LIVE.apex.id}`);
        assert.deepEqual(apex.inputs, { zoneId: ZONE_ID, name: "kaliabeautystudio.com", type: "A", content: LIVE.apex.content, ttl: 3600, proxied: false });
        const www = record(adopt, "dns-www");
        assert.equal(www.importId, `${ZONE_ID}/${LIVE.www.id}`);
        assert.deepEqual(www.inputs, { zoneId: ZONE_ID, name: "www.kaliabeautystudio.com", type: "CNAME", content: LIVE.www.content, ttl: 3600, proxied: false });
        assert.ok(!adopt.rec.invokes.some((t) => t.startsWith("vercel:")), "adopt must not ask Vercel anything");
        assert.equal(adopt.outputs.vercel, null);
        assert.equal(adopt.outputs.dnsRecords.apex.newContent, null);
    });

    it("keeps the same URNs for the records in every phase, and for the Vercel resources from prepare on", () => {
        for (const name of ["dns-apex", "dns-www", "dns"]) {
            assert.equal(prepare.urns[name], adopt.urns[name], name);
            assert.equal(cutover.urns[name], adopt.urns[name], name);
        }
        for (const name of ["site", "site-project", "site-deployment", "site-www", "site-apex", "site-env-RESEND_API_KEY"]) {
            assert.ok(prepare.urns[name], name);
            assert.equal(cutover.urns[name], prepare.urns[name], name);
        }
        assert.match(cutover.urns["dns-apex"], /golive:cloudflare:DnsRecords\$cloudflare:index\/dnsRecord:DnsRecord::dns-apex$/);
    });

    it("prepare only lowers the TTL of the live records, in place (no import id), and sets up Vercel", () => {
        for (const name of ["dns-apex", "dns-www"]) {
            const a = record(adopt, name);
            const p = record(prepare, name);
            assert.equal(p.importId, undefined);
            assert.deepEqual(changedKeys(a.inputs, p.inputs), ["ttl"], name);
            assert.equal(p.inputs.ttl, 60);
        }
        assert.equal(byType(prepare.rec.registrations, "vercel:index/deployment:Deployment").length, 1);
        assert.equal(prepare.outputs.dnsRecords.apex.content, LIVE.apex.content, "DNS still points to the old host");
        assert.equal(prepare.outputs.dnsRecords.apex.newContent, VERCEL_IPV4, "the planned value is visible before cutover");
        // MEP-08: the DNS-01 challenge records are declared by name (not inside an apply), their content the order's output.
        const acme = prepare.rec.registrations.filter((r) => /^certificate-acme-/.test(r.name)).map((r) => [r.name, r.inputs.name, r.inputs.type, r.inputs.content]);
        assert.deepEqual(acme, [
            ["certificate-acme-apex", "_acme-challenge.kaliabeautystudio.com", "TXT", "challenge-kaliabeautystudio.com"],
            ["certificate-acme-www", "_acme-challenge.www.kaliabeautystudio.com", "TXT", "challenge-www.kaliabeautystudio.com"],
        ]);
        assert.deepEqual(cutover.rec.registrations.filter((r) => /-acme-/.test(r.name)), [], "dropped from cutover on");
    });

    it("cutover changes only the record contents to Vercel's, and leaves Vercel's resources as prepared", () => {
        for (const [name, want] of [["dns-apex", VERCEL_IPV4], ["dns-www", VERCEL_CNAME]]) {
            const p = record(prepare, name);
            const c = record(cutover, name);
            assert.equal(c.importId, undefined);
            assert.deepEqual(changedKeys(p.inputs, c.inputs), ["content"], name);
            assert.equal(c.inputs.content, want);
            assert.equal(c.inputs.proxied, false);
        }
        for (const r of prepare.rec.registrations.filter((x) => x.custom && x.type.startsWith("vercel:"))) {
            assert.deepEqual(byName(cutover.rec.registrations, r.name).inputs, r.inputs, r.name);
        }
    });

    it("rollback (prepare after cutover) puts the old contents back on the same records", () => {
        for (const name of ["dns-apex", "dns-www"]) {
            assert.equal(rollback.urns[name], cutover.urns[name]);
            assert.deepEqual(record(rollback, name).inputs, record(prepare, name).inputs);
        }
        assert.equal(rollback.outputs.dnsRecords.www.content, LIVE.www.content);
    });

    it("exports the phase and both contents of each record", () => {
        assert.deepEqual([adopt.outputs.phase, prepare.outputs.phase, cutover.outputs.phase], ["adopt", "prepare", "cutover"]);
        assert.deepEqual(
            { old: cutover.outputs.dnsRecords.www.oldContent, new: cutover.outputs.dnsRecords.www.newContent, now: cutover.outputs.dnsRecords.www.content },
            { old: LIVE.www.content, new: VERCEL_CNAME, now: VERCEL_CNAME },
        );
        assert.equal(cutover.outputs.zone.status, "active");
    });
});

describe("program: a first site (no live records)", function () {
    this.timeout(180_000);
    it("skips the import, declares no record before cutover, and creates both at cutover", async () => {
        const adopt = await runPhase("adopt", { liveRecords: {} });
        assert.equal(adopt.rec.registrations.filter((r) => r.custom).length, 0);
        const prepare = await runPhase("prepare", { liveRecords: {} });
        assert.equal(siteAndCaa(prepare).length, 0);
        assert.equal(prepare.outputs.dnsRecords.apex.oldContent, null);
        const cutover = await runPhase("cutover", { liveRecords: {} });
        const records = siteAndCaa(cutover);
        assert.deepEqual(records.map((r) => [r.name, r.inputs.type, r.inputs.content, r.importId]), [
            ["dns-apex", "A", VERCEL_IPV4, undefined],
            ["dns-www", "CNAME", VERCEL_CNAME, undefined],
        ]);
    });
});

describe("program: Vercel's values and their fallback", function () {
    this.timeout(180_000);
    it("uses the documented defaults when getDomainConfig recommends nothing", async () => {
        const world: World = {
            domainConfig: {
                "kaliabeautystudio.com": { recommendedIpv4s: [], recommendedCname: "" },
                "www.kaliabeautystudio.com": { recommendedIpv4s: [], recommendedCname: "" },
            },
        };
        const run = await runPhase("cutover", {}, world);
        assert.equal(record(run, "dns-apex").inputs.content, VERCEL_DEFAULT_IPV4);
        assert.equal(record(run, "dns-www").inputs.content, VERCEL_DEFAULT_CNAME);
        assert.equal(VERCEL_DEFAULT_IPV4, "76.76.21.21");
        assert.equal(VERCEL_DEFAULT_CNAME, "cname.vercel-dns.com");
    });

    it("keeps an A record for www when the live www is an A record", async () => {
        const run = await runPhase("cutover", { liveRecords: { ...LIVE, www: { ...LIVE.www, type: "A", content: "198.51.100.8" } } });
        assert.deepEqual([record(run, "dns-www").inputs.type, record(run, "dns-www").inputs.content], ["A", VERCEL_IPV4]);
    });

    it("picks valid values only", () => {
        assert.equal(pickIpv4(["not-an-ip", "216.198.79.65"]), "216.198.79.65");
        assert.equal(pickIpv4(undefined), VERCEL_DEFAULT_IPV4);
        assert.equal(pickCname("abc.vercel-dns-017.com."), "abc.vercel-dns-017.com");
        assert.equal(pickCname("  "), VERCEL_DEFAULT_CNAME);
    });
});

describe("program: record type changes are explicit", function () {
    this.timeout(180_000);
    const cfg = (overrides: Record<string, unknown>) => parseConfig(rawFrom(prodConfig("cutover", overrides)));
    const targets = { apexIpv4: VERCEL_IPV4, wwwIpv4: VERCEL_IPV4, wwwCname: VERCEL_CNAME };

    it("refuses an A → CNAME change on www unless golive:allowRecordReplace is true", () => {
        const aWww = { liveRecords: { ...LIVE, www: { ...LIVE.www, type: "A", content: "198.51.100.8" } }, wwwRecordType: "CNAME" };
        assert.throws(() => cfg(aWww), /^ConfigError: golive:wwwRecordType is CNAME but the live www record is A: changing the type deletes and recreates it/);
        const plan = planSiteRecords(cfg({ ...aWww, allowRecordReplace: "true" }), ZONE_ID, targets);
        assert.equal(plan[1].spec!.type, "CNAME");
        assert.equal(plan[1].spec!.deleteBeforeReplace, true, "the A must go before the CNAME exists");
        assert.equal(plan[0].spec!.deleteBeforeReplace, undefined, "the apex keeps its type");
        // prepare leaves the state cutover replaces, and is the goal of the rollback's replace (CNAME → A).
        const prepare = planSiteRecords(parseConfig(rawFrom(prodConfig("prepare", { ...aWww, allowRecordReplace: "true" }))), ZONE_ID, targets);
        assert.deepEqual([prepare[1].spec!.type, prepare[1].spec!.deleteBeforeReplace], ["A", true]);
        assert.equal(prepare[0].spec!.deleteBeforeReplace, undefined);
        const adopt = planSiteRecords(parseConfig(rawFrom(prodConfig("adopt", { ...aWww, allowRecordReplace: "true" }))), ZONE_ID);
        assert.equal(adopt[1].spec!.deleteBeforeReplace, undefined, "adopt imports and retains");
    });

    it("refuses a live apex CNAME unless accepted, since Vercel's apex is an A record", () => {
        const cnameApex = { liveRecords: { ...LIVE, apex: { ...LIVE.apex, type: "CNAME", content: "old.example.net" } } };
        assert.throws(() => cfg(cnameApex), /golive:liveRecords\.apex\.type is CNAME: Vercel's apex needs an A record/);
        const plan = planSiteRecords(cfg({ ...cnameApex, allowRecordReplace: true }), ZONE_ID, targets);
        assert.deepEqual([plan[0].spec!.type, plan[0].spec!.deleteBeforeReplace], ["A", true]);
    });

    it("keeps a proxied live record's automatic TTL in prepare, and unproxies it at cutover", () => {
        const proxied = { liveRecords: { ...LIVE, apex: { ...LIVE.apex, ttl: 1, proxied: true } } };
        const prepare = planSiteRecords(parseConfig(rawFrom(prodConfig("prepare", proxied))), ZONE_ID, targets);
        assert.deepEqual([prepare[0].spec!.ttl, prepare[0].spec!.proxied], [1, true]);
        const cutover = planSiteRecords(cfg(proxied), ZONE_ID, targets);
        assert.deepEqual([cutover[0].spec!.ttl, cutover[0].spec!.proxied], [60, false]);
    });
});

describe("program: CAA lets Let's Encrypt issue (MEP-08)", function () {
    this.timeout(180_000);
    it("adds an issue letsencrypt.org record where the zone's CAA set excludes it", async () => {
        const run = await runPhase("prepare", {}, { caa: [{ name: "kaliabeautystudio.com", data: { tag: "issue", value: "digicert.com" } }] });
        const caa = byName(run.rec.registrations, "dns-caa-apex").inputs;
        assert.deepEqual(caa, { zoneId: ZONE_ID, name: "kaliabeautystudio.com", type: "CAA", ttl: 60, comment: OWN_CAA_COMMENT, data: { flags: 0, tag: "issue", value: "letsencrypt.org" } });
        assert.deepEqual(run.outputs.caaLetsEncryptAdded, ["kaliabeautystudio.com"]);
    });

    it("keeps its own Let's Encrypt record at cutover and after the rollback: the zone then lists it, the decision does not flip", async () => {
        const theirs = { name: "kaliabeautystudio.com", data: { tag: "issue", value: "digicert.com" }, comment: "" };
        const prepare = await runPhase("prepare", {}, { caa: [theirs] });
        const ours = { name: "kaliabeautystudio.com", data: { tag: "issue", value: "letsencrypt.org" }, comment: OWN_CAA_COMMENT };
        const cutover = await runPhase("cutover", {}, { caa: [theirs, ours] });
        const rollback = await runPhase("prepare", {}, { caa: [theirs, ours] });
        for (const run of [cutover, rollback]) {
            assert.deepEqual(byName(run.rec.registrations, "dns-caa-apex").inputs, byName(prepare.rec.registrations, "dns-caa-apex").inputs, "same inputs: the engine keeps it");
            assert.equal(cutover.urns["dns-caa-apex"], prepare.urns["dns-caa-apex"]);
        }
        // Someone else's Let's Encrypt record (no such comment) still counts: then ours is not needed.
        const allowed = await runPhase("cutover", {}, { caa: [theirs, { ...ours, comment: "added by the agency" }] });
        assert.equal(siteAndCaa(allowed).length, 2);
    });

    it("adds nothing when the zone has no CAA record or already allows Let's Encrypt, and nothing in adopt", async () => {
        const none = await runPhase("cutover");
        assert.equal(siteAndCaa(none).length, 2);
        const allowed = await runPhase("cutover", {}, { caa: [{ name: "kaliabeautystudio.com", data: { tag: "issue", value: "letsencrypt.org" } }] });
        assert.equal(siteAndCaa(allowed).length, 2);
        const adopt = await runPhase("adopt", {}, { caa: [{ name: "kaliabeautystudio.com", data: { tag: "issue", value: "digicert.com" } }] });
        assert.equal(byType(adopt.rec.registrations, DNS).length, 2);
        assert.ok(!adopt.rec.invokes.includes("cloudflare:index/getDnsRecords:getDnsRecords"));
    });

    it("follows RFC 8659: www's own CAA set wins over the apex's", () => {
        const d = "example.com";
        assert.deepEqual(namesNeedingLetsEncrypt(d, []), []);
        assert.deepEqual(namesNeedingLetsEncrypt(d, [{ name: "www.example.com", data: { tag: "issue", value: "sectigo.com" } }, { name: d, data: { tag: "issue", value: "letsencrypt.org" } }]), [
            { label: "www", name: "www.example.com" },
        ]);
        assert.deepEqual(namesNeedingLetsEncrypt(d, [{ name: d, data: { tag: "issuewild", value: "letsencrypt.org" } }]), [{ label: "apex", name: d }]);
        assert.deepEqual(namesNeedingLetsEncrypt(d, [{ name: d, data: { tag: "issue", value: "letsencrypt.org; validationmethods=dns-01" } }]), []);
    });
});

describe("program: Vercel project and domains", function () {
    this.timeout(180_000);
    it("MEP-02: from prepare on the project does not deploy pushes; golive:codeFreeze false lifts it", async () => {
        for (const phase of ["prepare", "cutover"]) {
            const run = await runPhase(phase);
            assert.deepEqual(byName(run.rec.registrations, "site-project").inputs.gitProviderOptions, { createDeployments: false }, phase);
            assert.equal(run.outputs.vercel.codeFreeze, true);
            const mep02 = (run.outputs.checklist as Array<{ id: string; evidence: string }>).find((l) => l.id === "MEP-02")!;
            assert.match(mep02.evidence, /^enforced: the Vercel project does not deploy pushes/);
        }
        const lifted = await runPhase("cutover", { codeFreeze: false });
        assert.deepEqual(byName(lifted.rec.registrations, "site-project").inputs.gitProviderOptions, { createDeployments: true });
        assert.throws(() => parseConfig(rawFrom(prodConfig("prepare", { codeFreeze: "no" }))), /golive:codeFreeze must be true or false/);
    });

    it("MEP-05/MEP-06: asks Vercel for the domains' config only once both domains exist on the project", async () => {
        // Domains take 150 ms to be created: the invokes must come after both.
        const run = await runPhase("prepare", {}, { createMs: { "vercel:index/projectDomain:ProjectDomain": 150 } });
        const ev = run.rec.events;
        const firstAsk = ev.indexOf("invoke vercel:index/getDomainConfig:getDomainConfig");
        assert.ok(firstAsk >= 0, ev.join("\n"));
        for (const domain of ["created site-www", "created site-apex"]) {
            assert.ok(ev.indexOf(domain) >= 0 && ev.indexOf(domain) < firstAsk, `${domain} before getDomainConfig:\n${ev.join("\n")}`);
        }
        assert.equal(run.outputs.dnsRecords.www.newContent, VERCEL_CNAME);
    });
});
