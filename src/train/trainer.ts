import type { Backend } from '../backend/backend.ts';
import { softmaxCrossEntropy } from '../autograd/ops/loss.ts';
import { type Ctx, evalCtx, trainCtx } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { AugmentOptions } from '../data/augment.ts';
import { Batcher, evalBatches } from '../data/batcher.ts';
import { type Dataset, type Split, featureCount, splitLabelWidth } from '../data/dataset.ts';
import type { Module, Parameter } from '../nn/module.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import type { Rng } from '../util/rng.ts';
import type { Rewirer } from '../prune/dynamic/rewirer.ts';
import { type Weights, snapshotWeights } from './state.ts';
import { type KernelChoice, type SparseMode, activateSparse } from './sparse-plan.ts';
import { OutOfMemoryError } from '../backend/memory-error.ts';
import { inferenceForward } from './inference.ts';
import { EvalOutOfMemoryError, memoryUserError } from './memory.ts';
import type { KernelPlanStore } from './kernel-plan.ts';

/** One evaluation on the validation and test splits. */
export interface EvalRecord {
  iteration: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** F1 of class 1 on the test split, for two-class data (spam vs ham). */
  testF1?: number;
}

/** What a training run needs beyond the model and the data. */
export interface TrainOptions {
  iterations: number;
  batchSize: number;
  /** Evaluate every this many iterations (and at the end). */
  evalEvery: number;
  /** Learning rate at a given iteration (constant for the paper's Adam runs). */
  lr: (iteration: number) => number;
  /**
   * Resume the schedule at this iteration (late rewinding: a network rewound to iteration k
   * trains iterations k+1..iterations, with the data order and learning rate of those).
   */
  startIteration?: number;
  /** Iterations after which to copy the weights out (rewind points); 0 = before training. */
  snapshotAt?: number[];
  /** Dynamic sparse training: rewires the masks after each step (needs dense kernels). */
  rewirer?: Rewirer;
  /** Rows per evaluation forward pass (at most: evaluate() lowers it to fit its scratch budget). */
  evalBatchSize?: number;
  /** The registered model name, for messages (an out-of-memory error names it). */
  model?: string;
  /**
   * Kernels for masked Linear and Conv2d layers: measured per layer ('auto', the default), forced, or a
   * record of per-layer choices (e.g. a run's recorded TrainResult.kernels, for an exact replay).
   * Always dense with a rewirer (its masks change every step).
   */
  sparse?: SparseMode;
  /** 'auto' choices decided earlier (reused) and the place to keep new ones (train/kernel-plan.ts). */
  kernelPlan?: KernelPlanStore;
  /** Seeded crop/flip of every training batch (image data; the dataset's inputShape is [C, H, W]). */
  augment?: AugmentOptions;
}

/** The outcome of a run: every evaluation, the early-stop one, and the snapshots. */
export interface TrainResult {
  evals: EvalRecord[];
  /** The evaluation with minimum validation loss (first on ties): the paper's early stop. */
  earlyStop: EvalRecord;
  final: EvalRecord;
  snapshots: Map<number, Weights>;
  seconds: number;
  stepsPerSecond: number;
  /** The dense/sparse kernel choice of every Linear and Conv2d layer, by layer name (train/sparse-plan.ts). */
  kernels: Record<string, KernelChoice>;
  /**
   * Set when training stopped early because a loss was not finite (a training step's loss, or
   * the validation loss at an evaluation). `final` is then the evaluation at that iteration and
   * `earlyStop` the best evaluation with a finite validation loss (or `final` if none).
   */
  diverged?: Divergence;
}

/** Where training diverged: the iteration and the non-finite loss (NaN or ±Infinity) seen there. */
export interface Divergence {
  iteration: number;
  loss: number;
}

/** Progress events yielded while training. */
export type TrainEvent = { kind: 'step'; iteration: number } | { kind: 'eval'; record: EvalRecord };

/** Scratch bytes one evaluation pass may hold (activations of two adjacent layers, kernel workspaces). */
export const EVAL_SCRATCH_BUDGET = 256 * 2 ** 20;
// Rows of the first evaluation pass, which measures the scratch a row needs.
const PROBE_ROWS = 8;

/**
 * Mean loss and accuracy of the model on a split, in evaluation mode. Passes hold no tape and
 * release each layer's input once the next layer has run (train/inference.ts). Rows per pass:
 * at most `batchSize`, and at most what fits `budgetBytes` of scratch, measured on the first
 * pass (PROBE_ROWS rows: its scratch peak per row bounds the cost of a row from above, constant
 * parts included). A row's logits do not depend on the rows beside it, so the accuracy is the
 * same for every batch size and the loss differs only in summation order.
 */
