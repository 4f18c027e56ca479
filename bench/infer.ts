/**
 * Inference against the runtimes people deploy (`lth bench infer`): LeNet-300-100 (output layer
 * at the paper's half rate) and Conv-2 on CIFAR-10-shaped input, pruned at random to densities
 * 100% .. 1%, batch 1 and 60, on
 *
 *   lth sparse         the exported model (model.lth) with every layer on the CSR kernels
 *   lth dense          the same model with every layer dense (batch 1: the packed gemv path)
 *   onnxruntime-web    the `lth export --format onnx` model on ORT's wasm backend (1 thread)
 *   onnxruntime-node   the same ONNX model on ORT's native CPU backend (1 thread), when installed
 *   tfjs-wasm          the dense network in tfjs-backend-wasm (bench/peers), batch as given
 *
 * Every call copies the input in and the logits out, as a caller would. All columns are timed
 * with one statistic (bench/timing.ts: median over interleaved rounds of batch means), all ten
 * tasks of a density (5 runtimes x 2 batch sizes) interleaved. ONNX Runtime and tfjs run dense
 * weights (pruned ones are zeros), so their times do not depend on the density; they are
 * measured at every density anyway, beside lth. Before timing, ORT's logits are checked against
 * lth's (1e-3 relative). JSON rows carry ms per runtime and the speedups.
 * Runnable alone: `node --import tsx bench/infer.ts [--json] [--densities 1,0.1] [--rounds N] [--no-conv] [--no-tfjs]`.
 */
import type * as ortWeb from 'onnxruntime-web';
import { createBackend } from '../src/backend/index.ts';
import type { Backend } from '../src/backend/backend.ts';
import { parse } from '../src/cli/args.ts';
import { featureCount, shapeOnlyDataset } from '../src/data/dataset.ts';
import { modelLayers, sparseLayers } from '../src/infer/export.ts';
import { type SparseModelSpec, specDensity } from '../src/infer/format.ts';
import { encodeOnnxModel } from '../src/infer/onnx.ts';
import { SparseModel } from '../src/infer/sparse-model.ts';
import { applyMasks } from '../src/prune/apply.ts';
import { buildNetwork, disposeNetwork } from '../src/train/setup.ts';
import { snapshotWeights } from '../src/train/state.ts';
import { UserError } from '../src/util/errors.ts';
import { Rng } from '../src/util/rng.ts';
import { initTfjsWasm, makeTfjsLenet } from './peers/tfjs.ts';
import { makeTfjsConvNet } from './peers/tfjs-convnet.ts';
import { type BenchModel, CONV2, LENET, benchMasks, densityBenchFlags, densityBenchOptions } from './sparse-setup.ts';
import { type Task, interleavedMedian } from './timing.ts';

type Ort = typeof ortWeb;

/** The densities the issue asks for. */
export const INFER_DENSITIES = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01];
/** The batch sizes measured. */
export const INFER_BATCHES = [1, 60] as const;

/** Options of runInferBench. */
export interface InferBenchOptions {
  densities?: number[];
  /** Interleaved rounds per density (default 15 for LeNet, 7 for Conv-2). */
  rounds?: number;
  /** Measure tfjs-backend-wasm too (default true). */
  tfjs?: boolean;
  /** Measure Conv-2 too (default true). */
  conv?: boolean;
  seed?: number;
  /** Warm-up time per task in ms (bench/timing.ts; default 300). */
  warmupMs?: number;
}

/** Milliseconds per call of each runtime; null: not measured (not installed, or turned off). */
export interface InferMs {
  lthSparse: number;
  lthDense: number;
  ortWeb: number;
  ortNode: number | null;
  tfjsWasm: number | null;
}

/** One (model, density, batch). Speedups are ratios of ms (> 1: the first named is faster). */
export interface InferBenchRow {
  net: 'lenet300' | 'conv2';
  /** The row's density (LeNet's output layer is denser: `overallDensity` is of all weights). */
  density: number;
  overallDensity: number;
  batch: number;
  ms: InferMs;
  speedup: {
    sparseVsDense: number;
    sparseVsOrtWeb: number;
    sparseVsOrtNode: number | null;
    denseVsOrtWeb: number;
    denseVsOrtNode: number | null;
    sparseVsTfjs: number | null;
  };
}

