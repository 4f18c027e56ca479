/**
 * `npm run bench:workers`: the wall time and peak memory of whole `lth run`s with `--workers 1`
 * and `--workers N`, one after the other on this machine, alternating (1, N, 1, N, ...) so
 * drifting load hits both sides alike. Each run is a fresh `bin/lth.js` process (the built CLI,
 * what users run) into a fresh temporary directory; its peak RSS (the process and all its
 * worker threads) is read at exit through a preload (bench/rss-at-exit.mjs). The statistic is
 * the median over the repeats, the same for both sides.
 *
 *   node --import tsx bench/workers.ts [--workers N] [--repeats K] [--json] -- <lth run arguments>
 *
 * Defaults: the compare preset reduced to 2 rounds of 300 iterations (10 branches, 2 trials)
 * with forced dense kernels and one kernel thread per piece (so the sides differ only in pieces
 * run side by side, not in threads per network), and N = 2. The summaries of the two sides must be equal
 * (wall-clock fields aside) when the kernels are forced, or the benchmark fails: speed that
 * changes results is not speed. With `auto` kernels each run measures its own choices, so the
 * JSON says whether they matched.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/lth.js');
const preload = join(root, 'bench/rss-at-exit.mjs');

/** One measured run. */
interface Sample {
  workers: number;
  seconds: number;
  rssMiB: number;
}

/** Runs `lth run <args> --workers n` once; returns its wall time, peak RSS and summary (wall fields dropped). */
async function runOnce(args: string[], n: number): Promise<{ sample: Sample; summary: string }> {
  const out = mkdtempSync(join(tmpdir(), 'lth-bench-workers-'));
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', preload, bin, 'run', ...args, '--out', out, '--workers', String(n), '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const seconds = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`lth run ${args.join(' ')} --workers ${n} exited ${code}:\n${stderr.slice(-2000)}`);
    const rss = /lth-bench-rss (\d+)/.exec(stderr);
    if (rss === null) throw new Error('the RSS preload printed nothing');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    return { sample: { workers: n, seconds, rssMiB: Number(rss[1]) / 1024 }, summary: JSON.stringify(summary, (k, v) => (/wall|seconds|time/i.test(k) ? undefined : v)) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Whether the run arguments force the kernels (`--kernels dense|sparse`; a config file's field is not read). */
function forcedKernels(args: string[]): boolean {
  return args.some((a, i) => a === '--kernels' && /^(dense|sparse)$/.test(args[i + 1] ?? ''));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dash = process.argv.indexOf('--');
const own = dash < 0 ? process.argv.slice(2) : process.argv.slice(2, dash);
const { values } = parseArgs({ args: own, options: { workers: { type: 'string', default: '2' }, repeats: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
const runArgs = dash < 0 ? ['compare', '--rounds', '2', '--iterations', '300', '--kernels', 'dense', '--threads', '1'] : process.argv.slice(dash + 1);
const n = Number(values.workers);
const repeats = Number(values.repeats);
if (!existsSync(join(root, 'dist/cli/main.js'))) throw new Error('bench/workers.ts runs the built CLI: run `npm run build` first');

const samples: Sample[] = [];
const summaries = new Map<number, string>();
for (let r = 0; r < repeats; r++) {
  for (const w of [1, n]) {
    const { sample, summary } = await runOnce(runArgs, w);
    samples.push(sample);
    if (summaries.has(w) && summaries.get(w) !== summary && forcedKernels(runArgs)) throw new Error(`--workers ${w}: two runs gave different summaries`);
    summaries.set(w, summary);
    if (!values.json) console.error(`  --workers ${w}: ${sample.seconds.toFixed(1)} s, peak RSS ${sample.rssMiB.toFixed(0)} MiB`);
  }
}
// With forced kernels the summaries must be equal; with `auto` (the default) each run measures
// its own kernel choices, so two runs may differ near a crossover whatever the workers.
const forced = forcedKernels(runArgs);
const summariesEqual = summaries.get(1) === summaries.get(n);
if (!summariesEqual && forced) throw new Error(`--workers 1 and --workers ${n} gave different summaries`);
const side = (w: number): { seconds: number; rssMiB: number } => {
  const s = samples.filter((x) => x.workers === w);
  return { seconds: median(s.map((x) => x.seconds)), rssMiB: median(s.map((x) => x.rssMiB)) };
};
const one = side(1);
const many = side(n);
const result = { run: `lth run ${runArgs.join(' ')}`, cores: availableParallelism(), repeats, workers1: one, [`workers${n}`]: many, speedup: one.seconds / many.seconds, summariesEqual };
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`lth run ${runArgs.join(' ')}  (${availableParallelism()} cores, median of ${repeats})`);
  console.log(`  --workers 1: ${one.seconds.toFixed(1)} s, peak RSS ${one.rssMiB.toFixed(0)} MiB`);
  console.log(`  --workers ${n}: ${many.seconds.toFixed(1)} s, peak RSS ${many.rssMiB.toFixed(0)} MiB`);
  console.log(`  speedup ${(one.seconds / many.seconds).toFixed(2)}x; summaries ${summariesEqual ? 'equal' : 'differ (auto kernels: each run measures its own choices)'}`);
}
