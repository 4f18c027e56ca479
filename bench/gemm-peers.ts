/**
 * GEMM side by side: lth wasm SIMD vs tfjs-backend-wasm matMul on the LeNet-300-100 shapes in
 * all three layouts. tfjs gets two columns: its transposed path (matMul with transposeA /
 * transposeB, the route our NT/TN kernels must beat) and its fastest route, the NN matMul
 * (XNNPACK) it runs without transposes: for NT the weight pre-transposed once (it is fixed
 * between steps), for TN the operand transposed on every call (an activation gradient, new each
 * step), for NN the same call. All three tasks of a shape are interleaved and timed with one
 * statistic (bench/timing.ts).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { createBackend } from '../src/backend/index.ts';
import { Rng } from '../src/util/rng.ts';
import { LENET_GEMM_SHAPES } from './kernels.ts';
import { initTfjsWasm } from './peers/tfjs.ts';
import { interleavedMedianSync } from './timing.ts';

/** One shape's GFLOP/s on each engine and route. */
export interface GemmPeerRow {
  layout: string;
  shape: string;
  role: string;
  lthGflops: number;
  /** tfjs matMul with transpose flags (its kernel for the layout). */
  tfjsGflops: number;
  /** tfjs's NN route: pre-transposed weight (NT), per-call transpose + NN (TN), NN (NN). */
  tfjsNnGflops: number;
  /** lth / tfjs transposed path. */
  ratio: number;
  /** lth / tfjs's fastest route (the NN one). */
  ratioNn: number;
}

/** Runs every LeNet GEMM shape on both engines, interleaved (median of `rounds` batches of about `seconds / rounds`). */
export async function runGemmPeerBench(opts: { rounds?: number; seconds?: number; warmupMs?: number } = {}): Promise<GemmPeerRow[]> {
  const rounds = opts.rounds ?? 9;
  const batchMs = ((opts.seconds ?? 0.3) * 1000) / rounds;
  const b = await createBackend('wasm');
  const tf = await initTfjsWasm();
  const rows: GemmPeerRow[] = [];
  for (const s of LENET_GEMM_SHAPES) {
    const { m, n, k, layout } = s;
    const rng = new Rng(m * 31 + n * 7 + k, 'gemm-bench');
    const rand = (len: number) => Float32Array.from({ length: len }, () => rng.normal());
    const [ad, bd] = [rand(m * k), rand(k * n)];
    const [a, bb, c] = [b.alloc(m * k), b.alloc(k * n), b.alloc(m * n)];
    b.write(a, ad);
    b.write(bb, bd);
    // tfjs operands in the layout's shapes, and the NN route's
    const ta = tf.tensor2d(ad, layout === 'tn' ? [k, m] : [m, k]);
    const tb = tf.tensor2d(bd, layout === 'nt' ? [n, k] : [k, n]);
    const tbNn = layout === 'nt' ? tf.transpose(tb) : tb; // the weight, transposed once
    const lthTask = () => b.gemm(layout, m, n, k, a, bb, c, false);
    // tfjs-backend-wasm runs each op synchronously inside the call, so no read-back is needed (lth's gemm has none either)
    const tfTask = () => tf.matMul(ta, tb, layout === 'tn', layout === 'nt').dispose();
    const tfNnTask = () => tf.tidy(() => tf.matMul(layout === 'tn' ? tf.transpose(ta) : ta, tbNn as tfjs.Tensor2D)).dispose();
    const [lth, tfT, tfNn] = interleavedMedianSync([lthTask, tfTask, tfNnTask], { rounds, batchMs, warmupMs: opts.warmupMs });
    const gf = (ms: number) => (2 * m * n * k) / (ms * 1e6);
    rows.push({
      layout: layout.toUpperCase(), shape: `${m}x${n}x${k}`, role: s.role,
      lthGflops: gf(lth), tfjsGflops: gf(tfT), tfjsNnGflops: gf(tfNn), ratio: tfT / lth, ratioNn: tfNn / lth,
    });
    for (const x of [a, bb, c]) b.free(x);
    for (const t of new Set([ta, tb, tbNn])) t.dispose();
  }
  return rows;
}

/** Prints the GEMM comparison. */
export function printGemmPeerRows(rows: GemmPeerRow[]): void {
  console.log('GEMM GFLOP/s (m x n x k): lth wasm SIMD vs tfjs-backend-wasm matMul, its transposed path and its NN route (median of interleaved batches)');
  for (const r of rows) {
    console.log(`  ${r.layout} ${r.shape.padEnd(12)} ${r.role.padEnd(26)} lth ${r.lthGflops.toFixed(1).padStart(5)}  tfjs ${r.tfjsGflops.toFixed(1).padStart(5)} (${r.ratio.toFixed(1).padStart(5)}x)  tfjs NN route ${r.tfjsNnGflops.toFixed(1).padStart(5)} (${r.ratioNn.toFixed(1).padStart(4)}x)`);
  }
}
