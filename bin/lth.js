#!/usr/bin/env node
// The `lth` command: runs the esbuild bundle made by `npm run build` (npm install runs it).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
