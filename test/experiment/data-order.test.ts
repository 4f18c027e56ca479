// The batch order of a piece: per round by default (rounds independent, the branches of a
// round identical: common random numbers for a ticket and its controls), one order for every
// round with `dataOrder: 'fixed'`; derived orders (late rewinding, instability) follow the round.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Batcher } from '../../src/data/batcher.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { type BranchName, resolveConfig } from '../../src/experiment/config.ts';
import { trialRngs } from '../../src/experiment/pieces.ts';
import type { Rng } from '../../src/util/rng.ts';

const data = await loadDataset('synthetic');

/** The labels of the batches of iterations from+1..from+count drawn from `rng`: a fingerprint of the order. */
function batches(rng: Rng, from = 0, count = 3): number[][] {
  const b = new Batcher(data.train, 60, rng);
  b.seek(from);
  return Array.from({ length: count }, () => Array.from(b.next().y));
}

const order = (cfg: object, round: number, branch: BranchName = 'ticket', trial = 0) => batches(trialRngs(resolveConfig(cfg), trial, round, branch).data);

test('by default every round of a trial draws its own batch order', () => {
  const rounds = [0, 1, 2].map((r) => order({}, r));
  assert.not.equal(rounds[1], rounds[0]);
  assert.not.equal(rounds[2], rounds[1]);
  assert.not.equal(rounds[2], rounds[0]);
  assert.equal(order({}, 1), rounds[1], 'a function of seed and round: a resumed piece sees the same');
  assert.not.equal(order({}, 1, 'ticket', 1), rounds[1], 'trials differ');
  assert.not.equal(order({ seed: 2 }, 1), rounds[1], 'seeds differ');
});

test('the branches of one round see the same batches', () => {
  const branches: BranchName[] = ['ticket', 'reinit', 'randomPrune', 'instability', 'fineTune', 'snip', 'rigl'];
  for (const r of [0, 2]) {
    const ticket = order({}, r);
    for (const br of branches) assert.equal(order({}, r, br), ticket, `round ${r} ${br}`);
  }
});

test("dataOrder: 'fixed' keeps one order for every round (the old behaviour)", () => {
  const fixed = { dataOrder: 'fixed' };
  const r0 = order(fixed, 0);
  for (const r of [1, 2, 5]) assert.equal(order(fixed, r, 'reinit'), r0);
  assert.not.equal(order(fixed, 0, 'ticket', 1), r0, 'trials still differ');
});

test('late rewinding: a pruned round continues its own order at the rewind point; instability splits it', () => {
  const k = 70; // past the first epoch's 66 batches of 60
  const rngs = (r: number) => trialRngs(resolveConfig({}), 0, r, 'ticket').data;
  const r1 = rngs(1);
  assert.equal(batches(r1, k), batches(r1, 0, k + 3).slice(k), 'seek(k) is batch k+1.. of the round order');
  assert.not.equal(batches(r1, k), batches(rngs(0), k), "not round 0's continuation");
  const second = (r: number) => batches(trialRngs(resolveConfig({}), 0, r, 'instability').data.split('second data order'), k);
  assert.not.equal(second(1), batches(r1, k), 'the second copy of the instability branch sees other batches');
  assert.not.equal(second(1), second(2), 'and its order follows the round too');
});

test('the config field is validated and documented', () => {
  assert.is(resolveConfig({}).dataOrder, 'perRound');
  assert.is(resolveConfig({}).valSplit, 'seeded');
  assert.throws(() => resolveConfig({ dataOrder: 'perBranch' }), /dataOrder/);
  assert.throws(() => resolveConfig({ valSplit: 'random' }), /valSplit/);
});

test.run();
