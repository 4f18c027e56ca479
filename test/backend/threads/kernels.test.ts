// The kernel pool (issue 14): every op the wasm backend splits over threads gives bit for bit
// what one thread gives, at odd sizes (0, 1, 3, 5, 17 and large), on 1, 2 and 3 threads, with
// the size thresholds off (minWork 1) so that even the smallest op is split. The reference is
// the single-threaded build (build/lth.wasm); the threaded backends run build/lth-threads.wasm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, Buf, ConvGeom } from '../../../src/backend/backend.ts';
import { convGeom, convPlan, convSizes, poolGeom, poolSizes } from '../../../src/backend/conv-geom.ts';
import { csrFromMask, freeCsr, uploadCsr } from '../../../src/prune/csr.ts';
import { Rng } from '../../../src/util/rng.ts';
import { rand } from '../compare.ts';
import { threadHarness } from './harness.ts';

const { threaded, same } = threadHarness(test);

test('the backends run on 1, 2 and 3 threads (the threads build with a pool for 2 and 3)', () => {
  assert.equal(threaded.map((b) => b.threads), [1, 2, 3]);
});

test('GEMM in all three layouts: blocks of rows and of columns of C equal the whole', () => {
  const rng = new Rng(1);
  const sizes = [0, 1, 3, 5, 17];
  const shapes: [number, number, number][] = [[60, 300, 784], [300, 784, 60], [60, 784, 300], [9, 1000, 40], [130, 33, 257]];
  for (const m of sizes) for (const n of sizes) for (const k of sizes) shapes.push([m, n, k]);
  for (const [m, n, k] of shapes) {
    for (const layout of ['nn', 'nt', 'tn'] as const) {
      for (const acc of [false, true]) {
        same([rand(rng, m * k), rand(rng, k * n), rand(rng, m * n)], (be, [a, b, c]) => be.gemm(layout, m, n, k, a, b, c, acc),
          `gemm ${layout} ${m}x${n}x${k}${acc ? ' acc' : ''}`);
      }
    }
  }
});

test('elementwise ops and the optimizer steps over elements', () => {
  const rng = new Rng(2);
  for (const n of [0, 1, 3, 5, 17, 33, 100_003]) {
    const [x, y, z] = [rand(rng, n), rand(rng, n), rand(rng, n)];
    same([x, y], (be, [a, b]) => be.fill(b, 0.5, n), `fill ${n}`);
    same([x, y], (be, [a, b]) => be.copy(a, b, n), `copy ${n}`);
    same([x, y], (be, [a, b]) => be.axpy(-0.3, a, b, n), `axpy ${n}`);
    same([x, y], (be, [a, b]) => be.scale(a, 1.7, b, n), `scale ${n}`);
    same([x, y, z], (be, [a, b, c]) => be.mul(a, b, c, n), `mul ${n}`);
    same([x, y, z], (be, [a, b, c]) => be.add(a, b, c, n), `add ${n}`);
    same([x, y], (be, [a, b]) => be.relu(a, b, n), `relu ${n}`);
    same([x, y, z], (be, [a, b, c]) => be.reluBackward(a, b, c, n, true), `reluBackward ${n}`);
    const mask = Float32Array.from({ length: n }, () => (rng.next() < 0.7 ? 1 : 0));
    const m2 = Float32Array.from({ length: n }, () => rng.next());
    const adam = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 0.19, bc2: 0.002, weightDecay: 1e-4 };
    same([x, y, z, m2, mask], (be, [w, g, a, b, k]) => be.adam(w, g, a, b, k, n, adam), `adam ${n}`);
    same([x, y, z], (be, [w, g, v]) => be.sgd(w, g, v, null, n, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4, nesterov: true }), `sgd ${n}`);
  }
  for (const [m, n] of [[0, 3], [1, 1], [3, 5], [17, 17], [61, 300]]) {
    same([rand(rng, m * n), rand(rng, n), rand(rng, m * n)], (be, [x, b, y]) => be.biasAct(x, b, y, m, n, true), `biasAct ${m}x${n}`);
  }
});

