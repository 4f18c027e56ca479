/**
 * Where the wasm backend's kernel module comes from (backend/wasm-source.ts): the default is
 * the package's own `lth/lth.wasm` export (so it resolves from dist/ and once installed), and
 * a caller may pass bytes, a compiled module, a path, a file: URL or an http URL.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Backend, createBackend } from '../../src/backend/index.ts';
import { platform as browser } from '../../src/platform/browser.ts';
import { platform as node } from '../../src/platform/node.ts';
import { rejectsUser } from '../fixtures/user-error.ts';

const wasmPath = join(import.meta.dirname, '../../build/lth.wasm');

/** A backend that runs: y = x·2 through a kernel of the module. */
function works(b: Backend): void {
  const x = b.alloc(3);
  const y = b.alloc(3);
  b.write(x, [1, 2, 3]);
  b.scale(x, 2, y, 3);
  assert.equal(Array.from(b.read(y)), [2, 4, 6]);
}

test('the default kernel module is the package export lth/lth.wasm, not a path beside a source file', () => {
  const location = node.kernelLocation();
  assert.is(location, createRequire(import.meta.url).resolve('lth/lth.wasm'));
  assert.is(location, wasmPath);
  // the browser default sits two levels above the bundle (dist/browser/ -> build/), as in src/
  assert.is(String(browser.kernelLocation()), pathToFileURL(wasmPath).href);
});

test('createBackend("wasm") takes the module as bytes, a compiled module, a path or a file: URL', async () => {
  const bytes = readFileSync(wasmPath);
  works(await createBackend('wasm'));
  works(await createBackend('wasm', { wasm: bytes }));
  works(await createBackend('wasm', { wasm: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }));
  works(await createBackend('wasm', { wasmBytes: bytes }));
  works(await createBackend('wasm', { wasm: await WebAssembly.compile(bytes) }));
  works(await createBackend('wasm', { wasm: wasmPath }));
  works(await createBackend('wasm', { wasm: pathToFileURL(wasmPath) }));
  works(await createBackend('wasm', { wasm: pathToFileURL(wasmPath).href }));
});

test('createBackend("wasm") fetches an http URL', async () => {
  const bytes = readFileSync(wasmPath);
  const server = createServer((req, res) => {
    if (req.url === '/lth.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(bytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    works(await createBackend('wasm', { wasm: `${base}/lth.wasm` }));
    works(await createBackend('wasm', { wasm: new URL('/lth.wasm', base) }));
    await rejectsUser(createBackend('wasm', { wasm: `${base}/missing.wasm` }), ['missing.wasm', 'HTTP 404']);
  } finally {
    server.close();
  }
});

test('a location that cannot be read is a UserError naming it', async () => {
  await rejectsUser(createBackend('wasm', { wasm: '/no/such/lth.wasm' }), ['/no/such/lth.wasm', 'ENOENT']);
  await rejectsUser(createBackend('wasm', { wasm: 'file:///no/such/lth.wasm' }), ['file:///no/such/lth.wasm']);
});

test('the browser host reads a file: URL through Node when a browser bundle runs in Node (the edge entry)', async () => {
  const bytes = await browser.readFile(pathToFileURL(wasmPath));
  assert.equal(bytes, new Uint8Array(readFileSync(wasmPath)));
});

test.run();
