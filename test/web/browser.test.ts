/**
 * The browser app end to end: builds it (esbuild), serves it, and in headless Chromium runs a
 * short IMP experiment with two competitor branches (SNIP, SET) on our wasm backend and a tiny
 * one on tfjs's WebGL backend (SwiftShader, the software renderer: the browser has no GPU),
 * both through the real experiment runner into a memory store, checking the results the page
 * tables and plots, and saving screenshots of both in test-artifacts/. The page is cross-origin
 * isolated (npm run web's COOP/COEP), so the wasm run uses the kernel pool on every core; it and
 * the WebGL run are checked against the same experiments run here in Node on one thread. Without a Chromium (/usr/bin/chromium
 * or $LTH_CHROMIUM) the browser tests print a notice and pass.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWeb, type WebBuild } from '../../scripts/bundle-web.mjs';
import { serveWeb } from '../../scripts/serve-web.mjs';
import { createBackend } from '../../src/backend/index.ts';
import { readEmbeddedDigits } from '../../src/data/mnist-embedded-file.ts';
import type { PieceResult } from '../../src/experiment/pieces.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';
import { embeddedMnistFor, webBranches, webConfig } from '../../src/web/experiment.ts';
import type { RunSettings } from '../../src/web/protocol.ts';
import { launchChromium, NODE_IMPORT } from './chromium.ts';

interface Ctx {
  build?: WebBuild;
  dir: string;
  browser: Browser | null;
  url: string;
  /** Why setting up failed (uvu does not report a failing hook's error, so the tests do). */
  setupError: Error | null;
  close: () => void;
}

const web = suite<Ctx>('web', { dir: '', browser: null, url: '', setupError: null, close: () => {} });

web.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'lth-web-'));
  try {
    ctx.build = await buildWeb({ outdir: ctx.dir });
    ctx.browser = await launchChromium();
    if (ctx.browser === null) return;
    const { server, url } = await serveWeb({ port: 0, webDir: ctx.dir });
    const browser = ctx.browser;
    ctx.url = url;
    ctx.close = () => {
      server.close();
      void browser.close();
    };
  } catch (err) {
    ctx.setupError = err as Error;
  }
});

web.after((ctx) => {
  ctx.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

web('the browser bundle imports no Node built-ins and holds every file the page fetches', (ctx) => {
  if (ctx.build === undefined) throw ctx.setupError ?? new Error('the web app was not built');
  const files = readdirSync(ctx.dir);
  for (const f of ['index.html', 'main.js', 'worker.js', 'lth.wasm', 'lth-threads.wasm', 'tfjs-backend-wasm-simd.wasm']) assert.ok(files.includes(f), `dist/web lacks ${f}`);
  // esbuild for the browser cannot resolve a Node built-in (the build would fail); this also
  // catches one kept as an external import
  for (const f of files.filter((f) => f.endsWith('.js'))) {
    const m = NODE_IMPORT.exec(readFileSync(join(ctx.dir, f), 'utf8'));
    assert.is(m, null, `${f} imports a Node built-in: ${m?.[0]}`);
  }
  // the wasm path stays small: tfjs lives in a chunk only the tfjs backends import
  assert.ok(ctx.build!.sizes['worker.js'] < 300_000, `worker.js is ${ctx.build!.sizes['worker.js']} bytes`);
});

/** One row of the results table, as its data- attributes. */
type Row = Record<string, string | undefined>;

/**
 * Picks the preset (which checks its branches), checks `branches` too, fills the page's form,
 * runs the experiment, waits for the end, saves a screenshot to test-artifacts/<shot> and
 * returns the table rows; fails with the page's status and errors. Prints how long the run
 * took and where.
 */
async function runOnPage(page: Page, url: string, form: Record<string, string>, branches: string[], shot: string, timeoutMs: number): Promise<Row[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state === 'idle');
  if (form.preset !== undefined) await page.selectOption('select[name=preset]', form.preset);
  for (const b of branches) await page.check(`input[name=branch][value=${b}]`);
  for (const [name, value] of Object.entries(form)) {
    if (name === 'backend') await page.selectOption(`select[name=${name}]`, value);
    else if (name !== 'preset') await page.fill(`input[name=${name}]`, value);
  }
  const t0 = performance.now();
  await page.click('#run');
  await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: timeoutMs });
  const seconds = (performance.now() - t0) / 1000;
  const status = await page.textContent('#status');
  console.log(`  (${form.backend} run: ${seconds.toFixed(1)} s, ${await page.textContent('#device')})`);
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: join('test-artifacts', shot), fullPage: true });
  assert.is(await page.evaluate(() => document.body.dataset.state), 'done', `page status: ${status}; errors: ${errors.join('; ')}`);
  assert.equal(errors, []);
  return page.$$eval('#results tr', (trs) => trs.map((tr) => ({ ...(tr as HTMLElement).dataset })));
}

