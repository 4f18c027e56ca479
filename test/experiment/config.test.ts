import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig, resolveConfig } from '../../src/experiment/config.ts';
import { presetConfig, presets } from '../../src/experiment/presets.ts';

test('defaults are the paper LeNet-300-100 settings', () => {
  const c = defaultConfig();
  assert.is(c.model, 'lenet300');
  assert.is(c.optimizer.kind, 'adam');
  assert.is(c.optimizer.lr, 1.2e-3);
  assert.is(c.batchSize, 60);
  assert.is(c.iterations, 50000);
  assert.is(c.evalEvery, 100);
  assert.equal(c.pruning.rates, { default: 0.2, output: 0.1 });
});

test('presets resolve; lenet300-paper carries the paper hyperparameters', () => {
  for (const name of Object.keys(presets)) presetConfig(name);
  const p = presetConfig('lenet300-paper');
  assert.is(p.iterations, 50000);
  assert.is(p.optimizer.lr, 1.2e-3);
  assert.is(p.batchSize, 60);
  const q = presetConfig('quick', { pruning: { rounds: 2 } });
  assert.is(q.pruning.rounds, 2);
  assert.equal(q.pruning.rates, { default: 0.2, output: 0.1 });
});

test('bad fields give errors naming the field and what was expected', () => {
  assert.throws(() => resolveConfig({ itertions: 5 }), /unknown field 'itertions'/);
  assert.throws(() => resolveConfig({ pruning: { rate: 1.5 } }), /'pruning\.rate': expected a number in \(0, 1\), got 1\.5/);
  assert.throws(() => resolveConfig({ pruning: { rates: { fc1: 1 } } }), /'pruning\.rates\.fc1'/);
  assert.throws(() => resolveConfig({ pruning: { bogus: 1 } }), /unknown field 'pruning\.bogus'/);
  assert.throws(() => resolveConfig({ iterations: 'many' }), /'iterations': expected an integer/);
  assert.throws(() => resolveConfig({ branches: ['ticket', 'nope'] }), /'branches\[1\]'/);
  assert.throws(() => resolveConfig([]), /expected an object/);
});

test('the ticket branch is always run', () => {
  assert.equal(resolveConfig({ branches: ['reinit'] }).branches, ['ticket', 'reinit']);
});

test.run();
