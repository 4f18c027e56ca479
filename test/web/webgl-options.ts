// The size grids of the backend checks on WebGL (test/web/webgl-conformance.test.ts). Every
// distinct shape compiles its own shaders (about 25 ms a program on SwiftShader, nine tenths
// of a check's time there), so WebGL runs a subset of each Node grid: the odd sizes (0, 1, 3,
// 17), the edge cases and one realistic shape stay; sizes that steer the wasm kernels' SIMD
// tails and routes go. Tolerances are never widened.
import { FIXED_CONVS } from '../backend/conv-checks.ts';
import { FIXED_SPARSE_CONVS } from '../backend/sparse-conv-checks.ts';
import type { BackendCheckOptions } from './backend-checks.ts';

/**
 * The odd-size GEMM grid on WebGL: the Node grid without 5. On WebGL's 2x2-packed textures 5
 * exercises nothing that 3 does not (odd: a half-filled texel).
 */
const GEMM_DIMS = [0, 1, 3, 17, 67];

/**
 * Convolutions on WebGL: the fixed Node cases but those that steer the wasm convolution's GEMM
 * grouping and fused routes, and no random ones. The layer-size checks run at their Node sizes.
 */
const CONVS = FIXED_CONVS.filter((c) => c.webgl).map((c) => c.g);

/**
 * Sparse convolutions on WebGL: the fixed Node cases that are empty, 1x1, 17 tall with
 * asymmetric 'same' padding, strided by 3 or cropped. tfjs densifies the filter bank and runs
 * the dense convolution, which CONVS cover; the widths that split the wasm kernel's passes and
 * the random geometries go.
 */
const SPARSE_CONVS = FIXED_SPARSE_CONVS.filter((c) => c.webgl).map((c) => c.g);

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
