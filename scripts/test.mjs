// `npm test` after the typecheck: every test file under test/, in two uvu processes side by side
// (the suite is mostly single-threaded; two shards keep both cores of a small machine busy). The
// browser, package and big-memory files (Chromium, npm pack, multi-GiB heaps: long and mostly
// waiting on other processes) form one shard, everything else the other. The second shard
// prints as it runs, the first when it ends; the exit code is non-zero when either fails.
// `node scripts/test.mjs <regex>` runs only the files matching it, in one process.
import { spawn } from 'node:child_process';

const uvu = ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test'];
const heavy = '(web|package)/.*\\.test\\.ts$|train/memory-models\\.test\\.ts$';
const only = process.argv[2];

function run(args, live) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...uvu, ...args], { stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let out = '';
    if (!live) {
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
    }
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

if (only !== undefined) {
  process.exitCode = (await run([only], true)).code;
} else {
  const started = Date.now();
  const [heavyShard, rest] = await Promise.all([run([heavy], false), run(['\\.test\\.ts$', '-i', '(web|package)/|train/memory-models\\.test\\.ts$'], true)]);
  process.stdout.write(`\n== browser, package and big-memory tests (run beside the above) ==\n${heavyShard.out}`);
  const failed = [heavyShard.code !== 0 && 'browser/package/memory shard', rest.code !== 0 && 'main shard'].filter(Boolean);
  console.log(`\nnpm test: ${failed.length === 0 ? 'both shards passed' : `FAILED: ${failed.join(', ')}`} (${((Date.now() - started) / 1000).toFixed(0)} s wall)`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}
