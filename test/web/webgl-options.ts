// The size grids of the backend checks on WebGL (test/web/webgl-conformance.test.ts). Every
// distinct shape compiles its own shaders (about 25 ms a program on SwiftShader, nine tenths
// of a check's time there), so WebGL runs a subset of each Node grid: the odd sizes (0, 1, 3,
// 17), the edge cases and one realistic shape stay; sizes that steer the wasm kernels' SIMD
// tails and routes go. Tolerances are never widened.
import { convGeom } from '../../src/backend/conv-geom.ts';
import type { BackendCheckOptions } from './backend-checks.ts';

/**
 * The odd-size GEMM grid on WebGL: the Node grid without 5. On WebGL's 2x2-packed textures 5
 * exercises nothing that 3 does not (odd: a half-filled texel).
 */
const GEMM_DIMS = [0, 1, 3, 17, 67];

/**
 * Convolutions on WebGL: the fixed Node cases but those that steer the wasm convolution's GEMM
 * grouping and fused routes (the 1x1 kernel padded by 2 stays: its output is larger than its
 * input), and no random ones. The layer-size checks run at their Node sizes.
 */
const CONVS = [
  convGeom(0, 3, 5, 5, 4, 3),
  convGeom(2, 0, 5, 5, 4, 3),
  convGeom(1, 1, 1, 1, 1, 1),
  convGeom(1, 1, 1, 1, 3, 3),
  convGeom(2, 3, 2, 2, 2, 3, 1, 'valid'), // kernel larger than the input: empty output
  convGeom(3, 5, 17, 17, 17, 3),
  convGeom(2, 3, 17, 5, 5, [2, 5], [2, 1], 'same'), // asymmetric 'same' padding
  convGeom(2, 2, 9, 11, 3, 3, 3, 2),
  convGeom(3, 4, 7, 7, 6, 1, 2, 0),
  convGeom(2, 32, 4, 16, 33, 1, 1, 2), // output larger than the input
];

/**
 * Sparse convolutions on WebGL: the fixed Node cases that are empty, 1x1, 17 tall with
 * asymmetric 'same' padding, strided by 3 or cropped (windows never reach the last input columns). tfjs densifies the filter bank and
 * runs the dense convolution, which CONVS cover; the widths that split the wasm kernel's passes
 * and the random geometries go.
 */
const SPARSE_CONVS = [
  convGeom(0, 3, 5, 5, 4, 3),
  convGeom(2, 0, 5, 5, 4, 3),
  convGeom(2, 3, 5, 5, 0, 3),
  convGeom(1, 1, 1, 1, 3, 3),
  convGeom(2, 3, 2, 2, 2, 3, 1, 'valid'), // kernel larger than the input: empty output
  convGeom(2, 3, 17, 5, 5, [2, 5], [2, 1], 'same'),
  convGeom(2, 2, 9, 11, 3, 3, 3, 2),
  convGeom(2, 4, 9, 9, 3, [3, 1], [1, 3], 'same'), // cropped: the last 2 columns are never read
];

/**
 * The CSR grid on WebGL: batches 0, 1, 3, 17 and 60 (29, 67 and 130 split the wasm spmm into
 * passes of six vectors; 5 is one more odd size), densities 0, 0.3 and 1 (0.02 takes the path
 * of 0.3 on tfjs: one gather densifies the weight), and the row ops without 5. LeNet's fc1
 * (300 x 784 at batch 60) stays.
 */
const SPARSE = { batches: [0, 1, 3, 17, 60], densities: [0, 0.3, 1], rows: [0, 1, 3, 17, 61], cols: [0, 1, 3, 17, 784] };

/** The WebGL settings of every suite (plain data: the test hands them to the page). */
export const WEBGL_OPTIONS: BackendCheckOptions = {
  dense: { gemmDims: GEMM_DIMS },
  conv: { convs: CONVS },
  sparse: SPARSE,
  sparseConv: { convs: SPARSE_CONVS },
};
