import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { configDifferences, describeDifferences } from '../../src/experiment/config-diff.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { rejectsUser } from '../fixtures/user-error.ts';

const base = {
  name: 'first',
  model: 'lenet300',
  widthMultiplier: 0.1,
  dataset: 'synthetic',
  iterations: 20,
  evalEvery: 10,
  batchSize: 30,
  kernels: 'dense',
  pruning: { rounds: 1, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket'],
};

const tmp = mkdtempSync(join(tmpdir(), 'lth-first-'));

async function drain(cfg: unknown, out: string): Promise<number> {
  let pieces = 0;
  for await (const ev of runExperiment(resolveConfig(cfg), out)) if (ev.kind === 'pieceDone') pieces++;
  return pieces;
}

const failures: [string, Record<string, unknown>, string[]][] = [
  ['unknown model', { model: 'lenet9000' }, ["unknown model 'lenet9000'"]],
  ['unknown dataset', { dataset: 'imagenet' }, ["unknown dataset 'imagenet'"]],
  ['unknown backend', { backend: 'cuda' }, ['unknown backend "cuda"']],
  ['batch size over the training split', { batchSize: 100000 }, ["'batchSize'", '100000']],
  ['rewind point at the end of training', { pruning: { rounds: 1, rewindIteration: 20 } }, ["'pruning.rewindIteration'"]],
];
for (const [what, change, parts] of failures) {
  test(`a start that fails (${what}) writes nothing; the corrected config then runs in the same directory`, async () => {
    const out = join(tmp, what.replace(/\W+/g, '-'));
    await rejectsUser(drain({ ...base, ...change }, out), parts);
    assert.not.ok(existsSync(out), 'no directory, no config.json, no round-0 mask');
    assert.is(await drain(base, out), 2);
    assert.ok(existsSync(join(out, 'config.json')));
  });
}

test('a failed start into an existing empty directory leaves it empty', async () => {
  const out = join(tmp, 'existing');
  mkdirSync(out);
  await rejectsUser(drain({ ...base, model: 'nope' }, out), ["unknown model 'nope'"]);
  assert.equal(readdirSync(out), []);
});

test('a different config is refused naming the differing fields, saved and given values', async () => {
  const out = join(tmp, 'differs');
  await drain(base, out);
  await rejectsUser(drain({ ...base, iterations: 30 }, out), ['holds a different config: iterations (saved 20, given 30); resume with the same settings']);
  await rejectsUser(drain({ ...base, pruning: { ...base.pruning, rounds: 3 }, seed: 7 }, out), ['pruning.rounds (saved 1, given 3)', 'seed (saved 1, given 7)']);
  const many = { ...base, iterations: 30, evalEvery: 5, batchSize: 20, seed: 9, model: 'conv2' };
  const msg = await rejectsUser(drain(many, out), ['and 2 more']);
  assert.match(msg, /: model \(saved "lenet300", given "conv2"\), iterations \(saved 20, given 30\), batchSize \(saved 30, given 20\) and 2 more;/);
  // the refusal changed nothing: the same config still resumes, with nothing to redo
  assert.is(await drain(base, out), 0);
});

test('a damaged config.json is refused with the fix, and nothing in the directory changes', async () => {
  const out = join(tmp, 'damaged-config');
  await drain(base, out);
  const path = join(out, 'config.json');
  writeFileSync(path, readFileSync(path, 'utf8').slice(0, 50));
  const before = readdirSync(out).sort();
  await rejectsUser(drain(base, out), [path, 'is not valid JSON', 'move it away to start the run over, or pass another --out directory']);
  writeFileSync(path, '[1, 2]');
  await rejectsUser(drain(base, out), [path, 'does not hold a config object']);
  assert.equal(readdirSync(out).sort(), before);
});

test('configDifferences walks nested objects; arrays compare whole; missing fields show as nothing', () => {
  const d = configDifferences({ a: 1, o: { x: [1, 2], y: 'k' }, gone: true }, { a: 1, o: { x: [1, 3], y: 'k' }, added: 2 });
  assert.equal(d.map((x) => x.path), ['o.x', 'added', 'gone']);
  assert.is(describeDifferences(d, 2), 'o.x (saved [1,2], given [1,3]), added (saved nothing, given 2) and 1 more');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
