// Run by pack.test.ts with plain Node (no tsx) inside a temporary project where the packed lth
// tarball is installed without dev dependencies: it uses the package the way a user would.
// Prints one JSON line of what it observed; the test asserts on it.
import { readFile } from 'node:fs/promises';

const lth = await import('lth');
const edge = await import('lth/edge');
const out = {};

// Root: a backend from the package's own lth.wasm, and 200 iterations of LeNet-300-100.
const cfg = lth.resolveConfig({ iterations: 200, evalEvery: 100, branches: ['ticket'], pruning: { rounds: 2 } });
const b = await lth.createBackend('wasm');
const data = await lth.loadDataset('mnist');
const net = lth.buildNetwork(b, 'lenet300', data, new lth.Rng(1));
const opt = lth.makeOptimizer(b, net.params, lth.optimizerConfig(cfg.optimizer));
const run = lth.train(b, net.model, net.params, opt, data, { iterations: 200, batchSize: 60, evalEvery: 200, lr: () => cfg.optimizer.lr }, { data: new lth.Rng(2), dropout: new lth.Rng(3) });
let step = run.next();
while (!step.done) step = run.next();
out.trainAccuracy = step.value.evals.at(-1).testAccuracy;

// Root: the config's 2-round IMP experiment into an in-memory run store, then its round-2 ticket as model.lth.
const store = new lth.MemoryStore('consumer');
for await (const e of lth.runExperiment(cfg, store)) if (e.kind === 'pieceDone') out.pieces = (out.pieces ?? 0) + 1;
const bytes = lth.exportSparseModel(store, { round: 2 });
const root = await lth.loadSparseModel(bytes, b);
out.density = lth.specDensity(root.spec);

// Edge: the same bytes on a fresh wasm backend, from the default lth.wasm and from given bytes.
const x = data.test.x.subarray(0, 50 * root.inputSize);
const want = root.predict(x, 50);
const m1 = await edge.loadModel(bytes);
const m2 = await edge.loadModel(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), { wasm: await readFile(new URL(import.meta.resolve('lth/lth.wasm'))) });
const p1 = m1.predict(x, 50);
const p2 = m2.predict(x, 50);
out.edgeMatches = p1.every((v, i) => Math.abs(v - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i]))) && p2.every((v, i) => v === p1[i]);
const labels = data.test.y.subarray(0, 50);
out.edgeAccuracy = edge.argmax(p1, m1.numClasses).reduce((n, c, i) => n + (c === labels[i] ? 1 : 0), 0) / 50;

// Root: the kernel pool from the package's own lth-threads.wasm gives the one-thread numbers.
const pooled = await lth.createBackend('wasm', { threads: 2 });
out.threads = pooled.threads;
const gemm = (be) => {
  const [m, n, k] = [61, 300, 257];
  const [A, B, C] = [be.alloc(m * k), be.alloc(n * k), be.alloc(m * n)];
  be.write(A, Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)));
  be.write(B, Float32Array.from({ length: n * k }, (_, i) => Math.cos(i)));
  be.gemm('nt', m, n, k, A, B, C, false);
  return be.read(C);
};
const [g1, g2] = [gemm(b), gemm(pooled)];
out.threadsMatch = g1.every((v, i) => Object.is(v, g2[i]));
pooled.disposeThreads();
console.log(JSON.stringify(out));
