/** The Node host (see platform.ts): files from disk, packages through require.resolve. */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
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
