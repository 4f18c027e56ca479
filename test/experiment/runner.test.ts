import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { loadMasks, loadWeights, RunDir } from '../../src/experiment/store.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { countOnes } from '../../src/prune/masks.ts';
import type { Summary } from '../../src/experiment/report/types.ts';

const tiny = {
  name: 'tiny',
  model: 'lenet300',
  widthMultiplier: 0.1,
  dataset: 'synthetic',
  iterations: 60,
  evalEvery: 20,
  batchSize: 30,
  pruning: { rounds: 3, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit', 'randomPrune'],
  trials: 2,
};

/** The summary without wall-clock fields, the only ones that differ between runs. */
function deterministic(s: Summary): unknown {
  return JSON.parse(JSON.stringify(s, (k, v) => (k === 'wallSeconds' ? undefined : v)));
}

async function drain(gen: AsyncGenerator<unknown, void>, stopAfter = Infinity): Promise<number> {
  let n = 0;
  for await (const ev of gen) {
    if ((ev as { kind: string }).kind === 'pieceDone' && ++n >= stopAfter) break;
  }
  return n;
}

const tmp = mkdtempSync(join(tmpdir(), 'lth-runner-'));

test('a run writes config, masks, rewind weights, summary and metrics with exact prune counts', async () => {
  const cfg = resolveConfig(tiny);
  const out = join(tmp, 'full');
  await drain(runExperiment(cfg, out));
  const dir = new RunDir(out);
  const summary = JSON.parse(readFileSync(dir.summary, 'utf8')) as Summary;
  assert.is(summary.rounds.length, 4);
  assert.equal(Object.keys(summary.rounds[0].branches), ['ticket']);
  assert.equal(Object.keys(summary.rounds[3].branches), ['ticket', 'reinit', 'randomPrune']);
  assert.is(summary.rounds[1].branches.ticket.trials.length, 2);
  // fc1 [30,784]: 23520 -> 11760 -> 5880 -> 2940; output fc3 [10,10]: 100 -> 80 -> 64 -> 51
  const expect = [
    [23520, 100],
    [11760, 80],
    [5880, 64],
    [2940, 51],
  ];
  expect.forEach(([fc1, fc3], r) => {
    const m = loadMasks(dir.mask(r, 1));
    assert.is(countOnes(m['fc1.weight']), fc1);
    assert.is(countOnes(m['fc3.weight']), fc3);
  });
  // pruned weights of the trained ticket are exactly zero
  const w = loadWeights(dir.finalWeights(2, 0, 'ticket'));
  const m = loadMasks(dir.mask(2, 0));
  for (const name of Object.keys(m)) m[name].forEach((keep, i) => keep || assert.is(w[name][i], 0));
  const metrics = readFileSync(dir.metrics, 'utf8').trim().split('\n');
  // 2 trials x (1 + 3 rounds x 3 branches) pieces x 3 evaluations
  assert.is(metrics.length, 2 * 10 * 3);
  assert.ok(readdirSync(out).includes('report.html') === false); // the CLI writes the report, not the runner
});

test('resuming after an interruption gives the same summary and skips finished pieces', async () => {
  const cfg = resolveConfig(tiny);
  const out = join(tmp, 'resumed');
  assert.is(await drain(runExperiment(cfg, out), 9), 9);
  let skipped = 0;
  let trained = 0;
  for await (const ev of runExperiment(cfg, out)) {
    if (ev.kind === 'piece' && ev.skipped) skipped++;
    if (ev.kind === 'pieceDone') trained++;
  }
  assert.is(skipped, 9);
  assert.is(trained, 20 - 9);
  const a = JSON.parse(readFileSync(join(tmp, 'full', 'summary.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(deterministic(b), deterministic(a));
});

test('a different config in the same directory is refused', async () => {
  const cfg = resolveConfig({ ...tiny, iterations: 40 });
  try {
    await drain(runExperiment(cfg, join(tmp, 'full')));
    assert.unreachable();
  } catch (e) {
    assert.match(String(e), /different config/);
  }
});

test('kill -9 of the CLI during round 2, then the same command: same summary as uninterrupted', async () => {
  const cfgPath = join(tmp, 'tiny.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(cfgPath, JSON.stringify(tiny));
  const out = join(tmp, 'killed');
  const args = ['--import', 'tsx', 'src/cli/main-node.ts', 'run', cfgPath, '--out', out];
  const killed = await new Promise<boolean>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      // round 2 has begun once round 1's last piece reported; kill during round 2's first piece
      if (!sent && /round 1 trial 1 randomPrune/.test(err)) {
        sent = true;
        setTimeout(() => child.kill('SIGKILL'), 30);
      }
    });
    child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL'));
  });
  assert.ok(killed, 'the run was killed');
  const code = await new Promise<number | null>((resolve) => {
    spawn(process.execPath, args, { stdio: 'ignore' }).on('exit', (c) => resolve(c));
  });
  assert.is(code, 0);
  const a = JSON.parse(readFileSync(join(tmp, 'full', 'summary.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.equal(deterministic(b), deterministic(a));
  assert.ok(readdirSync(out).includes('report.html'));
});

test('fine-tune branch: its own mask chain from the trained weights, same per-layer counts as the ticket, no rewinding', async () => {
  const cfg = resolveConfig({ ...tiny, branches: ['fineTune'], trials: 1, pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } }, fineTune: { iterations: 40 } });
  const out = join(tmp, 'finetune');
  await drain(runExperiment(cfg, out));
  const dir = new RunDir(out);
  for (const r of [1, 2]) {
    const ft = loadMasks(join(dir.piece(r, 0), 'fineTune.mask.safetensors'));
    const ticket = loadMasks(dir.mask(r, 0));
    for (const name of Object.keys(ticket)) assert.is(countOnes(ft[name]), countOnes(ticket[name]));
  }
  // round 1 prunes the trained dense network: its mask keeps the largest trained weights
  const dense = loadWeights(dir.finalWeights(0, 0, 'ticket'));
  const m1 = loadMasks(join(dir.piece(1, 0), 'fineTune.mask.safetensors'));
  let minKept = Infinity;
  let maxPruned = 0;
  dense['fc1.weight'].forEach((v, i) => (m1['fc1.weight'][i] ? (minKept = Math.min(minKept, Math.abs(v))) : (maxPruned = Math.max(maxPruned, Math.abs(v)))));
  assert.ok(maxPruned <= minKept);
  const piece = JSON.parse(readFileSync(dir.result(2, 0, 'fineTune'), 'utf8'));
  assert.equal(piece.evals.map((e: { iteration: number }) => e.iteration), [20, 40]);
});

test('one-shot schedule: each round prunes the trained dense network straight to its size', async () => {
  const cfg = resolveConfig({ ...tiny, branches: ['ticket'], trials: 1, pruning: { rounds: 2, schedule: 'oneShot', rates: { default: 0.5, output: 0.2 } } });
  const out = join(tmp, 'oneshot');
  await drain(runExperiment(cfg, out));
  const dir = new RunDir(out);
  const dense = loadWeights(dir.finalWeights(0, 0, 'ticket'));
  const m2 = loadMasks(dir.mask(2, 0));
  assert.is(countOnes(m2['fc1.weight']), 23520 - Math.round(0.75 * 23520));
  assert.is(countOnes(m2['fc3.weight']), 100 - Math.round(0.36 * 100));
  let minKept = Infinity;
  let maxPruned = 0;
  dense['fc1.weight'].forEach((v, i) => (m2['fc1.weight'][i] ? (minKept = Math.min(minKept, Math.abs(v))) : (maxPruned = Math.max(maxPruned, Math.abs(v)))));
  assert.ok(maxPruned <= minKept, 'kept weights are the largest of the dense trained network');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
