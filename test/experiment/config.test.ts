import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_ITERATIONS, MAX_SEED, defaultConfig, resolveConfig, resolveWithOverrides } from '../../src/experiment/config.ts';
import { merge, showValue } from '../../src/experiment/schema.ts';
import { throwsUser } from '../fixtures/user-error.ts';
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

test('a config file that is not an object is an error, with or without flag overrides', () => {
  // before: the merge with the (empty) overrides replaced it, giving the default 50,000-iteration run
  for (const v of [[1, 2, 3], null, 'hello', 5]) {
    throwsUser(() => resolveWithOverrides(v, {}), ['config: expected an object at the top level', `got ${JSON.stringify(v)}`]);
    throwsUser(() => resolveWithOverrides(v, { iterations: 10 }), ['top level']);
  }
});

test('an override cannot replace a bad section: {"pruning": 5} with --rounds', () => {
  throwsUser(() => resolveWithOverrides({ pruning: 5 }, { pruning: { rounds: 2 } }), ["config field 'pruning': expected an object, got 5"]);
  throwsUser(() => merge({ pruning: { rates: 'x' } }, { pruning: { rates: { fc1: 0.1 } } }), ["'pruning.rates'"]);
  assert.is(resolveWithOverrides({ pruning: { rate: 0.3 } }, { pruning: { rounds: 2 } }).pruning.rounds, 2);
  assert.is(resolveWithOverrides({ pruning: { rate: 0.3 } }, { pruning: { rounds: 2 } }).pruning.rate, 0.3);
});

test('a branch listed twice is an error naming it (not silently dropped)', () => {
  throwsUser(() => resolveConfig({ branches: ['ticket', 'reinit', 'reinit'] }), ["'branches[2]'", '"reinit"', 'branches[1]']);
  throwsUser(() => resolveConfig({ branches: ['reinit', 'ticket', 'ticket'] }), ["'branches[2]'", '"ticket"']);
});

test('the run name is one safe path segment', () => {
  for (const name of ['../../escape', '..', '.', 'a/b', 'a\\b', '', '/abs', 'with space']) {
    throwsUser(() => resolveConfig({ name }), ["config field 'name'", 'one path segment']);
  }
  assert.is(resolveConfig({ name: 'my_run-2.v1' }).name, 'my_run-2.v1');
});

test('non-finite values read as themselves, not null', () => {
  assert.is(showValue(Infinity), 'Infinity');
  assert.is(showValue(-Infinity), '-Infinity');
  assert.is(showValue(NaN), 'NaN');
  // JSON.parse('1e999') is Infinity; JSON.stringify printed it as null
  throwsUser(() => resolveConfig(JSON.parse('{"optimizer": {"lr": 1e999}}')), ["'optimizer.lr'", 'got Infinity']);
  throwsUser(() => resolveConfig({ pruning: { rates: { fc1: -Infinity } } }), ["'pruning.rates.fc1'", 'got -Infinity']);
  throwsUser(() => resolveConfig({ optimizer: { milestones: [10, Infinity] } }), ["'optimizer.milestones[1]'", 'got Infinity']);
});

test('ranges: seeds are 32-bit, iterations capped, dropout below 1, width above 0', () => {
  throwsUser(() => resolveConfig({ seed: MAX_SEED + 2 }), ["'seed'", `[0, ${MAX_SEED}]`]);
  assert.is(resolveConfig({ seed: MAX_SEED }).seed, MAX_SEED);
  throwsUser(() => resolveConfig({ seed: MAX_SEED, trials: 2 }), ["'seed'", 'seed + t']);
  throwsUser(() => resolveConfig({ iterations: 1e20 }), ["'iterations'", `[1, ${MAX_ITERATIONS}]`]);
  throwsUser(() => resolveConfig({ dropout: 1 }), ["'dropout'", '[0, 1)']);
  throwsUser(() => resolveConfig({ widthMultiplier: 0 }), ["'widthMultiplier'", '(0, 64]']);
  assert.is(resolveConfig({ widthMultiplier: 64 }).widthMultiplier, 64);
});

test.run();
