/**
 * Training-step benchmark: LeNet-300-100, batch 60, Adam, on lth's wasm backend, lth's js
 * reference and @tensorflow/tfjs-backend-wasm, interleaved in one process (this machine is
 * shared and noisy, so each engine runs several short bursts and its best burst counts).
 * Runnable alone: `node --import tsx bench/train.ts [--json]`.
 */
import { trainCtx } from '../src/autograd/tape.ts';
import { createBackend } from '../src/backend/index.ts';
import { shapeOnlyDataset } from '../src/data/dataset.ts';
import { makeOptimizer } from '../src/optim/optimizer.ts';
import { buildNetwork } from '../src/train/setup.ts';
import { trainStep } from '../src/train/trainer.ts';
import { Rng } from '../src/util/rng.ts';
import { benchTfjsTrainSteps } from './peers/tfjs.ts';

/** Steps per second of each engine and the headline ratio lth / tfjs-wasm. */
export interface TrainBenchResult {
  lth: number;
  tfjsWasm: number;
  js: number;
  ratio: number;
  batch: number;
  bursts: number;
}

/** LeNet-300-100's shapes (the benchmark feeds random batches). */
const shapes = shapeOnlyDataset([1, 28, 28], 10);

/** Times lth training steps on one backend for about `seconds`; returns steps per second. */
export async function benchLthTrainSteps(backend: string, seconds: number, batch = 60, seed = 1): Promise<number> {
  const b = await createBackend(backend);
  const rng = new Rng(seed, 'bench');
  const net = buildNetwork(b, 'lenet300', shapes, rng.split('init'));
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 1.2e-3 });
  const ctx = trainCtx(b, rng.split('dropout'));
  const pool = Array.from({ length: 8 }, () => ({
    x: Float32Array.from({ length: batch * 784 }, () => rng.next()),
    y: Float32Array.from({ length: batch }, () => rng.int(10)),
  }));
  let i = 0;
  const step = (): number => {
    const { x, y } = pool[i++ % pool.length];
    return trainStep(ctx, net.model, net.params, opt, x, y, batch, 784, 1.2e-3);
  };
  for (let w = 0; w < 5; w++) step();
  let steps = 0;
  let sink = 0;
  const t0 = performance.now();
  const budget = seconds * 1000;
  while (performance.now() - t0 < budget || steps < 3) {
    sink += step();
    steps++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  if (!Number.isFinite(sink)) throw new Error('bench: loss went non-finite');
  return steps / elapsed;
}

/** Interleaves bursts of lth-wasm and tfjs-wasm (and one of lth-js); best burst per engine. */
export async function runTrainBench(opts: { bursts?: number; seconds?: number } = {}): Promise<TrainBenchResult> {
  const bursts = opts.bursts ?? 3;
  const seconds = opts.seconds ?? 1.5;
  let lth = 0;
  let tfjsWasm = 0;
  for (let r = 0; r < bursts; r++) {
    lth = Math.max(lth, await benchLthTrainSteps('wasm', seconds));
    tfjsWasm = Math.max(tfjsWasm, (await benchTfjsTrainSteps({ seconds })).stepsPerSecond);
  }
  const js = await benchLthTrainSteps('js', Math.min(seconds, 1));
  return { lth, tfjsWasm, js, ratio: lth / tfjsWasm, batch: 60, bursts };
}

/** Prints the training-step comparison as a small table. */
export function printTrainBench(r: TrainBenchResult): void {
  console.log('LeNet-300-100 training step (batch 60, Adam), steps/s, best of ' + r.bursts + ' interleaved bursts');
  console.log(`  lth wasm SIMD        ${r.lth.toFixed(0).padStart(6)}`);
  console.log(`  tfjs-backend-wasm    ${r.tfjsWasm.toFixed(0).padStart(6)}`);
  console.log(`  lth js reference     ${r.js.toFixed(1).padStart(6)}`);
  console.log(`  lth / tfjs-wasm      ${r.ratio.toFixed(2).padStart(6)}x`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runTrainBench();
  if (process.argv.includes('--json')) console.log(JSON.stringify(r));
  else printTrainBench(r);
}
