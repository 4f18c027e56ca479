/**
 * Pieces on worker threads (Node): a tinypool of N threads, each with its own wasm instance and
 * piece environment, running piece tasks (piece-task.ts) against the run directory. The dataset
 * is loaded once, here, and shared with every thread (shared-dataset.ts), so memory does not
 * grow with N times the dataset. `lth run --workers N` uses it; the scheduler is the same one
 * the in-process runner uses (experiment/scheduler.ts).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import Tinypool from 'tinypool';
import { resolveThreads } from '../backend/index.ts';
import type { Dataset } from '../data/dataset.ts';
import { FileStore } from '../experiment/store/fs-store.ts';
import type { ExecutorFactory, PieceExecutor } from '../experiment/scheduler.ts';
import { UserError } from '../util/errors.ts';
import { PushedRun, type WorkerMessage } from './pushed-run.ts';
import { shareDataset } from './shared-dataset.ts';

/** The default number of workers: one per core this process may use. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * What each of `workers` piece threads starts with: the shared dataset, and the kernel threads
 * a piece gets when its config says 0 (automatic): max(1, floor(cores / workers)), the split
 * `lth run --workers` and `lth worker --workers` make, so pieces side by side do not each take
 * every core (a library caller's config keeps threads 0, and an explicit count stays).
 */
// The return type is spelled out (not PieceWorkerData) so the package's declarations do not reach
// piece-worker.ts and its node:worker_threads types.
export function pieceWorkerData(data: Dataset, workers: number): { data: Dataset; threads: number } {
  return { data, threads: resolveThreads(0, workers) };
}

/**
 * An executor running up to `workers` pieces at once, each on a worker thread. The run must be
 * a directory (a FileStore): workers read and write it themselves. Threads start as pieces need
 * them and stay until the run ends, keeping their environment from piece to piece.
 */
export function workerPool(workers: number): ExecutorFactory {
  if (!Number.isSafeInteger(workers) || workers < 1) throw new UserError(`--workers: expected a whole number of at least 1, got ${workers}`);
  return ({ store, env }): PieceExecutor => {
    if (!(store instanceof FileStore)) throw new UserError(`worker threads run pieces of a run directory, and ${store.location} is not one; run with one worker, or into a directory`);
    // The shared copy replaces this thread's: one copy of the data for every thread.
    env.data = shareDataset(env.data);
    const workerData = pieceWorkerData(env.data, workers);
    const pool = new Tinypool({
      filename: workerEntry(),
      minThreads: 1,
      maxThreads: workers,
      idleTimeout: 2 ** 31 - 1, // a thread keeps its environment until the run ends
      workerData,
    });
    return {
      slots: workers,
      start(id) {
        const { port1, port2 } = new MessageChannel();
        const abort = new AbortController();
        const run = new PushedRun(() => abort.abort());
        // The outcome is the port's last message (the task's own resolution may overtake it).
        port1.on('message', (m: WorkerMessage) => {
          run.receive(m);
          if (!('event' in m)) port1.close();
        });
        pool.run({ task: { dir: store.root, id }, port: port2 }, { transferList: [port2], signal: abort.signal }).catch((e: unknown) => {
          run.fail(e);
          port1.close();
        });
        return run;
      },
      close: () => pool.destroy(),
    };
  };
}

// The worker file beside this module: from source, a bootstrap that loads piece-worker.ts
// through tsx; from dist/, the bundle's piece-worker.js (scripts/bundle-lib.mjs builds it).
function workerEntry(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './piece-worker-source.mjs' : './piece-worker.js', import.meta.url));
}
