// ONNX export: `lth export --format onnx` writes a model that ONNX Runtime (onnxruntime-web's
// wasm backend, and onnxruntime-node when installed) loads and runs to lth's own predictions
// within 1e-4 relative, for a pruned LeNet-300-100 and Conv-2; the metadata carries the weights
// remaining and provenance; bad input is a one-line UserError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { createBackend } from '../../src/backend/index.ts';
import { main } from '../../src/cli/main.ts';
import { shapeOnlyDataset } from '../../src/data/dataset.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { FileStore } from '../../src/experiment/store/fs-store.ts';
import { runKeys } from '../../src/experiment/store/keys.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';
import type { RunStore } from '../../src/experiment/store/run-store.ts';
import { sparseSpecFromRun } from '../../src/infer/export.ts';
import { ONNX_OPSET, fnv1a64, onnxModelFromRun, onnxModelType } from '../../src/infer/onnx.ts';
import { SparseModel } from '../../src/infer/sparse-model.ts';
import { applyMasks } from '../../src/prune/apply.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { snapshotWeights } from '../../src/train/state.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';
import { LTH_VERSION } from '../../src/version.ts';

type Ort = typeof ortWeb;
const b = await createBackend('wasm');
ortWeb.env.wasm.numThreads = 1;
// onnxruntime-node is optional (a native package): test it where it installed
const ortNode = (await import('onnxruntime-node').catch(() => null)) as Ort | null;

/**
 * A run in `store` whose round 1 holds `model`'s initial weights (nonzero biases) pruned at
 * random to `density` per layer, as a finished round would (weights with their metadata, mask).
 */
function prunedRun(store: RunStore, model: string, inputShape: number[], density: number, width = 1): void {
  const cfg = resolveConfig({ name: `onnx-${model}`, model, dataset: 'synthetic', widthMultiplier: width, pruning: { rounds: 1 }, branches: ['ticket'], trials: 1 });
  store.putText(runKeys.config, JSON.stringify(cfg));
  const net = buildNetwork(b, model, shapeOnlyDataset(inputShape, 10), new Rng(5).split('init'), { widthMultiplier: width });
  const rng = new Rng(9);
  const masks = Object.fromEntries(net.params.filter((p) => p.prunable).map((p) => [p.name, Uint8Array.from({ length: p.size }, () => (rng.next() < density ? 1 : 0))]));
  applyMasks(b, net.params, masks);
  for (const p of net.params.filter((q) => !q.prunable)) b.write(p.tensor.buf, Float32Array.from({ length: p.size }, () => rng.next() - 0.5));
  const shapes = Object.fromEntries(net.params.map((p) => [p.name, p.tensor.shape]));
  const maskShapes = Object.fromEntries(net.params.filter((p) => p.prunable).map((p) => [p.name, p.tensor.shape]));
  store.putWeights(runKeys.weights(1, 0, 'ticket'), snapshotWeights(b, net.params), shapes, {
    round: '1', trial: '0', branch: 'ticket', input_shape: JSON.stringify(inputShape), num_classes: '10',
  });
  store.putMasks(runKeys.mask(1, 0), masks, maskShapes);
}

/** Logits [n, 10] of ONNX Runtime `ort` on the model bytes. */
async function ortPredict(ort: Ort, bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({ input: new ort.Tensor('float32', x, shape) });
    assert.equal(out.logits.dims, [shape[0], 10]);
    return out.logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

function close(got: Float32Array, want: Float32Array, what: string): void {
  assert.is(got.length, want.length, what);
  const scale = Math.max(...want.map(Math.abs));
  want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-4 * scale, `${what} [${i}]: ${got[i]} vs lth ${v}`));
}

const cases = [
  { model: 'lenet300', inputShape: [784], density: 0.1, width: 1 },
  { model: 'conv2', inputShape: [3, 32, 32], density: 0.2, width: 0.5 },
];

