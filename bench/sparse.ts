/**
 * Sparse speedups at densities 100% down to 1%, for LeNet-300-100 (output layer pruned at half
 * rate, as in the paper) and Conv-2 on CIFAR-10-shaped input (every layer at the density):
 * training step (batch 60, Adam) and inference (batch 1 and 60) on lth's sparse path, lth's
 * dense path (GEMM / GEMM convolution with masks) and tfjs-backend-wasm (dense; it has no sparse
 * kernels), with the ideal 1/density beside them. Every engine, tfjs included, is timed with one
 * statistic (bench/timing.ts: the median over interleaved rounds of batch means; lth's paths
 * interleaved with each other per density, tfjs's three tasks with each other); Conv-2 gets at
 * most 3 rounds, since one dense step takes about half a second.
 * JSON rows carry `net: 'lenet300' | 'conv2'`. `--layer` adds the single Conv-2 layer rows of
 * bench/sparse-conv.ts (`net: 'conv2-layer'`); --no-conv skips Conv-2.
 * `--model bert` measures the BERT encoder instead (bench/sparse-bert.ts; `--preset bert` for the
 * larger shape). Runnable alone: `node --import tsx bench/sparse.ts [--model lenet300|conv2|bert]
 * [--preset bert-quick|bert] [--json] [--densities 1,0.1] [--no-tfjs] [--no-conv] [--layer]`.
 */
import { createBackend } from '../src/backend/index.ts';
import { parse } from '../src/cli/args.ts';
import { UserError } from '../src/util/errors.ts';
import { BATCH, type BenchModel, CONV2, LENET, batchPool, benchNet, densityBenchFlags, densityBenchOptions, sparseModelOf } from './sparse-setup.ts';
import { initTfjsWasm, makeTfjsLenet } from './peers/tfjs.ts';
import { makeTfjsConvNet } from './peers/tfjs-convnet.ts';
import { printConvRows, runConvBench } from './sparse-conv.ts';
import { interleavedMedianSync } from './timing.ts';

/** The densities the issue asks for (fraction of hidden-layer weights kept). */
export const SPARSE_BENCH_DENSITIES = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];

/** Options of runSparseBench. */
export interface SparseBenchOptions {
  densities?: number[];
  /** Interleaved rounds per measurement; the median counts (default 15). */
  rounds?: number;
  /** Measure tfjs-backend-wasm too (default true). */
  tfjs?: boolean;
  seed?: number;
  /** Warm-up time per task in ms (bench/timing.ts; default 300; tests pass 0). */
  warmupMs?: number;
}

/** Milliseconds per call on each engine; tfjs is null when not measured. */
export interface EngineMs {
  sparse: number;
  dense: number;
  tfjs: number | null;
}

/** One density. Speedups are against lth's dense path; `ideal` is 1 / overallDensity. */
export interface SparseBenchRow {
  net: 'lenet300' | 'conv2';
  /** The row's density: of every layer but LeNet's output layer. */
  density: number;
  /** Density of the output layer. */
  outputDensity: number;
  /** Surviving weights over all weights. */
  overallDensity: number;
  ideal: number;
  /** Training step: `sparse` is the trainer's per-layer measured choice ('auto'); `sparseForced` all-sparse. */
  trainMs: EngineMs & { sparseForced: number };
  inferMsBatch1: EngineMs;
  inferMsBatch60: EngineMs;
  trainSpeedup: number;
  trainSpeedupForced: number;
  inferSpeedupBatch1: number;
  inferSpeedupBatch60: number;
  /** The path the 'auto' trainer chose per layer. */
  kernels: Record<string, 'dense' | 'sparse'>;
}

// One statistic for every engine (bench/timing.ts): the median over interleaved rounds of each
// batch's mean time per call.
function interleaved(tasks: (() => unknown)[], rounds: number, warmup?: number, warmupMs?: number): number[] {
  return interleavedMedianSync(tasks, { rounds, warmup, warmupMs: warmup === undefined ? warmupMs : 0 });
}

