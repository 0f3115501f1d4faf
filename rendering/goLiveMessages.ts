// The messages that carry the go-live page (issue 26), in the page's language (French, the plan's,
// by default): MEP-17's page once the site is live, and R-3 — the client told that the go-live is
// postponed, what failed, whether the old site serves again — at once after a rollback. Text only;
// operations/goLiveNews posts them through golive:notify's webhook (checks/notify).
import type { WebhookBody } from "../checks/notify";
import { displayTime } from "./htmlReport";
import type { Lang } from "./htmlWords";

export interface LiveNews {
    /** The site as visitors reach it, e.g. https://www.example.com/ */
    site: string;
    /** When the site went live (the DNS switch), ISO. */
    since?: string;
    /** The page: its published address, or its path when it is not published. */
    link: string;
    /** The page could not be written or uploaded: why (the message says so instead of linking). */
    pageMissing?: string;
}

export interface PostponementNews {
    site: string;
    /** What failed, one line (the first failed check, or the update's error). */
    because: string;
    /** The old site serves again (both records back) since then, ISO; absent when the way back did not complete. */
    backAt?: string;
    wayBackOk: boolean;
    link: string;
    pageMissing?: string;
}

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const body = (lines: string[]): WebhookBody => ({ text: lines.join("\n"), blocks: lines.map(section) });

function pageLine(lang: Lang, link: string, missing: string | undefined, kind: "live" | "incident"): string {
    if (missing) return lang === "fr" ? `La page de la mise en production n'a pas pu être publiée (${missing}).` : `The go-live page could not be published (${missing}).`;
    if (lang === "fr") return `${kind === "live" ? "La page de la mise en production" : "La page de l'incident"} : ${link}`;
    return `${kind === "live" ? "The go-live page" : "The incident page"}: ${link}`;
}

/** MEP-17's page: the site is live, and the page that proves it. */
export function liveBody(n: LiveNews, lang: Lang = "fr"): WebhookBody {
    const since = n.since ? displayTime(n.since) : undefined;
    const head =
        lang === "fr"
            ? `Mise en production de ${n.site} terminée : le site est en ligne${since ? ` depuis le ${since}` : ""}.`
            : `Go-live of ${n.site} done: the site is live${since ? ` since ${since}` : ""}.`;
    return body([head, pageLine(lang, n.link, n.pageMissing, "live")]);
}

/** R-3: the go-live is postponed, what failed, where visitors are, the page. */
export function postponementBody(n: PostponementNews, lang: Lang = "fr"): WebhookBody {
    const back = n.backAt ? displayTime(n.backAt) : undefined;
    const lines =
        lang === "fr"
            ? [
                  `Mise en production de ${n.site} reportée : ${n.because}.`,
                  n.wayBackOk ? `Retour arrière effectué : les visiteurs retrouvent l'ancien site${back ? ` depuis le ${back}` : ""}.` : "Le retour arrière n'est pas terminé : l'équipe technique s'en occupe.",
                  "Une nouvelle date vous sera proposée une fois la cause corrigée.",
              ]
            : [
                  `Go-live of ${n.site} postponed: ${n.because}.`,
                  n.wayBackOk ? `Rolled back: visitors reach the old site again${back ? ` since ${back}` : ""}.` : "The rollback is not complete: the technical team is on it.",
                  "A new date will be proposed once the cause is fixed.",
              ];
    return body([...lines, pageLine(lang, n.link, n.pageMissing, "incident")]);
}
