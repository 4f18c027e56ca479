import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ExperimentConfig, experimentSchema, pruningSchema, resolveWithOverrides } from '../experiment/config.ts';
import { presetConfig, presets } from '../experiment/presets.ts';
import { writeReport } from '../experiment/report/report.ts';
import { renderTable } from '../experiment/report/table.ts';
import { readJsonIfExists } from '../experiment/io/atomic.ts';
import type { Summary } from '../experiment/report/types.ts';
import { type RunEvent, runExperiment } from '../experiment/runner.ts';
import { graphWidth, pieceGraph } from '../experiment/piece-graph.ts';
import { defaultWorkers, workerPool } from '../exec/worker-pool.ts';
import { UserError } from '../util/errors.ts';
import { resolveThreads } from '../backend/index.ts';
import { type OptionSpec, fieldFlag, fieldOption, intFlag, parse } from './args.ts';
import type { Command } from './commands.ts';
import { checkOutDir, withOutput } from './fs-errors.ts';
import { PieceProgress } from './piece-progress.ts';

/** Reads a config from a preset name or a JSON file path, applying flag overrides. */
export function loadConfig(ref: string, overrides: Record<string, unknown>): ExperimentConfig {
  if (Object.hasOwn(presets, ref)) return presetConfig(ref, overrides);
  if (!ref.endsWith('.json') && !existsSync(ref)) {
    throw new UserError(`'${ref}' is neither a preset (${Object.keys(presets).join(', ')}) nor a config file`);
  }
  let text: string;
  try {
    text = readFileSync(ref, 'utf8');
  } catch {
    throw new UserError(`cannot read config file ${ref}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${ref}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return resolveWithOverrides(parsed, overrides);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${ref}: ${e.message}`);
    throw e;
  }
}

/** Flags every experiment command takes (overrides of the config). */
export const experimentFlags: OptionSpec = {
  out: { type: 'string', arg: 'DIR', help: 'run directory (default runs/<name>); an existing one with the same config resumes' },
  rounds: fieldOption(pruningSchema.rounds, 'R', 'overrides pruning.rounds: pruning rounds after the dense round 0'),
  trials: fieldOption(experimentSchema.trials, 'T', 'overrides trials: independent trials (seeds seed, seed+1, ...)'),
  iterations: fieldOption(experimentSchema.iterations, 'N', 'overrides iterations: training iterations per round'),
  seed: fieldOption(experimentSchema.seed, 'S', 'overrides seed: the base seed'),
  backend: fieldOption(experimentSchema.backend, 'B', 'overrides backend: wasm, js or tfjs-wasm'),
  kernels: fieldOption(experimentSchema.kernels, 'K', 'overrides kernels: dense or sparse CSR kernels for pruned layers'),
  threads: fieldOption(experimentSchema.threads, 'N', 'overrides threads: kernel threads per network (0: every core, or max(1, floor(cores / workers)) with --workers; results do not depend on it)'),
  json: { type: 'boolean', default: false, help: 'no progress; print the run directory and summary as JSON' },
};

/** The config named by the one positional argument, with the flag overrides applied. */
export function configFromArgs(cmd: string, values: Record<string, string | boolean | undefined>, positionals: string[]): ExperimentConfig {
  if (positionals.length !== 1) throw new UserError(`lth ${cmd}: expected one preset name or config file, got ${positionals.length} (presets: ${Object.keys(presets).join(', ')})`);
  const overrides: Record<string, unknown> = {};
  // each flag is checked by its config field: the same ranges, named by flag
  if (values.rounds !== undefined) overrides.pruning = { rounds: fieldFlag(values, 'rounds', pruningSchema.rounds) };
  if (values.trials !== undefined) overrides.trials = fieldFlag(values, 'trials', experimentSchema.trials);
  if (values.iterations !== undefined) overrides.iterations = fieldFlag(values, 'iterations', experimentSchema.iterations);
  if (values.seed !== undefined) overrides.seed = fieldFlag(values, 'seed', experimentSchema.seed);
  if (values.backend !== undefined) overrides.backend = fieldFlag(values, 'backend', experimentSchema.backend);
  if (values.kernels !== undefined) overrides.kernels = fieldFlag(values, 'kernels', experimentSchema.kernels);
  if (values.threads !== undefined) overrides.threads = fieldFlag(values, 'threads', experimentSchema.threads);
  if (typeof values.out === 'string') checkOutDir('--out', values.out);
  return loadConfig(positionals[0], overrides);
}

