// What every `golive` command shares about its command line: one wording for option errors, and
// one meaning for each exit code, so `verify`, `report` and `rehearse` read and answer alike.
import { parseArgs, ParseArgsConfig } from "util";
import { STACK_NAME } from "../config/stackFile";

/** Exit codes of every command. */
export const EXIT = {
    ok: 0,
    /** A check, a probe or the rehearsal failed. */
    failed: 1,
    /** The command line is wrong: the message names the option and what it expects. */
    usage: 2,
    /** A file named on the command line cannot be read or is not what was expected. */
    file: 3,
} as const;

export const EXIT_CODES_TEXT = "Exit code: 0 ok, 1 a check failed, 2 bad usage, 3 a file cannot be read.";

/** A wrong command line (exit 2, printed with the usage). */
export class UsageError extends Error {}

/** A file given on the command line that cannot be used (exit 3, printed without the usage). */
export class FileError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * util.parseArgs (strict, no positionals) with its errors in the commands' own words:
 * "unknown option --x", "--from needs a value", "--json takes no value".
 */
export function parseOptions<O extends Options>(argv: string[], options: O) {
    try {
        return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
    } catch (err) {
        throw new UsageError(optionErrorText(err as Error & { code?: string }));
    }
}

/**
 * parseOptions for a command that answers its own command line: `{ help: true }` for -h/--help,
 * `{ error }` with the shared wording for anything wrong, else the values.
 */
export function parseCommandLine<O extends Options>(argv: string[], options: O): ReturnType<typeof parseOptions<O>> | { help: true } | { error: string } {
    if (argv.includes("--help") || argv.includes("-h")) return { help: true };
    try {
        return parseOptions(argv, options);
    } catch (err) {
        if (err instanceof UsageError) return { error: err.message };
        throw err;
    }
}

function optionErrorText(err: Error & { code?: string }): string {
    // Node names an option with a short alias as '-y, --yes': the long name is the one to show.
    const flag = /'(?:-\w, )?(-{1,2}[^' ,]+)/.exec(err.message)?.[1];
    switch (err.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
            return `unknown option ${flag ?? err.message}`;
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
            return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(err.message)?.[1] ?? "")}: every value follows its option`;
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            if (flag && /does not take an argument/.test(err.message)) return `${flag} takes no value`;
            if (flag) return `${flag} needs a value`;
            return err.message;
        default:
            return err.message;
    }
}

/** Prints a command's error in the one shape every command uses, and returns its exit code. */
export function reportError(command: string, err: unknown, usage: string, print: (text: string) => void): number {
    if (err instanceof UsageError) {
        print(`golive ${command}: ${err.message}\n\n${usage}`);
        return EXIT.usage;
    }
    if (err instanceof FileError) {
        print(`golive ${command}: ${err.message}`);
        return EXIT.file;
    }
    throw err;
}

/**
 * The value of --stack: required, and a stack name (it reaches the Pulumi CLI, where a leading dash
 * would read as an option).
 */
export function checkedStackName(stack: string | undefined): string | { error: string } {
    if (stack === undefined) return { error: "--stack is required" };
    if (!STACK_NAME.test(stack)) return { error: `--stack must be a stack name like prod, got ${JSON.stringify(stack)}` };
    return stack;
}

/**
 * A command's answer to its parsed command line: its usage for -h/--help (exit 0), the error and the
 * usage for a wrong one (exit 2), else the values to go on with.
 */
export function valuesOrExit<T extends object>(command: string, parsed: T | { help: true } | { error: string }, usage: string, io: { out(text: string): void; err(text: string): void }): T | number {
    if ("help" in parsed) {
        io.out(usage);
        return EXIT.ok;
    }
    if ("error" in parsed) {
        io.err(`golive ${command}: ${parsed.error}\n\n${usage}`);
        return EXIT.usage;
    }
    return parsed;
}
