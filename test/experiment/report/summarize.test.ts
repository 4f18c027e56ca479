import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summarizeTrials } from '../../../src/experiment/report/summarize.ts';
import type { TrialResult } from '../../../src/experiment/report/types.ts';

const trial = (seed: number, es: number, acc: number, final: number, wallSeconds?: number): TrialResult => ({
  seed,
  earlyStopIteration: es,
  testAccuracyAtEarlyStop: acc,
  valLossAtEarlyStop: 0.1,
  finalTestAccuracy: final,
  ...(wallSeconds === undefined ? {} : { wallSeconds }),
});

test('means, minima and maxima over trials', () => {
  const s = summarizeTrials([trial(0, 1000, 0.9, 0.88, 10), trial(1, 3000, 0.96, 0.95, 14), trial(2, 2000, 0.93, 0.92, 12)]);
  assert.is(s.earlyStopIteration, 2000);
  assert.is(s.earlyStopIterationMin, 1000);
  assert.is(s.earlyStopIterationMax, 3000);
  assert.ok(Math.abs(s.testAccuracyAtEarlyStop - 0.93) < 1e-12);
  assert.is(s.testAccuracyAtEarlyStopMin, 0.9);
  assert.is(s.testAccuracyAtEarlyStopMax, 0.96);
  assert.ok(Math.abs(s.finalTestAccuracy - (0.88 + 0.95 + 0.92) / 3) < 1e-12);
  assert.is(s.wallSeconds, 12);
  assert.is(s.trials.length, 3);
  assert.is(s.trials[1]!.seed, 1);
});

test('one trial: mean = min = max', () => {
  const s = summarizeTrials([trial(7, 500, 0.8, 0.79)]);
  assert.is(s.earlyStopIteration, 500);
  assert.is(s.earlyStopIterationMin, 500);
  assert.is(s.testAccuracyAtEarlyStopMax, 0.8);
  assert.is(s.wallSeconds, undefined);
});

test('wallSeconds only when every trial has it; trials are copied', () => {
  const input = [trial(0, 1, 0.5, 0.5, 3), trial(1, 1, 0.5, 0.5)];
  const s = summarizeTrials(input);
  assert.not.ok('wallSeconds' in s);
  s.trials[0]!.seed = 99;
  assert.is(input[0]!.seed, 0);
});

test('no trials is an error', () => {
  assert.throws(() => summarizeTrials([]), /no trials/);
});

test.run();
