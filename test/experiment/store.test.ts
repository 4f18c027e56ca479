// The run store: a directory and memory hold the same entries, byte for byte; the memory store
// sets bad entries aside and recovers like the directory does; the report and the export read
// and write through any store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { encodeSafetensors } from '../../src/experiment/io/safetensors.ts';
import { writeReport } from '../../src/experiment/report/report.ts';
import { type RunEvent, runExperiment } from '../../src/experiment/runner.ts';
import { FileStore } from '../../src/experiment/store/fs-store.ts';
import { entryName, runKeys } from '../../src/experiment/store/keys.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';
import { exportSparseModel, sparseSpecFromRun } from '../../src/infer/export.ts';
import { decodeSparseModel } from '../../src/infer/format.ts';
import { countOnes } from '../../src/prune/masks.ts';

const cfg = resolveConfig({
  name: 'stores',
  model: 'lenet300',
  widthMultiplier: 0.1,
  dataset: 'synthetic',
  iterations: 16,
  evalEvery: 8,
  batchSize: 30,
  kernels: 'dense',
  pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit', 'fineTune', 'snip'],
  atInit: { batches: 2 },
  trials: 1,
});
const data = makeSyntheticDataset({ train: 600, val: 100, test: 200 });
const tmp = mkdtempSync(join(tmpdir(), 'lth-store-'));

async function run(where: MemoryStore | string, stopAfter = Infinity): Promise<RunEvent[]> {
  const evs: RunEvent[] = [];
  let done = 0;
  for await (const ev of runExperiment(cfg, where, { data })) {
    evs.push(ev);
    if (ev.kind === 'pieceDone' && ++done >= stopAfter) break;
  }
  return evs;
}

/** An entry's digest, JSON with the wall-clock fields zeroed (the only bytes that differ between runs). */
const steady = (name: string, bytes: Uint8Array): string =>
  createHash('sha256').update(/\.jsonl?$/.test(name) ? new TextDecoder().decode(bytes).replace(/"(wallSeconds|stepsPerSecond)": ?[^,\n}]+/g, '"$1":0') : bytes).digest('hex');

function dirFiles(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(root, p).split(sep).join('/'), steady(f, readFileSync(p)));
    }
  };
  walk(root);
  return out;
}

test('a run into memory holds exactly the files a run directory holds, byte for byte', async () => {
  const dir = join(tmp, 'dir');
  await run(dir);
  const mem = new MemoryStore();
  await run(mem);
  const onDisk = dirFiles(dir);
  const inMemory = new Map(mem.files().map(([name, bytes]) => [name, steady(name, bytes)]));
  assert.equal([...inMemory.keys()].sort(), [...onDisk.keys()].sort());
  for (const [name, value] of onDisk) assert.equal(inMemory.get(name), value, name);
  assert.ok(inMemory.has('round-2/trial-0/fineTune.mask.safetensors') && inMemory.has('trial-0/rewind.safetensors'));
  // the fs store names its entries by path, the memory store by the same relative names
  const fs = new FileStore(dir);
  assert.is(fs.where(runKeys.mask(1, 0)), join(dir, 'round-1', 'trial-0', 'mask.safetensors'));
  assert.is(mem.where(runKeys.mask(1, 0)), 'memory:run/round-1/trial-0/mask.safetensors');
});

test('memory: a damaged round mask is set aside (numbered), recomputed, and the summary is unchanged', async () => {
  const whole = new MemoryStore('whole');
  await run(whole);
  const mem = new MemoryStore('damaged');
  await run(mem, 2); // round 0's ticket and round 1's
  const key = runKeys.mask(1, 0);
  const f = mem.getTensors(key);
  f.tensors['fc1.weight'].data[3] = 7;
  mem.write(key, encodeSafetensors(f.tensors));
  mem.quarantine(runKeys.metrics); // an earlier .corrupt of another entry is no obstacle
  const evs = await run(mem);
  const corrupt = evs.flatMap((e) => (e.kind === 'corrupt' ? [e] : []));
  assert.equal(corrupt.map((e) => [e.path, e.movedTo]), [[mem.where(key), `${mem.where(key)}.corrupt`]]);
  assert.match(corrupt[0].reason, /holds 7 at index 3/);
  assert.ok(mem.files().some(([name]) => name === `${entryName(key)}.corrupt`), 'the bad entry is kept for inspection');
  assert.equal(steady('s.json', mem.read(runKeys.summary)!), steady('s.json', whole.read(runKeys.summary)!));
  // set aside again: the first evidence stays, the next is numbered
  mem.putText(runKeys.kernelPlan, 'x');
  assert.is(mem.quarantine(runKeys.kernelPlan), 'memory:damaged/kernel-plan.json.corrupt');
  mem.putText(runKeys.kernelPlan, 'y');
  assert.is(mem.quarantine(runKeys.kernelPlan), 'memory:damaged/kernel-plan.json.corrupt.2');
  assert.not.ok(mem.has(runKeys.kernelPlan));
});

test('memory: the store keeps its own copy of what it is given', () => {
  const mem = new MemoryStore();
  const bytes = new TextEncoder().encode('{"a": 1}');
  mem.write(runKeys.summary, bytes);
  bytes[2] = 0x62;
  assert.is(mem.getText(runKeys.summary), '{"a": 1}');
  const t = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, NaN]) } });
  mem.write(runKeys.rewind(0), t);
  assert.throws(() => mem.getWeights(runKeys.rewind(0), { w: [2] }), /NaN at index 1/);
  assert.throws(() => mem.getWeights(runKeys.rewind(1)), /memory:run\/trial-1\/rewind.safetensors: missing/);
});

test('the report and the export read and write through a memory store', async () => {
  const mem = new MemoryStore();
  await run(mem);
  const written = writeReport(mem);
  assert.ok(written.includes('memory:run/report.html'), written.join(', '));
  assert.match(mem.getText(runKeys.report('report.html'))!, /<h1>Lottery ticket experiment: stores<\/h1>/);
  const dir = join(tmp, 'dir');
  // the same ticket as the directory run's (only info.run, where it came from, differs)
  assert.equal(sparseSpecFromRun(mem, { round: 2 }).layers, sparseSpecFromRun(dir, { round: 2 }).layers);
  assert.is(decodeSparseModel(exportSparseModel(mem, { round: 2 })).info.run, 'memory:run');
  const ticket = mem.getMasks(runKeys.mask(2, 0));
  assert.is(countOnes(ticket['fc3.weight']), 64);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
