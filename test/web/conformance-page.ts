// Browser entry of the WebGL conformance test (test/web/webgl-conformance.test.ts bundles it):
// the backend checks of test/backend/*-checks.ts (dense, NCHW, CSR, sparse convolution; listed
// in backend-checks.ts), run in a plain page (no worker) on the tfjs backend over tf's WebGL
// backend, one at a time at the test's request, with the js reference next to it. Imports the
// library exactly as an application would; the bundle has no Node built-ins.
import * as tf from '@tensorflow/tfjs';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBrowserBackend } from '../../src/web/tfjs-browser.ts';
import type { Check } from '../backend/conformance-checks.ts';
import { type BackendCheckOptions, backendChecks } from './backend-checks.ts';

/** The outcome of one check. */
export interface CheckResult {
  ok: boolean;
  /** The assertion message (the first mismatch), or the error's. */
  message: string;
  ms: number;
}

/** What the page exposes as `globalThis.lthConformance`. */
export interface ConformancePage {
  /**
   * Starts tf on WebGL with the given tf environment flags; returns the device (WebGL renderer),
   * whether tfjs renders into float32 textures, and the names of the checks.
   */
  start(opts: BackendCheckOptions, flags: Record<string, boolean | number>): Promise<{ backend: string; device: string; float32: boolean; names: string[] }>;
  /** Runs one check by name. */
  run(name: string): CheckResult;
}

let checks: Check[] = [];

const page: ConformancePage = {
  async start(opts, flags) {
    // the page's own set-up (src/web/tfjs-browser.ts), so the checks run on what the app runs
    const { backend: b, device } = await createTfjsBrowserBackend('webgl', location.href);
    for (const [k, v] of Object.entries(flags)) tf.env().set(k, v);
    checks = backendChecks(new JsBackend(), b, opts);
    const float32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
    return { backend: b.name, device, float32, names: checks.map((c) => c.name) };
  },
  run(name) {
    const c = checks.find((x) => x.name === name);
    if (c === undefined) return { ok: false, message: `no check named '${name}'; start() first`, ms: 0 };
    const t0 = performance.now();
    try {
      c.run();
      return { ok: true, message: '', ms: performance.now() - t0 };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err), ms: performance.now() - t0 };
    }
  },
};

(globalThis as unknown as { lthConformance: ConformancePage }).lthConformance = page;
