import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lrAt, lrSchedule } from '../../src/optim/schedule.ts';

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('constant without warmup or milestones', () => {
  const f = lrSchedule({ lr: 3e-4 });
  for (const t of [1, 2, 1000, 30000]) assert.is(f(t), 3e-4);
});

test('step decay: milestones 80K and 120K, gamma 0.1 (the VGG-19 recipe)', () => {
  const f = lrSchedule({ lr: 0.1, milestones: [80000, 120000], gamma: 0.1 });
  near(f(1), 0.1, 't=1');
  near(f(80000), 0.1, 'last step before the milestone');
  near(f(80001), 0.01, 'first step after');
  near(f(120000), 0.01, 't=120000');
  near(f(120001), 0.001, 't=120001');
  near(f(160000), 0.001, 'end');
});

test('linear warmup ramps to the base rate, then milestones apply on top', () => {
  const f = lrSchedule({ lr: 0.1, warmupIterations: 10000, milestones: [20000], gamma: 0.5 });
  near(f(1), 0.1 / 10000, 't=1');
  near(f(5000), 0.05, 'halfway');
  near(f(10000), 0.1, 'end of warmup');
  near(f(15000), 0.1, 'after warmup');
  near(f(20001), 0.05, 'after the milestone');
  near(lrAt({ lr: 1, warmupIterations: 4, milestones: [2] }, 3), 0.75 * 0.1, 'warmup and decay together (default gamma 0.1)');
});

test('bad schedules are UserErrors naming the problem', () => {
  assert.throws(() => lrSchedule({ lr: 0.1, milestones: [200, 100] }), /ascending/);
  assert.throws(() => lrSchedule({ lr: 0.1, milestones: [0] }), /ascending integers >= 1/);
  assert.throws(() => lrSchedule({ lr: 0.1, gamma: 0 }), /gamma/);
  assert.throws(() => lrSchedule({ lr: 0.1, warmupIterations: 1.5 }), /warmup/);
  assert.throws(() => lrSchedule({ lr: 0 }), /positive/);
});

test.run();
