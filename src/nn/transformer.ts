/**
 * Transformer encoders (issue 16): `bert`, a small BERT-style encoder over token ids, and `vit`,
 * the same encoder over image patches.
 *
 * Tokens run as rows: activations are [n * seq, hidden], so every projection (attention Q, K, V
 * and output, both feed-forward matrices) is an ordinary Linear layer. Those are the prunable
 * weights, and a pruned one trains and infers on the sparse CSR kernels like any other Linear
 * (train/sparse-plan.ts). Embeddings, LayerNorms, the pooler and the heads are never pruned
 * (Chen et al. 2020 prune the encoder's attention and FFN matrices only).
 *
 * The input rows are what data/spam.ts builds: `seqLen` token ids ([CLS] first, [PAD] = 0 after
 * the end; padded keys are masked out of attention), then for masked-language-model data
 * `maskedPositions` positions whose original tokens are the labels. With masked positions the
 * model is the MLM network: it predicts the vocabulary at those positions only (logits
 * [n * maskedPositions, vocab]; unused slots carry label -1, which the loss ignores). Without,
 * it classifies from the [CLS] row through a tanh pooler (logits [n, classes]).
 *
 * BERT uses post-LayerNorm blocks (x = LN(x + f(x))), as the original; ViT uses pre-LayerNorm
 * blocks (x = x + f(LN(x))) with a final LayerNorm, as Dosovitskiy et al. (config
 * `transformer.norm` picks either for either model), and ViT mean-pools its
 * patch tokens instead of a class token (Beyer et al. 2022 found that as good and it needs no
 * concatenation). GELU is the tanh approximation.
 */
import type { Backend, Buf } from '../backend/backend.ts';
import { dropout } from '../autograd/ops/activation.ts';
import { add } from '../autograd/ops/arith.ts';
import { globalAvgPool } from '../autograd/ops/pool.ts';
import { attnSoftmax, bmm, embedding, gelu, layerNorm, rows, swapAxes12, tanh } from '../autograd/ops/seq.ts';
import { view } from '../autograd/ops/shape.ts';
import type { Ctx } from '../autograd/tape.ts';
import { Tensor, gradTarget } from '../autograd/tensor.ts';
import type { TextInfo } from '../data/dataset.ts';
import { UserError } from '../util/errors.ts';
import { Linear } from './layers.ts';
import { Module, type Parameter, makeParameter } from './module.ts';

/** The encoder's size: blocks, attention heads, hidden width, feed-forward width, ViT patch side. */
export interface TransformerShape {
  layers: number;
  heads: number;
  hidden: number;
  ffn: number;
  /** ViT: patch side in pixels (the image sides must be multiples of it). */
  patch: number;
  /** Where the LayerNorms sit: after each residual (post, BERT), before each block (pre, ViT), or auto: the model's own. */
  norm?: 'auto' | 'post' | 'pre';
}

/** The `bert` preset size (issue 16: about 4 layers, 4 heads, hidden 128). */
export const DEFAULT_TRANSFORMER: TransformerShape = { layers: 4, heads: 4, hidden: 128, ffn: 512, patch: 7, norm: 'auto' };

/** Whether blocks normalise before (pre-LN) or after (post-LN) each residual; `auto` gives the model's own default. */
function preNormOf(s: TransformerShape, modelDefault: boolean): boolean {
  return s.norm === 'pre' ? true : s.norm === 'post' ? false : modelDefault;
}

const LN_EPS = 1e-5;

/** LayerNorm over the last axis with learned gain (ones) and shift (zeros); never pruned. */
export class LayerNorm extends Module {
  readonly gamma: Parameter;
  readonly beta: Parameter;
  constructor(b: Backend, readonly name: string, readonly size: number) {
    super();
    this.gamma = makeParameter(b, `${name}.gamma`, [size], { kind: 'ones' }, false);
    this.beta = makeParameter(b, `${name}.beta`, [size], { kind: 'zeros' }, false);
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    return layerNorm(ctx, x, this.gamma.tensor, this.beta.tensor, LN_EPS);
  }
  parameters(): Parameter[] {
    return [this.gamma, this.beta];
  }
}

