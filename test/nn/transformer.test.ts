// The transformer models (bert, vit): what is prunable, a numeric gradient check of a whole tiny
// BERT (classification and MLM heads, padding masked out of attention), the same logits on the
// wasm backend as on the js reference, that padding does not change a sequence's output, and
// that Adam steps learn a toy task on both models.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { softmaxCrossEntropy } from '../../src/autograd/ops/loss.ts';
import { type Ctx, evalCtx, trainCtx } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import type { TextInfo } from '../../src/data/dataset.ts';
import { getModel } from '../../src/nn/models.ts';
import { type Module, initParameters } from '../../src/nn/module.ts';
import type { TransformerShape } from '../../src/nn/transformer.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { trainStep } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { gradCheck } from '../autograd/numeric.ts';

const TINY: TransformerShape = { layers: 2, heads: 2, hidden: 8, ffn: 12, patch: 2 };

function bert(b: Backend, text: TextInfo, numClasses = 2, shape = TINY): Module {
  return getModel('bert').build(b, { inputShape: [text.seqLen + text.maskedPositions], numClasses, text, transformer: shape });
}

function forward(b: Backend, model: Module, rows: number[][], ctx: Ctx = evalCtx(b, new Rng(1))): Float32Array {
  b.resetScratch();
  const f = rows[0].length;
  const x = new Tensor([rows.length, f], b.scratch(rows.length * f), false);
  b.write(x.buf, rows.flat());
  return b.read(model.forward(ctx, x).buf);
}

test('bert: Q/K/V/O and FFN weights are prunable; embeddings, norms, pooler and classifier are not', () => {
  const model = bert(new JsBackend(), { vocabSize: 20, seqLen: 6, maskedPositions: 0 });
  const prunable = model.parameters().filter((p) => p.prunable).map((p) => p.name);
  const expected = [0, 1].flatMap((l) => ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'ffn.fc1', 'ffn.fc2'].map((m) => `layer${l}.${m}.weight`));
  assert.equal(prunable.sort(), expected.sort());
  const names = model.parameters().map((p) => p.name);
  for (const n of ['embed.tokens', 'embed.positions', 'embed.norm.gamma', 'pooler.weight', 'classifier.weight']) assert.ok(names.includes(n), n);
  // The MLM variant has the same encoder by name, and the MLM head instead of pooler/classifier.
  const mlm = bert(new JsBackend(), { vocabSize: 20, seqLen: 6, maskedPositions: 2 }, 20);
  const mlmNames = mlm.parameters().map((p) => p.name);
  assert.ok(mlmNames.includes('mlm.decoder.weight') && !mlmNames.includes('classifier.weight'));
  assert.equal(mlm.parameters().filter((p) => p.prunable).map((p) => p.name).sort(), expected.sort());
});

test('bert: bad shapes are one-line errors naming the field', () => {
  assert.throws(() => bert(new JsBackend(), { vocabSize: 20, seqLen: 6, maskedPositions: 0 }, 2, { ...TINY, hidden: 9 }), /transformer\.hidden.*multiple of transformer\.heads/);
  assert.throws(() => getModel('bert').build(new JsBackend(), { inputShape: [1, 28, 28], numClasses: 10 }), /model bert needs token data/);
  assert.throws(() => getModel('vit').build(new JsBackend(), { inputShape: [1, 28, 28], numClasses: 10, transformer: { ...TINY, patch: 5 } }), /transformer\.patch/);
});

test('bert: [PAD] positions are masked out of attention (their embedding cannot change the output)', () => {
  const b = new JsBackend();
  const model = bert(b, { vocabSize: 20, seqLen: 6, maskedPositions: 0 });
  const params = model.parameters();
  initParameters(b, params, new Rng(3));
  const rows = [[2, 7, 8, 3, 0, 0], [2, 9, 9, 9, 9, 3]];
  const before = forward(b, model, rows);
  // Perturb the [PAD] row (id 0) of the token table: padded keys get zero attention, so nothing changes.
  const table = params.find((p) => p.name === 'embed.tokens')!;
  const vals = b.read(table.tensor.buf);
  for (let j = 0; j < 8; j++) vals[j] += j % 3 === 0 ? 5 : -2; // not a constant shift, which the LayerNorm would remove
  b.write(table.tensor.buf, vals);
  assert.equal(Array.from(forward(b, model, rows)), Array.from(before));
  // A real token's row does change it (the check can fail).
  for (let j = 7 * 8; j < 8 * 8; j++) vals[j] += j % 3 === 0 ? 5 : -2;
  b.write(table.tensor.buf, vals);
  const after = forward(b, model, rows);
  assert.ok(Math.abs(after[0] - before[0]) > 1e-6 && after[2] === before[2], 'token 7 is only in the first row');
});

