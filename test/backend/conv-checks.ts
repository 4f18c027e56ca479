// The NCHW conformance checks (convolution, pooling, batch norm, channel bias), runtime-neutral:
// a candidate backend against the js reference loops at odd sizes (0, 1, 3, 5, 17 channels /
// pixels), strides, paddings, the grouped and ungrouped GEMM paths of the wasm convolution, and
// layer sizes. Node runs them in conv.test.ts; headless Chromium runs them on tfjs's WebGL
// backend (test/web/webgl-conformance.test.ts). No Node built-ins here or in compare.ts.
import * as assert from 'uvu/assert';
import type { Backend, ConvGeom, PoolGeom } from '../../src/backend/backend.ts';
import { convGeom, convPlan, convSizes, poolGeom, poolSizes, type Padding } from '../../src/backend/conv-geom.ts';
import { Rng } from '../../src/util/rng.ts';
import { buf, rand, same } from './compare.ts';
import type { Check } from './conformance-checks.ts';

/** Per-backend settings; the defaults are the Node suite's. */
export interface ConvCheckOptions {
  /** The geometries of the odd-geometry convolution check, instead of the fixed and random ones below. */
  convs?: ConvGeom[];
}

// A case that only steers the wasm convolution's GEMM grouping or fused routes (WebGL skips these).
const route = (g: ConvGeom) => ({ g, webgl: false });
const plain = (g: ConvGeom) => ({ g, webgl: true });

/**
 * The fixed convolutions: 0/1 sizes, 1x1 and non-square kernels, strides 1-3, every padding kind,
 * and the wasm kernel's routes. `webgl`: also in the WebGL grid (test/web/webgl-options.ts).
 */
export const FIXED_CONVS: { g: ConvGeom; webgl: boolean }[] = [
  plain(convGeom(0, 3, 5, 5, 4, 3)),
  plain(convGeom(2, 0, 5, 5, 4, 3)),
  plain(convGeom(1, 1, 1, 1, 1, 1)),
  plain(convGeom(1, 1, 1, 1, 3, 3)),
  plain(convGeom(2, 3, 2, 2, 2, 3, 1, 'valid')), // kernel larger than the input: empty output
  plain(convGeom(3, 5, 17, 17, 17, 3)), // P = 289: one image per GEMM (g = 1)
  route(convGeom(5, 3, 10, 10, 7, 3)), // P = 100: groups of 3, the last one partial
  plain(convGeom(2, 3, 17, 5, 5, [2, 5], [2, 1], 'same')), // asymmetric 'same' padding
  plain(convGeom(2, 2, 9, 11, 3, 3, 3, 2)),
  plain(convGeom(3, 4, 7, 7, 6, 1, 2, 0)),
  // Fused routes (>= 32 output channels forward, >= 32 input channels backward-data).
  route(convGeom(2, 33, 5, 16, 5, 3)), // flipped-kernel dx, im2col forward
  route(convGeom(5, 3, 10, 10, 40, 3, 1, 'valid')), // fused forward (8-pixel rows), groups of 4, the last partial
  plain(convGeom(2, 32, 4, 16, 33, 1, 1, 2)), // 1x1 kernel, padding 2: the flipped kernel's padding is -2 (output larger than input)
  route(convGeom(3, 34, 11, 16, 32, [3, 2], [1, 1], 'same')), // fused both ways, non-square kernel
  route(convGeom(2, 3, 6, 6, 32, 3)), // fused forward with 6-pixel rows: every panel straddles rows
  route(convGeom(2, 32, 11, 16, 32, 3, 2, 1)), // strided: dx through col2im
];

/** The fixed convolutions, then random ones. */
function convCases(rng: Rng): ConvGeom[] {
  const fixed = FIXED_CONVS.map((c) => c.g);
  const sizes = [1, 3, 5, 17];
  const pads: Padding[] = ['same', 'valid', 0, 1, 2];
  for (let i = 0; i < 24; i++) {
    const h = sizes[rng.int(4)], w = sizes[rng.int(4)];
    const k = 1 + rng.int(Math.min(5, Math.max(h, w)));
    const g = convGeom(1 + rng.int(3), sizes[rng.int(3)], h, w, sizes[rng.int(4)], k, 1 + rng.int(3), pads[rng.int(pads.length)]);
    fixed.push(g);
  }
  return fixed;
}

