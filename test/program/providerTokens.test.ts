// Issue 18 item 6: a provider token set without --secret sits in clear in Pulumi.<stack>.yaml (and in
// git when the file is committed). The program refuses it at preview, like a golive: secret in clear.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { clearProviderTokensProblem, ConfigError, loadConfig, PROVIDER_TOKEN_KEYS } from "../../config/config";
import { prodConfig, setGoLiveMocks } from "./mocks";

const TOKEN = "tok-clear-5f3a9c";

function runtimeConfig(extra: Record<string, string>): Record<string, string> {
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(prodConfig("prepare"))) if (v !== undefined) config[`golive:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    return { ...config, ...extra };
}

describe("config/config: provider tokens must be Pulumi secrets (vercel:apiToken, cloudflare:apiToken)", () => {
    after(() => pulumi.runtime.setAllConfig({}, []));

    it("names each token stored in clear and the command that stores it as a secret from a prompt or stdin", () => {
        assert.deepEqual([...PROVIDER_TOKEN_KEYS].sort(), ["cloudflare:apiToken", "vercel:apiToken"]);
        const problem = clearProviderTokensProblem(["vercel:apiToken", "cloudflare:apiToken", "golive:domain"], (key) => key === "cloudflare:apiToken") ?? "";
        assert.match(problem, /^vercel:apiToken is stored in clear in the stack file: store it as a secret with `pulumi config set --secret vercel:apiToken`/);
        assert.match(problem, /prompts, or reads the token from standard input/);
        assert.doesNotMatch(problem, /cloudflare:apiToken/, "a token stored as a secret is fine");
        assert.equal(clearProviderTokensProblem(["vercel:apiToken", "cloudflare:apiToken"], () => true), undefined);
        assert.equal(clearProviderTokensProblem(["golive:domain", "vercel:team"], () => false), undefined, "tokens from the environment (unset in config) are fine");
    });

    it("the program refuses a clear token at preview, before anything is declared, without printing it", () => {
        const rec = setGoLiveMocks();
        pulumi.runtime.setAllConfig(runtimeConfig({ "vercel:apiToken": TOKEN, "cloudflare:apiToken": TOKEN }), ["golive:envValues", "cloudflare:apiToken"]);
        assert.throws(
            () => loadConfig(),
            (err: Error) => err instanceof ConfigError && /vercel:apiToken is stored in clear/.test(err.message) && !/cloudflare:apiToken/.test(err.message) && !err.message.includes(TOKEN),
        );
        assert.equal(rec.registrations.length, 0);
        pulumi.runtime.setAllConfig(runtimeConfig({ "vercel:apiToken": TOKEN, "cloudflare:apiToken": TOKEN }), ["golive:envValues", "cloudflare:apiToken", "vercel:apiToken"]);
        assert.equal(loadConfig().domain, "kaliabeautystudio.com");
    });
});
