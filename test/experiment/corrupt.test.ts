import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { loadSafetensors, saveSafetensors } from '../../src/experiment/io/safetensors-file.ts';
import type { SafeTensor } from '../../src/experiment/io/safetensors.ts';
import type { Summary } from '../../src/experiment/report/types.ts';
import { type RunEvent, runExperiment } from '../../src/experiment/runner.ts';
import { RunDir } from '../../src/experiment/store.ts';

// Forced dense kernels: a recomputed piece is bit-identical to the first computation.
const cfg = resolveConfig({
  name: 'corrupt',
  model: 'lenet300',
  widthMultiplier: 0.1,
  dataset: 'synthetic',
  iterations: 40,
  evalEvery: 20,
  batchSize: 30,
  kernels: 'dense',
  pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit', 'fineTune'],
  trials: 1,
});

const tmp = mkdtempSync(join(tmpdir(), 'lth-corrupt-'));
const full = join(tmp, 'full');
// Runs stopped after round 0's ticket, after round 1's ticket, and after round 1's last piece.
const partial = { round0: join(tmp, 'p0'), ticket1: join(tmp, 'p1'), round1: join(tmp, 'p2') };

async function events(out: string, stopAfter = Infinity): Promise<RunEvent[]> {
  const got: RunEvent[] = [];
  let done = 0;
  for await (const ev of runExperiment(cfg, out)) {
    got.push(ev);
    if (ev.kind === 'pieceDone' && ++done >= stopAfter) break;
  }
  return got;
}

const summaryOf = (out: string): unknown => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'), (k, v) => (k === 'wallSeconds' ? undefined : v)) as Summary;
const trained = (evs: RunEvent[]): string[] => evs.flatMap((e) => (e.kind === 'pieceDone' ? [`${e.result.round}/${e.result.branch}`] : []));
const corrupt = (evs: RunEvent[]) => evs.flatMap((e) => (e.kind === 'corrupt' ? [e] : []));

/** Copies a run directory, damages one file in it, resumes it; returns the resumed run's events. */
async function damagedResume(from: string, name: string, damage: (dir: RunDir) => string): Promise<{ evs: RunEvent[]; path: string; out: string }> {
  const out = join(tmp, name);
  cpSync(from, out, { recursive: true });
  const path = damage(new RunDir(out));
  return { evs: await events(out), path, out };
}

/** Rewrites the tensors of a safetensors file through `edit`. */
function editTensors(path: string, edit: (t: Record<string, SafeTensor>) => void): void {
  const f = loadSafetensors(path);
  edit(f.tensors);
  saveSafetensors(path, f.tensors, f.metadata);
}

test.before(async () => {
  await events(full);
  // pieces in order: r0 ticket | r1 ticket, reinit, fineTune | r2 ...
  for (const [out, n] of [[partial.round0, 1], [partial.ticket1, 2], [partial.round1, 4]] as const) await events(out, n);
});

const resultDamage: [string, (path: string) => void][] = [
  ['{}', (p) => writeFileSync(p, '{}')],
  ['truncated', (p) => writeFileSync(p, readFileSync(p, 'utf8').slice(0, 200))],
  ['empty', (p) => writeFileSync(p, '')],
  ['wrong field type', (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/"evals": \[/, '"evals": "none", "x": ['))],
];
for (const [kind, damage] of resultDamage) {
  test(`a result file damaged (${kind}) is moved aside, reported and recomputed: same summary`, async () => {
    const { evs, path, out } = await damagedResume(full, `result-${kind}`, (dir) => {
      const p = dir.result(1, 0, 'reinit');
      damage(p);
      return p;
    });
    assert.equal(corrupt(evs).map((e) => [e.path, e.movedTo]), [[path, `${path}.corrupt`]]);
    assert.ok(existsSync(`${path}.corrupt`), 'the bad file is kept for inspection');
    assert.equal(trained(evs), ['1/reinit'], 'only the damaged piece is recomputed');
    assert.equal(evs.find((e) => e.kind === 'start'), { kind: 'start', totalPieces: 7, donePieces: 6 });
    assert.equal(summaryOf(out), summaryOf(full));
  });
}

