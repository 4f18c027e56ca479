// Entry point of the kernel module: re-exports only (one op family per file).
export { gemm_f32_nn, gemm_f32_nt, gemm_f32_tn } from './gemm';
export { fill_f32, copy_f32, axpy_f32, scale_f32, mul_f32, add_f32, relu_f32, relu_backward_f32 } from './elementwise';
export { sum_f32, sum_squares_f32 } from './reduce';
export { bias_act_f32, col_sum_f32 } from './bias';
export { softmax_xent_f32, count_correct_f32 } from './loss';
export { adam_f32, sgd_f32 } from './optim';
export { conv2d_f32, conv2d_backward_data_f32, conv2d_backward_weights_f32 } from './conv';
export { channel_bias_act_f32, channel_sum_f32 } from './conv_bias';
export { maxpool2d_f32, maxpool2d_backward_f32, global_avg_pool_f32, global_avg_pool_backward_f32 } from './pool';
export { batchnorm_stats_f32, batchnorm_forward_f32, batchnorm_backward_f32 } from './batchnorm';
export { spmm_csr_f32, scale_index_i32 } from './sparse';
export { sddmm_csr_f32 } from './sparse_grad';
export { transpose_f32, bias_rows_act_f32, row_sum_f32, gather_f32, scatter_f32 } from './sparse_layout';
export { spconv2d_f32, spconv2d_backward_data_f32 } from './sparse_conv';
export { spconv2d_backward_weights_f32 } from './sparse_conv_grad';

export { heapBase } from './heap';
