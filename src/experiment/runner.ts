import { mkdirSync } from 'node:fs';
import type { Backend } from '../backend/backend.ts';
import { createBackend } from '../backend/index.ts';
import type { Dataset } from '../data/dataset.ts';
import { loadDataset } from '../data/registry.ts';
import { initParameters } from '../nn/module.ts';
import { makeOptimizer } from '../optim/optimizer.ts';
import { applyMasks, prunableParams } from '../prune/apply.ts';
import { type Masks, density, fullMasks } from '../prune/masks.ts';
import { resolveRates } from '../prune/rates.ts';
import { type Network, buildNetwork } from '../train/setup.ts';
import { type Weights, restoreWeights, snapshotWeights } from '../train/state.ts';
import { train } from '../train/trainer.ts';
import { type BranchName, type ExperimentConfig, optimizerConfig } from './config.ts';
import { readJsonIfExists, writeJsonAtomic } from './io/atomic.ts';
import { type PieceResult, branchMask, branchesOf, nextMask, trialRngs, trialSeed } from './pieces.ts';
import { RunDir, exists, loadMasks, loadWeights, saveMasks, saveWeights } from './store.ts';
import { writeResults } from './results.ts';
import { UserError } from '../util/errors.ts';

/** Progress of a run, yielded to the caller (the CLI draws it). */
export type RunEvent =
  | { kind: 'start'; totalPieces: number; donePieces: number }
  | { kind: 'piece'; round: number; trial: number; branch: BranchName; weightsRemaining: number; skipped: boolean }
  | { kind: 'iteration'; iteration: number; total: number; testAccuracy?: number }
  | { kind: 'pieceDone'; result: PieceResult };

/**
 * Runs (or resumes) an IMP experiment into `outDir`. Each (round, trial, branch) piece is
 * skipped when its result file exists, so a killed run started again loses nothing.
 */
export async function* runExperiment(cfg: ExperimentConfig, outDir: string): AsyncGenerator<RunEvent, void> {
  const dir = new RunDir(outDir);
  mkdirSync(outDir, { recursive: true });
  const saved = readJsonIfExists<ExperimentConfig>(dir.config);
  if (saved !== undefined && JSON.stringify(saved) !== JSON.stringify(cfg)) {
    throw new UserError(`${dir.config} holds a different config: resume with the same settings, or pass another --out directory`);
  }
  if (saved === undefined) writeJsonAtomic(dir.config, cfg);
  if (cfg.pruning.rewindIteration >= cfg.iterations) {
    throw new UserError(`config field 'pruning.rewindIteration': expected less than iterations (${cfg.iterations}), got ${cfg.pruning.rewindIteration}`);
  }
  const b = await createBackend(cfg.backend);
  const data = await loadDataset(cfg.dataset);
  const net = buildNetwork(b, cfg.model, data, trialRngs(cfg, 0, 0, 'ticket').init, { dropout: cfg.dropout, widthMultiplier: cfg.widthMultiplier });
  const prunable = prunableParams(net.params);
  const rates = resolveRates(cfg.pruning.rates, prunable.map((p) => ({ name: p.name, shape: p.tensor.shape })));
  const shapes = Object.fromEntries(net.params.map((p) => [p.name, p.tensor.shape]));
  const opt = makeOptimizer(b, net.params, optimizerConfig(cfg.optimizer));

  let total = 0;
  let done = 0;
  for (let r = 0; r <= cfg.pruning.rounds; r++) {
    for (let t = 0; t < cfg.trials; t++) {
      for (const br of branchesOf(cfg, r)) {
        total++;
        if (exists(dir.result(r, t, br))) done++;
      }
    }
  }
  yield { kind: 'start', totalPieces: total, donePieces: done };

  for (let r = 0; r <= cfg.pruning.rounds; r++) {
    for (let t = 0; t < cfg.trials; t++) {
      const mask = ticketMask(cfg, dir, r, t, rates, shapes, prunable.map((p) => [p.name, p.size] as const));
      for (const branch of branchesOf(cfg, r)) {
        const resultPath = dir.result(r, t, branch);
        const skipped = exists(resultPath);
        yield { kind: 'piece', round: r, trial: t, branch, weightsRemaining: density(mask), skipped };
        if (skipped) continue;
        const result = yield* trainPiece(b, cfg, dir, net, data, opt, r, t, branch, mask, shapes);
        writeJsonAtomic(resultPath, result);
        yield { kind: 'pieceDone', result };
      }
    }
    writeResults(cfg, dir);
  }
}

