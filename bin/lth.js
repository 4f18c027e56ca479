#!/usr/bin/env node
// The `lth` command: runs the esbuild bundle of src/cli/main-node.ts (npm install builds it).
import '../dist/cli/main.js';
