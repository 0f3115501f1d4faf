// The messages that carry the go-live page (issue 26): R-3 says what failed, that the go-live is
// postponed, where visitors are and the page; MEP-17's page that the site is live. French (the
// plan's) by default, English on demand.
import { strict as assert } from "assert";
import { liveBody, postponementBody } from "../../rendering/goLiveMessages";

const r3 = { site: "https://www.example.com/", because: "MEP-09 HTTPS reachability failed: https://www.example.com/ answered 500", backAt: "2026-12-06T08:10:02.120Z", wayBackOk: true, link: "https://pages.agence.example/golive/golive-prod-cutover-20261206T080000Z.html" };

describe("rendering/goLiveMessages: R-3 and MEP-17's page, in French and English", () => {
    it("R-3 in French: postponed, what failed, the old site back since when, a new date, the page", () => {
        const b = postponementBody(r3);
        assert.deepEqual(b.text.split("\n"), [
            "Mise en production de https://www.example.com/ reportée : MEP-09 HTTPS reachability failed: https://www.example.com/ answered 500.",
            "Retour arrière effectué : les visiteurs retrouvent l'ancien site depuis le 2026-12-06 08:10:02 UTC.",
            "Une nouvelle date vous sera proposée une fois la cause corrigée.",
            "La page de l'incident : https://pages.agence.example/golive/golive-prod-cutover-20261206T080000Z.html",
        ]);
        assert.equal(b.blocks?.length, 4, "one Slack section a line");
    });

    it("R-3 in English, and a way back that did not complete is not called done", () => {
        const b = postponementBody({ ...r3, wayBackOk: false, backAt: undefined }, "en");
        assert.match(b.text, /^Go-live of https:\/\/www\.example\.com\/ postponed: MEP-09 HTTPS reachability failed/);
        assert.match(b.text, /The rollback is not complete: the technical team is on it\./);
        assert.doesNotMatch(b.text, /Rolled back/);
        assert.match(b.text, /The incident page: https:\/\/pages\.agence\.example\//);
    });

    it("MEP-17's page: live since the switch, the link; a page that could not be published is said instead", () => {
        assert.deepEqual(liveBody({ site: "https://www.example.com/", since: "2026-12-06T08:00:05Z", link: "/srv/records/p.html" }).text.split("\n"), [
            "Mise en production de https://www.example.com/ terminée : le site est en ligne depuis le 2026-12-06 08:00:05 UTC.",
            "La page de la mise en production : /srv/records/p.html",
        ]);
        assert.match(liveBody({ site: "https://www.example.com/", link: "", pageMissing: "disk full" }, "en").text, /the site is live\.\nThe go-live page could not be published \(disk full\)\./);
    });
});
