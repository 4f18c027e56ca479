/**
 * The one scheduler every runner uses: it walks the piece graph of a config (piece-graph.ts),
 * starting each ready piece (its needs done, nothing upstream diverged) while the executor has
 * a free slot: in graph order with one slot, critical path first with several. The executor decides where a piece runs: in this thread, one at
 * a time (inProcess, the sequential runner and the browser), or on worker threads (Node,
 * exec/worker-pool.ts). Pieces compute the same bytes wherever and in whatever order they run,
 * so the summary does not depend on the executor or its number of slots.
 */
import type { RunEvent } from './branches/context.ts';
import type { ExperimentConfig } from './config.ts';
import { CorruptFileError } from './io/corrupt.ts';
import type { PieceEnv } from './piece-env.ts';
import { type PieceId, type PieceNode, blockedBy, pieceHeights, readyPieces } from './piece-graph.ts';
import { runPiece } from './piece-runner.ts';
import type { PieceResult } from './pieces.ts';
import { writeResults } from './results.ts';
import { runKeys } from './store/keys.ts';
import type { RunStore } from './store/run-store.ts';

/** One running piece: its progress events, then its result (return() abandons it). */
export type PieceRun = AsyncIterator<RunEvent, PieceResult, undefined>;

/**
 * A piece that failed for good, where the executor records failures instead of ending the run
 * (the queue: a piece that threw on every attempt, or whose worker kept dying). The scheduler
 * reports it, runs nothing that builds on it, and goes on with the other pieces. Any other
 * error a piece run throws ends the schedule.
 */
export class PieceFailedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PieceFailedError';
  }
}

/** Where pieces run. */
export interface PieceExecutor {
  /** How many pieces it runs at once. */
  readonly slots: number;
  /** Starts piece `id` (its needs are done). */
  start(id: PieceId): PieceRun;
  /** Frees what it holds (threads); called once, when the schedule ends or is abandoned. */
  close(): Promise<void>;
}

/** What an executor is made from: the run's config, store and this process's environment. */
export interface ExecutorInputs {
  cfg: ExperimentConfig;
  store: RunStore;
  env: PieceEnv;
}

/** Makes the executor of a run (runExperiment's `executor` option). */
export type ExecutorFactory = (run: ExecutorInputs) => PieceExecutor | Promise<PieceExecutor>;

/** Runs pieces in this thread, one at a time, with this process's environment. */
export function inProcess({ store, env }: ExecutorInputs): PieceExecutor {
  return {
    slots: 1,
    async *start(id) {
      return yield* runPiece(id, store, env);
    },
    close: async () => undefined,
  };
}

// A running piece and the promise of its next step.
interface Running {
  node: PieceNode;
  run: PieceRun;
  next: Promise<{ key: string; step: IteratorResult<RunEvent, PieceResult> } | { key: string; failed: PieceFailedError }>;
}

/**
 * Runs the graph's pieces that are not done on `executor`, yielding their events (iteration
 * events tagged with their piece). A piece is done when its result exists and validates; an
 * invalid one is set aside. A diverged piece counts as done and blocks the pieces that build on
 * it; so does a piece that failed for good (PieceFailedError), which is reported and not done.
 * summary.json and metrics.jsonl are rebuilt each time a round has no piece left to run, and
 * at the end. Leaving early (an error, or the consumer stopping) abandons running pieces.
 */
export async function* schedulePieces(cfg: ExperimentConfig, store: RunStore, graph: PieceNode[], executor: PieceExecutor): AsyncGenerator<RunEvent, void> {
  const results = new Map<string, PieceResult>();
  for (const node of graph) {
    const checked = checkedResult(store, node);
    if (checked.event) yield checked.event;
    if (checked.result) results.set(node.key, checked.result);
  }
  const diverged = new Set([...results].filter(([, r]) => r.diverged).map(([k]) => k));
  let blocked = blockedBy(graph, diverged);
  yield { kind: 'start', totalPieces: graph.length - blocked.size, donePieces: results.size };
  for (const { id, key } of graph) {
    const result = results.get(key);
    if (result === undefined || blocked.has(key)) continue;
    yield { kind: 'piece', ...id, weightsRemaining: result.weightsRemaining, skipped: true };
    if (result.diverged) yield { kind: 'diverged', ...id, ...result.diverged, notRun: blockedBy(graph, new Set([key])).size, skipped: true };
  }

  const running = new Map<string, Running>();
  const done = new Set(results.keys());
  const failed = new Set<string>();
  // Whether every piece of `round` is done or cannot run.
  const settled = (round: number) => graph.every((n) => n.id.round !== round || done.has(n.key) || blocked.has(n.key) || failed.has(n.key));
  // One slot: graph order (round by round, so each round's summary comes as early as it can).
  // Several: critical path first (the piece with the longest chain below it; ties in graph
  // order), so the ticket chain keeps running while controls fill the other slots.
  const height = pieceHeights(graph);
  const order = (ready: PieceNode[]): PieceNode[] => (executor.slots > 1 ? [...ready].sort((a, b) => height.get(b.key)! - height.get(a.key)!) : ready);
  try {
    for (;;) {
      for (const node of order(readyPieces(graph, done, blocked))) {
        if (running.size >= executor.slots) break;
        if (running.has(node.key) || failed.has(node.key)) continue;
        const run = executor.start(node.id);
        running.set(node.key, { node, run, next: stepOf(node.key, run) });
      }
      if (running.size === 0) break;
      const next = await Promise.race([...running.values()].map((r) => r.next));
      const { key } = next;
      const r = running.get(key)!;
      if ('failed' in next) {
        running.delete(key);
        failed.add(key);
        blocked = blockedBy(graph, new Set([...diverged, ...failed]));
        yield { kind: 'failed', ...r.node.id, reason: next.failed.reason, notRun: blockedBy(graph, new Set([key])).size };
        if (settled(r.node.id.round)) writeResults(cfg, store);
        continue;
      }
      const { step } = next;
      if (!step.done) {
        r.next = stepOf(key, r.run);
        yield step.value.kind === 'iteration' ? { ...step.value, piece: r.node.id } : step.value;
        continue;
      }
      running.delete(key);
      const result = step.value;
      done.add(key);
      if (result.diverged) {
        diverged.add(key);
        blocked = blockedBy(graph, new Set([...diverged, ...failed]));
        yield { kind: 'diverged', ...r.node.id, ...result.diverged, notRun: blockedBy(graph, new Set([key])).size, skipped: false };
      }
      if (settled(r.node.id.round)) writeResults(cfg, store);
    }
    writeResults(cfg, store);
  } finally {
    // Left early: stop what still runs (its result is not written: a rerun starts it over).
    for (const r of running.values()) r.next.catch(() => undefined);
    await Promise.allSettled([...running.values()].map((r) => r.run.return?.()));
    await executor.close();
  }
}

function stepOf(key: string, run: PieceRun): Running['next'] {
  return run.next().then(
    (step) => ({ key, step }),
    (e: unknown) => {
      if (e instanceof PieceFailedError) return { key, failed: e };
      throw e;
    },
  );
}

// A piece's result when it is there and valid; an invalid one is set aside (the piece is not done).
function checkedResult(store: RunStore, node: PieceNode): { result?: PieceResult; event?: RunEvent } {
  try {
    return { result: store.getResult(node.id) };
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    const key = runKeys.result(node.id.round, node.id.trial, node.id.branch);
    return { event: { kind: 'corrupt', path: e.path, reason: e.reason, movedTo: store.quarantine(key) } };
  }
}