export function evaluate(b: Backend, model: Module, split: Split, features: number, numClasses: number, rng: Rng,
  batchSize = 1000, budgetBytes = EVAL_SCRATCH_BUDGET): Evaluation {
  const ctx = evalCtx(b, rng);
  // Labels per example, as the split holds them (evalBatches yields n * width of them).
  const width = splitLabelWidth(split);
  // F1 of class 1 for two-class data with one label per example (spam vs ham).
  const wantF1 = numClasses === 2 && width === 1;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let lossSum = 0;
  let correct = 0;
  let counted = 0;
  let rows = Math.min(batchSize, PROBE_ROWS);
  try {
    for (const batch of evalBatches(split, () => rows)) {
      b.resetScratch();
      const x = new Tensor([batch.n, features], b.scratch(batch.n * features), false);
      b.write(x.buf, batch.x);
      const logits = inferenceForward(ctx, model, x);
      const m = batch.n * width;
      const labels = b.scratch(m);
      b.write(labels, batch.y);
      let valid = 0;
      for (let i = 0; i < m; i++) if (batch.y[i] >= 0) valid++;
      // The loss is the mean over the labels counted (negative ones are ignored).
      lossSum += softmaxCrossEntropy(ctx, logits, labels) * valid;
      counted += valid;
      correct += b.countCorrect(logits.buf, labels, m, numClasses);
      if (wantF1) {
        const out = b.read(logits.buf);
        for (let i = 0; i < batch.n; i++) {
          const label = batch.y[i];
          if (label < 0) continue;
          const pred = out[2 * i + 1] > out[2 * i] ? 1 : 0; // ties to class 0, as countCorrect's first maximum
          if (pred === 1 && label === 1) tp++;
          else if (pred === 1) fp++;
          else if (label === 1) fn++;
        }
      }
      // Re-measured after every capped pass: a bigger pass spreads the constant parts thinner.
      if (rows < batchSize) rows = Math.max(1, Math.min(batchSize, Math.floor((budgetBytes * batch.n) / Math.max(1, b.scratchPeak()))));
    }
  } catch (err) {
    if (err instanceof OutOfMemoryError) throw new EvalOutOfMemoryError(err.requestedBytes, err.heldBytes, err.maxBytes);
    throw err;
  } finally {
    b.resetScratch();
  }
  const res: Evaluation = { loss: counted > 0 ? lossSum / counted : NaN, accuracy: counted > 0 ? correct / counted : NaN };
  if (wantF1) res.f1 = f1Score(tp, fp, fn);
  return res;
}

/** Mean loss and accuracy over the labels counted; F1 of class 1 for two-class, one-label data. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  f1?: number;
}

/** F1 = 2TP / (2TP + FP + FN); 0 when there is no positive prediction or label (nothing found). */
export function f1Score(tp: number, fp: number, fn: number): number {
  const d = 2 * tp + fp + fn;
  return d === 0 ? 0 : (2 * tp) / d;
}

/**
 * One optimisation step on a batch (x: n rows of `features`, y: n labels): resets the step
 * arena, runs forward and backward on the tape, updates the parameters. Returns the loss.
 */
export function trainStep(ctx: Ctx, model: Module, params: Parameter[], opt: Optimizer, xs: Float32Array, ys: Float32Array, n: number, features: number, lr: number, labelWidth = 1): number {
  const b = ctx.backend;
  b.resetScratch();
  for (const p of params) p.trainable.gradWritten = false;
  const x = new Tensor([n, features], b.scratch(n * features), false);
  b.write(x.buf, xs);
  if (ys.length < n * labelWidth) throw new Error(`trainStep: ${ys.length} labels for ${n} examples of ${labelWidth} labels each`);
  const labels = b.scratch(n * labelWidth);
  b.write(labels, ys.subarray(0, n * labelWidth));
  const logits = model.forward(ctx, x);
  const loss = softmaxCrossEntropy(ctx, logits, labels);
  ctx.tape!.backward();
  opt.step(lr);
  return loss;
}

/**
 * Trains `model` with `opt`, yielding progress events; returns the evaluations, the
 * early-stop record, the requested weight snapshots and the kernels each Linear and Conv2d layer ran on.
 * Deterministic given the rngs (and, in 'auto' sparse mode, the measured kernel choices).
 */
