/**
 * Sparse speedups in the BERT-style encoder (issue 16), `lth bench sparse --model bert`: the
 * encoder of a transformer preset (`bert-quick` by default: 2 layers, 4 heads, hidden 64, FFN
 * 256, 64 tokens, batch 32; `--preset bert`: 4 layers, hidden 128, FFN 512, 128 tokens) with
 * random masks at each row's density on every Q, K, V, O, fc1 and fc2 matrix (the prunable
 * weights; embeddings, LayerNorms, pooler and classifier stay dense), on valid token rows.
 *
 * Three networks per density, the same weights and masks: dense kernels with masks, sparse
 * kernels forced on every encoder layer, and the trainer's 'auto' choice (train/sparse-plan.ts
 * measures each layer on batch x seqLen rows). Timed interleaved (bench/timing.ts): one Adam
 * training step at the preset's batch, with dropout as the preset trains; and inference, one
 * `model.forward` of the batch in evaluation mode on each network's kernels (the trainer's
 * kernels, not the SparseModel of model.lth, which serves MLPs and conv nets only).
 */
import type { Backend } from '../src/backend/backend.ts';
import { createBackend } from '../src/backend/index.ts';
import { DEFAULT_VOCAB_SIZE } from '../src/data/wordpiece.ts';
import { transformerPresets } from '../src/experiment/transformer-presets.ts';
import { DEFAULT_TRANSFORMER, type TransformerShape } from '../src/nn/transformer.ts';
import { UserError } from '../src/util/errors.ts';
import { type BenchModel, batchOf, batchPool, benchNet } from './sparse-setup.ts';
import { interleavedMedianSync } from './timing.ts';

/** The densities of the bert rows (fraction of each encoder matrix kept). */
export const BERT_BENCH_DENSITIES = [1, 0.5, 0.25, 0.1, 0.05];

/** The presets whose encoder shape the bench can take. */
export const BERT_BENCH_PRESETS = ['bert-quick', 'bert'] as const;

/** The bench model of a bert preset: its encoder, seqLen, vocabulary, batch, dropout and lr. */
export function bertBenchModel(preset: string): BenchModel {
  const p = transformerPresets[preset];
  if (p === undefined || p.config.model !== 'bert') throw new UserError(`--preset: expected one of ${BERT_BENCH_PRESETS.join(', ')}, got '${preset}'`);
  const c = p.config as { text?: { seqLen?: number; vocabSize?: number }; transformer?: Partial<TransformerShape>; batchSize?: number; dropout?: number; optimizer?: { lr?: number } };
  const transformer = { ...DEFAULT_TRANSFORMER, ...c.transformer };
  const seqLen = c.text?.seqLen ?? 64;
  const vocabSize = c.text?.vocabSize ?? DEFAULT_VOCAB_SIZE;
  const t = transformer;
  return {
    model: 'bert',
    label: `${preset} encoder (${t.layers} layers, ${t.heads} heads, hidden ${t.hidden}, FFN ${t.ffn}, ${seqLen} tokens, vocabulary ${vocabSize})`,
    inputShape: [seqLen],
    layerDensity: (d) => d,
    lr: c.optimizer?.lr ?? 3e-4,
    batch: c.batchSize ?? 32,
    text: { vocabSize, seqLen, maskedPositions: 0 },
    transformer,
    dropout: c.dropout ?? 0.1,
  };
}

/** Options of runBertBench. */
export interface BertBenchOptions {
  densities?: number[];
  /** Interleaved rounds per measurement; the median counts (default 7). */
  rounds?: number;
  seed?: number;
  /** Warm-up time per task in ms (bench/timing.ts; default 300; tests pass 0). */
  warmupMs?: number;
  /** The backend to run on (default: a fresh wasm backend). */
  backend?: Backend;
}

/** Milliseconds per call on the three networks. */
export interface PathMs {
  dense: number;
  sparse: number;
  auto: number;
}

/** One density of the bert bench. Speedups are dense / path. */
export interface BertBenchRow {
  net: 'bert';
  preset: string;
  batch: number;
  seqLen: number;
  density: number;
  /** Surviving encoder weights over all encoder weights; ideal = 1 / overallDensity. */
  overallDensity: number;
  ideal: number;
  /** One Adam step at `batch` (forward, backward, update; dropout on). */
  trainMs: PathMs;
  /** One forward of `batch` rows in evaluation mode on each network's kernels. */
  inferMs: PathMs;
  trainSpeedup: { sparse: number; auto: number };
  inferSpeedup: { sparse: number; auto: number };
  /** The path 'auto' chose per encoder layer (layer0.attn.q ... layerN.ffn.fc2). */
  kernels: Record<string, 'dense' | 'sparse'>;
  /**
   * The encoder projections' own share of a training step, summed over Q/K/V/O/fc1/fc2 of every
   * block, as 'auto' measured them to choose (forward, backward and Adam of each layer alone,
   * best of its repetitions, train/crossover.ts): what the kernels can win, against the whole
   * step (attention products, softmax, LayerNorm, GELU, embeddings stay). Null when 'auto' did
   * not measure (above 90% density).
   */
  projMs: { dense: number; sparse: number } | null;
  /** The encoder layers each network's weights were in CSR form while timed (the sparse kernels ran). */
  csrLayers: { dense: string[]; sparse: string[]; auto: string[] };
}

