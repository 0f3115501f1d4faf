// `golive <command>`: each command lives in its own module and is loaded only when asked for.
// Guided go-live (one command per phase, built on the Automation API) first, then the tools.
const COMMANDS: Record<string, { module: string; summary: string; entry?: string }> = {
    init: { module: "./init", summary: "write Pulumi.<stack>.yaml for a new site, from the prod stack file" },
    adopt: { module: "./adopt", summary: "read the live apex and www records through Cloudflare, write them to config, import them" },
    prepare: { module: "./phase", entry: "prepare", summary: "gates, preview, then the prepare phase (Vercel set up, TTL lowered), with a record file" },
    cutover: { module: "./phase", entry: "cutover", summary: "gates, preview, then the DNS switch and checks; on failure, the rollback decision (R-1)" },
    status: { module: "./status", summary: "where the site is (records, locks, pending operations), the phase reached, the next step, a quick verify" },
    recover: { module: "./recover", summary: "after an interrupted or half-applied go-live: clear what it left, then finish the phase or roll back" },
    verify: { module: "./verify", summary: "run the post-deploy checks against the live site (no Pulumi needed)" },
    report: { module: "./report", summary: "print the go-live checklist (P-01..MEP-18) with statuses and evidence" },
    rollback: { module: "./rollback", summary: "roll the stack back to its previous successful update (plan section 4)" },
    rehearse: { module: "./rehearse", summary: "play the whole go-live on a local replica (no account needed)" },
    plan: { module: "./plan", summary: "the gates and the preview of the phase a stack file asks for, applying nothing (a pull request's review)" },
    watch: { module: "./watch", summary: "a live site looked at again (checks, certificate, drift); the webhook told when its status changes" },
    ci: { module: "./ci", summary: "what the GitHub workflows run between phases: targets, the run's approval (P-01), the PR comment" },
};

export function usage(): string {
    const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
    return [
        "usage: golive <command> [options]",
        "",
        ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
        "",
        "golive <command> --help shows the options of a command.",
    ].join("\n");
}

/** Runs a command; resolves to the process exit code (0 ok, 1 a check failed, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
    const [name, ...rest] = argv;
    if (!name || name === "--help" || name === "-h" || name === "help") {
        console.log(usage());
        return name ? 0 : 2;
    }
    const command = COMMANDS[name];
    if (!command) {
        console.error(`golive: unknown command '${name}'\n\n${usage()}`);
        return 2;
    }
    const mod = require(command.module) as Record<string, (argv: string[]) => Promise<number>>;
    return mod[command.entry ?? "main"](rest);
}
