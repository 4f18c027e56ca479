// Sparse kernels in the transformer encoders (issue 16): the plan finds every block's Q, K, V, O,
// fc1 and fc2 (measured on the token rows, batch x seqLen), and a masked BERT trained on forced
// sparse kernels gives the dense path's weights.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { trainCtx } from '../../src/autograd/tape.ts';
import { createBackend } from '../../src/backend/index.ts';
import type { Dataset, Split } from '../../src/data/dataset.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { applyMasks, prunableParams } from '../../src/prune/apply.ts';
import { fullMasks } from '../../src/prune/masks.ts';
import { randomMasksLike } from '../../src/prune/random.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { type SparseMode, activateSparse, sparseSites } from '../../src/train/sparse-plan.ts';
import { snapshotWeights } from '../../src/train/state.ts';
import { trainStep } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const SHAPE = { layers: 2, heads: 2, hidden: 16, ffn: 32, patch: 7 };
const empty = (): Split => ({ x: new Float32Array(0), y: new Float32Array(0), n: 0 });
const textData = (seqLen: number, maskedPositions = 0): Dataset => ({
  name: 'tokens', description: 'test', inputShape: [seqLen + maskedPositions], numClasses: 2, train: empty(), val: empty(), test: empty(),
  text: { vocabSize: 50, seqLen, maskedPositions },
});
const ENCODER = (l: number) => ['q', 'k', 'v', 'o'].map((p) => `layer${l}.attn.${p}`).concat([`layer${l}.ffn.fc1`, `layer${l}.ffn.fc2`]);

test('sparseSites: every encoder projection in forward order on seqLen rows per example, then the heads', async () => {
  const b = await createBackend('js');
  const bert = buildNetwork(b, 'bert', textData(12), new Rng(1), { transformer: SHAPE });
  const sites = sparseSites(bert.model);
  assert.equal(sites.map((s) => [s.layer.name, s.needsInputGrad, s.rowsPerExample]), [
    ...[...ENCODER(0), ...ENCODER(1)].map((n) => [n, true, 12]), ['pooler', true, 1], ['classifier', true, 1],
  ]);
  const mlm = buildNetwork(b, 'bert', textData(12, 3), new Rng(1), { transformer: SHAPE });
  assert.equal(sparseSites(mlm.model).slice(-2).map((s) => [s.layer.name, s.rowsPerExample]), [['mlm.transform', 3], ['mlm.decoder', 3]]);
  const vit = buildNetwork(b, 'vit', { ...textData(1), inputShape: [1, 14, 14], text: undefined }, new Rng(1), { transformer: SHAPE });
  const vs = sparseSites(vit.model);
  assert.equal(vs[0].layer.name, 'embed.patch');
  assert.equal([vs[0].needsInputGrad, vs[0].rowsPerExample, vs[1].layer.name, vs[1].rowsPerExample], [false, 4, 'layer0.attn.q', 4]);
  assert.equal(vs.at(-1)!.layer.name, 'classifier');
});

/** Token rows: [CLS] = 2, ids in [5, vocab), [PAD] = 0 after a random length; labels 0/1. */
function tokenBatch(rng: Rng, n: number, seq: number, vocab: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * seq);
  for (let i = 0; i < n; i++) {
    const len = 2 + rng.int(seq - 1);
    x[i * seq] = 2;
    for (let j = 1; j < len; j++) x[i * seq + j] = 5 + rng.int(vocab - 5);
  }
  return { x, y: Float32Array.from({ length: n }, () => rng.int(2)) };
}

for (const backend of ['wasm', 'js']) {
  test(`${backend}: a masked bert on forced sparse kernels trains to the dense path's weights (1e-5)`, async () => {
    const b = await createBackend(backend);
    const seq = 12;
    const data = textData(seq);
    const go = (mode: SparseMode) => {
      const net = buildNetwork(b, 'bert', data, new Rng(3).split('init'), { transformer: SHAPE, dropout: 0.1 });
      const sizes = Object.fromEntries(prunableParams(net.params).map((p) => [p.name, p.size]));
      const full = fullMasks(sizes);
      for (const m of Object.values(full)) m.fill(0, Math.round(m.length * 0.3));
      applyMasks(b, net.params, randomMasksLike(full, new Rng(5)));
      const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 3e-3 });
      const plan = activateSparse(b, net.model, opt, { mode, batchSize: 6 });
      const ctx = trainCtx(b, new Rng(7).split('dropout'));
      const rng = new Rng(9);
      for (let i = 0; i < 4; i++) {
        const { x, y } = tokenBatch(rng, 6, seq, 50);
        trainStep(ctx, net.model, net.params, opt, x, y, 6, seq, 3e-3);
      }
      const kernels = plan.kernels;
      plan.end();
      return { kernels, w: snapshotWeights(b, net.params) };
    };
    const d = go('dense');
    const s = go('sparse');
    const encoder = [...ENCODER(0), ...ENCODER(1)];
    assert.ok(encoder.every((n) => s.kernels[n].path === 'sparse' && d.kernels[n].path === 'dense'), JSON.stringify(s.kernels));
    assert.ok(Math.abs(s.kernels['layer0.ffn.fc1'].density - 0.3) < 0.01);
    assert.equal([s.kernels.pooler.path, s.kernels.classifier.path], ['dense', 'dense']);
    // The key bias's gradient is zero in exact arithmetic (it adds q·b to every score of a
    // query, which softmax ignores), so Adam turns its f32 rounding into steps of ±lr: skipped.
    for (const k of Object.keys(d.w).filter((n) => !n.endsWith('attn.k.bias'))) {
      let diff = 0;
      let norm = 0;
      d.w[k].forEach((v, i) => {
        diff += (v - s.w[k][i]) ** 2;
        norm += v * v;
      });
      assert.ok(Math.sqrt(diff) <= 1e-5 * Math.sqrt(norm) + 1e-12, `${k}: relative error ${Math.sqrt(diff / norm)}`);
    }
  });
}

test.run();
