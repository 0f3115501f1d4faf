import { strict as assert } from "assert";
import { booleanValue, ConfigError, decimalValue, integerValue, oneOfValue, optionalIntegerValue, textValue } from "../../config/configValues";
import { parseConfig, RawConfigSource } from "../../config/config";
import { parseChecksConfig } from "../../config/checksConfig";
import { parseCertificateConfig } from "../../config/certificateConfig";
import { parseServicesConfig } from "../../config/servicesConfig";

function messageOf(f: () => unknown): string {
    try {
        f();
    } catch (err) {
        assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
        return err.message;
    }
    return "(accepted)";
}

function source(values: Record<string, unknown>): RawConfigSource {
    return {
        get: (key) => (values[key] === undefined ? undefined : typeof values[key] === "string" ? (values[key] as string) : JSON.stringify(values[key])),
        isSecret: () => false,
    };
}

describe("config/configValues: one rule per kind of config value", () => {
    // The strict number rule: a JSON number, or plain decimal digits as text. Number() would take the refused ones.
    const integers: [unknown, number | "refused"][] = [
        [60, 60],
        ["60", 60],
        ["-1", -1],
        ["+5", 5],
        [0, 0],
        ["0x3c", "refused"],
        ["1e2", "refused"],
        ["0b11", "refused"],
        ["0o17", "refused"],
        [" 60", "refused"],
        ["60 ", "refused"],
        ["6.0", "refused"],
        [6.5, "refused"],
        ["Infinity", "refused"],
        [Infinity, "refused"],
        [NaN, "refused"],
        ["sixty", "refused"],
        [true, "refused"],
        [[60], "refused"],
        [{}, "refused"],
    ];
    for (const [raw, want] of integers) {
        it(`integer ${JSON.stringify(raw) ?? String(raw)}: ${want}`, () => {
            if (want === "refused") assert.equal(messageOf(() => integerValue("golive:x", raw, 1)), `golive:x must be an integer, got ${JSON.stringify(raw)}`);
            else assert.equal(integerValue("golive:x", raw, 1), want);
        });
    }

    const decimals: [unknown, number | "refused"][] = [
        [0.9, 0.9],
        ["0.9", 0.9],
        [".5", 0.5],
        ["2", 2],
        ["-0.25", -0.25],
        ["5.", "refused"],
        ["1e2", "refused"],
        ["0x10", "refused"],
        [" 0.5", "refused"],
        ["0.5.1", "refused"],
        ["NaN", "refused"],
        [Infinity, "refused"],
        [false, "refused"],
    ];
    for (const [raw, want] of decimals) {
        it(`decimal ${JSON.stringify(raw) ?? String(raw)}: ${want}`, () => {
            if (want === "refused") assert.equal(messageOf(() => decimalValue("golive:x", raw, 1)), `golive:x must be a number, got ${JSON.stringify(raw)}`);
            else assert.equal(decimalValue("golive:x", raw, 1), want);
        });
    }

    it("unset (absent, null, empty text) is the fallback, or undefined for an optional value", () => {
        for (const raw of [undefined, null, ""]) {
            assert.equal(integerValue("golive:x", raw, 7), 7);
            assert.equal(optionalIntegerValue("golive:x", raw), undefined);
            assert.equal(decimalValue("golive:x", raw, 0.5), 0.5);
            assert.equal(booleanValue("golive:x", raw, true), true);
            assert.equal(oneOfValue("golive:x", raw, ["a", "b"] as const, "b"), "b");
            assert.equal(textValue("golive:x", raw), undefined);
        }
    });

    it("bounds are inclusive and said in the error, with the unit", () => {
        assert.equal(integerValue("golive:x", "5", 0, { min: 5, max: 10 }), 5);
        assert.equal(integerValue("golive:x", 10, 0, { min: 5, max: 10 }), 10);
        assert.equal(messageOf(() => integerValue("golive:x", "11", 0, { min: 5, max: 10, unit: "seconds" })), 'golive:x must be an integer between 5 and 10 (seconds), got "11"');
        assert.equal(messageOf(() => integerValue("golive:x", 4, 0, { min: 5 })), "golive:x must be an integer of at least 5, got 4");
        assert.equal(messageOf(() => decimalValue("golive:x", "1.5", 0, { min: 0, max: 1 })), 'golive:x must be a number between 0 and 1, got "1.5"');
    });

    const booleans: [unknown, boolean | "refused"][] = [
        [true, true],
        ["true", true],
        [false, false],
        ["false", false],
        ["yes", "refused"],
        ["True", "refused"],
        [1, "refused"],
        ["1", "refused"],
    ];
    for (const [raw, want] of booleans) {
        it(`boolean ${JSON.stringify(raw)}: ${want}`, () => {
            if (want === "refused") assert.equal(messageOf(() => booleanValue("golive:x", raw, false)), `golive:x must be true or false, got ${JSON.stringify(raw)}`);
            else assert.equal(booleanValue("golive:x", raw, !want), want);
        });
    }

    it("one of a list; text is text (the value is not echoed)", () => {
        assert.equal(oneOfValue("golive:m", "GET", ["POST", "GET"] as const, "POST"), "GET");
        assert.equal(messageOf(() => oneOfValue("golive:m", "get", ["POST", "GET"] as const, "POST")), 'golive:m must be one of POST, GET, got "get"');
        assert.equal(textValue("golive:t", "x"), "x");
        assert.equal(messageOf(() => textValue("golive:t", 42)), "golive:t must be text, got number");
    });
});

