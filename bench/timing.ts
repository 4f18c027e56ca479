/**
 * The one statistic of the side-by-side benchmarks (`lth bench infer`, `sparse`, `gemm`): every
 * task runs in batches of calls (calls per batch calibrated once so a batch lasts about
 * `batchMs`), the tasks take turns batch by batch for `rounds` rounds, and each task's time is
 * the MEDIAN over its rounds of (batch time / calls). Interleaving spreads the machine's load
 * (shared, 2 cores) over every task alike; the median ignores the batches another process
 * preempted, without rewarding one lucky call the way a minimum does. A task that returns a
 * promise (ONNX Runtime's `run`) is awaited call by call; a synchronous one is not.
 */

/** A timed task: one call of what is measured. */
export type Task = () => unknown;

/** Options of interleavedMedian. */
export interface TimingOptions {
  /** Rounds (batches per task); default 15. */
  rounds?: number;
  /** Target length of one batch in ms; default 5. */
  batchMs?: number;
  /**
   * Untimed calls of each task first (JIT tier-up, caches, first-run allocation): at least
   * `warmup` calls (default 3) and until `warmupMs` (default 300) have passed. ONNX Runtime
   * Web's JS glue needs thousands of calls to settle (0.42 -> 0.07 ms per tiny-model call).
   */
  warmup?: number;
  warmupMs?: number;
  /**
   * Called after each timed batch with the task's index, the batch's wall time and the process
   * CPU time it took (Node's process.cpuUsage: every thread of the process), both in ms. Taken
   * around the whole batch of calls, so CPU / wall is the cores the task used; per call, on
   * microsecond calls, the clocks' own cost and the threads' spinning after a call swamp it.
   */
  onBatch?: (task: number, wallMs: number, cpuMs: number) => void;
}

const isPromise = (v: unknown): v is Promise<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Milliseconds per call of each task: median over interleaved rounds of each batch's mean. */
export async function interleavedMedian(tasks: Task[], opts: TimingOptions = {}): Promise<number[]> {
  const rounds = opts.rounds ?? 15;
  const batchMs = opts.batchMs ?? 5;
  const asyncTask: boolean[] = [];
  const calls: number[] = [];
  for (const t of tasks) {
    let r = t();
    asyncTask.push(isPromise(r));
    if (isPromise(r)) await r;
    const w0 = performance.now();
    for (let i = 1; i < (opts.warmup ?? 3) || performance.now() - w0 < (opts.warmupMs ?? 300); i++) {
      r = t();
      if (isPromise(r)) await r;
    }
    const t0 = performance.now();
    r = t();
    if (isPromise(r)) await r;
    calls.push(Math.max(1, Math.round(batchMs / Math.max(performance.now() - t0, 1e-3))));
  }
  const samples: number[][] = tasks.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < tasks.length; k++) {
      const t = tasks[k];
      const n = calls[k];
      const c0 = opts.onBatch ? process.cpuUsage() : undefined;
      const t0 = performance.now();
      if (asyncTask[k]) for (let i = 0; i < n; i++) await t();
      else for (let i = 0; i < n; i++) t();
      const wall = performance.now() - t0;
      samples[k].push(wall / n);
      if (c0 !== undefined) {
        const d = process.cpuUsage(c0);
        opts.onBatch?.(k, wall, (d.user + d.system) / 1000);
      }
    }
  }
  return samples.map(median);
}

/** interleavedMedian for synchronous tasks (a task that returns a promise is an error here). */
export function interleavedMedianSync(tasks: Task[], opts: TimingOptions = {}): number[] {
  const rounds = opts.rounds ?? 15;
  const batchMs = opts.batchMs ?? 5;
  const sync = (t: Task): Task => () => {
    if (isPromise(t())) throw new Error('interleavedMedianSync: a task returned a promise; use interleavedMedian');
  };
  const calls = tasks.map((t) => {
    const w0 = performance.now();
    for (let i = 0; i < (opts.warmup ?? 3) || performance.now() - w0 < (opts.warmupMs ?? 300); i++) sync(t)();
    const t0 = performance.now();
    t();
    return Math.max(1, Math.round(batchMs / Math.max(performance.now() - t0, 1e-3)));
  });
  const samples: number[][] = tasks.map(() => []);
  for (let round = 0; round < rounds; round++) {
    tasks.forEach((t, k) => {
      const t0 = performance.now();
      for (let i = 0; i < calls[k]; i++) t();
      samples[k].push((performance.now() - t0) / calls[k]);
    });
  }
  return samples.map(median);
}
