// Go/no-go gates and bad config values: each refusal is one clear message naming the config
// key, raised before any resource is registered.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, declaredConfigKeys, editDistance, parseConfig, undeclaredKeysProblem } from "../../config/config";
import { programConfigOf } from "../../program/programConfig";
import program = require("../../index");
import { LIVE, liveAtCloudflare, prodConfig, rawFrom, SECRET_VALUES, setGoLiveMocks, unwrap, unwrapDeep } from "./mocks";

const parse = (phase: string, overrides: Record<string, unknown> = {}, secretKeys?: string[]) => parseConfig(rawFrom(prodConfig(phase, overrides), secretKeys));

/** Asserts a ConfigError whose message is one line, names `key` and matches `pattern`. */
function refuses(fn: () => unknown, key: string, pattern: RegExp): void {
    assert.throws(fn, (err: Error) => {
        assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
        assert.ok(err.message.includes(`golive:${key}`), `message does not name golive:${key}: ${err.message}`);
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes("\n"), "one line");
        return true;
    });
}

/** The program's stages for a parsed config; resolves to the stack outputs (unwrapped). */
const buildGoLive = async (cfg: ReturnType<typeof parseConfig>): Promise<any> => unwrapDeep(await program.goLive(programConfigOf(cfg)));

describe("program gates: bad config values", function () {
    this.timeout(180_000);
    it("accepts the prod config in every phase and freezes it", () => {
        for (const phase of ["adopt", "prepare", "cutover"]) {
            const cfg = parse(phase);
            assert.equal(cfg.phase, phase);
            assert.equal(cfg.wwwDomain, "www.kaliabeautystudio.com");
            assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.dns.live.apex) && Object.isFrozen(cfg.vercel.envVars));
        }
        assert.equal(parse("adopt", { phase: undefined }).phase, "adopt", "adopt is the default: it changes nothing");
    });

    it("refuses a bad domain", () => {
        refuses(() => parse("adopt", { domain: "https://kaliabeautystudio.com" }), "domain", /without scheme or path/);
        refuses(() => parse("adopt", { domain: "KaliaBeautyStudio.com" }), "domain", /lower case/);
        refuses(() => parse("adopt", { domain: "localhost" }), "domain", /not a valid domain name/);
        refuses(() => parse("adopt", { domain: "kalia..com" }), "domain", /not a valid domain name/);
        refuses(() => parse("adopt", { domain: "-kalia.com" }), "domain", /not a valid domain name/);
        refuses(() => parse("adopt", { domain: "" }), "domain", /is required/);
    });

    it("refuses a www/apex mix-up", () => {
        refuses(() => parse("adopt", { domain: "www.kaliabeautystudio.com" }), "domain", /must be the apex \(e\.g\. kaliabeautystudio\.com\), not the www name/);
        refuses(
            () => parse("adopt", { liveRecords: { apex: { ...LIVE.apex, name: "www.kaliabeautystudio.com" }, www: LIVE.www } }),
            "liveRecords.apex.name",
            /must be kaliabeautystudio\.com \(apex and www must not be swapped\)/,
        );
        refuses(() => parse("adopt", { liveRecords: { apex: LIVE.apex, www: { ...LIVE.www, id: LIVE.apex.id } } }), "liveRecords", /same record id/);
    });

    it("refuses a non-permanent redirect status, with the exact message", () => {
        assert.throws(() => parse("adopt", { redirectStatus: 302 }), { name: "ConfigError", message: "golive:redirectStatus must be 301 or 308, got 302" });
        refuses(() => parse("adopt", { redirectStatus: 307 }), "redirectStatus", /got 307/);
        refuses(() => parse("adopt", { redirectStatus: "permanent" }), "redirectStatus", /must be an integer/);
        assert.equal(parse("adopt", { redirectStatus: 301 }).redirectStatus, 301);
        assert.equal(parse("adopt", { redirectStatus: undefined }).redirectStatus, 308);
    });

    it("refuses an unknown phase", () => {
        assert.throws(() => parse("golive"), { message: 'golive:phase must be one of adopt, prepare, cutover, got "golive"' });
        refuses(() => parse("Cutover"), "phase", /must be one of/);
    });

    it("refuses bad TTLs, live records and names", () => {
        refuses(() => parse("adopt", { ttl: 30 }), "ttl", /1 \(automatic\) or between 60 and 86400/);
        refuses(() => parse("adopt", { liveRecords: { apex: { ...LIVE.apex, id: "123" } } }), "liveRecords.apex.id", /32 hex/);
        refuses(() => parse("adopt", { liveRecords: { apex: { ...LIVE.apex, type: "AAAA" } } }), "liveRecords.apex.type", /A or CNAME/);
        refuses(() => parse("adopt", { liveRecords: { apex: { ...LIVE.apex, content: "old-host.example" } } }), "liveRecords.apex.content", /IPv4/);
        refuses(() => parse("adopt", { liveRecords: { root: LIVE.apex } }), "liveRecords", /only knows apex and www/);
        refuses(() => parse("adopt", { gitRepo: "website" }), "gitRepo", /owner\/name/);
        refuses(() => parse("adopt", { gitProvider: "gitea" }), "gitProvider", /github, gitlab or bitbucket/);
        refuses(() => parse("adopt", { projectName: "Kalia Studio" }), "projectName", /Vercel project name/);
        refuses(() => parse("adopt", { wwwRecordType: "TXT" }), "wwwRecordType", /A or CNAME/);
        refuses(() => parse("adopt", { liveRecords: "{not json" }), "liveRecords", /structured config/);
    });

    it("refuses values that were wrongly accepted (issue 9 item 8): a CNAME to itself or to an address, a repository path of . or ..", () => {
        const www = (content: string) => ({ liveRecords: { apex: LIVE.apex, www: { ...LIVE.www, content } } });
        refuses(() => parse("adopt", www("www.kaliabeautystudio.com")), "liveRecords.www.content", /points to www\.kaliabeautystudio\.com itself: a CNAME loop/);
        refuses(() => parse("adopt", www("WWW.kaliabeautystudio.com.")), "liveRecords.www.content", /itself/);
        refuses(() => parse("adopt", www("198.51.100.7")), "liveRecords.www.content", /is an IP address: a CNAME holds a host name \(an address needs type A\)/);
        refuses(() => parse("adopt", www("2001:db8::1")), "liveRecords.www.content", /is an IP address/);
        refuses(() => parse("adopt", www("localhost")), "liveRecords.www.content", /must be a host name/);
        assert.equal(parse("adopt", www("kaliabeautystudio.com")).dns.live.www?.content, "kaliabeautystudio.com", "www → apex is a fine CNAME");
        for (const repo of ["kalia/..", "../website", "kalia/.", "./x"]) refuses(() => parse("adopt", { gitRepo: repo }), "gitRepo", /owner\/name/);
        assert.equal(parse("adopt", { gitRepo: "kalia/.github" }).vercel.git.repo, "kalia/.github");
    });

    it("names the entry of a bad environment variable name (issue 9 item 9)", () => {
        refuses(() => parse("adopt", { envVars: ["OK", "not-valid"] }), "envVars[1]", /must be an environment variable name \(letters, digits, _, not starting with a digit\), got "not-valid"/);
        refuses(() => parse("adopt", { envVars: ["OK", 7] }), "envVars[1]", /got 7/);
        refuses(() => parse("adopt", { envVars: { OK: 1 } }), "envVars", /must be a list/);
    });
});

