// The wasm backend's memory: persistent free-list allocator, step arena, views after growth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WasmBuf, createWasmBackend } from '../../src/backend/wasm.ts';
import { createBackend, backendNames } from '../../src/backend/index.ts';
import { UserError } from '../../src/util/errors.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { convGeom } from '../../src/backend/conv-geom.ts';
import { OutOfMemoryError } from '../../src/backend/memory-error.ts';

const ptr = (b: unknown): number => (b as WasmBuf).ptr;

test('alloc is 16-byte aligned and zero-filled, also when reusing freed memory', async () => {
  const b = await createWasmBackend();
  const x = b.alloc(1000);
  assert.is(ptr(x) % 16, 0);
  b.fill(x, 7, 1000);
  b.free(x);
  const y = b.alloc(1000);
  assert.is(ptr(y), ptr(x), 'first fit reuses the freed block');
  assert.ok(b.read(y).every((v) => v === 0), 'reused memory is zeroed');
  const s = b.scratch(3);
  assert.is(ptr(s) % 16, 0);
  assert.equal(Array.from(b.read(s)), [0, 0, 0]);
});

test('free coalesces neighbours; double free and use after free throw', async () => {
  const b = await createWasmBackend();
  const a = b.alloc(100), c = b.alloc(100), d = b.alloc(100);
  const bytes = b.memoryBytes();
  b.free(a);
  b.free(c);
  const big = b.alloc(200); // fits only in a+c merged (each rounds to 400 bytes)
  assert.is(ptr(big), ptr(a));
  assert.is(b.memoryBytes(), bytes, 'no growth');
  assert.throws(() => b.free(a), /after free/);
  assert.throws(() => b.read(c), /after free/);
  b.free(d);
  b.free(big);
  assert.throws(() => b.free(b.scratch(4)), /scratch/);
});

test('scratch reset keeps memory flat over 10,000 steps', async () => {
  const b = await createWasmBackend();
  const params = b.alloc(50_000);
  const step = (i: number): void => {
    // More than the first 1 MiB chunk, so step 1 spills into a second chunk that reset merges.
    const acts = [150_000, 120_000, 17, 5, 3_001].map((n) => b.scratch(n));
    b.fill(acts[0], i, 150_000);
    b.fill(acts[3], i, 5);
    if (i % 500 === 7) b.free(b.alloc(2_000)); // occasional persistent churn between steps
    b.resetScratch();
  };
  step(0);
  const flat = b.memoryBytes();
  const [s0, s1] = [b.scratch(150_000), b.scratch(120_000)];
  assert.is(ptr(s1), ptr(s0) + 600_000, 'after reset the spilled chunks are merged into one');
  b.resetScratch();
  for (let i = 1; i < 10_000; i++) {
    step(i);
    if (b.memoryBytes() !== flat) assert.unreachable(`memory grew at step ${i}: ${flat} -> ${b.memoryBytes()}`);
  }
  const s = b.scratch(5);
  assert.equal(Array.from(b.read(s)), [0, 0, 0, 0, 0], 'scratch is zero-filled after reuse');
  b.resetScratch();
  assert.throws(() => b.read(s), /resetScratch/);
  b.free(params);
});

test('buffers written before memory.grow read back intact; kernels work on both sides', async () => {
  const b = await createWasmBackend();
  const x = b.alloc(5);
  b.write(x, [1, 2, 3, 4, 5]);
  const before = b.memoryBytes();
  const huge = b.alloc(8 << 20); // 32 MiB forces memory.grow
  assert.ok(b.memoryBytes() > before);
  assert.equal(Array.from(b.read(x)), [1, 2, 3, 4, 5]);
  b.write(huge, [9, 8, 7], (8 << 20) - 3);
  b.copy(x, huge, 5);
  assert.equal(Array.from(b.read(huge).subarray(0, 5)), [1, 2, 3, 4, 5]);
  assert.equal(Array.from(b.read(huge).subarray((8 << 20) - 3)), [9, 8, 7]);
  assert.is(b.sum(huge, 8 << 20), 15 + 24);
});