test('bert: numeric gradient check through the whole encoder (classification, padded)', () => {
  const b = new JsBackend();
  const model = bert(b, { vocabSize: 11, seqLen: 5, maskedPositions: 0 }, 3, { layers: 1, heads: 2, hidden: 4, ffn: 6, patch: 1 });
  const params = model.parameters();
  initParameters(b, params, new Rng(7));
  const ids = [2, 7, 8, 3, 0, 2, 5, 6, 9, 3];
  const labels = [1, 2];
  const lossFn = (ctx: Ctx): number => {
    const x = new Tensor([2, 5], b.scratch(10), false);
    b.write(x.buf, ids);
    const y = b.scratch(2);
    b.write(y, labels);
    return softmaxCrossEntropy(ctx, model.forward(ctx, x), y);
  };
  const pick = ['embed.tokens', 'layer0.attn.q.weight', 'layer0.attn.v.weight', 'layer0.ffn.fc1.weight', 'layer0.norm1.gamma', 'pooler.weight'];
  gradCheck(b, params.filter((p) => pick.includes(p.name)).map((p) => p.tensor), lossFn, { training: false, h: 1e-2, tol: 3e-2 });
});

test('bert with pre-LN blocks (transformer.norm pre): a final LayerNorm, and gradients still check', () => {
  const b = new JsBackend();
  const model = bert(b, { vocabSize: 11, seqLen: 5, maskedPositions: 0 }, 2, { layers: 1, heads: 2, hidden: 4, ffn: 6, patch: 1, norm: 'pre' });
  const params = model.parameters();
  assert.ok(params.some((p) => p.name === 'norm.gamma'), 'the final LayerNorm');
  assert.not.ok(bert(b, { vocabSize: 11, seqLen: 5, maskedPositions: 0 }).parameters().some((p) => p.name === 'norm.gamma'), 'post-LN has none');
  initParameters(b, params, new Rng(17));
  const lossFn = (ctx: Ctx): number => {
    const x = new Tensor([2, 5], b.scratch(10), false);
    b.write(x.buf, [2, 7, 8, 3, 0, 2, 5, 6, 9, 3]);
    const y = b.scratch(2);
    b.write(y, [1, 0]);
    return softmaxCrossEntropy(ctx, model.forward(ctx, x), y);
  };
  gradCheck(b, params.filter((p) => ['layer0.attn.q.weight', 'layer0.ffn.fc2.weight', 'norm.gamma', 'embed.tokens'].includes(p.name)).map((p) => p.tensor), lossFn, { training: false, h: 1e-2, tol: 3e-2 });
});

test('bert: numeric gradient check of the MLM head (masked positions, an ignored slot)', () => {
  const b = new JsBackend();
  const model = bert(b, { vocabSize: 9, seqLen: 4, maskedPositions: 2 }, 9, { layers: 1, heads: 1, hidden: 4, ffn: 4, patch: 1 });
  const params = model.parameters();
  initParameters(b, params, new Rng(8));
  // row: 4 ids, then 2 positions; labels: the original tokens there, -1 for an unused slot
  const xs = [2, 4, 5, 3, 1, 2, 2, 4, 0, 0, 2, 0];
  const ys = [6, 7, 8, -1];
  const lossFn = (ctx: Ctx): number => {
    const x = new Tensor([2, 6], b.scratch(12), false);
    b.write(x.buf, xs);
    const y = b.scratch(4);
    b.write(y, ys);
    return softmaxCrossEntropy(ctx, model.forward(ctx, x), y);
  };
  const pick = ['embed.tokens', 'layer0.attn.k.weight', 'layer0.ffn.fc2.weight', 'mlm.decoder.weight', 'mlm.norm.beta'];
  gradCheck(b, params.filter((p) => pick.includes(p.name)).map((p) => p.tensor), lossFn, { training: false, h: 1e-2, tol: 3e-2 });
});

