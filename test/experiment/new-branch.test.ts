// "A new branch is one file and one registry entry": in a copy of src/, a competitor branch with
// its own config section is added as one new file plus its entry (and import) in
// branches/registry.ts, nothing else. The copy's config accepts and checks its section, `lth
// config` describes it, and `lth run` trains it into the summary and the report under its label.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The whole new branch: the ticket's mask from a fresh init, trained for a fraction of the iterations.
const BRANCH_FILE = `import type { PieceResult } from '../pieces.ts';
import { num } from '../schema.ts';
import { type PieceContext, type RunEvent, pieceResult, trainFrom } from './context.ts';
import { type BranchSection, type BranchSpec, branchSection } from './spec.ts';

/** Settings of the short reinit control. */
export const shortReinitSection: BranchSection<'shortReinit', { fraction: number }> = branchSection('shortReinit', 'the short reinit control', {
  fraction: num(0.5, 'fraction of the iterations it trains', 0, 1, '(]'),
});

/** Control: the ticket's mask, re-initialised, trained for a fraction of the iterations. */
export const shortReinitBranch: BranchSpec<'shortReinit', typeof shortReinitSection> = {
  name: 'shortReinit',
  label: 'short reinit (test)',
  description: 'test-only control: the ticket mask, fresh init, a fraction of the iterations',
  inRoundZero: false,
  needs: ['mask'],
  section: shortReinitSection,
  *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
    const iterations = Math.max(1, Math.round(ctx.cfg.iterations * ctx.cfg.shortReinit.fraction));
    const res = yield* trainFrom(ctx, { kind: 'reinit' }, ctx.ticketMask, { iterations });
    return pieceResult(ctx, ctx.ticketMask, res, { iterations });
  },
};
`;

// Runs in the copy: what its config, CLI and runner make of the new branch, as JSON.
const CHECK = `import { existsSync, readFileSync } from 'node:fs';
import { main } from './src/cli/main.ts';
import { resolveConfig } from './src/experiment/config.ts';
const [cfgPath, out] = process.argv.slice(2);
const facts = {};
const log = console.log;
const lines = [];
console.log = (...a) => void lines.push(a.join(' '));
facts.configCode = await main(['config']);
console.log = log;
facts.configLines = lines.filter((l) => l.includes('shortReinit'));
facts.resolved = resolveConfig({ branches: ['shortReinit'], shortReinit: { fraction: 0.25 } });
try { resolveConfig({ shortReinit: { fraction: 2 } }); } catch (e) { facts.badValue = e.message; }
try { resolveConfig({ branches: ['ticket', 'longReinit'] }); } catch (e) { facts.badBranch = e.message; }
console.log = () => {};
facts.runCode = await main(['run', cfgPath, '--out', out]);
console.log = log;
facts.summary = JSON.parse(readFileSync(out + '/summary.json', 'utf8'));
const resultPath = out + '/round-1/trial-0/shortReinit.json';
facts.result = existsSync(resultPath) ? JSON.parse(readFileSync(resultPath, 'utf8')) : null;
facts.report = readFileSync(out + '/report.html', 'utf8').includes('short reinit (test)');
process.stdout.write(JSON.stringify(facts));
`;

test('a branch with its own settings is one new file and one registry entry', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lth-new-branch-'));
  try {
    cpSync(join(root, 'src'), join(tmp, 'src'), { recursive: true });
    for (const f of ['package.json', 'tsconfig.json']) cpSync(join(root, f), join(tmp, f));
    for (const d of ['node_modules', 'build']) symlinkSync(join(root, d), join(tmp, d), 'dir');
    // the one new file
    writeFileSync(join(tmp, 'src/experiment/branches/short-reinit.ts'), BRANCH_FILE);
    // the one registry entry, with its import
    const regPath = join(tmp, 'src/experiment/branches/registry.ts');
    const reg = readFileSync(regPath, 'utf8');
    assert.is(reg.split('] as const;').length, 2, 'registry.ts has one branch list');
    writeFileSync(regPath, `import { shortReinitBranch } from './short-reinit.ts';\n${reg.replace('] as const;', '  shortReinitBranch,\n] as const;')}`);

    const cfgPath = join(tmp, 'cfg.json');
    writeFileSync(cfgPath, JSON.stringify({
      name: 'new-branch', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', iterations: 40, evalEvery: 20, batchSize: 30, kernels: 'dense',
      pruning: { rounds: 1 }, branches: ['ticket', 'reinit', 'shortReinit'], shortReinit: { fraction: 0.5 },
    }));
    writeFileSync(join(tmp, 'check.ts'), CHECK);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'check.ts', cfgPath, join(tmp, 'run')], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });
    assert.is(r.status, 0, r.stderr);
    const facts = JSON.parse(r.stdout);

    // the config: the name, its section with defaults and checks, and errors that list it
    assert.equal(facts.resolved.branches, ['ticket', 'shortReinit']);
    assert.equal(facts.resolved.shortReinit, { fraction: 0.25 });
    assert.match(facts.badValue, /config field 'shortReinit\.fraction': expected a number in \(0, 1\], got 2/);
    assert.match(facts.badBranch, /'branches\[1\]'.*shortReinit/);
    // lth config: its field and its line in the branch list
    assert.is(facts.configCode, 0);
    assert.ok(facts.configLines.some((l: string) => l.startsWith('shortReinit.fraction')), facts.configLines.join('\n'));
    assert.ok(facts.configLines.some((l: string) => l.includes('test-only control')), facts.configLines.join('\n'));
    // lth run: trained in round 1, for half the iterations, and in the report under its label
    assert.is(facts.runCode, 0);
    const b = facts.summary.rounds[1].branches.shortReinit;
    assert.ok(b, `summary: ${JSON.stringify(Object.keys(facts.summary.rounds[1].branches))}`);
    // per-trial records or one mean record, by summary version: each stopped within its 20 iterations
    for (const t of Array.isArray(b.trials) ? b.trials : [b]) assert.ok(t.earlyStopIteration <= 20, `trained at most 20 of 40 iterations: ${JSON.stringify(t)}`);
    const res = facts.result ?? b.trials?.[0];
    assert.ok(res?.extras, 'the piece result (or its summary record) is found');
    assert.equal(res.extras, { iterations: 20 }, 'its setting reached the branch');
    if (facts.result) assert.is(facts.result.evals.at(-1).iteration, 20, 'it trained 20 iterations');
    assert.ok(facts.report, 'the report shows the spec\'s label');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
