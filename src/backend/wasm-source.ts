/**
 * Where the kernel module (build/lth.wasm) comes from: bytes or a compiled module the caller
 * holds, or a location to read. The default is the installed package's own file
 * (platform.kernelLocation), never a path relative to a source file, so it holds in dist/ too.
 */
import { platform } from '#platform';
import { UserError } from '../util/errors.ts';

/**
 * The kernel module: its bytes, a compiled WebAssembly.Module (what edge runtimes such as
 * Cloudflare Workers hand out for a .wasm import), or a URL or path to read.
 */
export type WasmSource = BufferSource | WebAssembly.Module | URL | string;

/** What WebAssembly can instantiate: bytes or a compiled module. */
export type WasmModuleInput = BufferSource | WebAssembly.Module;

// Strings with these schemes are URLs; anything else is a path (Windows' C:\ parses as a scheme).
const URL_SCHEMES = new Set(['http:', 'https:', 'file:', 'data:', 'blob:']);

function asUrl(loc: string | URL): URL | undefined {
  if (loc instanceof URL) return loc;
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(loc)?.[0].toLowerCase();
  return scheme !== undefined && URL_SCHEMES.has(scheme) ? new URL(loc) : undefined;
}

// A web URL is fetched (every host has fetch); a path or file: URL goes to the host's reader.
async function readLocation(loc: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  const url = asUrl(loc);
  if (url === undefined || url.protocol === 'file:') return platform.readFile(url ?? loc);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Reads the kernel module from its default location (build/lth.wasm of the lth package), or
 * the threads build (build/lth-threads.wasm) when `variant` is 'threads'.
 */
export async function readWasmFile(variant: 'single' | 'threads' = 'single'): Promise<Uint8Array<ArrayBuffer>> {
  let loc: string | URL | undefined;
  const file = variant === 'threads' ? 'lth-threads.wasm' : 'lth.wasm';
  try {
    loc = variant === 'threads' ? platform.threadsKernelLocation() : platform.kernelLocation();
    return await readLocation(loc);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    const where = loc === undefined ? '' : ` from ${loc instanceof URL && loc.protocol === 'file:' ? loc.pathname : String(loc)}`;
    throw new Error(`cannot load the kernel module ${file}${where} (${why}); pass its bytes, URL or WebAssembly.Module as the \`wasm\` option, or in a source checkout run \`npm run build:wasm\``);
  }
}

/**
 * Bytes or a compiled module from `source` (a location is read: http(s) by fetch, a path or
 * file: URL from disk); the default location when omitted. An unreadable location the caller
 * named is a UserError naming it.
 */
export async function resolveWasmSource(source?: WasmSource): Promise<WasmModuleInput> {
  if (source === undefined) return readWasmFile();
  if (typeof source !== 'string' && !(source instanceof URL)) return source;
  try {
    return await readLocation(source);
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    throw new UserError(`cannot read the wasm module at ${String(source)} (${why}): pass the URL or path of lth.wasm (the package's \`lth/lth.wasm\` export), or its bytes`);
  }
}
