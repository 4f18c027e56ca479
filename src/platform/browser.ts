/**
 * The browser and worker host (see platform.ts): files by fetch; no package resolution, so
 * callers that need one (the Node loaders of build/lth.wasm's siblings, tfjs's Node set-up)
 * fail with a message naming the browser-side way instead.
 */
import type { Platform } from './platform.ts';

function noPackages(spec: string): never {
  throw new Error(`cannot resolve the package file '${spec}' in a browser: fetch it and pass its contents (src/web/ shows how)`);
}

export const platform: Platform = {
  name: 'browser',
  async readFile(location) {
    const res = await fetch(location);
    if (!res.ok) throw new Error(`HTTP ${res.status} for ${String(location)}`);
    return new Uint8Array(await res.arrayBuffer());
  },
  resolvePackageFile: noPackages,
  packageDir: noPackages,
  keepProcessListeners: (fn) => fn(),
};