/**
 * tfjs-backend-wasm's network (dense): ms per training step and per inference call at batch 1
 * and 60, with the statistic lth's engines get (the three tasks interleaved). Conv-2's step
 * takes seconds: one warm-up call each and at most 3 rounds.
 */
async function tfjsTimings(net: BenchModel, rounds: number, pool: { x: Float32Array; y: Float32Array }[]): Promise<{ train: number; b1: number; b60: number }> {
  const tf = await initTfjsWasm();
  const x = pool[0].x;
  const k = x.length / BATCH;
  const y = new Float32Array(BATCH * 10);
  pool[0].y.forEach((c, i) => (y[i * 10 + c] = 1));
  const model = net === LENET
    ? makeTfjsLenet(tf, { batch: BATCH, seed: 1 })
    : makeTfjsConvNet(tf, { batch: BATCH, seed: 1, inputShape: net.inputShape as [number, number, number], lr: net.lr });
  try {
    const tasks = [() => model.step(x, y), () => model.predict(x.subarray(0, k)), () => model.predict(x)];
    const [train, b1, b60] = net === LENET ? interleaved(tasks, rounds) : interleaved(tasks, Math.min(rounds, 3), 1);
    return { train, b1, b60 };
  } finally {
    model.dispose();
  }
}

/** Measures every density; see SparseBenchRow. */
export async function runSparseBench(opts: SparseBenchOptions = {}, net: BenchModel = LENET): Promise<SparseBenchRow[]> {
  const densities = opts.densities ?? SPARSE_BENCH_DENSITIES;
  const rounds = net === LENET ? (opts.rounds ?? 15) : Math.min(opts.rounds ?? 3, 3);
  const seed = opts.seed ?? 1;
  const b = await createBackend('wasm');
  const pool = batchPool(seed, net);
  const tfjs = opts.tfjs === false ? null : await tfjsTimings(net, rounds, pool);
  const rows: SparseBenchRow[] = [];
  for (const density of densities) {
    const dense = benchNet(b, density, 'dense', pool, seed, net);
    const forced = benchNet(b, density, 'sparse', pool, seed, net);
    const auto = benchNet(b, density, 'auto', pool, seed, net);
    const masks = dense.masks;
    const [denseMs, forcedMs, autoMs] = interleaved([dense.step, forced.step, auto.step], rounds, undefined, opts.warmupMs);
    const sm = sparseModelOf(b, dense);
    const x = pool[0].x;
    const [d1, s1, d60, s60] = interleaved([
      () => dense.predictDense(x, 1), () => sm.predict(x, 1), () => dense.predictDense(x, BATCH), () => sm.predict(x, BATCH),
    ], rounds, undefined, opts.warmupMs);
    const nnz = Object.values(masks).reduce((s, m) => s + m.reduce((a, v) => a + v, 0), 0);
    const total = Object.values(masks).reduce((s, m) => s + m.length, 0);
    const prunable = Object.keys(masks).length;
    rows.push({
      net: net.model as SparseBenchRow['net'],
      density,
      outputDensity: net.layerDensity(density, prunable - 1, prunable),
      overallDensity: nnz / total,
      ideal: total / Math.max(1, nnz),
      trainMs: { sparse: autoMs, sparseForced: forcedMs, dense: denseMs, tfjs: tfjs?.train ?? null },
      inferMsBatch1: { sparse: s1, dense: d1, tfjs: tfjs?.b1 ?? null },
      inferMsBatch60: { sparse: s60, dense: d60, tfjs: tfjs?.b60 ?? null },
      trainSpeedup: denseMs / autoMs,
      trainSpeedupForced: denseMs / forcedMs,
      inferSpeedupBatch1: d1 / s1,
      inferSpeedupBatch60: d60 / s60,
      kernels: Object.fromEntries(Object.entries(auto.plan.kernels).map(([k, v]) => [k, v.path])),
    });
    sm.dispose();
    for (const n of [dense, forced, auto]) n.dispose();
  }
  return rows;
}

const fmt = (v: number | null, digits = 3): string => (v === null ? '-' : v.toFixed(digits));

