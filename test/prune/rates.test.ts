// Per-layer pruning rates: every key of a rate spec must name something in the model.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveRates, validRateKeys } from '../../src/prune/rates.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const lenet = [
  { name: 'fc1.weight', shape: [300, 784] },
  { name: 'fc2.weight', shape: [100, 300] },
  { name: 'fc3.weight', shape: [10, 100] },
];

test('a rate key that names no parameter or layer is an error naming it and the valid keys', () => {
  // before: "fc9" was ignored and fc1..fc3 silently took the default rate
  const msg = throwsUser(() => resolveRates({ default: 0.2, fc9: 0.5 }, lenet), ["'pruning.rates.fc9'", 'fc1.weight', 'fc1', 'output', 'conv', 'fc', 'default']);
  assert.ok(msg.includes('fc3'), msg);
  throwsUser(() => resolveRates({ 'fc1.bias': 0.5, default: 0.2 }, lenet, 'rates'), ["'rates.fc1.bias'"]);
});

test('every valid key form resolves: parameter, layer, output, kind, default', () => {
  assert.equal(validRateKeys(lenet), ['fc1.weight', 'fc1', 'fc2.weight', 'fc2', 'fc3.weight', 'fc3', 'output', 'conv', 'fc', 'default']);
  assert.equal(resolveRates({ 'fc1.weight': 0.5, fc2: 0.4, output: 0.1, conv: 0.3, fc: 0.2 }, lenet), { 'fc1.weight': 0.5, 'fc2.weight': 0.4, 'fc3.weight': 0.1 });
});

test.run();
