/**
 * The `--layer` rows of `lth bench sparse`: one 3x3 'same' convolution layer shaped like Conv-2's
 * second layer (batch 60, 64 channels 32x32 -> 64, bias, ReLU) with a random mask of each
 * density, forward + backward (dx, dW, db) on the wasm backend: the sparse path (direct
 * convolution over the CSR filter bank's nonzero taps, autograd/ops/sparse-conv.ts and
 * assembly/sparse_conv.ts) against the dense GEMM convolution with the masked weight. Timed like
 * the LeNet rows (median of interleaved batches, bench/sparse.ts and bench/timing.ts).
 */
import { conv2d } from '../src/autograd/ops/conv.ts';
import { sparseConv2d } from '../src/autograd/ops/sparse-conv.ts';
import { Tape } from '../src/autograd/tape.ts';
import { Tensor, sizeOf } from '../src/autograd/tensor.ts';
import type { Backend } from '../src/backend/backend.ts';
import { createBackend } from '../src/backend/index.ts';
import { freeSparseWeight, makeSparseWeight } from '../src/nn/sparse-linear.ts';
import { csrFromMask } from '../src/prune/csr.ts';
import { Rng } from '../src/util/rng.ts';

/** The layer measured: input [n, c, h, w], cout output channels, k x k kernel, 'same' padding. */
export interface ConvLayerShape {
  n: number;
  c: number;
  h: number;
  w: number;
  cout: number;
  k: number;
}

/** Conv-2's second layer at the paper's batch. */
export const CONV2_LAYER: ConvLayerShape = { n: 60, c: 64, h: 32, w: 32, cout: 64, k: 3 };

/** One density of the conv layer; speedups are lth dense / lth sparse. */
export interface ConvBenchRow {
  net: 'conv2-layer';
  layer: ConvLayerShape;
  density: number;
  ideal: number;
  /** Forward + backward of the layer, ms per call. */
  trainMs: { sparse: number; dense: number };
  /** Forward only (no tape), ms per call. */
  inferMs: { sparse: number; dense: number };
  trainSpeedup: number;
  inferSpeedup: number;
}

// A persistent tensor of `shape` with values from f (and a persistent gradient when trained).
function param(b: Backend, shape: number[], f: (i: number) => number): Tensor {
  const n = sizeOf(shape);
  const t = new Tensor(shape, b.alloc(n), true);
  t.grad = b.alloc(n);
  b.write(t.buf, Float32Array.from({ length: n }, (_, i) => f(i)));
  return t;
}

/**
 * Measures the layer at each density with `time` (the LeNet rows' interleaved timer), on a
 * wasm backend of its own.
 */
export async function runConvBench(densities: number[], time: (tasks: (() => unknown)[]) => number[], layer: ConvLayerShape = CONV2_LAYER, seed = 1): Promise<ConvBenchRow[]> {
  const b = await createBackend('wasm');
  const rng = new Rng(seed, 'conv-bench');
  const { n, c, h, w: wd, cout, k } = layer;
  const K = c * k * k;
  const x = param(b, [n, c, h, wd], () => rng.next());
  const bias = param(b, [cout], () => 0.01);
  const rows: ConvBenchRow[] = [];
  for (const density of densities) {
    const keep = Math.round(density * cout * K);
    const order = Array.from({ length: cout * K }, (_, i) => i);
    const mask = new Uint8Array(cout * K);
    for (let i = 0; i < keep; i++) {
      const j = i + rng.int(order.length - i);
      [order[i], order[j]] = [order[j], order[i]];
      mask[order[i]] = 1;
    }
    const weight = param(b, [cout, c, k, k], (i) => mask[i] * rng.normal() * 0.05);
    const sw = makeSparseWeight(b, weight.buf, csrFromMask(mask, cout, K));
    const dyHost = Float32Array.from({ length: n * cout * h * wd }, (_, i) => Math.sin(i));
    const dy = b.alloc(dyHost.length);
    b.write(dy, dyHost);
    const run = (sparse: boolean, train: boolean) => () => {
      b.resetScratch();
      for (const t of [x, bias, weight, sw.values]) t.gradWritten = false;
      const tape = train ? new Tape() : null;
      const ctx = { backend: b, tape, training: train, rng };
      const opts = { padding: 'same' as const, relu: true };
      const y = sparse ? sparseConv2d(ctx, x, sw, [k, k], bias, opts) : conv2d(ctx, x, weight, bias, opts);
      if (tape !== null) {
        y.grad = dy;
        y.gradWritten = true;
        tape.backward();
      }
    };
    const [ds, ss, di, si] = time([run(false, true), run(true, true), run(false, false), run(true, false)]);
    rows.push({
      net: 'conv2-layer', layer, density, ideal: cout * K / Math.max(1, keep),
      trainMs: { sparse: ss, dense: ds }, inferMs: { sparse: si, dense: di },
      trainSpeedup: ds / ss, inferSpeedup: di / si,
    });
    b.resetScratch();
    b.free(dy);
    freeSparseWeight(b, sw);
    b.free(weight.buf);
    b.free(weight.grad!);
  }
  return rows;
}

/** Prints the conv rows as a table. */
export function printConvRows(rows: ConvBenchRow[]): void {
  if (rows.length === 0) return;
  const l = rows[0].layer;
  console.log(`Conv-2-like layer ${l.c}x${l.h}x${l.w} -> ${l.cout}, ${l.k}x${l.k} same, batch ${l.n}, bias+ReLU; ms per call; speedup = lth dense / lth sparse`);
  console.table(rows.map((r) => ({
    density: `${(r.density * 100).toFixed(0)}%`,
    ideal: `${r.ideal.toFixed(1)}x`,
    'fwd+bwd sparse': r.trainMs.sparse.toFixed(2),
    'fwd+bwd dense': r.trainMs.dense.toFixed(2),
    'fwd+bwd x': `${r.trainSpeedup.toFixed(2)}x`,
    'fwd sparse': r.inferMs.sparse.toFixed(2),
    'fwd dense': r.inferMs.dense.toFixed(2),
    'fwd x': `${r.inferSpeedup.toFixed(2)}x`,
  })));
}
