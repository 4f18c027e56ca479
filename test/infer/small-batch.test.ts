// The exported model's small-batch path: a dense linear layer packs its weight once and runs a
// single row through Backend.gemv; every kernel choice ('auto', all dense, all sparse) predicts
// what the dense network computes, at batch 1 and above.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evalCtx } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import { createBackend } from '../../src/backend/index.ts';
import { shapeOnlyDataset } from '../../src/data/dataset.ts';
import { modelLayers, sparseLayers } from '../../src/infer/export.ts';
import { SparseModel } from '../../src/infer/sparse-model.ts';
import { applyMasks } from '../../src/prune/apply.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { snapshotWeights } from '../../src/train/state.ts';
import { Rng } from '../../src/util/rng.ts';

const b = await createBackend('wasm');

test('SparseModel kernels auto / dense / sparse: batch 1 (gemv) and batch 5 equal the dense network', () => {
  for (const [model, shape, density] of [['lenet300', [784], 0.7], ['lenet300', [784], 0.1], ['conv2', [1, 12, 12], 0.6]] as const) {
    const net = buildNetwork(b, model, shapeOnlyDataset([...shape], 10), new Rng(1).split('init'), { widthMultiplier: 0.25 });
    const rng = new Rng(2);
    const masks = Object.fromEntries(net.params.filter((p) => p.prunable).map((p) => [p.name, Uint8Array.from({ length: p.size }, () => (rng.next() < density ? 1 : 0))]));
    applyMasks(b, net.params, masks);
    for (const p of net.params.filter((q) => !q.prunable)) b.write(p.tensor.buf, Float32Array.from({ length: p.size }, () => rng.next() - 0.5));
    const layers = sparseLayers(modelLayers(net.model, model), snapshotWeights(b, net.params), masks);
    const spec = { model, dataset: 'x', normalize: false as const, inputShape: [...shape], numClasses: 10, layers, info: {} };
    const k = ([...shape] as number[]).reduce((a, d) => a * d, 1);
    const ctx = evalCtx(b, new Rng(1));
    for (const kernels of ['auto', 'dense', 'sparse'] as const) {
      const sm = new SparseModel(b, spec, { kernels });
      for (const n of [1, 5]) {
        const x = Float32Array.from({ length: n * k }, () => rng.next());
        b.resetScratch();
        const xt = new Tensor([n, k], b.scratch(n * k), false);
        b.write(xt.buf, x);
        const want = b.read(net.model.forward(ctx, xt).buf);
        const got = sm.predict(x, n);
        const scale = Math.max(...want.map(Math.abs));
        want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-5 * scale, `${model} ${density} ${kernels} n=${n} [${i}]: ${got[i]} vs ${v}`));
      }
      sm.dispose();
    }
  }
});

test.run();
