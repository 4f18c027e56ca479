/**
 * The page: a form (preset, the branches to train, width, rounds, iterations, evaluations,
 * trials, seed, backend), a Run button, the device the backend runs on, live plots drawn with
 * the report's linePlot, a results table whose rows carry the numbers as data- attributes (the
 * end-to-end test reads them), and downloads of the run's files from the worker's memory store.
 */
import type { PieceResult } from '../experiment/pieces.ts';
import { linePlot, PALETTE, type PlotSeries } from '../experiment/report/svg.ts';
import { webBranches, webPresets } from './experiment.ts';
import type { RunRequest, WebBackendName, WorkerMessage } from './protocol.ts';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no #${id}`);
  return el as T;
};

const form = $<HTMLFormElement>('controls');
const presetSelect = $<HTMLSelectElement>('preset');
const branchBoxes = $('branches');
const runButton = $<HTMLButtonElement>('run');
const statusEl = $('status');
const deviceEl = $('device');
const accPlot = $('plot-accuracy');
const curvePlot = $('plot-curves');
const table = $<HTMLTableSectionElement>('results');
const downloads = $('downloads');

const presets = webPresets();
const branches = webBranches();
const labelOf = (name: string): string => branches.find((b) => b.name === name)?.label ?? name;

let worker: Worker | null = null;
let finished: PieceResult[] = [];
let current: { round: number; trial: number; branch: string } | null = null;
// evaluations of the piece training now, drawn as they arrive
let live: { round: number; trial: number; branch: string; points: { x: number; y: number }[] } | null = null;

