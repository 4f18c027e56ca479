// The single-thread fallback (issue 14): a host without SharedArrayBuffer (a browser page that is
// not cross-origin isolated) or asking for one thread gets build/lth.wasm on one thread, with the
// same results; the threads build handed to such a host is refused with the reason.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWasmBackend, threadSupport } from '../../../src/backend/wasm.ts';

const threadsBytes = readFileSync(createRequire(import.meta.url).resolve('lth/lth-threads.wasm'));

// Runs fn with SharedArrayBuffer hidden from globalThis, as on a page without COOP/COEP.
async function withoutSab<T>(fn: () => Promise<T>): Promise<T> {
  const desc = Object.getOwnPropertyDescriptor(globalThis, 'SharedArrayBuffer')!;
  delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
  try {
    return await fn();
  } finally {
    Object.defineProperty(globalThis, 'SharedArrayBuffer', desc);
  }
}

// A GEMM and an Adam step, read back.
function work(b: Awaited<ReturnType<typeof createWasmBackend>>): Float32Array[] {
  const [m, n, k] = [61, 300, 257];
  const a = b.alloc(m * k), w = b.alloc(n * k), c = b.alloc(m * n);
  b.write(a, Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)));
  b.write(w, Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.7)));
  b.gemm('nt', m, n, k, a, w, c, false);
  const [m1, m2] = [b.alloc(m * n), b.alloc(m * n)];
  b.adam(c, c, m1, m2, null, m * n, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 0.1, bc2: 0.001, weightDecay: 0 });
  return [b.read(c), b.read(m2)];
}

test('Node has what the pool needs', () => {
  assert.is(threadSupport(), null);
});

test('without SharedArrayBuffer, threads: 4 runs lth.wasm on one thread, with the same results as two threads', async () => {
  const single = await withoutSab(async () => {
    assert.match(threadSupport() ?? '', /SharedArrayBuffer/);
    return createWasmBackend(undefined, { threads: 4 });
  });
  assert.is(single.threads, 1);
  assert.not.ok(single.memoryBytes() === 0);
  const pooled = await createWasmBackend(undefined, { threads: 2, minWork: { flops: 1, elems: 1 } });
  assert.is(pooled.threads, 2);
  const [a, b] = [work(single), work(pooled)];
  pooled.disposeThreads();
  for (let i = 0; i < a.length; i++) assert.ok(a[i].every((v, j) => Object.is(v, b[i][j])), `output ${i} bit-identical`);
});

test('threads: 1 (the default) needs no pool; the threads build on one thread works too', async () => {
  const b = await createWasmBackend();
  assert.is(b.threads, 1);
  const t = await createWasmBackend(threadsBytes, { threads: 1 });
  assert.is(t.threads, 1);
  const [x, y] = [work(b), work(t)];
  for (let i = 0; i < x.length; i++) assert.ok(x[i].every((v, j) => Object.is(v, y[i][j])), `output ${i} bit-identical`);
});

test('the threads build where SharedArrayBuffer is missing is refused, naming why', async () => {
  await withoutSab(async () => {
    try {
      await createWasmBackend(threadsBytes, { threads: 2 });
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.match((err as Error).message, /threads build of lth\.wasm cannot run here: no SharedArrayBuffer/);
    }
  });
});

test.run();
