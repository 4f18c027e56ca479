/**
 * Pieces as BullMQ jobs: the queue's name, what a job carries (the run directory every machine
 * mounts at the same path, and the piece), its id and its retry policy. Node only.
 *
 * A job's id is derived from the run and the piece, so adding a piece that is already in the
 * queue (waiting, active, done or failed) adds nothing: BullMQ keeps one job per id. The run
 * part is a hash of the run directory's real path and its config.json's modification time, so
 * a restarted coordinator (or `lth status`) names the same jobs, while a run started over in a
 * deleted and recreated directory gets new ones.
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { branchNames } from '../experiment/config.ts';
import type { PieceId } from '../experiment/piece-graph.ts';
import { FileStore } from '../experiment/store/fs-store.ts';
import { runKeys } from '../experiment/store/keys.ts';
import type { JobsOptions } from 'bullmq';

/** The one queue every coordinator adds to and every `lth worker` takes from. */
export const QUEUE_NAME = 'lth-pieces';

/** What a piece job carries. */
export interface PieceJobData extends PieceId {
  /** The run directory's absolute path (the same on every machine that mounts it). */
  dir: string;
}

/**
 * A running piece's progress (BullMQ job progress, which the coordinator and `lth status`
 * read): which worker computes it, its density once it has started, and its iteration.
 */
export interface PieceJobProgress {
  /** "host/pid" of the worker process. */
  worker: string;
  weightsRemaining?: number;
  iteration: number;
  total: number;
  testAccuracy?: number;
}

/** Reads a job's progress (a number or junk from elsewhere: undefined). */
export function pieceJobProgress(p: unknown): PieceJobProgress | undefined {
  const o = p as Partial<PieceJobProgress> | null;
  if (o === null || typeof o !== 'object' || typeof o.worker !== 'string' || typeof o.iteration !== 'number' || typeof o.total !== 'number') return undefined;
  return o as PieceJobProgress;
}

/** The attempts a piece gets before it is recorded as failed (a thrown error, not a divergence). */
export const PIECE_ATTEMPTS = 2;

/**
 * Job options: two attempts two seconds apart, then failed and kept (the coordinator reports
 * it and stops the chain); done jobs kept for a week (the store, not the queue, says a piece is
 * done, so removing them loses nothing).
 */
export const pieceJobOptions: JobsOptions = {
  attempts: PIECE_ATTEMPTS,
  backoff: { type: 'fixed', delay: 2000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** The run part of a job id (see above); the directory must exist and hold config.json. */
export function runToken(dir: string): string {
  const root = realpathSync(dir);
  const config = statSync(new FileStore(root).where(runKeys.config), { bigint: true });
  return createHash('sha256').update(`${root}\0${config.mtimeNs}`).digest('hex').slice(0, 16);
}

/** The job id of a piece of a run: `lth-<run>-r<round>-t<trial>-<branch>` (BullMQ ids may not hold ':'). */
export function pieceJobId(token: string, id: PieceId): string {
  return `lth-${token}-r${id.round}-t${id.trial}-${id.branch}`;
}

/** Checks what a job carries (a worker may meet jobs from another lth version). */
export function parsePieceJob(data: unknown): PieceJobData {
  const d = data as Partial<PieceJobData> | null;
  const nat = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  if (d === null || typeof d !== 'object' || typeof d.dir !== 'string' || !nat(d.round) || !nat(d.trial) || !branchNames.includes(d.branch as never)) {
    throw new Error(`not an lth piece job: ${JSON.stringify(data)?.slice(0, 200)}`);
  }
  return { dir: d.dir, round: d.round as number, trial: d.trial as number, branch: d.branch as PieceJobData['branch'] };
}

/** "round 1 trial 0 ticket". */
export function pieceLabel(id: PieceId): string {
  return `round ${id.round} trial ${id.trial} ${id.branch}`;
}
