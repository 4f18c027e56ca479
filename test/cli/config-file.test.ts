// Config files the schema must refuse, each with one line naming the file and the field path,
// exit 2 (before: non-object files ran the default 50,000-iteration experiment, overrides hid
// bad sections, an unknown rate key and duplicate branches were ignored, names escaped runs/).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/cli/cmd-run.ts';
import { assertUserError, lthInProcess, lthSpawn } from '../fixtures/cli.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-config-file-'));

/** Writes `text` as a config file; returns its path. */
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

test('a file that is not a JSON object is refused, with or without overrides', () => {
  for (const [name, text] of [['list.json', '[1,2,3]'], ['null.json', 'null'], ['string.json', '"hello"']]) {
    const p = file(name, text);
    throwsUser(() => loadConfig(p, {}), [p, 'expected an object at the top level', `got ${text}`]);
    throwsUser(() => loadConfig(p, { iterations: 5 }), [p, 'top level']);
  }
});

test('{"pruning": 5} is refused under --rounds; other bad fields name their path', () => {
  const p = file('pruning5.json', '{"pruning": 5}');
  throwsUser(() => loadConfig(p, { pruning: { rounds: 2 } }), [p, "config field 'pruning': expected an object, got 5"]);
  throwsUser(() => loadConfig(file('dup.json', '{"branches": ["ticket", "reinit", "reinit"]}'), {}), ["'branches[2]'", 'listed twice']);
  throwsUser(() => loadConfig(file('lr.json', '{"optimizer": {"lr": 1e999}}'), {}), ["'optimizer.lr'", 'got Infinity']);
});

test('a name that would leave runs/ is refused before anything is written', async () => {
  const cwd = process.cwd();
  const p = file('escape.json', '{"name": "../../lth-escape-test"}');
  assertUserError(await lthInProcess('run', p), [p, "config field 'name'", 'one path segment']);
  assert.not.ok(existsSync(join(cwd, 'runs', '..', '..', 'lth-escape-test')));
});

test('an unknown rate key is refused naming it and the keys of the model', async () => {
  const p = file('fc9.json', JSON.stringify({ dataset: 'synthetic', widthMultiplier: 0.1, iterations: 10, pruning: { rounds: 1, rates: { default: 0.2, fc9: 0.5 } } }));
  assertUserError(await lthInProcess('run', p, '--out', join(tmp, 'fc9-run')), ["'pruning.rates.fc9'", 'fc1.weight', 'output', 'default']);
});

test('the real process: lth run <[1,2,3] file> is one line, exit 2', () => {
  assertUserError(lthSpawn('run', file('list2.json', '[1,2,3]'), '--out', join(tmp, 'never')), ['top level']);
  assert.not.ok(existsSync(join(tmp, 'never')));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
