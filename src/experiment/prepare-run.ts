/**
 * The start of a run: every check that can fail on the user's config (saved config, model,
 * dataset, backend, network for the data's shape, rates, batch size) runs before anything is
 * written, so a failed start leaves its directory as it was and a corrected rerun can use it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Backend } from '../backend/backend.ts';
import { createBackend } from '../backend/index.ts';
import { checkAugmentOptions } from '../data/augment.ts';
import type { Dataset } from '../data/dataset.ts';
import { loadDataset } from '../data/registry.ts';
import { type Optimizer, makeOptimizer } from '../optim/optimizer.ts';
import { prunableParams } from '../prune/apply.ts';
import { resolveRates } from '../prune/rates.ts';
import { type Network, buildNetwork } from '../train/setup.ts';
import { UserError } from '../util/errors.ts';
import { type ExperimentConfig, optimizerConfig } from './config.ts';
import { configDifferences, describeDifferences } from './config-diff.ts';
import { writeJsonAtomic } from './io/atomic.ts';
import type { ExpectedShapes } from './io/tensor-check.ts';
import { datasetOptions, trialRngs } from './pieces.ts';
import { RunDir } from './store.ts';

/** What a run computes with, created once per process. */
export interface RunSetup {
  dir: RunDir;
  b: Backend;
  data: Dataset;
  net: Network;
  opt: Optimizer;
  /** Per-layer pruning rates resolved from the config. */
  rates: Record<string, number>;
  /** Every parameter's shape: what a weights file must hold. */
  shapes: ExpectedShapes;
  /** Every prunable parameter's shape: what a mask file must hold. */
  maskShapes: ExpectedShapes;
  /** Every prunable parameter's element count. */
  sizes: Record<string, number>;
}

/**
 * Checks `cfg` against `outDir` and builds what the run needs; only then creates the directory
 * and writes config.json (when it is new). Throws a UserError, having written nothing, when the
 * directory holds another config (naming the fields that differ) or the config cannot run.
 */
export async function prepareRun(cfg: ExperimentConfig, outDir: string): Promise<RunSetup> {
  const dir = new RunDir(outDir);
  const saved = readSavedConfig(dir);
  if (saved !== undefined) {
    const diffs = configDifferences(saved, JSON.parse(JSON.stringify(cfg)));
    if (diffs.length > 0) {
      throw new UserError(`${dir.config} holds a different config: ${describeDifferences(diffs)}; resume with the same settings, or pass another --out directory`);
    }
  }
  if (cfg.pruning.rewindIteration >= cfg.iterations) {
    throw new UserError(`config field 'pruning.rewindIteration': expected less than iterations (${cfg.iterations}), got ${cfg.pruning.rewindIteration}`);
  }
  const b = await createBackend(cfg.backend, { fallback: true }); // no lth.wasm / no SIMD: tfjs-wasm, with a warning
  const data = await loadDataset(cfg.dataset, datasetOptions(cfg)); // one dataset for every trial
  if (cfg.batchSize > data.train.n) {
    throw new UserError(`config field 'batchSize': expected at most the ${data.train.n} training examples of '${cfg.dataset}', got ${cfg.batchSize}`);
  }
  if (cfg.augment.crop > 0 || cfg.augment.flip) checkAugmentOptions(cfg.augment, data.inputShape);
  const net = buildNetwork(b, cfg.model, data, trialRngs(cfg, 0, 0, 'ticket').init, { dropout: cfg.dropout, widthMultiplier: cfg.widthMultiplier });
  const prunable = prunableParams(net.params);
  const rates = resolveRates(cfg.pruning.rates, prunable.map((p) => ({ name: p.name, shape: p.tensor.shape })));
  const opt = makeOptimizer(b, net.params, optimizerConfig(cfg.optimizer));
  // The first write: everything above has passed.
  mkdirSync(outDir, { recursive: true });
  if (saved === undefined) writeJsonAtomic(dir.config, cfg);
  return {
    dir, b, data, net, opt, rates,
    shapes: Object.fromEntries(net.params.map((p) => [p.name, p.tensor.shape])),
    maskShapes: Object.fromEntries(prunable.map((p) => [p.name, p.tensor.shape])),
    sizes: Object.fromEntries(prunable.map((p) => [p.name, p.size])),
  };
}

// The config a run directory was started with (a JSON object), or undefined for a new directory.
function readSavedConfig(dir: RunDir): Record<string, unknown> | undefined {
  if (!existsSync(dir.config)) return undefined;
  const fix = 'it cannot tell which settings the run used: move it away to start the run over, or pass another --out directory';
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(dir.config, 'utf8'));
  } catch (e) {
    throw new UserError(`${dir.config} is not valid JSON (${(e as Error).message}); ${fix}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${dir.config} does not hold a config object; ${fix}`);
  return raw as Record<string, unknown>;
}
