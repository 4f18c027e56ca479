import type { OptimizerConfig } from '../optim/optimizer.ts';
import { type ScheduleName, scheduleHelp, scheduleNames } from '../prune/schedules.ts';
import { type StrategyName, strategyHelp, strategyNames } from '../prune/strategies.ts';
import { UserError } from '../util/errors.ts';
import { type BranchName, type BranchSettings, branchNames, branchSections } from './branches/registry.ts';
import { MAX_ITERATIONS, MAX_SEED } from './limits.ts';
import { type Field, type Schema, bool, defaults, int, intList, merge, num, numMap, oneOf, record, segment, str, strList, validate } from './schema.ts';

export { MAX_ITERATIONS, MAX_SEED } from './limits.ts';
// The branch names and their type come from the branch registry (one entry per branch).
export { type BranchName, branchNames } from './branches/registry.ts';

/** Optimizer settings (Adam by default, the paper's LeNet/Conv choice). */
export interface OptimizerSection {
  kind: 'adam' | 'sgd';
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  eps: number;
  /** Step decay: the rate is multiplied by gamma after each of these iterations (optim/schedule.ts). */
  milestones: number[];
  gamma: number;
  /** Linear warmup from lr/W to lr over the first W iterations (0: none). */
  warmupIterations: number;
}

/** Seeded training-time augmentation of image data (data/augment.ts). */
export interface AugmentSection {
  /** Zero-pad by this many pixels and crop back at a random offset (0: no crop). */
  crop: number;
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
}

/** How and how much to prune each round. */
export interface PruningSection {
  strategy: StrategyName;
  rates: Record<string, number>;
  rate: number;
  rounds: number;
  schedule: ScheduleName;
  rewindIteration: number;
  /** Whether a rate is a fraction of the weights remaining (the paper) or of the original count (Chen et al.). */
  rateOf: 'remaining' | 'original';
}

/** The encoder's size for the transformer models (bert, vit); the other models ignore it. */
export interface TransformerSection {
  layers: number;
  heads: number;
  hidden: number;
  ffn: number;
  patch: number;
  norm: 'auto' | 'post' | 'pre';
}

/** Token data settings (spam, spam-mlm); other datasets ignore them. */
export interface TextSection {
  seqLen: number;
  vocabSize: number;
}

/**
 * Masked-language-model pre-training (issue 16): with a dataset set, each trial first trains
 * the model on it (MLM) from the trial's init and saves the encoder; every piece that starts
 * from the trial's init then starts from those pre-trained weights (a fresh head on top), so
 * round 0 is dense fine-tuning and IMP rewinds to the pre-trained weights (Chen et al. 2020).
 */
export interface PretrainSection {
  dataset: string;
  /** A safetensors file of pre-trained weights used instead of pre-training (e.g. a bert-pretrain run's). */
  weights: string;
  iterations: number;
  batchSize: number;
  lr: number;
  warmupIterations: number;
  evalEvery: number;
}

/** The settings every experiment has; the branches add their own sections (BranchSettings). */
export interface CoreConfig {
  name: string;
  model: string;
  dataset: string;
  backend: string;
  /**
   * Kernel threads per network (wasm backend): 0 = automatic (every core when one piece runs at
   * a time; max(1, floor(cores / workers)) when `lth run --workers` runs pieces side by side).
   * Results do not depend on it, so a run may resume with another value.
   */
  threads: number;
  dropout: number;
  widthMultiplier: number;
  iterations: number;
  batchSize: number;
  evalEvery: number;
  evalBatchSize: number;
  kernels: 'auto' | 'dense' | 'sparse';
  normalize: boolean | 'feature' | 'channel';
  augment: AugmentSection;
  transformer: TransformerSection;
  text: TextSection;
  pretrain: PretrainSection;
  optimizer: OptimizerSection;
  pruning: PruningSection;
  branches: BranchName[];
  trials: number;
  seed: number;
  /** Training batch order: drawn per round (shared by a round's branches) or one for all rounds. */
  dataOrder: 'perRound' | 'fixed';
  /** Train/validation split: drawn from the base seed, or each loader's fixed split. */
  valSplit: 'seeded' | 'fixed';
}

/** A complete, resolved experiment config (what config.json in a run directory holds). */
export interface ExperimentConfig extends CoreConfig, BranchSettings {}

/** The augment section's fields (`lth train --crop/--flip` check their values with them too). */
export const augmentSchema: Schema<AugmentSection> = {
  crop: int(0, 'random crop: zero padding in pixels before cropping back (CIFAR: 4; 0 = off)', 0, 64),
  flip: bool(false, 'random horizontal flip'),
};

