// `golive <command>`: each command lives in its own module and is loaded only when asked for.
const COMMANDS: Record<string, { module: string; summary: string }> = {
    verify: { module: "./verify", summary: "run the post-deploy checks against the live site (no Pulumi needed)" },
    report: { module: "./report", summary: "print the go-live checklist (P-01..MEP-18) with statuses and evidence" },
    rollback: { module: "./rollback", summary: "roll the stack back to its previous successful update (plan section 4)" },
    rehearse: { module: "./rehearse", summary: "play the whole go-live on a local replica (no account needed)" },
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
    const mod = require(command.module) as { main(argv: string[]): Promise<number> };
    return mod.main(rest);
}
