/**
 * The BullMQ sandboxed processor of `lth worker` (its default export; BullMQ loads this file in
 * a worker thread). A piece computes for minutes without yielding; here that blocks only this
 * thread, so the worker's event loop keeps renewing the job's lock and BullMQ never hands the
 * piece to a second worker while it runs. The thread is reused for later jobs, and
 * runPieceTask keeps its environment (backend, dataset, network) between them.
 */
import { hostname } from 'node:os';
import { workerData } from 'node:worker_threads';
import type { SandboxedJob } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { RunEvent } from '../experiment/branches/context.ts';
import { runPieceTask } from './piece-task.ts';
import { type PieceJobProgress, parsePieceJob, pieceLabel } from './piece-jobs.ts';
import { UserError } from '../util/errors.ts';

/** What a finished job returns (kept small: BullMQ stores it and the events stream carries it). */
export interface PieceJobResult {
  round: number;
  trial: number;
  branch: string;
  /** False when the piece was already done and its stored result was returned. */
  computed: boolean;
  weightsRemaining: number;
  earlyStopIteration: number;
  testAccuracyAtEarlyStop: number;
  wallSeconds: number;
  diverged?: { iteration: number; loss: string };
}

/** What `lth worker` gives each of its threads. */
export interface ProcessorData {
  /** Kernel threads per piece, for configs whose threads is 0 (automatic): this machine's share per piece. */
  threads: number;
}

/** How often a running piece reports its iteration (job progress, which the coordinator shows). */
const PROGRESS_MS = 1000;

/**
 * Runs the job's piece. Each computation of a piece (this one, or an earlier one whose output
 * had to be recomputed) prints one `computing` line on stdout. A UserError (a config or piece
 * that can never run) fails the job at once; any other error is retried (piece-jobs.ts).
 */
export default async function processPiece(job: SandboxedJob): Promise<PieceJobResult> {
  const { dir, ...id } = parsePieceJob(job.data);
  const who = `${hostname()}/${process.pid}`;
  let reported = 0;
  let computed = false;
  let progress: PieceJobProgress = { worker: who, iteration: 0, total: 0 };
  const report = (): void => {
    reported = Date.now();
    job.updateProgress({ ...progress }).catch(() => undefined); // progress is a display: a lost one is fine
  };
  const onEvent = (e: RunEvent): void => {
    if (e.kind === 'piece' && !e.skipped) {
      computed = true;
      process.stdout.write(`lth worker ${who}: computing ${pieceLabel(e)} of ${dir} (job ${job.id}, attempt ${job.attemptsMade + 1})\n`);
      progress = { worker: who, weightsRemaining: e.weightsRemaining, iteration: 0, total: 0 };
      report();
    }
    if (e.kind === 'iteration') {
      progress = { ...progress, iteration: e.iteration, total: e.total, ...(e.testAccuracy !== undefined ? { testAccuracy: e.testAccuracy } : {}) };
      if (Date.now() - reported >= PROGRESS_MS) report();
    }
  };
  try {
    const r = await runPieceTask({ dir, id }, { onEvent, threads: (workerData as Partial<ProcessorData> | null)?.threads });
    return {
      round: r.round, trial: r.trial, branch: r.branch, computed,
      weightsRemaining: r.weightsRemaining, earlyStopIteration: r.earlyStopIteration, testAccuracyAtEarlyStop: r.testAccuracyAtEarlyStop, wallSeconds: r.wallSeconds,
      ...(r.diverged ? { diverged: r.diverged } : {}),
    };
  } catch (e) {
    // Retrying cannot fix a bad config or a piece that is not in the run.
    if (e instanceof UserError) throw new UnrecoverableError(e.message);
    throw e;
  }
}
