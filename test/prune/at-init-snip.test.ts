// SNIP on a hand-checked 3-2-2 ReLU network, and its gradient accumulation over batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { Linear, Sequential } from '../../src/nn/layers.ts';
import type { Parameter } from '../../src/nn/module.ts';
import { snipScores } from '../../src/prune/at-init/index.ts';
import { Rng } from '../../src/util/rng.ts';

const backends = [await createBackend('js'), await createBackend('wasm')];

function tinyNet(b: Backend) {
  const model = new Sequential([new Linear(b, 'fc1', 3, 2, true), new Linear(b, 'fc2', 2, 2, false)]);
  return { model, params: model.parameters() };
}

function set(b: Backend, params: Parameter[], values: Record<string, number[]>): void {
  for (const p of params) if (values[p.name] !== undefined) b.write(p.tensor.buf, values[p.name]);
}

// x = [1, 2, -1], W1 = [[1,1,0],[0,1,1]] -> pre-activations [3, 1] (both units on), h = [3, 1];
// W2 = [[1,0],[0,3]] -> logits [3, 3], softmax [.5, .5]; label 1 -> dlogits = [.5, -.5].
// dW2 = dlogits ⊗ h = [[1.5, .5], [-1.5, -.5]];  dh = W2ᵀ dlogits = [.5, -1.5];
// dW1 = dh ⊗ x = [[.5, 1, -.5], [-1.5, -3, 1.5]].  SNIP = |W ⊙ dW|:
const W1 = [1, 1, 0, 0, 1, 1];
const W2 = [1, 0, 0, 3];
const SNIP_W1 = [0.5, 1, 0, 0, 3, 1.5];
const SNIP_W2 = [1.5, 0, 0, 1.5];

for (const b of backends) {
  test(`${b.name}: SNIP scores of the hand-checked 3-2-2 network are exact`, () => {
    const net = tinyNet(b);
    set(b, net.params, { 'fc1.weight': W1, 'fc2.weight': W2 });
    const s = snipScores(b, net, [{ x: Float32Array.from([1, 2, -1]), y: Float32Array.from([1]), n: 1 }], 3);
    assert.equal(Object.keys(s), ['fc1.weight', 'fc2.weight'], 'only prunable parameters are scored');
    assert.equal(Array.from(s['fc1.weight']), SNIP_W1);
    assert.equal(Array.from(s['fc2.weight']), SNIP_W2);
    assert.equal(Array.from(b.read(net.params[0].tensor.buf)), W1, 'weights untouched');
  });

  test(`${b.name}: SNIP accumulates the gradient of the mean loss over batches`, () => {
    const net = tinyNet(b);
    const rng = new Rng(5);
    set(b, net.params, {
      'fc1.weight': Array.from({ length: 6 }, () => rng.normal()),
      'fc2.weight': Array.from({ length: 4 }, () => rng.normal()),
    });
    const x = Float32Array.from({ length: 15 }, () => rng.normal());
    const y = Float32Array.from([0, 1, 1, 0, 1]);
    const whole = snipScores(b, net, [{ x, y, n: 5 }], 3);
    // 2 + 3 rows: per-batch means weighted by 2/5 and 3/5 give the mean over all 5
    const split = snipScores(b, net, [{ x: x.slice(0, 6), y: y.slice(0, 2), n: 2 }, { x: x.slice(6), y: y.slice(2), n: 3 }], 3);
    for (const name of Object.keys(whole)) {
      whole[name].forEach((v, i) => assert.ok(Math.abs(v - split[name][i]) <= 1e-6 + 1e-5 * v, `${name}[${i}]: ${v} vs ${split[name][i]}`));
    }
    // two copies of the hand-checked example with opposite labels: the mean gradient is zero
    set(b, net.params, { 'fc1.weight': W1, 'fc2.weight': W2 });
    const one = Float32Array.from([1, 2, -1]);
    const cancel = snipScores(b, net, [{ x: one, y: Float32Array.from([1]), n: 1 }, { x: one, y: Float32Array.from([0]), n: 1 }], 3);
    assert.ok(cancel['fc1.weight'].every((v) => v === 0) && cancel['fc2.weight'].every((v) => v === 0));
  });
}

test('SNIP rejects batches of the wrong width', () => {
  const b = backends[0];
  assert.throws(() => snipScores(b, tinyNet(b), [{ x: new Float32Array(4), y: new Float32Array(1), n: 1 }], 3), /expected 3/);
});

test.run();
