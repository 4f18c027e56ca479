/**
 * How the wasm backend splits one op over the kernel pool: always over outputs (rows or columns
 * of a GEMM's C, images of a convolution, output or input channels of a weight gradient, rows of
 * a CSR product, elements of an elementwise op), never over a reduction, so every output element
 * is the same sum in the same order as on one thread and results are bit-identical for any
 * thread count. An op below its threshold (work per thread, thresholds below) stays on the
 * calling thread: waking threads costs a few microseconds, and a small op is not worth it.
 */
import type { KernelPool } from './pool.ts';

/**
 * Least work per thread worth a share, from `lth bench threads --thresholds` (1 thread against
 * 2 with every op split; 2-core Zen 3, Node 20, Dec 2026, machine shared with light load): NN
 * GEMMs broke even at 32^3 (33 kFLOP per thread, 1.02x) and won from 40^3 (64 kFLOP, 1.17x;
 * 48^3: 1.33x; 96^3: 1.74x); relu broke even at 16K elements (8K per thread, 1.05x) and won
 * from 32K (16K per thread, 1.33x). The thresholds sit above the break-even points, where two
 * threads win by about a third.
 */
export const MIN_FLOPS_PER_THREAD = 100_000;
/** Elements per thread below which an elementwise op (memory bound) stays on one thread. */
export const MIN_ELEMS_PER_THREAD = 16_384;

type Kernel = (...args: number[]) => unknown;

/** [start, end) ranges of [0, n) for `parts` shares, boundaries at multiples of `align` (empty ranges dropped). */
export function ranges(n: number, parts: number, align = 1): [number, number][] {
  const units = Math.ceil(n / align);
  const p = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let t = 0, at = 0; t < p; t++) {
    const end = Math.min(n, Math.round((units * (t + 1)) / p) * align);
    if (end > at) out.push([at, end]);
    at = end;
  }
  return out;
}

/**
 * Ranges of the rows of a CSR (rowPtr, rows + 1 entries from `first` in `i32`) with about equal
 * nonzeros plus rows each, for `parts` shares.
 */
export function csrRanges(i32: Int32Array, first: number, rows: number, parts: number): [number, number][] {
  if (parts <= 1 || rows <= 1) return rows > 0 ? [[0, rows]] : [];
  const base = i32[first];
  const total = i32[first + rows] - base + rows; // a row costs its nonzeros plus one
  const out: [number, number][] = [];
  let at = 0;
  for (let t = 1; t <= parts && at < rows; t++) {
    const goal = (total * t) / parts;
    let end = at + 1;
    if (t === parts) end = rows;
    else while (end < rows && i32[first + end] - base + end < goal) end++;
    out.push([at, end]);
    at = end;
  }
  return out;
}

/** The split policy and dispatch the wasm families share: a pool, or none (one thread). */
export class Par {
  /**
   * `threads`: threads in all (1: everything on the calling thread); `pool` runs shares on
   * them; `kernels` are the calling thread's exports.
   */
  constructor(readonly threads: number, private readonly pool: KernelPool | null, private readonly kernels: Record<string, Kernel>,
    private readonly minWork?: { flops: number; elems: number }) {}

  /**
   * Shares for `work` units when each should hold at least `min` (MIN_FLOPS_PER_THREAD or
   * MIN_ELEMS_PER_THREAD; replaced by the backend's minWork option): 1 when below, or no pool;
   * at most `perThread` per thread (more, smaller shares: a thread that starts late, or is
   * preempted by another process, holds up less of the op, since shares go to whoever is free).
   */
  parts(work: number, min: number, perThread = 1): number {
    if (this.pool === null || this.threads <= 1) return 1;
    const least = this.minWork === undefined ? min : min === MIN_ELEMS_PER_THREAD ? this.minWork.elems : this.minWork.flops;
    return Math.max(1, Math.min(this.threads * perThread, Math.floor(work / least)));
  }

  /** Runs kernel `name` once per share (shares[0] here, the rest on pool threads), returns when all are done. */
  run(name: string, shares: number[][]): void {
    if (shares.length <= 1 || this.pool === null) {
      const f = this.kernels[name];
      for (const s of shares) f(...s);
      return;
    }
    this.pool.run(name, shares);
  }

  /**
   * An elementwise kernel over n elements: one call when small, else shares of whole 16-element
   * blocks (so only the last share has a scalar tail); `share(a, b)` gives the arguments for [a, b).
   */
  elementwise(name: string, n: number, share: (a: number, b: number) => number[]): void {
    const parts = this.parts(n, MIN_ELEMS_PER_THREAD);
    if (parts <= 1) {
      this.kernels[name](...share(0, n));
      return;
    }
    this.run(name, ranges(n, parts, 16).map(([a, b]) => share(a, b)));
  }

  /** The pool's share counts (KernelPool.shareCounts); zeros without a pool. */
  shareCounts(): { published: number; byThreads: number } {
    return this.pool?.shareCounts() ?? { published: 0, byThreads: 0 };
  }

  /** Stops the pool's threads (the backend then runs on one thread). */
  dispose(): void {
    this.pool?.dispose();
  }
}