// The weight-gradient routes: transposed when K < cout (a first layer), else over input channels,
// or output channels when there are fewer input channels than threads.
const CONVS: ConvGeom[] = [
  convGeom(0, 3, 5, 5, 4, 3),
  convGeom(1, 1, 1, 1, 1, 1),
  convGeom(3, 5, 17, 17, 17, 3),
  convGeom(5, 3, 10, 10, 7, 3), // groups of 3, the last partial
  convGeom(2, 3, 17, 5, 5, [2, 5], [2, 1], 'same'),
  convGeom(2, 33, 5, 16, 5, 3), // flipped-kernel dx
  convGeom(5, 3, 10, 10, 40, 3, 1, 'valid'), // fused forward, transposed dw (K = 27 < 40)
  convGeom(3, 34, 11, 16, 32, [3, 2], [1, 1], 'same'),
  convGeom(2, 1, 6, 6, 32, 3), // one input channel: dw over output channels
  convGeom(2, 32, 11, 16, 32, 3, 2, 1), // strided: dx through col2im
  convGeom(7, 16, 12, 12, 24, 5),
];

test('convolution: forward and input gradient over images, weight gradient over channels', () => {
  const rng = new Rng(3);
  for (const g of CONVS) {
    const z = convSizes(g);
    const what = `conv ${g.n}x${g.c}x${g.h}x${g.w} -> ${g.cout} k${g.kh}x${g.kw} (dw ${convPlan(g, 'backwardWeights').fused ? 'transposed' : 'direct'})`;
    same([rand(rng, z.x), rand(rng, z.w), rand(rng, z.y)], (be, [x, w, y]) => be.conv2d(x, w, y, g), `${what} forward`);
    for (const acc of [false, true]) {
      same([rand(rng, z.y), rand(rng, z.w), rand(rng, z.x)], (be, [dy, w, dx]) => be.conv2dBackwardData(dy, w, dx, g, acc), `${what} data`);
      same([rand(rng, z.x), rand(rng, z.y), rand(rng, z.w)], (be, [x, dy, dw]) => be.conv2dBackwardWeights(x, dy, dw, g, acc), `${what} weights`);
    }
  }
});

test('pooling, channel bias (over planes and images) and its gradient (over channels)', () => {
  const rng = new Rng(4);
  for (const [n, c, h, w] of [[0, 3, 4, 4], [1, 1, 2, 2], [3, 5, 17, 17], [5, 3, 8, 9]]) {
    const g = poolGeom(n, c, h, w, 2);
    const z = poolSizes(g);
    same([rand(rng, z.x), rand(rng, z.y)], (be, [x, y]) => be.maxPool2d(x, y, g), `maxPool2d ${n}x${c}x${h}x${w}`);
    same([rand(rng, z.x), rand(rng, z.y), rand(rng, z.x)], (be, [x, dy, dx]) => be.maxPool2dBackward(x, dy, dx, g, false), `maxPool2dBackward ${n}x${c}x${h}x${w}`);
    same([rand(rng, z.x), rand(rng, c), rand(rng, z.x)], (be, [x, b, y]) => be.channelBiasAct(x, b, y, n, c, h * w, true), `channelBiasAct ${n}x${c}x${h}x${w}`);
    same([rand(rng, z.x), rand(rng, c)], (be, [dy, db]) => be.channelSum(dy, db, n, c, h * w, true), `channelSum ${n}x${c}x${h}x${w}`);
  }
});

test('column sums (the Linear bias gradient) over columns, global average pooling over planes', () => {
  const rng = new Rng(6);
  for (const [m, n] of [[0, 3], [1, 1], [3, 5], [17, 17], [60, 300], [7, 1003]]) {
    for (const acc of [false, true]) {
      same([rand(rng, m * n), rand(rng, n)], (be, [dy, db]) => be.colSum(dy, db, m, n, acc), `colSum ${m}x${n}${acc ? ' acc' : ''}`);
    }
  }
  for (const [nc, plane] of [[0, 4], [1, 1], [5, 3], [17, 49], [120, 64]]) {
    same([rand(rng, nc * plane), rand(rng, nc)], (be, [x, y]) => be.globalAvgPool(x, y, nc, plane), `globalAvgPool ${nc}x${plane}`);
    for (const acc of [false, true]) {
      same([rand(rng, nc), rand(rng, nc * plane)], (be, [dy, dx]) => be.globalAvgPoolBackward(dy, dx, nc, plane, acc), `globalAvgPoolBackward ${nc}x${plane}${acc ? ' acc' : ''}`);
    }
  }
});

