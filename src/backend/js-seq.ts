/**
 * The js reference backend's seq family (transformer ops): every op written in the most
 * obviously-correct way, reductions accumulated in float64. The oracle the wasm and tfjs seq
 * families are tested against (test/backend/seq-checks.ts).
 */
import type { Buf, GemmLayout, SeqOps } from './backend.ts';
import { arr } from './js-memory.ts';
import { GELU_A, GELU_C, checkIds } from './seq-common.ts';

/** Transformer ops of the js backend. */
export class JsSeqOps implements SeqOps {
  embedGather(table: Buf, ids: Buf, out: Buf, n: number, dim: number): void {
    const ts = arr(table, 0, 'embedGather table'), is = arr(ids, n, 'embedGather ids'), os = arr(out, n * dim, 'embedGather out');
    if (dim === 0) return;
    checkIds(is, n, Math.floor(ts.length / dim), 'embedGather');
    for (let i = 0; i < n; i++) {
      const src = is[i] * dim;
      for (let j = 0; j < dim; j++) os[i * dim + j] = ts[src + j];
    }
  }
  embedScatterAdd(dOut: Buf, ids: Buf, dTable: Buf, n: number, dim: number): void {
    const ds = arr(dOut, n * dim, 'embedScatterAdd dOut'), is = arr(ids, n, 'embedScatterAdd ids'), ts = arr(dTable, 0, 'embedScatterAdd dTable');
    if (dim === 0) return;
    checkIds(is, n, Math.floor(ts.length / dim), 'embedScatterAdd');
    for (let i = 0; i < n; i++) {
      const dst = is[i] * dim;
      for (let j = 0; j < dim; j++) ts[dst + j] += ds[i * dim + j];
    }
  }
  bmm(layout: GemmLayout, batch: number, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void {
    const as = arr(a, batch * m * k, `bmm ${layout} a`), bs = arr(b, batch * k * n, `bmm ${layout} b`);
    const cs = arr(c, batch * m * n, `bmm ${layout} c`);
    // Element strides of the three layouts (backend.ts GemmLayout): A(i,p) and B(p,j).
    const [ars, aps] = layout === 'tn' ? [1, m] : [k, 1];
    const [bps, bjs] = layout === 'nt' ? [1, k] : [n, 1];
    for (let t = 0; t < batch; t++) {
      const ao = t * m * k, bo = t * k * n, co = t * m * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += as[ao + i * ars + p * aps] * bs[bo + p * bps + j * bjs];
          cs[co + i * n + j] = accumulate ? cs[co + i * n + j] + s : s;
        }
      }
    }
  }
  swapAxes12(x: Buf, y: Buf, d0: number, d1: number, d2: number, d3: number): void {
    const size = d0 * d1 * d2 * d3;
    const xs = arr(x, size, 'swapAxes12 x'), ys = arr(y, size, 'swapAxes12 y');
    for (let i = 0; i < d0; i++) for (let j = 0; j < d1; j++) for (let k = 0; k < d2; k++) for (let l = 0; l < d3; l++) {
      ys[((i * d2 + k) * d1 + j) * d3 + l] = xs[((i * d1 + j) * d2 + k) * d3 + l];
    }
  }
  padMask(ids: Buf, mask: Buf, n: number): void {
    const is = arr(ids, n, 'padMask ids'), ms = arr(mask, n, 'padMask mask');
    for (let i = 0; i < n; i++) ms[i] = is[i] !== 0 ? 1 : 0;
  }
  attnSoftmax(x: Buf, keyMask: Buf | null, y: Buf, batch: number, heads: number, sq: number, sk: number, scale: number): void {
    const size = batch * heads * sq * sk;
    const xs = arr(x, size, 'attnSoftmax x'), ys = arr(y, size, 'attnSoftmax y');
    const ms = keyMask ? arr(keyMask, batch * sk, 'attnSoftmax keyMask') : null;
    const z = new Float64Array(sk);
    for (let bb = 0; bb < batch; bb++) {
      const keep = (j: number): boolean => ms === null || ms[bb * sk + j] !== 0;
      for (let r = 0; r < heads * sq; r++) {
        const o = (bb * heads * sq + r) * sk;
        let mx = -Infinity;
        for (let j = 0; j < sk; j++) {
          z[j] = scale * xs[o + j];
          if (keep(j)) mx = Math.max(mx, z[j]);
        }
        if (mx === -Infinity) {
          // every key excluded (or every score -inf): an all-zero row
          for (let j = 0; j < sk; j++) ys[o + j] = 0;
          continue;
        }
        let s = 0;
        for (let j = 0; j < sk; j++) {
          z[j] = keep(j) ? Math.exp(z[j] - mx) : 0;
          s += z[j];
        }
        for (let j = 0; j < sk; j++) ys[o + j] = z[j] / s;
      }
    }
  }
  softmaxBackward(y: Buf, dy: Buf, dx: Buf, rows: number, cols: number, scale: number, accumulate: boolean): void {
    const size = rows * cols;
    const ys = arr(y, size, 'softmaxBackward y'), ds = arr(dy, size, 'softmaxBackward dy'), xs = arr(dx, size, 'softmaxBackward dx');
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += ds[o + j] * ys[o + j];
      for (let j = 0; j < cols; j++) {
        const g = scale * ys[o + j] * (ds[o + j] - dot);
        xs[o + j] = accumulate ? xs[o + j] + g : g;
      }
    }
  }
  layerNorm(x: Buf, gamma: Buf, beta: Buf, y: Buf, mean: Buf, rstd: Buf, rows: number, cols: number, eps: number): void {
    const size = rows * cols;
    const xs = arr(x, size, 'layerNorm x'), gs = arr(gamma, cols, 'layerNorm gamma'), bs = arr(beta, cols, 'layerNorm beta');
    const ys = arr(y, size, 'layerNorm y'), ms = arr(mean, rows, 'layerNorm mean'), rs = arr(rstd, rows, 'layerNorm rstd');
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += xs[o + j];
      const mu = cols > 0 ? s / cols : 0;
      let v = 0;
      for (let j = 0; j < cols; j++) v += (xs[o + j] - mu) ** 2;
      const rs64 = 1 / Math.sqrt((cols > 0 ? v / cols : 0) + eps);
      for (let j = 0; j < cols; j++) ys[o + j] = gs[j] * (xs[o + j] - mu) * rs64 + bs[j];
      ms[r] = mu;
      rs[r] = rs64;
    }
  }
  layerNormBackward(x: Buf, dy: Buf, mean: Buf, rstd: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf, rows: number, cols: number, accumulate: boolean): void {
    const size = rows * cols;
    const xs = arr(x, size, 'layerNormBackward x'), ds = arr(dy, size, 'layerNormBackward dy');
    const ms = arr(mean, rows, 'layerNormBackward mean'), rs = arr(rstd, rows, 'layerNormBackward rstd'), gs = arr(gamma, cols, 'layerNormBackward gamma');
    const dxs = arr(dx, size, 'layerNormBackward dx'), dgs = arr(dgamma, cols, 'layerNormBackward dgamma'), dbs = arr(dbeta, cols, 'layerNormBackward dbeta');
    const dg = new Float64Array(cols), db = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      const mu = ms[r], rsd = rs[r];
      // dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma
      let sg = 0, sgx = 0;
      for (let j = 0; j < cols; j++) {
        const xhat = (xs[o + j] - mu) * rsd;
        const g = ds[o + j] * gs[j];
        sg += g;
        sgx += g * xhat;
        dg[j] += ds[o + j] * xhat;
        db[j] += ds[o + j];
      }
      sg /= cols;
      sgx /= cols;
      for (let j = 0; j < cols; j++) {
        const xhat = (xs[o + j] - mu) * rsd;
        const v = rsd * (ds[o + j] * gs[j] - sg - xhat * sgx);
        dxs[o + j] = accumulate ? dxs[o + j] + v : v;
      }
    }
    for (let j = 0; j < cols; j++) {
      dgs[j] = accumulate ? dgs[j] + dg[j] : dg[j];
      dbs[j] = accumulate ? dbs[j] + db[j] : db[j];
    }
  }
  gelu(x: Buf, y: Buf, n: number): void {
    const xs = arr(x, n, 'gelu x'), ys = arr(y, n, 'gelu y');
    for (let i = 0; i < n; i++) {
      const v = xs[i];
      ys[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + GELU_A * v * v * v)));
    }
  }
  geluBackward(x: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const xs = arr(x, n, 'geluBackward x'), ds = arr(dy, n, 'geluBackward dy'), dxs = arr(dx, n, 'geluBackward dx');
    for (let i = 0; i < n; i++) {
      const v = xs[i];
      const t = Math.tanh(GELU_C * (v + GELU_A * v * v * v));
      const d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_C * (1 + 3 * GELU_A * v * v);
      const g = ds[i] * d;
      dxs[i] = accumulate ? dxs[i] + g : g;
    }
  }
  tanh(x: Buf, y: Buf, n: number): void {
    const xs = arr(x, n, 'tanh x'), ys = arr(y, n, 'tanh y');
    for (let i = 0; i < n; i++) ys[i] = Math.tanh(xs[i]);
  }
  tanhBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const ys = arr(y, n, 'tanhBackward y'), ds = arr(dy, n, 'tanhBackward dy'), dxs = arr(dx, n, 'tanhBackward dx');
    for (let i = 0; i < n; i++) {
      const g = ds[i] * (1 - ys[i] * ys[i]);
      dxs[i] = accumulate ? dxs[i] + g : g;
    }
  }
}
