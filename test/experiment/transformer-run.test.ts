// A whole transformer experiment on toy token data (issue 16): MLM pre-training per trial, IMP on
// the downstream task rewinding to the pre-trained weights with global pruning of a share of the
// original weights per round, the random-pruning and reinit controls, and the MLM ticket.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../src/experiment/config.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';
import { runKeys } from '../../src/experiment/store/keys.ts';
import { countOnes } from '../../src/prune/masks.ts';
import type { Summary } from '../../src/experiment/report/types.ts';
import { toyMlmDataset, toyTextDataset } from '../fixtures/text.ts';
import { encodeWeights } from '../../src/experiment/store/tensors.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cfg = resolveConfig({
  name: 'bert-toy',
  model: 'bert',
  dataset: 'toy-text',
  transformer: { layers: 1, heads: 2, hidden: 16, ffn: 24 },
  iterations: 40,
  evalEvery: 20,
  batchSize: 20,
  optimizer: { lr: 3e-3 },
  pretrain: { dataset: 'toy-text-mlm', iterations: 30, evalEvery: 15 },
  mlmTicket: { iterations: 10 },
  pruning: { strategy: 'global', rate: 0.3, rateOf: 'original', rounds: 2 },
  branches: ['ticket', 'randomPrune', 'reinit', 'mlmTicket'],
  kernels: 'dense',
  trials: 1,
});

const PRUNABLE = ['attn.q', 'attn.k', 'attn.v', 'attn.o', 'ffn.fc1', 'ffn.fc2'].map((m) => `layer0.${m}.weight`);

test('bert with MLM pre-training, IMP rewinding to the pre-trained weights, controls and the MLM ticket', async () => {
  const store = new MemoryStore();
  for await (const _ of runExperiment(cfg, store, { data: toyTextDataset(), pretrainData: toyMlmDataset() })) void _;
  const pre = store.getWeights(runKeys.pretrained(0));
  const rewind = store.getWeights(runKeys.rewind(0));
  // The rewind point is the pre-trained encoder with a fresh classifier head.
  assert.ok('mlm.decoder.weight' in pre && !('classifier.weight' in pre));
  for (const name of ['embed.tokens', 'embed.positions', ...PRUNABLE]) assert.equal(Array.from(rewind[name]), Array.from(pre[name]), name);
  assert.ok('classifier.weight' in rewind && 'pooler.weight' in rewind);
  // Global pruning of 30% of the original prunable weights per round: exact counts, encoder matrices only.
  const total = 4 * 16 * 16 + 2 * 16 * 24;
  const cut = Math.round(0.3 * total);
  for (const r of [1, 2]) {
    const m = store.getMasks(runKeys.mask(r, 0));
    assert.equal(Object.keys(m).sort(), [...PRUNABLE].sort());
    assert.is(Object.values(m).reduce((s, x) => s + countOnes(x), 0), total - r * cut, `round ${r}`);
    const mlm = store.getMasks(runKeys.branchMask(r, 0, 'mlmTicket'));
    assert.is(Object.values(mlm).reduce((s, x) => s + countOnes(x), 0), total - r * cut, `MLM ticket round ${r}`);
    // found on another task: not the downstream ticket's mask
    assert.ok(PRUNABLE.some((k) => m[k].some((v, i) => v !== mlm[k][i])), `round ${r}: the MLM mask differs from the ticket's`);
  }
  // The MLM chain trains round 1 (pruned in round 2), not the last round.
  assert.ok(store.has(runKeys.weights(1, 0, 'mlmTicket')) && !store.has(runKeys.weights(2, 0, 'mlmTicket')));
  const summary = JSON.parse(store.getText(runKeys.summary)!) as Summary;
  assert.equal(Object.keys(summary.rounds[2].branches).sort(), ['mlmTicket', 'randomPrune', 'reinit', 'ticket']);
  for (const r of summary.rounds) {
    for (const [b, s] of Object.entries(r.branches)) {
      const f1 = s.extras?.testF1;
      assert.ok(f1 !== undefined && f1.mean >= 0 && f1.mean <= 1, `round ${r.round} ${b} has a test F1`);
    }
  }
});

test('mlmTicket without pretrain.dataset is a one-line config error', async () => {
  const bad = resolveConfig({ ...cfg, pretrain: { dataset: '' } });
  let err: Error | undefined;
  try {
    for await (const _ of runExperiment(bad, new MemoryStore(), { data: toyTextDataset() })) void _;
  } catch (e) {
    err = e as Error;
  }
  assert.match(String(err?.message), /mlmTicket.*pretrain\.dataset/);
});

test('pretrain.weights: a bert-pretrain-style run\'s weights are the start instead of pre-training; a mismatch names the file', async () => {
  // The pre-training run: the MLM data as the run's own dataset, round 0 only.
  const preCfg = resolveConfig({ ...cfg, name: 'pre', dataset: 'toy-text-mlm', pretrain: { dataset: '' }, branches: ['ticket'], pruning: { rounds: 0 } });
  const preStore = new MemoryStore();
  for await (const _ of runExperiment(preCfg, preStore, { data: toyMlmDataset() })) void _;
  const trained = preStore.getWeights(runKeys.weights(0, 0, 'ticket'));
  const dir = mkdtempSync(join(tmpdir(), 'lth-pretrained-'));
  const file = join(dir, 'pre.safetensors');
  writeFileSync(file, encodeWeights(trained, Object.fromEntries(Object.entries(trained).map(([k, v]) => [k, shapeOf(k, v.length)]))));
  const downCfg = resolveConfig({ ...cfg, pretrain: { dataset: 'toy-text-mlm', weights: file }, branches: ['ticket'], pruning: { rounds: 0 } });
  const store = new MemoryStore();
  for await (const _ of runExperiment(downCfg, store, { data: toyTextDataset(), pretrainData: toyMlmDataset() })) void _;
  const rewind = store.getWeights(runKeys.rewind(0));
  for (const name of ['embed.tokens', ...PRUNABLE]) assert.equal(Array.from(rewind[name]), Array.from(trained[name]), name);
  // Another encoder size: one line naming the file.
  const wide = resolveConfig({ ...downCfg, transformer: { layers: 1, heads: 2, hidden: 8, ffn: 24 } });
  let err: Error | undefined;
  try {
    for await (const _ of runExperiment(wide, new MemoryStore(), { data: toyTextDataset(), pretrainData: toyMlmDataset() })) void _;
  } catch (e) {
    err = e as Error;
  }
  assert.match(String(err?.message), new RegExp(`${file.replace(/[.]/g, '\\.')}.*embed\\.`));
  rmSync(dir, { recursive: true, force: true });
});

// The shapes of the toy run's tensors (hidden 16, ffn 24, vocab 16, seqLen 8).
function shapeOf(name: string, n: number): number[] {
  if (name.endsWith('.weight') && name.includes('fc1')) return [24, 16];
  if (name.endsWith('.weight') && name.includes('fc2')) return [16, 24];
  if (name === 'mlm.decoder.weight') return [16, 16];
  if (name === 'embed.tokens') return [16, 16];
  if (name === 'embed.positions') return [8, 16];
  if (name.endsWith('.weight')) return [16, 16];
  return [n];
}

test.run();
