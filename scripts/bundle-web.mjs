// Builds the browser app into dist/web/: main.js (the page), worker.js (the experiment worker)
// and a lazily loaded chunk with TensorFlow.js, plus index.html and the .wasm files they fetch.
// No Node built-in is reachable: the host-specific code sits behind `#platform` (package.json
// `imports`), which the `browser` condition resolves to src/platform/browser.ts; an import of a
// Node built-in would fail this build.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Total size in bytes of the files in `dir` (not recursive). */
function dirSize(dir) {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/**
 * Builds the web app into `outdir` (default dist/web). Returns the size in bytes of each file
 * written (JavaScript, html, wasm), for the build log and the tests.
 */
export async function buildWeb({ outdir = join(root, 'dist/web'), minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true }); // no stale chunks from an earlier build
  mkdirSync(outdir, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { main: 'src/web/main.ts', worker: 'src/web/worker.ts' },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify,
    sourcemap: true,
    chunkNames: 'chunk-[hash]',
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'src/web/index.html'), join(outdir, 'index.html'));
  copyFileSync(join(root, 'build/lth.wasm'), join(outdir, 'lth.wasm'));
  copyFileSync(join(root, 'build/lth-threads.wasm'), join(outdir, 'lth-threads.wasm')); // when the page is cross-origin isolated
  const tfWasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  for (const f of readdirSync(tfWasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(tfWasmDir, f), join(outdir, f));
  const sizes = {};
  for (const f of readdirSync(outdir).filter((f) => !f.endsWith('.map'))) sizes[f] = statSync(join(outdir, f)).size;
  return { outdir, sizes, total: dirSize(outdir) };
}

/** One line per file and a total, in KiB (source maps excluded from the listing). */
export function formatSizes({ sizes }) {
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const lines = Object.entries(sizes).sort(([a], [b]) => a.localeCompare(b)).map(([f, n]) => `  ${f.padEnd(40)} ${kib(n).padStart(10)}`);
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  return [...lines, `  ${'total (without source maps)'.padEnd(40)} ${kib(total).padStart(10)}`].join('\n');
}
