import { mkdirSync } from 'node:fs';
import { createBackend } from '../backend/index.ts';
import { loadDataset } from '../data/registry.ts';
import { makeOptimizer } from '../optim/optimizer.ts';
import { prunableParams } from '../prune/apply.ts';
import { type Masks, density, fullMasks } from '../prune/masks.ts';
import { resolveRates } from '../prune/rates.ts';
import { buildNetwork } from '../train/setup.ts';
import { UserError } from '../util/errors.ts';
import { branches, branchesOf } from './branches/registry.ts';
import type { PieceContext, RunEvent } from './branches/context.ts';
import { type ExperimentConfig, optimizerConfig } from './config.ts';
import { readJsonIfExists, writeJsonAtomic } from './io/atomic.ts';
import { fileKernelPlan } from './kernel-plan-file.ts';
import { datasetOptions, nextMask, trialRngs } from './pieces.ts';
import { writeResults } from './results.ts';
import { RunDir, exists, loadMasks, loadWeights, saveMasks } from './store.ts';

export type { RunEvent } from './branches/context.ts';

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
  if (cfg.pruning.rewindIteration >= cfg.iterations) {
    throw new UserError(`config field 'pruning.rewindIteration': expected less than iterations (${cfg.iterations}), got ${cfg.pruning.rewindIteration}`);
  }
  if (saved === undefined) writeJsonAtomic(dir.config, cfg);
  const b = await createBackend(cfg.backend, { fallback: true }); // no lth.wasm / no SIMD: tfjs-wasm, with a warning
  const data = await loadDataset(cfg.dataset, datasetOptions(cfg)); // one dataset for every trial
  const net = buildNetwork(b, cfg.model, data, trialRngs(cfg, 0, 0, 'ticket').init, { dropout: cfg.dropout, widthMultiplier: cfg.widthMultiplier });
  const prunable = prunableParams(net.params);
  const rates = resolveRates(cfg.pruning.rates, prunable.map((p) => ({ name: p.name, shape: p.tensor.shape })));
  const shapes = Object.fromEntries(net.params.map((p) => [p.name, p.tensor.shape]));
  const sizes = Object.fromEntries(prunable.map((p) => [p.name, p.size]));
  const opt = makeOptimizer(b, net.params, optimizerConfig(cfg.optimizer));
  const kernelPlan = fileKernelPlan(dir.kernelPlan); // 'auto' kernels decided once per layer and mask size, for every piece and restart

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

  for (let round = 0; round <= cfg.pruning.rounds; round++) {
    for (let trial = 0; trial < cfg.trials; trial++) {
      const ticketMask = roundMask(cfg, dir, round, trial, rates, shapes, sizes);
      for (const branch of branchesOf(cfg, round)) {
        const resultPath = dir.result(round, trial, branch);
        const skipped = exists(resultPath);
        const ctx: PieceContext = { cfg, dir, b, net, data, opt, round, trial, branch, ticketMask, shapes, rates, rng: trialRngs(cfg, trial, round, branch), kernelPlan };
        yield { kind: 'piece', round, trial, branch, weightsRemaining: density(ticketMask), skipped };
        if (skipped) continue;
        const result = yield* branches[branch].run(ctx);
        writeJsonAtomic(resultPath, result);
        yield { kind: 'pieceDone', result };
      }
    }
    writeResults(cfg, dir);
  }
}

/** Loads the ticket mask of a round, or computes and saves it (all ones in round 0). */
function roundMask(cfg: ExperimentConfig, dir: RunDir, r: number, t: number, rates: Record<string, number>, shapes: Record<string, readonly number[]>, sizes: Record<string, number>): Masks {
  const path = dir.mask(r, t);
  if (exists(path)) return loadMasks(path);
  let mask: Masks;
  if (r === 0) {
    mask = fullMasks(sizes);
  } else {
    const prev = loadMasks(dir.mask(r - 1, t));
    const trained = loadWeights(dir.finalWeights(r - 1, t, 'ticket'));
    const dense = cfg.pruning.schedule === 'oneShot' ? loadWeights(dir.finalWeights(0, t, 'ticket')) : trained;
    mask = nextMask(cfg, r, prev, trained, dense, rates);
  }
  saveMasks(path, mask, shapes);
  return mask;
}
