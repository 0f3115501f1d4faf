// What a test tier needs from the machine (the engine, dovecot, Chromium). Without it the tests
// are pending, and the reason and the one command that provides it are printed; under CI (which
// installs everything through .ci/run) a missing prerequisite is a failure, never a quiet skip.
import * as fs from "fs";
import { findActionlint } from "./actionlint";
import { DEFAULT_CHROMIUM } from "../../checks/chromium";
import { DOVECOT_BIN, DOVECOT_INSTALL_HINT } from "../../replica/mailbox";
import { findEngine, isEngine, ENGINE_BUILD_COMMAND, type Engine } from "../../operations/engine";

const printed = new Set<string>();

/**
 * Call first in a `before` (or a test) with `this`: when `missing` is set, the tests of the block
 * become pending with the reason printed once, or fail under CI.
 */
export function requirePrerequisite(ctx: Mocha.Context, what: string, missing: string | undefined, command: string): void {
    if (!missing) return;
    const line = `${what}: ${missing}; provide it with: ${command}`;
    if (process.env.CI) throw new Error(`prerequisite missing under CI: ${line}`);
    if (!printed.has(line)) {
        printed.add(line);
        console.log(`      pending — ${line}`);
    }
    ctx.skip();
}

export function requireChromium(ctx: Mocha.Context): void {
    requirePrerequisite(ctx, "Chromium", fs.existsSync(DEFAULT_CHROMIUM) ? undefined : `${DEFAULT_CHROMIUM} is missing`, "apt-get install chromium");
}

export function requireDovecot(ctx: Mocha.Context): void {
    requirePrerequisite(ctx, "dovecot (IMAP server for MEP-12)", fs.existsSync(DOVECOT_BIN) ? undefined : `${DOVECOT_BIN} is missing`, DOVECOT_INSTALL_HINT);
}

/** The real Pulumi engine, or the tests are pending (failing under CI). */
export function requireEngine(ctx: Mocha.Context): Engine {
    const found = findEngine();
    requirePrerequisite(ctx, "the Pulumi engine", isEngine(found) ? undefined : found.missing, ENGINE_BUILD_COMMAND);
    return found as Engine;
}

/** actionlint (pinned, scripts/actionlint.sh) with shellcheck for the workflows' scripts, or the tests are pending (failing under CI). */
export function requireActionlint(ctx: Mocha.Context): { actionlint: string; shellcheck: string } {
    const found = findActionlint();
    requirePrerequisite(ctx, "actionlint with shellcheck (the workflows' linter)", "missing" in found ? found.missing : undefined, "missing" in found ? found.command : "");
    return found as { actionlint: string; shellcheck: string };
}
