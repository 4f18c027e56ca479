/**
 * `npm run bench`: every benchmark side by side in one process — GEMM kernels (lth wasm vs
 * tfjs-backend-wasm vs the js reference) and the LeNet-300-100 training step — printed as
 * tables. Ratios measured in one run are what the README reports.
 */
import { printConvRows, runConvBench } from './conv.ts';
import { printGemmPeerRows, runGemmPeerBench } from './gemm-peers.ts';
import { printKernelRows, runKernelBench } from './kernels.ts';
import { printTrainBench, runTrainBench } from './train.ts';

const json = process.argv.includes('--json');
const kernels = await runKernelBench({ timeMs: 300 });
const gemm = await runGemmPeerBench();
const train = await runTrainBench();
const conv = await runConvBench();
if (json) {
  console.log(JSON.stringify({ kernels, gemm, train, conv }, null, 2));
} else {
  console.log('\n== GEMM kernels, lth backends (tinybench) ==');
  printKernelRows(kernels);
  console.log('\n== GEMM vs tfjs-backend-wasm ==');
  printGemmPeerRows(gemm);
  console.log('\n== Training step ==');
  printTrainBench(train);
  console.log('\n== Convolution forward + backward ==');
  printConvRows(conv);
}
