// Two-class runs (spam vs ham) carry the test F1 at early stop in piece extras: the terminal
// table gets an F1 column and the report an F1 plot with the dense round-0 line; other runs don't.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summarizeTrials } from '../../../src/experiment/report/summarize.ts';
import { renderTable } from '../../../src/experiment/report/table.ts';
import { renderPlots } from '../../../src/experiment/report/plots.ts';
import type { Summary } from '../../../src/experiment/report/types.ts';

function summary(withF1: boolean): Summary {
  const trial = (acc: number, f1: number) => ({ seed: 1, earlyStopIteration: 100, testAccuracyAtEarlyStop: acc, valLossAtEarlyStop: 0.1, finalTestAccuracy: acc, ...(withF1 ? { extras: { testF1: f1 } } : {}) });
  return {
    name: 'spam',
    rounds: [
      { round: 0, weightsRemaining: 1, branches: { ticket: summarizeTrials([trial(0.98, 0.953)]) } },
      { round: 1, weightsRemaining: 0.5, branches: { ticket: summarizeTrials([trial(0.975, 0.941)]), randomPrune: summarizeTrials([trial(0.9, 0.8)]) } },
    ],
  };
}

test('the table shows F1@es per branch when pieces report an F1, and not otherwise', () => {
  const t = renderTable(summary(true));
  assert.match(t, /F1@es/);
  assert.match(t, /95\.30/);
  assert.match(t, /80\.00/);
  assert.not.match(renderTable(summary(false)), /F1@es/);
});

test('the F1 plot has a series per branch and the dense round-0 line', () => {
  const plots = renderPlots(summary(true), []);
  assert.ok(plots.f1 !== undefined);
  assert.match(plots.f1!, /dense \(round 0\)/);
  assert.match(plots.accuracy, /dense \(round 0\)/);
  assert.is(renderPlots(summary(false), []).f1, undefined);
});

test.run();
