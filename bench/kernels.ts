/**
 * Kernel benchmark: GEMM at the LeNet-300-100 training shapes (batch 60) in the three layouts,
 * per backend, reported in GFLOP/s. Run alone with `node --import tsx bench/kernels.ts`, or call
 * runKernelBench() from bench/index.ts.
 */
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import type { Backend, GemmLayout } from '../src/backend/backend.ts';
import { createBackend, type BackendName } from '../src/backend/index.ts';
import { Rng } from '../src/util/rng.ts';

/** One GEMM problem: C[m,n] = op(A)·op(B) with inner dimension k. */
export interface GemmShape {
  layout: GemmLayout;
  m: number;
  n: number;
  k: number;
  /** What the shape is in LeNet-300-100 training. */
  role: string;
}

/** One measured (shape, backend) pair. */
export interface Row {
  op: string;
  role: string;
  backend: string;
  /** Median time per call, milliseconds. */
  medianMs: number;
  /** GFLOP/s at the median time (2mnk flops per call). */
  gflops: number;
  /** GFLOP/s at the fastest sample: on a shared machine, the least disturbed estimate. */
  gflopsBest: number;
  samples: number;
}

/** Options of runKernelBench. */
export interface KernelBenchOptions {
  /** Backends to measure; default wasm and js. */
  backends?: BackendName[];
  /** Shapes to measure; default LENET_GEMM_SHAPES. */
  shapes?: GemmShape[];
  /** Milliseconds of sampling per task (default 400); warmup adds a quarter of that. */
  timeMs?: number;
}

/** The GEMMs of one LeNet-300-100 training step at batch 60 (784-300-100-10). */
export const LENET_GEMM_SHAPES: GemmShape[] = [
  { layout: 'nt', m: 60, n: 300, k: 784, role: 'fc1 forward x·W1ᵀ' },
  { layout: 'nt', m: 60, n: 100, k: 300, role: 'fc2 forward' },
  { layout: 'nt', m: 60, n: 10, k: 100, role: 'fc3 forward' },
  { layout: 'tn', m: 300, n: 784, k: 60, role: 'fc1 weight grad dYᵀ·X' },
  { layout: 'tn', m: 100, n: 300, k: 60, role: 'fc2 weight grad' },
  { layout: 'tn', m: 10, n: 100, k: 60, role: 'fc3 weight grad' },
  { layout: 'nn', m: 60, n: 300, k: 100, role: 'fc2 input grad dY·W2' },
  { layout: 'nn', m: 60, n: 100, k: 10, role: 'fc3 input grad' },
  { layout: 'nn', m: 60, n: 784, k: 300, role: 'fc1 input grad (unused in training)' },
];

/** Measures each shape on each backend; returns one Row per pair. */
export async function runKernelBench(opts: KernelBenchOptions = {}): Promise<Row[]> {
  const backends = opts.backends ?? ['wasm', 'js'];
  const shapes = opts.shapes ?? LENET_GEMM_SHAPES;
  const time = opts.timeMs ?? 400;
  const rows: Row[] = [];
  for (const name of backends) {
    const b = await createBackend(name);
    const bench = new Bench({ name: `gemm on ${name}`, time, warmupTime: time / 4 });
    for (const s of shapes) bench.add(label(s), gemmTask(b, s));
    await bench.run();
    for (const [i, task] of bench.tasks.entries()) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`bench ${task.name} on ${name}: ${r.state}`);
      const flop = 2 * shapes[i].m * shapes[i].n * shapes[i].k;
      rows.push({
        op: task.name,
        role: shapes[i].role,
        backend: name,
        medianMs: r.latency.p50,
        gflops: flop / (r.latency.p50 * 1e6),
        gflopsBest: flop / (r.latency.min * 1e6),
        samples: r.latency.samples?.length ?? 0,
      });
    }
  }
  return rows;
}

/** "gemm nt 60x300x784". */
function label(s: GemmShape): string {
  return `gemm ${s.layout} ${s.m}x${s.n}x${s.k}`;
}

// Allocates random operands once; the task is one gemm call.
function gemmTask(b: Backend, s: GemmShape): () => void {
  const rng = new Rng(1, label(s));
  const fill = (n: number) => {
    const x = b.alloc(n);
    b.write(x, Float32Array.from({ length: n }, () => rng.next() - 0.5));
    return x;
  };
  const a = fill(s.m * s.k), bb = fill(s.k * s.n), c = b.alloc(s.m * s.n);
  return () => b.gemm(s.layout, s.m, s.n, s.k, a, bb, c, false);
}

/** Prints rows as a table, with the wasm / js speedup per shape. */
export function printKernelRows(rows: Row[]): void {
  const js = new Map(rows.filter((r) => r.backend === 'js').map((r) => [r.op, r.gflops]));
  console.table(rows.map((r) => ({
    op: r.op,
    role: r.role,
    backend: r.backend,
    'median ms': r.medianMs.toFixed(3),
    'GFLOP/s (median)': r.gflops.toFixed(1),
    'GFLOP/s (best)': r.gflopsBest.toFixed(1),
    'x js': r.backend !== 'js' && js.has(r.op) ? (r.gflops / js.get(r.op)!).toFixed(0) : '',
  })));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printKernelRows(await runKernelBench());
}