/** The ORT runtimes: onnxruntime-web (required: a dev dependency), onnxruntime-node when it is installed. */
async function ortRuntimes(): Promise<{ web: Ort; node: Ort | null }> {
  const web = (await import('onnxruntime-web').catch(() => null)) as Ort | null;
  if (web === null) throw new UserError('lth bench infer needs onnxruntime-web (a dev dependency of lth): npm install onnxruntime-web');
  web.env.wasm.numThreads = 1;
  const node = (await import('onnxruntime-node').catch(() => null)) as Ort | null;
  return { web, node };
}

/** A pruned network's exported model spec (random masks at `density`, seeded weights and biases). */
function prunedSpec(b: Backend, m: BenchModel, density: number, seed: number): SparseModelSpec {
  const rng = new Rng(seed, 'infer-net');
  const net = buildNetwork(b, m.model, shapeOnlyDataset(m.inputShape, 10), rng.split('init'));
  const masks = benchMasks(net, m, density, seed);
  applyMasks(b, net.params, masks);
  const brng = rng.split('bias');
  for (const p of net.params.filter((q) => !q.prunable)) b.write(p.tensor.buf, Float32Array.from({ length: p.size }, () => (brng.next() - 0.5) * 0.1));
  const layers = sparseLayers(modelLayers(net.model, m.model), snapshotWeights(b, net.params), masks);
  disposeNetwork(b, net);
  return { model: m.model, dataset: 'bench', normalize: false, inputShape: m.inputShape, numClasses: 10, layers, info: {} };
}

function checkClose(got: Float32Array, want: Float32Array, what: string): void {
  const scale = Math.max(...want.map(Math.abs));
  want.forEach((v, i) => {
    if (!(Math.abs(v - got[i]) <= 1e-3 * scale)) throw new Error(`bench infer: ${what} disagrees with lth at [${i}]: ${got[i]} vs ${v}`);
  });
}

