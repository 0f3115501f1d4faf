// What the way back's direct calls did, kept beside the run lock until the engine caught up, so that
// a golive killed in between does not take the story with it (issue 25): operations/wayBackJournal.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { directCallsFile, directCallsKept, forgetDirectCalls, keepDirectCalls, recordsBackByApiOf } from "../../operations/wayBackJournal";
import { messageTitle, parseFailureNote, rollbackMessage } from "../../operations/failureNote";
import type { RecordsPut } from "../../operations/cloudflareDns";

const APEX = "023e105f4ecef8ad9ca31a8372d0c353";
const WWW = "372e67954025e0ba6aaa6d586b9e0b59";
const put: RecordsPut = {
    ok: true,
    startedAt: Date.parse("2026-12-06T08:00:01.000Z"),
    endedAt: Date.parse("2026-12-06T08:00:07.250Z"),
    calls: [
        { label: "apex", id: APEX, asked: "example.fr A 192.0.2.10", ok: true, attempts: 1, status: 200, endedAt: Date.parse("2026-12-06T08:00:01.180Z") },
        { label: "www", id: WWW, asked: "www.example.fr A 192.0.2.10", ok: true, attempts: 3, status: 200, endedAt: Date.parse("2026-12-06T08:00:07.250Z") },
    ],
};

describe("operations/wayBackJournal: the direct calls told in the stack's history, even after a kill", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "golive-journal-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("each call's line names the record, its Cloudflare id, what it was asked to hold, the result and when", () => {
        const said = recordsBackByApiOf(put);
        assert.equal(said.at, "2026-12-06T08:00:07.250Z");
        assert.deepEqual(said.calls, [
            `✓ apex: PATCH dns_records/${APEX} accepted (example.fr A 192.0.2.10) at 2026-12-06T08:00:01.180Z`,
            `✓ www: PATCH dns_records/${WWW} accepted (www.example.fr A 192.0.2.10) after 3 attempts at 2026-12-06T08:00:07.250Z`,
        ]);
        const failed = recordsBackByApiOf({ ...put, ok: false, calls: [{ ...put.calls[0], ok: false, status: 429, error: "HTTP 429: 971 Rate limited", attempts: 11 }] });
        assert.match(failed.calls[0], /^✗ apex: PATCH dns_records\/023e\S+ failed \(HTTP 429: 971 Rate limited\) \(example\.fr A 192\.0\.2\.10\) after 11 attempts at 2026-12-06T08:00:01\.180Z$/);
    });

    it("kept beside the run lock until forgotten; a half-written or foreign file is no journal", () => {
        const file = directCallsFile(dir, "prod");
        assert.equal(file, path.join(dir, ".golive", "prod.records-back-by-api.json"));
        assert.equal(directCallsKept(file), undefined);
        assert.equal(keepDirectCalls(file, put), true);
        assert.deepEqual(directCallsKept(file), recordsBackByApiOf(put));
        assert.deepEqual(fs.readdirSync(path.dirname(file)), ["prod.records-back-by-api.json"], "no temporary file left");
        assert.doesNotMatch(fs.readFileSync(file, "utf8"), /token|authorization/i);
        forgetDirectCalls(file);
        assert.equal(fs.existsSync(file), false);
        forgetDirectCalls(file);
        fs.writeFileSync(file, '{"at":"2026-12-06T08:00:07.250Z","ok":tr');
        assert.equal(directCallsKept(file), undefined);
        fs.writeFileSync(file, JSON.stringify({ at: "x", ok: true, calls: [1] }));
        assert.equal(directCallsKept(file), undefined);
    });

    it("a journal that cannot be written is said by the result, never thrown", () => {
        const blocked = path.join(dir, "file");
        fs.writeFileSync(blocked, "");
        assert.equal(keepDirectCalls(path.join(blocked, "prod.records-back-by-api.json"), put), false);
    });

    it("recover's rollback message, with what was kept, tells both calls in `pulumi stack history` and in its note", () => {
        const kept = recordsBackByApiOf(put);
        const m = rollbackMessage("golive rollback to prepare (R-2)", { phase: "cutover", at: "2026-12-06T08:05:00.000Z", interrupted: true, failedChecks: [], errors: ["the cutover was interrupted: …"], recordsBackByApi: kept });
        const title = messageTitle(m)!;
        assert.match(title, /apex and www were put back by Cloudflare's API at 2026-12-06T08:00:07\.250Z \(✓ apex: PATCH dns_records\/023e\S+ accepted \(example\.fr A 192\.0\.2\.10\) at 2026-12-06T08:00:01\.180Z; ✓ www: PATCH dns_records\/372e\S+ accepted/);
        assert.deepEqual(parseFailureNote(m)?.recordsBackByApi, kept);
    });
});
