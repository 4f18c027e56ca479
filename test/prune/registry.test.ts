// The pruning registries (strategies, schedules, scorers, rewiring methods): each entry
// describes itself, lookups of unknown keys are one-line errors listing the valid keys, the
// config accepts exactly their keys, and each scorer scores every mask position.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { experimentSchema, pruningSchema, resolveConfig } from '../../src/experiment/config.ts';
import { Linear, ReLU, Sequential } from '../../src/nn/layers.ts';
import { initParameters } from '../../src/nn/module.ts';
import { applyMasks } from '../../src/prune/apply.ts';
import { pruneGlobal, pruneLayerwise } from '../../src/prune/magnitude.ts';
import { type Masks, countOnes, fullMasks } from '../../src/prune/masks.ts';
import { rewireMethods, rewireNames } from '../../src/prune/rewirers.ts';
import { pruneSchedules, scheduleNames } from '../../src/prune/schedules.ts';
import { type Scorer, scorerNames, scorers } from '../../src/prune/scorers.ts';
import { pruneStrategies, strategyNames } from '../../src/prune/strategies.ts';
import { type Described, byName, describeKeys, lookup } from '../../src/util/registry.ts';
import { Rng } from '../../src/util/rng.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const registries: Record<string, Record<string, Described>> = { 'pruning strategy': pruneStrategies, 'pruning schedule': pruneSchedules, scorer: scorers, 'rewiring method': rewireMethods };

for (const [what, reg] of Object.entries(registries)) {
  test(`${what}: every entry has a description, and the help line names each with it`, () => {
    const keys = Object.keys(reg);
    assert.ok(keys.length >= 2);
    const help = describeKeys(reg);
    for (const [k, e] of Object.entries(reg)) {
      assert.ok(e.description.trim().length > 0, k);
      assert.ok(help.includes(`${k}: ${e.description}`), `${k} in ${help}`);
    }
  });

  test(`${what}: an unknown key is a one-line error naming it and listing the valid keys`, () => {
    throwsUser(() => lookup(reg, 'noSuchThing', what), [`unknown ${what} 'noSuchThing'`, ...Object.keys(reg)]);
    assert.is(lookup(reg, Object.keys(reg)[0], what), Object.values(reg)[0]);
  });
}

test('the name lists are the registries\' keys', () => {
  assert.equal(strategyNames, Object.keys(pruneStrategies));
  assert.equal(scheduleNames, Object.keys(pruneSchedules));
  assert.equal(scorerNames, Object.keys(scorers));
  assert.equal(rewireNames, Object.keys(rewireMethods));
});

test('config pruning.strategy and pruning.schedule accept exactly the registries\' keys, with their help', () => {
  for (const strategy of strategyNames) assert.is(resolveConfig({ pruning: { strategy } }).pruning.strategy, strategy);
  for (const schedule of scheduleNames) assert.is(resolveConfig({ pruning: { schedule } }).pruning.schedule, schedule);
  throwsUser(() => resolveConfig({ pruning: { strategy: 'random' } }), ["'pruning.strategy'", ...strategyNames, '"random"']);
  throwsUser(() => resolveConfig({ pruning: { schedule: 'cubic' } }), ["'pruning.schedule'", ...scheduleNames, '"cubic"']);
  for (const [k, e] of Object.entries(pruneStrategies)) assert.ok(pruningSchema.strategy.help.includes(`${k}: ${e.description}`));
  for (const [k, e] of Object.entries(pruneSchedules)) assert.ok(pruningSchema.schedule.help.includes(`${k}: ${e.description}`));
  assert.ok(experimentSchema.pruning.default.strategy in pruneStrategies);
});

test('byName keys entries by name in order and refuses a name registered twice', () => {
  const r = byName([{ name: 'a', v: 1 }, { name: 'b', v: 2 }], 'thing');
  assert.equal(Object.keys(r), ['a', 'b']);
  assert.throws(() => byName([{ name: 'a' }, { name: 'a' }], 'thing'), /thing 'a' is registered twice/);
});

