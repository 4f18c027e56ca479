import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tmp = mkdtempSync(join(tmpdir(), 'lth-cli-diverge-'));

function lth(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main-node.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lth train that diverges exits 1 with one line naming the iteration and the fix', () => {
  // the issue's own repro: plain SGD at lr 1000 on the embedded MNIST gives NaN within a few steps
  const r = lth('train', '--optimizer', 'sgd', '--lr', '1000', '--iterations', '300');
  assert.is(r.code, 1, `exit code (stderr: ${r.stderr})`);
  assert.is(r.stdout, '', 'no accuracy report for a diverged run');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^lth: diverged at iteration \d+ \(loss (NaN|-?Infinity)\); lower the learning rate$/);
});

test('lth run: a diverged trial is one warning line, the run completes, a restart says it again', () => {
  const cfg = join(tmp, 'diverging.json');
  writeFileSync(cfg, JSON.stringify({
    name: 'diverging', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', iterations: 19, evalEvery: 5, batchSize: 30, kernels: 'dense',
    seed: 3, trials: 2, optimizer: { kind: 'sgd', lr: 4, momentum: 0.9, weightDecay: 0.1 }, pruning: { rounds: 1, rates: { default: 0.5, output: 0.2 } }, branches: ['ticket'],
  }));
  const out = join(tmp, 'run');
  const first = lth('run', cfg, '--out', out, '--json');
  assert.is(first.code, 0, first.stderr);
  assert.not.match(first.stderr, /\n\s+at /);
  assert.match(first.stderr, /^lth: round 0 trial 1 ticket: diverged at iteration \d+ \(loss \w+\), left out of the means; 1 later piece of trial 1 builds on it and is not run; lower the learning rate$/m);
  const summary = JSON.parse(first.stdout).summary;
  assert.equal(summary.rounds[0].diverged.map((d: { trial: number }) => d.trial), [1]);
  const again = lth('run', cfg, '--out', out, '--json');
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stderr, /^lth: round 0 trial 1 ticket: diverged at iteration \d+ \(loss \w+\) \(recorded by an earlier run\)/m);
  assert.equal(JSON.parse(again.stdout).summary.rounds.length, 2);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
