/**
 * Running an experiment: checks the config against the run's store, builds this process's
 * environment, and hands the piece graph to the scheduler (scheduler.ts) with an executor: in
 * this thread, one piece at a time, unless the caller passes another (Node's worker threads,
 * exec/worker-pool.ts). Tests, the CLI with one worker and the browser run in-process.
 */
import type { RunEvent } from './branches/context.ts';
import type { ExperimentConfig } from './config.ts';
import type { EnvInputs } from './piece-env.ts';
import { pieceGraph } from './piece-graph.ts';
import { prepareRun } from './prepare-run.ts';
import { runKernelPlan } from './kernel-plan-store.ts';
import { type ExecutorFactory, inProcess, schedulePieces } from './scheduler.ts';
import { openRunStore } from './store/open.ts';
import type { RunStore } from './store/run-store.ts';

export type { RunEvent } from './branches/context.ts';

/** How runExperiment runs: a backend and dataset made by the caller, and where pieces run. */
export interface RunOptions extends EnvInputs {
  /** Where pieces run (default: in this thread, one at a time). */
  executor?: ExecutorFactory;
}

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
  const { executor = inProcess, ...inputs } = opts;
  const env = await prepareRun(cfg, store, inputs);
  env.kernelPlan ??= cfg.kernels === 'auto' ? runKernelPlan(store) : undefined;
  yield* schedulePieces(cfg, store, pieceGraph(cfg), await executor({ cfg, store, env }));
}
