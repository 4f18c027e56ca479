// The sparse convolution conformance checks (CSR filter banks over NCHW tensors), runtime-neutral:
// a candidate backend against the js reference loops at odd sizes (0, 1, 3, 5, 17 channels and
// pixels), plane shapes that exercise every pass split, multi-row pass and partial vector of the
// wasm kernel, strides 1-3, every padding kind, non-square kernels, densities 0 to 1, accumulate
// on and off. Node runs them in sparse-conv.test.ts; headless Chromium runs them on tfjs's WebGL
// backend (test/web/webgl-conformance.test.ts). No Node built-ins here or in compare.ts.
import * as assert from 'uvu/assert';
import type { Backend, ConvGeom } from '../../src/backend/backend.ts';
import { convGeom, convSizes, type Padding } from '../../src/backend/conv-geom.ts';
import { type CsrPattern, csrFromMask, freeCsr, uploadCsr } from '../../src/prune/csr.ts';
import { Rng } from '../../src/util/rng.ts';
import { rand } from './compare.ts';
import type { Check } from './conformance-checks.ts';
import { type CsrOp, sameOverCsr } from './sparse-checks.ts';

/** Per-backend settings; the defaults are the Node suite's. */
export interface SparseConvCheckOptions {
  /** The geometries of the odd-geometry check, instead of the fixed, swept and random ones below. */
  convs?: ConvGeom[];
}

// `webgl: false`: cases whose dense convolution FIXED_CONVS already covers on WebGL (tfjs
// densifies the filter bank and runs it), left out of the WebGL grid (test/web/webgl-options.ts).
const both = (g: ConvGeom) => ({ g, webgl: true });
const nodeOnly = (g: ConvGeom) => ({ g, webgl: false });

/** The fixed sparse convolutions: empty ones, 1x1, strides 1-3, all paddings, kernels wider than tall. */
export const FIXED_SPARSE_CONVS: { g: ConvGeom; webgl: boolean }[] = [
  both(convGeom(0, 3, 5, 5, 4, 3)),
  both(convGeom(2, 0, 5, 5, 4, 3)),
  both(convGeom(2, 3, 5, 5, 0, 3)),
  nodeOnly(convGeom(1, 1, 1, 1, 1, 1)),
  both(convGeom(1, 1, 1, 1, 3, 3)),
  both(convGeom(2, 3, 2, 2, 2, 3, 1, 'valid')), // kernel larger than the input: empty output
  nodeOnly(convGeom(3, 5, 17, 17, 17, 3)),
  both(convGeom(2, 3, 17, 5, 5, [2, 5], [2, 1], 'same')), // asymmetric 'same' padding
  both(convGeom(2, 2, 9, 11, 3, 3, 3, 2)),
  nodeOnly(convGeom(3, 4, 7, 7, 6, 1, 2, 0)),
  nodeOnly(convGeom(2, 32, 4, 16, 33, 1, 1, 2)), // 1x1 kernel, padding 2: the flipped kernel's padding is -2
  nodeOnly(convGeom(2, 3, 11, 16, 5, 3, 2, 1)),
  both(convGeom(2, 4, 9, 9, 3, [3, 1], [1, 3], 'same')), // cropped: the last 2 columns are never read
];

/** Geometries: the fixed ones, the sweeps, random ones. */
function cases(rng: Rng): ConvGeom[] {
  const out: ConvGeom[] = FIXED_SPARSE_CONVS.map((c) => c.g);
  // Every output width from 1 to 33: 1-9 vectors in one or two passes, all partial-lane counts.
  for (let w = 1; w <= 33; w++) out.push(convGeom(1 + (w % 2), 1 + (w % 3), 3 + (w % 4), w, 1 + (w % 5), 3));
  // Narrow planes take several rows per pass: 1-6 rows of one vector, 1-3 of two, 1-2 of three.
  for (const w of [3, 6, 11]) for (let h = 1; h <= 7; h++) out.push(convGeom(2, 2, h, w, 3, 3));
  const sizes = [1, 3, 5, 17];
  const pads: Padding[] = ['same', 'valid', 0, 1, 2];
  for (let i = 0; i < 20; i++) {
    const h = sizes[rng.int(4)], w = sizes[rng.int(4)];
    const k = 1 + rng.int(Math.min(5, Math.max(h, w)));
    out.push(convGeom(1 + rng.int(3), sizes[rng.int(3)], h, w, sizes[rng.int(4)], k, 1 + rng.int(3), pads[rng.int(pads.length)]));
  }
  return out;
}

/** A random mask of about `density` over the [cout, c·kh·kw] weight of g, as a pattern. */
export function convPattern(rng: Rng, g: ConvGeom, density: number): CsrPattern {
  const k = g.c * g.kh * g.kw;
  return csrFromMask(Uint8Array.from({ length: g.cout * k }, () => (rng.next() < density ? 1 : 0)), g.cout, k);
}

const tag = (g: ConvGeom) => `n${g.n} c${g.c} ${g.h}x${g.w} -> ${g.cout} k${g.kh}x${g.kw} s${g.strideH}x${g.strideW} p${g.padH}/${g.padW} out ${g.outH}x${g.outW}`;

