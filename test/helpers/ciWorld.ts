// The world the CI workflows run in for the tests: the replica (loopback DNS, Cloudflare zone,
// Vercel-like host and API), an engine workspace whose project is also the repository the
// workflows check out (the program, the golive command, .github/), a client's stack adopted there
// with the guided commands, the stack's webhook, a loopback stand-in for GitHub's API, and
// `workflow(file, event)` running a workflow of .github/workflows as a GitHub-hosted runner would
// (test/helpers/workflowRunner.ts), with the stand-ins for the actions it uses.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { Engine } from "../../operations/engine";
import { createEngineWorkspace, EngineWorkspace } from "../../replica/engineWorkspace";
import { phaseConfig, RehearsalTargets } from "../../rehearsal/run";
import { createSiteRepository, SiteRepository, startWebhookReceiver, WebhookReceiver } from "../../rehearsal/releaseFixtures";
import { startGitHubStandIn, GitHubStandIn } from "../../replica/github";
import { main as init } from "../../cli/init";
import { main as adopt } from "../../cli/adopt";
import type { GuidedDeps } from "../../operations/guided";
import { EngineReplica, startEngineReplica } from "./engineReplica";
import { fillCheckout, git as gitIn } from "./checkout";
import { artifactStandIns, loadWorkflow, runnerTmp, runWorkflow, type RunnerSetup, type StandIn, type WorkflowRun } from "./workflowRunner";

export interface Io {
    out: string[];
    err: string[];
}
export const newIo = (): Io => ({ out: [], err: [] });
export const text = (io: Io) => [...io.out, ...io.err].join("\n");

export interface CiWorld {
    replica: EngineReplica;
    ws: EngineWorkspace;
    /** The repository the workflows check out (the engine workspace's project). */
    checkout: string;
    stack: string;
    stackFile: string;
    webhook: WebhookReceiver;
    repo: SiteRepository;
    github: GitHubStandIn;
    /** Where the workflows' artifacts are kept, one folder per artifact. */
    artifacts: string;
    deps(io: Io, over?: Partial<GuidedDeps>): GuidedDeps;
    git(...args: string[]): string;
    /** Sets `golive:<key>` values in the stack file and commits it (a change a pull request carries). */
    commitStackFile(values: Record<string, unknown>, message: string): { before: string; after: string };
    /** The run id the next workflow run gets (to prepare what GitHub's API says about it). */
    nextRunId(): string;
    /** Runs .github/workflows/<file> for an event; every run gets a new run id. */
    workflow(file: string, event: { name: string; payload: Record<string, unknown> }, over?: Partial<RunnerSetup>): Promise<WorkflowRun & { runId: string }>;
    close(): Promise<void>;
}

/** The GitHub Actions run's page, as the workflows' commands write it into the records. */
export const runUrl = (repository: string, runId: string, attempt = "1") => `https://github.com/${repository}/actions/runs/${runId}/attempts/${attempt}`;

