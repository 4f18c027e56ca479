#!/usr/bin/env node
// The `lth` command: runs the esbuild bundle of src/cli/main-node.ts. `npm run build` writes it
// (`prepare` runs it in a checkout after `npm ci`, and before `npm pack`), so a tarball carries it.
import '../dist/cli/main.js';
