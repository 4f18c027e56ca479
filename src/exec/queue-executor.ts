/**
 * The coordinator's executor (`lth run --queue`): the scheduler (experiment/scheduler.ts) starts
 * a piece by adding its job to the BullMQ queue, and `lth worker` processes on any machine that
 * mounts the run directory compute it. The piece's progress comes back as job progress, its end
 * as the job's state: completed (its result is then read from the run directory: the store, not
 * the queue, holds results) or failed for good (a PieceFailedError: the scheduler reports it and
 * runs nothing that builds on it). Node only.
 *
 * Job ids come from the run and the piece (piece-jobs.ts), so a restarted coordinator adding a
 * piece that is already queued or running adds nothing and follows the job already there. A
 * piece whose job failed before this coordinator started is given a fresh job (a restart retries
 * failures once more); a completed job whose result is missing from the directory, likewise.
 * Leaving the schedule early (the coordinator stopping) leaves the jobs in the queue.
 */
import { realpathSync } from 'node:fs';
import { Queue, QueueEvents } from 'bullmq';
import { CorruptFileError } from '../experiment/io/corrupt.ts';
import type { PieceId } from '../experiment/piece-graph.ts';
import type { PieceResult } from '../experiment/pieces.ts';
import { type ExecutorFactory, type PieceExecutor, PieceFailedError } from '../experiment/scheduler.ts';
import { FileStore } from '../experiment/store/fs-store.ts';
import { UserError } from '../util/errors.ts';
import { QUEUE_NAME, type PieceJobData, pieceJobId, pieceJobOptions, pieceJobProgress, pieceLabel, runToken } from './piece-jobs.ts';
import { type QueueAddress, errorLines, queueConnection } from './queue-connection.ts';
import { PushedRun } from './pushed-run.ts';

/** How the coordinator follows its jobs. */
export interface QueueExecutorOptions {
  /** Notes for the user (a failed piece retried, a missing result recomputed). */
  log?: (line: string) => void;
  /** How often every queued piece's job is looked at, besides the queue's events, ms. */
  pollMs?: number;
}

// A piece this coordinator waits for.
interface Watched {
  id: PieceId;
  run: PushedRun;
  /** Its 'piece' event was sent (the piece is computing, or finished). */
  started: boolean;
  /** The last iteration sent. */
  iteration: number;
  /** Its outcome was sent. */
  ended: boolean;
  /** Times its job was seen completed without its result in the directory (a shared file system may show it late). */
  missing: number;
}

// How often a completed job's result may be missing before the piece counts as failed.
const MISSING_CHECKS = 5;

/**
 * An executor adding each piece the scheduler starts to the queue at `addr`, with no limit of
 * its own on how many are queued at once (the workers' threads are the limit). The run must be
 * a directory (a FileStore) every worker mounts at the same path.
 */