/** The sparse convolution checks of backend `b` against the reference `ref`, in a fixed order with fixed names. */
export function sparseConvChecks(ref: Backend, b: Backend, opts: SparseConvCheckOptions = {}): Check[] {
  const same = (pat: CsrPattern, inputs: Float32Array[], op: CsrOp, what: string, atol = 1e-5): void => sameOverCsr(ref, b, pat, inputs, op, what, 1e-4, atol);
  const checks: Check[] = [];
  // each check draws from its own stream, so one can run alone (a browser runs them one by one)
  const check = (name: string, body: (rng: Rng) => void): void => {
    checks.push({ name, run: () => body(new Rng(9, `sparse-conv/${b.name}/${name}`)) });
  };

  check('sparseConv2d forward (bias, ReLU) and both gradients at odd geometries and densities', (rng) => {
    for (const g of opts.convs ?? cases(rng)) for (const density of [0, 0.3, 1]) {
      const p = convPattern(rng, g, density);
      const z = convSizes(g);
      const t = `${tag(g)} d=${density}`;
      for (const acc of [false, true]) {
        same(p, [rand(rng, p.nnz), rand(rng, z.x), rand(rng, z.y)], (be, d, [v, x, y]) => be.sparseConv2d(d.csr, v, x, y, g, acc), `fwd ${t} acc=${acc}`);
        same(p, [rand(rng, p.nnz), rand(rng, z.y), rand(rng, z.x)], (be, d, [v, dy, dx]) => be.sparseConv2dBackwardData(d.csr, v, dy, dx, g, acc), `dx ${t} acc=${acc}`);
        same(p, [rand(rng, z.x), rand(rng, z.y), rand(rng, p.nnz)], (be, d, [x, dy, dv]) => be.sparseConv2dBackwardWeights(d.csr, x, dy, dv, g, acc), `dw ${t} acc=${acc}`);
      }
      for (const relu of [false, true]) {
        same(p, [rand(rng, p.nnz), rand(rng, z.x), rand(rng, z.y), rand(rng, g.cout)],
          (be, d, [v, x, y, bias]) => be.sparseConv2d(d.csr, v, x, y, g, false, bias, relu), `fwd bias relu=${relu} ${t}`);
      }
      same(p, [rand(rng, p.nnz), rand(rng, z.x), rand(rng, z.y)], (be, d, [v, x, y]) => be.sparseConv2d(d.csr, v, x, y, g, true, null, true), `fwd relu only ${t}`);
    }
  });

  check('sparseConv2d at layer sizes (Conv-2\'s 16 -> 16 at 28x28, 64 -> 64 at 8x8, a 3-channel input, stride 2)', (rng) => {
    for (const [g, density] of [[convGeom(4, 16, 28, 28, 16, 3), 0.3], [convGeom(3, 64, 8, 8, 64, 3), 0.1], [convGeom(2, 3, 32, 32, 24, 3), 1], [convGeom(3, 16, 15, 15, 32, 3, 2, 1), 0.5]] as const) {
      const p = convPattern(rng, g, density);
      const z = convSizes(g);
      same(p, [rand(rng, p.nnz), rand(rng, z.x), rand(rng, z.y), rand(rng, g.cout)], (be, d, [v, x, y, bias]) => be.sparseConv2d(d.csr, v, x, y, g, false, bias, true), `fwd ${tag(g)}`, 1e-4);
      same(p, [rand(rng, p.nnz), rand(rng, z.y), rand(rng, z.x)], (be, d, [v, dy, dx]) => be.sparseConv2dBackwardData(d.csr, v, dy, dx, g, true), `dx ${tag(g)}`, 1e-4);
      same(p, [rand(rng, z.x), rand(rng, z.y), rand(rng, p.nnz)], (be, d, [x, dy, dv]) => be.sparseConv2dBackwardWeights(d.csr, x, dy, dv, g, false), `dw ${tag(g)}`, 1e-4);
    }
  });

  check('sparse convolution ops reject mismatched indices and short buffers', (rng) => {
    const g = convGeom(2, 3, 5, 5, 4, 3);
    const z = convSizes(g);
    const p = convPattern(rng, g, 0.5);
    const d = uploadCsr(b, p);
    const [v, x, y] = [b.alloc(p.nnz), b.alloc(z.x), b.alloc(z.y)];
    assert.throws(() => b.sparseConv2d(d.csr, v, x, b.alloc(z.y - 1), g, false), /sparseConv2d y/);
    assert.throws(() => b.sparseConv2d(d.csr, v, x, y, { ...g, cout: 5 }, false), /does not fit/);
    assert.throws(() => b.sparseConv2d(d.csc, v, x, y, g, false), /does not fit|perm/);
    assert.throws(() => b.sparseConv2dBackwardWeights(d.csr, x, y, b.alloc(p.nnz - 1), g, false), /dv|values/);
    assert.throws(() => b.sparseConv2dBackwardData(d.csr, v, b.alloc(z.y - 1), x, g, false), /dy/);
    assert.throws(() => b.sparseConv2d(d.csr, v, x, y, { ...g, strideH: 0 }, false), /stride/);
    freeCsr(b, d);
  });

  return checks;
}