/** The optimizer section's fields (`lth train` flags check their values with them too). */
export const optimizerSchema: Schema<OptimizerSection> = {
  kind: str<'adam' | 'sgd'>('adam', 'optimizer: adam or sgd', ['adam', 'sgd']),
  lr: num(1.2e-3, 'learning rate (a rate that makes training diverge is reported, not refused)', 0, 1e6, '()'),
  momentum: num(0, 'SGD momentum', 0, 1),
  weightDecay: num(0, 'L2 weight decay', 0, 1),
  nesterov: bool(false, 'SGD Nesterov momentum'),
  beta1: num(0.9, 'Adam beta1', 0, 1),
  beta2: num(0.999, 'Adam beta2', 0, 1),
  eps: num(1e-8, 'Adam epsilon', 0, 1, '()'),
  milestones: intList([], 'iterations after which the learning rate is multiplied by gamma (step decay)', 1, MAX_ITERATIONS),
  gamma: num(0.1, 'learning-rate decay factor at each milestone', 0, 1, '()'),
  warmupIterations: int(0, 'linear learning-rate warmup over this many iterations (0 = none)', 0, MAX_ITERATIONS),
};

/** The pruning section's fields (`--rounds` checks its value with them too). */
export const pruningSchema: Schema<PruningSection> = {
  strategy: str<StrategyName>('layerwise', strategyHelp, strategyNames),
  rates: numMap({ default: 0.2, output: 0.1 }, 'layerwise rates per round, keys: parameter name, layer name, "output", "conv", "fc", "default"', 0, 1),
  rate: num(0.2, 'global pruning rate per round', 0, 1, '()'),
  rounds: int(5, 'pruning rounds after the dense round 0', 0, 200),
  schedule: str<ScheduleName>('iterative', scheduleHelp, scheduleNames),
  rewindIteration: int(0, 'rewind survivors to their weights at this iteration (0 = init; >0 = late rewinding)', 0, MAX_ITERATIONS),
  rateOf: str<'remaining' | 'original'>('remaining', 'what a rate is a fraction of: remaining (each round removes that share of the surviving weights, the paper) or original (each round removes that share of the layer\'s original weights, so 0.1 reaches 50% sparsity in 5 rounds; Chen et al. 2020)', ['remaining', 'original']),
};

/** The transformer section's fields. */
export const transformerSchema: Schema<TransformerSection> = {
  layers: int(4, 'encoder blocks', 1, 64),
  heads: int(4, 'attention heads (hidden must be a multiple)', 1, 64),
  hidden: int(128, 'hidden width', 1, 4096),
  ffn: int(512, 'feed-forward width', 1, 16384),
  patch: int(7, 'vit: patch side in pixels (the image sides must be multiples of it)', 1, 256),
  norm: str<'auto' | 'post' | 'pre'>('auto', 'LayerNorm placement: post (after each residual, as BERT), pre (before each block, plus a final LayerNorm, as ViT; trains more stably from scratch), or auto (bert post, vit pre)', ['auto', 'post', 'pre']),
};

/** The text section's fields. */
export const textSchema: Schema<TextSection> = {
  seqLen: int(64, 'tokens per example, [CLS] and [SEP] included (longer bodies are truncated)', 4, 4096),
  vocabSize: int(4000, 'word-piece vocabulary size, learned from the training split', 64, 100000),
};

/** The pretrain section's fields. */
export const pretrainSchema: Schema<PretrainSection> = {
  dataset: str('', 'masked-language-model dataset to pre-train on before everything else (e.g. spam-mlm); empty: no pre-training', undefined),
  weights: str('', 'a safetensors file of MLM pre-trained weights to start from instead of pre-training, e.g. runs/bert-pretrain/round-0/trial-0/ticket.final.safetensors (same model, transformer and text settings; pretrain.dataset still names the MLM data)', undefined),
  iterations: int(2000, 'pre-training iterations', 1, MAX_ITERATIONS),
  batchSize: int(0, 'pre-training batch size (0 = batchSize)', 0),
  lr: num(0, 'pre-training learning rate (0 = optimizer.lr)', 0, 1e6),
  warmupIterations: int(0, 'linear learning-rate warmup of pre-training', 0, MAX_ITERATIONS),
  evalEvery: int(500, 'evaluate the MLM validation loss every N pre-training iterations', 1),
};

/**
 * The core fields with each branch section (registry order) right after `branches`, each
 * section's help naming the branches that read it. A section key that is also a core field
 * throws: the section would replace that field.
 */
function withBranchSections(core: Schema<CoreConfig>): Schema<ExperimentConfig> {
  const out: Record<string, Field<unknown>> = {};
  for (const [k, f] of Object.entries(core) as [string, Field<unknown>][]) {
    out[k] = f;
    if (k !== 'branches') continue;
    for (const { section, branches } of branchSections) {
      if (Object.hasOwn(core, section.key)) throw new Error(`branch config section '${section.key}' (of ${branches.join(', ')}) has the name of a core config field`);
      out[section.key] = record(section.schema, `${section.help}; used by ${branches.join(', ')}`);
    }
  }
  // the sections' settings types are BranchSettings by construction (branches/registry.ts)
  return out as unknown as Schema<ExperimentConfig>;
}

