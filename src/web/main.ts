/**
 * The page: a form (model and width, dataset, rounds, iterations, evaluations, seed, backend),
 * a Run button, the device the backend runs on, live plots
 * drawn with the report's linePlot, a results table whose rows carry the numbers as data-
 * attributes (the end-to-end test reads them), and downloads of summary.json and the masks.
 */
import { linePlot, PALETTE, type PlotSeries } from '../experiment/report/svg.ts';
import type { WebRoundResult } from './imp.ts';
import type { RunRequest, WebBackendName, WorkerMessage } from './protocol.ts';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el as T;
};

const form = $<HTMLFormElement>('controls');
const runButton = $<HTMLButtonElement>('run');
const statusEl = $('status');
const deviceEl = $('device');
const accPlot = $('plot-accuracy');
const curvePlot = $('plot-curves');
const table = $<HTMLTableSectionElement>('results');
const downloads = $('downloads');

let worker: Worker | null = null;
let finished: WebRoundResult[] = [];
// evaluations of the branch training now, drawn as they arrive
let live: { round: number; branch: string; points: { x: number; y: number }[] } | null = null;

function setState(state: 'idle' | 'running' | 'done' | 'error', text: string): void {
  document.body.dataset.state = state;
  statusEl.textContent = text;
  runButton.disabled = state === 'running';
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function drawAccuracy(): void {
  const series: PlotSeries[] = (['ticket', 'reinit'] as const).map((branch, i) => ({
    name: branch === 'ticket' ? 'winning ticket' : 'random reinit',
    color: PALETTE[i],
    dashed: branch === 'reinit',
    points: finished.filter((r) => r.branch === branch).map((r) => ({ x: r.weightsRemaining, y: 100 * r.testAccuracyAtEarlyStop })),
  }));
  const shown = series.filter((s) => s.points.length > 0);
  if (shown.length === 0) return;
  accPlot.innerHTML = linePlot({
    title: 'Test accuracy at early stop',
    xLabel: 'percent of weights remaining',
    yLabel: 'test accuracy (%)',
    xScale: 'log',
    xReverse: true,
    xTicks: [...new Set(finished.map((r) => +r.weightsRemaining.toFixed(1)))],
    series: shown,
    width: 560,
    height: 360,
  });
  accPlot.dataset.series = shown.map((s) => s.name).join(',');
}

function drawCurves(): void {
  const tickets = finished.filter((r) => r.branch === 'ticket');
  const series: PlotSeries[] = tickets.map((r, i) => ({
    name: `ticket ${r.weightsRemaining.toFixed(1)}%`,
    color: PALETTE[i % PALETTE.length],
    points: r.evals.map((e) => ({ x: e.iteration, y: 100 * e.testAccuracy })),
  }));
  if (live !== null && live.branch === 'ticket' && live.points.length > 0) {
    series.push({ name: `round ${live.round} (training)`, color: PALETTE[tickets.length % PALETTE.length], dashed: true, points: live.points });
  }
  if (series.length === 0) return;
  curvePlot.innerHTML = linePlot({ title: 'Learning curves (winning tickets)', xLabel: 'training iteration', yLabel: 'test accuracy (%)', series, width: 560, height: 360 });
  curvePlot.dataset.series = series.map((s) => s.name).join(',');
}

function addRow(r: WebRoundResult): void {
  const tr = document.createElement('tr');
  tr.dataset.round = String(r.round);
  tr.dataset.branch = r.branch;
  tr.dataset.weightsRemaining = String(r.weightsRemaining);
  tr.dataset.testAccuracy = String(r.testAccuracyAtEarlyStop);
  tr.dataset.earlyStop = String(r.earlyStopIteration);
  for (const cell of [String(r.round), r.branch, `${r.weightsRemaining.toFixed(1)}%`, String(r.earlyStopIteration), pct(r.testAccuracyAtEarlyStop), pct(r.finalTestAccuracy), r.stepsPerSecond.toFixed(0)]) {
    const td = document.createElement('td');
    td.textContent = cell;
    tr.append(td);
  }
  table.append(tr);
}

function offerDownload(name: string, data: BlobPart, type: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([data], { type }));
  a.download = name;
  a.textContent = name;
  a.id = `download-${name.replace(/\W/g, '-')}`;
  downloads.append(a, ' ');
}

function onMessage(m: WorkerMessage): void {
  if (m.type === 'status') setState('running', m.text);
  else if (m.type === 'backend') {
    document.body.dataset.backend = m.name;
    document.body.dataset.device = m.device;
    deviceEl.textContent = `backend ${m.name} on ${m.device}`;
  } else if (m.type === 'error') setState('error', `error: ${m.message}`);
  else if (m.type === 'progress') {
    const ev = m.event;
    if (ev.kind === 'step') {
      setState('running', `round ${ev.round}, ${ev.branch}: iteration ${ev.iteration} / ${m.totalIterations}`);
    } else if (ev.kind === 'eval') {
      if (live === null || live.round !== ev.round || live.branch !== ev.branch) live = { round: ev.round, branch: ev.branch, points: [] };
      live.points.push({ x: ev.record.iteration, y: 100 * ev.record.testAccuracy });
      setState('running', `round ${ev.round}, ${ev.branch}: iteration ${ev.record.iteration} / ${m.totalIterations}, test accuracy ${pct(ev.record.testAccuracy)}`);
      drawCurves();
    } else {
      live = null;
      finished.push(ev.result);
      addRow(ev.result);
      drawAccuracy();
      drawCurves();
    }
  } else {
    offerDownload('summary.json', JSON.stringify(m.summary, null, 2), 'application/json');
    offerDownload('masks.safetensors', m.masksSafetensors as Uint8Array<ArrayBuffer>, 'application/octet-stream');
    const last = m.summary.results.filter((r) => r.branch === 'ticket').at(-1);
    setState('done', `done: ${m.summary.results.length} branches trained` + (last ? `; final ticket ${last.weightsRemaining.toFixed(1)}% of weights, ${pct(last.testAccuracyAtEarlyStop)} test accuracy` : ''));
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(form);
  const req: RunRequest = {
    type: 'run',
    model: String(f.get('model')),
    widthMultiplier: Number(f.get('width')),
    dataset: 'mnist-embedded',
    backend: String(f.get('backend')) as WebBackendName,
    rounds: Number(f.get('rounds')),
    iterations: Number(f.get('iterations')),
    evaluations: Number(f.get('evaluations')),
    seed: Number(f.get('seed')),
  };
  worker?.terminate();
  finished = [];
  live = null;
  table.replaceChildren();
  downloads.replaceChildren();
  accPlot.replaceChildren();
  curvePlot.replaceChildren();
  deviceEl.textContent = '';
  delete document.body.dataset.backend;
  delete document.body.dataset.device;
  // a fresh worker per run: tfjs can pick its backend only once per realm
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (ev: MessageEvent<WorkerMessage>) => onMessage(ev.data);
  worker.onerror = (ev) => setState('error', `worker error: ${ev.message}`);
  setState('running', 'starting');
  worker.postMessage(req);
});

setState('idle', 'ready');
