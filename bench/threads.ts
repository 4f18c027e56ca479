/**
 * Kernel-pool benchmark (issue 14): each case on the wasm backend with one thread and with N
 * (default: every core), interleaved in one process and timed by the one statistic of the
 * side-by-side benchmarks (bench/timing.ts: median over interleaved rounds of batch means), the
 * same for both sides; speedup is threads1 / threadsN. The machine may be shared: interleaving
 * spreads other load over both sides, but N threads only pay when N cores are free. Rows: LeNet-300-100 and Conv-2 (3x32x32) training steps at batch 60, GEMM 60x784x300
 * NT, LeNet evaluation at batch 1000, and LeNet sparse training at 10% density.
 * `--thresholds` instead times GEMMs and an elementwise op of growing size on 1 thread and split
 * over N (every op split, thresholds off): where N threads first win is the crossover behind
 * src/backend/threads/split.ts's thresholds (work per thread = the op's work / N).
 * `lth bench threads [--threads N] [--rounds R] [--thresholds] [--json]`.
 */
import type { Backend } from '../src/backend/backend.ts';
import { createBackend, resolveThreads } from '../src/backend/index.ts';
import { type WasmBackend, createWasmBackend } from '../src/backend/wasm.ts';
import { parse } from '../src/cli/args.ts';
import { UserError } from '../src/util/errors.ts';
import { Rng } from '../src/util/rng.ts';
import { CONV2, LENET, batchPool, benchNet } from './sparse-setup.ts';
import { interleavedMedian } from './timing.ts';

/** One row: median milliseconds per call on 1 and N threads, their ratio, the cores the N side had and how much of its work its pool threads ran. */
export interface ThreadsRow {
  what: string;
  /** Milliseconds per call on one thread. */
  threads1: number;
  /** Milliseconds per call on N threads. */
  threadsN: number;
  speedup: number;
  /**
   * Cores the N-thread side had: process CPU time / wall time over its timed batches (each a
   * loop of many calls), spinning included. Near N, the cores were free; near 1, another
   * process held them (or the op stayed on one thread) and the row says little.
   */
  coresN: number;
  /**
   * Of the kernel shares the N side handed to its pool, the fraction its other threads ran (the
   * caller runs the rest): about (N - 1) / N when the threads keep up; 0 when no op was split.
   */
  pooledN: number;
}

export interface ThreadsBenchResult {
  threads: number;
  rounds: number;
  rows: ThreadsRow[];
}

/** A case: builds its call on a backend (allocations outside the timed call). */
interface Case {
  what: string;
  setup(b: Backend): () => unknown;
}

const SEED = 1;

// Random operands once; the call is one NT GEMM.
export function gemmCase(layout: 'nn' | 'nt' | 'tn', m: number, n: number, k: number): Case {
  return {
    what: `GEMM ${m}x${k}x${n} ${layout.toUpperCase()}`,
    setup(b) {
      const rng = new Rng(SEED, 'gemm');
      const fill = (len: number) => {
        const x = b.alloc(len);
        b.write(x, Float32Array.from({ length: len }, () => rng.next() - 0.5));
        return x;
      };
      const [a, w, c] = [fill(m * k), fill(n * k), b.alloc(m * n)];
      return () => b.gemm(layout, m, n, k, a, w, c, false);
    },
  };
}

/** The rows. */
export const CASES: Case[] = [
  { what: 'LeNet-300-100 training step (batch 60)', setup: (b) => benchNet(b, 1, 'dense', batchPool(SEED, LENET), SEED, LENET).step },
  { what: 'Conv-2 training step (3x32x32, batch 60)', setup: (b) => benchNet(b, 1, 'dense', batchPool(SEED, CONV2), SEED, CONV2).step },
  gemmCase('nt', 60, 300, 784),
  {
    what: 'LeNet-300-100 evaluation (batch 1000)',
    setup(b) {
      const net = benchNet(b, 1, 'dense', batchPool(SEED, LENET), SEED, LENET);
      const rng = new Rng(SEED, 'eval');
      const x = Float32Array.from({ length: 1000 * 784 }, () => rng.next());
      return () => net.predictDense(x, 1000);
    },
  },
  { what: 'LeNet-300-100 sparse training step (10% density)', setup: (b) => benchNet(b, 0.1, 'sparse', batchPool(SEED, LENET), SEED, LENET).step },
];

