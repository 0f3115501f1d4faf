import { strict as assert } from "assert";
import { parseConfig } from "../../config/config";
import { configGates, ConfigMap, lastApplied, nextStep, orderGate, ttlWarning, UpdateEntry, zoneGate } from "../../operations/phaseGates";
import { prodConfig, rawFrom } from "../program/mocks";

/** prodConfig as `pulumi config --json` shows it (golive: keys, objects as JSON text). */
function configMap(overrides: Record<string, unknown> = {}, secret = ["envValues"]): ConfigMap {
    const values = prodConfig("adopt", overrides);
    delete values.phase;
    const map: ConfigMap = {};
    for (const [k, v] of Object.entries(values)) if (v !== undefined) map[`golive:${k}`] = { value: typeof v === "string" ? v : JSON.stringify(v), secret: secret.includes(k) };
    return map;
}
const messageOf = (fn: () => unknown) => {
    try {
        fn();
    } catch (err) {
        return (err as Error).message;
    }
    return "";
};

describe("operations/phaseGates: the gates of a guided phase, from the program's own parsers", () => {
    it("cutover with everything set: every gate passes, with its evidence", () => {
        const g = configGates(configMap(), "cutover");
        assert.equal(g.ok, true);
        assert.deepEqual(g.gates.map((x) => [x.id, x.ok, x.detail]), [
            ["config", true, "every golive: key is valid"],
            ["MEP-02", true, "deploys 9f3c2e1a7b5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b (golive:releaseRef)"],
            ["P-05", true, "3 set as secrets: RESEND_API_KEY, CONTACT_TO_EMAIL, NEXT_PUBLIC_GA_MEASUREMENT_ID"],
            ["P-01", true, "approved by Kalia (client) on 2026-11-20T18:00:00+01:00"],
        ]);
        assert.equal(g.cfg?.phase, "cutover");
    });

    it("golive:buildTimeoutSeconds out of range: the config gate names the key (MEP-04's bound on the wait for the build)", () => {
        const map: ConfigMap = { ...configMap(), "golive:buildTimeoutSeconds": { value: "30", secret: false } };
        const g = configGates(map, "prepare");
        assert.equal(g.gates[0].ok, false);
        assert.match(g.gates[0].detail, /golive:buildTimeoutSeconds must be a whole number of seconds from 60 to 10800/);
    });

    it("every unmet gate shows at once, each with the message `pulumi preview` would print", () => {
        const map = configMap({ releaseRef: undefined, approvedBy: undefined, approvedAt: undefined, envValues: { RESEND_API_KEY: "x" } });
        const g = configGates(map, "cutover");
        assert.equal(g.ok, false);
        assert.equal(g.cfg, undefined);
        const byId = Object.fromEntries(g.gates.map((x) => [x.id, x]));
        assert.equal(byId.config.ok, true);
        const program = (over: Record<string, unknown>) => messageOf(() => parseConfig(rawFrom(prodConfig("cutover", over))));
        assert.equal(byId["MEP-02"].detail, program({ releaseRef: undefined }));
        assert.match(byId["MEP-02"].detail, /golive:releaseRef is required from phase prepare on/);
        assert.equal(byId["P-05"].detail, program({ envValues: { RESEND_API_KEY: "x" } }));
        assert.match(byId["P-05"].detail, /golive:envValues\.CONTACT_TO_EMAIL has no value \(P-05\)/);
        assert.equal(byId["P-01"].detail, program({ approvedBy: undefined, approvedAt: undefined }));
        // prepare does not ask for the approval; adopt asks for none of them.
        assert.deepEqual(configGates(map, "prepare").gates.map((x) => x.id), ["config", "MEP-02", "P-05"]);
        assert.deepEqual(configGates(map, "adopt").gates.map((x) => [x.id, x.ok]), [["config", true]]);
    });

    it("a bad value anywhere (other config modules included) is the config gate, with its message", () => {
        const bad = configGates(configMap({ redirectStatus: 302 }), "adopt");
        assert.deepEqual(bad.gates.map((x) => [x.id, x.ok, x.detail]), [["config", false, "golive:redirectStatus must be 301 or 308, got 302"]]);
        const checks = configGates(configMap({ checks: { pages: [{ path: "services" }] } }), "adopt");
        assert.equal(checks.gates[0].detail, 'golive:checks.pages[0].path is a path of the site: it must start with "/", got "services"');
        const secretInClear = configGates(configMap({}, []), "prepare");
        assert.match(secretInClear.gates.find((x) => x.id === "P-05")!.detail, /golive:envValues must be stored as secrets/);
    });

    it("golive:rollback.auto is parsed with the rest of the config (R-1 agreed beforehand)", () => {
        assert.deepEqual(parseConfig(rawFrom(prodConfig("cutover"))).rollback, { auto: false });
        assert.deepEqual(parseConfig(rawFrom(prodConfig("cutover", { rollback: { auto: true } }))).rollback, { auto: true });
        assert.equal(messageOf(() => parseConfig(rawFrom(prodConfig("adopt", { rollback: { auto: "yes" } })))), 'golive:rollback.auto must be true or false, got "yes"');
        assert.equal(messageOf(() => parseConfig(rawFrom(prodConfig("adopt", { rollback: { atuo: true } })))), "golive:rollback only knows auto, got atuo");
    });

    const update = (phase: string, result = "succeeded", endTime = "2026-12-01T08:00:00Z", version = 0): UpdateEntry => ({
        version,
        kind: "update",
        result,
        startTime: endTime,
        endTime,
        config: { "golive:phase": { value: phase, secret: false } },
    });

    it("the phases in order: prepare after adopt, cutover after prepare", () => {
        assert.equal(orderGate("adopt", undefined).ok, true);
        assert.match(orderGate("prepare", undefined).detail, /prepare comes after adopt, and the last successful update applied nothing yet: run golive adopt first/);
        assert.equal(orderGate("prepare", update("adopt")).ok, true);
        assert.equal(orderGate("cutover", update("adopt")).ok, false);
        assert.equal(orderGate("cutover", update("prepare", "succeeded", "2026-12-01T08:00:00Z", 4)).detail, "last applied: prepare (update 4)");
        assert.equal(orderGate("cutover", update("cutover")).ok, true, "a cutover again");
        const history = [update("cutover", "failed"), update("prepare"), update("adopt")];
        assert.equal(lastApplied(history), history[1]);
    });

    it("the next step, from the newest update and the newest successful one", () => {
        assert.match(nextStep("s", undefined, undefined), /^golive adopt --stack s/);
        assert.match(nextStep("s", update("adopt"), update("adopt")), /^golive prepare --stack s/);
        assert.match(nextStep("s", update("prepare"), update("prepare")), /^golive cutover --stack s at hour H/);
        assert.match(nextStep("s", update("cutover"), update("cutover")), /^done: the site is live/);
        assert.match(nextStep("s", update("cutover", "failed"), update("prepare")), /the last cutover failed: .*roll back: golive prepare --stack s/);
    });

    it("warns when the cutover comes less than one old TTL after prepare", () => {
        const cfg = parseConfig(rawFrom(prodConfig("cutover")));
        const prepared = update("prepare", "succeeded", "2026-12-01T08:00:00Z");
        assert.match(ttlWarning(cfg, prepared, Date.parse("2026-12-01T08:10:00Z"))!, /prepare was applied 600 s ago, less than the old TTL \(3600 s\)/);
        assert.equal(ttlWarning(cfg, prepared, Date.parse("2026-12-01T09:00:01Z")), undefined);
        assert.equal(ttlWarning(cfg, update("cutover"), Date.parse("2026-12-01T08:00:01Z")), undefined);
    });

    it("the zone gate reports the lookup's own message", () => {
        assert.deepEqual(zoneGate({ zone: { name: "example.com", status: "active" } }), { id: "P-03/P-04", label: "Cloudflare zone", ok: true, detail: "example.com found, status active" });
        assert.equal(zoneGate({ error: 'golive:domain example.com: the Cloudflare zone status is "pending"' }).ok, false);
    });
});
