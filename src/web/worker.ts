/**
 * The experiment worker: fetches the embedded MNIST digits and the kernels, runs the real
 * experiment runner (the same pieces, branches and summary as `lth run`) into a MemoryStore,
 * and posts its progress and the run's files to the page. No Node built-ins: everything
 * arrives by fetch relative to the worker's own URL.
 */
import { parseDigitFile } from '../data/mnist-json.ts';
import { parseSummary } from '../experiment/report/validate.ts';
import { writeReport } from '../experiment/report/report.ts';
import { runExperiment } from '../experiment/runner.ts';
import { runKeys } from '../experiment/store/keys.ts';
import { MemoryStore } from '../experiment/store/memory-store.ts';
import { createWebBackend } from './backends.ts';
import { embeddedMnistFor, webConfig, webDownloads } from './experiment.ts';
import type { RunRequest, WorkerMessage } from './protocol.ts';

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

// Iteration progress is posted at most every this many milliseconds (evaluations always).
const STEP_POST_MS = 100;

async function run(req: RunRequest): Promise<void> {
  const cfg = webConfig(req); // a bad setting fails here, before anything loads
  post({ type: 'status', text: 'loading MNIST digits' });
  const data = embeddedMnistFor(cfg, await fetchDigits());
  post({ type: 'status', text: `starting the ${req.backend} backend` });
  const { backend, device } = await createWebBackend(req.backend, base);
  post({ type: 'backend', name: backend.name, device });
  post({ type: 'status', text: `training on ${data.description}` });
  const store = new MemoryStore(cfg.name);
  let last = 0;
  for await (const event of runExperiment(cfg, store, { backend, data })) {
    const now = performance.now();
    if (event.kind !== 'iteration' || event.testAccuracy !== undefined || now - last > STEP_POST_MS) {
      post({ type: 'event', event, totalIterations: cfg.iterations });
      last = now;
    }
  }
  writeReport(store);
  const summary = parseSummary(JSON.parse(store.getText(runKeys.summary)!), store.where(runKeys.summary));
  const files = webDownloads(store, cfg);
  post({ type: 'done', summary, files }, files.map((f) => f.bytes.buffer));
}

scope.onmessage = (e) => {
  if (e.data?.type !== 'run') return;
  run(e.data).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
