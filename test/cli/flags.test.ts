// Flag values outside the config schema's ranges are one-line errors naming the flag and the
// range (before: `--width=-1` crashed with a stack trace, `--dropout 1.5` trained, seeds wrapped).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fieldFlag } from '../../src/cli/args.ts';
import { experimentSchema as E, MAX_ITERATIONS, MAX_SEED, optimizerSchema as O } from '../../src/experiment/config.ts';
import { assertUserError, lthInProcess, lthSpawn } from '../fixtures/cli.ts';
import { throwsUser } from '../fixtures/user-error.ts';

test('fieldFlag checks a flag with its config field: the same range, named by flag', () => {
  assert.is(fieldFlag({ dropout: '0.5' }, 'dropout', E.dropout), 0.5);
  assert.is(fieldFlag({}, 'iterations', E.iterations, 3000), 3000);
  assert.is(fieldFlag({ iterations: '1e3' }, 'iterations', E.iterations), 1000);
  assert.equal(fieldFlag({ milestones: '10,20' }, 'milestones', O.milestones), [10, 20]);
  assert.is(fieldFlag({ normalize: 'true' }, 'normalize', E.normalize), true);
  assert.is(fieldFlag({ normalize: 'channel' }, 'normalize', E.normalize), 'channel');
  throwsUser(() => fieldFlag({ dropout: '1' }, 'dropout', E.dropout), ['--dropout: expected a number in [0, 1)', "got '1'"]);
  throwsUser(() => fieldFlag({ lr: '' }, 'lr', O.lr), ['--lr: expected a number in (0, 1000000)']);
  throwsUser(() => fieldFlag({ lr: 'Infinity' }, 'lr', O.lr), ['--lr', "got 'Infinity'"]);
  throwsUser(() => fieldFlag({ seed: String(MAX_SEED + 1) }, 'seed', E.seed), ['--seed', `[0, ${MAX_SEED}]`]);
  throwsUser(() => fieldFlag({ milestones: '10,x' }, 'milestones', O.milestones), ['--milestones', "'10,x'"]);
});

test('lth train rejects out-of-range values with one line naming the flag and the range', async () => {
  const cases: [string[], string[]][] = [
    [['--width=-1'], ['--width', '(0, 64]', "'-1'"]],
    [['--width', '0'], ['--width', '(0, 64]']],
    [['--dropout', '1.5'], ['--dropout', '[0, 1)']],
    [['--dropout=-0.5'], ['--dropout', '[0, 1)']],
    [['--momentum=-3'], ['--momentum', '[0, 1]']],
    [['--iterations', '1e20'], ['--iterations', `[1, ${MAX_ITERATIONS}]`]],
    [['--seed', '4294967297'], ['--seed', `[0, ${MAX_SEED}]`]],
    [['--seed=-1'], ['--seed']],
    [['--lr', '0'], ['--lr', '(0, 1000000)']],
    [['--gamma', '2'], ['--gamma']],
    [['--crop', '100'], ['--crop', '[0, 64]']],
    [['--optimizer', 'rmsprop'], ['--optimizer', 'adam, sgd']],
  ];
  for (const [flags, parts] of cases) assertUserError(await lthInProcess('train', ...flags), parts);
});

test('lth run flags share the config ranges: --seed, --iterations, --rounds, --kernels', async () => {
  assertUserError(await lthInProcess('run', 'quick', '--seed', '4294967297'), ['--seed', `[0, ${MAX_SEED}]`]);
  assertUserError(await lthInProcess('run', 'quick', '--iterations', '100000000000000000000'), ['--iterations', String(MAX_ITERATIONS)]);
  assertUserError(await lthInProcess('run', 'quick', '--rounds', '201'), ['--rounds', '[0, 200]']);
  assertUserError(await lthInProcess('run', 'quick', '--kernels', 'fast'), ['--kernels', 'auto, dense, sparse']);
  assertUserError(await lthInProcess('run', 'quick', '--seed', String(MAX_SEED), '--trials', '2'), ["'seed'", 'seed + t']);
});

test('the real process: lth train --width=-1 is one line, exit 2', () => {
  assertUserError(lthSpawn('train', '--width=-1'), ['--width', '(0, 64]']);
});

test.run();
