/**
 * The worker-thread entry of the piece pool (worker-pool.ts; tinypool loads it in each thread):
 * runs one piece task with the run's dataset, shared by the parent, and this thread's own wasm
 * instance and environment (built on the first task, reused for the next ones). Events and the
 * outcome go back on the task's port; the outcome last, so the parent has every event first.
 */
import type { MessagePort } from 'node:worker_threads';
import Tinypool from 'tinypool';
import type { Dataset } from '../data/dataset.ts';
import { UserError } from '../util/errors.ts';
import { type PieceTask, runPieceTask } from './piece-task.ts';
import type { WorkerMessage } from './pushed-run.ts';

/** What the pool gives every worker when it starts. */
export interface PieceWorkerData {
  /** The run's dataset, over shared memory (shared-dataset.ts). */
  data: Dataset;
  /** Kernel threads per piece for configs whose threads is 0 (automatic): this thread's share of the cores. */
  threads: number;
}

/** Runs `task`, posting its events and then its result (or error) on `port`. */
export default async function runTask({ task, port }: { task: PieceTask; port: MessagePort }): Promise<void> {
  const { data, threads } = Tinypool.workerData as PieceWorkerData;
  const post = (m: WorkerMessage) => port.postMessage(m);
  try {
    const result = await runPieceTask(task, { data, threads, onEvent: (event) => post({ event }) });
    post({ result });
  } catch (e) {
    // Errors cross the thread as plain data: a UserError must stay one (exit 2, one line).
    const err = e as Error;
    post({ error: { message: err.message, stack: err.stack, user: e instanceof UserError } });
  }
}
