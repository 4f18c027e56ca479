/**
 * The experiment worker: fetches the embedded MNIST digits and the kernels, runs the in-memory
 * IMP loop (imp.ts) and posts progress and results to the page. No Node built-ins: everything
 * arrives by fetch relative to the worker's own URL.
 */
import { buildEmbeddedMnist } from '../data/mnist-embedded.ts';
import { parseDigitFile } from '../data/mnist-json.ts';
import { encodeSafetensors, type SafeTensor } from '../experiment/io/safetensors.ts';
import { createWebBackend } from './backends.ts';
import { WEB_IMP_DEFAULTS, type WebImpConfig, runWebImp } from './imp.ts';
import type { RunRequest, WebSummary, WorkerMessage } from './protocol.ts';

const scope = self as unknown as { postMessage(m: WorkerMessage, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<RunRequest>) => void) | null; location: Location };
const base = scope.location.href;

function post(m: WorkerMessage, transfer: Transferable[] = []): void {
  scope.postMessage(m, transfer);
}

/** The ten digit files of the `mnist` package, served at digits/<d>.json. */
async function fetchDigits(): Promise<Float32Array[]> {
  return Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const url = new URL(`digits/${d}.json`, base);
      const res = await fetch(url);
      if (!res.ok) throw new Error(`cannot fetch ${url.pathname}: HTTP ${res.status}`);
      return parseDigitFile(new Uint8Array(await res.arrayBuffer()), `${d}.json`);
    }),
  );
}

// Progress is posted at most every this many milliseconds (evaluations and rounds always).
const STEP_POST_MS = 100;

async function run(req: RunRequest): Promise<void> {
  post({ type: 'status', text: 'loading MNIST digits' });
  const data = buildEmbeddedMnist(await fetchDigits());
  post({ type: 'status', text: `starting the ${req.backend} backend` });
  const { backend: b, device } = await createWebBackend(req.backend, base);
  post({ type: 'backend', name: b.name, device });
  const cfg: WebImpConfig = {
    ...WEB_IMP_DEFAULTS,
    model: req.model,
    widthMultiplier: req.widthMultiplier,
    rounds: req.rounds,
    iterations: req.iterations,
    seed: req.seed,
    evalEvery: Math.max(1, Math.ceil(req.iterations / Math.max(1, req.evaluations))),
    // Only our wasm kernels have a sparse path worth measuring: tfjs's CSR ops gather on the
    // CPU side, and on WebGL a wall-clock timing sees only the queued draw calls.
    kernels: req.backend === 'wasm' ? 'auto' : 'dense',
  };
  post({ type: 'status', text: `training on ${data.description}` });
  const loop = runWebImp(b, data, cfg);
  let last = 0;
  let next = loop.next();
  while (!next.done) {
    const ev = next.value;
    const now = performance.now();
    if (ev.kind !== 'step' || now - last > STEP_POST_MS) {
      post({ type: 'progress', event: ev, totalIterations: cfg.iterations });
      last = now;
    }
    next = loop.next();
  }
  const { results, masks, shapes } = next.value;
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, m] of Object.entries(masks)) tensors[name] = { dtype: 'U8', shape: shapes[name], data: m };
  const bytes = encodeSafetensors(tensors, { model: cfg.model, widthMultiplier: String(cfg.widthMultiplier), backend: b.name, round: String(cfg.rounds) });
  const summary: WebSummary = {
    model: cfg.model,
    widthMultiplier: cfg.widthMultiplier,
    dataset: req.dataset,
    backend: b.name,
    device,
    rounds: cfg.rounds,
    iterations: cfg.iterations,
    evalEvery: cfg.evalEvery,
    seed: cfg.seed,
    rates: cfg.rates,
    results: results.map(({ evals: _evals, ...rest }) => rest),
  };
  post({ type: 'done', summary, results, masksSafetensors: bytes }, [bytes.buffer]);
}

scope.onmessage = (e) => {
  if (e.data?.type !== 'run') return;
  run(e.data).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
