import type { Dataset } from '../data/dataset.ts';
import type { LoadOptions } from '../data/registry.ts';
import type { RunStore } from '../experiment/store/run-store.ts';
import type { KernelWorker } from '../backend/threads/pool.ts';
import type { KernelWorkerInit } from '../backend/threads/worker-source.ts';

/**
 * What the engine needs from its host beyond the web platform: reading its own files, finding
 * installed packages, and guarding process-wide handlers. `#platform` (package.json `imports`)
 * resolves to node.ts, or to browser.ts under a bundler's `browser` condition, so a browser or
 * worker bundle never sees a Node built-in.
 */
export interface Platform {
  /** 'node' or 'browser' (which module `#platform` resolved to). */
  readonly name: 'node' | 'browser';
  /** The bytes of a file: Node reads a path or file: URL from disk; a browser fetches the URL. */
  readFile(location: string | URL): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * Where the kernel module (build/lth.wasm) is when the caller passes none: Node resolves the
   * package's own `lth/lth.wasm` export, so it holds from source, from dist/ and once installed.
   */
  kernelLocation(): string | URL;
  /** Where the threads build of the kernel module (build/lth-threads.wasm) is: as kernelLocation. */
  threadsKernelLocation(): string | URL;
  /** Logical cores of this host (Node: os.availableParallelism(); browsers: navigator.hardwareConcurrency). */
  cores(): number;
  /**
   * Starts one kernel-pool thread (backend/threads/): a worker_threads Worker in Node (unref'd,
   * so it never keeps the process alive), a Web Worker in a browser.
   */
  startKernelWorker(init: KernelWorkerInit): KernelWorker;
  /** Absolute path of the file an installed package's specifier names (Node's require.resolve). */
  resolvePackageFile(spec: string): string;
  /** The directory of resolvePackageFile(spec), ending in a path separator (a loader's prefix). */
  packageDir(spec: string): string;
  /**
   * Runs `fn`, then removes the process-wide 'uncaughtException' and 'unhandledRejection'
   * listeners it added (emscripten's Node glue installs some). Hosts without them just run `fn`.
   */
  keepProcessListeners<T>(fn: () => Promise<T>): Promise<T>;
  /** The run store of a run directory (Node: experiment/store/fs-store.ts); a browser has none. */
  openRunStore(dir: string): RunStore;
  /**
   * A dataset by name (Node: data/registry.ts, from files); a browser generates `synthetic`
   * only: other data is fetched by the page and passed to the runner.
   */
  loadDataset(name: string, opts: LoadOptions): Promise<Dataset>;
}
