/** The messages between the page (main.ts) and the experiment worker (worker.ts). */
import type { WebImpEvent, WebRoundResult } from './imp.ts';

/** Backends the page offers. */
export type WebBackendName = 'wasm' | 'tfjs-wasm' | 'tfjs-webgl';

/** Page -> worker: start one experiment. */
export interface RunRequest {
  type: 'run';
  backend: WebBackendName;
  model: string;
  /** Multiplies the hidden widths (1 = LeNet-300-100). */
  widthMultiplier: number;
  dataset: 'mnist-embedded';
  rounds: number;
  iterations: number;
  /** Evaluations per trained branch, evenly spaced (the last at the final iteration). */
  evaluations: number;
  seed: number;
}

/** The summary.json the page offers for download. */
export interface WebSummary {
  model: string;
  widthMultiplier: number;
  dataset: string;
  backend: string;
  /** What the backend runs on (e.g. the WebGL renderer), as reported by the browser. */
  device: string;
  rounds: number;
  iterations: number;
  evalEvery: number;
  seed: number;
  rates: Record<string, number>;
  results: Omit<WebRoundResult, 'evals'>[];
}

/** Worker -> page. */
export type WorkerMessage =
  | { type: 'status'; text: string }
  | { type: 'backend'; name: string; device: string }
  | { type: 'progress'; event: WebImpEvent; totalIterations: number }
  | { type: 'done'; summary: WebSummary; results: WebRoundResult[]; masksSafetensors: Uint8Array }
  | { type: 'error'; message: string };
