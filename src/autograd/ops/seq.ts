/**
 * Transformer ops on the tape (issue 16): token embedding and row selection, batched matmul,
 * head split/merge, masked attention softmax, LayerNorm, GELU and tanh. Each runs the backend's
 * seq family forward and records its backward, as linear.ts does.
 */
import type { Buf, GemmLayout } from '../../backend/backend.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';
import { add } from './arith.ts';

/** a + b with gradients to both (residual connections): arith.ts's add under the transformer's name. */
export const residualAdd = add;

/**
 * y[i, :] = table[ids[i], :] for i < n: a token embedding lookup (table [V, d] or [..., d], ids token indices
 * stored as floats). Backward scatter-adds y's gradient into the table's, repeated ids adding up.
 */
export function embedding(ctx: Ctx, table: Tensor, ids: Buf, n: number): Tensor {
  const b = ctx.backend;
  const d = table.shape[table.shape.length - 1]; // rows of the last axis: [V, d], or any [..., d]
  const V = d > 0 ? table.size / d : 0;
  const y = new Tensor([n, d], b.scratch(n * d), table.requiresGrad);
  b.embedGather(table.buf, ids, y.buf, n, d);
  if (ctx.tape !== null && table.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, table);
      if (!t.acc) b.fill(t.g, 0, V * d);
      b.embedScatterAdd(y.grad, ids, t.g, n, d);
    });
  }
  return y;
}

/** y[i, :] = x[idx[i], :] for i < n (x [N, d]; e.g. the [CLS] rows, the masked positions): embedding with x as the table. */
export function rows(ctx: Ctx, x: Tensor, idx: Buf, n: number): Tensor {
  return embedding(ctx, x, idx, n);
}

// One gradient product: its layout, m, n, k and its two operands (dC, A or B).
type Operand = 'dc' | 'a' | 'b';
type GradProduct = [GemmLayout, number, number, number, Operand, Operand];

// The products giving dA and dB for C = op(A)·op(B).
function bmmGrads(layout: GemmLayout, m: number, n: number, k: number): { da: GradProduct; db: GradProduct } {
  if (layout === 'nn') return { da: ['nt', m, k, n, 'dc', 'b'], db: ['tn', k, n, m, 'a', 'dc'] }; // dA = dC·Bᵀ, dB = Aᵀ·dC
  if (layout === 'nt') return { da: ['nn', m, k, n, 'dc', 'b'], db: ['tn', n, k, m, 'dc', 'a'] }; // dA = dC·B, dB = dCᵀ·A
  return { da: ['nt', k, m, n, 'b', 'dc'], db: ['nn', k, n, m, 'a', 'dc'] }; // tn: dA = B·dCᵀ, dB = A·dC
}

/**
 * C_t = op(A_t)·op(B_t) for t < batch (layouts as gemm; A_t [m, k] or [k, m], B_t [k, n] or [n, k],
 * consecutive): y [batch * m, n]. Backward: the two other layouts, as linear does.
 */
export function bmm(ctx: Ctx, layout: GemmLayout, a: Tensor, b2: Tensor, batch: number, m: number, n: number, k: number): Tensor {
  const b = ctx.backend;
  if (a.size !== batch * m * k || b2.size !== batch * k * n) {
    throw new Error(`bmm ${layout}: operands [${a.shape}] and [${b2.shape}] do not hold ${batch} products of ${m}x${k} and ${k}x${n}`);
  }
  const y = new Tensor([batch * m, n], b.scratch(batch * m * n), a.requiresGrad || b2.requiresGrad);
  b.bmm(layout, batch, m, n, k, a.buf, b2.buf, y.buf, false);
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const g = bmmGrads(layout, m, n, k);
      const pick = (w: Operand): Buf => (w === 'dc' ? y.grad! : w === 'a' ? a.buf : b2.buf);
      for (const [t, [lay, mm, nn, kk, p, q]] of [[b2, g.db], [a, g.da]] as const) {
        if (!t.requiresGrad) continue;
        const target = gradTarget(b, t);
        b.bmm(lay, batch, mm, nn, kk, pick(p), pick(q), target.g, target.acc);
      }
    });
  }
  return y;
}