/** y[i, :] = x[i, :] + table (a learned row of `rows*cols` values per example: positions). */
function addPerExample(ctx: Ctx, x: Tensor, table: Tensor, n: number): Tensor {
  const b = ctx.backend;
  const w = table.size;
  const y = new Tensor(x.shape, b.scratch(x.size), true);
  b.biasAct(x.buf, table.buf, y.buf, n, w, false);
  if (ctx.tape !== null) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      if (table.requiresGrad) {
        const t = gradTarget(b, table);
        b.colSum(y.grad, t.g, n, w, t.acc);
      }
      if (x.requiresGrad) {
        const t = gradTarget(b, x);
        if (t.acc) b.add(t.g, y.grad, t.g, x.size);
        else b.copy(y.grad, t.g, x.size);
      }
    });
  }
  return y;
}

/** A buffer of host-computed indices (as floats) in the step arena. */
function indexBuf(b: Backend, n: number, f: (i: number) => number): Buf {
  const host = new Float32Array(n);
  for (let i = 0; i < n; i++) host[i] = f(i);
  const buf = b.scratch(n);
  b.write(buf, host);
  return buf;
}

/** One encoder block: multi-head self-attention and a GELU feed-forward, each with a residual. */
export class EncoderBlock extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly o: Linear;
  readonly fc1: Linear;
  readonly fc2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  constructor(b: Backend, readonly name: string, readonly shape: TransformerShape, readonly dropoutP: number, readonly preNorm: boolean) {
    super();
    const h = shape.hidden;
    this.q = new Linear(b, `${name}.attn.q`, h, h);
    this.k = new Linear(b, `${name}.attn.k`, h, h);
    this.v = new Linear(b, `${name}.attn.v`, h, h);
    this.o = new Linear(b, `${name}.attn.o`, h, h);
    this.fc1 = new Linear(b, `${name}.ffn.fc1`, h, shape.ffn);
    this.fc2 = new Linear(b, `${name}.ffn.fc2`, shape.ffn, h);
    this.norm1 = new LayerNorm(b, `${name}.norm1`, h);
    this.norm2 = new LayerNorm(b, `${name}.norm2`, h);
  }

  /** Runs on x [n * seq, hidden]; keyMask [n * seq] (1 = a real token) or null (no padding). */
  run(ctx: Ctx, x: Tensor, n: number, seq: number, keyMask: Buf | null): Tensor {
    const a = this.preNorm ? add(ctx, x, this.attention(ctx, this.norm1.forward(ctx, x), n, seq, keyMask)) : this.norm1.forward(ctx, add(ctx, x, this.attention(ctx, x, n, seq, keyMask)));
    return this.preNorm ? add(ctx, a, this.feedForward(ctx, this.norm2.forward(ctx, a))) : this.norm2.forward(ctx, add(ctx, a, this.feedForward(ctx, a)));
  }

  private attention(ctx: Ctx, x: Tensor, n: number, seq: number, keyMask: Buf | null): Tensor {
    const { heads, hidden } = this.shape;
    const dh = hidden / heads;
    // [n, seq, heads, dh] -> [n, heads, seq, dh]: one seq x dh matrix per (example, head)
    const split = (t: Tensor): Tensor => swapAxes12(ctx, t, n, seq, heads, dh);
    const q = split(this.q.forward(ctx, x));
    const k = split(this.k.forward(ctx, x));
    const v = split(this.v.forward(ctx, x));
    const scores = bmm(ctx, 'nt', q, k, n * heads, seq, seq, dh);
    let p = attnSoftmax(ctx, scores, keyMask, n, heads, seq, seq, 1 / Math.sqrt(dh));
    p = dropout(ctx, p, this.dropoutP);
    const mixed = bmm(ctx, 'nn', p, v, n * heads, seq, dh, seq);
    const merged = view(ctx, swapAxes12(ctx, mixed, n, heads, seq, dh), [n * seq, hidden]);
    return dropout(ctx, this.o.forward(ctx, merged), this.dropoutP);
  }

  private feedForward(ctx: Ctx, x: Tensor): Tensor {
    return dropout(ctx, this.fc2.forward(ctx, gelu(ctx, this.fc1.forward(ctx, x))), this.dropoutP);
  }

  forward(): Tensor {
    throw new Error(`${this.name}: an encoder block runs inside its model (run(ctx, x, n, seq, keyMask))`);
  }

  parameters(): Parameter[] {
    return [...this.q.parameters(), ...this.k.parameters(), ...this.v.parameters(), ...this.o.parameters(), ...this.norm1.parameters(), ...this.fc1.parameters(), ...this.fc2.parameters(), ...this.norm2.parameters()];
  }
}