/** Prints the rows as a table: ms per call and speedups over lth's dense path. */
export function printSparseRows(rows: SparseBenchRow[], net: BenchModel = LENET): void {
  if (rows.length === 0) return;
  console.log(`${net.label}, batch ${BATCH}, Adam; ms per call (median of interleaved batches); speedup = lth dense / lth sparse`);
  console.table(rows.map((r) => ({
    density: r.net === 'lenet300' ? `${(r.density * 100).toFixed(0)}% (out ${(r.outputDensity * 100).toFixed(0)}%)` : `${(r.density * 100).toFixed(0)}%`,
    ideal: `${r.ideal.toFixed(1)}x`,
    'train sparse': fmt(r.trainMs.sparse),
    'train dense': fmt(r.trainMs.dense),
    'train tfjs': fmt(r.trainMs.tfjs),
    'train x': `${r.trainSpeedup.toFixed(2)}x`,
    'infer1 sparse': fmt(r.inferMsBatch1.sparse, 4),
    'infer1 dense': fmt(r.inferMsBatch1.dense, 4),
    'infer1 tfjs': fmt(r.inferMsBatch1.tfjs, 4),
    'infer1 x': `${r.inferSpeedupBatch1.toFixed(1)}x`,
    'infer60 sparse': fmt(r.inferMsBatch60.sparse),
    'infer60 dense': fmt(r.inferMsBatch60.dense),
    'infer60 tfjs': fmt(r.inferMsBatch60.tfjs),
    'infer60 x': `${r.inferSpeedupBatch60.toFixed(1)}x`,
  })));
}

/** The --model choices of `lth bench sparse`: the two nets of issue 11 (default both), or the encoder of issue 16. */
const SPARSE_BENCH_MODELS = ['lenet300', 'conv2', 'bert'];

/**
 * `lth bench sparse [--model lenet300|conv2|bert] [--preset bert-quick|bert] [--json] [--densities 1,0.1,...] [--rounds N] [--no-tfjs] [--no-conv] [--layer]`;
 * returns the exit code. Without --model: LeNet-300-100 and Conv-2 (--no-conv: LeNet only).
 * `--model bert` runs bench/sparse-bert.ts on the encoder of --preset (default bert-quick); it
 * has no tfjs peer.
 */
export async function sparseBenchCommand(argv: string[]): Promise<number> {
  const { values } = parse('bench sparse', argv, {
    ...densityBenchFlags,
    layer: { type: 'boolean', default: false },
    model: { type: 'string' },
    preset: { type: 'string' },
  });
  const opts = densityBenchOptions(values);
  const model = values.model === undefined ? undefined : String(values.model);
  if (model !== undefined && !SPARSE_BENCH_MODELS.includes(model)) throw new UserError(`--model: expected one of ${SPARSE_BENCH_MODELS.join(', ')}, got '${model}'`);
  if (values.preset !== undefined && model !== 'bert') throw new UserError('--preset: only with --model bert (the encoder shape of a bert preset)');
  if (model === 'bert') {
    const { bertBenchModel, printBertRows, runBertBench } = await import('./sparse-bert.ts');
    const preset = String(values.preset ?? 'bert-quick');
    const net = bertBenchModel(preset);
    const rows = await runBertBench({ densities: opts.densities, rounds: opts.rounds }, net, preset);
    if (values.json) console.log(JSON.stringify({ rows }));
    else printBertRows(rows, net);
    return 0;
  }
  const rows = model === 'conv2' ? [] : await runSparseBench(opts, LENET);
  const convRows = values['no-conv'] || model === 'lenet300' ? [] : await runSparseBench(opts, CONV2);
  const layerRows = values.layer ? await runConvBench(opts.densities ?? SPARSE_BENCH_DENSITIES, (tasks) => interleaved(tasks, Math.min(opts.rounds ?? 3, 3))) : [];
  if (values.json) console.log(JSON.stringify({ rows: [...rows, ...convRows, ...layerRows] }));
  else {
    printSparseRows(rows, LENET);
    printSparseRows(convRows, CONV2);
    printConvRows(layerRows);
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await sparseBenchCommand(process.argv.slice(2));
}