/** `lth run`: runs or resumes an IMP experiment. */
export const runCommand: Command = {
  usage: 'run <preset | config.json> [--out DIR] [--rounds R] [--trials T] [--iterations N] [--backend B] [--kernels auto|dense|sparse] [--workers N | --queue redis://HOST:PORT[/DB]] [--json]',
  summary: 'iterative magnitude pruning with rewinding and control branches (resumes)',
  options: {
    ...experimentFlags,
    workers: { type: 'string', arg: 'N', help: `pieces run at once on worker threads (default: one per core, ${defaultWorkers()} here, at most as many as can run side by side; 1: in this thread, one after another); results do not depend on it` },
    queue: { type: 'string', arg: 'URL', help: "coordinate: queue each piece on this Redis (redis://host:port[/db]) as soon as it can run, for 'lth worker' processes on machines that mount --out at the same path" },
  },
  examples: ['run quick', 'run quick --workers 1', 'run my-config.json --out runs/mine --rounds 3 --trials 2 --kernels dense', 'run compare --queue redis://10.0.0.1:6379 --out /shared/runs/compare'],
  async run(argv) {
    const { values, positionals } = parse('run', argv, this.options);
    const cfg = configFromArgs('run', values, positionals);
    const workers = Math.min(intFlag(values, 'workers', defaultWorkers(), 1), values.workers === undefined ? graphWidth(pieceGraph(cfg)) : Infinity);
    // The queue's modules (BullMQ, ioredis) load only when asked for.
    const q = typeof values.queue === 'string' ? await import('../exec/queue-connection.ts') : undefined;
    const queue = typeof values.queue === 'string' ? q?.parseQueueUrl(values.queue) : undefined;
    if (queue !== undefined && values.workers !== undefined) throw new UserError("lth run: --workers and --queue do not go together: with --queue, pieces run on 'lth worker --queue ... --workers N' processes");
    // Pieces side by side share the cores: each network gets max(1, floor(cores / workers)) threads.
    // (With a queue, each `lth worker` divides its own machine's cores among its pieces.)
    if (cfg.threads === 0 && workers > 1 && queue === undefined) cfg.threads = resolveThreads(0, workers);
    const out = typeof values.out === 'string' ? values.out : join('runs', cfg.name);
    const quiet = Boolean(values.json);
    if (queue !== undefined) await q?.probeQueue(queue);
    const executor = queue !== undefined ? (await import('../exec/queue-executor.ts')).queueExecutor(queue) : workers > 1 ? workerPool(workers) : undefined;
    const failed: FailedEvent[] = [];
    await withOutput(typeof values.out === 'string' ? '--out' : 'run directory', out, async () => {
      await showProgress(runExperiment(cfg, out, { executor }), cfg.iterations, quiet, out, failed);
      writeReport(out);
    });
    const summary = readJsonIfExists<Summary>(join(out, 'summary.json'));
    if (summary === undefined) throw new Error(`run finished without ${out}/summary.json`);
    if (values.json) {
      console.log(JSON.stringify({ runDir: out, report: join(out, 'report.html'), summary }));
    } else {
      console.log(renderTable(summary));
      console.log(`\nreport: ${join(out, 'report.html')}`);
    }
    if (failed.length > 0) {
      // The summary holds what did run; the failures were reported as they happened.
      const names = failed.map((f) => `round ${f.round} trial ${f.trial} ${f.branch}`).join(', ');
      process.stderr.write(`lth: ${failed.length} piece${failed.length === 1 ? '' : 's'} failed (${names}); see the reasons above or 'lth status --queue ... ${out}', fix the cause, and run this command again to retry them\n`);
      return 1;
    }
    return 0;
  },
};

type FailedEvent = Extract<RunEvent, { kind: 'failed' }>;

