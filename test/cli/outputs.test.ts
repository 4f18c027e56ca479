// Files the CLI writes or reads that the user names: a bad place is one line naming the flag,
// the path and what is wrong, exit 2, never a stack trace (before: EISDIR/EACCES/ENOENT traces).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSplits } from '../../src/data/check-splits.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { encodeSparseModel, type SparseModelSpec } from '../../src/infer/format.ts';
import { assertUserError, lthInProcess, lthSpawn } from '../fixtures/cli.ts';
import { writeIdxDir } from '../fixtures/idx.ts';
import { rejectsUser, throwsUser } from '../fixtures/user-error.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-outputs-'));
const aFile = join(tmp, 'a-file.txt');
writeFileSync(aFile, 'not a directory');
const cfgFile = join(tmp, 'tiny.json');
writeFileSync(cfgFile, JSON.stringify({ name: 'tiny', dataset: 'synthetic', widthMultiplier: 0.1, iterations: 10, evalEvery: 10, pruning: { rounds: 0 }, branches: ['ticket'] }));

test('lth export --out: a directory, an unwritable place, a path through a file', async () => {
  const run = join(tmp, 'run');
  for await (const _ of runExperiment(resolveConfig(JSON.parse(readFileSync(cfgFile, 'utf8'))), run)) void _;
  const exp = (out: string) => lthInProcess('export', run, '--round', '0', '--out', out);
  assertUserError(await exp(tmp), [`--out ${tmp}: is a directory`, join(tmp, 'model.lth')]);
  assertUserError(await exp('/sys/x'), ['--out /sys/x', 'its folder /sys', 'writable']);
  assertUserError(await exp(join(aFile, 'model.lth')), [`--out ${join(aFile, 'model.lth')}`, 'has a file where a folder should be']);
  assertUserError(await exp(''), ['--out: expected a file path, got an empty string']);
  const ok = await exp(join(tmp, 'sub', 'model.lth'));
  assert.is(ok.code, 0, ok.stderr);
});

test('lth run --out: empty, an existing file, an unwritable place', async () => {
  assertUserError(await lthInProcess('run', cfgFile, '--out', ''), ['--out: expected a directory path, got an empty string']);
  assertUserError(await lthInProcess('run', cfgFile, '--out', aFile), [`--out ${aFile}: is a file, not a directory`]);
  assertUserError(await lthInProcess('run', cfgFile, '--out', join(aFile, 'sub')), [`--out ${join(aFile, 'sub')}`, 'has a file where a folder should be']);
  assertUserError(await lthInProcess('run', cfgFile, '--out', '/sys/nope'), ['--out /sys/nope', 'not writable']);
  assertUserError(await lthInProcess('instability', cfgFile, '--rewind', '0', '--out', aFile), ['--out', 'is a file']);
});

test('the real process: lth run --out /sys/nope is one line, exit 2', () => {
  assertUserError(lthSpawn('run', cfgFile, '--out', '/sys/nope'), ['--out /sys/nope']);
});

// A one-layer model.lth whose weights hold `bad` at values[1].
function tinyModel(bad: number): Uint8Array {
  const spec: SparseModelSpec = {
    model: 'tiny', dataset: 'synthetic', normalize: false, inputShape: [4], numClasses: 2, info: {},
    layers: [{ kind: 'linear', name: 'fc1', relu: false, inFeatures: 4, outFeatures: 2, rowPtr: Int32Array.from([0, 2, 3]), colIdx: Int32Array.from([0, 3, 1]), values: Float32Array.from([0.5, bad, 1]), bias: new Float32Array(2) }],
  };
  return encodeSparseModel(spec);
}

test('lth infer: errors start with the model file path; NaN or infinite weights are rejected naming the tensor', async () => {
  const garbage = join(tmp, 'garbage.lth');
  writeFileSync(garbage, Buffer.from([1, 2, 3]));
  assertUserError(await lthInProcess('infer', garbage), [`lth: ${garbage}: `, '3 bytes']);
  const nan = join(tmp, 'nan.lth');
  writeFileSync(nan, tinyModel(NaN));
  assertUserError(await lthInProcess('infer', nan), [`lth: ${nan}: `, '"fc1.values"', 'NaN', 'index 1']);
  writeFileSync(nan, tinyModel(-Infinity));
  assertUserError(await lthInProcess('infer', nan), ['"fc1.values"', '-Infinity']);
  assertUserError(await lthInProcess('infer', join(tmp, 'missing.lth')), [join(tmp, 'missing.lth'), 'does not exist']);
});

test('a dataset with an empty split is rejected at load, naming the dataset and the split', async () => {
  const dir = writeIdxDir({ train: 48, test: 0, rows: 3, cols: 3 });
  await rejectsUser(loadDataset(`idx:${dir}`), [`dataset 'idx:${dir}'`, 'test split is empty']);
  rmSync(dir, { recursive: true, force: true });
  // the loaders keep train and validation non-empty; the check covers every split anyway
  const ds = await loadDataset('synthetic', { synthetic: { train: 20, val: 5, test: 5 } });
  throwsUser(() => checkSplits('x', { ...ds, val: { ...ds.val, n: 0 } }), ["dataset 'x'", 'validation split', 'empty']);
  throwsUser(() => checkSplits('x', { ...ds, train: { ...ds.train, n: 0 } }), ['train split is empty']);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
