// Bundles the CLI with esbuild. The bundle sits at dist/cli/main.js, two levels below the
// root like src/backend/wasm.ts, so the wasm module's relative URL resolves the same way.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main-node.ts'],
  outfile: 'dist/cli/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  external: ['@tensorflow/*', 'mnist', 'tinybench'],
  logLevel: 'warning',
});
