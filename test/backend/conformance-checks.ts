// The backend conformance checks, runtime-neutral: every Backend method of a candidate against
// the js reference, at sizes that exercise SIMD tails (0, 1, 3, 5, 17) and at LeNet-300-100
// sizes. Node runs them in conformance.test.ts; headless Chromium runs them on tfjs's WebGL
// backend (test/web/webgl-conformance.test.ts). No Node built-ins here or in compare.ts.
import * as assert from 'uvu/assert';
import type { Backend, Buf, GemmLayout } from '../../src/backend/backend.ts';
import { Rng } from '../../src/util/rng.ts';
import { buf, rand, same as sameAs } from './compare.ts';

/** Per-backend settings; the defaults are the Node suite's. */
export interface ConformanceOptions {
  /** The m, n and k of the odd-size GEMM grid (every combination, three layouts, acc on/off). */
  gemmDims?: number[];
}

/** One check: a name and a body that throws (an uvu assertion error) on the first mismatch. */
export interface Check {
  name: string;
  run: () => void;
}

const SIZES = [0, 1, 3, 5, 17, 1003];
/** The default odd-size GEMM grid: SIMD tails of 4 and 8 lanes, one tile and a bit. */
export const GEMM_DIMS = [0, 1, 3, 5, 17, 67];

