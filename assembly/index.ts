// Entry point of the kernel module: re-exports only (one op family per file).
export { gemm_f32_nn, gemm_f32_nt, gemm_f32_tn } from './gemm';
export { fill_f32, copy_f32, axpy_f32, scale_f32, mul_f32, add_f32, relu_f32, relu_backward_f32 } from './elementwise';
export { sum_f32, sum_squares_f32 } from './reduce';
export { bias_act_f32, col_sum_f32 } from './bias';
export { softmax_xent_f32, count_correct_f32 } from './loss';
export { adam_f32, sgd_f32 } from './optim';

export { heapBase } from './heap';
