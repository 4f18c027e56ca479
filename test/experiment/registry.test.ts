// The branch registry describes every branch (name, label, help, config section, needs), and the
// config, `lth config` and the report read it instead of keeping their own lists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from 'esbuild';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetCommands } from '../../src/cli/cmd-presets.ts';
import { branchList, branchNames as registryNames, branchSections, branches } from '../../src/experiment/branches/registry.ts';
import type { AnyBranchSpec } from '../../src/experiment/branches/spec.ts';
import { branchNames, defaultConfig, experimentSchema, resolveConfig } from '../../src/experiment/config.ts';
import { branchLabel, divergedNote } from '../../src/experiment/report/format.ts';
import { defaults } from '../../src/experiment/schema.ts';
import { lookup } from '../../src/util/registry.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const specs = branchList as readonly AnyBranchSpec[];
const schema = experimentSchema as unknown as Record<string, { help: string; default: unknown; schema?: unknown }>;

test('every branch describes itself: name, report label, help line, needs', () => {
  for (const b of specs) {
    assert.is(branches[b.name as keyof typeof branches], b, `${b.name} is filed under its own name`);
    assert.ok(b.label.trim().length > 0 && !b.label.includes('\n'), `${b.name}: label`);
    assert.ok(b.description.trim().length > 0 && !b.description.includes('\n'), `${b.name}: description`);
    assert.ok(b.needs.every((n) => ['mask', 'rewind', 'chain'].includes(n)), `${b.name}: needs ${b.needs}`);
    assert.ok(!(b.inRoundZero && b.needs.includes('chain')), `${b.name}: a chain starts from round 0's ticket, so it cannot run in round 0`);
    assert.is(branchLabel(b.name), b.label, `${b.name}: the report shows the spec's label`);
  }
  assert.is(new Set(specs.map((b) => b.label)).size, specs.length, 'labels are distinct (the report tells branches apart by them)');
  assert.ok(branches.ticket.inRoundZero, 'the ticket trains the dense round 0 that every other branch builds on');
  assert.is(branchLabel('notABranch'), 'notABranch', 'a summary from another version shows unknown names as they are');
});

test('the config\'s branch list is the registry\'s, and its help names every branch', () => {
  assert.equal([...branchNames], Object.keys(branches));
  assert.equal([...registryNames], specs.map((b) => b.name));
  for (const name of branchNames) {
    assert.ok(schema.branches.help.includes(name), `help names ${name}`);
    assert.equal(resolveConfig({ branches: [name] }).branches, name === 'ticket' ? ['ticket'] : ['ticket', name]);
  }
});

test('every branch with settings has its section in the config schema, defaults and help included', () => {
  const withSection = specs.filter((b) => b.section !== undefined);
  assert.ok(withSection.length > 0);
  const cfg = defaultConfig() as unknown as Record<string, unknown>;
  for (const b of withSection) {
    const s = b.section!;
    assert.ok(Object.hasOwn(schema, s.key), `${b.name}: config has '${s.key}'`);
    assert.is(schema[s.key].schema, s.schema, `${b.name}: the config's '${s.key}' is the spec's own schema`);
    assert.equal(cfg[s.key], defaults(s.schema), `${b.name}: defaults`);
    assert.ok(schema[s.key].help.includes(s.help) && schema[s.key].help.includes(b.name), `${b.name}: section help names it`);
  }
  // one section per key, listing every branch that reads it
  assert.equal(branchSections.map((u) => u.section.key), [...new Set(withSection.map((b) => b.section!.key))]);
  for (const u of branchSections) assert.equal(u.branches, withSection.filter((b) => b.section === u.section).map((b) => b.name));
  // a bad value inside a section is checked by the section's own fields
  throwsUser(() => resolveConfig({ fineTune: { lrScale: -1 } }), ["'fineTune.lrScale'"]);
  throwsUser(() => resolveConfig({ atInit: { nope: 1 } }), ["'atInit.nope'", 'batches']);
});

test('an unknown branch is a one-line error listing every valid branch', () => {
  throwsUser(() => resolveConfig({ branches: ['ticket', 'lottery'] }), ["'branches[1]'", '"lottery"', ...branchNames]);
  throwsUser(() => lookup(branches, 'lottery', 'branch'), ["unknown branch 'lottery'", ...branchNames]);
});

test('lth config lists every branch with its description and settings section', async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    await presetCommands.config.run([]);
  } finally {
    console.log = log;
  }
  const out = lines.join('\n');
  for (const b of specs) {
    const line = lines.find((l) => l.trim().startsWith(`${b.name} `) && l.includes(b.description));
    assert.ok(line, `lth config describes ${b.name}`);
    if (b.section) assert.ok(line!.includes(b.section.key), `${b.name}: names its section`);
  }
  for (const u of branchSections) for (const k of Object.keys(u.section.schema)) assert.ok(out.includes(`${u.section.key}.${k}`), `${u.section.key}.${k}`);
});

test('a diverged piece of a chained branch says its later rounds were not run', () => {
  const d = { trial: 0, seed: 1, branch: 'fineTune', iteration: 5, loss: 'NaN' };
  assert.match(divergedNote(2, d), /later .* rounds were not run/);
  assert.not.match(divergedNote(2, { ...d, branch: 'reinit' }), /were not run/);
});

test('nothing the registry loads imports config.ts at run time (config.ts imports the registry: that would be a cycle)', async () => {
  const r = await build({
    entryPoints: [join(root, 'src/experiment/branches/registry.ts')], absWorkingDir: root, bundle: true, write: false, metafile: true,
    platform: 'node', format: 'esm', packages: 'external', logLevel: 'silent', outdir: join(root, 'dist', 'registry-graph'),
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(inputs.some((p) => p.endsWith('branches/fine-tune.ts')), 'the graph holds the branch files');
  assert.equal(inputs.filter((p) => p.endsWith('experiment/config.ts')), [], 'config.ts is reached only through import type');
});

// Every .ts file under dir.
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('no source outside the branch files names every branch (a hand-kept list would drift from the registry)', () => {
  const branchDir = join(root, 'src', 'experiment', 'branches');
  const offenders = sources(join(root, 'src'))
    .filter((f) => !f.startsWith(branchDir))
    .filter((f) => {
      const text = readFileSync(f, 'utf8');
      return branchNames.every((n) => new RegExp(`\\b${n}\\b`).test(text));
    })
    .map((f) => relative(root, f));
  assert.equal(offenders, [], `these files list every branch by hand; derive the list from branches/registry.ts: ${offenders.join(', ')}`);
});

test.run();