/** The checks of backend `b` against the reference `ref`, in a fixed order with fixed names. */
export function conformanceChecks(ref: Backend, b: Backend, opts: ConformanceOptions = {}): Check[] {
  // Runs `op` on the reference and on `b` with the same inputs; compares every argument.
  const same = (inputs: Float32Array[], op: (be: Backend, bufs: Buf[]) => number | void, what: string, rtol?: number, atol?: number): void => {
    sameAs(ref, b, inputs, op, what, rtol, atol);
  };
  const checks: Check[] = [];
  // each check draws from its own stream, so one can run alone (a browser runs them one by one)
  const check = (name: string, body: (rng: Rng) => void): void => {
    checks.push({ name, run: () => body(new Rng(42, `${b.name}/${name}`)) });
  };

  check('gemm nn/nt/tn at odd sizes, accumulate on and off', (rng) => {
    const dims = opts.gemmDims ?? GEMM_DIMS;
    for (const layout of ['nn', 'nt', 'tn'] as GemmLayout[]) {
      for (const m of dims) for (const n of dims) for (const k of dims) for (const acc of [false, true]) {
        same([rand(rng, m * k), rand(rng, k * n), rand(rng, m * n)],
          (be, [x, y, c]) => be.gemm(layout, m, n, k, x, y, c, acc), `gemm ${layout} ${m}x${n}x${k} acc=${acc}`, 1e-5, 1e-5);
      }
    }
  });

  check('gemm at the LeNet-300-100 shapes (batch 60)', (rng) => {
    const shapes: [GemmLayout, number, number, number][] = [
      ['nt', 60, 300, 784], ['nt', 60, 100, 300], ['nt', 60, 10, 100],
      ['nn', 60, 300, 100], ['nn', 60, 100, 10], ['nn', 60, 784, 300],
      ['tn', 300, 784, 60], ['tn', 100, 300, 60], ['tn', 10, 100, 60],
    ];
    for (const [layout, m, n, k] of shapes) for (const acc of [false, true]) {
      same([rand(rng, m * k), rand(rng, k * n), rand(rng, m * n)],
        (be, [x, y, c]) => be.gemm(layout, m, n, k, x, y, c, acc), `gemm ${layout} ${m}x${n}x${k} acc=${acc}`, 1e-5, 1e-4);
    }
  });

  check('elementwise ops, including in-place aliasing', (rng) => {
    for (const n of SIZES) {
      const x = rand(rng, n), y = rand(rng, n), z = rand(rng, n);
      same([y], (be, [p]) => be.fill(p, 0.75, n), `fill ${n}`);
      same([x, y], (be, [p, q]) => be.copy(p, q, n), `copy ${n}`);
      same([x, y], (be, [p, q]) => be.axpy(-1.5, p, q, n), `axpy ${n}`);
      same([x, y], (be, [p, q]) => be.scale(p, 3.25, q, n), `scale ${n}`);
      same([x], (be, [p]) => be.scale(p, -2, p, n), `scale in place ${n}`);
      same([x, y, z], (be, [p, q, r]) => be.mul(p, q, r, n), `mul ${n}`);
      same([x, y], (be, [p, q]) => be.mul(p, q, p, n), `mul into x ${n}`);
      same([x, y, z], (be, [p, q, r]) => be.add(p, q, r, n), `add ${n}`);
      same([x, y], (be, [p, q]) => be.add(p, q, q, n), `add into y ${n}`);
      same([x, y], (be, [p, q]) => be.relu(p, q, n), `relu ${n}`);
      same([x], (be, [p]) => be.relu(p, p, n), `relu in place ${n}`);
      for (const acc of [false, true]) {
        same([x, y, z], (be, [p, q, r]) => be.reluBackward(p, q, r, n, acc), `reluBackward ${n} acc=${acc}`);
      }
    }
  });

  check('relu edge values (-0, NaN, tiny) match the reference exactly', () => {
    const x = Float32Array.of(-0, NaN, 1e-30, -1e-30, 0, Infinity, -Infinity, 2);
    same([x, new Float32Array(8)], (be, [p, q]) => be.relu(p, q, 8), 'relu specials', 0, 0);
    const r = b.alloc(8);
    b.write(r, x);
    b.relu(r, r, 8);
    assert.ok(Object.is(b.read(r)[0], 0), 'relu(-0) is +0');
    b.free(r);
  });

  check('sum and sumSquares, to 1e-6 relative over 1e6 elements', (rng) => {
    for (const n of [...SIZES, 1_000_000]) {
      const x = rand(rng, n, 10);
      for (let i = 0; i < n; i++) x[i] += 0.5; // a nonzero mean so the sum is not near 0
      same([x], (be, [p]) => be.sum(p, n), `sum ${n}`, 1e-6, 1e-9);
      same([x], (be, [p]) => be.sumSquares(p, n), `sumSquares ${n}`, 1e-6, 1e-9);
    }
  });

  check('biasAct and colSum', (rng) => {
    for (const m of [0, 1, 3, 17, 60]) for (const n of [1, 3, 5, 17, 300]) {
      const x = rand(rng, m * n), bias = rand(rng, n), y = rand(rng, m * n);
      for (const relu of [false, true]) {
        same([x, bias, y], (be, [p, q, r]) => be.biasAct(p, q, r, m, n, relu), `biasAct ${m}x${n} relu=${relu}`);
        same([x, bias], (be, [p, q]) => be.biasAct(p, q, p, m, n, relu), `biasAct in place ${m}x${n} relu=${relu}`);
      }
      for (const acc of [false, true]) {
        same([x, bias], (be, [p, q]) => be.colSum(p, q, m, n, acc), `colSum ${m}x${n} acc=${acc}`, 1e-5, 1e-5);
      }
    }
  });

  check('softmaxXent (stable at large logits) and countCorrect', (rng) => {
    for (const [m, c] of [[0, 10], [1, 1], [3, 5], [17, 3], [60, 10]]) {
      for (const scale of [1, 100]) {
        const logits = rand(rng, m * c, scale);
        const labels = Float32Array.from({ length: m }, () => rng.int(c));
        same([logits, labels, rand(rng, m * c)],
          (be, [p, q, r]) => be.softmaxXent(p, q, m, c, r), `xent ${m}x${c} x${scale}`, 1e-5, 1e-6);
        same([logits, labels], (be, [p, q]) => be.softmaxXent(p, q, m, c, null), `xent no grad ${m}x${c}`);
        same([logits, labels], (be, [p, q]) => be.countCorrect(p, q, m, c), `countCorrect ${m}x${c}`, 0, 0);
      }
    }
    // Ties resolve to the first maximum: rows are [0, 5, 0, 5]; 7 rows say 1, 3 rows say 3.
    const tied = Float32Array.from({ length: 40 }, (_, i) => (i % 4 === 1 || i % 4 === 3 ? 5 : 0));
    const labels = Float32Array.from({ length: 10 }, (_, i) => (i < 7 ? 1 : 3));
    const tb = [buf(b, tied), buf(b, labels)];
    assert.is(b.countCorrect(tb[0], tb[1], 10, 4), 7, 'first maximum wins');
    tb.forEach((x) => b.free(x));
    same([tied, labels], (be, [p, q]) => be.countCorrect(p, q, 10, 4), 'countCorrect ties', 0, 0);
    // A label outside [0, c) poisons the loss instead of reading another row.
    same([rand(rng, 6), Float32Array.of(1, 7)], (be, [p, q]) => be.softmaxXent(p, q, 2, 3, null), 'xent bad label');
  });

  check('adam and sgd, dense and masked, over several steps', (rng) => {
    for (const n of [...SIZES, 4099]) {
      const mask = Float32Array.from({ length: n }, () => (rng.next() < 0.3 ? 0 : 1));
      for (const masked of [false, true]) {
        const w = rand(rng, n), m1 = rand(rng, n, 0.1), m2 = rand(rng, n, 0.1).map(Math.abs);
        same([w, rand(rng, n), m1, m2, mask], (be, [pw, pg, p1, p2, pm]) => {
          for (let t = 1; t <= 3; t++) {
            be.adam(pw, pg, p1, p2, masked ? pm : null, n,
              { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 1 - 0.9 ** t, bc2: 1 - 0.999 ** t, weightDecay: 1e-4 });
          }
        }, `adam ${n} masked=${masked}`, 1e-4, 1e-6);
        for (const nesterov of [false, true]) for (const momentum of [0, 0.9]) {
          same([w, rand(rng, n), rand(rng, n), mask], (be, [pw, pg, pv, pm]) => {
            const args = { lr: 0.1, momentum, weightDecay: 5e-4, nesterov };
            for (let t = 0; t < 3; t++) be.sgd(pw, pg, pv, masked ? pm : null, n, args);
          }, `sgd ${n} masked=${masked} mu=${momentum} nesterov=${nesterov}`, 1e-5, 1e-6);
        }
      }
    }
  });

  check('masked optimizers write pruned weights and state as exactly +0', (rng) => {
    const n = 37;
    const mask = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const w = buf(b, rand(rng, n)), g = buf(b, rand(rng, n)), m1 = buf(b, rand(rng, n));
    const m2 = buf(b, rand(rng, n).map(Math.abs));
    const vel = buf(b, rand(rng, n)), pm = buf(b, mask);
    for (let t = 1; t <= 5; t++) {
      b.write(g, rand(rng, n)); // gradients of pruned weights are nonzero, as before masking dW
      const bc = { bc1: 1 - 0.9 ** t, bc2: 1 - 0.999 ** t };
      b.adam(w, g, m1, m2, pm, n, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, ...bc, weightDecay: 0.1 });
      b.sgd(w, g, vel, pm, n, { lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: t % 2 === 0 });
      const [W, A, B, V] = [w, m1, m2, vel].map((x) => b.read(x));
      for (let i = 0; i < n; i++) {
        if (mask[i] !== 0) continue;
        for (const [arr, name] of [[W, 'w'], [A, 'm1'], [B, 'm2'], [V, 'vel']] as const) {
          assert.ok(Object.is(arr[i], 0), `step ${t}: ${name}[${i}] = ${arr[i]}, want +0`);
        }
      }
      assert.ok(W.some((v, i) => mask[i] !== 0 && v !== 0), 'kept weights still train');
    }
    [w, g, m1, m2, vel, pm].forEach((x) => b.free(x));
  });

  check('ops reject short buffers and foreign buffers', () => {
    const a = b.alloc(6), c = b.alloc(4);
    assert.throws(() => b.gemm('nn', 2, 2, 3, a, b.alloc(5), c, false), /gemm nn b/);
    assert.throws(() => b.add(a, a, c, 6), /add z/);
    assert.throws(() => b.copy(a, ref.alloc(6), 6), /another backend/);
    assert.throws(() => b.write(c, [1, 2, 3, 4, 5]), RangeError);
  });

  return checks;
}