describe("program gates: go/no-go", function () {
    this.timeout(180_000);
    it("MEP-02: prepare and cutover need a pinned release ref, never the moving branch", () => {
        assert.equal(parse("adopt", { releaseRef: undefined }).vercel.releaseRef, undefined);
        refuses(() => parse("prepare", { releaseRef: undefined }), "releaseRef", /required from phase prepare on.*MEP-02/);
        refuses(() => parse("cutover", { releaseRef: "main" }), "releaseRef", /not the moving branch main/);
        assert.equal(parse("prepare", { releaseRef: "v1.0.0-rc.1" }).vercel.releaseRef, "v1.0.0-rc.1");
    });

    it("MEP-02: the release ref is a commit SHA or a tag only, and the message says so (issue 9 item 6)", () => {
        const moving: [string, RegExp][] = [
            ["HEAD", /follows the clone's checkout/],
            ["@", /follows the clone's checkout/],
            ["HEAD~1", /follows the clone's checkout/],
            ["v1.0.0^", /follows the clone's checkout/],
            ["main@{yesterday}", /follows the clone's checkout/],
            ["refs/heads/main", /is a branch/],
            ["refs/remotes/origin/main", /is a remote-tracking branch/],
            ["refs/notes/x", /is not a tag/],
            ["origin/main", /may be a branch .*refs\/tags\/<name>/],
            ["develop", /may be a branch/],
            ["feature/new-home", /may be a branch/],
            ["release-2026", /may be a branch/],
            ["9F3C2E1", /may be a branch/],
            ["abc12", /may be a branch/],
            ["v1.0.0-..", /is not a tag name git accepts: it must not contain '\.\.'/],
            ["refs/tags/x.lock", /is not a tag name git accepts/],
            ["--upload-pack=touch /tmp/x", /must not start with '-'/],
        ];
        for (const [ref, why] of moving) {
            refuses(() => parse("prepare", { releaseRef: ref }), "releaseRef", /must be a commit SHA \(7 to 40 hex digits\) or a tag \(v1\.0\.0, or refs\/tags\/<name>\) for the code freeze \(MEP-02\)/);
            refuses(() => parse("prepare", { releaseRef: ref }), "releaseRef", why);
        }
        for (const ref of ["9f3c2e1", "9f3c2e1a7b5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b", "v1.0.0", "1.2.3-rc.1", "v2026.05", "refs/tags/release-2026", "refs/tags/site/v2"]) {
            assert.equal(parse("prepare", { releaseRef: ref }).vercel.releaseRef, ref, ref);
        }
    });

    it("P-05: a listed variable without a value, or not stored as a secret, is refused", () => {
        const { RESEND_API_KEY: _dropped, ...rest } = SECRET_VALUES;
        refuses(() => parse("cutover", { envValues: rest }), "envValues.RESEND_API_KEY", /has no value \(P-05\): pulumi config set --secret --path/);
        refuses(() => parse("prepare", { envValues: { ...SECRET_VALUES, CONTACT_TO_EMAIL: "" } }), "envValues.CONTACT_TO_EMAIL", /has no value/);
        refuses(() => parse("cutover", {}, []), "envValues", /must be stored as secrets \(P-05\)/);
        refuses(() => parse("adopt", { envValues: { ...SECRET_VALUES, EXTRA: "x" } }), "envValues", /EXTRA, not listed in golive:envVars/);
        // Issue 9 item 9: a number (set with --path, without --secret) is not "no value".
        refuses(() => parse("prepare", { envValues: { ...SECRET_VALUES, CONTACT_TO_EMAIL: 12345 } }), "envValues.CONTACT_TO_EMAIL", /must be text set as a secret, got a number in clear \(P-05\): pulumi config set --secret --path/);
        refuses(() => parse("prepare", { envValues: { ...SECRET_VALUES, CONTACT_TO_EMAIL: true } }), "envValues.CONTACT_TO_EMAIL", /got a boolean/);
        assert.equal(parse("adopt", { envValues: undefined }).vercel.envVars.length, 0, "adopt does not need the values yet");
    });

    it("P-05: the values are secret Outputs that never show in a message", async () => {
        const cfg = parse("cutover");
        for (const v of cfg.vercel.envVars) {
            assert.equal(await pulumi.isSecret(v.value), true, v.key);
            assert.equal(await unwrap(v.value), (SECRET_VALUES as Record<string, string>)[v.key]);
        }
        try {
            parse("cutover", { envValues: { ...SECRET_VALUES, EXTRA: "x" } });
            assert.fail("should refuse");
        } catch (err) {
            for (const s of Object.values(SECRET_VALUES)) assert.ok(!(err as Error).message.includes(s));
        }
    });

    it("P-01: cutover refuses without the client's approval (who and when)", () => {
        refuses(() => parse("cutover", { approvedBy: undefined, approvedAt: undefined }), "approvedBy", /required for cutover: the client's approval \(P-01\)/);
        refuses(() => parse("cutover", { approvedBy: "", approvedAt: "2026-11-20" }), "approvedBy", /who gave the go \(P-01\)/);
        refuses(() => parse("cutover", { approvedAt: "tomorrow" }), "approvedAt", /ISO 8601/);
        refuses(() => parse("cutover", { approvedAt: "2026-13-45" }), "approvedAt", /is not a date of the calendar/);
        // Issue 9 item 8: an impossible day no longer rolls over (Date.parse reads 2026-02-30 as March 2).
        refuses(() => parse("cutover", { approvedAt: "2026-02-30" }), "approvedAt", /is not a date of the calendar \(2026-02 has 28 days\)/);
        refuses(() => parse("cutover", { approvedAt: "2028-02-30T10:00:00+01:00" }), "approvedAt", /2028-02 has 29 days/);
        refuses(() => parse("cutover", { approvedAt: "2026-11-20T25:00:00Z" }), "approvedAt", /impossible time of day/);
        refuses(() => parse("cutover", { approvedAt: "2026-11-20T10:00:00+25:00" }), "approvedAt", /impossible UTC offset/);
        refuses(() => parse("cutover", { approvedAt: "2099-01-01" }), "approvedAt", /is in the future \(the approval is recorded once given/);
        const soon = new Date(Date.now() + 60 * 60_000).toISOString();
        refuses(() => parse("cutover", { approvedAt: soon }), "approvedAt", /in the future/);
        assert.equal(parse("cutover", { approvedAt: "2024-02-29T09:30:00+01:00" }).approval?.at, "2024-02-29T09:30:00+01:00", "a leap day is a real date");
        assert.deepEqual(parse("cutover", { approvedAt: "2026-11-20" }).approval, { by: "Kalia (client)", at: "2026-11-20" });
        assert.equal(parse("prepare", { approvedBy: undefined, approvedAt: undefined }).approval, undefined, "only cutover needs it");
    });

    it("P-03/P-04: cutover refuses a zone that is not active, before registering anything", async () => {
        const rec = setGoLiveMocks({ zoneStatus: "pending" });
        await assert.rejects(buildGoLive(parse("cutover")), (err: Error) => {
            assert.ok(err instanceof ConfigError);
            assert.match(err.message, /^golive:domain kaliabeautystudio\.com: the Cloudflare zone status is "pending", not "active" \(P-03\/P-04\)/);
            assert.match(err.message, /ada\.ns\.cloudflare\.com/);
            return true;
        });
        assert.equal(rec.registrations.length, 0);
        // Earlier phases may run while the delegation is pending (nothing is served from Vercel yet).
        setGoLiveMocks({ zoneStatus: "pending" });
        const outputs = await buildGoLive(parse("prepare"));
        assert.equal(outputs.zone.status, "pending");
    });

    it("P-03/P-04: a zone that cannot be found names golive:domain", async () => {
        const rec = setGoLiveMocks({ zoneError: "invocation of cloudflare:index/getZone:getZone returned an error: failed to find exactly one result: 0 found" });
        await assert.rejects(buildGoLive(parse("adopt")), /^ConfigError: golive:domain kaliabeautystudio\.com: no Cloudflare zone found with this name \(P-03\/P-04\)/);
        assert.equal(rec.registrations.length, 0);
        setGoLiveMocks({ zoneName: "other.com" });
        await assert.rejects(buildGoLive(parse("adopt")), /golive:domain kaliabeautystudio\.com: Cloudflare returned zone "other\.com"/);
    });
});

describe("program gates: a golive key Pulumi.yaml does not declare (the engine ignores it)", function () {
    this.timeout(180_000);
    const declared = declaredConfigKeys();

    it("reads the declared keys from Pulumi.yaml", () => {
        for (const key of ["domain", "phase", "approvedBy", "approvedAt", "liveRecords", "checks"]) assert.ok(declared.includes(key), key);
    });

    it("names a mistyped key and the closest declared one", () => {
        const problem = undeclaredKeysProblem(["golive:approvdBy", "golive:domain", "vercel:team", "cloudflare:apiToken"], declared);
        assert.equal(problem, "golive:approvdBy is not a key of this program: did you mean golive:approvedBy? (remove it with pulumi config rm 'golive:approvdBy')");
        assert.match(undeclaredKeysProblem(["golive:liveRecord"], declared)!, /did you mean golive:liveRecords\?/);
        assert.match(undeclaredKeysProblem(["golive:phsae"], declared)!, /did you mean golive:phase\?/);
        assert.match(undeclaredKeysProblem(["golive:somethingElse"], declared)!, /golive:somethingElse is not a key of this program: Pulumi.yaml declares golive:domain, golive:phase/);
        assert.equal(undeclaredKeysProblem(["golive:domain", "golive:checks", "vercel:apiToken"], declared), undefined);
        assert.equal(editDistance("approvdBy", "approvedBy"), 1);
        assert.equal(editDistance("phsae", "phase"), 1);
    });
});

describe("program gates: adopt changes nothing (the engine imports, then updates what differs)", function () {
    this.timeout(180_000);
    /** adopt with `config` overrides against the records Cloudflare holds; the ConfigError's message. */
    async function adoptRefusal(overrides: Record<string, unknown>, records = liveAtCloudflare(), preview = false): Promise<{ message: string; registered: number }> {
        const rec = setGoLiveMocks({ records, preview });
        let message = "";
        await assert.rejects(buildGoLive(parse("adopt", overrides)), (err: Error) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.ok(!err.message.includes("\n"), "one line");
            message = err.message;
            return true;
        });
        assert.ok(rec.invokes.includes("cloudflare:index/getDnsRecord:getDnsRecord"), "the provider's own read of the record");
        return { message, registered: rec.registrations.length };
    }

    it("accepts config that is exactly the live records, and asks Cloudflare for each by id", async () => {
        const rec = setGoLiveMocks();
        const outputs = await buildGoLive(parse("adopt"));
        assert.ok(outputs.dnsRecords.apex.recordId && outputs.dnsRecords.www.recordId);
        assert.equal(rec.invokes.filter((t) => t === "cloudflare:index/getDnsRecord:getDnsRecord").length, 2);
        // A CNAME's trailing dot or case is not a difference.
        setGoLiveMocks({ records: liveAtCloudflare({ www: { content: "Kalia.OldHost.example.net." } }) });
        await buildGoLive(parse("adopt"));
    });

    it("refuses a wrong content, TTL or proxied at preview, naming the key, the declared and the live value, before declaring anything", async () => {
        const typo = await adoptRefusal({ liveRecords: { ...LIVE, www: { ...LIVE.www, content: "kalia.oldhost.example.org" } } });
        assert.match(typo.message, /golive:liveRecords\.www\.content is "kalia\.oldhost\.example\.org" but the live record has "kalia\.oldhost\.example\.net"/);
        assert.equal(typo.registered, 0);
        const atPreview = await adoptRefusal({ liveRecords: { ...LIVE, www: { ...LIVE.www, content: "kalia.oldhost.example.org" } } }, liveAtCloudflare(), true);
        assert.equal(atPreview.message, typo.message, "the same refusal at pulumi preview");
        const ttl = await adoptRefusal({ liveRecords: { ...LIVE, apex: { ...LIVE.apex, ttl: 300 } } });
        assert.match(ttl.message, /golive:liveRecords\.apex\.ttl is 300 but the live record has 3600/);
        const proxied = await adoptRefusal({}, liveAtCloudflare({ apex: { proxied: true } }));
        assert.match(proxied.message, /golive:liveRecords\.apex\.proxied is false but the live record has true/);
        assert.match(proxied.message, /Copy the live values into golive:liveRecords/);
    });

    it("refuses a live comment the config leaves out (the import would remove it), a wrong type, and a record of another name", async () => {
        const comment = await adoptRefusal({}, liveAtCloudflare({ www: { comment: "old host, do not touch" } }));
        assert.match(comment.message, /golive:liveRecords\.www\.comment is not set but the live record has "old host, do not touch" \(the import would remove it\)/);
        const type = await adoptRefusal({}, liveAtCloudflare({ www: { type: "A", content: "198.51.100.8" } }));
        assert.match(type.message, /golive:liveRecords\.www\.type is "CNAME" but the live record has "A"/);
        const swapped = await adoptRefusal({}, liveAtCloudflare({ www: { name: "mail.kaliabeautystudio.com" } }));
        assert.match(swapped.message, /golive:liveRecords\.www\.id 2{32} is the record of mail\.kaliabeautystudio\.com \(CNAME\), not of www\.kaliabeautystudio\.com/);
        const missing = await adoptRefusal({}, { [LIVE.apex.id]: liveAtCloudflare()[LIVE.apex.id] });
        assert.match(missing.message, /golive:liveRecords\.www\.id 2{32}: Cloudflare has no such record in the zone/);
    });

    it("refuses a re-run of adopt after prepare (the live TTL is golive:ttl), so nothing is re-imported or replaced", async () => {
        const afterPrepare = await adoptRefusal({}, liveAtCloudflare({ apex: { ttl: 60 }, www: { ttl: 60 } }));
        assert.match(afterPrepare.message, /golive:liveRecords\.apex\.ttl is 3600 but the live record has 60/);
        assert.match(afterPrepare.message, /if this stack already ran prepare, do not run adopt again/);
        assert.equal(afterPrepare.registered, 0);
    });
});
