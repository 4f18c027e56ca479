// The run directory's kernel-plan.json: merged by every writer, first choice wins, validated
// when read back, and set aside (not fatal) when corrupt.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileKernelPlan, readKernelPlan } from '../../src/experiment/kernel-plan-file.ts';
import type { KernelChoice } from '../../src/train/sparse-plan.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-kernel-plan-'));
const sparse: KernelChoice = { path: 'sparse', density: 0.5, denseMs: 2.5, sparseMs: 1.25 };
const dense: KernelChoice = { path: 'dense', density: 0.5, denseMs: 1, sparseMs: 3 };

test('records are written at once, merged across writers, and the first choice of a key wins', () => {
  const path = join(tmp, 'merge', 'kernel-plan.json');
  const a = fileKernelPlan(path);
  const b = fileKernelPlan(path); // another process that opened the plan before a recorded
  assert.equal(a.record('fc1|k', sparse), sparse);
  assert.ok(existsSync(path), 'written on the first record');
  assert.is(b.lookup('fc1|k'), undefined, 'b has not read it yet');
  assert.equal(b.record('fc1|k', dense), sparse, "b's own measurement loses to the recorded one");
  b.record('fc2|k', dense);
  assert.equal(readKernelPlan(path), { 'fc1|k': sparse, 'fc2|k': dense });
  const c = fileKernelPlan(path); // a restart
  assert.equal(c.lookup('fc1|k'), sparse);
  assert.equal(c.lookup('fc2|k'), dense);
  assert.is(c.lookup('fc3|k'), undefined);
});

test('a corrupt plan is moved aside with one warning line, and the plan starts empty', () => {
  const bad: [string, string][] = [
    ['not json', '{"version": 1, "entries": '],
    ['an array', '[1, 2]'],
    ['an unknown path', JSON.stringify({ version: 1, entries: { k: { ...sparse, path: 'gpu' } } })],
    ['a density above 1', JSON.stringify({ version: 1, entries: { k: { ...sparse, density: 7 } } })],
    ['no version', JSON.stringify({ entries: {} })],
  ];
  for (const [what, text] of bad) {
    const path = join(tmp, `bad-${what.replace(/ /g, '-')}.json`);
    writeFileSync(path, text);
    const lines: string[] = [];
    const plan = fileKernelPlan(path, (l) => lines.push(l));
    assert.is(lines.length, 1, what);
    assert.match(lines[0], path);
    assert.match(lines[0], '.corrupt');
    assert.not.match(lines[0], '\n');
    assert.is(readFileSync(`${path}.corrupt`, 'utf8'), text, `${what}: kept for inspection`);
    assert.is(plan.lookup('k'), undefined);
    plan.record('k', dense);
    assert.equal(readKernelPlan(path), { k: dense });
  }
  const path = join(tmp, 'bad-entry.json');
  writeFileSync(path, JSON.stringify({ version: 1, entries: { 'fc1|x': { path: 'dense', density: 0.5 } } }));
  throwsUser(() => readKernelPlan(path), [path, "entry 'fc1|x'"]);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
