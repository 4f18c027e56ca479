/**
 * Prints the tfjs-backend-wasm peer's figures: LeNet-300-100 Adam steps/s (plain loop and
 * tinybench), matMul GFLOP/s in the layouts a dense layer's training uses, conv2d fwd+bwd ms
 * (with tfjs's own input-gradient kernel, and with the faster flipped-conv rewrite).
 *
 *   node --import tsx bench/peers/tfjs-report.ts [--no-simd] [--seconds=S]
 *
 * `--no-simd` loads the scalar wasm binary instead, to see which paths SIMD speeds up.
 */
import { Bench } from 'tinybench';
import { Rng } from '../../src/util/rng.ts';
import {
  benchTfjsConv2d,
  benchTfjsMatMul,
  benchTfjsTrainSteps,
  initTfjsWasm,
  makeTfjsLenet,
  tfjsWasmInfo,
} from './tfjs.ts';

const args = process.argv.slice(2);
const simd = !args.includes('--no-simd');
const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice('--seconds='.length) ?? 2);
if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${seconds}`);

const tf = await initTfjsWasm({ simd });
const info = await tfjsWasmInfo(tf);
console.log(`tfjs ${tf.version.tfjs}, backend ${info.backend}, simd ${info.simd}, threads ${info.threads}`);

// three repetitions: this box has 2 cores that other jobs may share, so report the spread
const runs: number[] = [];
const cpuRuns: number[] = [];
for (let r = 0; r < 3; r++) {
  const res = await benchTfjsTrainSteps({ batch: 60, seconds });
  runs.push(res.stepsPerSecond);
  cpuRuns.push(res.stepsPerCpuSecond);
}
runs.sort((a, b) => a - b);
cpuRuns.sort((a, b) => a - b);
console.log(
  `LeNet-300-100 batch 60 Adam: ${fmt(runs[1])} steps/s ` +
    `(median of 3; min ${fmt(runs[0])}, max ${fmt(runs[2])})`,
);
console.log(`  per CPU second: ${fmt(cpuRuns[1])} steps/s (median of 3)`);

// the same step under tinybench, as the public bench will time it
const rng = new Rng(7, 'tfjs-report');
const x = Float32Array.from({ length: 60 * 784 }, () => rng.next());
const y = new Float32Array(60 * 10);
for (let i = 0; i < 60; i++) y[i * 10 + rng.int(10)] = 1;
const model = makeTfjsLenet(tf, { batch: 60, seed: 7 });
const bench = new Bench({ time: seconds * 1000, warmupTime: 500 });
bench.add('tfjs-wasm lenet step', () => {
  model.step(x, y);
});
await bench.run();
const res = bench.tasks[0].result;
if (res.state === 'completed') {
  const byMedian = fmt(1000 / res.latency.p50);
  console.log(`  tinybench: ${byMedian} steps/s at the median latency, ${fmt(1000 / res.period)} by mean`);
}
model.dispose();

console.log('matMul GFLOP/s (m x k . k x n):');
const shapes: Array<[string, number, number, number, boolean, boolean]> = [
  ['60x784x300 NN', 60, 300, 784, false, false],
  ['60x784x300 NT', 60, 300, 784, false, true],
  ['60x784x300 TN', 60, 300, 784, true, false],
  ['60x784x300 TT', 60, 300, 784, true, true],
  ['fc1 dW = x^T.dy   784x60x300 TN', 784, 300, 60, true, false],
  ['fc2 dx = dy.W^T   60x100x300 NT', 60, 300, 100, false, true],
];
for (const [name, m, n, k, ta, tb] of shapes) {
  console.log(`  ${name.padEnd(34)} ${fmt(await benchTfjsMatMul(m, n, k, ta, tb, seconds / 2))}`);
}

for (const dxVia of ['backprop-kernel', 'flipped-conv'] as const) {
  const ms = await benchTfjsConv2d({ seconds, dxVia });
  console.log(`conv2d 60x32x32x3 -> 64 3x3 same, fwd+bwd (dx via ${dxVia}): ${fmt(ms)} ms/iteration`);
}

function fmt(v: number): string {
  return v >= 100 ? v.toFixed(0) : v.toFixed(2);
}