test('a second damage of the same file keeps the first .corrupt and numbers the next', async () => {
  const out = join(tmp, 'result-{}');
  const path = new RunDir(out).result(1, 0, 'reinit');
  writeFileSync(path, '');
  const evs = await events(out);
  assert.equal(corrupt(evs).map((e) => e.movedTo), [`${path}.corrupt.2`]);
  assert.equal(summaryOf(out), summaryOf(full));
});

const maskDamage: [string, (t: Record<string, SafeTensor>) => void][] = [
  ['values 7', (t) => t['fc1.weight'].data.forEach((v, i, a) => (a[i] = v * 7))],
  ['wrong length', (t) => (t['fc1.weight'] = { dtype: 'U8', shape: [t['fc1.weight'].data.length - 1], data: t['fc1.weight'].data.slice(1) })],
  ['wrong tensor name', (t) => { t['fc1.weights'] = t['fc1.weight']; delete t['fc1.weight']; }],
];
for (const [kind, damage] of maskDamage) {
  test(`a round mask with ${kind} is moved aside and recomputed from the round before: same summary`, async () => {
    // round 1's ticket is done, its reinit and fine-tuning not: they read the damaged mask
    const { evs, path, out } = await damagedResume(partial.ticket1, `mask-${kind}`, (dir) => {
      const p = dir.mask(1, 0);
      editTensors(p, damage);
      return p;
    });
    assert.equal(corrupt(evs).map((e) => [e.path, e.movedTo]), [[path, `${path}.corrupt`]]);
    assert.match(corrupt(evs)[0].reason, kind === 'values 7' ? /holds 7/ : kind === 'wrong length' ? /shape \[23519\], expected \[30, 784\]/ : /no tensor 'fc1.weight'/);
    assert.equal(trained(evs), ['1/reinit', '1/fineTune', '2/ticket', '2/reinit', '2/fineTune']);
    assert.equal(summaryOf(out), summaryOf(full));
  });
}

test('damaged ticket.final weights (needed for the next mask): that ticket piece is redone', async () => {
  const { evs, path, out } = await damagedResume(partial.round1, 'final', (dir) => {
    const p = dir.finalWeights(1, 0, 'ticket');
    writeFileSync(p, readFileSync(p).subarray(0, 1000));
    return p;
  });
  assert.equal(corrupt(evs).map((e) => [e.path, e.movedTo]), [[path, `${path}.corrupt`]]);
  assert.equal(trained(evs), ['1/ticket', '2/ticket', '2/reinit', '2/fineTune']);
  assert.equal(summaryOf(out), summaryOf(full));
});

test('rewind weights with a wrong tensor name or missing: the round-0 ticket is redone', async () => {
  const renamed = await damagedResume(partial.round0, 'rewind', (dir) => {
    const p = dir.rewind(0);
    editTensors(p, (t) => { t['fc2.bias2'] = t['fc2.bias']; delete t['fc2.bias']; });
    return p;
  });
  assert.equal(corrupt(renamed.evs).map((e) => [e.path, e.movedTo]), [[renamed.path, `${renamed.path}.corrupt`]]);
  assert.equal(trained(renamed.evs), ['0/ticket', '1/ticket', '1/reinit', '1/fineTune', '2/ticket', '2/reinit', '2/fineTune']);
  assert.equal(summaryOf(renamed.out), summaryOf(full));
  const missing = await damagedResume(partial.round0, 'rewind-missing', (dir) => {
    rmSync(dir.rewind(0));
    return dir.rewind(0);
  });
  assert.equal(corrupt(missing.evs).map((e) => [e.path, e.reason, e.movedTo]), [[missing.path, 'missing', undefined]]);
  assert.equal(summaryOf(missing.out), summaryOf(full));
});

test('fine-tuning reads its previous round: damaged fineTune weights redo that piece', async () => {
  const { evs, path, out } = await damagedResume(partial.round1, 'finetune', (dir) => {
    const p = dir.finalWeights(1, 0, 'fineTune');
    editTensors(p, (t) => (t['fc1.weight'].data[5] = NaN));
    return p;
  });
  assert.equal(corrupt(evs).map((e) => e.path), [path]);
  assert.match(corrupt(evs)[0].reason, /NaN at index 5/);
  assert.equal(trained(evs), ['2/ticket', '2/reinit', '1/fineTune', '2/fineTune']);
  assert.equal(summaryOf(out), summaryOf(full));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
