// The key pages' pictures of a real cutover (issue 26): the two stages of the guided command, with a
// stand-in shooter (the real one, headless Chromium, is tested in test/checks and the page's
// browser test). Before the switch: the pins the pre-switch checks recorded; after it: no pins, and
// labelled from the records when visitors do not have the new site.
import { strict as assert } from "assert";
import type { PageShot, ShotStage } from "../../checks/screenshot";
import type { NetOptions } from "../../checks/types";
import { keyPageUrls, preSwitchPinsOf, screenshotsOff, shootAfterSwitch, shootBeforeSwitch, shotsInputOf, showsAfter, siteLineOf, type ShootPages } from "../../operations/goLiveShots";
import type { ConfigMap } from "../../operations/phaseGates";

const map: ConfigMap = {
    "golive:domain": { value: "example.com", secret: false },
    "golive:checks": { value: JSON.stringify({ pages: [{ path: "/" }, { path: "/contact" }], network: { dnsServers: ["127.0.0.1:5353"], httpsPort: 8443 } }), secret: false },
};
const outputs = {
    preSwitch: [
        { id: "MEP-09", evidence: { pinned: { "www.example.com": { pin: "cname.vercel-dns.com", addresses: ["127.0.0.2"] } } } },
        { id: "MEP-10", evidence: { pinned: { "example.com": { pin: "76.76.21.21", addresses: ["76.76.21.21"] } } } },
        { id: "MEP-11", evidence: {} },
    ],
};

/** A shooter that records its calls and answers one picture per page. */
function fakeShooter() {
    const calls: Array<{ urls: string[]; stage: ShotStage; net: NetOptions; pins?: Record<string, string> }> = [];
    const shoot: ShootPages = async (urls, stage, net, pins) => {
        calls.push({ urls, stage, net, ...(pins ? { pins } : {}) });
        return urls.map((url): PageShot => ({ url, stage, takenAt: "2026-12-06T08:00:00.000Z", image: "data:image/png;base64,AA==", width: 1024, height: 640 }));
    };
    return { calls, shoot };
}