export function* train(
  b: Backend,
  model: Module,
  params: Parameter[],
  opt: Optimizer,
  data: Dataset,
  opts: TrainOptions,
  rng: { data: Rng; dropout: Rng },
): Generator<TrainEvent, TrainResult> {
  // A rewirer changes the masks every step, so CSR patterns built from them would go stale.
  const mode = opts.rewirer !== undefined ? 'dense' : (opts.sparse ?? 'auto');
  // Out of wasm memory (a probe, a step or an evaluation): one line naming the batch size to lower.
  const oom = (err: unknown): unknown => memoryUserError(err, { model: opts.model, batchSize: opts.batchSize, evalBatchSize: opts.evalBatchSize });
  let plan: ReturnType<typeof activateSparse>;
  try {
    plan = activateSparse(b, model, opt, { mode, batchSize: opts.batchSize, inputShape: data.inputShape, plan: opts.kernelPlan });
  } catch (err) {
    throw oom(err);
  }
  try {
    const res = yield* trainSteps(b, model, params, opt, data, opts, rng);
    return { ...res, kernels: plan.kernels };
  } catch (err) {
    throw oom(err);
  } finally {
    plan.end(); // also when the caller abandons the generator: weights are dense again
  }
}

// The training loop proper. Stops at the first non-finite loss (divergence): later steps would
// only spread NaN, and an early stop picked among NaN evaluations would be meaningless.
function* trainSteps(
  b: Backend,
  model: Module,
  params: Parameter[],
  opt: Optimizer,
  data: Dataset,
  opts: TrainOptions,
  rng: { data: Rng; dropout: Rng },
): Generator<TrainEvent, Omit<TrainResult, 'kernels'>> {
  const features = featureCount(data.inputShape);
  const aug = opts.augment;
  const batcher = new Batcher(data.train, opts.batchSize, rng.data, aug && ((aug.crop ?? 0) > 0 || aug.flip) ? { augment: { ...aug, shape: data.inputShape } } : {});
  const ctx = trainCtx(b, rng.dropout);
  const snapshots = new Map<number, Weights>();
  const wanted = new Set(opts.snapshotAt ?? []);
  const evals: EvalRecord[] = [];
  let lossSum = 0;
  let lossCount = 0;
  const t0 = performance.now();
  let evalMs = 0;
  const start = opts.startIteration ?? 0;
  let diverged: Divergence | undefined;
  let last = start;
  const evaluateAt = (it: number): EvalRecord => {
    const e0 = performance.now();
    const val = evaluate(b, model, data.val, features, data.numClasses, rng.dropout, opts.evalBatchSize);
    const test = evaluate(b, model, data.test, features, data.numClasses, rng.dropout, opts.evalBatchSize);
    evalMs += performance.now() - e0;
    const record: EvalRecord = { iteration: it, trainLoss: lossSum / lossCount, valLoss: val.loss, valAccuracy: val.accuracy, testLoss: test.loss, testAccuracy: test.accuracy };
    if (test.f1 !== undefined) record.testF1 = test.f1;
    lossSum = 0;
    lossCount = 0;
    evals.push(record);
    return record;
  };
  opts.rewirer?.start(b, params);
  batcher.seek(start);
  if (wanted.has(start)) snapshots.set(start, snapshotWeights(b, params));
  for (let it = start + 1; it <= opts.iterations; it++) {
    const batch = batcher.next();
    const loss = trainStep(ctx, model, params, opt, batch.x, batch.y, batch.n, features, opts.lr(it), batcher.labelWidth);
    last = it;
    lossSum += loss;
    lossCount++;
    if (!Number.isFinite(loss)) {
      // No snapshot or rewiring of the broken weights; one evaluation records the end state.
      diverged = { iteration: it, loss };
      yield { kind: 'eval', record: evaluateAt(it) };
      break;
    }
    opts.rewirer?.afterStep(it, b, params, opts.lr(it));
    if (wanted.has(it)) snapshots.set(it, snapshotWeights(b, params));
    if (it % opts.evalEvery === 0 || it === opts.iterations) {
      const record = evaluateAt(it);
      yield { kind: 'eval', record };
      if (!Number.isFinite(record.valLoss)) {
        diverged = { iteration: it, loss: record.valLoss };
        break;
      }
    } else {
      yield { kind: 'step', iteration: it };
    }
  }
  b.resetScratch();
  const seconds = (performance.now() - t0) / 1000;
  const stepSeconds = seconds - evalMs / 1000;
  const finite = evals.filter((e) => Number.isFinite(e.valLoss));
  let earlyStop = finite[0] ?? evals[evals.length - 1];
  for (const e of finite) if (e.valLoss < earlyStop.valLoss) earlyStop = e;
  const res = { evals, earlyStop, final: evals[evals.length - 1], snapshots, seconds, stepsPerSecond: (last - start) / stepSeconds };
  return diverged === undefined ? res : { ...res, diverged };
}