function setState(state: 'idle' | 'running' | 'done' | 'error', text: string): void {
  document.body.dataset.state = state;
  statusEl.textContent = text;
  runButton.disabled = state === 'running';
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

// The form: one option per preset a tab can run, one checkbox per branch (the ticket always runs).
function buildForm(): void {
  for (const p of presets) presetSelect.append(new Option(`${p.name} (${p.model})`, p.name));
  for (const b of branches) {
    const label = document.createElement('label');
    label.className = 'branch';
    label.title = b.description;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'branch';
    box.value = b.name;
    box.disabled = b.name === 'ticket';
    label.append(box, ` ${b.label}`);
    branchBoxes.append(label);
  }
  presetSelect.value = 'quick';
  applyPreset();
  presetSelect.addEventListener('change', applyPreset);
}

// A preset sets the branches, width, rounds and iterations it stands for (capped for a tab).
function applyPreset(): void {
  const p = presets.find((x) => x.name === presetSelect.value);
  if (p === undefined) return;
  branchBoxes.querySelectorAll<HTMLInputElement>('input[name=branch]').forEach((box) => (box.checked = box.value === 'ticket' || p.branches.includes(box.value as PieceResult['branch'])));
  const set = (name: string, value: number) => ((form.elements.namedItem(name) as HTMLInputElement).value = String(value));
  set('width', p.widthMultiplier);
  set('rounds', p.rounds);
  set('iterations', p.iterations);
}

// Accuracy at early stop per branch and round: the mean over trials.
function drawAccuracy(): void {
  const names = [...new Set(finished.map((r) => r.branch))];
  const series: PlotSeries[] = names.map((branch, i) => {
    const rounds = [...new Set(finished.filter((r) => r.branch === branch).map((r) => r.round))];
    const points = rounds.map((round) => {
      const rs = finished.filter((r) => r.branch === branch && r.round === round && r.diverged === undefined);
      return { x: 100 * rs[0]?.weightsRemaining, y: (100 * rs.reduce((a, r) => a + r.testAccuracyAtEarlyStop, 0)) / rs.length };
    });
    return { name: labelOf(branch), color: PALETTE[i % PALETTE.length], dashed: branch !== 'ticket', points: points.filter((p) => Number.isFinite(p.y)) };
  });
  const shown = series.filter((s) => s.points.length > 0);
  if (shown.length === 0) return;
  accPlot.innerHTML = linePlot({
    title: 'Test accuracy at early stop',
    xLabel: 'percent of weights remaining',
    yLabel: 'test accuracy (%)',
    xScale: 'log',
    xReverse: true,
    xTicks: [...new Set(finished.map((r) => +(100 * r.weightsRemaining).toFixed(1)))],
    series: shown,
    width: 560,
    height: 360,
  });
  accPlot.dataset.series = shown.map((s) => s.name).join(',');
}

// Learning curves of trial 0's tickets, and of the piece training now.
function drawCurves(): void {
  const tickets = finished.filter((r) => r.branch === 'ticket' && r.trial === 0);
  const series: PlotSeries[] = tickets.map((r, i) => ({
    name: `ticket ${(100 * r.weightsRemaining).toFixed(1)}%`,
    color: PALETTE[i % PALETTE.length],
    points: r.evals.filter((e) => Number.isFinite(e.testAccuracy)).map((e) => ({ x: e.iteration, y: 100 * e.testAccuracy })),
  }));
  if (live !== null && live.branch === 'ticket' && live.trial === 0 && live.points.length > 0) {
    series.push({ name: `round ${live.round} (training)`, color: PALETTE[tickets.length % PALETTE.length], dashed: true, points: live.points });
  }
  if (series.length === 0) return;
  curvePlot.innerHTML = linePlot({ title: 'Learning curves (winning tickets)', xLabel: 'training iteration', yLabel: 'test accuracy (%)', series, width: 560, height: 360 });
  curvePlot.dataset.series = series.map((s) => s.name).join(',');
}

function addRow(r: PieceResult): void {
  const tr = document.createElement('tr');
  tr.dataset.round = String(r.round);
  tr.dataset.trial = String(r.trial);
  tr.dataset.branch = r.branch;
  tr.dataset.weightsRemaining = String(100 * r.weightsRemaining);
  tr.dataset.testAccuracy = String(r.testAccuracyAtEarlyStop);
  tr.dataset.earlyStop = String(r.earlyStopIteration);
  if (r.diverged) tr.dataset.diverged = String(r.diverged.iteration);
  const cells = [String(r.round), String(r.trial), labelOf(r.branch), `${(100 * r.weightsRemaining).toFixed(1)}%`, String(r.earlyStopIteration)];
  cells.push(...(r.diverged ? [`diverged at ${r.diverged.iteration}`, '', ''] : [pct(r.testAccuracyAtEarlyStop), pct(r.finalTestAccuracy), r.stepsPerSecond.toFixed(0)]));
  for (const cell of cells) {
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

function where(): string {
  return current === null ? '' : `round ${current.round}, trial ${current.trial}, ${labelOf(current.branch)}`;
}

function onMessage(m: WorkerMessage): void {
  if (m.type === 'status') setState('running', m.text);
  else if (m.type === 'backend') {
    document.body.dataset.backend = m.name;
    document.body.dataset.device = m.device;
    deviceEl.textContent = `backend ${m.name} on ${m.device}`;
  } else if (m.type === 'error') setState('error', `error: ${m.message}`);
  else if (m.type === 'event') {
    const ev = m.event;
    if (ev.kind === 'piece') current = { round: ev.round, trial: ev.trial, branch: ev.branch };
    else if (ev.kind === 'iteration') {
      const acc = ev.testAccuracy === undefined ? '' : `, test accuracy ${pct(ev.testAccuracy)}`;
      setState('running', `${where()}: iteration ${ev.iteration} / ${ev.total}${acc}`);
      if (ev.testAccuracy !== undefined && current !== null) {
        if (live === null || live.round !== current.round || live.trial !== current.trial || live.branch !== current.branch) live = { ...current, points: [] };
        live.points.push({ x: ev.iteration, y: 100 * ev.testAccuracy });
        drawCurves();
      }
    } else if (ev.kind === 'pieceDone') {
      live = null;
      finished.push(ev.result);
      addRow(ev.result);
      drawAccuracy();
      drawCurves();
    } else if (ev.kind === 'diverged') {
      setState('running', `${labelOf(ev.branch)}, round ${ev.round}, trial ${ev.trial}: diverged at iteration ${ev.iteration} (loss ${ev.loss}); ${ev.notRun} pieces that build on it are not run`);
    }
  } else {
    for (const f of m.files) offerDownload(f.name, f.bytes as Uint8Array<ArrayBuffer>, f.type);
    const ticket = m.summary.rounds.filter((r) => r.branches.ticket !== undefined).at(-1);
    const acc = ticket === undefined ? '' : `; final ticket ${(100 * ticket.weightsRemaining).toFixed(1)}% of weights, ${pct(ticket.branches.ticket!.testAccuracyAtEarlyStop)} test accuracy`;
    setState('done', `done: ${finished.length} pieces trained${acc}`);
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const f = new FormData(form);
  const req: RunRequest = {
    type: 'run',
    preset: String(f.get('preset')),
    branches: ['ticket', ...(f.getAll('branch').map(String) as RunRequest['branches'])],
    widthMultiplier: Number(f.get('width')),
    dataset: 'mnist-embedded',
    backend: String(f.get('backend')) as WebBackendName,
    rounds: Number(f.get('rounds')),
    iterations: Number(f.get('iterations')),
    evaluations: Number(f.get('evaluations')),
    trials: Number(f.get('trials')),
    seed: Number(f.get('seed')),
  };
  worker?.terminate();
  finished = [];
  current = null;
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

buildForm();
setState('idle', 'ready');
