/**
 * Masked-language-model pre-training and the MLM network (config `pretrain`, issue 16).
 *
 * A run with `pretrain.dataset` set (e.g. spam-mlm) holds a second network beside the
 * downstream one: the same model built for the MLM data, so the same encoder parameters by name
 * with the MLM head instead of the pooler and classifier. Each trial pre-trains it once, from the
 * trial's own seed, and saves it (trial-t/pretrained.safetensors); round 0's ticket does that
 * before it starts (every other piece reads round 0's outputs, so it runs first). A piece that
 * starts from the trial's init then gets the pre-trained encoder with a fresh head: round 0 is
 * dense fine-tuning, and the rewind point of iteration 0 is the pre-trained weights, as IMP on
 * pre-trained BERT rewinds (Chen et al. 2020).
 */
import type { Backend } from '../backend/backend.ts';
import type { Dataset } from '../data/dataset.ts';
import { initParameters, type Parameter } from '../nn/module.ts';
import { type Optimizer, makeOptimizer } from '../optim/optimizer.ts';
import { lrSchedule } from '../optim/schedule.ts';
import { applyMasks } from '../prune/apply.ts';
import { type Masks, fullMasks } from '../prune/masks.ts';
import { prunableParams } from '../prune/apply.ts';
import { type Network, buildNetwork, disposeNetwork } from '../train/setup.ts';
import { type Weights, restoreWeights, snapshotWeights } from '../train/state.ts';
import { refreshSparse } from '../nn/sparse-linear.ts';
import { type TrainResult, train } from '../train/trainer.ts';
import { UserError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import type { PieceContext, RunEvent } from './branches/context.ts';
import type { ExperimentConfig } from './config.ts';
import type { OptimizerConfig } from '../optim/optimizer.ts';
import { trialSeed } from './pieces.ts';
import { runKeys } from './store/keys.ts';
import { decodeEntry, tensorsOf } from './store/tensors.ts';

/** The MLM side of a run: its data, network, optimizer and parameter shapes. */
export interface PretrainEnv {
  data: Dataset;
  net: Network;
  opt: Optimizer;
  shapes: Record<string, readonly number[]>;
  /** Pre-trained weights read from config pretrain.weights (used instead of pre-training). */
  given?: Weights;
}

/** The pre-training learning rate and batch size (0 in the section: the run's own). */
function pretrainSettings(cfg: ExperimentConfig): { lr: number; batchSize: number } {
  return { lr: cfg.pretrain.lr > 0 ? cfg.pretrain.lr : cfg.optimizer.lr, batchSize: cfg.pretrain.batchSize > 0 ? cfg.pretrain.batchSize : cfg.batchSize };
}

/**
 * Builds the MLM network for `data` (loaded by the caller from cfg.pretrain.dataset), with the
 * run's optimizer at the pre-training rate, and checks
 * that it shares the downstream network's prunable weights, so masks carry over by name.
 */
export function createPretrainEnv(b: Backend, cfg: ExperimentConfig, data: Dataset, downstream: Network, optimizer: OptimizerConfig): PretrainEnv {
  if (data.text === undefined || data.text.maskedPositions === 0) {
    throw new UserError(`config field 'pretrain.dataset': expected masked-language-model data (e.g. spam-mlm), got '${cfg.pretrain.dataset}'`);
  }
  const { batchSize } = pretrainSettings(cfg);
  if (batchSize > data.train.n) throw new UserError(`config field 'pretrain.batchSize': expected at most the ${data.train.n} training examples of '${cfg.pretrain.dataset}', got ${batchSize}`);
  const net = buildNetwork(b, cfg.model, data, new Rng(cfg.seed).split('pretrain/build'), { dropout: cfg.dropout, widthMultiplier: cfg.widthMultiplier, transformer: cfg.transformer });
  const mine = new Map(prunableParams(net.params).map((p) => [p.name, p.size]));
  for (const p of prunableParams(downstream.params)) {
    if (mine.get(p.name) !== p.size) {
      disposeNetwork(b, net);
      throw new UserError(`config field 'pretrain.dataset': model ${cfg.model} on '${cfg.pretrain.dataset}' has no weight '${p.name}' of ${p.size} values like the one on '${cfg.dataset}'; pre-train on data with the same vocabulary and sequence length`);
    }
  }
  const opt = makeOptimizer(b, net.params, { ...optimizer, lr: pretrainSettings(cfg).lr });
  return { data, net, opt, shapes: Object.fromEntries(net.params.map((p) => [p.name, p.tensor.shape])) };
}

/**
 * Reads config pretrain.weights (bytes from the host) as the MLM network's weights: a
 * UserError names the file and what does not match (a tensor missing, or of another shape).
 */
export function givenPretrained(env: PretrainEnv, bytes: Uint8Array, where: string): Weights {
  return tensorsOf(decodeEntry(bytes, where), 'weights', where, env.shapes);
}

/** Frees the MLM network and optimizer. */
export function disposePretrainEnv(b: Backend, env: PretrainEnv): void {
  env.opt.dispose();
  disposeNetwork(b, env.net);
}

function needPretrain(ctx: PieceContext): PretrainEnv {
  if (ctx.pretrain === undefined) throw new Error('this piece needs the run\'s MLM network: config pretrain.dataset is not set');
  return ctx.pretrain;
}

/** The trial's seeded streams for MLM training (apart from every downstream stream). */
function mlmRngs(ctx: PieceContext, what: string): { init: Rng; data: Rng; dropout: Rng } {
  const base = new Rng(trialSeed(ctx.cfg, ctx.trial)).split(`mlm/${what}`);
  return { init: base.split('init'), data: base.split('data'), dropout: base.split('dropout') };
}

/**
 * Trains the MLM network from `start` (the trial's fresh init, or saved weights) under `mask`
 * for `iterations`, yielding progress; the network keeps the trained weights.
 */
export function* trainMlm(ctx: PieceContext, what: string, start: Weights | 'init', mask: Masks | null, iterations: number): Generator<RunEvent, TrainResult> {
  const env = needPretrain(ctx);
  const { cfg, b } = ctx;
  const rng = mlmRngs(ctx, what);
  if (start === 'init') initParameters(b, env.net.params, rng.init);
  else restoreWeights(b, env.net.params, start);
  applyMasks(b, env.net.params, mask ?? fullMasks(Object.fromEntries(prunableParams(env.net.params).map((p) => [p.name, p.size]))));
  env.opt.reset();
  const { lr, batchSize } = pretrainSettings(cfg);
  const gen = train(b, env.net.model, env.net.params, env.opt, env.data, {
    iterations,
    batchSize,
    evalEvery: Math.min(cfg.pretrain.evalEvery, iterations),
    evalBatchSize: cfg.evalBatchSize,
    lr: lrSchedule({ lr, warmupIterations: cfg.pretrain.warmupIterations }),
    model: cfg.model,
    sparse: cfg.kernels,
    kernelPlan: ctx.kernelPlan,
  }, rng);
  let step = gen.next();
  while (!step.done) {
    const ev = step.value;
    if (ev.kind === 'eval') yield { kind: 'iteration', iteration: ev.record.iteration, total: iterations };
    else if (ev.iteration % 50 === 0) yield { kind: 'iteration', iteration: ev.iteration, total: iterations };
    step = gen.next();
  }
  const res = step.value;
  if (res.diverged) throw new UserError(`MLM training (${what}) of trial ${ctx.trial} diverged at iteration ${res.diverged.iteration} (loss ${res.diverged.loss}); lower pretrain.lr or add pretrain.warmupIterations`);
  return res;
}

/**
 * The trial's pre-trained MLM network: read from the run, else the file of config
 * pretrain.weights, else pre-trained now (from the trial's seed, pretrain.iterations); saved.
 */
export function* pretrainedWeights(ctx: PieceContext): Generator<RunEvent, Weights> {
  const env = needPretrain(ctx);
  const key = runKeys.pretrained(ctx.trial);
  if (ctx.store.has(key)) return ctx.store.getWeights(key, env.shapes);
  if (env.given !== undefined) {
    // Kept in the run as well, so the run directory says what it started from.
    ctx.store.putWeights(key, env.given, env.shapes, { trial: String(ctx.trial), what: 'mlm-pretrained', from: ctx.cfg.pretrain.weights });
    return env.given;
  }
  const res = yield* trainMlm(ctx, 'pretrain', 'init', null, ctx.cfg.pretrain.iterations);
  const w = snapshotWeights(ctx.b, env.net.params);
  const last = res.final;
  ctx.store.putWeights(key, w, env.shapes, {
    trial: String(ctx.trial), what: 'mlm-pretrained', dataset: ctx.cfg.pretrain.dataset, iterations: String(ctx.cfg.pretrain.iterations),
    val_loss: String(last.valLoss), val_accuracy: String(last.valAccuracy),
  });
  return w;
}

/**
 * Writes the saved values of every parameter that `w` holds with the same size (the encoder
 * of a pre-trained network into a downstream one); the rest keep their values.
 */
export function restoreMatching(b: Backend, params: Parameter[], w: Weights): void {
  for (const p of params) {
    const src = w[p.name];
    if (src === undefined || src.length !== p.size) continue;
    b.write(p.tensor.buf, src);
    refreshSparse(b, p);
  }
}