/** Checks an encoder shape against the data; one line naming the field on failure. */
export function checkTransformerShape(s: TransformerShape): void {
  for (const k of ['layers', 'heads', 'hidden', 'ffn', 'patch'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) throw new UserError(`config field 'transformer.${k}': expected a positive integer, got ${s[k]}`);
  }
  if (s.hidden % s.heads !== 0) throw new UserError(`config field 'transformer.hidden': expected a multiple of transformer.heads (${s.heads}), got ${s.hidden}`);
}

/**
 * The BERT-style encoder over token rows (see the file comment): token and position
 * embeddings, LayerNorm, `layers` post-LN blocks, then the [CLS] pooler and classifier, or
 * the MLM head (transform, GELU, LayerNorm, decoder to the vocabulary) at the masked positions.
 */
export class Bert extends Module {
  readonly tokens: Parameter;
  readonly positions: Parameter;
  readonly embedNorm: LayerNorm;
  readonly blocks: EncoderBlock[];
  readonly pooler: Linear | null;
  readonly classifier: Linear | null;
  readonly mlmTransform: Linear | null;
  readonly mlmNorm: LayerNorm | null;
  readonly mlmDecoder: Linear | null;
  readonly seq: number;
  readonly masked: number;
  readonly preNorm: boolean;
  /** Pre-LN only: the LayerNorm after the last block. */
  readonly finalNorm: LayerNorm | null;

  constructor(b: Backend, readonly text: TextInfo, readonly numClasses: number, readonly shape: TransformerShape, readonly dropoutP: number) {
    super();
    checkTransformerShape(shape);
    const h = shape.hidden;
    this.seq = text.seqLen;
    this.masked = text.maskedPositions;
    this.tokens = makeParameter(b, 'embed.tokens', [text.vocabSize, h], { kind: 'glorotNormal', fanIn: text.vocabSize, fanOut: h }, false);
    this.positions = makeParameter(b, 'embed.positions', [text.seqLen, h], { kind: 'glorotNormal', fanIn: text.seqLen, fanOut: h }, false);
    this.embedNorm = new LayerNorm(b, 'embed.norm', h);
    this.preNorm = preNormOf(shape, false);
    this.blocks = Array.from({ length: shape.layers }, (_, i) => new EncoderBlock(b, `layer${i}`, shape, dropoutP, this.preNorm));
    this.finalNorm = this.preNorm ? new LayerNorm(b, 'norm', h) : null;
    if (this.masked > 0) {
      this.pooler = this.classifier = null;
      this.mlmTransform = new Linear(b, 'mlm.transform', h, h, false, false);
      this.mlmNorm = new LayerNorm(b, 'mlm.norm', h);
      this.mlmDecoder = new Linear(b, 'mlm.decoder', h, text.vocabSize, false, false);
    } else {
      this.mlmTransform = this.mlmNorm = this.mlmDecoder = null;
      this.pooler = new Linear(b, 'pooler', h, h, false, false);
      this.classifier = new Linear(b, 'classifier', h, numClasses, false, false);
    }
  }

  forward(ctx: Ctx, x: Tensor): Tensor {
    const b = ctx.backend;
    const n = x.shape[0];
    const { seq, masked } = this;
    const width = seq + masked;
    if (x.size !== n * width) throw new Error(`bert: input rows hold ${x.size / Math.max(1, n)} values, expected ${width} (seqLen ${seq} + maskedPositions ${masked})`);
    const h = this.shape.hidden;
    // The token ids [n * seq] (the first seq values of each row).
    let ids = x.buf;
    if (masked > 0) {
      ids = b.scratch(n * seq);
      b.embedGather(x.buf, indexBuf(b, n * seq, (i) => Math.floor(i / seq) * width + (i % seq)), ids, n * seq, 1);
    }
    const keyMask = b.scratch(n * seq);
    b.padMask(ids, keyMask, n * seq);
    let t = embedding(ctx, this.tokens.tensor, ids, n * seq);
    t = view(ctx, addPerExample(ctx, view(ctx, t, [n, seq * h]), this.positions.tensor, n), [n * seq, h]);
    t = dropout(ctx, this.embedNorm.forward(ctx, t), this.dropoutP);
    for (const block of this.blocks) t = block.run(ctx, t, n, seq, keyMask);
    if (this.finalNorm !== null) t = this.finalNorm.forward(ctx, t);
    if (masked > 0) {
      // rows of t at the masked positions: example i's position p is row i * seq + p
      const pos = b.scratch(n * masked);
      b.embedGather(x.buf, indexBuf(b, n * masked, (j) => Math.floor(j / masked) * width + seq + (j % masked)), pos, n * masked, 1);
      b.add(pos, indexBuf(b, n * masked, (j) => Math.floor(j / masked) * seq), pos, n * masked);
      let m = rows(ctx, t, pos, n * masked);
      m = this.mlmNorm!.forward(ctx, gelu(ctx, this.mlmTransform!.forward(ctx, m)));
      return this.mlmDecoder!.forward(ctx, m);
    }
    const cls = rows(ctx, t, indexBuf(b, n, (i) => i * seq), n);
    const pooled = dropout(ctx, tanh(ctx, this.pooler!.forward(ctx, cls)), this.dropoutP);
    return this.classifier!.forward(ctx, pooled);
  }

