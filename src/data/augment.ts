/**
 * Seeded training-time augmentation for CHW images: random crop with zero padding and random
 * horizontal flip, the standard CIFAR-10 recipe (pad 4, crop 32x32, flip with probability 1/2).
 * Pure; every random choice comes from the Rng passed in, so a batch is a function of its seed.
 *
 * Per example, in this order: dy and dx uniform in [0, 2 * crop] (only when crop > 0), then the
 * flip coin (only when flip). The output is flip(crop(pad(image))):
 *   out[c][i][j] = image[c][i + dy - crop][j' + dx - crop], j' = flip ? W - 1 - j : j,
 * and 0 where that source pixel falls in the padding. dy = dx = crop is the unshifted image.
 */
import { UserError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { featureCount } from './dataset.ts';

/** What to do to each example. */
export interface AugmentOptions {
  /** Zero padding in pixels on every side before cropping back to H x W (e.g. 4); 0 or absent: no crop. */
  crop?: number;
  /** Mirror left-right with probability 1/2. */
  flip?: boolean;
}

/** The random choices for one example. */
export interface AugmentParams {
  /** Crop offsets into the padded image, each in [0, 2 * crop]. */
  dy: number;
  dx: number;
  flip: boolean;
}

/** Throws a UserError unless crop is an integer in [0, min(H, W)] and shape is [C, H, W]. */
export function checkAugmentOptions(opts: AugmentOptions, shape: readonly number[]): void {
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UserError(`augmentation needs a [channels, height, width] image shape, got [${shape.join(', ')}]`);
  }
  const crop = opts.crop ?? 0;
  if (!Number.isInteger(crop) || crop < 0 || crop > Math.min(shape[1], shape[2])) {
    throw new UserError(`augmentation crop padding must be an integer in [0, ${Math.min(shape[1], shape[2])}], got ${crop}`);
  }
}

/** Draws one example's choices (consumes 0-3 numbers of `rng`, in the order documented above). */
export function drawAugmentation(rng: Rng, opts: AugmentOptions): AugmentParams {
  const crop = opts.crop ?? 0;
  const dy = crop > 0 ? rng.int(2 * crop + 1) : 0;
  const dx = crop > 0 ? rng.int(2 * crop + 1) : 0;
  const flip = opts.flip ? rng.next() < 0.5 : false;
  return { dy, dx, flip };
}

/**
 * Writes the augmented copy of the image at `src[srcOff ..]` to `dst[dstOff ..]` (both
 * C*H*W floats, not overlapping). `crop` is the padding the offsets were drawn for.
 */
export function augmentExample(
  src: Float32Array,
  srcOff: number,
  shape: readonly number[],
  crop: number,
  p: AugmentParams,
  dst: Float32Array,
  dstOff: number,
): void {
  const [channels, h, w] = shape;
  const sy = p.dy - crop;
  const sx = p.dx - crop;
  // Output columns whose source column lies inside the image: [j0, j1).
  const j0 = p.flip ? Math.max(0, sx) : Math.max(0, -sx);
  const j1 = p.flip ? Math.min(w, w + sx) : Math.min(w, w - sx);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < h; i++) {
      const out = dstOff + (c * h + i) * w;
      const row = i + sy;
      if (row < 0 || row >= h) {
        dst.fill(0, out, out + w);
        continue;
      }
      const base = srcOff + (c * h + row) * w;
      dst.fill(0, out, out + j0);
      if (p.flip) {
        for (let j = j0; j < j1; j++) dst[out + j] = src[base + w - 1 - j + sx];
      } else {
        dst.set(src.subarray(base + j0 + sx, base + j1 + sx), out + j0);
      }
      dst.fill(0, out + Math.max(j0, j1), out + w);
    }
  }
}

/**
 * Augments `n` images of `shape` from `x` into `out` (not overlapping, each at least n*C*H*W
 * long), drawing each example's choices from `rng` in example order. Returns the choices.
 */
export function augmentBatch(
  x: Float32Array,
  n: number,
  shape: readonly number[],
  rng: Rng,
  opts: AugmentOptions,
  out: Float32Array,
): AugmentParams[] {
  checkAugmentOptions(opts, shape);
  const f = featureCount(shape);
  if (x.length < n * f || out.length < n * f) {
    throw new RangeError(`augmentBatch: ${n} images of [${shape.join(', ')}] need ${n * f} floats; x has ${x.length}, out ${out.length}`);
  }
  // In-place would read pixels this call already overwrote.
  const bytes = n * f * 4;
  if (x.buffer === out.buffer && x.byteOffset < out.byteOffset + bytes && out.byteOffset < x.byteOffset + bytes) {
    throw new RangeError('augmentBatch: x and out overlap; augmentation cannot run in place');
  }
  const crop = opts.crop ?? 0;
  const params: AugmentParams[] = [];
  for (let i = 0; i < n; i++) {
    const p = drawAugmentation(rng, opts);
    augmentExample(x, i * f, shape, crop, p, out, i * f);
    params.push(p);
  }
  return params;
}