/** Loads the ticket mask of a round, or computes and saves it (all ones in round 0). */
function ticketMask(cfg: ExperimentConfig, dir: RunDir, r: number, t: number, rates: Record<string, number>, shapes: Record<string, readonly number[]>, sizes: (readonly [string, number])[]): Masks {
  const path = dir.mask(r, t);
  if (exists(path)) return loadMasks(path);
  let mask: Masks;
  if (r === 0) {
    mask = fullMasks(Object.fromEntries(sizes));
  } else {
    const prev = loadMasks(dir.mask(r - 1, t));
    const trained = loadWeights(dir.finalWeights(r - 1, t, 'ticket'));
    const dense = cfg.pruning.schedule === 'oneShot' ? loadWeights(dir.finalWeights(0, t, 'ticket')) : trained;
    mask = nextMask(cfg, r, prev, trained, dense, rates);
  }
  saveMasks(path, mask, shapes);
  return mask;
}

/** Sets up one branch's starting weights and mask, trains it, and saves what later rounds need. */
function* trainPiece(
  b: Backend,
  cfg: ExperimentConfig,
  dir: RunDir,
  net: Network,
  data: Dataset,
  opt: ReturnType<typeof makeOptimizer>,
  r: number,
  t: number,
  branch: BranchName,
  ticket: Masks,
  shapes: Record<string, readonly number[]>,
): Generator<RunEvent, PieceResult> {
  const rng = trialRngs(cfg, t, r, branch);
  const k = cfg.pruning.rewindIteration;
  if (r === 0) {
    initParameters(b, net.params, rng.init);
  } else if (branch === 'reinit') {
    initParameters(b, net.params, rng.reinit);
  } else {
    restoreWeights(b, net.params, loadWeights(dir.rewind(t)));
  }
  const mask = branchMask(branch, ticket, rng.randomMask);
  applyMasks(b, net.params, mask);
  opt.reset();
  const lr = cfg.optimizer.lr;
  const gen = train(b, net.model, net.params, opt, data, { iterations: cfg.iterations, batchSize: cfg.batchSize, evalEvery: cfg.evalEvery, lr: () => lr, snapshotAt: r === 0 ? [k] : [] }, { data: rng.data, dropout: rng.dropout });
  let step = gen.next();
  while (!step.done) {
    const ev = step.value;
    if (ev.kind === 'eval') yield { kind: 'iteration', iteration: ev.record.iteration, total: cfg.iterations, testAccuracy: ev.record.testAccuracy };
    else if (ev.iteration % 50 === 0) yield { kind: 'iteration', iteration: ev.iteration, total: cfg.iterations };
    step = gen.next();
  }
  const res = step.value;
  const meta = { round: String(r), trial: String(t), branch };
  if (r === 0) saveWeights(dir.rewind(t), res.snapshots.get(k) as Weights, shapes, { ...meta, iteration: String(k) });
  if (branch === 'ticket') saveWeights(dir.finalWeights(r, t, branch), snapshotWeights(b, net.params), shapes, meta);
  return {
    round: r,
    trial: t,
    seed: trialSeed(cfg, t),
    branch,
    weightsRemaining: density(mask),
    earlyStopIteration: res.earlyStop.iteration,
    testAccuracyAtEarlyStop: res.earlyStop.testAccuracy,
    valLossAtEarlyStop: res.earlyStop.valLoss,
    finalTestAccuracy: res.final.testAccuracy,
    wallSeconds: res.seconds,
    stepsPerSecond: res.stepsPerSecond,
    evals: res.evals,
  };
}