  parameters(): Parameter[] {
    const heads = this.masked > 0
      ? [...this.mlmTransform!.parameters(), ...this.mlmNorm!.parameters(), ...this.mlmDecoder!.parameters()]
      : [...this.pooler!.parameters(), ...this.classifier!.parameters()];
    return [this.tokens, this.positions, ...this.embedNorm.parameters(), ...this.blocks.flatMap((bl) => bl.parameters()), ...(this.finalNorm?.parameters() ?? []), ...heads];
  }
}

/**
 * ViT over images [n, c, height, width] (flat rows): non-overlapping patch x patch patches, each
 * flattened (row, column, channel) and projected to `hidden`, plus learned positions; pre-LN
 * blocks, a final LayerNorm, mean pooling over the patches, and a linear classifier.
 */
export class Vit extends Module {
  readonly patchEmbed: Linear;
  readonly positions: Parameter;
  readonly blocks: EncoderBlock[];
  readonly norm: LayerNorm;
  readonly classifier: Linear;
  readonly tokens: number;
  readonly patchDim: number;

  constructor(b: Backend, readonly inputShape: readonly number[], numClasses: number, readonly shape: TransformerShape, readonly dropoutP: number) {
    super();
    checkTransformerShape(shape);
    if (inputShape.length !== 3) throw new UserError(`model vit: expected image data [channels, height, width], got input shape [${inputShape}]`);
    const [c, hh, ww] = inputShape;
    const p = shape.patch;
    if (hh % p !== 0 || ww % p !== 0) throw new UserError(`config field 'transformer.patch': the image sides ${hh}x${ww} must be multiples of it, got ${p}`);
    this.tokens = (hh / p) * (ww / p);
    this.patchDim = c * p * p;
    const h = shape.hidden;
    this.patchEmbed = new Linear(b, 'embed.patch', this.patchDim, h, false, false);
    this.positions = makeParameter(b, 'embed.positions', [this.tokens, h], { kind: 'glorotNormal', fanIn: this.tokens, fanOut: h }, false);
    this.blocks = Array.from({ length: shape.layers }, (_, i) => new EncoderBlock(b, `layer${i}`, shape, dropoutP, preNormOf(shape, true)));
    this.norm = new LayerNorm(b, 'norm', h);
    this.classifier = new Linear(b, 'classifier', h, numClasses, false, false);
  }

  forward(ctx: Ctx, x: Tensor): Tensor {
    const n = x.shape[0];
    const [c, hh, ww] = this.inputShape;
    const p = this.shape.patch;
    const h = this.shape.hidden;
    const T = this.tokens;
    let img = x;
    // channels last: [n, c, hh*ww] -> [n, hh*ww, c]
    if (c > 1) img = swapAxes12(ctx, img, n, c, hh * ww, 1);
    // [n*(hh/p), p, ww/p, p*c] -> [n*(hh/p), ww/p, p, p*c]: one patch per (row, column) of patches
    const patches = view(ctx, swapAxes12(ctx, img, n * (hh / p), p, ww / p, p * c), [n * T, this.patchDim]);
    let t = this.patchEmbed.forward(ctx, patches);
    t = view(ctx, addPerExample(ctx, view(ctx, t, [n, T * h]), this.positions.tensor, n), [n * T, h]);
    t = dropout(ctx, t, this.dropoutP);
    for (const block of this.blocks) t = block.run(ctx, t, n, T, null);
    t = this.norm.forward(ctx, t);
    // mean over the patch tokens: [n, T, h] -> [n, h, T] -> average of each plane of T
    const pooled = view(ctx, globalAvgPool(ctx, view(ctx, swapAxes12(ctx, t, n, T, h, 1), [n, h, T, 1])), [n, h]);
    return this.classifier.forward(ctx, pooled);
  }

  parameters(): Parameter[] {
    return [...this.patchEmbed.parameters(), this.positions, ...this.blocks.flatMap((bl) => bl.parameters()), ...this.norm.parameters(), ...this.classifier.parameters()];
  }
}