/** Measures every density; see BertBenchRow. */
export async function runBertBench(opts: BertBenchOptions = {}, model: BenchModel = bertBenchModel('bert-quick'), preset = 'bert-quick'): Promise<BertBenchRow[]> {
  const densities = opts.densities ?? BERT_BENCH_DENSITIES;
  const rounds = opts.rounds ?? 7;
  const seed = opts.seed ?? 1;
  const b = opts.backend ?? (await createBackend('wasm'));
  const pool = batchPool(seed, model);
  const n = batchOf(model);
  const rows: BertBenchRow[] = [];
  const time = (tasks: (() => unknown)[]) => interleavedMedianSync(tasks, { rounds, warmupMs: opts.warmupMs });
  for (const density of densities) {
    const nets = { dense: benchNet(b, density, 'dense', pool, seed, model), sparse: benchNet(b, density, 'sparse', pool, seed, model), auto: benchNet(b, density, 'auto', pool, seed, model) };
    try {
      const paths = ['dense', 'sparse', 'auto'] as const;
      const encoder = Object.keys(nets.dense.masks).map((p) => p.replace(/\.weight$/, ''));
      const csrLayers = { dense: [] as string[], sparse: [] as string[], auto: [] as string[] };
      for (const k of paths) {
        csrLayers[k] = nets[k].net.params.filter((p) => p.sparse !== null).map((p) => p.name.replace(/\.weight$/, ''));
      }
      const [dTrain, sTrain, aTrain] = time(paths.map((k) => nets[k].step));
      const x = pool[0].x;
      const [dInfer, sInfer, aInfer] = time(paths.map((k) => () => nets[k].predictDense(x, n)));
      const masks = Object.values(nets.dense.masks);
      const nnz = masks.reduce((s, m) => s + m.reduce((a, v) => a + v, 0), 0);
      const total = masks.reduce((s, m) => s + m.length, 0);
      const measured = encoder.map((name) => nets.auto.plan.kernels[name]);
      const projMs = measured.every((k) => k.denseMs !== null && k.sparseMs !== null)
        ? { dense: measured.reduce((a, k) => a + k.denseMs!, 0), sparse: measured.reduce((a, k) => a + k.sparseMs!, 0) }
        : null;
      rows.push({
        net: 'bert',
        preset,
        batch: n,
        seqLen: model.inputShape[0],
        density,
        overallDensity: nnz / total,
        ideal: total / Math.max(1, nnz),
        trainMs: { dense: dTrain, sparse: sTrain, auto: aTrain },
        inferMs: { dense: dInfer, sparse: sInfer, auto: aInfer },
        trainSpeedup: { sparse: dTrain / sTrain, auto: dTrain / aTrain },
        inferSpeedup: { sparse: dInfer / sInfer, auto: dInfer / aInfer },
        projMs,
        kernels: Object.fromEntries(encoder.map((name) => [name, nets.auto.plan.kernels[name].path])),
        csrLayers,
      });
    } finally {
      for (const k of ['dense', 'sparse', 'auto'] as const) nets[k].dispose();
    }
  }
  return rows;
}

/** 'auto''s sparse layers in short form: per projection kind, which blocks ("q k v o fc1 fc2: all", or "fc1 (layer1)"). */
export function sparseSummary(kernels: Record<string, 'dense' | 'sparse'>): string {
  const names = Object.keys(kernels);
  const sparse = names.filter((k) => kernels[k] === 'sparse');
  if (sparse.length === 0) return 'none';
  if (sparse.length === names.length) return 'all';
  const kind = (k: string) => k.split('.').at(-1)!;
  const kinds = [...new Set(names.map(kind))];
  return kinds
    .map((kd) => {
      const all = names.filter((k) => kind(k) === kd);
      const on = sparse.filter((k) => kind(k) === kd);
      if (on.length === 0) return null;
      return on.length === all.length ? kd : `${kd} (${on.map((k) => k.split('.')[0]).join(', ')})`;
    })
    .filter((s) => s !== null)
    .join(', ');
}

/** Prints the rows as a table: ms per call and speedups over the dense kernels. */
export function printBertRows(rows: BertBenchRow[], model: BenchModel): void {
  if (rows.length === 0) return;
  console.log(`${model.label}, batch ${batchOf(model)}, Adam, dropout ${model.dropout}; ms per call (median of interleaved batches); x = dense / path; infer = model.forward in eval mode on the trainer's kernels; proj = the Q/K/V/O/FFN layers' share of a step, as 'auto' measured them`);
  console.table(rows.map((r) => ({
    density: `${(r.density * 100).toFixed(0)}%`,
    ideal: `${r.ideal.toFixed(1)}x`,
    'train dense': r.trainMs.dense.toFixed(1),
    'train sparse': r.trainMs.sparse.toFixed(1),
    'train auto': r.trainMs.auto.toFixed(1),
    'train x sparse': `${r.trainSpeedup.sparse.toFixed(2)}x`,
    'train x auto': `${r.trainSpeedup.auto.toFixed(2)}x`,
    'infer dense': r.inferMs.dense.toFixed(2),
    'infer sparse': r.inferMs.sparse.toFixed(2),
    'infer auto': r.inferMs.auto.toFixed(2),
    'infer x sparse': `${r.inferSpeedup.sparse.toFixed(2)}x`,
    'infer x auto': `${r.inferSpeedup.auto.toFixed(2)}x`,
    'proj dense/sparse': r.projMs === null ? '-' : `${r.projMs.dense.toFixed(1)} / ${r.projMs.sparse.toFixed(1)}`,
    'auto sparse layers': sparseSummary(r.kernels),
  })));
}
