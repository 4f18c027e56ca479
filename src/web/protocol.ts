/** The messages between the page (main.ts) and the experiment worker (worker.ts). */
import type { WebImpEvent, WebRoundResult } from './imp.ts';

/** Backends the page offers. */
export type WebBackendName = 'wasm' | 'tfjs-wasm' | 'tfjs-webgl';

/** Page -> worker: start one experiment. */
export interface RunRequest {
  type: 'run';
  backend: WebBackendName;
  model: string;
  dataset: 'mnist-embedded';
  rounds: number;
  iterations: number;
  seed: number;
}

/** The summary.json the page offers for download. */
export interface WebSummary {
  model: string;
  dataset: string;
  backend: string;
  rounds: number;
  iterations: number;
  seed: number;
  rates: Record<string, number>;
  results: Omit<WebRoundResult, 'evals'>[];
}

/** Worker -> page. */
export type WorkerMessage =
  | { type: 'status'; text: string }
  | { type: 'progress'; event: WebImpEvent; totalIterations: number }
  | { type: 'done'; summary: WebSummary; results: WebRoundResult[]; masksSafetensors: Uint8Array }
  | { type: 'error'; message: string };