describe("operations/goLiveShots: the key pages before and after the switch of a real cutover (issue 26)", () => {
    const lines: string[] = [];
    const base = (shoot?: ShootPages) => ({ map, ...(shoot ? { shoot } : {}), now: () => Date.UTC(2026, 11, 6, 8), err: (l: string) => lines.push(l) });

    it("before the switch: the key pages on www, the checks' network, and the pins exactly as the pre-switch checks recorded them", async () => {
        assert.deepEqual(keyPageUrls(map), ["https://www.example.com/", "https://www.example.com/contact"]);
        assert.deepEqual(preSwitchPinsOf(outputs), { "www.example.com": "cname.vercel-dns.com", "example.com": "76.76.21.21" });
        const f = fakeShooter();
        const shots = await shootBeforeSwitch({ ...base(f.shoot), outputs: async () => outputs });
        assert.deepEqual(f.calls, [{ urls: ["https://www.example.com/", "https://www.example.com/contact"], stage: "pre-switch", net: { dnsServers: ["127.0.0.1:5353"], httpsPort: 8443 }, pins: { "www.example.com": "cname.vercel-dns.com", "example.com": "76.76.21.21" } }]);
        assert.deepEqual(shots.map((s) => [s.url, s.stage, !!s.image]), [["https://www.example.com/", "pre-switch", true], ["https://www.example.com/contact", "pre-switch", true]]);
    });

    it("no pins recorded (prepare not run with this version): every page missing, saying why; no browser started", async () => {
        const f = fakeShooter();
        const shots = await shootBeforeSwitch({ ...base(f.shoot), outputs: async () => ({ preSwitch: [{ evidence: {} }] }) });
        assert.equal(f.calls.length, 0);
        assert.deepEqual(shots.map((s) => [s.stage, s.image, s.missing]), [
            ["pre-switch", undefined, "no picture before the switch: the stack's outputs hold no pins of the pre-switch checks (golive prepare records them)"],
            ["pre-switch", undefined, "no picture before the switch: the stack's outputs hold no pins of the pre-switch checks (golive prepare records them)"],
        ]);
        // Outputs that cannot be read are the same case, not a crash.
        const unread = await shootBeforeSwitch({ ...base(f.shoot), outputs: async () => Promise.reject(new Error("engine gone")) });
        assert.equal(unread.length, 2);
    });

    it("a shooter that throws leaves the pages missing with its error; no shooter or no key pages: no stage at all", async () => {
        const shots = await shootAfterSwitch({ ...base(async () => Promise.reject(Object.assign(new Error("spawn EACCES"), { code: "EACCES" }))), after: { live: true } });
        assert.equal(shots.length, 2);
        assert.match(shots[0].missing!, /^the screenshots failed: .*EACCES/);
        assert.deepEqual(await shootAfterSwitch({ ...base(), after: { live: true } }), []);
        const f = fakeShooter();
        assert.deepEqual(await shootBeforeSwitch({ ...base(f.shoot), map: { "golive:checks": map["golive:checks"] }, outputs: async () => outputs }), [], "no domain, no page");
        assert.deepEqual(keyPageUrls({ ...map, "golive:checks": { value: "{\"pages\": 3}", secret: false } }), [], "a refused key (the config gate said so) takes no picture");
        assert.deepEqual(keyPageUrls({ "golive:domain": map["golive:domain"] }), ["https://www.example.com/"], "the checks' default key page");
        assert.equal(f.calls.length, 0);
    });

    it("GOLIVE_SCREENSHOTS=off (a CI without Chromium, the engine tests): no browser, every page says why; a value it does not take is said too", async () => {
        assert.equal(screenshotsOff({}), undefined);
        assert.equal(screenshotsOff({ GOLIVE_SCREENSHOTS: "on" }), undefined);
        assert.equal(screenshotsOff({ GOLIVE_SCREENSHOTS: "off" }), "not taken: GOLIVE_SCREENSHOTS=off");
        assert.equal(screenshotsOff({ GOLIVE_SCREENSHOTS: "no" }), 'not taken: GOLIVE_SCREENSHOTS must be on or off, got "no"');
        const f = fakeShooter();
        const off = "not taken: GOLIVE_SCREENSHOTS=off";
        const before = await shootBeforeSwitch({ ...base(f.shoot), off, outputs: async () => outputs });
        const after = await shootAfterSwitch({ ...base(f.shoot), off, after: { live: true } });
        assert.equal(f.calls.length, 0);
        assert.deepEqual([...before, ...after].map((s) => [s.stage, s.missing]), [["pre-switch", off], ["pre-switch", off], ["after-switch", off], ["after-switch", off]]);
    });

    it("after the switch: through public DNS, no pins; live: no label; after a way back: what the records say visitors reach", async () => {
        const f = fakeShooter();
        const live = await shootAfterSwitch({ ...base(f.shoot), after: { live: true } });
        assert.deepEqual([f.calls[0].stage, f.calls[0].pins], ["after-switch", undefined]);
        assert.equal(live[0].shows, undefined);
        const siteAfter = ["apex and www hold their previous content (the old host); visitors reach the old site."];
        const back = await shootAfterSwitch({ ...base(f.shoot), after: { live: false, siteAfter, rolledBackAt: new Date(Date.UTC(2026, 11, 6, 8, 0, 12)) } });
        assert.equal(back[0].shows, `after the way back (records back at 2026-12-06T08:00:12.000Z), through public DNS: ${siteAfter[0]}`);
        assert.equal(showsAfter({ live: false, switched: true }), "the cutover did not go live, through public DNS: where the records point was not read");
        assert.equal(showsAfter({ live: false, switched: false }), "the cutover stopped before the site records changed (no DNS switch in this run), through public DNS: the site as it was");
    });

    it("after golive rollback or recover --rollback: the same stage through the command's deps (no shooter, none; GOLIVE_SCREENSHOTS=off said), labelled with the command and the records back", async () => {
        const f = fakeShooter();
        const siteAfter = [siteLineOf({ headline: "the stack runs prepare", visitors: "visitors reach the old site" })];
        assert.deepEqual(siteAfter, ["the stack runs prepare; visitors reach the old site."]);
        const deps = { shootPages: f.shoot, env: {}, now: () => Date.UTC(2026, 11, 6, 9), err: (l: string) => lines.push(l) };
        const back = await shootAfterSwitch(shotsInputOf(map, deps, { after: { live: false, by: "golive rollback", siteAfter, rolledBackAt: new Date(Date.UTC(2026, 11, 6, 9, 0, 4)) } }));
        assert.deepEqual(f.calls.map((c) => [c.stage, c.pins, c.net.httpsPort]), [["after-switch", undefined, 8443]]);
        assert.equal(back[1].shows, "after the way back by golive rollback (records back at 2026-12-06T09:00:04.000Z), through public DNS: the stack runs prepare; visitors reach the old site.");
        assert.equal(showsAfter({ live: false, by: "golive recover --rollback", siteAfter }), "after golive recover --rollback (this run did not put the site records back), through public DNS: the stack runs prepare; visitors reach the old site.");
        assert.deepEqual(await shootAfterSwitch(shotsInputOf(map, { ...deps, shootPages: undefined }, { after: { live: false } })), [], "the tests' deps have no shooter: no stage");
        const off = await shootAfterSwitch(shotsInputOf(map, { ...deps, env: { GOLIVE_SCREENSHOTS: "off" } }, { after: { live: false } }));
        assert.deepEqual(off.map((s) => s.missing), ["not taken: GOLIVE_SCREENSHOTS=off", "not taken: GOLIVE_SCREENSHOTS=off"]);
        assert.equal(f.calls.length, 1, "no browser when off");
    });
});
