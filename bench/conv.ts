/**
 * Convolution side by side: one conv layer's forward + backward (input gradient and weight
 * gradient, no bias) on lth's wasm backend, on tfjs-backend-wasm (`benchTfjsConv2d`) and on
 * lth's js reference, in one process. The default shape is Conv-2's first layer on CIFAR-10:
 * batch 60, 3x32x32 -> 64 channels, 3x3, stride 1, 'same'.
 *
 * Engines are measured in interleaved rounds (lth, tfjs with its own input-gradient kernel,
 * tfjs with its fastest input-gradient route); a round's time is its mean per call and each
 * engine keeps its best round, so a burst of load on a shared machine slows one round, not
 * one engine. Run alone with
 * `node --import tsx bench/conv.ts [--json]`, or call runConvBench().
 */
import { pathToFileURL } from 'node:url';
import type { Backend } from '../src/backend/backend.ts';
import { convGeom, convSizes } from '../src/backend/conv-geom.ts';
import { createBackend } from '../src/backend/index.ts';
import { Rng } from '../src/util/rng.ts';
import { benchTfjsConv2d, type TfjsConvDxMethod } from './peers/tfjs.ts';

/** One conv layer: NCHW input [batch, inChannels, size, size] -> outChannels, square kernel. */
export interface ConvShape {
  batch: number;
  inChannels: number;
  size: number;
  outChannels: number;
  kernel: number;
  role: string;
}

/** One comparison: milliseconds per forward + both backward passes, and tfjs / lth. */
export interface ConvRow {
  name: string;
  lthMs: number;
  tfjsMs: number;
  /** tfjsMs / lthMs: how many times faster lth is. */
  ratio: number;
}

/** Options of runConvBench. */
export interface ConvBenchOptions {
  /** Layers to measure (default: Conv-2's first layer). */
  shapes?: ConvShape[];
  /** Interleaved rounds; each engine keeps its best (default 5). */
  rounds?: number;
  /** Wall-clock seconds per tfjs round (default 0.6; tfjs reports its mean over the round). */
  tfjsSeconds?: number;
  /** Also time the js reference once per shape (default true; about 10 s at the default shape). */
  js?: boolean;
}

/** Conv-2's first layer on CIFAR-10 (Frankle & Carbin Fig. 2). */
export const CONV2_LAYER1: ConvShape = { batch: 60, inChannels: 3, size: 32, outChannels: 64, kernel: 3, role: 'Conv-2 conv1 on CIFAR-10' };

/** Times fwd + dx + dW on backend `b`: the mean of `reps` calls, in milliseconds (as tfjs reports its rounds). */
function lthConvMs(b: Backend, s: ConvShape, reps: number): number {
  const g = convGeom(s.batch, s.inChannels, s.size, s.size, s.outChannels, s.kernel, 1, 'same');
  const z = convSizes(g);
  const rng = new Rng(1, 'conv-bench');
  const fill = (n: number) => {
    const buf = b.alloc(n);
    b.write(buf, Float32Array.from({ length: n }, () => rng.normal()));
    return buf;
  };
  const [x, w, dy] = [fill(z.x), fill(z.w), fill(z.y)];
  const [y, dx, dw] = [b.alloc(z.y), b.alloc(z.x), b.alloc(z.w)];
  const t0 = performance.now();
  try {
    for (let r = 0; r < reps; r++) {
      b.conv2d(x, w, y, g);
      b.conv2dBackwardData(dy, w, dx, g, false);
      b.conv2dBackwardWeights(x, dy, dw, g, false);
    }
  } finally {
    for (const buf of [x, w, dy, y, dx, dw]) b.free(buf);
  }
  return (performance.now() - t0) / reps;
}

/** "60x3x32x32 -> 64, 3x3". */
function label(s: ConvShape): string {
  return `${s.batch}x${s.inChannels}x${s.size}x${s.size} -> ${s.outChannels}, ${s.kernel}x${s.kernel}`;
}

/** Measures every shape; returns rows for lth wasm (against both tfjs routes) and the js reference. */
export async function runConvBench(opts: ConvBenchOptions = {}): Promise<ConvRow[]> {
  const wasm = await createBackend('wasm');
  const js = await createBackend('js');
  const rounds = opts.rounds ?? 5;
  const rows: ConvRow[] = [];
  for (const s of opts.shapes ?? [CONV2_LAYER1]) {
    const tf = { batch: s.batch, height: s.size, width: s.size, inChannels: s.inChannels, outChannels: s.outChannels, kernel: s.kernel };
    const tfjs = (dxVia: TfjsConvDxMethod) => benchTfjsConv2d({ ...tf, dxVia, warmup: 1, seconds: opts.tfjsSeconds ?? 0.6 });
    lthConvMs(wasm, s, 2); // warm-up: wasm tier-up, workspace growth
    let lth = Infinity, tfKernel = Infinity, tfFast = Infinity;
    for (let r = 0; r < rounds; r++) {
      lth = Math.min(lth, lthConvMs(wasm, s, 10));
      tfKernel = Math.min(tfKernel, await tfjs('backprop-kernel'));
      tfFast = Math.min(tfFast, await tfjs('flipped-conv'));
    }
    const row = (name: string, lthMs: number, tfjsMs: number): ConvRow => ({ name, lthMs, tfjsMs, ratio: tfjsMs / lthMs });
    rows.push(row(`${s.role} ${label(s)}: lth wasm vs tfjs (tf.grads kernels)`, lth, tfKernel));
    rows.push(row(`${s.role} ${label(s)}: lth wasm vs tfjs (fastest dx route)`, lth, tfFast));
    if (opts.js ?? true) rows.push(row(`${s.role} ${label(s)}: lth js reference vs tfjs (tf.grads kernels)`, lthConvMs(js, s, 1), tfKernel));
  }
  return rows;
}

/** Prints rows as a table. */
export function printConvRows(rows: ConvRow[]): void {
  console.table(rows.map((r) => ({ comparison: r.name, 'lth ms': r.lthMs.toFixed(2), 'tfjs ms': r.tfjsMs.toFixed(2), 'tfjs / lth': r.ratio.toFixed(2) })));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runConvBench();
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else printConvRows(rows);
}
