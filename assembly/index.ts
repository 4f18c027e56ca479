// Entry point of the kernel module: re-exports only. Each file below is one op family whose
// exports are all kernels, so a new kernel in one of them needs no line here; helpers shared
// between families live in files not listed (gemm_kernel, gemm_pack, conv_im2col, conv_gemm,
// simd, sparse_conv_pad, sparse_conv_rows).
export * from './gemm';
export * from './elementwise';
export * from './reduce';
export * from './bias';
export * from './loss';
export * from './optim';
export * from './conv';
export * from './conv_bias';
export * from './pool';
export * from './batchnorm';
export * from './sparse';
export * from './sparse_grad';
export * from './sparse_layout';
export * from './sparse_conv';
export * from './sparse_conv_grad';
export * from './gemv';
export * from './seq';

export { heapBase, threadAreaBytes, threadAreas } from './heap';
