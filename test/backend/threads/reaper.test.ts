// A threaded backend dropped without disposeThreads() lets its shared memory go: its pool's
// threads (which hold the memory) stop when the backend is collected. Run in a child Node with
// --expose-gc: 16 backends of 64 MB each must not add up (rss stays far below 16 x 64 MB).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const script = `
import { createWasmBackend } from '${new URL('../../../src/backend/wasm.ts', import.meta.url).href}';
const rss = () => process.memoryUsage().rss / 2 ** 20;
const start = rss();
for (let i = 0; i < 16; i++) {
  const b = await createWasmBackend(undefined, { threads: 2 });
  const x = b.alloc(16 * 2 ** 20); // 64 MiB, touched
  b.fill(x, 1, 16 * 2 ** 20);
  if (i % 4 === 3) { globalThis.gc(); await new Promise((r) => setTimeout(r, 100)); }
}
globalThis.gc();
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify({ grew: rss() - start }));
process.exit(0);
`;

test('dropped threaded backends release their memory (the pool stops when the backend is collected)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lth-reaper-'));
  writeFileSync(join(dir, 'drop.mts'), script);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(dir, 'drop.mts')], { encoding: 'utf8', timeout: 120_000 });
  rmSync(dir, { recursive: true, force: true });
  assert.is(r.status, 0, r.stderr);
  const { grew } = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.ok(grew < 8 * 64, `rss grew ${grew.toFixed(0)} MiB over 16 backends of 64 MiB`);
});

test.run();