test('a step that outgrows its chunk behind a persistent block merges to its high-water mark, then stays flat', async () => {
  const b = await createWasmBackend();
  const MiB = 2 ** 18; // floats
  const step = (churn: boolean): void => {
    b.scratch(3 * MiB);
    if (churn) b.free(b.alloc(1000)); // a persistent block lands behind the chunk: it cannot grow in place
    const keep = churn ? b.alloc(1000) : null;
    b.scratch(5 * MiB);
    b.scratch(2 * MiB);
    b.resetScratch();
    if (keep) b.free(keep);
  };
  const before = b.memoryBytes();
  step(true);
  const after = b.memoryBytes();
  // 10 MiB high-water: a 3 MiB chunk, a 5 MiB one grown in place to 8, then one 10 MiB block
  // reusing the 8 (~14 MiB in all), not doubled chunks (3, 5, 8 MiB) merged into 16 more.
  assert.ok(after - before < 16 << 20, `grew ${(after - before) / 2 ** 20} MiB`);
  const [s0, s1] = [b.scratch(3 * MiB), b.scratch(7 * MiB)];
  assert.is(ptr(s1), ptr(s0) + (3 << 20), 'one block after the merge');
  b.resetScratch();
  for (let i = 0; i < 50; i++) step(i % 2 === 0);
  assert.is(b.memoryBytes(), after, 'flat');
});

test('kernel workspaces come from the arena: convolution steps allocate nothing after the first', async () => {
  const b = await createWasmBackend();
  const g = convGeom(8, 16, 16, 16, 32, 3);
  const w = b.alloc(32 * 16 * 9);
  const step = (): void => {
    const x = b.scratch(8 * 16 * 256), y = b.scratch(8 * 32 * 256);
    b.conv2d(x, w, y, g);
    b.conv2dBackwardData(y, w, x, g, false);
    b.conv2dBackwardWeights(x, y, w, g, false);
  };
  step();
  const peak = b.scratchPeak();
  assert.ok(peak > 4 * (8 * 16 * 256 + 8 * 32 * 256), 'the peak counts the workspace above the buffers');
  b.resetScratch();
  const flat = b.memoryBytes();
  for (let i = 0; i < 20; i++) {
    step();
    b.resetScratch();
  }
  assert.is(b.memoryBytes(), flat);
});

test('scratch regions: resetting one leaves the other valid; scratchPeak sums both since resetScratch', async () => {
  for (const b of [await createWasmBackend(), new JsBackend()]) {
    const a = b.scratch(10);
    b.write(a, [1, 2, 3]);
    b.scratchRegion(1, true);
    const c = b.scratch(20);
    b.scratchRegion(0, true);
    assert.throws(() => b.read(a), /resetScratch/, `${b.name}: region 0 was reset`);
    const d = b.scratch(5);
    b.scratchRegion(1, true);
    assert.throws(() => b.read(c), /resetScratch/, `${b.name}: region 1 was reset`);
    assert.equal(Array.from(b.read(d)), [0, 0, 0, 0, 0], `${b.name}: region 0 kept`);
    assert.ok(b.scratchPeak() >= 4 * (10 + 20) && b.scratchPeak() < 4 * (10 + 20) + 200, `${b.name}: peak ${b.scratchPeak()}`);
    b.resetScratch();
    assert.throws(() => b.read(d), /resetScratch/);
    assert.is(b.scratchPeak(), 0);
    b.scratch(3);
    assert.ok(b.scratchPeak() >= 12 && b.scratchPeak() < 100, `${b.name}: peak ${b.scratchPeak()} restarts`);
    b.resetScratch();
  }
});

test('growth past maxMemoryBytes is an OutOfMemoryError; the heap stays usable', async () => {
  const b = await createWasmBackend(undefined, { maxMemoryBytes: 32 << 20 });
  const x = b.alloc(1000);
  let err: unknown;
  try {
    b.alloc(40 << 18);
  } catch (e) {
    err = e;
  }
  assert.instance(err, OutOfMemoryError);
  assert.is((err as OutOfMemoryError).maxBytes, 32 << 20);
  assert.throws(() => b.scratch(40 << 18), (e: unknown) => e instanceof OutOfMemoryError);
  b.resetScratch();
  assert.ok(b.memoryBytes() <= 32 << 20);
  const y = b.alloc(1 << 20);
  b.write(x, [5]);
  assert.is(b.read(x)[0], 5);
  b.free(y);
});

test('createBackend: known names work, an unknown name is a UserError listing the valid ones', async () => {
  assert.equal(backendNames, ['wasm', 'js', 'tfjs-wasm']);
  for (const name of backendNames) assert.is((await createBackend(name)).name, name);
  try {
    await createBackend('cuda');
    assert.unreachable('should throw');
  } catch (err) {
    assert.instance(err, UserError);
    assert.match((err as Error).message, /"cuda".*wasm, js, tfjs-wasm/);
  }
});

test.run();
