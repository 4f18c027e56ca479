/**
 * Convolution forward and backward on tfjs-backend-wasm.
 *
 * tfjs-backend-wasm 4.22 registers Conv2D and Conv2DBackpropInput but no Conv2DBackpropFilter,
 * so `tf.grads` through `tf.conv2d` throws "Kernel 'Conv2DBackpropFilter' not registered for
 * backend 'wasm'". The filter gradient is therefore computed here as a convolution itself:
 * dW[i,j,c,f] = sum over n,h,w of xPadded[n,h+i,w+j,c] * dy[n,h,w,f], which is a 'valid'
 * conv2d of xPadded (channels and batch swapped) with dy (batch as input channels).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './tfjs-init.ts';

/**
 * How dL/dx is computed: 'backprop-kernel' is tfjs's own Conv2DBackpropInput (what `tf.grads`
 * runs; a plain loop in 4.22, ~4x slower here), 'flipped-conv' a conv2d of dy with the
 * spatially flipped, in/out-swapped filter (the fastest way tfjs-wasm offers).
 */
export type TfjsConvDxMethod = 'backprop-kernel' | 'flipped-conv';

/** Output and gradients of one conv2d layer, all NHWC / HWIO like tfjs. */
export interface TfjsConv2dGrads {
  /** y = conv2d(x, w), stride 1, 'same': N x H x W x F. */
  y: tfjs.Tensor4D;
  /** dL/dx for upstream gradient dy: N x H x W x C. */
  dx: tfjs.Tensor4D;
  /** dL/dw for upstream gradient dy: KH x KW x C x F. */
  dw: tfjs.Tensor4D;
}

/**
 * Forward pass and both gradients of a stride-1 'same' conv2d without bias, using only kernels
 * the wasm backend has: x is N x H x W x C, w is KH x KW x C x F, dy is N x H x W x F.
 * The caller owns (and must dispose) the three returned tensors.
 */
export function tfjsConv2dFwdBwd(
  tf: Tf,
  x: tfjs.Tensor4D,
  w: tfjs.Tensor4D,
  dy: tfjs.Tensor4D,
  dxVia: TfjsConvDxMethod = 'backprop-kernel',
): TfjsConv2dGrads {
  const [n, h, wd, c] = x.shape;
  const [, , wc, f] = w.shape;
  const [dn, dh, dwd, df] = dy.shape;
  if (wc !== c || dn !== n || dh !== h || dwd !== wd || df !== f) {
    throw new Error(
      `tfjsConv2dFwdBwd: shapes do not fit a stride-1 'same' conv: ` +
        `x [${x.shape}], w [${w.shape}], dy [${dy.shape}]`,
    );
  }
  return tf.tidy(() => ({ y: tf.conv2d(x, w, 1, 'same'), ...tfjsConv2dGrads(tf, x, w, dy, dxVia) }));
}

/**
 * dL/dx and dL/dw of a stride-1 'same' conv2d y = conv2d(x, w) for upstream gradient dy, from
 * kernels the wasm backend has (shapes as in tfjsConv2dFwdBwd; the caller owns the results).
 */
export function tfjsConv2dGrads(tf: Tf, x: tfjs.Tensor4D, w: tfjs.Tensor4D, dy: tfjs.Tensor4D, dxVia: TfjsConvDxMethod = 'backprop-kernel'): { dx: tfjs.Tensor4D; dw: tfjs.Tensor4D } {
  const [n, h, wd, c] = x.shape;
  const [kh, kw] = w.shape;
  // TensorFlow's 'same' puts the odd pixel of padding after (bottom, right)
  const top = Math.floor((kh - 1) / 2);
  const left = Math.floor((kw - 1) / 2);
  const bottom = kh - 1 - top;
  const right = kw - 1 - left;
  return tf.tidy(() => {
    let dx: tfjs.Tensor4D;
    if (dxVia === 'backprop-kernel') {
      dx = tf.conv2dTranspose(dy, w, [n, h, wd, c], 1, 'same');
    } else {
      // dx[p,q,c] = sum over i,j,f of dy[p+top-i, q+left-j, f] * w[i,j,c,f]: flip, swap, pad mirrored
      const flipped = tf.reverse(tf.transpose(w, [0, 1, 3, 2]), [0, 1]);
      dx = tf.conv2d(dy, flipped, 1, [[0, 0], [bottom, top], [right, left], [0, 0]]);
    }
    const xPadded = tf.pad(x, [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ]);
    const xByChannel = tf.transpose(xPadded, [3, 1, 2, 0]); // C x H' x W' x N
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]); // H x W x N x F
    const dwByChannel = tf.conv2d(xByChannel, dyAsFilter, 1, 'valid'); // C x KH x KW x F
    const dw = tf.transpose(dwByChannel, [1, 2, 0, 3]);
    return { dx, dw };
  });
}
