import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tmp = mkdtempSync(join(tmpdir(), 'lth-cli-'));

/** Runs the CLI from source; returns exit code and output. */
function lth(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main-node.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user error: exit 2, one line on stderr that matches, no stack trace. */
function userError(r: ReturnType<typeof lth>, pattern: RegExp): void {
  assert.is(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.is(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.not.match(r.stderr, /\n\s+at /);
}

test('unknown model, dataset, command and backend name the bad value and the valid ones', () => {
  userError(lth('train', '--model', 'resnet9000'), /unknown model 'resnet9000'.*lenet300/);
  userError(lth('train', '--dataset', 'imagenet'), /unknown dataset 'imagenet'.*mnist/);
  userError(lth('frobnicate'), /unknown command 'frobnicate'.*train/);
  userError(lth('train', '--backend', 'cuda', '--iterations', '1'), /unknown backend .cuda.*wasm/);
});

test('non-numeric and out-of-range flags name the flag', () => {
  userError(lth('train', '--iterations', 'lots'), /--iterations: expected an integer in \[1, 100000000\], got 'lots'/);
  userError(lth('train', '--seed', '1.5'), /--seed: expected an integer/);
  userError(lth('train', '--lr', 'fast'), /--lr: expected a number in \(0, 1000000\), got 'fast'/);
  userError(lth('train', '--iterations', '0'), /--iterations: expected an integer in \[1, /);
  userError(lth('train', '--bogus'), /Unknown option '--bogus'/);
});

test('a truncated or wrong-magic IDX file names the file and what was expected', () => {
  const dir = join(tmp, 'idx');
  mkdirSync(dir);
  const header = (magic: number, ...dims: number[]): Buffer => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
    return b;
  };
  // images claim 10 of 28x28 but hold 1 byte of pixel data
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.concat([header(0x803, 10, 28, 28), Buffer.alloc(1)]));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.concat([header(0x801, 10), Buffer.alloc(10)]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), Buffer.concat([header(0x803, 2, 28, 28), Buffer.alloc(2 * 784)]));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.concat([header(0x801, 2), Buffer.alloc(2)]));
  userError(lth('train', '--dataset', `idx:${dir}`, '--iterations', '1'), /train-images-idx3-ubyte.*(truncated|expected)/i);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.concat([header(0x1234, 10, 28, 28), Buffer.alloc(7840)]));
  userError(lth('train', '--dataset', `idx:${dir}`, '--iterations', '1'), /train-images-idx3-ubyte.*magic/i);
});

test('bad experiment configs name the file and field', () => {
  const cfg = join(tmp, 'bad.json');
  writeFileSync(cfg, JSON.stringify({ pruning: { rate: 2 } }));
  userError(lth('run', cfg, '--out', join(tmp, 'r')), /bad\.json.*'pruning\.rate'/);
  writeFileSync(cfg, '{ not json');
  userError(lth('run', cfg), /bad\.json: not valid JSON/);
  userError(lth('run', 'no-such-preset'), /neither a preset/);
});

test('models, datasets and presets list what exists', () => {
  assert.match(lth('models').stdout, /lenet300/);
  assert.match(lth('datasets').stdout, /mnist\s+available/);
  const presets = JSON.parse(lth('presets', '--json').stdout);
  assert.is(presets['lenet300-paper'].config.optimizer.lr, 1.2e-3);
  assert.ok(presets.quick);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
