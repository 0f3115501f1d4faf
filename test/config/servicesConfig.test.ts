import { strict as assert } from "assert";
import * as crypto from "crypto";
import { ConfigError } from "../../config/config";
import { parseServicesConfig } from "../../config/servicesConfig";

function source(values: Record<string, unknown>, secret: string[] = []) {
    return {
        get: (key: string) => (values[key] === undefined ? undefined : JSON.stringify(values[key])),
        isSecret: (key: string) => secret.includes(key),
    };
}

const keyJson = () =>
    JSON.stringify({
        type: "service_account",
        client_email: "golive@kalia.iam.gserviceaccount.com",
        private_key: crypto.generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    });

describe("config/servicesConfig: golive:contactForm, imap, pagespeed, searchConsole, analytics", () => {
    it("is empty without config: every service check will skip", () => {
        assert.deepEqual(parseServicesConfig(source({})), {});
    });

    it("parses a full config with defaults", () => {
        const key = keyJson();
        const cfg = parseServicesConfig(
            source(
                {
                    contactForm: { path: "/contact", fields: { name: "nom", email: "courriel", message: "msg" }, hidden: { _form: "1" }, expectStatus: [200, 303] },
                    imap: { host: "imap.example.net", user: "contact@kaliabeautystudio.com", password: "s3cret" },
                    pagespeed: { apiKey: "AIza-x", strategies: ["mobile", "desktop"] },
                    searchConsole: { siteUrl: "sc-domain:kaliabeautystudio.com", serviceAccountKey: key },
                    analytics: { measurementId: "G-ABC123XYZ", propertyId: 412345678, serviceAccountKey: key },
                },
                ["imap", "pagespeed", "searchConsole", "analytics"],
            ),
        );
        assert.deepEqual(cfg.contactForm, { path: "/contact", method: "POST", fields: { name: "nom", email: "courriel", message: "msg" }, hidden: { _form: "1" }, expectStatus: [200, 303], deliveryTimeoutSeconds: 180, pollSeconds: 5 });
        assert.deepEqual(cfg.imap, { host: "imap.example.net", port: 993, secure: true, user: "contact@kaliabeautystudio.com", password: "s3cret" });
        assert.equal(cfg.pagespeed?.threshold, 0.9);
        assert.equal(cfg.pagespeed?.mode, "auto");
        assert.deepEqual(cfg.pagespeed?.strategies, ["mobile", "desktop"]);
        assert.equal(cfg.searchConsole?.siteUrl, "sc-domain:kaliabeautystudio.com");
        assert.equal(cfg.analytics?.propertyId, "412345678");
        assert.equal(cfg.analytics?.visit, "browser");
        // Each outside-service check has one deadline, with a documented default.
        assert.equal(cfg.pagespeed?.timeoutSeconds, 600);
        assert.equal(cfg.searchConsole?.timeoutSeconds, 120);
        assert.equal(cfg.analytics?.timeoutSeconds, 300);
    });

    it("takes each check's deadline from timeoutSeconds; the analytics one must outlast the realtime wait", () => {
        const cfg = parseServicesConfig(source({ pagespeed: { timeoutSeconds: 90 }, searchConsole: { timeoutSeconds: 30 }, analytics: { realtimeWaitSeconds: 20, timeoutSeconds: 60 } }));
        assert.equal(cfg.pagespeed?.timeoutSeconds, 90);
        assert.equal(cfg.searchConsole?.timeoutSeconds, 30);
        assert.equal(cfg.analytics?.timeoutSeconds, 60);
        assert.equal(parseServicesConfig(source({ analytics: { realtimeWaitSeconds: 600 } })).analytics?.timeoutSeconds, 780, "default: the realtime wait + 180 s when longer than 300 s");
        assert.throws(() => parseServicesConfig(source({ analytics: { realtimeWaitSeconds: 120, timeoutSeconds: 100 } })), /golive:analytics\.timeoutSeconds \(100\) must be longer than golive:analytics\.realtimeWaitSeconds \(120\)/);
        assert.throws(() => parseServicesConfig(source({ pagespeed: { timeoutSeconds: 0 } })), /golive:pagespeed\.timeoutSeconds must be a number between 1 and 3600, got 0/);
        assert.throws(() => parseServicesConfig(source({ searchConsole: { timeoutSeconds: "soon" } })), /golive:searchConsole\.timeoutSeconds must be a number between 1 and 1800, got "soon"/);
    });

    it("refuses secrets stored in clear, naming the key and never printing the value", () => {
        assert.throws(
            () => parseServicesConfig(source({ imap: { host: "h", user: "u", password: "clear-pw" } })),
            (err: Error) => err instanceof ConfigError && /golive:imap\.password must be stored as a secret: pulumi config set --secret --path golive:imap\.password/.test(err.message) && !err.message.includes("clear-pw"),
        );
        assert.throws(() => parseServicesConfig(source({ pagespeed: { apiKey: "AIza-clear" } })), /golive:pagespeed\.apiKey must be stored as a secret/);
        assert.throws(() => parseServicesConfig(source({ searchConsole: { serviceAccountKey: "{}" } }, ["searchConsole"])), /golive:searchConsole\.serviceAccountKey must be a service-account key file/);
        assert.throws(
            () => parseServicesConfig(source({ analytics: { serviceAccountKey: "not json PRIVATE" } }, ["analytics"])),
            (err: Error) => /golive:analytics\.serviceAccountKey must be the JSON key file/.test(err.message) && !err.message.includes("not json PRIVATE"),
        );
    });

    // Issue 18 item 6: a key file on a command line is readable by every user of the machine (ps) and lands in shell history.
    it("tells to store a service-account key from standard input, never from a command line", () => {
        for (const service of ["searchConsole", "analytics"]) {
            assert.throws(
                () => parseServicesConfig(source({ [service]: { serviceAccountKey: "not json" } }, [service])),
                (err: Error) => err.message.includes(`pulumi config set --secret --path 'golive:${service}.serviceAccountKey' < key.json`) && !err.message.includes("$(cat"),
                service,
            );
        }
    });

    it("names the key of each invalid value", () => {
        const cases: [Record<string, unknown>, RegExp][] = [
            [{ imap: { user: "u" } }, /golive:imap\.host is required/],
            [{ imap: { host: "h", user: "u", port: 70000 } }, /golive:imap\.port must be an integer between 1 and 65535/],
            // Issue 9 item 8: ports and counts are whole numbers.
            [{ imap: { host: "h", user: "u", port: 993.5 } }, /golive:imap\.port must be an integer between 1 and 65535, got 993\.5/],
            [{ pagespeed: { localRuns: 2.5 } }, /golive:pagespeed\.localRuns must be an integer between 1 and 9, got 2\.5/],
            [{ imap: { host: "h", user: "u", port: "0x3e1" } }, /golive:imap\.port must be an integer between 1 and 65535, got "0x3e1"/],
            [{ contactForm: { path: "contact" } }, /golive:contactForm\.path is a path of the site: it must start with "\/"/],
            [{ contactForm: { method: "PUT" } }, /golive:contactForm\.method must be one of POST, GET/],
            [{ contactForm: { fields: { phone: "tel" } } }, /golive:contactForm\.fields has unknown field\(s\) phone/],
            [{ contactForm: { expectStatus: ["ok"] } }, /golive:contactForm\.expectStatus must be a list of HTTP statuses/],
            [{ pagespeed: { threshold: 90 } }, /golive:pagespeed\.threshold must be a number between 0 and 1, got 90/],
            [{ pagespeed: { strategies: ["tablet"] } }, /golive:pagespeed\.strategies must be a list of mobile and\/or desktop/],
            [{ pagespeed: { mode: "fast" } }, /golive:pagespeed\.mode must be one of api, local, auto/],
            [{ pagespeed: { baseUrl: "localhost:8080" } }, /golive:pagespeed\.baseUrl must be an http\(s\) base URL/],
            [{ searchConsole: { siteUrl: "https://www.kaliabeautystudio.com" } }, /golive:searchConsole\.siteUrl must be a URL prefix ending with "\/"/],
            [{ analytics: { measurementId: "UA-12345-1" } }, /golive:analytics\.measurementId must be a GA4 measurement ID/],
            [{ analytics: { propertyId: "properties/1" } }, /golive:analytics\.propertyId must be the numeric GA4 property id/],
            [{ analytics: { measurmentId: "G-ABC123" } }, /golive:analytics has unknown field\(s\) measurmentId/],
        ];
        for (const [values, expected] of cases) {
            assert.throws(() => parseServicesConfig(source(values)), expected, JSON.stringify(values));
        }
    });
});
