import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { caaPermits, relevantCaaSet, type ZoneCaaRecord } from "../../replica/letsEncryptCaa";
import { namesNeedingLetsEncrypt } from "../../program/dnsPlan";

const D = "kaliabeautystudio.com";
const W = `www.${D}`;
const caa = (name: string, tag: string, value: string, flags = 0): ZoneCaaRecord => ({ name, data: { flags, tag, value } });

describe("replica/letsEncryptCaa: Let's Encrypt's CAA check by RFC 8659, the replica's own rule", () => {
    it("no CAA anywhere: any CA may issue", () => {
        assert.equal(caaPermits(W, []), true);
    });

    it("RFC 8659 §3: the relevant set is found by climbing the tree (www without CAA takes the apex's)", () => {
        const records = [caa(D, "issue", "digicert.com")];
        assert.deepEqual(relevantCaaSet(W, records), records);
        assert.equal(caaPermits(W, records), false);
        // A set at www itself stops the climb.
        assert.equal(caaPermits(W, [...records, caa(W, "issue", "letsencrypt.org")]), true);
        assert.equal(caaPermits(D, [...records, caa(W, "issue", "letsencrypt.org")]), false);
    });

    it("RFC 8659 §4.2: issue names the CA by its domain, before any parameters, case-insensitively; `;` names nobody", () => {
        assert.equal(caaPermits(D, [caa(D, "issue", "LetsEncrypt.org; validationmethods=dns-01")]), true);
        assert.equal(caaPermits(D, [caa(D, "issue", "digicert.com"), caa(D, "issue", "letsencrypt.org")]), true);
        assert.equal(caaPermits(D, [caa(D, "issue", ";")]), false);
        assert.equal(caaPermits(D, [caa(D, "issue", "letsencrypt.org.evil.example")]), false);
    });

    it("RFC 8659 §4: a set without an issue property (iodef, issuewild alone) does not restrict a non-wildcard name", () => {
        assert.equal(caaPermits(D, [caa(D, "iodef", "mailto:security@example.com")]), true);
        assert.equal(caaPermits(D, [caa(D, "issuewild", "digicert.com")]), true);
    });

    it("RFC 8659 §4.1: an unknown tag with the Issuer Critical Flag forbids issuance, whatever issue says", () => {
        assert.equal(caaPermits(D, [caa(D, "issue", "letsencrypt.org"), caa(D, "tbs", "x", 128)]), false);
        assert.equal(caaPermits(D, [caa(D, "issue", "letsencrypt.org"), caa(D, "tbs", "x", 0)]), true);
    });

    it("can disagree with the product's rule (program/dnsPlan namesNeedingLetsEncrypt): each answers its own question", () => {
        // iodef alone: Let's Encrypt may issue; the product adds its own issue record anyway (harmless).
        const iodefOnly = [caa(D, "iodef", "mailto:security@example.com")];
        assert.equal(caaPermits(D, iodefOnly), true);
        assert.deepEqual(namesNeedingLetsEncrypt(D, iodefOnly), [{ label: "apex", name: D }]);
        // A critical unknown tag: the product sees letsencrypt.org allowed and adds nothing; the CA refuses.
        const critical = [caa(D, "issue", "letsencrypt.org"), caa(D, "tbs", "x", 128)];
        assert.deepEqual(namesNeedingLetsEncrypt(D, critical), []);
        assert.equal(caaPermits(D, critical), false);
    });

    it("the replica never imports the product's CAA decision", () => {
        const dir = path.join(__dirname, "..", "..", "replica");
        const borrowers = fs
            .readdirSync(dir, { recursive: true, encoding: "utf8" })
            .filter((f) => f.endsWith(".ts"))
            .filter((f) => /namesNeedingLetsEncrypt/.test(fs.readFileSync(path.join(dir, f), "utf8")));
        assert.deepEqual(borrowers, []);
    });
});
