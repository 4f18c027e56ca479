import { readFileSync } from 'node:fs';
import { loadDataset } from '../data/registry.ts';
import { specDensity } from '../infer/format.ts';
import { type SparseModel, loadSparseModel } from '../infer/sparse-model.ts';
import { UserError } from '../util/errors.ts';
import { intFlag, parse } from './args.ts';
import type { Command } from './commands.ts';
import { describeFsError, fsErrorOf } from './fs-errors.ts';

// Rows timed one at a time for the batch-1 latency.
const LATENCY_ROWS = 200;

/** Fraction of rows whose logits' argmax (first on ties) equals the label. */
function accuracy(logits: Float32Array, labels: Float32Array, c: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let arg = 0;
    for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + arg]) arg = j;
    if (arg === labels[i]) correct++;
  }
  return labels.length > 0 ? correct / labels.length : NaN;
}

/** Seconds to predict all n rows of x in batches of `batch`, and the logits. */
function timed(model: SparseModel, x: Float32Array, n: number, batch: number): { seconds: number; logits: Float32Array } {
  const k = model.inputSize;
  const logits = new Float32Array(n * model.numClasses);
  const t0 = performance.now();
  for (let i = 0; i < n; i += batch) {
    const rows = Math.min(batch, n - i);
    logits.set(model.predict(x.subarray(i * k, (i + rows) * k), rows), i * model.numClasses);
  }
  return { seconds: (performance.now() - t0) / 1000, logits };
}

/** `lth infer`: accuracy and speed of a model.lth on a dataset's test split. */
export const inferCommand: Command = {
  usage: 'infer <model.lth> [--dataset D] [--batch N] [--json]',
  summary: 'run a sparse model on the test split: accuracy, throughput, batch-1 latency',
  options: {
    dataset: { type: 'string', arg: 'D', help: 'dataset whose test split to run (default: the one the model was trained on; see lth datasets)' },
    batch: { type: 'string', arg: 'N', help: 'rows per forward pass for the throughput measurement [default: 60]' },
    json: { type: 'boolean', default: false, help: 'print the result as JSON' },
  },
  examples: ['infer model.lth', 'infer model.lth --dataset idx:./data/mnist --batch 100 --json'],
  async run(argv) {
    const { values, positionals } = parse('infer', argv, this.options);
    if (positionals.length !== 1) throw new UserError(`lth infer: expected one model file, got ${positionals.length}`);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(positionals[0]);
    } catch (e) {
      const fe = fsErrorOf(e);
      throw new UserError(fe ? `cannot read model file: ${describeFsError(fe)}` : `cannot read model file ${positionals[0]}`);
    }
    const model = await loadSparseModel(bytes, undefined, positionals[0]);
    const spec = model.spec;
    const name = values.dataset === undefined ? spec.dataset : String(values.dataset);
    const data = await loadDataset(name, { normalize: spec.normalize });
    const test = data.test;
    if (test.n > 0 && test.x.length / test.n !== model.inputSize) {
      throw new UserError(`dataset '${name}' has ${test.x.length / test.n} features per example, the model takes ${model.inputSize}`);
    }
    const batch = intFlag(values, 'batch', 60, 1);
    timed(model, test.x, Math.min(test.n, 4 * batch), batch); // warm-up: wasm tier-up
    const run = timed(model, test.x, test.n, batch);
    const one = timed(model, test.x, Math.min(test.n, LATENCY_ROWS), 1);
    const out = {
      model: spec.model,
      dataset: data.name,
      density: specDensity(spec),
      examples: test.n,
      testAccuracy: accuracy(run.logits, test.y, model.numClasses),
      batch,
      examplesPerSecond: test.n / run.seconds,
      batch1LatencyMs: (one.seconds * 1000) / Math.max(1, Math.min(test.n, LATENCY_ROWS)),
    };
    model.dispose();
    if (values.json) {
      console.log(JSON.stringify(out));
    } else {
      console.log(`${out.model} (${(out.density * 100).toFixed(2)}% of weights) on ${out.dataset} test, ${out.examples} examples`);
      console.log(`  accuracy ${(out.testAccuracy * 100).toFixed(2)}%`);
      console.log(`  ${out.examplesPerSecond.toFixed(0)} examples/s at batch ${batch}; ${(out.batch1LatencyMs * 1000).toFixed(1)} µs per example at batch 1`);
    }
    return 0;
  },
};
