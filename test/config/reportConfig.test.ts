// golive:report (issue 26): where the go-live page goes and how it is uploaded. Bad values are
// refused with the key named and what is expected, by the parser the program runs at preview and
// by the guided commands' config gate.
import { strict as assert } from "assert";
import { ConfigError } from "../../config/configValues";
import { DEFAULT_UPLOAD_TIMEOUT_SECONDS, parseReportConfig } from "../../config/reportConfig";
import { configGates } from "../../operations/phaseGates";

const raw = (report: unknown) => ({ get: (key: string) => (key === "report" && report !== undefined ? (typeof report === "string" ? report : JSON.stringify(report)) : undefined), isSecret: () => false });

function refuses(report: unknown, key: string, pattern: RegExp): void {
    assert.throws(
        () => parseReportConfig(raw(report)),
        (err: Error) => {
            assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
            assert.ok(err.message.includes(`golive:${key}`), `does not name golive:${key}: ${err.message}`);
            assert.match(err.message, pattern);
            return true;
        },
    );
}

describe("golive:report (the go-live page's place and upload)", () => {
    it("unset or {}: beside the record, no upload, French, the default bound", () => {
        for (const r of [undefined, {}, ""]) assert.deepEqual({ ...parseReportConfig(raw(r)) }, { uploadTimeoutSeconds: DEFAULT_UPLOAD_TIMEOUT_SECONDS, lang: "fr" });
    });

    it("keeps a full config as given, the argument vector untouched (a value starting with - or holding $(…) is kept literally)", () => {
        const cfg = parseReportConfig(raw({ dir: "/srv/pages", url: "https://pages.agence.example/golive/", uploadCommand: ["rclone", "copyto", "{file}", "--", "-x", "$(touch /tmp/pwned)", "pages:golive/{name}"], uploadTimeoutSeconds: "30", lang: "en" }));
        assert.deepEqual({ ...cfg }, { dir: "/srv/pages", url: "https://pages.agence.example/golive", uploadCommand: ["rclone", "copyto", "{file}", "--", "-x", "$(touch /tmp/pwned)", "pages:golive/{name}"], uploadTimeoutSeconds: 30, lang: "en" });
        assert.ok(Object.isFrozen(cfg));
    });

    it("refuses bad values, naming the key and what is expected", () => {
        refuses({ url: "http://pages.agence.example" }, "report.url", /https:\/\/ address, got "http"/);
        refuses({ url: "pages.agence.example" }, "report.url", /https:\/\/ address/);
        refuses({ url: "https://user:pw@pages.agence.example" }, "report.url", /must not embed credentials/);
        refuses({ url: "https://pages.agence.example/?x=1" }, "report.url", /without \?query or #fragment/);
        refuses({ uploadCommand: "rclone copyto {file} pages:" }, "report.uploadCommand", /list of arguments/);
        refuses({ uploadCommand: [] }, "report.uploadCommand", /list of 1 to 64 arguments/);
        refuses({ uploadCommand: ["rclone", 3] }, "report.uploadCommand", /list of 1 to 64 arguments \(text\)/);
        refuses({ uploadCommand: ["--upload", "{file}"] }, "report.uploadCommand[0]", /the program to run/);
        refuses({ uploadCommand: ["rclone", "a\u0000b"] }, "report.uploadCommand[1]", /without a NUL character/);
        refuses({ uploadTimeoutSeconds: "1e2" }, "report.uploadTimeoutSeconds", /an integer between 1 and 3600 \(seconds\), got "1e2"/);
        refuses({ uploadTimeoutSeconds: 0 }, "report.uploadTimeoutSeconds", /between 1 and 3600/);
        refuses({ lang: "de" }, "report.lang", /one of fr, en, got "de"/);
        refuses({ link: "https://x" }, "report", /only knows dir, url, uploadCommand, uploadTimeoutSeconds, lang, got link/);
        refuses("[1]", "report", /must be an object/);
    });

    it("the guided commands' config gate refuses it too, with the same message", () => {
        const report = configGates({ "golive:domain": { value: "example.com", secret: false }, "golive:report": { value: JSON.stringify({ url: "ftp://pages.example" }), secret: false } }, "adopt");
        const gate = report.gates.find((g) => g.id === "config")!;
        assert.equal(gate.ok, false);
        assert.match(gate.detail, /golive:report\.url must be an https:\/\/ address, got "ftp"/);
    });
});
