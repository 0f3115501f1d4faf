import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { deliverToMailbox, dovecotAvailable, startDovecot } from "../../replica/mailbox";

// The rehearsal's and the tests' IMAP mailbox holds a credential: its passdb is readable by its owner only.
describe("replica/mailbox: the IMAP password file", function () {
    before(function () {
        if (!dovecotAvailable()) this.skip();
    });

    it("is 0600 in a 0700 folder, and the login still works", async () => {
        const mb = await startDovecot({ password: "canary-imap-password-31" });
        try {
            assert.equal(fs.statSync(mb.passwordFile).mode & 0o777, 0o600);
            assert.equal(fs.statSync(path.dirname(mb.passwordFile)).mode & 0o777, 0o700);
            assert.match(fs.readFileSync(mb.passwordFile, "utf8"), /\{PLAIN\}canary-imap-password-31/);
            await deliverToMailbox(mb, { from: "site@kaliabeautystudio.com", subject: "test", text: "hello" });
        } finally {
            await mb.stop();
        }
        assert.ok(!fs.existsSync(mb.passwordFile), "removed with the mailbox");
    });
});