/** The experiment schema, with the defaults of the paper's LeNet-300-100 setting. */
export const experimentSchema: Schema<ExperimentConfig> = withBranchSections({
  name: segment('experiment', 'run name (the run directory is runs/<name> unless --out is given)'),
  model: str('lenet300', 'model name (see lth models)'),
  dataset: str('mnist', 'dataset name (see lth datasets)'),
  backend: str('wasm', 'compute backend: wasm, js or tfjs-wasm'),
  threads: int(0, 'kernel threads per network on the wasm backend: 0 = every core when one piece runs at a time, max(1, floor(cores / workers)) when --workers runs pieces side by side; 1 = one thread (results are the same for any value)', 0, 256),
  dropout: num(0, 'dropout probability on hidden layers', 0, 1, '[)'),
  widthMultiplier: num(1, 'multiplies hidden widths', 0, 64, '(]'),
  iterations: int(50000, 'training iterations per round', 1, MAX_ITERATIONS),
  batchSize: int(60, 'minibatch size', 1),
  evalEvery: int(100, 'evaluate on validation and test every N iterations', 1),
  kernels: str<'auto' | 'dense' | 'sparse'>('auto', 'Kernels for pruned Linear and Conv2d layers: auto (dense or sparse CSR, whichever measures faster, decided once per layer and mask size and kept in the run\'s kernel-plan.json, so every branch, trial and resume reuses it; recorded per piece), or forced dense / sparse (the same kernels on any machine)', ['auto', 'dense', 'sparse']),
  evalBatchSize: int(1000, 'most rows per evaluation forward pass (fewer when a pass would exceed its 256 MiB scratch budget; lower it if evaluation runs out of memory)', 1),
  normalize: oneOf<boolean | 'feature' | 'channel'>(false, 'standardise the data with training-split statistics: true (per channel for colour images, else per pixel), "feature", "channel", or false', [false, true, 'feature', 'channel']),
  augment: record(augmentSchema, 'seeded training-time augmentation of image data'),
  transformer: record(transformerSchema, 'encoder size of the transformer models (bert, vit)'),
  text: record(textSchema, 'token data settings (spam, spam-mlm)'),
  pretrain: record(pretrainSchema, 'masked-language-model pre-training before round 0 (bert): pieces start from the pre-trained encoder, and IMP rewinds to it'),
  optimizer: record(optimizerSchema, 'optimizer settings'),
  pruning: record(pruningSchema, 'pruning settings'),
  branches: strList<BranchName>(['ticket', 'reinit', 'randomPrune'], `branches trained per round, any of: ${branchNames.join(', ')} (lth config says what each does)`, branchNames),
  trials: int(1, 'independent trials (seeds seed, seed+1, ...)', 1, 100),
  seed: int(1, 'base seed (trial t uses seed + t; at most 2^32 - 1)', 0, MAX_SEED),
  dataOrder: str<'perRound' | 'fixed'>(
    'perRound',
    'training batch order: perRound (drawn from the trial seed and the round, the same for every branch of a round, so a ticket and its controls see the same batches while rounds do not share early-stop noise; a pruned round rewound to iteration k goes on with its own order from batch k+1) or fixed (one order for every round, as before)',
    ['perRound', 'fixed'],
  ),
  valSplit: str<'seeded' | 'fixed'>(
    'seeded',
    'which training examples are held out for validation (early stopping): seeded (drawn from the base seed; one split shared by every trial; mnist, IDX and CIFAR-10 data) or fixed (the loader\'s fixed split); the test split never changes, and synthetic data has its own generated splits',
    ['seeded', 'fixed'],
  ),
});

/** Validates a parsed config against the schema; defaults fill what is missing. */
export function resolveConfig(value: unknown): ExperimentConfig {
  const c = validate(experimentSchema, value);
  if (c.seed + c.trials - 1 > MAX_SEED) {
    throw new UserError(`config field 'seed': ${c.seed} with ${c.trials} trials runs past the largest seed ${MAX_SEED} (trial t uses seed + t); lower seed or trials`);
  }
  // the ticket runs first in every round: later branches read its rewind point and mask chain
  c.branches = ['ticket', ...c.branches.filter((b) => b !== 'ticket')];
  return c;
}

/**
 * A config file's value with flag overrides on top, resolved. The file is validated on its
 * own first, so that an override can neither hide a bad value (`"pruning": 5` under
 * `--rounds`) nor turn a non-object file (`[1, 2, 3]`, `null`) into the default experiment.
 */
export function resolveWithOverrides(value: unknown, overrides: Record<string, unknown>): ExperimentConfig {
  validate(experimentSchema, value);
  return resolveConfig(merge(value, overrides));
}

/** The default config. */
export function defaultConfig(): ExperimentConfig {
  return defaults(experimentSchema);
}

/** The optimizer section in the form the optimizer layer takes. */
export function optimizerConfig(o: OptimizerSection): OptimizerConfig {
  return o.kind === 'adam'
    ? { kind: 'adam', lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay }
    : { kind: 'sgd', lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, nesterov: o.nesterov };
}
