/**
 * Shared machinery of the at-initialisation scores: a scoring context, the gradient of the
 * mean loss over a list of batches, and reading/writing the prunable weights. Gradients come
 * from the ordinary autograd tape; everything the scores compute on top is float64 in JS.
 */
import type { Backend } from '../../backend/backend.ts';
import { softmaxCrossEntropy } from '../../autograd/ops/loss.ts';
import { type Ctx, trainCtx } from '../../autograd/tape.ts';
import { Tensor, gradTarget } from '../../autograd/tensor.ts';
import type { Module, Parameter } from '../../nn/module.ts';
import { Rng } from '../../util/rng.ts';

/** What a score needs of a network: its module tree and its parameters in order. */
export interface ScoredNet {
  model: Module;
  params: Parameter[];
}

/**
 * One batch of labelled examples: `n` rows of `features` floats and `n` class labels. A
 * Batcher's batches fit, but copy them when collecting several: it reuses its buffers.
 */
export interface ScoreBatch {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

/** Per-parameter float64 arrays (gradients, Hessian-vector products) by parameter name. */
export type Vectors = Record<string, Float64Array>;

/**
 * A context that records a tape but runs the model in evaluation mode (dropout off), as the
 * reference implementations score: the scores must not depend on a dropout draw.
 */
export function scoringCtx(b: Backend): Ctx {
  return { ...trainCtx(b, new Rng(0, 'scoring')), training: false };
}

/**
 * Clears every parameter's "gradient written" flag, as trainStep does before a backward.
 * Scoring reads the dense gradients, so a weight training in CSR form (p.sparse) is refused.
 */
export function clearGradFlags(params: Parameter[]): void {
  for (const p of params) {
    if (p.sparse !== null) throw new Error(`pruning scores: '${p.name}' is training in CSR form; score the network in dense form`);
    p.tensor.gradWritten = false;
  }
}

/** A parameter's gradient after a backward, as float64 (zeros when nothing reached it). */
export function readGrad(b: Backend, p: Parameter): Float64Array {
  const out = new Float64Array(p.size);
  if (p.tensor.grad === null || !p.tensor.gradWritten) return out;
  out.set(b.read(p.tensor.grad));
  return out;
}

/** y = s * x as a taped op (the GraSP temperature divides the logits by T). */
export function scaleOp(ctx: Ctx, x: Tensor, s: number): Tensor {
  const b = ctx.backend;
  const n = x.size;
  const y = new Tensor(x.shape, b.scratch(n), x.requiresGrad);
  b.scale(x.buf, s, y.buf, n);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      if (t.acc) b.axpy(s, y.grad, t.g, n);
      else b.scale(y.grad, s, t.g, n);
    });
  }
  return y;
}

/**
 * Gradient of the mean loss over all the examples of `batches` with respect to each prunable
 * parameter: per-batch gradients of the batch mean, weighted by n / total. Logits are divided
 * by `temperature` before the softmax (1 = plain cross-entropy). Returns the mean loss too.
 */
export function lossGradient(b: Backend, net: ScoredNet, batches: readonly ScoreBatch[], features: number, temperature = 1): { grads: Vectors; loss: number } {
  const prunable = net.params.filter((p) => p.prunable);
  const grads: Vectors = {};
  for (const p of prunable) grads[p.name] = new Float64Array(p.size);
  const total = batches.reduce((a, batch) => a + batch.n, 0);
  if (total === 0) throw new Error('lossGradient: the batches hold no examples');
  const ctx = scoringCtx(b);
  let loss = 0;
  for (const batch of batches) {
    if (batch.n === 0) continue;
    if (batch.x.length !== batch.n * features) throw new Error(`lossGradient: a batch of ${batch.n} rows has ${batch.x.length} inputs, expected ${batch.n * features}`);
    // One label per row: scoring has no masked-token loss (labelWidth > 1, token data).
    if (batch.y.length !== batch.n) throw new Error(`lossGradient: a batch of ${batch.n} rows has ${batch.y.length} labels; pruning scores need one label per example`);
    b.resetScratch();
    clearGradFlags(net.params);
    const x = new Tensor([batch.n, features], b.scratch(batch.n * features), false);
    b.write(x.buf, batch.x);
    const labels = b.scratch(batch.n);
    b.write(labels, batch.y);
    let logits = net.model.forward(ctx, x);
    if (temperature !== 1) logits = scaleOp(ctx, logits, 1 / temperature);
    const weight = batch.n / total;
    loss += softmaxCrossEntropy(ctx, logits, labels) * weight;
    ctx.tape!.backward();
    for (const p of prunable) {
      const g = readGrad(b, p);
      const acc = grads[p.name];
      for (let i = 0; i < g.length; i++) acc[i] += weight * g[i];
    }
  }
  b.resetScratch();
  return { grads, loss };
}

/** Copies of the prunable weights, by name. */
export function readPrunable(b: Backend, params: Parameter[]): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const p of params) if (p.prunable) out[p.name] = b.read(p.tensor.buf);
  return out;
}

/** The installed float mask of a parameter as 0/1 bytes (all ones when none is installed). */
export function installedMask(b: Backend, p: Parameter): Uint8Array {
  const m = new Uint8Array(p.size).fill(1);
  if (p.mask === null) return m;
  const f = b.read(p.mask);
  for (let i = 0; i < m.length; i++) m[i] = f[i] !== 0 ? 1 : 0;
  return m;
}