export async function startCiWorld(opts: { engine: Engine; stack: string; domain: string }): Promise<CiWorld> {
    const replica = await startEngineReplica({ now: () => Date.now(), world: { domain: opts.domain, brand: "Atelier" } });
    const { world } = replica;
    const cleanups: Array<() => Promise<void> | void> = [() => replica.close()];
    const tmp = runnerTmp();
    cleanups.push(() => tmp.remove());
    try {
        const webhook = await startWebhookReceiver();
        cleanups.push(() => webhook.close());
        const repo = createSiteRepository();
        cleanups.push(() => repo.remove());
        const github = await startGitHubStandIn({ repository: "agency/sites" });
        cleanups.push(() => github.close());
        // The workspace is the agency's checkout: its program is the sources a runner checks out, not a build.
        const ws = await createEngineWorkspace({ engine: opts.engine, controlUrl: replica.control.url, stack: "workspace", program: "typescript" });
        cleanups.push(() => ws.remove());
        const checkout = ws.projectDir;
        fillCheckout(checkout, { program: false });
        const git = (...args: string[]) => gitIn(checkout, ...args);
        const stack = opts.stack;
        const stackFile = path.join(checkout, `Pulumi.${stack}.yaml`);
        const deps = (io: Io, over: Partial<GuidedDeps> = {}): GuidedDeps => ({
            env: ws.env,
            interactive: false,
            ask: async () => "no",
            out: (l) => (io.out.push(l), process.env.GOLIVE_TEST_VERBOSE && console.log(l)),
            err: (l) => (io.err.push(l), process.env.GOLIVE_TEST_VERBOSE && console.error(l)),
            now: () => Date.now(),
            operator: () => "Camille (agency)",
            ...over,
        });
        const must = async (what: string, run: (io: Io) => Promise<number>) => {
            const io = newIo();
            const code = await run(io);
            if (code !== 0) throw new Error(`${what} exited ${code}:\n${text(io).slice(-4000)}`);
        };
        // The client's stack: golive init, the operator's keys (the replica's network, the webhook,
        // the release repository), golive adopt; committed, as an agency keeps its stack files.
        await must("golive init", (io) => init(["--stack", stack, "--domain", world.domain, "--dir", checkout], deps(io)));
        const r = await ws.pulumi(["stack", "init", stack]);
        if (r.code !== 0) throw new Error(`pulumi stack init: ${r.stderr}`);
        const targets: RehearsalTargets = {
            settings: { domain: world.domain, pages: [{ path: "/" }, { path: "/contact" }], dnsTimeoutMs: 10_000, httpsBudgetMs: 2_000, pageBudgetMs: 2_000, sitemapSample: 1 },
            net: { ...world.net, timeoutMs: 2_000, attempts: 2 },
            webhookUrl: webhook.url,
            repo,
            vercelApi: { url: replica.vercelApi.url, token: replica.vercelApi.token },
        };
        const { config, secretKeys } = phaseConfig(world, "prepare", targets);
        for (const k of ["golive:liveRecords", "golive:phase", "golive:domain", "golive:approvedBy", "golive:approvedAt"]) delete config[k];
        await ws.setConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value, secret: secretKeys.includes(k) }])), stack);
        await must("golive adopt", (io) => adopt(["--stack", stack, "--yes", "--dir", checkout, "--records", path.join(checkout, "records")], deps(io)));
        git("add", "-A");
        git("commit", "-q", "-m", `${stack}: adopted`);

        const artifacts = path.join(tmp.dir, "artifacts");
        const engineBin = opts.engine.binDir;
        const setupGolive: StandIn = async (ctx) => {
            // The composite action's own steps: node and npm ci are this machine's (node_modules is
            // linked), Pulumi's action gives the engine at the pinned version; the rest runs as written.
            const action = yaml.load(fs.readFileSync(path.join(checkout, ".github", "actions", "setup-golive", "action.yml"), "utf8")) as { runs: { steps: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }> } };
            const said: string[] = [];
            const addPath: string[] = [];
            for (const step of action.runs.steps) {
                if (step.uses?.startsWith("actions/setup-node@")) said.push(`node ${process.version} (asked: ${String(step.with?.["node-version"])})`);
                else if (step.uses?.startsWith("pulumi/actions@")) {
                    if (`v${String(step.with?.["pulumi-version"])}` !== opts.engine.version) return { outcome: "failure", note: `pulumi/actions installs ${String(step.with?.["pulumi-version"])}, the engine is ${opts.engine.version}` };
                    addPath.push(engineBin);
                    said.push(`pulumi ${opts.engine.version} from ${engineBin}`);
                } else if (step.run && /^npm ci\b/.test(step.run.trim())) said.push("npm ci: node_modules linked from the clone, golive built into dist/");
                else if (step.run) {
                    const res = await ctx.bash(step.run);
                    if (res.code !== 0) return { outcome: "failure", note: `setup-golive step failed: ${res.stderr}` };
                } else return { outcome: "failure", note: `setup-golive has a step the tests do not know: ${JSON.stringify(step)}` };
            }
            return { outcome: "success", note: `setup-golive: ${said.join("; ")}`, path: addPath };
        };
        const checkoutStandIn: StandIn = async (ctx) => {
            // A fresh checkout of the run's commit: nothing a job before left in the tree.
            git("checkout", "-q", "--detach", "-f", ctx.env.GITHUB_SHA);
            git("clean", "-qfdx", "-e", "node_modules", "-e", "dist");
            return { outcome: "success", note: `actions/checkout: ${ctx.env.GITHUB_SHA.slice(0, 12)} in ${checkout}` };
        };
        // The runner's machine: the engine workspace's environment, less what the workflows must pass themselves.
        const { PULUMI_BACKEND_URL: backend, PULUMI_CONFIG_PASSPHRASE: passphrase, PULUMI_SKIP_CONFIRMATIONS: _skip, ...machineEnv } = ws.env;
        void _skip;
        let runs = 0;
        return {
            replica,
            ws,
            checkout,
            stack,
            stackFile,
            webhook,
            repo,
            github,
            artifacts,
            deps,
            git,
            commitStackFile(values, message) {
                const before = git("rev-parse", "HEAD");
                const doc = yaml.load(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, unknown> };
                Object.assign(doc.config, values);
                fs.writeFileSync(stackFile, yaml.dump(doc, { lineWidth: -1 }));
                git("add", path.basename(stackFile));
                git("commit", "-q", "-m", message);
                return { before, after: git("rev-parse", "HEAD") };
            },
            nextRunId: () => String(9_100_000 + runs + 1),
            async workflow(file, event, over = {}) {
                const runId = String(9_100_000 + ++runs);
                const sha = git("rev-parse", "HEAD");
                const setup: RunnerSetup = {
                    checkout,
                    // No browser per cutover in the workflow scenarios (test/operations/goLiveShots tests the pictures' stages).
                    machineEnv: { ...machineEnv, GOLIVE_SCREENSHOTS: "off" },
                    secrets: { PULUMI_CONFIG_PASSPHRASE: passphrase ?? "" },
                    vars: { PULUMI_BACKEND_URL: backend ?? "" },
                    event,
                    github: { repository: github.repository, runId, runAttempt: "1", actor: "camille-ops", sha, ref: "refs/heads/main", serverUrl: "https://github.com", apiUrl: github.url, token: github.token },
                    standIns: { "actions/checkout": checkoutStandIn, "./.github/actions/setup-golive": setupGolive, ...artifactStandIns(artifacts) },
                    tmpRoot: tmp.dir,
                    stepTimeoutMs: 240_000,
                    onStep: (job, s) => {
                        if (process.env.GOLIVE_TEST_VERBOSE) console.log(`[${file} ${job}] ${s.name}: ${s.outcome}${s.note ? ` — ${s.note}` : ""}`);
                    },
                    ...over,
                };
                const run = await runWorkflow(loadWorkflow(path.join(checkout, ".github", "workflows", file)), setup);
                // Back on the branch the test works on (a checkout detaches HEAD).
                git("checkout", "-q", "-f", "main");
                return { ...run, runId };
            },
            async close() {
                for (const c of cleanups.reverse()) await c();
            },
        };
    } catch (err) {
        for (const c of cleanups.reverse()) await c();
        throw err;
    }
}

/** A job's steps as text, for an assertion's message. */
export function jobLog(run: WorkflowRun, job: string): string {
    return run.jobs
        .filter((j) => j.job === job)
        .map((j) => [`== ${j.job} (${j.result})`, ...j.steps.map((s) => `-- ${s.name}: ${s.outcome}${s.note ? ` (${s.note})` : ""}\n${s.stdout.slice(-2000)}\n${s.stderr.slice(-4000)}`)].join("\n"))
        .join("\n")
        .slice(-12000);
}