/** Measures one model at every density; see InferBenchRow. */
export async function runInferBench(opts: InferBenchOptions = {}, m: BenchModel = LENET): Promise<InferBenchRow[]> {
  const densities = opts.densities ?? INFER_DENSITIES;
  const seed = opts.seed ?? 1;
  const rounds = opts.rounds ?? (m === LENET ? 15 : 7);
  const b = await createBackend('wasm');
  const ort = await ortRuntimes();
  const k = featureCount(m.inputShape);
  const rng = new Rng(seed, 'infer-x');
  const x = Float32Array.from({ length: 60 * k }, () => rng.next());
  const tf = opts.tfjs === false ? null : await initTfjsWasm();
  const tfModel = tf === null ? null : m === LENET
    ? makeTfjsLenet(tf, { batch: 60, seed })
    : makeTfjsConvNet(tf, { batch: 60, seed, inputShape: m.inputShape as [number, number, number], lr: m.lr });
  const rows: InferBenchRow[] = [];
  try {
    for (const density of densities) {
      const spec = prunedSpec(b, m, density, seed);
      const bytes = encodeOnnxModel(spec);
      const sparse = new SparseModel(b, spec, { kernels: 'sparse' });
      const dense = new SparseModel(b, spec, { kernels: 'dense' });
      const sessionOpts = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
      const web = await ort.web.InferenceSession.create(bytes, { ...sessionOpts, executionProviders: ['wasm'] });
      const node = ort.node === null ? null : await ort.node.InferenceSession.create(bytes, sessionOpts);
      const runOrt = (rt: Ort, s: ortWeb.InferenceSession, n: number) => async () =>
        (await s.run({ input: new rt.Tensor('float32', x.subarray(0, n * k), [n, ...m.inputShape]) })).logits.data as Float32Array;
      const tasks: Task[] = [];
      const names: string[] = [];
      for (const n of INFER_BATCHES) {
        const want = sparse.predict(x, n);
        checkClose(dense.predict(x, n), want, `lth dense, batch ${n}`);
        checkClose(await runOrt(ort.web, web, n)(), want, `onnxruntime-web, batch ${n}`);
        if (node !== null) checkClose(await runOrt(ort.node!, node, n)(), want, `onnxruntime-node, batch ${n}`);
        tasks.push(() => sparse.predict(x, n), () => dense.predict(x, n), runOrt(ort.web, web, n));
        names.push(`sparse${n}`, `dense${n}`, `web${n}`);
        if (node !== null) {
          tasks.push(runOrt(ort.node!, node, n));
          names.push(`node${n}`);
        }
        if (tfModel !== null) {
          tasks.push(() => tfModel.predict(x.subarray(0, n * k)));
          names.push(`tfjs${n}`);
        }
      }
      const ms = await interleavedMedian(tasks, { rounds, warmupMs: opts.warmupMs });
      const at = (name: string): number | null => (names.includes(name) ? ms[names.indexOf(name)] : null);
      for (const n of INFER_BATCHES) {
        const r: InferMs = { lthSparse: at(`sparse${n}`)!, lthDense: at(`dense${n}`)!, ortWeb: at(`web${n}`)!, ortNode: at(`node${n}`), tfjsWasm: at(`tfjs${n}`) };
        const ratio = (a: number | null, s: number) => (a === null ? null : a / s);
        rows.push({
          net: m.model as InferBenchRow['net'], density, overallDensity: specDensity(spec), batch: n, ms: r,
          speedup: {
            sparseVsDense: r.lthDense / r.lthSparse,
            sparseVsOrtWeb: r.ortWeb / r.lthSparse,
            sparseVsOrtNode: ratio(r.ortNode, r.lthSparse),
            denseVsOrtWeb: r.ortWeb / r.lthDense,
            denseVsOrtNode: ratio(r.ortNode, r.lthDense),
            sparseVsTfjs: ratio(r.tfjsWasm, r.lthSparse),
          },
        });
      }
      await web.release();
      await node?.release();
      sparse.dispose();
      dense.dispose();
    }
  } finally {
    tfModel?.dispose();
  }
  return rows;
}

const fmt = (v: number | null): string => (v === null ? '-' : v < 0.1 ? v.toFixed(4) : v < 10 ? v.toFixed(3) : v.toFixed(1));
const x2 = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}x`);

/** Prints the rows as one table per model: ms per call and speedups. */
export function printInferRows(rows: InferBenchRow[]): void {
  for (const net of ['lenet300', 'conv2'] as const) {
    const rs = rows.filter((r) => r.net === net);
    if (rs.length === 0) continue;
    console.log(`${net === 'lenet300' ? LENET.label : CONV2.label}: ms per call (median of interleaved batches; 1 thread each); x = other / lth sparse`);
    console.table(rs.map((r) => ({
      density: `${(r.density * 100).toFixed(0)}%`,
      batch: r.batch,
      'lth sparse': fmt(r.ms.lthSparse),
      'lth dense': fmt(r.ms.lthDense),
      'ort-web': fmt(r.ms.ortWeb),
      'ort-node': fmt(r.ms.ortNode),
      'tfjs-wasm': fmt(r.ms.tfjsWasm),
      'x dense': x2(r.speedup.sparseVsDense),
      'x ort-web': x2(r.speedup.sparseVsOrtWeb),
      'x ort-node': x2(r.speedup.sparseVsOrtNode),
      'dense vs ort-web': x2(r.speedup.denseVsOrtWeb),
    })));
  }
}

/** `lth bench infer [--json] [--densities 1,0.1,...] [--rounds N] [--no-conv] [--no-tfjs]`; returns the exit code. */
export async function inferBenchCommand(argv: string[]): Promise<number> {
  const { values } = parse('bench infer', argv, {
    ...densityBenchFlags,
  });
  const opts = densityBenchOptions(values);
  const rows = await runInferBench(opts, LENET);
  if (!values['no-conv']) rows.push(...(await runInferBench(opts, CONV2)));
  if (values.json) console.log(JSON.stringify({ rows }));
  else printInferRows(rows);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await inferBenchCommand(process.argv.slice(2));
}
