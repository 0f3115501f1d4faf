// How counts read in reasons and reports: "1 key page", "6 key pages", never "1 key pages".
// Pure and dependency-free: the checks' dynamic providers serialize it by value.

/** `n word`, with the plural form (default word + "s") when n is not 1. */
export function plural(n: number, word: string, pluralForm?: string): string {
    return `${n} ${n === 1 ? word : pluralForm ?? `${word}s`}`;
}
