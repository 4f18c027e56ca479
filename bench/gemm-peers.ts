/**
 * GEMM side by side: lth wasm SIMD vs tfjs-backend-wasm matMul on the LeNet-300-100 shapes in
 * all three layouts (tfjs's transposed paths are the ones our NT/TN kernels must beat).
 */
import { createBackend } from '../src/backend/index.ts';
import { Rng } from '../src/util/rng.ts';
import { LENET_GEMM_SHAPES } from './kernels.ts';
import { benchTfjsMatMul } from './peers/tfjs.ts';

/** One shape's GFLOP/s on both engines (best of the interleaved bursts). */
export interface GemmPeerRow {
  layout: string;
  shape: string;
  role: string;
  lthGflops: number;
  tfjsGflops: number;
  ratio: number;
}

/** GFLOP/s of lth's gemm for one shape over about `seconds`. */
async function lthGemm(layout: 'nn' | 'nt' | 'tn', m: number, n: number, k: number, seconds: number): Promise<number> {
  const b = await createBackend('wasm');
  const rng = new Rng(m * 31 + n * 7 + k, 'gemm-bench');
  const fill = (len: number) => {
    const buf = b.alloc(len);
    b.write(buf, Float32Array.from({ length: len }, () => rng.normal()));
    return buf;
  };
  const a = fill(m * k);
  const bb = fill(k * n);
  const c = b.alloc(m * n);
  for (let i = 0; i < 5; i++) b.gemm(layout, m, n, k, a, bb, c, false);
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    b.gemm(layout, m, n, k, a, bb, c, false);
    calls++;
  }
  const s = (performance.now() - t0) / 1000;
  for (const x of [a, bb, c]) b.free(x);
  return (2 * m * n * k * calls) / s / 1e9;
}

/** Runs every LeNet GEMM shape on both engines, interleaved, best of `bursts`. */
export async function runGemmPeerBench(opts: { bursts?: number; seconds?: number } = {}): Promise<GemmPeerRow[]> {
  const bursts = opts.bursts ?? 2;
  const seconds = opts.seconds ?? 0.3;
  const rows: GemmPeerRow[] = [];
  for (const s of LENET_GEMM_SHAPES) {
    let lth = 0;
    let tfjs = 0;
    for (let r = 0; r < bursts; r++) {
      lth = Math.max(lth, await lthGemm(s.layout, s.m, s.n, s.k, seconds));
      tfjs = Math.max(tfjs, await benchTfjsMatMul(s.m, s.n, s.k, s.layout === 'tn', s.layout === 'nt', seconds));
    }
    rows.push({ layout: s.layout.toUpperCase(), shape: `${s.m}x${s.n}x${s.k}`, role: s.role, lthGflops: lth, tfjsGflops: tfjs, ratio: lth / tfjs });
  }
  return rows;
}

/** Prints the GEMM comparison. */
export function printGemmPeerRows(rows: GemmPeerRow[]): void {
  console.log('GEMM GFLOP/s (m x n x k), lth wasm SIMD vs tfjs-backend-wasm matMul, best of interleaved bursts');
  for (const r of rows) {
    console.log(`  ${r.layout} ${r.shape.padEnd(12)} ${r.role.padEnd(26)} lth ${r.lthGflops.toFixed(1).padStart(5)}  tfjs ${r.tfjsGflops.toFixed(1).padStart(5)}  ${r.ratio.toFixed(1).padStart(5)}x`);
  }
}
