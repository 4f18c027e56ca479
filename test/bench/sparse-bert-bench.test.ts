// The bert rows of the sparse benchmark (issue 16) at a tiny encoder: the row structure, and that
// forced sparse really ran the CSR kernels on every encoder layer (a smoke test, not a measurement).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import type { Backend, CsrIndex } from '../../src/backend/backend.ts';
import { bertBenchModel, runBertBench, sparseSummary } from '../../bench/sparse-bert.ts';
import { batchPool } from '../../bench/sparse-setup.ts';
import { sparseBenchCommand } from '../../bench/sparse.ts';

const TINY = { ...bertBenchModel('bert-quick'), batch: 3, inputShape: [10], text: { vocabSize: 40, seqLen: 10, maskedPositions: 0 }, transformer: { layers: 2, heads: 2, hidden: 8, ffn: 16, patch: 7 } };
const ENCODER = [0, 1].flatMap((l) => ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'ffn.fc1', 'ffn.fc2'].map((p) => `layer${l}.${p}`));

test('bertBenchModel: the presets\' encoder, seqLen, vocabulary and batch', () => {
  const q = bertBenchModel('bert-quick');
  const t = q.transformer!;
  assert.equal([[t.layers, t.heads, t.hidden, t.ffn], q.inputShape, q.text, q.batch, q.dropout], [[2, 4, 64, 256], [64], { vocabSize: 2000, seqLen: 64, maskedPositions: 0 }, 32, 0.1]);
  const b = bertBenchModel('bert');
  assert.equal([b.transformer!.layers, b.transformer!.hidden, b.transformer!.ffn, b.inputShape, b.batch], [4, 128, 512, [128], 32]);
  assert.throws(() => bertBenchModel('lenet300-paper'), /--preset: expected one of bert-quick, bert/);
});

test('batchPool (text): [CLS] first, ids in [5, vocab) for a random length, [PAD] after, labels 0/1', () => {
  for (const { x, y } of batchPool(1, TINY)) {
    assert.is(x.length, 30);
    for (let i = 0; i < 3; i++) {
      const row = Array.from(x.subarray(i * 10, i * 10 + 10));
      assert.is(row[0], 2);
      const len = row.indexOf(0) === -1 ? 10 : row.indexOf(0);
      assert.ok(len >= 2, `row ${row}`);
      assert.ok(row.slice(1, len).every((t) => Number.isInteger(t) && t >= 5 && t < 40), `row ${row}`);
      assert.ok(row.slice(len).every((t) => t === 0), `row ${row}`);
    }
    assert.ok(Array.from(y).every((c) => c === 0 || c === 1));
  }
});

test('runBertBench: one row per density; forced sparse runs the CSR kernels on every encoder layer, dense none', async () => {
  const wasm = await createBackend('wasm');
  // The sparse weight gradients the backend computes (SDDMM at a layer's nonzeros), counted by
  // the weight's shape [out, in]: q/k/v/o 8x8, fc1 16x8, fc2 8x16. (Its methods are read-only: an object over it.)
  const sddmmCalls = new Map<string, number>();
  const sddmm = (a: CsrIndex, ...rest: Parameters<Backend['sddmm']> extends [unknown, ...infer R] ? R : never) => {
    const k = `${a.rows}x${a.cols}`;
    sddmmCalls.set(k, (sddmmCalls.get(k) ?? 0) + 1);
    return wasm.sddmm(a, ...rest);
  };
  const b: Backend = Object.create(wasm);
  Object.defineProperty(b, 'sddmm', { value: sddmm });
  const rows = await runBertBench({ densities: [1, 0.2], rounds: 1, warmupMs: 0, backend: b }, TINY, 'tiny');
  assert.is(rows.length, 2);
  rows.forEach((r, i) => {
    assert.equal([r.net, r.preset, r.batch, r.seqLen, r.density], ['bert', 'tiny', 3, 10, [1, 0.2][i]]);
    assert.ok(Math.abs(r.overallDensity - r.density) < 0.02 && Math.abs(r.ideal - 1 / r.overallDensity) < 1e-9, `density ${r.overallDensity}`);
    for (const t of [r.trainMs, r.inferMs]) assert.ok(t.dense > 0 && t.sparse > 0 && t.auto > 0, JSON.stringify(t));
    assert.ok(Math.abs(r.trainSpeedup.auto - r.trainMs.dense / r.trainMs.auto) < 1e-9);
    assert.ok(Math.abs(r.inferSpeedup.sparse - r.inferMs.dense / r.inferMs.sparse) < 1e-9);
    assert.equal(Object.keys(r.kernels), ENCODER);
    assert.equal(r.csrLayers.sparse, ENCODER);
    assert.equal(r.csrLayers.dense, []);
    // the tiny layers sit below the trainer's minimum work for measuring: 'auto' keeps them dense
    assert.equal(r.csrLayers.auto, []);
    assert.ok(Object.values(r.kernels).every((k) => k === 'dense'));
    assert.is(r.projMs, null);
  });
  // every step of the forced-sparse network ran the sparse weight gradient of all 12 encoder
  // layers: 8 of shape 8x8 (q, k, v, o of two blocks) per fc1 (16x8) and per fc2 (8x16)
  const steps = sddmmCalls.get('16x8') ?? 0;
  assert.ok(steps > 0);
  assert.equal(Object.fromEntries(sddmmCalls), { '8x8': 4 * steps, '16x8': steps, '8x16': steps });
});

test('sparseSummary: all, none, or the projection kinds (with their blocks when not all)', () => {
  const k = Object.fromEntries(ENCODER.map((n) => [n, 'dense' as 'dense' | 'sparse']));
  assert.is(sparseSummary(k), 'none');
  k['layer0.ffn.fc1'] = k['layer1.ffn.fc1'] = k['layer1.attn.q'] = 'sparse';
  assert.is(sparseSummary(k), 'q (layer1), fc1');
  assert.is(sparseSummary(Object.fromEntries(ENCODER.map((n) => [n, 'sparse']))), 'all');
});

test('lth bench sparse: --model names a model, --preset only with bert', async () => {
  const error = async (argv: string[]): Promise<string> => {
    try {
      await sparseBenchCommand(argv);
    } catch (err) {
      return (err as Error).message;
    }
    return 'no error';
  };
  assert.match(await error(['--model', 'gpt']), /^--model: expected one of lenet300, conv2, bert, got 'gpt'$/);
  assert.match(await error(['--preset', 'bert']), /^--preset: only with --model bert/);
  assert.match(await error(['--model', 'bert', '--preset', 'vit-quick']), /^--preset: expected one of bert-quick, bert, got 'vit-quick'$/);
});

test.run();
