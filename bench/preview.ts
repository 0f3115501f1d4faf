// `npm run bench:preview`: how long a `pulumi preview` of the whole program (the cutover phase, every
// component and check declared) takes on the real engine against the replica (issue 18 item 9), two
// ways, interleaved, median of several runs each:
// - type-checking: ts-node type-checks index.ts and what it imports, as the engine did before
//   tsconfig.json's "ts-node": { "transpileOnly": true } (forced here with PULUMI_NODEJS_TRANSPILE_ONLY=false);
// - as configured: the variable unset, so tsconfig.json decides (transpile only; `npm test` type-checks).
// Needs the engine (`npm run engine`). Everything stays on loopback.
import { findEngine, isEngine } from "../operations/engine";
import { RealEngine } from "../rehearsal/realEngine";
import { phaseConfig } from "../rehearsal/run";
import { startEngineReplica } from "../test/helpers/engineReplica";
import { Figure, figureOf, showFigure } from "./checks";

const RUNS = Math.max(3, Math.min(9, Number(process.env.BENCH_PREVIEW_RUNS ?? 3)));
const MODES = { "type-checking": "false", "as configured (tsconfig.json)": undefined } as const;

export async function benchPreview(): Promise<Record<string, Figure>> {
    const engine = findEngine();
    if (!isEngine(engine)) throw new Error(engine.missing);
    const replica = await startEngineReplica({ now: () => Date.now() });
    let eng: RealEngine | undefined;
    try {
        eng = await RealEngine.start({ engine, controlUrl: replica.control.url, stack: "benchpreview" });
        const { config, secretKeys } = phaseConfig(replica.world, "cutover");
        const ms: Record<string, number[]> = Object.fromEntries(Object.keys(MODES).map((m) => [m, []]));
        // One preview first, untimed: plugins and caches warm for both modes alike.
        await eng.preview(config, secretKeys);
        for (let i = 0; i < RUNS; i++) {
            for (const [mode, value] of Object.entries(MODES)) {
                if (value === undefined) delete eng.ws.env.PULUMI_NODEJS_TRANSPILE_ONLY;
                else eng.ws.env.PULUMI_NODEJS_TRANSPILE_ONLY = value;
                const t0 = Date.now();
                const r = await eng.preview(config, secretKeys);
                if (!r.ok) throw new Error(`${mode} preview failed: ${r.errors.join("; ")}`);
                ms[mode].push(Date.now() - t0);
                console.log(`  ${mode} #${i + 1}: ${ms[mode][i]} ms`);
            }
        }
        return Object.fromEntries(Object.entries(ms).map(([mode, xs]) => [mode, figureOf(xs)]));
    } finally {
        eng?.close();
        await replica.close();
    }
}

if (require.main === module) {
    benchPreview().then(
        (figures) => {
            console.log(`pulumi preview of the cutover phase on the replica (median of ${RUNS}, interleaved):`);
            for (const [mode, f] of Object.entries(figures)) console.log(`  ${mode}: ${showFigure(f)}`);
            process.exit(0);
        },
        (err) => {
            console.error(`bench failed: ${(err as Error).message}`);
            process.exit(1);
        },
    );
}