export function queueExecutor(addr: QueueAddress, opts: QueueExecutorOptions = {}): ExecutorFactory {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  return async ({ store }): Promise<PieceExecutor> => {
    if (!(store instanceof FileStore)) throw new UserError(`a queue runs pieces of a run directory every worker mounts, and ${store.location} is not one; pass --out DIR`);
    const dir = realpathSync(store.root);
    const token = runToken(dir);
    const connection = queueConnection(addr);
    const queue = new Queue<PieceJobData, unknown, string>(QUEUE_NAME, { connection });
    const events = new QueueEvents(QUEUE_NAME, { connection });
    queue.on('error', errorLines(addr, log));
    events.on('error', errorLines(addr, log));
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const watched = new Map<string, Watched>();
    let closed = false;
    // A look at a job that failed (Redis gone meanwhile; after close, a look still under way).
    const report = (e: unknown) => closed || log(`lth: queue ${addr.display}: ${(e as Error).message.split('\n')[0]}`);

    // Sends what the job's state says; the store decides whether a completed piece is done.
    const check = async (jobId: string): Promise<void> => {
      const w = watched.get(jobId);
      if (w === undefined || w.ended) return;
      const job = await queue.getJob(jobId);
      if (w.ended) return;
      if (job === undefined) {
        // Removed from outside (or by age): done if its result is there, else queued again.
        if (!finish(w, stored(w.id))) await queue.add(pieceLabel(w.id), { dir, ...w.id }, { ...pieceJobOptions, jobId });
        return;
      }
      const state = await job.getState();
      if (w.ended) return;
      progress(w, job.progress);
      if (state === 'completed') {
        if (!finish(w, stored(w.id)) && ++w.missing >= MISSING_CHECKS) {
          w.ended = true;
          w.run.fail(new PieceFailedError(`a worker finished it, but its result is not in ${dir}: do the workers mount the run directory at the same path?`));
        } else if (!w.ended) {
          setTimeout(() => checkLater(jobId), 1000).unref();
        }
      } else if (state === 'failed') {
        w.ended = true;
        w.run.fail(new PieceFailedError(job.failedReason || 'failed'));
      }
    };
    const checkLater = (jobId: string): void => void check(jobId).catch(report);

    // A running piece's progress: its 'piece' event once, then its iterations.
    const progress = (w: Watched, p: unknown): void => {
      const pr = pieceJobProgress(p);
      if (pr === undefined || pr.weightsRemaining === undefined) return;
      if (!w.started) {
        w.started = true;
        w.run.receive({ event: { kind: 'piece', ...w.id, weightsRemaining: pr.weightsRemaining, skipped: false } });
      }
      if (pr.iteration !== w.iteration && pr.total > 0) {
        w.iteration = pr.iteration;
        w.run.receive({ event: { kind: 'iteration', iteration: pr.iteration, total: pr.total, ...(pr.testAccuracy !== undefined ? { testAccuracy: pr.testAccuracy } : {}) } });
      }
    };

    // Ends a piece with its stored result; false when there is none.
    const finish = (w: Watched, result: PieceResult | undefined): boolean => {
      if (result === undefined) return false;
      w.ended = true;
      if (!w.started) w.run.receive({ event: { kind: 'piece', ...w.id, weightsRemaining: result.weightsRemaining, skipped: false } });
      w.run.receive({ event: { kind: 'pieceDone', result } });
      w.run.receive({ result });
      return true;
    };
    // The piece's result when it is there and valid (an invalid one is the workers' to set aside).
    const stored = (id: PieceId): PieceResult | undefined => {
      try {
        return store.getResult(id);
      } catch (e) {
        if (e instanceof CorruptFileError) return undefined;
        throw e;
      }
    };

    // Queues the piece unless its job is there; a job left failed (or completed without its
    // result) by an earlier coordinator is replaced.
    const enqueue = async (id: PieceId, jobId: string): Promise<void> => {
      const old = await queue.getJob(jobId);
      if (old !== undefined) {
        const state = await old.getState();
        const stale = state === 'failed' || (state === 'completed' && stored(id) === undefined);
        if (!stale) return;
        if (state === 'failed') log(`lth: ${pieceLabel(id)} failed before (${(old.failedReason || 'failed').split('\n')[0]}); queued again`);
        await old.remove();
      }
      await queue.add(pieceLabel(id), { dir, ...id }, { ...pieceJobOptions, jobId });
    };

    for (const name of ['active', 'completed', 'failed', 'removed', 'stalled'] as const) {
      events.on(name, ({ jobId }: { jobId: string }) => checkLater(jobId));
    }
    events.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
      const w = watched.get(jobId);
      if (w !== undefined && !w.ended) progress(w, data);
    });
    // Events can be missed (a reconnect, a job that ended before this coordinator listened):
    // every job is also looked at now and then.
    const timer = setInterval(() => {
      for (const jobId of watched.keys()) checkLater(jobId);
    }, opts.pollMs ?? 2000);

    return {
      slots: Number.POSITIVE_INFINITY,
      start(id) {
        const jobId = pieceJobId(token, id);
        const w: Watched = { id, run: new PushedRun(() => watched.delete(jobId)), started: false, iteration: -1, ended: false, missing: 0 };
        watched.set(jobId, w);
        enqueue(id, jobId).then(() => check(jobId)).catch((e: unknown) => w.run.fail(e));
        return w.run;
      },
      async close() {
        closed = true;
        clearInterval(timer);
        watched.clear();
        await Promise.allSettled([events.close(), queue.close()]);
      },
    };
  };
}
