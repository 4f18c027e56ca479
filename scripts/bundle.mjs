// `npm run build:js`: the CLI and library bundles (bundle-lib.mjs: dist/cli, dist/node,
// dist/browser) and the browser app (bundle-web.mjs: dist/web).
import { buildLib } from './bundle-lib.mjs';
import { buildWeb, formatSizes } from './bundle-web.mjs';

const lib = await buildLib();
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const edge = lib['dist/browser/edge.js'];
console.log(`library in dist/node (Node root), dist/browser (browser root; edge.js, the inference entry: ${kib(edge.bytes)} + build/lth.wasm); CLI in dist/cli`);

// The browser app (src/web) into dist/web/; `npm run web` serves it.
const web = await buildWeb();
console.log(`browser bundle in dist/web (tfjs is a lazily loaded chunk; the wasm path never fetches it):\n${formatSizes(web)}`);