test('batch norm (statistics, forward, backward) over channels', () => {
  const rng = new Rng(7);
  for (const [n, c, plane] of [[0, 3, 4], [1, 1, 1], [3, 5, 17], [5, 17, 9], [4, 64, 36]]) {
    const z = n * c * plane;
    const pos = (len: number) => Float32Array.from({ length: len }, () => 0.5 + rng.next());
    same([rand(rng, z), rand(rng, c), rand(rng, c)], (be, [x, mean, v]) => be.batchNormStats(x, mean, v, n, c, plane), `batchNormStats ${n}x${c}x${plane}`);
    same([rand(rng, z), rand(rng, c), pos(c), rand(rng, c), rand(rng, c), rand(rng, z)],
      (be, [x, mean, v, g, b, y]) => be.batchNormForward(x, mean, v, g, b, y, n, c, plane, 1e-5), `batchNormForward ${n}x${c}x${plane}`);
    for (const [stats, acc] of [[true, false], [true, true], [false, false]]) {
      same([rand(rng, z), rand(rng, z), rand(rng, c), pos(c), rand(rng, c), rand(rng, z), rand(rng, c), rand(rng, c)],
        (be, [x, dy, mean, v, g, dx, dg, db]) => be.batchNormBackward(x, dy, mean, v, g, dx, dg, db, n, c, plane, 1e-5, stats, acc),
        `batchNormBackward ${n}x${c}x${plane}${stats ? ' batch stats' : ''}${acc ? ' acc' : ''}`);
    }
  }
});

test('CSR SpMM and SDDMM over row blocks, sparse convolution over images (weight gradient over row blocks)', () => {
  const rng = new Rng(5);
  const shapes: [number, number][] = [[1, 1], [3, 5], [5, 3], [17, 17], [300, 784]];
  for (const [rows, cols] of shapes) {
    for (const density of [0, 0.1, 1]) {
      const p = csrFromMask(Uint8Array.from({ length: rows * cols }, () => (rng.next() < density ? 1 : 0)), rows, cols);
      for (const m of [1, 3, 5, 17, 60]) {
        const vals = rand(rng, p.nnz);
        const xT = rand(rng, cols * m);
        const bias = rand(rng, rows);
        const csrOp = (be: Backend, f: (d: ReturnType<typeof uploadCsr>, bufs: Buf[]) => void) => (bufs: Buf[]) => {
          const d = uploadCsr(be, p);
          f(d, bufs);
          freeCsr(be, d);
        };
        const what = `${rows}x${cols} density ${density} m ${m}`;
        same([vals, xT, rand(rng, rows * m), bias], (be, bufs) => csrOp(be, (d, [v, x, y, b]) => be.spmm(d.csr, v, m, x, y, false, b, true))(bufs), `spmm ${what}`);
        same([vals, rand(rng, rows * m), rand(rng, cols * m)], (be, bufs) => csrOp(be, (d, [v, dy, dx]) => be.spmm(d.csc, v, m, dy, dx, true))(bufs), `spmm (transposed) ${what}`);
        same([rand(rng, rows * m), xT, rand(rng, p.nnz)], (be, bufs) => csrOp(be, (d, [dy, x, dv]) => be.sddmm(d.csr, m, dy, x, dv, false))(bufs), `sddmm ${what}`);
      }
    }
  }
  for (const g of [convGeom(3, 5, 9, 9, 7, 3), convGeom(4, 16, 12, 12, 16, 3, 2, 1), convGeom(1, 3, 5, 5, 4, 3), convGeom(0, 3, 5, 5, 4, 3), convGeom(2, 3, 1, 1, 17, 1)]) {
    const z = convSizes(g);
    const p = csrFromMask(Uint8Array.from({ length: z.w }, () => (rng.next() < 0.3 ? 1 : 0)), g.cout, g.c * g.kh * g.kw);
    const what = `sparse conv ${g.n}x${g.c}x${g.h}x${g.w} -> ${g.cout}`;
    const run = (be: Backend, f: (d: ReturnType<typeof uploadCsr>) => void) => {
      const d = uploadCsr(be, p);
      f(d);
      freeCsr(be, d);
    };
    same([rand(rng, p.nnz), rand(rng, z.x), rand(rng, z.y)], (be, [v, x, y]) => run(be, (d) => be.sparseConv2d(d.csr, v, x, y, g, false)), `${what} forward`);
    same([rand(rng, p.nnz), rand(rng, z.y), rand(rng, z.x)], (be, [v, dy, dx]) => run(be, (d) => be.sparseConv2dBackwardData(d.csr, v, dy, dx, g, true)), `${what} data`);
    for (const acc of [false, true]) {
      same([rand(rng, z.x), rand(rng, z.y), rand(rng, p.nnz)], (be, [x, dy, dv]) => run(be, (d) => be.sparseConv2dBackwardWeights(d.csr, x, dy, dv, g, acc)), `${what} weights`);
    }
  }
});

test.run();
