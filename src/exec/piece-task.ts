/**
 * One piece as a task any host can run (Node only): a worker thread, a queue worker, a function
 * platform's handler. The task names a run directory and a piece; everything else comes from
 * the run's own files, so the task is a few bytes and any process that mounts the directory
 * computes the same piece. The result is written atomically by the store, last, so a task
 * killed mid-piece leaves no result and running it again starts the piece over.
 */
import type { Dataset } from '../data/dataset.ts';
import type { RunEvent } from '../experiment/branches/context.ts';
import { type ExperimentConfig, resolveConfig } from '../experiment/config.ts';
import { CorruptFileError } from '../experiment/io/corrupt.ts';
import { type PieceEnv, createPieceEnv, disposePieceEnv } from '../experiment/piece-env.ts';
import { type PieceId, allPieces, pieceKey } from '../experiment/piece-graph.ts';
import { runPiece } from '../experiment/piece-runner.ts';
import type { PieceResult } from '../experiment/pieces.ts';
import { readSavedConfig } from '../experiment/prepare-run.ts';
import { FileStore } from '../experiment/store/fs-store.ts';
import { runKeys } from '../experiment/store/keys.ts';
import type { RunStore } from '../experiment/store/run-store.ts';
import { UserError } from '../util/errors.ts';

/** One piece of the run in directory `dir` (which holds its config.json). */
export interface PieceTask {
  dir: string;
  id: PieceId;
}

/** How runPieceTask runs. */
export interface PieceTaskOptions {
  /** Every progress event of the piece (runPiece's RunEvents), as it happens. */
  onEvent?: (e: RunEvent) => void;
  /** The run's dataset, loaded by the caller (a worker gets it shared from its parent). */
  data?: Dataset;
  /**
   * Kernel threads per network when the run's config says 0 (automatic): a host running
   * several pieces at once gives each its share of the cores (`lth worker --workers N`).
   */
  threads?: number;
}

// Environments built in this process, by config (an env does not depend on the directory).
const ENV_CACHE_SIZE = 2;
const envs = new Map<string, Promise<PieceEnv>>();

/**
 * Runs piece `task.id` of the run in `task.dir` and returns its result. The directory's
 * config.json is read and validated, and the piece must belong to that config (a UserError
 * otherwise). A piece whose result is already there and valid is not run again: that result
 * is returned (an invalid one is set aside and the piece recomputed). What the piece needs from
 * earlier pieces is read from the directory; schedulers send a piece once its needs are done.
 */
export async function runPieceTask(task: PieceTask, opts: PieceTaskOptions = {}): Promise<PieceResult> {
  return runStoredPiece(new FileStore(task.dir), task.id, opts);
}

/**
 * runPieceTask on any store: piece `id` of the run whose config.json `store` holds (the
 * serverless handler, piece-handler.ts, calls it with the store it is given).
 */
export async function runStoredPiece(store: RunStore, id: PieceId, opts: PieceTaskOptions = {}): Promise<PieceResult> {
  const saved = taskConfig(store);
  const cfg = saved.threads === 0 && opts.threads !== undefined ? { ...saved, threads: opts.threads } : saved;
  if (!allPieces(cfg).some((p) => pieceKey(p) === pieceKey(id))) {
    throw new UserError(`piece ${JSON.stringify(id)} is not a piece of the run in ${store.location} (${cfg.pruning.rounds} rounds, ${cfg.trials} trials, branches ${cfg.branches.join(', ')})`);
  }
  const done = doneResult(store, id, opts.onEvent);
  if (done !== undefined) return done;
  const env = await pieceEnv(cfg, opts.data);
  const pieces = runPiece(id, store, env);
  for (;;) {
    const step = pieces.next();
    if (step.done) return step.value;
    opts.onEvent?.(step.value);
  }
}

/** Frees every environment this process built for tasks (tests; a worker before it exits). */
export function clearTaskEnvs(): Promise<void> {
  const all = [...envs.values()];
  envs.clear();
  return Promise.all(all.map((p) => p.then(disposePieceEnv, () => undefined))).then(() => undefined);
}

// The run's saved config, validated: a task never runs against a config it was not started with.
function taskConfig(store: RunStore): ExperimentConfig {
  const raw = readSavedConfig(store);
  if (raw === undefined) throw new UserError(`${store.where(runKeys.config)} does not exist: start the run (lth run ... --out ${store.location}) before running its pieces`);
  return resolveConfig(raw);
}

// The piece's stored result when it is there and valid; an invalid one is set aside.
function doneResult(store: RunStore, id: PieceId, onEvent?: (e: RunEvent) => void): PieceResult | undefined {
  try {
    return store.getResult(id);
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    const movedTo = store.quarantine(runKeys.result(id.round, id.trial, id.branch));
    onEvent?.({ kind: 'corrupt', path: e.path, reason: e.reason, movedTo });
    return undefined;
  }
}

// The environment for `cfg`, built once per process and config (the oldest of a few is freed).
function pieceEnv(cfg: ExperimentConfig, data: Dataset | undefined): Promise<PieceEnv> {
  const key = JSON.stringify(cfg);
  let env = envs.get(key);
  if (env === undefined) {
    env = createPieceEnv(cfg, { data });
    envs.set(key, env);
    env.catch(() => envs.delete(key)); // a failed build is not cached
    while (envs.size > ENV_CACHE_SIZE) {
      const [oldKey, old] = envs.entries().next().value!;
      envs.delete(oldKey);
      old.then(disposePieceEnv, () => undefined);
    }
  }
  return env;
}
