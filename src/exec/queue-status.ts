/**
 * Where each piece of a queued run stands (`lth status --queue`): done (its result is in the
 * run directory: the store, not the queue, says so), diverged, waiting in the queue, active on
 * a worker, failed (with the reason BullMQ recorded), blocked (it builds on a diverged or failed
 * piece), or not queued yet (its needs are not done, or no coordinator has queued it). Node only.
 */
import { realpathSync } from 'node:fs';
import { Queue } from 'bullmq';
import { resolveConfig } from '../experiment/config.ts';
import { CorruptFileError } from '../experiment/io/corrupt.ts';
import { type PieceId, blockedBy, pieceGraph } from '../experiment/piece-graph.ts';
import { readSavedConfig } from '../experiment/prepare-run.ts';
import { FileStore } from '../experiment/store/fs-store.ts';
import { runKeys } from '../experiment/store/keys.ts';
import { UserError } from '../util/errors.ts';
import { QUEUE_NAME, type PieceJobProgress, pieceJobId, pieceJobProgress, runToken } from './piece-jobs.ts';
import { type QueueAddress, errorLines, probeQueue, queueConnection } from './queue-connection.ts';

/** The states `lth status` counts, in the order it prints them. */
export const pieceStates = ['done', 'diverged', 'active', 'waiting', 'failed', 'blocked', 'notQueued'] as const;
export type PieceState = (typeof pieceStates)[number];

/** One piece's state, with what the queue knows of it. */
export interface PieceStatus {
  id: PieceId;
  state: PieceState;
  /** failed: why (the last attempt's error); done: a note when the queue disagrees. */
  reason?: string;
  /** active: the worker and its iteration. */
  progress?: PieceJobProgress;
}

/** The state of every piece of the run in `dir` on the queue at `addr` (probed first), in graph order. */
export async function queueStatus(dir: string, addr: QueueAddress, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<PieceStatus[]> {
  const store = new FileStore(dir);
  const raw = readSavedConfig(store);
  if (raw === undefined) throw new UserError(`${store.where(runKeys.config)} does not exist: ${dir} is not a run directory (start one with lth run ... --queue ... --out ${dir})`);
  const cfg = resolveConfig(raw);
  const token = runToken(realpathSync(dir));
  const graph = pieceGraph(cfg);
  await probeQueue(addr);
  const queue = new Queue(QUEUE_NAME, { connection: queueConnection(addr) });
  queue.on('error', errorLines(addr, log));
  try {
    const out: PieceStatus[] = [];
    for (const { id } of graph) {
      // The queue first, then the directory: a piece that completes in between reads as done
      // (its result is written before its job completes), never as completed without a result.
      const job = await queue.getJob(pieceJobId(token, id));
      const state = job === undefined ? undefined : await job.getState();
      let result;
      try {
        result = store.getResult(id);
      } catch (e) {
        if (!(e instanceof CorruptFileError)) throw e;
      }
      if (result !== undefined) out.push({ id, state: result.diverged ? 'diverged' : 'done' });
      else if (job === undefined || state === 'unknown') out.push({ id, state: 'notQueued' });
      else if (state === 'active') out.push({ id, state: 'active', ...progressOf(job.progress) });
      else if (state === 'failed') out.push({ id, state: 'failed', reason: (job.failedReason || 'failed').split('\n')[0] });
      else if (state === 'completed') out.push({ id, state: 'failed', reason: `a worker finished it, but its result is not in ${dir}` });
      else out.push({ id, state: 'waiting' }); // waiting, delayed (a retry), prioritized
    }
    // Pieces below a diverged or failed one will not run (a coordinator started again retries failed ones).
    const key = (id: PieceId) => `${id.round}/${id.trial}/${id.branch}`;
    const stops = new Set(out.filter((p) => p.state === 'diverged' || p.state === 'failed').map((p) => key(p.id)));
    const blocked = blockedBy(graph, stops);
    return out.map((p) => (p.state === 'notQueued' && blocked.has(key(p.id)) ? { ...p, state: 'blocked' } : p));
  } finally {
    await queue.close();
  }
}

function progressOf(p: unknown): { progress?: PieceJobProgress } {
  const pr = pieceJobProgress(p);
  return pr === undefined ? {} : { progress: pr };
}

/** The text `lth status` prints: a count line, then a line per active, failed or blocked piece. */
export function formatStatus(dir: string, pieces: PieceStatus[]): string {
  const count = (s: PieceState) => pieces.filter((p) => p.state === s).length;
  const names: Record<PieceState, string> = { done: 'done', diverged: 'diverged', active: 'active', waiting: 'waiting', failed: 'failed', blocked: 'blocked', notQueued: 'not queued yet' };
  const lines = [`${dir}: ${pieces.length} pieces: ${pieceStates.map((s) => `${count(s)} ${names[s]}`).join(', ')}`];
  const label = (id: PieceId) => `round ${id.round} trial ${id.trial} ${id.branch}`;
  for (const p of pieces) {
    if (p.state === 'active') {
      const pr = p.progress;
      const at = pr === undefined ? 'starting' : pr.total === 0 ? `starting on ${pr.worker}` : `iteration ${pr.iteration}/${pr.total}${pr.testAccuracy !== undefined ? `, test acc ${(pr.testAccuracy * 100).toFixed(2)}%` : ''} on ${pr.worker}`;
      lines.push(`  active   ${label(p.id)}: ${at}`);
    } else if (p.state === 'failed') {
      lines.push(`  failed   ${label(p.id)}: ${p.reason}`);
    } else if (p.state === 'diverged') {
      lines.push(`  diverged ${label(p.id)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
