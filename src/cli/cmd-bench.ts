import { UserError } from '../util/errors.ts';
import { numFlag, parse } from './args.ts';
import type { Command } from './commands.ts';

/** What `lth bench` can measure; each loads its benchmark (and tfjs) only when asked. */
const suites: Record<string, { summary: string; run(json: boolean, seconds: number): Promise<void> }> = {
  train: {
    summary: 'LeNet-300-100 training steps/s: lth wasm vs tfjs-backend-wasm (and the js reference)',
    async run(json, seconds) {
      const { printTrainBench, runTrainBench } = await import('../../bench/train.ts');
      const r = await runTrainBench({ seconds });
      if (json) console.log(JSON.stringify({ lth: r.lth, tfjsWasm: r.tfjsWasm, ratio: r.ratio, js: r.js, batch: r.batch }));
      else printTrainBench(r);
    },
  },
  conv: {
    summary: 'Conv-2 first layer (batch 60, 3x32x32 -> 64, 3x3) forward + backward: lth wasm vs tfjs-backend-wasm',
    async run(json) {
      const { printConvRows, runConvBench } = await import('../../bench/conv.ts');
      const rows = await runConvBench();
      if (json) console.log(JSON.stringify({ rows }));
      else printConvRows(rows);
    },
  },
  gemm: {
    summary: 'GEMM GFLOP/s on the LeNet shapes, NN/NT/TN: lth wasm vs tfjs-backend-wasm (its transposed path and its NN route)',
    async run(json, seconds) {
      const { printGemmPeerRows, runGemmPeerBench } = await import('../../bench/gemm-peers.ts');
      const rows = await runGemmPeerBench({ seconds: seconds / 3 });
      if (json) console.log(JSON.stringify({ rows }));
      else printGemmPeerRows(rows);
    },
  },
};

/** `lth bench <suite>`: runs one benchmark suite. */
export const benchCommand: Command = {
  usage: `bench <${Object.keys(suites).join('|')}> [--seconds S] [--json]  |  bench sparse [--model lenet300|conv2|bert] [--preset bert-quick|bert] [--densities 1,0.1,...] [--rounds N] [--no-tfjs] [--no-conv] [--json]  |  bench infer [--densities ...] [--rounds N] [--no-tfjs] [--no-conv] [--json]  |  bench threads [--threads N] [--rounds R] [--thresholds] [--json]`,
  summary: 'benchmarks against tfjs-backend-wasm, side by side in one process',
  options: {
    seconds: { type: 'string', arg: 'S', help: 'measuring time per case in seconds (train, gemm) [default: 1.5]' },
    json: { type: 'boolean', default: false, help: 'print the measurements as JSON' },
  },
  examples: ['bench train --seconds 3', 'bench sparse --densities 1,0.1,0.02 --rounds 3 --no-tfjs', 'bench sparse --model bert --densities 1,0.25,0.05', 'bench infer --json', 'bench threads --json'],
  async run(argv) {
    if (argv[0] === 'sparse') {
      // the sparse suite has its own flags (densities, rounds)
      const { sparseBenchCommand } = await import('../../bench/sparse.ts');
      return sparseBenchCommand(argv.slice(1));
    }
    if (argv[0] === 'threads') {
      // the kernel pool: 1 thread vs N on the issue-14 rows (its own flags)
      const { threadsBenchCommand } = await import('../../bench/threads.ts');
      return threadsBenchCommand(argv.slice(1));
    }
    if (argv[0] === 'infer') {
      // inference: lth sparse / dense vs onnxruntime-web / -node and tfjs-wasm (its own flags)
      const { inferBenchCommand } = await import('../../bench/infer.ts');
      return inferBenchCommand(argv.slice(1));
    }
    const { values, positionals } = parse('bench', argv, this.options);
    const name = positionals[0];
    const suite = name !== undefined && Object.hasOwn(suites, name) ? suites[name] : undefined;
    if (suite === undefined) throw new UserError(`lth bench: expected a suite, one of ${[...Object.keys(suites), 'sparse', 'infer', 'threads'].join(', ')}; got ${name === undefined ? 'none' : `'${name}'`}`);
    await suite.run(Boolean(values.json), numFlag(values, 'seconds', 1.5));
    return 0;
  },
};