/**
 * Drives a run's events, drawing its progress (on a TTY, the run's bar and a line per running
 * piece; otherwise one line per finished piece); returns what the run returns. Pieces that
 * failed for good (a queue's) are reported and added to `failed`.
 */
export async function showProgress<R>(events: AsyncGenerator<RunEvent, R>, iterations: number, quiet: boolean, out: string, failed: FailedEvent[] = []): Promise<R> {
  let progress: PieceProgress | null = null;
  let next = await events.next();
  for (; !next.done; next = await events.next()) {
    const ev = next.value;
    if (ev.kind === 'start') {
      progress = new PieceProgress(ev.totalPieces - ev.donePieces, iterations, process.stderr, !quiet);
      if (!quiet && ev.donePieces > 0) process.stderr.write(`resuming ${out}: ${ev.donePieces} of ${ev.totalPieces} pieces already done\n`);
    } else if (ev.kind === 'piece') {
      if (!ev.skipped) progress?.start(ev, ev.weightsRemaining);
    } else if (ev.kind === 'iteration') {
      progress?.iteration(ev.iteration, ev.testAccuracy, ev.piece);
    } else if (ev.kind === 'diverged' || ev.kind === 'corrupt') {
      // Warnings print even with --json (stdout stays JSON); the progress block is cleared first.
      progress?.clear();
      process.stderr.write(`lth: ${ev.kind === 'diverged' ? divergedLine(ev) : corruptLine(ev)}\n`);
      if (ev.kind === 'diverged' && !ev.skipped) progress?.skip(ev.notRun); // pieces that will not run
    } else if (ev.kind === 'failed') {
      failed.push(ev);
      progress?.clear();
      process.stderr.write(`lth: ${failedLine(ev)}\n`);
      progress?.finish(ev);
      progress?.skip(ev.notRun);
    } else if (ev.kind === 'pieceDone') {
      progress?.finish(ev.result);
      if (!quiet && !process.stderr.isTTY && ev.result.diverged === undefined) {
        const p = ev.result;
        process.stderr.write(`round ${p.round} trial ${p.trial} ${p.branch}: ${(p.weightsRemaining * 100).toFixed(1)}% weights, early stop ${p.earlyStopIteration}, test acc ${(p.testAccuracyAtEarlyStop * 100).toFixed(2)}% (${p.wallSeconds.toFixed(1)} s)\n`);
      }
    }
  }
  progress?.clear();
  return next.value;
}

// "round 2 trial 1 ticket: diverged at iteration 37 (loss NaN), left out of the means; 3 later pieces of trial 1 ..."
function divergedLine(ev: Extract<RunEvent, { kind: 'diverged' }>): string {
  const after = ev.notRun === 0 ? '' : `; ${ev.notRun} later piece${ev.notRun === 1 ? '' : 's'} of trial ${ev.trial} build${ev.notRun === 1 ? 's' : ''} on it and ${ev.notRun === 1 ? 'is' : 'are'} not run`;
  const earlier = ev.skipped ? ' (recorded by an earlier run)' : '';
  return `round ${ev.round} trial ${ev.trial} ${ev.branch}: diverged at iteration ${ev.iteration} (loss ${ev.loss})${earlier}, left out of the means${after}; lower the learning rate`;
}

// "round 1 trial 0 ticket: failed (Error: ...); 2 later pieces of trial 0 build on it and are not run"
function failedLine(ev: FailedEvent): string {
  const after = ev.notRun === 0 ? '' : `; ${ev.notRun} later piece${ev.notRun === 1 ? '' : 's'} of trial ${ev.trial} build${ev.notRun === 1 ? 's' : ''} on it and ${ev.notRun === 1 ? 'is' : 'are'} not run`;
  return `round ${ev.round} trial ${ev.trial} ${ev.branch}: failed (${ev.reason.split('\n')[0]})${after}`;
}

// "runs/x/round-1/trial-0/ticket.json: empty file; moved to ....corrupt, recomputing"
function corruptLine(ev: Extract<RunEvent, { kind: 'corrupt' }>): string {
  return ev.movedTo === undefined ? `${ev.path}: ${ev.reason}; recomputing the piece that writes it` : `${ev.path}: ${ev.reason}; moved to ${ev.movedTo}, recomputing it`;
}