test('strategies prune as the magnitude functions they wrap', () => {
  const rng = new Rng(3);
  const scores = { a: Float32Array.from({ length: 20 }, () => rng.next()), b: Float32Array.from({ length: 10 }, () => rng.next()), c: Float32Array.from({ length: 5 }, () => rng.next()) };
  const masks = fullMasks({ a: 20, b: 10, c: 5 });
  const perLayer = { a: 0.5, b: 0.2, c: 0 };
  assert.equal(pruneStrategies.layerwise.prune(scores, masks, { perLayer, global: 0.3 }), pruneLayerwise(scores, masks, perLayer));
  const global = pruneStrategies.global.prune(scores, masks, { perLayer, global: 0.3 });
  assert.equal(global, pruneGlobal(scores, masks, 0.3, (n) => n !== 'c'));
  assert.is(countOnes(global.c), 5, 'a layer at rate 0 is never pruned');
});

test('schedules: iterative prunes the last mask by the trained ticket; oneShot the full mask by the dense network, r rounds at once', () => {
  const prev: Masks = { w: Uint8Array.from([1, 0, 1, 1]) };
  const trained = { w: Float32Array.from([1, 2, 3, 4]) };
  const dense = { w: Float32Array.from([4, 3, 2, 1]) };
  const it = pruneSchedules.iterative.plan(3, prev, trained, dense);
  assert.is(it.base, prev);
  assert.is(it.source, trained);
  assert.is(it.steps, 1);
  const os = pruneSchedules.oneShot.plan(3, prev, trained, dense);
  assert.equal(Array.from(os.base.w), [1, 1, 1, 1]);
  assert.is(os.source, dense);
  assert.is(os.steps, 3);
});

test('every scorer scores every position of every mask, finitely, leaving the weights unchanged', async () => {
  const b = await createBackend('js');
  const model = new Sequential([new Linear(b, 'fc1', 4, 6, true), new ReLU(), new Linear(b, 'fc2', 6, 3, true)]);
  const net = { model, params: model.parameters() };
  initParameters(b, net.params, new Rng(1));
  const masks = fullMasks(Object.fromEntries(net.params.filter((p) => p.prunable).map((p) => [p.name, p.size])));
  applyMasks(b, net.params, masks);
  const before = net.params.map((p) => Array.from(b.read(p.tensor.buf)));
  const data = new Rng(2);
  const batches = [{ x: Float32Array.from({ length: 8 }, () => data.next() - 0.5), y: Float32Array.from([0, 2]), n: 2 }];
  for (const name of scorerNames) {
    const scorer: Scorer = scorers[name];
    const scores = scorer.score({ b, net, masks, batches: scorer.usesData ? batches : [], features: 4, inputShape: [4], rng: new Rng(5) });
    assert.equal(Object.keys(scores), Object.keys(masks), name);
    for (const [k, m] of Object.entries(masks)) {
      assert.is(scores[k].length, m.length, `${name} ${k}`);
      assert.ok(scores[k].every(Number.isFinite), `${name} ${k} finite`);
    }
    if (scorer.pruneTo) {
      const pruned = scorer.pruneTo({ b, net, masks, batches: [], features: 4, inputShape: [4], rng: new Rng(5) }, 0.5, 3);
      const kept = Object.values(pruned).reduce((s, m) => s + countOnes(m), 0);
      assert.is(kept, Math.round(0.5 * (24 + 18)), `${name} prunes to the density`);
    }
    assert.equal(net.params.map((p) => Array.from(b.read(p.tensor.buf))), before, `${name} leaves the weights`);
  }
  const magnitude = scorers.magnitude.score({ b, net, masks, batches: [], features: 4, inputShape: [4], rng: new Rng(5) });
  assert.equal(Array.from(magnitude['fc1.weight']), before[0].map(Math.abs));
});

test.run();