for (const c of cases) {
  test(`ONNX export of ${c.model}: ONNX Runtime predicts what lth predicts`, async () => {
    const store = new MemoryStore(c.model);
    prunedRun(store, c.model, c.inputShape, c.density, c.width);
    const { bytes, spec } = onnxModelFromRun(store, { round: 1 });
    const lth = new SparseModel(b, sparseSpecFromRun(store, { round: 1 }));
    const k = lth.inputSize;
    const rng = new Rng(3);
    for (const n of [1, 7]) {
      const x = Float32Array.from({ length: n * k }, () => rng.next());
      const want = lth.predict(x, n);
      close(await ortPredict(ortWeb, bytes, x, [n, ...c.inputShape]), want, `onnxruntime-web ${c.model} n=${n}`);
      if (ortNode !== null) close(await ortPredict(ortNode, bytes, x, [n, ...c.inputShape]), want, `onnxruntime-node ${c.model} n=${n}`);
    }
    lth.dispose();
    // the file: opset, weights as zeros in place, metadata
    const m = onnxModelType().toObject(onnxModelType().decode(bytes), { longs: Number, bytes: Array }) as {
      opset_import: { version: number }[]; graph: { node: { op_type: string }[]; initializer: { name: string; raw_data: number[] }[] }; metadata_props: { key: string; value: string }[];
    };
    assert.is(m.opset_import[0].version, ONNX_OPSET);
    const ops = m.graph.node.map((nd) => nd.op_type);
    assert.equal(ops, c.model === 'lenet300'
      ? ['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']
      : ['Conv', 'Relu', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
    assert.is(meta.lth_version, LTH_VERSION);
    assert.equal([meta.round, meta.trial, meta.branch, meta.model, meta.run_name], ['1', '0', 'ticket', c.model, `onnx-${c.model}`]);
    assert.is(meta.config_fnv1a64, fnv1a64(store.getText(runKeys.config)!));
    const remaining = Number(meta.weights_remaining);
    assert.ok(Math.abs(remaining - c.density) < 0.01, `weights_remaining ${remaining}`);
    // zeros in place: the weight initializers' nonzeros are exactly the surviving weights
    const floats = (raw: number[]) => new Float32Array(Uint8Array.from(raw).buffer);
    const weights = m.graph.initializer.filter((t) => t.name.endsWith('.weight')).map((t) => floats(t.raw_data));
    const nonzero = weights.reduce((s, w) => s + w.filter((v) => v !== 0).length, 0);
    const total = weights.reduce((s, w) => s + w.length, 0);
    assert.ok(Math.abs(nonzero / total - remaining) < 1e-5, `${nonzero}/${total} nonzero vs ${remaining}`);
    assert.is(spec.model, c.model);
  });
}

test('lth export --format onnx writes the file; unknown rounds, ResNet-20 and a wrong format are one-line UserErrors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lth-onnx-'));
  prunedRun(new FileStore(dir), 'lenet300', [784], 0.05, 0.25);
  const out = join(dir, 'model.onnx');
  const lines: string[] = [];
  const errors: string[] = [];
  const [log, write] = [console.log, process.stderr.write];
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  process.stderr.write = ((s: string) => errors.push(s.replace(/\n$/, '')) > 0) as typeof process.stderr.write;
  let codes: number[];
  try {
    codes = [
      await main(['export', dir, '--round', '1', '--format', 'onnx', '--out', out, '--json']),
      await main(['export', dir, '--round', '4', '--format', 'onnx', '--out', out]),
      await main(['export', dir, '--round', '1', '--format', 'tflite', '--out', out]),
    ];
  } finally {
    [console.log, process.stderr.write] = [log, write];
  }
  assert.equal(codes, [0, 2, 2], errors.join('\n'));
  const summary = JSON.parse(lines[0]);
  assert.is(summary.format, 'onnx');
  assert.is(Buffer.compare(readFileSync(out), onnxModelFromRun(dir, { round: 1 }).bytes), 0, 'the file holds the model');
  assert.is(errors.length, 2, errors.join('\n'));
  assert.ok(errors.every((e) => !e.includes('\n') && !/\bat \w/.test(e)), errors.join('\n'));
  assert.match(errors.join(' '), /round 4/);
  assert.match(errors.join(' '), /--format.*tflite/);
  const session = await ortWeb.InferenceSession.create(readFileSync(out));
  assert.equal(session.inputNames, ['input']);
  await session.release();
  // ResNet-20's residual blocks have no model.lth (nor ONNX) export: refused, naming the model
  const store = new MemoryStore('resnet');
  prunedRun(store, 'resnet20', [3, 8, 8], 0.5, 0.25);
  assert.throws(() => onnxModelFromRun(store, { round: 1 }), (e: Error) => e instanceof UserError && /model 'resnet20'.*BasicBlock.*not residual blocks/.test(e.message) && !e.message.includes('\n'), 'ResNet-20 refused, naming the model and why');
});

test('LTH_VERSION is package.json version', () => {
  assert.is(LTH_VERSION, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
});

test.run();
