import { strict as assert } from "assert";
import { ConfigError } from "../../config/config";
import { zoneLookupError, zoneLookupFailure } from "../../program/zoneLookup";
import { lookupZone } from "../../program/program";
import { setGoLiveMocks } from "./mocks";

// The texts below are the engine's and the provider's own words, as they reach the program's
// `cloudflare.getZone` (the SDK rejects with the engine's message) or a failed `pulumi preview`:
// - the engine (pulumi v3.248) wraps a provider's invoke error as "invocation of <token> returned an error: …"
//   (seen on this machine through the replica plugin, whose own text is "zone <name> not found");
// - the Cloudflare provider v6 (terraform-provider-cloudflare v5, internal/services/zone/data_source.go)
//   says "failed to find exactly one result" when the name filter matches no zone, and "failed to make
//   http request" with cloudflare-go's `<METHOD> "<url>": <status> <text> <body>` for an API error;
// - a plugin the engine cannot find or download (seen here with pulumi v3.248, no internet);
// - the SDK's own text when the engine stops while an invoke waits ("Resource monitor is terminating").
const DOMAIN = "example-salon.fr";
const INVOKE = "invocation of cloudflare:index/getZone:getZone returned an error: ";
const URL = `"https://api.cloudflare.com/client/v4/zones?name=${DOMAIN}"`;
const TEXTS = {
    replicaNoZone: `${INVOKE}zone ${DOMAIN} not found`,
    upstreamNoZone: `${INVOKE}failed to find exactly one result: 0 found`,
    invalidToken: `${INVOKE}failed to make http request: GET ${URL}: 403 Forbidden {"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"messages":[],"result":null}`,
    authError: `${INVOKE}failed to make http request: GET ${URL}: 401 Unauthorized {"success":false,"errors":[{"code":10000,"message":"Authentication error"}],"messages":[],"result":null}`,
    pluginNotFound: "no resource plugin 'pulumi-resource-cloudflare' found in the workspace at version v6.22.1 or on your $PATH",
    pluginNotDownloaded:
        "Could not automatically download and install resource plugin 'pulumi-resource-cloudflare' at version v6.22.1, install the plugin using `pulumi plugin install resource cloudflare v6.22.1`: " +
        'error downloading provider cloudflare to file: failed to download plugin: cloudflare-6.22.1: failed all 5 attempts: Get "https://get.pulumi.com/releases/plugins/pulumi-resource-cloudflare-v6.22.1-linux-amd64.tar.gz": dial tcp: lookup get.pulumi.com on 10.255.255.53:53: no such host',
    noSuchHost: `${INVOKE}failed to make http request: Get ${URL}: dial tcp: lookup api.cloudflare.com on 127.0.0.53:53: no such host`,
    unreachable: `${INVOKE}failed to make http request: Get ${URL}: dial tcp 104.16.132.229:443: connect: network is unreachable`,
    timeout: `${INVOKE}failed to make http request: Get ${URL}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    monitorTerminating: "Resource monitor is terminating",
    other: `${INVOKE}failed to make http request: GET ${URL}: 500 Internal Server Error {"success":false,"errors":[{"code":1000,"message":"internal"}]}`,
};

const messageOf = (text: string) => {
    const err = zoneLookupError(DOMAIN, new Error(text));
    assert.ok(err instanceof ConfigError, "a ConfigError: the engine shows its message alone");
    assert.match(err.message, new RegExp(`^golive:domain ${DOMAIN.replace(/\./g, "\\.")}: `), "names the key and the domain");
    assert.match(err.message, /P-03\/P-04/);
    return err.message;
};

describe("program/zoneLookup: why the Cloudflare zone lookup failed (P-03/P-04), from the engine's and the provider's words", () => {
    it("no zone by that name (the replica's and the upstream provider's texts): says so, and that the token may not see it", () => {
        for (const text of [TEXTS.replicaNoZone, TEXTS.upstreamNoZone]) {
            assert.equal(zoneLookupFailure(text), "no-zone", text);
            const m = messageOf(text);
            assert.match(m, /no Cloudflare zone found with this name/);
            assert.match(m, /cloudflare:apiToken/, "a token scoped to other zones lists none: say which key to look at");
        }
    });

    it("a token refused (401/403, Cloudflare codes 9109 and 10000): names cloudflare:apiToken and the permissions, never 'no zone'", () => {
        for (const text of [TEXTS.invalidToken, TEXTS.authError]) {
            assert.equal(zoneLookupFailure(text), "token", text);
            const m = messageOf(text);
            assert.match(m, /Cloudflare refused the API token/);
            assert.match(m, /cloudflare:apiToken/);
            assert.match(m, /Zone:Read/);
            assert.match(m, /DNS:Edit/);
            assert.match(m, /pulumi config set --secret cloudflare:apiToken/);
            assert.doesNotMatch(m, /no Cloudflare zone/);
        }
        assert.match(messageOf(TEXTS.invalidToken), /403 Forbidden.*9109 Invalid access token/);
        assert.match(messageOf(TEXTS.authError), /401 Unauthorized.*10000 Authentication error/);
    });

    it("the provider plugin missing (not installed, or not downloadable offline): the install command with the version the SDK asks for", () => {
        for (const text of [TEXTS.pluginNotFound, TEXTS.pluginNotDownloaded]) {
            assert.equal(zoneLookupFailure(text), "plugin", text);
            const m = messageOf(text);
            assert.match(m, /the Cloudflare provider plugin 6\.22\.1 is not installed/);
            assert.match(m, /pulumi plugin install resource cloudflare 6\.22\.1/);
            assert.match(m, /--file/, "without internet: from a file");
            assert.doesNotMatch(m, /no Cloudflare zone/);
        }
    });

    it("Cloudflare's API unreachable (DNS, route, timeout): says the network, not the zone", () => {
        for (const text of [TEXTS.noSuchHost, TEXTS.unreachable, TEXTS.timeout]) {
            assert.equal(zoneLookupFailure(text), "network", text);
            const m = messageOf(text);
            assert.match(m, /could not reach Cloudflare's API/);
            assert.doesNotMatch(m, /no Cloudflare zone/);
        }
        assert.match(messageOf(TEXTS.noSuchHost), /no such host/);
    });

    it("the engine stopping under the lookup: points at the engine's own error, claims no cause", () => {
        assert.equal(zoneLookupFailure(TEXTS.monitorTerminating), "engine-stopped");
        const m = messageOf(TEXTS.monitorTerminating);
        assert.match(m, /the engine stopped before Cloudflare answered/);
        assert.doesNotMatch(m, /no Cloudflare zone/);
    });

    it("anything else: its own message, and no guessed cause", () => {
        assert.equal(zoneLookupFailure(TEXTS.other), "other");
        const m = messageOf(TEXTS.other);
        assert.match(m, /the Cloudflare zone lookup failed \(P-03\/P-04\): .*500 Internal Server Error/);
        assert.doesNotMatch(m, /no Cloudflare zone|token|plugin/);
        assert.equal(zoneLookupFailure(""), "other");
        assert.match(zoneLookupError(DOMAIN, "plain text thrown").message, /plain text thrown/);
    });

    it("the engine's wrapping is not repeated in the message", () => {
        assert.doesNotMatch(messageOf(TEXTS.replicaNoZone), /invocation of cloudflare:index\/getZone:getZone returned an error/);
    });

    it("program/program lookupZone reports through it: a refused token is not a missing zone", async () => {
        setGoLiveMocks({ zoneError: TEXTS.invalidToken });
        await assert.rejects(lookupZone(DOMAIN, "adopt"), (err: Error) => err instanceof ConfigError && /Cloudflare refused the API token/.test(err.message) && !/no Cloudflare zone/.test(err.message));
    });
});
