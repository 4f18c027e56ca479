import { join } from 'node:path';
import { parseRewindPoints, runSweep, sweepTable } from '../experiment/sweep.ts';
import { parse } from './args.ts';
import type { Command } from './commands.ts';
import { withOutput } from './fs-errors.ts';
import { configFromArgs, experimentFlags, showProgress } from './cmd-run.ts';
import { loadDataset } from '../data/registry.ts';
import { UserError } from '../util/errors.ts';

/** `lth instability`: a late-rewinding sweep with linear mode connectivity at every point. */
export const instabilityCommand: Command = {
  usage: 'instability <preset | config.json> --rewind 0,100,500,2000 [--out DIR] [--rounds R] [--trials T] [--iterations N] [--json]',
  summary: 'rewinding sweep: per rewind point an IMP run with the instability (error barrier) branch',
  options: { ...experimentFlags, rewind: { type: 'string', arg: 'K,K,...', help: 'rewind points (required): iterations (500), percent of training (2%) or epochs (1ep)' } },
  examples: ['instability quick --rewind 0,100,500 --rounds 4'],
  async run(argv) {
    const { values, positionals } = parse('instability', argv, this.options);
    const cfg = configFromArgs('instability', values, positionals);
    if (typeof values.rewind !== 'string') throw new UserError('lth instability: --rewind is required, e.g. --rewind 0,100,500,2000 (iterations, 2% of training, or 1ep)');
    const data = await loadDataset(cfg.dataset);
    const ks = parseRewindPoints(values.rewind, cfg.iterations, Math.max(1, Math.floor(data.train.n / cfg.batchSize)));
    const out = typeof values.out === 'string' ? values.out : join('runs', `${cfg.name}-instability`);
    const quiet = Boolean(values.json);
    const entries = await withOutput(typeof values.out === 'string' ? '--out' : 'run directory', out, () => showProgress(runSweep(cfg, ks, out), cfg.iterations, quiet, out));
    const rows = sweepTable(entries);
    if (quiet) {
      console.log(JSON.stringify({ out, sweep: join(out, 'sweep.html'), rows }));
    } else {
      console.log('   k  round  weights %  barrier (points)  ticket acc %');
      for (const r of rows) {
        console.log(`${String(r.rewindIteration).padStart(4)}  ${String(r.round).padStart(5)}  ${(r.weightsRemaining * 100).toPrecision(3).padStart(9)}  ${(r.barrier ? (r.barrier.mean * 100).toFixed(2) : '-').padStart(16)}  ${(r.ticketTestAccuracyAtEarlyStop !== undefined ? (r.ticketTestAccuracyAtEarlyStop * 100).toFixed(2) : '-').padStart(12)}`);
      }
      console.log(`\nreport: ${join(out, 'sweep.html')}`);
    }
    return 0;
  },
};
