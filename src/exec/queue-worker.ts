/**
 * `lth worker`: a BullMQ Worker taking pieces from the queue, N at a time, each computed in a
 * worker thread by the sandboxed processor (queue-processor.ts) so that this thread's event
 * loop stays free to renew the pieces' locks. A worker killed mid-piece stops renewing; once
 * its lock lapses, any other worker's stalled-job check puts the piece back in the queue, and
 * the next worker computes it from the start (a result is written atomically, last). Node only.
 */
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { type QueueAddress, errorLines, queueConnection } from './queue-connection.ts';
import { QUEUE_NAME, parsePieceJob, pieceLabel } from './piece-jobs.ts';
import { resolveThreads } from '../backend/index.ts';
import type { PieceJobResult, ProcessorData } from './queue-processor.ts';

/** How a worker runs. */
export interface PieceWorkerOptions {
  /** Pieces computed at once (worker threads). */
  concurrency: number;
  /** How long a piece's lock lasts unrenewed, ms (renewed every half of it while the piece runs). */
  lockDuration: number;
  /** How often this worker looks for pieces whose worker died, ms. */
  stalledInterval: number;
  /** One line per event (taken, done, failed, errors). */
  log: (line: string) => void;
}

/** Defaults: BullMQ's lock of 30 s, a stalled check every 30 s. */
export const workerDefaults = { lockDuration: 30_000, stalledInterval: 30_000 };

/**
 * How often a piece that was running on a worker that died goes back to the queue before it is
 * recorded as failed (a piece that kills its worker every time is not retried forever).
 */
const MAX_STALLED = 2;

/** The processor file next to this module: the bundled .js in dist/cli, or the source's tsx shim. */
export function processorFile(): string {
  const file = import.meta.url.endsWith('.ts') ? 'queue-processor-source.mjs' : 'queue-processor.js';
  return fileURLToPath(new URL(`./${file}`, import.meta.url));
}

/** Starts taking pieces; `close()` lets running pieces finish, then disconnects. */
export function startPieceWorker(addr: QueueAddress, opts: PieceWorkerOptions): Worker<unknown, PieceJobResult> {
  const who = `${hostname()}/${process.pid}`;
  const worker = new Worker<unknown, PieceJobResult>(QUEUE_NAME, processorFile(), {
    connection: queueConnection(addr),
    concurrency: opts.concurrency,
    useWorkerThreads: true,
    // Pieces side by side share this machine's cores (for configs whose threads is 0, automatic).
    workerThreadsOptions: { workerData: { threads: resolveThreads(0, opts.concurrency) } satisfies ProcessorData },
    lockDuration: opts.lockDuration,
    stalledInterval: opts.stalledInterval,
    maxStalledCount: MAX_STALLED,
  });
  const label = (data: unknown): string => {
    try {
      return pieceLabel(parsePieceJob(data));
    } catch {
      return 'a job that is not an lth piece';
    }
  };
  worker.on('active', (job) => opts.log(`lth worker ${who}: took ${label(job.data)} (job ${job.id})`));
  worker.on('completed', (job, r) => {
    const what = !r.computed ? 'already done' : r.diverged ? `diverged at iteration ${r.diverged.iteration}` : `done, ${(r.weightsRemaining * 100).toFixed(1)}% weights, test acc ${(r.testAccuracyAtEarlyStop * 100).toFixed(2)}% (${r.wallSeconds.toFixed(1)} s)`;
    opts.log(`lth worker ${who}: ${label(job.data)} ${what}`);
  });
  worker.on('failed', (job, err) => {
    if (job === undefined) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    opts.log(`lth worker ${who}: ${label(job.data)} failed (attempt ${job.attemptsMade}${final ? ', no more' : ', will retry'}): ${err.message.split('\n')[0]}`);
  });
  worker.on('error', errorLines(addr, opts.log));
  return worker;
}