test('vit: numeric gradient check (2-channel 4x4 images, 2x2 patches)', () => {
  const b = new JsBackend();
  const model = getModel('vit').build(b, { inputShape: [2, 4, 4], numClasses: 3, transformer: { layers: 1, heads: 2, hidden: 4, ffn: 4, patch: 2 } });
  const params = model.parameters();
  initParameters(b, params, new Rng(9));
  const rng = new Rng(10);
  const xs = Array.from({ length: 2 * 32 }, () => rng.normal());
  const lossFn = (ctx: Ctx): number => {
    const x = new Tensor([2, 32], b.scratch(64), false);
    b.write(x.buf, xs);
    const y = b.scratch(2);
    b.write(y, [0, 2]);
    return softmaxCrossEntropy(ctx, model.forward(ctx, x), y);
  };
  const pick = ['embed.patch.weight', 'embed.positions', 'layer0.attn.q.weight', 'layer0.ffn.fc1.weight', 'norm.gamma', 'classifier.weight'];
  gradCheck(b, params.filter((p) => pick.includes(p.name)).map((p) => p.tensor), lossFn, { training: false, h: 1e-2, tol: 3e-2 });
});

test('bert and vit: wasm logits match the js reference', async () => {
  const wasm = await createBackend('wasm', { threads: 1 });
  const js = new JsBackend();
  const text: TextInfo = { vocabSize: 30, seqLen: 9, maskedPositions: 0 };
  const rows = [[2, 11, 12, 13, 3, 0, 0, 0, 0], [2, 20, 21, 22, 23, 24, 25, 26, 3], [2, 3, 0, 0, 0, 0, 0, 0, 0]];
  const outs = [wasm, js].map((b) => {
    const m = bert(b, text, 2, { layers: 2, heads: 2, hidden: 16, ffn: 24, patch: 1 });
    initParameters(b, m.parameters(), new Rng(4));
    return forward(b, m, rows);
  });
  for (let i = 0; i < outs[1].length; i++) assert.ok(Math.abs(outs[0][i] - outs[1][i]) < 1e-4, `bert logit ${i}: ${outs[0][i]} vs ${outs[1][i]}`);
  const rng = new Rng(5);
  const img = [Array.from({ length: 196 }, () => rng.next())];
  const vit = [wasm, js].map((b) => {
    const m = getModel('vit').build(b, { inputShape: [1, 14, 14], numClasses: 10, transformer: { layers: 1, heads: 2, hidden: 16, ffn: 16, patch: 7 } });
    initParameters(b, m.parameters(), new Rng(6));
    return forward(b, m, img);
  });
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(vit[0][i] - vit[1][i]) < 1e-4, `vit logit ${i}`);
});

test('bert learns a toy task: is token 7 in the sequence (Adam, wasm)', async () => {
  const b = await createBackend('wasm', { threads: 1 });
  const text: TextInfo = { vocabSize: 12, seqLen: 8, maskedPositions: 0 };
  const model = bert(b, text, 2, { layers: 1, heads: 2, hidden: 16, ffn: 32, patch: 1 });
  const params = model.parameters();
  initParameters(b, params, new Rng(11));
  const opt = makeOptimizer(b, params, { kind: 'adam', lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const rng = new Rng(12);
  const n = 32;
  const xs = new Float32Array(n * 8);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(rng.next() * 5);
    xs[i * 8] = 2;
    for (let j = 1; j < len; j++) xs[i * 8 + j] = 5 + Math.floor(rng.next() * 6); // tokens 5..10, never 11
    if (i % 2 === 1) xs[i * 8 + 1 + Math.floor(rng.next() * (len - 1))] = 11;
    ys[i] = i % 2;
  }
  const ctx = trainCtx(b, new Rng(13));
  const losses = Array.from({ length: 60 }, () => trainStep(ctx, model, params, opt, xs, ys, n, 8, 3e-3));
  assert.ok(losses[59] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[59]}`);
});

test.run();