/**
 * Checks the plots against the table: one accuracy marker per trained branch and one
 * learning-curve marker per ticket evaluation, all inside the drawing, with the given legends.
 */
async function checkPlots(page: Page, rows: Row[], accuracySeries: string, curveSeries: string, evalsPerBranch: number): Promise<void> {
  assert.is(await page.getAttribute('#plot-accuracy', 'data-series'), accuracySeries);
  assert.is(await page.getAttribute('#plot-curves', 'data-series'), curveSeries);
  const markers = (sel: string) =>
    page.$$eval(`${sel} svg`, (svgs) => svgs.flatMap((svg) => {
      const [, , w, h] = (svg.getAttribute('viewBox') ?? `0 0 ${svg.getAttribute('width')} ${svg.getAttribute('height')}`).split(/\s+/).map(Number);
      return Array.from(svg.querySelectorAll('circle.marker')).map((c) => ({ x: Number(c.getAttribute('cx')), y: Number(c.getAttribute('cy')), w, h }));
    }));
  const acc = await markers('#plot-accuracy');
  const curves = await markers('#plot-curves');
  assert.is(acc.length, rows.length, 'one accuracy point per trained branch');
  assert.is(curves.length, rows.filter((r) => r.branch === 'ticket').length * evalsPerBranch, 'one learning-curve point per ticket evaluation');
  for (const p of [...acc, ...curves]) assert.ok(p.x > 0 && p.x < p.w && p.y > 0 && p.y < p.h, `a marker outside the plot: ${JSON.stringify(p)}`);
  assert.equal(await page.$$eval('#downloads a', (as) => as.map((a) => a.textContent)), ['summary.json', 'metrics.jsonl', 'config.json', 'report.html', 'masks.safetensors', 'model.lth']);
}

const label = (name: string): string => webBranches().find((b) => b.name === name)!.label;

web('runs a 2-round IMP experiment with SNIP and SET on the wasm backend in headless Chromium and plots it', async (ctx) => {
  if (ctx.setupError !== null) throw ctx.setupError;
  if (ctx.browser === null) return; // no browser: skipped (the notice is printed once)
  const page = await ctx.browser.newPage({ viewport: { width: 1250, height: 950 } });
  const rows = await runOnPage(page, ctx.url, { preset: 'quick', rounds: '2', iterations: '200', backend: 'wasm' }, ['snip', 'set'], 'browser-wasm.png', 150_000);
  assert.is(await page.evaluate(() => document.body.dataset.backend), 'wasm');
  // npm run web's COOP/COEP make the page cross-origin isolated: the worker runs the kernel pool
  assert.ok(await page.evaluate(() => crossOriginIsolated), 'the page is cross-origin isolated');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.ok((await page.textContent('#device'))?.endsWith(`WebAssembly SIMD (lth kernels, ${cores === 1 ? 'one thread' : `${cores} threads`})`), 'the device names the threads');
  const round = (r: number) => ['ticket', 'reinit', 'snip', 'set'].map((b) => `${r}/${b}`);
  assert.equal(rows.map((r) => `${r.round}/${r.branch}`), ['0/ticket', ...round(1), ...round(2)]);
  const remaining = rows.filter((r) => r.branch === 'ticket').map((r) => Number(r.weightsRemaining));
  assert.is(remaining[0], 100);
  assert.ok(Math.abs(remaining[1] - 80.04) < 0.01 && Math.abs(remaining[2] - 64.1) < 0.1, `weights remaining ${remaining.join(', ')}`);
  // the competitors train at the ticket's size
  for (const r of rows.filter((r) => r.round !== '0')) assert.ok(Math.abs(Number(r.weightsRemaining) - remaining[Number(r.round)]) < 0.1, `${r.round}/${r.branch}: ${r.weightsRemaining}%`);
  for (const r of rows) assert.ok(Number(r.testAccuracy) > 0.85 && Number(r.testAccuracy) <= 1, `round ${r.round} ${r.branch}: test accuracy ${r.testAccuracy}`);
  await checkPlots(page, rows, ['ticket', 'reinit', 'snip', 'set'].map(label).join(','), 'ticket 100.0%,ticket 80.0%,ticket 64.1%', 20);
  const field = async (name: string) => Number(await page.inputValue(`input[name=${name}]`));
  const settings: RunSettings = {
    backend: 'wasm', preset: 'quick', branches: ['ticket', 'reinit', 'snip', 'set'], widthMultiplier: await field('width'), dataset: 'mnist-embedded',
    rounds: 2, iterations: 200, evaluations: await field('evaluations'), trials: await field('trials'), seed: await field('seed'),
  };
  await page.close();

  // The same experiment in Node on one thread: the kernel pool splits only over outputs, so the
  // browser's threaded run gives the very same numbers.
  const want = await nodeRun(settings);
  assert.is(rows.length, want.length);
  rows.forEach((r, i) => {
    const w = want[i];
    assert.is(`${r.round}/${r.branch}`, `${w.round}/${w.branch}`);
    assert.is(Number(r.testAccuracy), w.testAccuracyAtEarlyStop, `${r.round}/${r.branch}: browser ${r.testAccuracy}, Node ${w.testAccuracyAtEarlyStop}`);
    assert.is(Number(r.earlyStop), w.earlyStopIteration, `${r.round}/${r.branch}: early-stop iteration`);
  });
});