/** Max-pool windows: the paper's 2x2/2 at odd widths (SIMD body + tail), overlapping and padded ones. */
function poolCases(): PoolGeom[] {
  const out: PoolGeom[] = [];
  for (const [h, w] of [[0, 0], [1, 1], [2, 2], [3, 5], [5, 17], [17, 9], [8, 32], [4, 33]]) out.push(poolGeom(2, 3, h, w, 2));
  out.push(poolGeom(2, 3, 7, 9, 3, 2, 1), poolGeom(1, 5, 6, 6, 3, 1, 'same'), poolGeom(3, 1, 9, 9, [3, 2], [2, 3], 'valid'));
  return out;
}

/** The NCHW checks of backend `b` against the reference `ref`, in a fixed order with fixed names. */
export function convChecks(ref: Backend, b: Backend, opts: ConvCheckOptions = {}): Check[] {
  const checks: Check[] = [];
  // each check draws from its own stream, so one can run alone (a browser runs them one by one)
  const check = (name: string, body: (rng: Rng) => void): void => {
    checks.push({ name, run: () => body(new Rng(7, `conv/${b.name}/${name}`)) });
  };

  check('conv2d forward and both backward passes at odd geometries, accumulate on and off', (rng) => {
    for (const g of opts.convs ?? convCases(rng)) {
      const z = convSizes(g);
      const tag = `conv n${g.n} c${g.c} ${g.h}x${g.w} -> ${g.cout} k${g.kh}x${g.kw} s${g.strideH}x${g.strideW} p${g.padH}/${g.padW} out ${g.outH}x${g.outW}`;
      same(ref, b, [rand(rng, z.x), rand(rng, z.w), rand(rng, z.y)], (be, [x, w, y]) => be.conv2d(x, w, y, g), `${tag} fwd`, 1e-4, 1e-5);
      for (const acc of [false, true]) {
        same(ref, b, [rand(rng, z.y), rand(rng, z.w), rand(rng, z.x)], (be, [dy, w, dx]) => be.conv2dBackwardData(dy, w, dx, g, acc), `${tag} dx acc=${acc}`, 1e-4, 1e-5);
        same(ref, b, [rand(rng, z.x), rand(rng, z.y), rand(rng, z.w)], (be, [x, dy, dw]) => be.conv2dBackwardWeights(x, dy, dw, g, acc), `${tag} dw acc=${acc}`, 1e-4, 1e-5);
      }
    }
  });

  check('conv2d at layer sizes (grouped 8x8 planes, an ungrouped 16x16 one, a Conv-2 first layer)', (rng) => {
    for (const g of [convGeom(6, 16, 8, 8, 32, 3), convGeom(3, 16, 16, 16, 24, 3), convGeom(2, 3, 32, 32, 8, 3)]) {
      const z = convSizes(g);
      assert.ok(convPlan(g, 'forward').group >= 1);
      same(ref, b, [rand(rng, z.x), rand(rng, z.w), rand(rng, z.y)], (be, [x, w, y]) => be.conv2d(x, w, y, g), `fwd ${g.c}->${g.cout} ${g.h}x${g.w}`, 1e-4, 1e-4);
      same(ref, b, [rand(rng, z.y), rand(rng, z.w), rand(rng, z.x)], (be, [dy, w, dx]) => be.conv2dBackwardData(dy, w, dx, g, false), `dx ${g.c}->${g.cout}`, 1e-4, 1e-4);
      same(ref, b, [rand(rng, z.x), rand(rng, z.y), rand(rng, z.w)], (be, [x, dy, dw]) => be.conv2dBackwardWeights(x, dy, dw, g, true), `dw ${g.c}->${g.cout}`, 1e-4, 1e-4);
    }
  });

  check('channelBiasAct and channelSum', (rng) => {
    for (const [n, c, plane] of [[0, 3, 5], [1, 1, 1], [3, 5, 17], [2, 17, 3], [4, 16, 1024]]) {
      const x = rand(rng, n * c * plane), bias = rand(rng, c);
      for (const relu of [false, true]) {
        same(ref, b, [x, bias, rand(rng, x.length)], (be, [p, q, r]) => be.channelBiasAct(p, q, r, n, c, plane, relu), `channelBiasAct ${n}x${c}x${plane} relu=${relu}`, 0, 0);
        same(ref, b, [x, bias], (be, [p, q]) => be.channelBiasAct(p, q, p, n, c, plane, relu), `channelBiasAct in place ${n}x${c}x${plane}`, 0, 0);
      }
      for (const acc of [false, true]) same(ref, b, [x, bias], (be, [p, q]) => be.channelSum(p, q, n, c, plane, acc), `channelSum ${n}x${c}x${plane} acc=${acc}`, 1e-5, 1e-5);
    }
  });

  check('maxPool2d forward and backward, including ties, -0 and NaN, bit for bit', (rng) => {
    for (const g of poolCases()) {
      const z = poolSizes(g);
      const tag = `maxPool ${g.h}x${g.w} k${g.kh}x${g.kw} s${g.strideH}x${g.strideW} p${g.padH}/${g.padW}`;
      // Coarse values make ties common; a few specials exercise the scan order.
      const x = Float32Array.from({ length: z.x }, () => Math.round(rng.next() * 4 - 2) / 2);
      for (let i = 0; i < z.x; i += 7) x[i] = [-0, 0, NaN, -Infinity][rng.int(4)];
      same(ref, b, [x, rand(rng, z.y)], (be, [p, q]) => be.maxPool2d(p, q, g), `${tag} fwd`, 0, 0);
      for (const acc of [false, true]) {
        same(ref, b, [x, rand(rng, z.y), rand(rng, z.x)], (be, [p, q, r]) => be.maxPool2dBackward(p, q, r, g, acc), `${tag} bwd acc=${acc}`, 1e-6, 1e-6);
      }
    }
  });

  check('global average pool forward and backward', (rng) => {
    for (const [nc, plane] of [[0, 4], [1, 1], [3, 5], [17, 17], [6, 64], [5, 1024]]) {
      same(ref, b, [rand(rng, nc * plane), rand(rng, nc)], (be, [x, y]) => be.globalAvgPool(x, y, nc, plane), `gap ${nc}x${plane}`, 1e-5, 1e-6);
      for (const acc of [false, true]) {
        same(ref, b, [rand(rng, nc), rand(rng, nc * plane)], (be, [dy, dx]) => be.globalAvgPoolBackward(dy, dx, nc, plane, acc), `gap bwd ${nc}x${plane} acc=${acc}`, 1e-6, 1e-7);
      }
    }
  });

  check('batch norm statistics, forward and backward (batch and fixed statistics)', (rng) => {
    for (const [n, c, plane] of [[1, 1, 1], [3, 5, 1], [2, 3, 17], [5, 17, 9], [8, 4, 256]]) {
      const size = n * c * plane;
      // A channel offset far from 0 checks that the variance does not cancel.
      const x = Float32Array.from(rand(rng, size), (v, i) => v + 50 * (Math.floor(i / plane) % c));
      same(ref, b, [x, rand(rng, c), rand(rng, c)], (be, [p, m, v]) => be.batchNormStats(p, m, v, n, c, plane), `bn stats ${n}x${c}x${plane}`, 1e-5, 1e-5);
      const mean = new Float32Array(c), variance = new Float32Array(c);
      const [rx, rm, rv] = [buf(ref, x), buf(ref, mean), buf(ref, variance)];
      ref.batchNormStats(rx, rm, rv, n, c, plane);
      ref.read(rm, mean);
      ref.read(rv, variance);
      [rx, rm, rv].forEach((t) => ref.free(t));
      const gamma = rand(rng, c), beta = rand(rng, c);
      same(ref, b, [x, mean, variance, gamma, beta, rand(rng, size)], (be, [p, m, v, ga, be2, y]) => be.batchNormForward(p, m, v, ga, be2, y, n, c, plane, 1e-5), `bn fwd ${n}x${c}x${plane}`, 1e-4, 1e-4);
      for (const batchStats of [true, false]) for (const acc of [false, true]) {
        same(ref, b, [x, rand(rng, size), mean, variance, gamma, rand(rng, size), rand(rng, c), rand(rng, c)],
          (be, [p, dy, m, v, ga, dx, dg, db]) => be.batchNormBackward(p, dy, m, v, ga, dx, dg, db, n, c, plane, 1e-5, batchStats, acc),
          `bn bwd ${n}x${c}x${plane} batchStats=${batchStats} acc=${acc}`, 2e-3, 2e-4);
      }
    }
  });

  check('NCHW ops reject short buffers and windows outside the input', () => {
    const g = convGeom(2, 3, 5, 5, 4, 3);
    const z = convSizes(g);
    const [x, w, y] = [b.alloc(z.x), b.alloc(z.w), b.alloc(z.y - 1)];
    assert.throws(() => b.conv2d(x, w, y, g), /conv2d y/);
    assert.throws(() => b.conv2dBackwardWeights(x, y, w, g, false), /conv2dBackwardWeights dy/);
    assert.throws(() => b.conv2d(x, w, b.alloc(z.y), { ...g, strideH: 0 }), /stride/);
    const p = { ...poolGeom(1, 1, 4, 4, 2), outH: 3 };
    assert.throws(() => b.maxPool2d(b.alloc(16), b.alloc(6), p), /outside/);
    assert.throws(() => b.batchNormStats(x, b.alloc(2), b.alloc(3), 2, 3, 25), /batchNormStats mean/);
  });

  return checks;
}
