/**
 * The sequential scheduler: walks the piece graph of a config (piece-graph.ts) one ready piece
 * at a time, in graph order, running each with runPiece against the run store. Tests, the CLI
 * with one worker and the browser use it; schedulers that run pieces in other processes share
 * the same graph, pieces and store.
 */
import type { RunEvent } from './branches/context.ts';
import type { ExperimentConfig } from './config.ts';
import { CorruptFileError } from './io/corrupt.ts';
import type { EnvInputs, PieceEnv } from './piece-env.ts';
import { type PieceNode, blockedBy, pieceGraph } from './piece-graph.ts';
import { runPiece } from './piece-runner.ts';
import type { PieceResult } from './pieces.ts';
import { prepareRun } from './prepare-run.ts';
import { writeResults } from './results.ts';
import { runKernelPlan } from './kernel-plan-store.ts';
import { runKeys } from './store/keys.ts';
import { openRunStore } from './store/open.ts';
import type { RunStore } from './store/run-store.ts';

export type { RunEvent } from './branches/context.ts';

/** How runExperiment runs: a backend and dataset made by the caller (see EnvInputs). */
export type RunOptions = EnvInputs;

/**
 * Runs (or resumes) an IMP experiment into `where`: a RunStore, or a run directory (Node).
 * A piece is skipped when its result exists and validates, so a killed run started again loses
 * nothing; an invalid result or an invalid entry a piece reads is set aside and recomputed. A
 * diverged piece counts as done; the pieces that build on it are not run. summary.json and
 * metrics.jsonl are rebuilt as each round completes. Nothing is written before the config
 * has passed every check (prepare-run.ts).
 */
export async function* runExperiment(cfg: ExperimentConfig, where: RunStore | string, opts: RunOptions = {}): AsyncGenerator<RunEvent, void> {
  const store = openRunStore(where);
  const env = await prepareRun(cfg, store, opts);
  env.kernelPlan ??= cfg.kernels === 'auto' ? runKernelPlan(store) : undefined;
  yield* schedule(store, env, pieceGraph(cfg));
}

/** Runs the graph's pieces that are not done, in graph order (a topological one). */
function* schedule(store: RunStore, env: PieceEnv, graph: PieceNode[]): Generator<RunEvent, void> {
  const results = new Map<string, PieceResult>();
  for (const node of graph) {
    const checked = checkedResult(store, node);
    if (checked.event) yield checked.event;
    if (checked.result) results.set(node.key, checked.result);
  }
  const diverged = new Set([...results].filter(([, r]) => r.diverged).map(([k]) => k));
  let blocked = blockedBy(graph, diverged);
  yield { kind: 'start', totalPieces: graph.length - blocked.size, donePieces: results.size };

  for (const [i, node] of graph.entries()) {
    if (!blocked.has(node.key)) {
      const { id, key } = node;
      let result = results.get(key);
      const skipped = result !== undefined;
      if (result === undefined) {
        result = yield* runPiece(id, store, env);
        results.set(key, result);
      } else {
        yield { kind: 'piece', ...id, weightsRemaining: result.weightsRemaining, skipped: true };
      }
      if (result.diverged) {
        diverged.add(key);
        blocked = blockedBy(graph, diverged);
        yield { kind: 'diverged', ...id, ...result.diverged, notRun: blockedBy(graph, new Set([key])).size, skipped };
      }
    }
    // The round is complete (done or blocked) once the graph moves past it.
    if (graph[i + 1]?.id.round !== node.id.round) writeResults(env.cfg, store);
  }
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