/** y [d0, d2, d1, d3] with y[i, k, j, l] = x[i, j, k, l] (x [d0, d1, d2, d3] in any shape of that size): head split/merge. */
export function swapAxes12(ctx: Ctx, x: Tensor, d0: number, d1: number, d2: number, d3: number): Tensor {
  const b = ctx.backend;
  const size = d0 * d1 * d2 * d3;
  if (x.size !== size) throw new Error(`swapAxes12: [${x.shape}] is not of size ${d0}x${d1}x${d2}x${d3}`);
  const y = new Tensor([d0, d2, d1, d3], b.scratch(size), x.requiresGrad);
  b.swapAxes12(x.buf, y.buf, d0, d1, d2, d3);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      if (!t.acc) return b.swapAxes12(y.grad, t.g, d0, d2, d1, d3);
      const tmp = b.scratchUninit(size);
      b.swapAxes12(y.grad, tmp, d0, d2, d1, d3);
      b.add(t.g, tmp, t.g, size);
    });
  }
  return y;
}

/**
 * Attention probabilities: softmax over the last axis of scale * scores [batch, heads, sq, sk],
 * keys with keyMask[b * sk + j] === 0 excluded (keyMask null: none). Backward: softmaxBackward.
 */
export function attnSoftmax(ctx: Ctx, scores: Tensor, keyMask: Buf | null, batch: number, heads: number, sq: number, sk: number, scale: number): Tensor {
  const b = ctx.backend;
  const size = batch * heads * sq * sk;
  if (scores.size !== size) throw new Error(`attnSoftmax: scores [${scores.shape}] are not ${batch}x${heads}x${sq}x${sk}`);
  const y = new Tensor(scores.shape, b.scratch(size), scores.requiresGrad);
  b.attnSoftmax(scores.buf, keyMask, y.buf, batch, heads, sq, sk, scale);
  if (ctx.tape !== null && scores.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, scores);
      b.softmaxBackward(y.buf, y.grad, t.g, batch * heads * sq, sk, scale, t.acc);
    });
  }
  return y;
}

/** LayerNorm over the last axis of x [rows, cols] with gain gamma [cols] and bias beta [cols]. */
export function layerNorm(ctx: Ctx, x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const b = ctx.backend;
  const cols = x.shape[x.shape.length - 1];
  const rows = cols > 0 ? x.size / cols : 0;
  if (gamma.size !== cols || beta.size !== cols) throw new Error(`layerNorm: x [${x.shape}] needs gamma and beta of ${cols}, got ${gamma.size} and ${beta.size}`);
  const y = new Tensor(x.shape, b.scratch(x.size), x.requiresGrad || gamma.requiresGrad || beta.requiresGrad);
  const mean = b.scratch(rows), rstd = b.scratch(rows);
  b.layerNorm(x.buf, gamma.buf, beta.buf, y.buf, mean, rstd, rows, cols, eps);
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      // One kernel writes all three gradients with one accumulate flag: a target that must be
      // accumulated while another is written first (or one not wanted) gets a scratch buffer.
      const ts = [x, gamma, beta].map((t) => (t.requiresGrad ? gradTarget(b, t) : null));
      const acc = ts.every((t) => t !== null && t.acc);
      const outs = ts.map((t, i) => (t !== null && t.acc === acc ? t.g : b.scratchUninit(i === 0 ? x.size : cols)));
      b.layerNormBackward(x.buf, y.grad, mean, rstd, gamma.buf, outs[0], outs[1], outs[2], rows, cols, acc);
      ts.forEach((t, i) => {
        if (t === null || outs[i] === t.g) return;
        const n = i === 0 ? x.size : cols;
        if (t.acc) b.add(t.g, outs[i], t.g, n);
        else b.copy(outs[i], t.g, n);
      });
    });
  }
  return y;
}

/** y = GELU(x), the tanh approximation. */
export function gelu(ctx: Ctx, x: Tensor): Tensor {
  const b = ctx.backend;
  const n = x.size;
  const y = new Tensor(x.shape, b.scratch(n), x.requiresGrad);
  b.gelu(x.buf, y.buf, n);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      b.geluBackward(x.buf, y.grad, t.g, n, t.acc);
    });
  }
  return y;
}

/** y = tanh(x) (the BERT pooler). */
export function tanh(ctx: Ctx, x: Tensor): Tensor {
  const b = ctx.backend;
  const n = x.size;
  const y = new Tensor(x.shape, b.scratch(n), x.requiresGrad);
  b.tanh(x.buf, y.buf, n);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      b.tanhBackward(y.buf, y.grad, t.g, n, t.acc);
    });
  }
  return y;
}