/** GEMMs and an elementwise op of growing size: the threshold measurement. */
export function thresholdCases(): Case[] {
  const cases: Case[] = [];
  for (const s of [16, 24, 32, 40, 48, 56, 64, 80, 96, 128]) cases.push(gemmCase('nn', s, s, s));
  for (const n of [8192, 16384, 32768, 65536, 131072, 262144]) {
    cases.push({
      what: `relu ${n}`,
      setup(b) {
        const [x, y] = [b.alloc(n), b.alloc(n)];
        return () => b.relu(x, y, n);
      },
    });
  }
  return cases;
}

/** Runs `cases` on 1 and N threads, interleaved; one row per case. */
export async function runThreadsBench(opts: { threads?: number; rounds?: number; batchMs?: number; cases?: Case[]; splitAll?: boolean } = {}): Promise<ThreadsBenchResult> {
  const threads = opts.threads ?? resolveThreads(0);
  const rounds = opts.rounds ?? 15;
  const one = await createBackend('wasm', { threads: 1 });
  // splitAll (the threshold measurement): every op split, however small
  const many = opts.splitAll ? await createWasmBackend(undefined, { threads, minWork: { flops: 1, elems: 1 } }) : (await createBackend('wasm', { threads })) as WasmBackend;
  const rows: ThreadsRow[] = [];
  try {
    for (const c of opts.cases ?? CASES) {
      let [cpu, wall] = [0, 0];
      const s0 = many.threadShares();
      const [a, b] = await interleavedMedian([c.setup(one), c.setup(many)], {
        rounds,
        batchMs: opts.batchMs ?? 20,
        onBatch(k, w, u) {
          if (k === 1) [wall, cpu] = [wall + w, cpu + u];
        },
      });
      const s1 = many.threadShares();
      const published = s1.published - s0.published;
      rows.push({ what: c.what, threads1: a, threadsN: b, speedup: a / b, coresN: cpu / wall, pooledN: published > 0 ? (s1.byThreads - s0.byThreads) / published : 0 });
      one.resetScratch();
      many.resetScratch();
    }
  } finally {
    many.disposeThreads();
  }
  return { threads: many.threads, rounds, rows };
}

/** The rows as a table. */
export function printThreadsRows(r: ThreadsBenchResult): void {
  console.log(`wasm backend, 1 thread vs ${r.threads} threads; median over ${r.rounds} interleaved rounds of batch means (ms per call)`);
  console.table(r.rows.map((x) => ({ what: x.what, 'threads 1 (ms)': x.threads1.toFixed(3), [`threads ${r.threads} (ms)`]: x.threadsN.toFixed(3), speedup: `${x.speedup.toFixed(2)}x`, [`cores used by ${r.threads} threads`]: x.coresN.toFixed(2), 'shares on pool threads': x.pooledN.toFixed(2) })));
}

/** `lth bench threads [--threads N] [--rounds R] [--thresholds] [--json]`. */
export async function threadsBenchCommand(argv: string[]): Promise<number> {
  const { values } = parse('bench threads', argv, {
    json: { type: 'boolean', default: false },
    threads: { type: 'string' },
    rounds: { type: 'string' },
    thresholds: { type: 'boolean', default: false },
  });
  const count = (flag: string, v: unknown): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(Number.isInteger(n) && n >= 1 && n <= 256)) throw new UserError(`--${flag}: expected an integer in [1, 256], got '${String(v)}'`);
    return n;
  };
  const r = await runThreadsBench({
    threads: count('threads', values.threads),
    rounds: count('rounds', values.rounds),
    cases: values.thresholds ? thresholdCases() : undefined,
    splitAll: Boolean(values.thresholds),
  });
  if (values.json) console.log(JSON.stringify(r));
  else printThreadsRows(r);
  return 0;
}
