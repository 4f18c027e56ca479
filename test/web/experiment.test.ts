// The browser's experiment is the real runner: a tab preset with the form's overrides, run into
// a MemoryStore on the dataset the worker builds from the fetched digits (here from the package's
// files), gives the IMP chain with its controls and competitors, and the page's downloads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { readEmbeddedDigits } from '../../src/data/mnist-embedded-file.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { branchNames } from '../../src/experiment/config.ts';
import { decodeSafetensors } from '../../src/experiment/io/safetensors.ts';
import { datasetOptions } from '../../src/experiment/pieces.ts';
import { presets } from '../../src/experiment/presets.ts';
import { writeReport } from '../../src/experiment/report/report.ts';
import { type RunEvent, runExperiment } from '../../src/experiment/runner.ts';
import { runKeys } from '../../src/experiment/store/keys.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';
import { decodeSparseModel } from '../../src/infer/format.ts';
import type { PieceResult } from '../../src/experiment/pieces.ts';
import { TAB_LIMITS, embeddedMnistFor, webBranches, webConfig, webDownloads, webPresets } from '../../src/web/experiment.ts';
import type { RunSettings } from '../../src/web/protocol.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const form: RunSettings = {
  backend: 'wasm', preset: 'quick', branches: ['ticket', 'reinit', 'snip', 'set'], widthMultiplier: 1, dataset: 'mnist-embedded',
  rounds: 2, iterations: 30, evaluations: 3, trials: 1, seed: 0,
};

test('the page offers every preset whose data a tab has (capped for a tab) and every branch', () => {
  const offered = webPresets();
  assert.equal(offered.map((p) => p.name).sort(), ['compare', 'conv-quick', 'lenet300-paper', 'quick', 'vit-quick']);
  assert.ok(Object.keys(presets).some((n) => !offered.some((p) => p.name === n)), 'CIFAR-10 presets are not offered');
  const paper = offered.find((p) => p.name === 'lenet300-paper')!;
  assert.equal([paper.rounds, paper.iterations], [TAB_LIMITS.rounds, TAB_LIMITS.iterations]);
  assert.equal(offered.find((p) => p.name === 'conv-quick')!.model, 'conv2');
  assert.equal(webBranches().map((b) => b.name), [...branchNames]);
  assert.ok(webBranches().every((b) => b.label.length > 0 && b.description.length > 0));
});

test('webConfig: the preset with the form on top; tfjs trains dense; a preset without tab data is refused', () => {
  const c = webConfig(form);
  assert.equal([c.name, c.model, c.iterations, c.evalEvery, c.pruning.rounds, c.kernels, c.seed], ['quick', 'lenet300', 30, 10, 2, 'auto', 0]);
  assert.equal(c.pruning.rates, { default: 0.2, output: 0.1 });
  assert.equal(c.branches, ['ticket', 'reinit', 'snip', 'set']);
  assert.is(webConfig({ ...form, backend: 'tfjs-webgl' }).kernels, 'dense');
  // compare's fine-tuning (500 iterations) follows a shorter tab run
  assert.is(webConfig({ ...form, preset: 'compare' }).fineTune.iterations, 0);
  throwsUser(() => webConfig({ ...form, preset: 'conv2-paper' }), ["preset 'conv2-paper' trains on 'cifar10'", 'quick']);
});

test('the worker\'s dataset is the one Node loads for the config', async () => {
  const cfg = webConfig(form);
  const fromDigits = embeddedMnistFor(cfg, await readEmbeddedDigits());
  const loaded = await loadDataset(cfg.dataset, datasetOptions(cfg));
  assert.equal([fromDigits.train.n, fromDigits.val.n, fromDigits.test.n], [loaded.train.n, loaded.val.n, loaded.test.n]);
  assert.ok(fromDigits.val.x.every((v, i) => v === loaded.val.x[i]) && fromDigits.train.y.every((v, i) => v === loaded.train.y[i]));
});

test('a tab run: dense round, pruned tickets (20% hidden / 10% output), reinit and competitors, and the downloads', async () => {
  const cfg = webConfig(form);
  const data = embeddedMnistFor(cfg, await readEmbeddedDigits());
  const store = new MemoryStore(cfg.name);
  const events: RunEvent[] = [];
  for await (const ev of runExperiment(cfg, store, { backend: await createBackend('wasm'), data })) events.push(ev);
  const results = events.flatMap((e): PieceResult[] => (e.kind === 'pieceDone' ? [e.result] : []));
  assert.equal(results.map((r) => `${r.round}/${r.branch}`), ['0/ticket', '1/ticket', '1/reinit', '1/snip', '1/set', '2/ticket', '2/reinit', '2/snip', '2/set']);
  // 784*300 + 300*100 + 100*10 weights; round 1 keeps 80% of the hidden ones and 90% of the output's
  const total = 784 * 300 + 300 * 100 + 100 * 10;
  const r1 = (0.8 * (784 * 300 + 300 * 100) + 0.9 * 1000) / total;
  assert.ok(Math.abs(results[1].weightsRemaining - r1) < 1e-9, String(results[1].weightsRemaining));
  for (const r of results.slice(2, 5)) assert.ok(Math.abs(r.weightsRemaining - r1) < 1e-3, `${r.branch} at the ticket's size: ${r.weightsRemaining}`);
  assert.ok(results[5].weightsRemaining < results[1].weightsRemaining);
  for (const r of results) {
    assert.equal(r.evals.map((e) => e.iteration), [10, 20, 30]);
    assert.ok(r.testAccuracyAtEarlyStop > 0.3, `${r.round}/${r.branch}: ${r.testAccuracyAtEarlyStop}`);
  }
  assert.is(events.filter((e) => e.kind === 'iteration' && e.testAccuracy !== undefined).length, 27);

  writeReport(store);
  const files = webDownloads(store, cfg);
  assert.equal(files.map((f) => f.name), ['summary.json', 'metrics.jsonl', 'config.json', 'report.html', 'masks.safetensors', 'model.lth']);
  const masks = decodeSafetensors(files[4].bytes);
  assert.equal(masks.tensors['fc3.weight'].shape, [10, 100]);
  assert.is((masks.tensors['fc3.weight'].data as Uint8Array).reduce((a, v) => a + v, 0), 810); // 1000 -> 900 -> 810
  assert.equal(masks.metadata, { model: 'lenet300', widthMultiplier: '1', backend: 'wasm', round: '2' });
  assert.equal(masks.tensors['fc1.weight'].data, store.getMasks(runKeys.mask(2, 0))['fc1.weight']);
  const model = decodeSparseModel(files[5].bytes);
  assert.is(model.info.run, 'memory:quick');
  assert.is(model.info.round, '2');
  const summary = JSON.parse(new TextDecoder().decode(files[0].bytes));
  assert.equal(Object.keys(summary.rounds[2].branches), ['ticket', 'reinit', 'snip', 'set']);
});

test.run();
