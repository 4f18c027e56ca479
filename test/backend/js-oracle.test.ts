// The js backend is the oracle of the conformance suite, so it is checked here against values
// computed by hand, not against another backend.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Buf } from '../../src/backend/backend.ts';
import { JsBackend } from '../../src/backend/js.ts';

const b = new JsBackend();
const buf = (xs: number[]): Buf => {
  const x = b.alloc(xs.length);
  b.write(x, xs);
  return x;
};
const read = (x: Buf): number[] => Array.from(b.read(x));
const near = (got: number, want: number, what: string): void =>
  assert.ok(Math.abs(got - want) < 1e-6, `${what}: ${got} vs ${want}`);

test('gemm: the three layouts of one 2x3 by 3x2 product', () => {
  // A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]; A·B = [[58,64],[139,154]].
  const want = [58, 64, 139, 154];
  const c = b.alloc(4);
  b.gemm('nn', 2, 2, 3, buf([1, 2, 3, 4, 5, 6]), buf([7, 8, 9, 10, 11, 12]), c, false);
  assert.equal(read(c), want);
  b.gemm('nt', 2, 2, 3, buf([1, 2, 3, 4, 5, 6]), buf([7, 9, 11, 8, 10, 12]), c, false);
  assert.equal(read(c), want);
  b.gemm('tn', 2, 2, 3, buf([1, 4, 2, 5, 3, 6]), buf([7, 8, 9, 10, 11, 12]), c, true);
  assert.equal(read(c), want.map((v) => 2 * v));
  b.gemm('nn', 2, 2, 0, buf([]), buf([]), c, false);
  assert.equal(read(c), [0, 0, 0, 0], 'k = 0 without accumulate clears C');
});

test('elementwise, relu and reductions', () => {
  const x = buf([1, -2, 3, -4]);
  const y = buf([10, 20, 30, 40]);
  b.axpy(2, x, y, 4);
  assert.equal(read(y), [12, 16, 36, 32]);
  const z = b.alloc(4);
  b.mul(x, y, z, 4);
  assert.equal(read(z), [12, -32, 108, -128]);
  b.add(x, y, z, 3);
  assert.equal(read(z), [13, 14, 39, -128], 'n limits the op');
  b.relu(x, z, 4);
  assert.equal(read(z), [1, 0, 3, 0]);
  const dx = buf([1, 1, 1, 1]);
  b.reluBackward(z, buf([5, 6, 7, 8]), dx, 4, true);
  assert.equal(read(dx), [6, 1, 8, 1]);
  b.scale(x, -0.5, x, 4);
  assert.equal(read(x), [-0.5, 1, -1.5, 2]);
  assert.is(b.sum(x, 4), 1);
  assert.is(b.sumSquares(x, 4), 0.25 + 1 + 2.25 + 4);
});

test('biasAct and colSum', () => {
  const y = b.alloc(6);
  b.biasAct(buf([1, -2, 3, -4, 5, -6]), buf([1, 1, -10]), y, 2, 3, true);
  assert.equal(read(y), [2, 0, 0, 0, 6, 0]);
  b.biasAct(buf([1, -2, 3, -4, 5, -6]), buf([1, 1, -10]), y, 2, 3, false);
  assert.equal(read(y), [2, -1, -7, -3, 6, -16]);
  const db = buf([100, 100, 100]);
  b.colSum(buf([1, 2, 3, 4, 5, 6]), db, 2, 3, false);
  assert.equal(read(db), [5, 7, 9]);
  b.colSum(buf([1, 2, 3, 4, 5, 6]), db, 2, 3, true);
  assert.equal(read(db), [10, 14, 18]);
});

test('softmaxXent: uniform logits give log(c); gradient is (softmax - onehot) / m', () => {
  const d = b.alloc(4);
  const loss = b.softmaxXent(buf([0, 0, 3, 3]), buf([0, 1]), 2, 2, d);
  near(loss, Math.log(2), 'loss');
  assert.equal(read(d), [-0.25, 0.25, 0.25, -0.25]);
  // One confident row: p = [e^2, 1]/(e^2 + 1), label 1, m = 1.
  const p0 = Math.exp(2) / (Math.exp(2) + 1);
  const d1 = b.alloc(2);
  near(b.softmaxXent(buf([1002, 1000]), buf([1]), 1, 2, d1), -Math.log(1 - p0), 'large logits');
  near(read(d1)[0], p0, 'd0');
  near(read(d1)[1], -p0, 'd1');
  assert.is(b.countCorrect(buf([1, 3, 3, 0, 0, 0]), buf([1, 0]), 2, 3), 2, 'first max wins ties');
});

test('adam: first step moves each weight by about lr against its gradient', () => {
  // t = 1: m1 = 0.1 g, m2 = 0.001 g^2, bc1 = 0.1, bc2 = 0.001 -> step = lr * g / (|g| + eps).
  const w = buf([1, 1, 1]);
  const m1 = b.alloc(3), m2 = b.alloc(3);
  const args = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 0, bc1: 0.1, bc2: 0.001, weightDecay: 0 };
  b.adam(w, buf([0.5, -2, 0]), m1, m2, buf([1, 1, 0]), 3, args);
  const got = read(w);
  near(got[0], 0.99, 'w0');
  near(got[1], 1.01, 'w1');
  assert.is(got[2], 0, 'pruned');
  near(read(m1)[1], -0.2, 'm1');
  near(read(m2)[1], 0.004, 'm2');
});

test('sgd: momentum, nesterov and weight decay by hand', () => {
  const w = buf([1]);
  const v = buf([0]);
  const g = buf([1]);
  const args = { lr: 0.1, momentum: 0.9, weightDecay: 0.5, nesterov: false };
  b.sgd(w, g, v, null, 1, args); // g' = 1.5, v = 1.5, w = 1 - 0.15
  near(read(w)[0], 0.85, 'step 1');
  b.sgd(w, g, v, null, 1, args); // g' = 1.425, v = 0.9*1.5 + 1.425 = 2.775, w = 0.85 - 0.2775
  near(read(w)[0], 0.5725, 'step 2');
  const wn = buf([1]);
  const vn = buf([1]);
  b.sgd(wn, g, vn, null, 1, { ...args, nesterov: true, weightDecay: 0 }); // v = 1.9, d = 1 + 1.71
  near(read(wn)[0], 1 - 0.271, 'nesterov');
});

test('memory accounting, liveness and errors', () => {
  const before = b.memoryBytes();
  const x = b.alloc(10);
  const s = b.scratch(5);
  assert.is(b.memoryBytes(), before + 60);
  b.resetScratch();
  assert.throws(() => b.read(s), /resetScratch/);
  b.free(x);
  assert.throws(() => b.read(x), /after free/);
  assert.is(b.memoryBytes(), before);
  assert.throws(() => b.read(b.alloc(3), new Float32Array(2)), /out has 2/);
});

test.run();
