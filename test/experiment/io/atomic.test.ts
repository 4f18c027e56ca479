import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendJsonl, readJsonIfExists, readJsonl, writeFileAtomic, writeJsonAtomic } from '../../../src/experiment/io/atomic.ts';
import { UserError } from '../../../src/util/errors.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lth-atomic-'));
  dirs.push(d);
  return d;
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('writeFileAtomic replaces content and leaves no temp file', () => {
  const d = tempDir();
  const p = join(d, 'a.txt');
  writeFileAtomic(p, 'first');
  writeFileAtomic(p, 'second, longer content');
  assert.is(readFileSync(p, 'utf8'), 'second, longer content');
  writeFileAtomic(p, new Uint8Array([104, 105]));
  assert.is(readFileSync(p, 'utf8'), 'hi');
  assert.equal(readdirSync(d), ['a.txt']);
});

test('writeFileAtomic creates parent directories', () => {
  const d = tempDir();
  const p = join(d, 'round-3', 'trial-0', 'x.bin');
  writeFileAtomic(p, 'x');
  assert.is(readFileSync(p, 'utf8'), 'x');
});

test('a failed write leaves the old file and no temp file', () => {
  const d = tempDir();
  const p = join(d, 'target');
  writeFileAtomic(p, 'old');
  // Renaming a file over a non-empty directory fails after the temp file was written.
  const blocked = join(d, 'blocked');
  writeFileAtomic(join(blocked, 'inner'), 'x');
  assert.throws(() => writeFileAtomic(blocked, 'new'));
  assert.is(readFileSync(p, 'utf8'), 'old');
  assert.equal(readdirSync(d).sort(), ['blocked', 'target']);
});

test('writeJsonAtomic writes 2-space JSON and readJsonIfExists reads it back', () => {
  const d = tempDir();
  const p = join(d, 'x.json');
  assert.is(readJsonIfExists(p), undefined);
  writeJsonAtomic(p, { a: [1, 2], b: { c: 'd' } });
  assert.is(readFileSync(p, 'utf8'), '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {\n    "c": "d"\n  }\n}\n');
  assert.equal(readJsonIfExists(p), { a: [1, 2], b: { c: 'd' } });
});

test('readJsonIfExists names the file when it is not JSON', () => {
  const d = tempDir();
  const p = join(d, 'bad.json');
  writeFileSync(p, '{"a":');
  const err = catchError(() => readJsonIfExists(p));
  assert.instance(err, UserError);
  assert.ok(err.message.includes(p), err.message);
});

test('appendJsonl appends lines that readJsonl reads in order', () => {
  const d = tempDir();
  const p = join(d, 'sub', 'm.jsonl');
  for (let i = 0; i < 5; i++) appendJsonl(p, { i, s: `line ${i}` });
  assert.equal(readJsonl(p), [0, 1, 2, 3, 4].map((i) => ({ i, s: `line ${i}` })));
  assert.is(readFileSync(p, 'utf8').split('\n').length, 6);
});

test('readJsonl skips a torn final line', () => {
  const d = tempDir();
  const p = join(d, 'm.jsonl');
  appendJsonl(p, { a: 1 });
  appendJsonl(p, { a: 2 });
  appendFileSync(p, '{"a":3,"b":');
  assert.equal(readJsonl(p), [{ a: 1 }, { a: 2 }]);
  // Even a final line that parses is uncommitted until its newline is written.
  writeFileSync(p, '{"a":1}\n{"a":2}');
  assert.equal(readJsonl(p), [{ a: 1 }]);
});

test('appendJsonl after a torn line drops the torn part instead of gluing onto it', () => {
  const d = tempDir();
  const p = join(d, 'm.jsonl');
  appendJsonl(p, { a: 1 });
  appendFileSync(p, '{"a":2,"trunc');
  appendJsonl(p, { a: 3 });
  assert.is(readFileSync(p, 'utf8'), '{"a":1}\n{"a":3}\n');
  assert.equal(readJsonl(p), [{ a: 1 }, { a: 3 }]);
  // A file that is one torn line with no newline at all is emptied first.
  const q = join(d, 'only-torn.jsonl');
  writeFileSync(q, 'x'.repeat(10000));
  appendJsonl(q, { ok: true });
  assert.equal(readJsonl(q), [{ ok: true }]);
});

test('readJsonl: blank lines are ignored, a bad complete line names file and line', () => {
  const d = tempDir();
  const p = join(d, 'm.jsonl');
  writeFileSync(p, '{"a":1}\n\n{"a":\n{"a":3}\n');
  const err = catchError(() => readJsonl(p));
  assert.instance(err, UserError);
  assert.ok(err.message.includes(`${p}:3`), err.message);
  writeFileSync(p, '{"a":1}\n\n  \n{"a":3}\n');
  assert.equal(readJsonl(p), [{ a: 1 }, { a: 3 }]);
});

test('readJsonl of a missing file is a UserError naming it', () => {
  const p = join(tempDir(), 'nope.jsonl');
  const err = catchError(() => readJsonl(p));
  assert.instance(err, UserError);
  assert.ok(err.message.includes(p));
});

function catchError(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

test.run();
