// Preload for bench/workers.ts: at exit, writes the process's peak resident set size (KiB; the
// main thread and every worker thread share it) to stderr, where the benchmark reads it.
import { writeSync } from 'node:fs';

process.on('exit', () => writeSync(2, `\nlth-bench-rss ${process.resourceUsage().maxRSS}\n`));
