/**
 * Backend registry: the one place that maps a backend name (config field, --backend flag) to
 * an implementation, and where a backend that cannot load falls back to another.
 */
import { UserError } from '../util/errors.ts';
import type { Backend } from './backend.ts';
import { JsBackend } from './js.ts';
import { platform } from '#platform';
import { createWasmBackend } from './wasm.ts';
import { type WasmSource, resolveWasmSource } from './wasm-source.ts';

export type { WasmSource } from './wasm-source.ts';
export type { Backend, Buf, GemmLayout, AdamArgs, SgdArgs, ConvGeom, PoolGeom, IntBuf, CsrIndex } from './backend.ts';
export type { Families, MemoryOps, CoreOps, ConvOps, PoolOps, SparseOps, SparseConvOps, SeqOps } from './backend.ts';

/** Names accepted by createBackend. */
export type BackendName = 'wasm' | 'js' | 'tfjs-wasm';

/** Options of createBackend. */
export interface CreateBackendOptions {
  /**
   * When the named backend cannot load (for `wasm`: build/lth.wasm missing or invalid, or no
   * WebAssembly SIMD), create its fallback (`tfjs-wasm`) instead, after a one-line warning.
   * The CLI sets it; library callers and tests get the error, so a failure is never silent.
   */
  fallback?: boolean;
  /**
   * Our kernel module (lth.wasm): its bytes, a compiled WebAssembly.Module, or a URL or path to
   * read (http(s) is fetched). Default: build/lth.wasm of the installed lth package (Node), or
   * the file two levels above the library bundle (browsers; bundlers emit it as an asset).
   */
  wasm?: WasmSource;
  /** The kernel module's bytes (the same as `wasm` with bytes; kept for existing callers). */
  wasmBytes?: BufferSource;
  /** Where the fallback warning goes; default console.warn (stderr in Node). */
  warn?: (line: string) => void;
  /**
   * Kernel threads for one op on the wasm backend (default 1; 0: resolveThreads(0)). Above 1,
   * where the host allows (SharedArrayBuffer, a thread that may block), the threads build runs
   * with a kernel pool; otherwise one thread. Other backends ignore it.
   */
  threads?: number;
}

/**
 * The kernel threads a setting of `threads` means: itself when above 0; for 0 (automatic),
 * every core this host has when one piece runs at a time, else max(1, floor(cores / workers))
 * so that `workers` pieces side by side do not oversubscribe the cores.
 */
export function resolveThreads(threads: number, workers = 1): number {
  if (threads > 0) return threads;
  return Math.max(1, Math.floor(platform.cores() / Math.max(1, workers)));
}

// Typed record: adding a backend is one line, and the name list cannot drift from it.
// tfjs is imported only when asked for, so the default path never loads it.
const factories: Record<BackendName, (o: CreateBackendOptions) => Promise<Backend>> = {
  wasm: async (o) => createWasmBackend(o.wasm ?? o.wasmBytes ? await resolveWasmSource(o.wasm ?? o.wasmBytes) : undefined, { threads: resolveThreads(o.threads ?? 1) }),
  js: async () => new JsBackend(),
  'tfjs-wasm': async () => (await import('./tfjs.ts')).createTfjsBackend(),
};

// The backend to try when one cannot load.
const fallbacks: Partial<Record<BackendName, BackendName>> = { wasm: 'tfjs-wasm' };

/** Valid backend names, default first. */
export const backendNames = Object.keys(factories) as BackendName[];

/**
 * Creates the named backend; an unknown name throws a UserError listing the valid ones. With
 * `fallback`, a backend that fails to load is replaced by its fallback (see the option).
 */
export async function createBackend(name: BackendName | string, opts: CreateBackendOptions = {}): Promise<Backend> {
  if (!Object.hasOwn(factories, name)) {
    throw new UserError(`unknown backend "${name}"; valid backends: ${backendNames.join(', ')}`);
  }
  const key = name as BackendName;
  const alt = fallbacks[key];
  if (!opts.fallback || alt === undefined) return factories[key](opts);
  try {
    return await factories[key](opts);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    (opts.warn ?? console.warn)(`lth: the ${key} backend cannot load (${why}); falling back to ${alt}`);
    return factories[alt](opts);
  }
}