// The page's experiment (the config the worker derives from the form) run in Node on the wasm
// kernels, one thread, into a memory store: its piece results in order.
async function nodeRun(settings: RunSettings): Promise<PieceResult[]> {
  const cfg = webConfig(settings);
  const want: PieceResult[] = [];
  const data = embeddedMnistFor(cfg, await readEmbeddedDigits());
  for await (const e of runExperiment(cfg, new MemoryStore(), { backend: await createBackend('wasm'), data })) if (e.kind === 'pieceDone') want.push(e.result);
  return want;
}

// The WebGL run: LeNet at a quarter width (784-75-25-10), one pruning round, 20 iterations and
// two evaluations per branch; about 15 s on SwiftShader, most of it compiling shaders.
const TINY = { preset: 'quick', width: '0.25', rounds: '1', iterations: '20', evaluations: '2', trials: '1', seed: '0' };

web('runs a tiny IMP experiment on tfjs WebGL (software rendering) that matches the wasm backend', async (ctx) => {
  if (ctx.setupError !== null) throw ctx.setupError;
  if (ctx.browser === null) return;
  const page = await ctx.browser.newPage({ viewport: { width: 1250, height: 950 } });
  const rows = await runOnPage(page, ctx.url, { ...TINY, backend: 'tfjs-webgl' }, [], 'browser-webgl.png', 120_000);
  const body = await page.evaluate(() => ({ ...document.body.dataset }));
  assert.is(body.backend, 'tfjs-webgl');
  assert.match(body.device ?? '', /^WebGL \d on /);
  assert.equal(rows.map((r) => `${r.round}/${r.branch}`), ['0/ticket', '1/ticket', '1/reinit']);
  await checkPlots(page, rows, ['ticket', 'reinit'].map(label).join(','), 'ticket 100.0%,ticket 80.0%', 2);
  await page.close();

  // The same experiment in Node on our wasm kernels: the config the worker derives from the
  // form, the real runner, a memory store; same init, data order and pruning, so the results
  // agree up to float rounding.
  const settings: RunSettings = {
    backend: 'tfjs-webgl', preset: 'quick', branches: ['ticket', 'reinit'], widthMultiplier: 0.25, dataset: 'mnist-embedded',
    rounds: 1, iterations: 20, evaluations: 2, trials: 1, seed: 0,
  };
  const want = await nodeRun(settings);
  assert.is(rows.length, want.length);
  rows.forEach((r, i) => {
    const w = want[i];
    const what = `round ${r.round} ${r.branch}`;
    assert.ok(Math.abs(Number(r.weightsRemaining) - 100 * w.weightsRemaining) < 1e-9, `${what}: ${r.weightsRemaining}% of weights, wasm ${100 * w.weightsRemaining}%`);
    // 20 test digits (1 point) of slack: a last-bit difference may flip a borderline prediction
    assert.ok(Math.abs(Number(r.testAccuracy) - w.testAccuracyAtEarlyStop) <= 0.01, `${what}: WebGL ${r.testAccuracy}, wasm ${w.testAccuracyAtEarlyStop}`);
    assert.is(Number(r.earlyStop), w.earlyStopIteration, `${what}: early-stop iteration`);
    // well above chance after 20 steps (the wasm run reaches 53-63%)
    assert.ok(Number(r.testAccuracy) > 0.3 && Number(r.testAccuracy) <= 1, `${what}: test accuracy ${r.testAccuracy}`);
  });
});

web.run();
