/**
 * Backend registry: the one place that maps a backend name (config field, --backend flag) to
 * an implementation. The tfjs peer registers here too when it lands.
 */
import { UserError } from '../util/errors.ts';
import type { Backend } from './backend.ts';
import { JsBackend } from './js.ts';
import { createWasmBackend } from './wasm.ts';

export type { Backend, Buf, GemmLayout, AdamArgs, SgdArgs, ConvGeom, PoolGeom, IntBuf, CsrIndex } from './backend.ts';

/** Names accepted by createBackend. */
export type BackendName = 'wasm' | 'js';

// Typed record: adding a backend is one line, and the name list cannot drift from it.
const factories: Record<BackendName, () => Promise<Backend>> = {
  wasm: () => createWasmBackend(),
  js: async () => new JsBackend(),
};

/** Valid backend names, default first. */
export const backendNames = Object.keys(factories) as BackendName[];

/** Creates the named backend; an unknown name throws a UserError listing the valid ones. */
export async function createBackend(name: BackendName | string): Promise<Backend> {
  if (!Object.hasOwn(factories, name)) {
    throw new UserError(`unknown backend "${name}"; valid backends: ${backendNames.join(', ')}`);
  }
  return factories[name as BackendName]();
}
