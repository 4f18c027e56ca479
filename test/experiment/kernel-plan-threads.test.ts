// kernel-plan.json written by worker threads at the same time (lth run --workers N): no writer
// drops another's entries, and every writer gets the first choice recorded under a shared key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readKernelPlan } from '../../src/experiment/kernel-plan-file.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-plan-threads-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const THREADS = 3;
const src = (f: string): string => pathToFileURL(join(import.meta.dirname, '../../src/experiment', f)).href;

// A thread recording (through the run store or the plan file) `n` keys of its own, and then the shared key with its own choice.
// `gate`: a shared counter; each thread waits there until all are ready, so their writes overlap.
function writer(path: string, who: number, n: number, gate: Int32Array): Promise<unknown> {
  const body = `
    const { workerData, parentPort } = await import('node:worker_threads');
    (await import('tsx/esm/api')).register();
    const { fileKernelPlan } = await import(${JSON.stringify(src('kernel-plan-file.ts'))});
    const { runKernelPlan } = await import(${JSON.stringify(src('kernel-plan-store.ts'))});
    const { FileStore } = await import(${JSON.stringify(src('store/fs-store.ts'))});
    const { path, dir, who, n, gate, threads } = workerData;
    Atomics.add(gate, 0, 1);
    while (Atomics.load(gate, 0) < threads) Atomics.wait(gate, 0, Atomics.load(gate, 0), 5);
    // the run's plan through its store (what pieces use), or the file by path (tools)
    const plan = who % 2 ? runKernelPlan(new FileStore(dir)) : fileKernelPlan(path);
    const mine = (i) => ({ path: 'dense', density: i / 1000, denseMs: who, sparseMs: null });
    for (let i = 0; i < n; i++) plan.record('t' + who + '|' + i, mine(i));
    parentPort.postMessage(plan.record('shared', { path: who % 2 ? 'sparse' : 'dense', density: 0.5, denseMs: who, sparseMs: who }));`;
  const w = new Worker(`(async () => {${body}})()`, { eval: true, workerData: { path, dir: dirname(path), who, n, gate, threads: THREADS } });
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

test('three threads recording at once: every entry is kept, and all get the first shared choice', async () => {
  const path = join(tmp, 'kernel-plan.json');
  const threads = THREADS;
  const n = 40;
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const shared = await Promise.all(Array.from({ length: threads }, (_, who) => writer(path, who, n, gate)));
  const plan = readKernelPlan(path);
  assert.is(Object.keys(plan).length, threads * n + 1, 'entries lost to a concurrent writer');
  for (let who = 0; who < threads; who++) for (let i = 0; i < n; i++) assert.is(plan[`t${who}|${i}`].density, i / 1000);
  for (const s of shared) assert.equal(s, plan.shared, 'a thread trains with another choice than the recorded one');
  assert.not.ok(existsSync(`${path}.lock`), 'the lock is released');
});

test.run();
