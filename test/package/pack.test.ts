/**
 * The published package end to end: bundles the current sources into a staging copy of the
 * package, packs it (`npm pack`), installs the tarball into an empty project without dev
 * dependencies, and there, from plain Node (no tsx), uses the library (consumer.mjs), runs the
 * installed `lth` command, and type-checks a TypeScript consumer of both entries.
 * About 30-60 s, most of it `npm install` (dependencies from the npm cache `npm ci` filled).
 */
import { type SpawnOptions, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildLib } from '../../scripts/bundle-lib.mjs';

const root = join(import.meta.dirname, '../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// npm passes its settings to scripts as npm_* variables; a nested npm must not inherit this
// checkout's (its prefix would install into the checkout), only the cache and registry.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || /^npm_config_(cache|registry|userconfig|.*proxy)$/i.test(k)));
delete env.INIT_CWD;

/** Runs a command to completion (asynchronously, so two can overlap). */
function run(cmd: string, args: string[], opts: SpawnOptions): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The run's output when it failed, for the assertion message. */
const why = (r: Run): string => `exit ${r.code}\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-1000)}`;

interface Ctx {
  tmp: string;
  project: string;
  packed: string[];
  setupError: Error | null;
  consumer?: Promise<Run>;
  quick?: Promise<Run>;
}

const pack = suite<Ctx>('npm pack and install', { tmp: '', project: '', packed: [], setupError: null });

pack.before(async (ctx) => {
  ctx.tmp = mkdtempSync(join(tmpdir(), 'lth-pack-'));
  try {
    // A staging copy of the package with bundles built from the current sources (dist/ of the
    // checkout is left alone); the declarations and lth.wasm come from `npm run build`.
    const stage = join(ctx.tmp, 'stage');
    mkdirSync(stage);
    for (const f of ['dist/types', 'build/lth.wasm', 'build/lth-threads.wasm']) {
      if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\``);
    }
    for (const f of ['package.json', 'README.md', 'bin', 'build/lth.wasm', 'build/lth-threads.wasm', 'dist/types']) cpSync(join(root, f), join(stage, f), { recursive: true });
    await buildLib({ outdir: join(stage, 'dist') });
    // --ignore-scripts: `prepare` would build again (from the checkout it does: `npm pack` there builds everything first).
    const p = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', ctx.tmp], { cwd: stage });
    if (p.code !== 0) throw new Error(`npm pack: ${why(p)}`);
    const info = JSON.parse(p.stdout)[0] as { filename: string; files: { path: string }[] };
    ctx.packed = info.files.map((f) => f.path);

    ctx.project = join(ctx.tmp, 'project');
    mkdirSync(ctx.project);
    writeFileSync(join(ctx.project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // (An install with scripts works too: npm runs no `prepare` for a tarball; skipping them saves time.)
    const i = await run('npm', ['install', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(ctx.tmp, info.filename)], { cwd: ctx.project });
    if (i.code !== 0) throw new Error(`npm install: ${why(i)}`);

    // The two slow checks run side by side (one core each).
    copyFileSync(join(import.meta.dirname, 'consumer.mjs'), join(ctx.project, 'consumer.mjs'));
    ctx.consumer = run(process.execPath, ['consumer.mjs'], { cwd: ctx.project });
    ctx.quick = run('npx', ['--no', '--', 'lth', 'run', 'quick', '--rounds', '1', '--iterations', '200', '--out', 'runs/quick'], { cwd: ctx.project });
  } catch (e) {
    ctx.setupError = e as Error;
  }
});

pack.after(async (ctx) => {
  await Promise.allSettled([ctx.consumer, ctx.quick]);
  rmSync(ctx.tmp, { recursive: true, force: true });
});

pack('the tarball holds the bundles, declarations, lth.wasm, lth-threads.wasm and bin, and no sources, tests or maps', (ctx) => {
  if (ctx.setupError) throw ctx.setupError;
  for (const f of ['bin/lth.js', 'build/lth.wasm', 'build/lth-threads.wasm', 'dist/cli/main.js', 'dist/node/index.js', 'dist/browser/index.js', 'dist/browser/edge.js', 'dist/types/index.d.ts', 'dist/types/edge.d.ts', 'README.md', 'package.json']) {
    assert.ok(ctx.packed.includes(f), `${f} is not in the tarball`);
  }
  assert.equal(ctx.packed.filter((f) => /^(src|test|bench|assembly|scripts)\/|\.map$|^dist\/web\//.test(f)), []);
});

pack('plain Node ESM: the root trains and runs IMP, the edge entry predicts the exported ticket', async (ctx) => {
  if (ctx.setupError) throw ctx.setupError;
  const r = await ctx.consumer!;
  assert.is(r.code, 0, why(r));
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.ok(out.trainAccuracy > 0.5, `LeNet-300-100 after 200 iterations: ${out.trainAccuracy}`);
  assert.is(out.pieces, 3, 'rounds 0, 1, 2 of the ticket');
  assert.ok(out.density > 0.5 && out.density < 0.75, `two rounds of 20% pruning: ${out.density}`);
  assert.ok(out.edgeMatches, 'the edge entry predicts what the root does, from the default and from given wasm bytes');
  assert.ok(out.edgeAccuracy > 0.5, `edge accuracy ${out.edgeAccuracy}`);
  assert.is(out.threads, 2, 'the installed package runs the kernel pool (lth-threads.wasm)');
  assert.ok(out.threadsMatch, 'and its GEMM equals the one-thread GEMM bit for bit');
});

pack('the installed bin: lth run quick --rounds 1 --iterations 200, lth models, lth --help', async (ctx) => {
  if (ctx.setupError) throw ctx.setupError;
  const q = await ctx.quick!;
  assert.is(q.code, 0, why(q));
  assert.ok(existsSync(join(ctx.project, 'runs/quick/summary.json')), 'the run wrote its summary');
  assert.ok(existsSync(join(ctx.project, 'runs/quick/report.html')), 'and its report');
  const models = await run('npx', ['--no', '--', 'lth', 'models'], { cwd: ctx.project });
  assert.is(models.code, 0, why(models));
  assert.match(models.stdout, /lenet300/);
  const help = await run('npx', ['--no', '--', 'lth', '--help'], { cwd: ctx.project });
  assert.is(help.code, 0, why(help));
  assert.match(help.stdout, /bench/);
});

pack('TypeScript resolves the declarations of both entries', async (ctx) => {
  if (ctx.setupError) throw ctx.setupError;
  const dir = join(ctx.project, 'ts');
  mkdirSync(dir);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] }, files: ['use.ts'] }));
  writeFileSync(join(dir, 'use.ts'), [
    "import { type ExperimentConfig, MemoryStore, type RunStore, createBackend, resolveConfig, runExperiment } from 'lth';",
    "import { type SparseModel, argmax, loadModel } from 'lth/edge';",
    'const cfg: ExperimentConfig = resolveConfig({ iterations: 10 });',
    "await createBackend('wasm', { wasm: new URL('https://example.com/lth.wasm') });",
    'const model: SparseModel = await loadModel(new Uint8Array(0), { wasm: new Uint8Array(0) });',
    'const classes: Int32Array = argmax(model.predict(new Float32Array(0), 0), model.numClasses);',
    "for await (const e of runExperiment(cfg, 'out')) if (e.kind === 'start') console.log(e.totalPieces, classes);",
    'const store: RunStore = new MemoryStore();',
    "for await (const e of runExperiment(cfg, store)) if (e.kind === 'pieceDone') console.log(e.result.finalTestAccuracy);",
    '// @ts-expect-error: the types are real, not any',
    'const wrong: string = cfg.iterations;',
    'console.log(wrong);',
  ].join('\n'));
  const tsc = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir });
  assert.is(tsc.code, 0, why(tsc));
});

pack.run();
