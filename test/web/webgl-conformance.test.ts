// The backend check suites (test/backend/*-checks.ts: dense, NCHW, CSR, sparse convolution) on
// TensorFlow.js's WebGL backend, in headless Chromium: the checks are bundled for the browser,
// run one by one in plain pages (WebGL2 on SwiftShader, the software renderer, since the browser
// has no GPU), and each reports pass or fail here as its own test. Skipped with a notice
// without a Chromium.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JsBackend } from '../../src/backend/js.ts';
import { serveWeb } from '../../scripts/serve-web.mjs';
import { backendChecks } from './backend-checks.ts';
import type { CheckResult, ConformancePage } from './conformance-page.ts';
import { launchChromium, NODE_IMPORT } from './chromium.ts';
import { WEBGL_OPTIONS } from './webgl-options.ts';

/**
 * tf flags for the run. WEBGL_CPU_FORWARD off: otherwise tfjs hands ops on small inputs that
 * are still on the CPU side to its CPU kernels, and the shaders would go untested at the odd
 * sizes (tfjs's own WebGL test registry turns it off too).
 *
 * Tolerances: none is widened for WebGL. tfjs renders into float32 textures whenever the
 * context has EXT_color_buffer_float (checked below), and SwiftShader evaluates highp shaders in
 * IEEE single precision, so every check meets the bounds of the f32 backends (gemm 1e-5, sums
 * 1e-6 relative, relu specials and max pooling bit-exact). With half-float textures
 * (WEBGL_RENDER_FLOAT32_ENABLED off) seven of the ten dense checks fail at the first element,
 * e.g. gemm 1x1x1: -0.47437 for -0.47446: a device without float32 render targets cannot run
 * this backend to these bounds, and the check of the flag below says so instead of loosening
 * them. The size grids are smaller than Node's (webgl-options.ts).
 */
const TF_FLAGS = { WEBGL_CPU_FORWARD: false };

/**
 * Browsers the checks are shared out to. A page's shaders compile on one thread of its
 * browser's GPU process (pages of one browser share it), and compiling is most of the time, so
 * a second browser on a second core about halves the wall time.
 */
const BROWSERS = Math.min(2, availableParallelism());

// The check names, from the same modules the page runs (they do not depend on the backend).
const names = backendChecks(new JsBackend(), new JsBackend()).map((c) => c.name);

/** What a page reported when tf started. */
type Started = Awaited<ReturnType<ConformancePage['start']>>;

interface Ctx {
  dir: string;
  /** Whether a Chromium started (false: the tests are skipped). */
  browser: boolean;
  /** What each page reported when tf started on WebGL there. */
  started: Started[];
  /** Each check's result, as the pages finish them. */
  results: Map<string, Promise<CheckResult>>;
  /** Why setting up failed (uvu does not report a failing hook's error, so the tests do). */
  setupError: Error | null;
  /** Seconds each check took in its page, and the wall time of the whole queue. */
  seconds: Record<string, number>;
  wall: Promise<number>;
  close: () => void;
}

const webgl = suite<Ctx>('webgl conformance', {
  dir: '', browser: false, started: [], results: new Map(), setupError: null, seconds: {}, wall: Promise.resolve(0), close: () => {},
});

/** Opens the conformance page in `browser` and starts tf on WebGL there. */
async function openPage(browser: Browser, url: string): Promise<{ page: Page; started: Started }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}conformance.html`);
  await page.waitForFunction(() => 'lthConformance' in globalThis, null, { timeout: 30_000 }).catch(() => {
    throw new Error(`the conformance page did not load: ${errors.join('; ')}`);
  });
  const started = await page.evaluate(
    ([flags, opts]) => (globalThis as unknown as { lthConformance: ConformancePage }).lthConformance.start(opts, flags),
    [TF_FLAGS, WEBGL_OPTIONS] as const,
  );
  return { page, started };
}

/** Runs the named checks, each page taking the next one when it is free; resolves each check's result. */
function runQueue(pages: Page[], queue: string[]): { results: Map<string, Promise<CheckResult>>; wall: Promise<number> } {
  const resolvers = new Map<string, (r: CheckResult) => void>();
  const results = new Map(queue.map((n) => [n, new Promise<CheckResult>((res) => resolvers.set(n, res))]));
  const todo = [...queue];
  const t0 = performance.now();
  const worker = async (page: Page): Promise<void> => {
    for (let name = todo.shift(); name !== undefined; name = todo.shift()) {
      const r = await page.evaluate((n) => (globalThis as unknown as { lthConformance: ConformancePage }).lthConformance.run(n), name)
        .catch((err: Error): CheckResult => ({ ok: false, message: `the page failed: ${err.message}`, ms: 0 }));
      resolvers.get(name)!(r);
    }
  };
  const wall = Promise.all(pages.map(worker)).then(() => (performance.now() - t0) / 1000);
  return { results, wall };
}

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
    const launched = await Promise.allSettled(Array.from({ length: BROWSERS }, () => launchChromium()));
    const browsers = launched.flatMap((l) => (l.status === 'fulfilled' && l.value !== null ? [l.value] : []));
    const failed = launched.find((l) => l.status === 'rejected');
    if (failed !== undefined) {
      for (const b of browsers) void b.close();
      throw failed.reason; // LTH_REQUIRE_BROWSER=1 and a browser that does not start
    }
    if (browsers.length === 0) return;
    ctx.browser = true;
    const { server, url } = await serveWeb({ port: 0, webDir: ctx.dir });
    ctx.close = () => {
      server.close();
      for (const b of browsers) void b.close();
    };
    const pages = await Promise.all(browsers.map((b) => openPage(b, url)));
    ctx.started = pages.map((p) => p.started);
    console.log(`  (WebGL checks on ${ctx.started[0].device}, ${pages.length} browser${pages.length > 1 ? 's' : ''})`);
    ({ results: ctx.results, wall: ctx.wall } = runQueue(pages.map((p) => p.page), names));
  } catch (err) {
    ctx.setupError = err as Error;
  }
});

webgl.after(async (ctx) => {
  const times = Object.entries(ctx.seconds).sort((a, b) => b[1] - a[1]);
  if (times.length > 0) {
    const total = times.reduce((t, [, s]) => t + s, 0);
    const slowest = times.slice(0, 3).map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ');
    console.log(`  (WebGL checks: ${total.toFixed(1)} s in the pages, ${(await ctx.wall).toFixed(1)} s wall; slowest: ${slowest})`);
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
  if (!ctx.browser) return; // no browser: skipped (the notice is printed once)
  for (const s of ctx.started) {
    assert.is(s.backend, 'tfjs-webgl');
    assert.match(s.device, /^WebGL 2 on /);
    assert.ok(s.float32, `${s.device} has no float32 render targets: tfjs would keep buffers in half floats (about 3 digits), which these bounds reject`);
    assert.equal(s.names, names, 'the page runs the checks Node knows');
  }
});

for (const name of names) {
  webgl(`tfjs-webgl: ${name}`, async (ctx) => {
    if (!ctx.browser && ctx.setupError === null) return; // no browser: skipped (the notice is printed once)
    const pending = ctx.results.get(name);
    if (pending === undefined) assert.unreachable(`WebGL did not start: ${ctx.setupError?.message}`);
    const r = await pending!;
    ctx.seconds[name] = r.ms / 1000;
    assert.ok(r.ok, `on WebGL: ${r.message}`);
  });
}

webgl.run();
