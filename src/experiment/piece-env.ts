/**
 * What a process creates once and every piece it runs reuses: the backend, the dataset, and
 * the network and optimizer built for the config (each piece sets the weights, masks and
 * optimizer state it starts from, so what ran before does not matter). A scheduler makes one
 * per process or worker; the browser passes its own backend and dataset in.
 */
import { platform } from '#platform';
import type { Backend } from '../backend/backend.ts';
import { createBackend } from '../backend/index.ts';
import { checkAugmentOptions } from '../data/augment.ts';
import type { Dataset } from '../data/dataset.ts';
import { type Optimizer, makeOptimizer } from '../optim/optimizer.ts';
import { prunableParams } from '../prune/apply.ts';
import { resolveRates } from '../prune/rates.ts';
import type { KernelPlanStore } from '../train/kernel-plan.ts';
import { type Network, buildNetwork, disposeNetwork } from '../train/setup.ts';
import { UserError } from '../util/errors.ts';
import { type ExperimentConfig, optimizerConfig } from './config.ts';
import type { ExpectedShapes } from './io/tensor-check.ts';
import { datasetOptions, trialRngs } from './pieces.ts';
import { type PretrainEnv, createPretrainEnv, disposePretrainEnv, givenPretrained } from './pretrain.ts';

/** A backend and dataset made by the caller (the browser's), instead of from the config. */
export interface EnvInputs {
  /** Used instead of createBackend(cfg.backend). */
  backend?: Backend;
  /** Used instead of loading cfg.dataset with datasetOptions(cfg): it must be that dataset. */
  data?: Dataset;
  /** Used instead of loading cfg.pretrain.dataset (when set): it must be that dataset. */
  pretrainData?: Dataset;
}

/** What pieces of one config compute with, created once per process. */
export interface PieceEnv {
  cfg: ExperimentConfig;
  b: Backend;
  data: Dataset;
  net: Network;
  opt: Optimizer;
  /** Per-layer pruning rates resolved from the config. */
  rates: Record<string, number>;
  /** Every parameter's shape: what a weights entry must hold. */
  shapes: ExpectedShapes;
  /** Every prunable parameter's shape: what a mask entry must hold. */
  maskShapes: ExpectedShapes;
  /** Every prunable parameter's element count. */
  sizes: Record<string, number>;
  /** The run's 'auto' kernel choices; runPiece uses the store's plan when this is absent. */
  kernelPlan?: KernelPlanStore;
  /** The MLM network and data (config pretrain.dataset set). */
  pretrain?: PretrainEnv;
}

/**
 * Builds the environment for `cfg`, checking everything about the config that can fail
 * (model, dataset, backend, network for the data's shape, rates, batch size, rewind point)
 * and writing nothing. Errors are UserErrors naming the field.
 */
export async function createPieceEnv(cfg: ExperimentConfig, inputs: EnvInputs = {}): Promise<PieceEnv> {
  if (cfg.pruning.rewindIteration >= cfg.iterations) {
    throw new UserError(`config field 'pruning.rewindIteration': expected less than iterations (${cfg.iterations}), got ${cfg.pruning.rewindIteration}`);
  }
  // No lth.wasm / no SIMD: tfjs-wasm, with a warning. threads 0: every core (lth run sets a
  // share of them when pieces run side by side).
  const b = inputs.backend ?? (await createBackend(cfg.backend, { fallback: true, threads: cfg.threads }));
  const data = inputs.data ?? (await platform.loadDataset(cfg.dataset, datasetOptions(cfg))); // one dataset for every trial
  if (cfg.batchSize > data.train.n) {
    throw new UserError(`config field 'batchSize': expected at most the ${data.train.n} training examples of '${cfg.dataset}', got ${cfg.batchSize}`);
  }
  if (cfg.augment.crop > 0 || cfg.augment.flip) checkAugmentOptions(cfg.augment, data.inputShape);
  // The init drawn here is never trained from: every piece sets the weights it starts with.
  const net = buildNetwork(b, cfg.model, data, trialRngs(cfg, 0, 0, 'ticket').init, { dropout: cfg.dropout, widthMultiplier: cfg.widthMultiplier, transformer: cfg.transformer });
  if (cfg.branches.includes('mlmTicket') && cfg.pretrain.dataset === '') {
    throw new UserError("config field 'branches': mlmTicket finds its mask on the pre-training task; set pretrain.dataset (e.g. spam-mlm) or drop mlmTicket");
  }
  let pretrain: PretrainEnv | undefined;
  if (cfg.pretrain.dataset !== '') {
    const mlmData = inputs.pretrainData ?? (await platform.loadDataset(cfg.pretrain.dataset, datasetOptions(cfg)));
    pretrain = createPretrainEnv(b, cfg, mlmData, net, optimizerConfig(cfg.optimizer));
    if (cfg.pretrain.weights !== '') {
      const where = cfg.pretrain.weights;
      let bytes: Uint8Array;
      try {
        bytes = await platform.readFile(where);
      } catch (e) {
        throw new UserError(`config field 'pretrain.weights': cannot read ${where} (${(e as Error).message}); give the path of a safetensors file, e.g. runs/bert-pretrain/round-0/trial-0/ticket.final.safetensors`);
      }
      pretrain.given = givenPretrained(pretrain, bytes, where);
    }
  } else if (cfg.pretrain.weights !== '') {
    throw new UserError("config field 'pretrain.weights': set pretrain.dataset too (the MLM data the weights were trained on, e.g. spam-mlm)");
  }
  const prunable = prunableParams(net.params);
  const rates = resolveRates(cfg.pruning.rates, prunable.map((p) => ({ name: p.name, shape: p.tensor.shape })));
  const opt = makeOptimizer(b, net.params, optimizerConfig(cfg.optimizer));
  return {
    cfg, b, data, net, opt, rates, ...(pretrain ? { pretrain } : {}),
    shapes: Object.fromEntries(net.params.map((p) => [p.name, p.tensor.shape])),
    maskShapes: Object.fromEntries(prunable.map((p) => [p.name, p.tensor.shape])),
    sizes: Object.fromEntries(prunable.map((p) => [p.name, p.size])),
  };
}

/** Frees the network and optimizer of an environment (the backend and dataset stay the caller's). */
export function disposePieceEnv(env: PieceEnv): void {
  env.opt.dispose();
  disposeNetwork(env.b, env.net);
  if (env.pretrain) disposePretrainEnv(env.b, env.pretrain);
}