describe("every config reader applies the same number rule", () => {
    const core = { domain: "example.com", gitRepo: "kalia/site" };

    it("golive:ttl and golive:redirectStatus (config/config) refuse 0x3c and 1e2, as golive:checks does", () => {
        assert.equal(parseConfig(source({ ...core, ttl: "300" })).ttl, 300);
        assert.equal(messageOf(() => parseConfig(source({ ...core, ttl: "0x3c" }))), 'golive:ttl must be an integer, got "0x3c"');
        assert.equal(messageOf(() => parseConfig(source({ ...core, ttl: "1e2" }))), 'golive:ttl must be an integer, got "1e2"');
        assert.equal(messageOf(() => parseConfig(source({ ...core, redirectStatus: "0x134" }))), 'golive:redirectStatus must be an integer, got "0x134"');
        assert.equal(messageOf(() => parseChecksConfig({ dnsTimeoutSeconds: "0x3c" })), 'golive:checks.dnsTimeoutSeconds must be an integer between 1 and 86400, got "0x3c"');
        assert.equal(messageOf(() => parseChecksConfig({ dnsTimeoutSeconds: "1e2" })), 'golive:checks.dnsTimeoutSeconds must be an integer between 1 and 86400, got "1e2"');
    });

    it("golive:liveRecords.*.ttl, golive:certificate and golive:pagespeed use the same rule", () => {
        const live = { apex: { id: "0".repeat(32), type: "A", content: "192.0.2.1", ttl: "1e2", proxied: false } };
        assert.equal(messageOf(() => parseConfig(source({ ...core, liveRecords: live }))), 'golive:liveRecords.apex.ttl must be an integer, got "1e2"');
        assert.equal(
            messageOf(() => parseCertificateConfig(source({ certificate: { timeoutSeconds: "0x3c" } }))),
            'golive:certificate.timeoutSeconds must be an integer between 5 and 3600 (seconds), got "0x3c"',
        );
        assert.equal(messageOf(() => parseServicesConfig(source({ pagespeed: { threshold: "1e-1" } }))), 'golive:pagespeed.threshold must be a number between 0 and 1, got "1e-1"');
        assert.equal(messageOf(() => parseServicesConfig(source({ pagespeed: { localRuns: "0x3" } }))), 'golive:pagespeed.localRuns must be an integer between 1 and 9, got "0x3"');
    });
});
