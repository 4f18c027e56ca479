// The backend conformance suite (test/backend/conformance-checks.ts) on TensorFlow.js's WebGL
// backend, in headless Chromium: the checks are bundled for the browser, run one by one in a
// plain page (WebGL2 on SwiftShader, the software renderer, since the browser has no GPU), and
// each reports pass or fail here as its own test. Skipped with a notice without a Chromium.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JsBackend } from '../../src/backend/js.ts';
import { serveWeb } from '../../scripts/serve-web.mjs';
import { conformanceChecks } from '../backend/conformance-checks.ts';
import type { CheckResult, ConformancePage } from './conformance-page.ts';
import { launchChromium, NODE_IMPORT } from './chromium.ts';

/**
 * tf flags for the run. WEBGL_CPU_FORWARD off: otherwise tfjs hands ops on small inputs that
 * are still on the CPU side to its CPU kernels, and the shaders would go untested at the odd
 * sizes (tfjs's own WebGL test registry turns it off too).
 *
 * Tolerances: none is widened for WebGL. tfjs renders into float32 textures whenever the
 * context has EXT_color_buffer_float (checked below), and SwiftShader evaluates highp shaders in
 * IEEE single precision, so every check meets the bounds of the f32 backends (gemm 1e-5, sums
 * 1e-6 relative, relu specials bit-exact). With half-float textures
 * (WEBGL_RENDER_FLOAT32_ENABLED off) seven of the ten checks fail at the first element, e.g.
 * gemm 1x1x1: -0.47437 for -0.47446: a device without float32 render targets cannot run this
 * backend to these bounds, and the check of the flag below says so instead of loosening them.
 */
const TF_FLAGS = { WEBGL_CPU_FORWARD: false };

/**
 * The odd-size GEMM grid on WebGL: the Node grid without 5. Every distinct shape compiles its
 * own shaders (about 10 ms each on SwiftShader, nine tenths of this check's time), and on
 * WebGL's 2x2-packed textures 5 exercises nothing that 3 does not (odd: a half-filled texel).
 */
const WEBGL_GEMM_DIMS = [0, 1, 3, 17, 67];

// The check names, from the same module the page runs (they do not depend on the backend).
const names = conformanceChecks(new JsBackend(), new JsBackend()).map((c) => c.name);

/** What the page reported when tf started. */
type Started = Awaited<ReturnType<ConformancePage['start']>>;

interface Ctx {
  dir: string;
  browser: Browser | null;
  /** The page, once tf runs on WebGL there. */
  page: Page | null;
  started: Started | null;
  /** Why setting up failed (uvu does not report a failing hook's error, so the tests do). */
  setupError: Error | null;
  /** Seconds each check took in the page. */
  seconds: Record<string, number>;
  close: () => void;
}

const webgl = suite<Ctx>('webgl conformance', { dir: '', browser: null, page: null, started: null, setupError: null, seconds: {}, close: () => {} });

webgl.before(async (ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'lth-conformance-'));
  try {
    await build({
      entryPoints: { conformance: 'test/web/conformance-page.ts' },
      outdir: ctx.dir,
      bundle: true,
      platform: 'browser', // resolves #platform to src/platform/browser.ts; a Node built-in fails the build
      format: 'esm',
      target: 'es2022',
      logLevel: 'silent',
    });
    writeFileSync(join(ctx.dir, 'conformance.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="conformance.js"></script>\n');
    ctx.browser = await launchChromium();
    if (ctx.browser === null) return;
    const { server, url } = await serveWeb({ port: 0, webDir: ctx.dir });
    const browser = ctx.browser;
    ctx.close = () => {
      server.close();
      void browser.close();
    };
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}conformance.html`);
    await page.waitForFunction(() => 'lthConformance' in globalThis, null, { timeout: 30_000 }).catch(() => {
      throw new Error(`the conformance page did not load: ${errors.join('; ')}`);
    });
    ctx.started = await page.evaluate(
      ([flags, gemmDims]) => (globalThis as unknown as { lthConformance: ConformancePage }).lthConformance.start({ gemmDims }, flags),
      [TF_FLAGS, WEBGL_GEMM_DIMS] as const,
    );
    console.log(`  (WebGL checks on ${ctx.started.device})`);
    ctx.page = page;
  } catch (err) {
    ctx.setupError = err as Error;
  }
});

webgl.after((ctx) => {
  const times = Object.entries(ctx.seconds).sort((a, b) => b[1] - a[1]);
  if (times.length > 0) {
    const total = times.reduce((t, [, s]) => t + s, 0);
    console.log(`  (WebGL checks: ${total.toFixed(1)} s in the page; slowest: ${times.slice(0, 3).map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')})`);
  }
  ctx.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});

webgl('the conformance bundle (tfjs, the tfjs and js backends, the checks) imports no Node built-ins', (ctx) => {
  const file = join(ctx.dir, 'conformance.js');
  if (!existsSync(file)) throw ctx.setupError ?? new Error('no conformance.js was built');
  const js = readFileSync(file, 'utf8');
  const m = NODE_IMPORT.exec(js);
  assert.is(m, null, `conformance.js imports a Node built-in: ${m?.[0]}`);
});

webgl('tfjs starts on WebGL 2 with float32 render targets and the checks Node knows', (ctx) => {
  if (ctx.setupError !== null) throw ctx.setupError;
  if (ctx.browser === null) return; // no browser: skipped (the notice is printed once)
  const s = ctx.started!;
  assert.is(s.backend, 'tfjs-webgl');
  assert.match(s.device, /^WebGL 2 on /);
  assert.ok(s.float32, `${s.device} has no float32 render targets: tfjs would keep buffers in half floats (about 3 digits), which these bounds reject`);
  assert.equal(s.names, names, 'the page runs the checks Node knows');
});

for (const name of names) {
  webgl(`tfjs-webgl: ${name}`, async (ctx) => {
    if (ctx.browser === null && ctx.setupError === null) return; // no browser: skipped (the notice is printed once)
    if (ctx.page === null) assert.unreachable(`WebGL did not start: ${ctx.setupError?.message}`);
    const r: CheckResult = await ctx.page!.evaluate((n) => (globalThis as unknown as { lthConformance: ConformancePage }).lthConformance.run(n), name);
    ctx.seconds[name] = r.ms / 1000;
    assert.ok(r.ok, `on WebGL: ${r.message}`);
  });
}

webgl.run();
