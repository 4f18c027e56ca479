/**
 * The browser and worker host (see platform.ts): files by fetch (file: URLs through Node's fs
 * when a worker bundle runs in Node); no package resolution, so
 * callers that need one (the Node loaders of build/lth.wasm's siblings, tfjs's Node set-up)
 * fail with a message naming the browser-side way instead.
 */
import { checkSplits } from '../data/check-splits.ts';
import { normalizeAs } from '../data/normalize.ts';
import { makeSyntheticDataset } from '../data/synthetic.ts';
import { UserError } from '../util/errors.ts';
import type { Platform } from './platform.ts';
import { webWorkerSource } from '../backend/threads/worker-source.ts';

function noPackages(spec: string): never {
  throw new Error(`cannot resolve the package file '${spec}' in a browser: fetch it and pass its contents (src/web/ shows how)`);
}

// Node running a browser-platform bundle (the edge entry on a serverless host) cannot fetch a
// file: URL; its fs is reached through getBuiltinModule, an import no bundler follows.
type FsPromises = { readFile(path: URL): Promise<Uint8Array> };
function nodeFs(): FsPromises | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:fs/promises') as FsPromises | undefined;
}

export const platform: Platform = {
  name: 'browser',
  async readFile(location) {
    const fs = String(location).startsWith('file:') ? nodeFs() : undefined;
    if (fs !== undefined) return new Uint8Array(await fs.readFile(new URL(location)));
    const res = await fetch(location);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${String(location)}`);
    return new Uint8Array(await res.arrayBuffer());
  },
  // The library bundles sit two levels below the package root (dist/browser/), and bundlers
  // (Vite, webpack) emit the file this `new URL(..., import.meta.url)` pattern names as an asset.
  kernelLocation: () => new URL('../../build/lth.wasm', import.meta.url),
  threadsKernelLocation: () => new URL('../../build/lth-threads.wasm', import.meta.url),
  cores: () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1,
  startKernelWorker(init) {
    const url = URL.createObjectURL(new Blob([webWorkerSource()], { type: 'text/javascript' }));
    const w = new Worker(url);
    const ready = new Promise<void>((resolve, reject) => {
      w.onmessage = () => {
        URL.revokeObjectURL(url);
        resolve();
      };
      w.onerror = (e) => reject(new Error(`kernel thread ${init.index} failed to start: ${e.message}`));
    });
    w.postMessage(init);
    return { ready, terminate: () => w.terminate() };
  },
  resolvePackageFile: noPackages,
  packageDir: noPackages,
  keepProcessListeners: (fn) => fn(),
  openRunStore(dir) {
    throw new UserError(`cannot open the run directory '${dir}' in a browser: pass a MemoryStore (or another RunStore) instead of a path`);
  },
  async loadDataset(name, opts) {
    if (name === 'synthetic') return checkSplits(name, normalizeAs(makeSyntheticDataset(opts.synthetic), opts.normalize));
    throw new UserError(`dataset '${name}' is read from files, which a browser cannot do: load it yourself (e.g. buildEmbeddedMnist of fetched digits) and pass it as the runner's \`data\` option`);
  },
};
