/** The Node host (see platform.ts): files from disk, packages through require.resolve. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, sep } from 'node:path';
import { Worker } from 'node:worker_threads';
import { nodeWorkerSource } from '../backend/threads/worker-source.ts';
import { loadDataset } from '../data/registry.ts';
import { FileStore } from '../experiment/store/fs-store.ts';
import type { Platform } from './platform.ts';

const require = createRequire(import.meta.url);

export const platform: Platform = {
  name: 'node',
  async readFile(location) {
    return new Uint8Array(await readFile(location));
  },
  kernelLocation() {
    return require.resolve('lth/lth.wasm'); // the package's self-reference (package.json exports)
  },
  threadsKernelLocation() {
    return require.resolve('lth/lth-threads.wasm');
  },
  cores: () => availableParallelism(),
  startKernelWorker(init) {
    const w = new Worker(nodeWorkerSource(), { eval: true, workerData: init });
    w.unref();
    const ready = new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`kernel thread ${init.index} exited (code ${code}) before it was ready`)));
    });
    return { ready, terminate: () => void w.terminate() };
  },
  resolvePackageFile(spec) {
    return require.resolve(spec);
  },
  packageDir(spec) {
    return dirname(require.resolve(spec)) + sep;
  },
  async keepProcessListeners(fn) {
    const exceptions = process.listeners('uncaughtException');
    const rejections = process.listeners('unhandledRejection');
    try {
      return await fn();
    } finally {
      for (const l of process.listeners('uncaughtException')) if (!exceptions.includes(l)) process.removeListener('uncaughtException', l);
      for (const l of process.listeners('unhandledRejection')) if (!rejections.includes(l)) process.removeListener('unhandledRejection', l);
    }
  },
  openRunStore: (dir) => new FileStore(dir),
  loadDataset,
};
