import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { embeddedDigitPath } from '../../src/data/mnist-embedded-file.ts';
import { parseDigitFile, scanDecimals } from '../../src/data/mnist-json.ts';
import { UserError } from '../../src/util/errors.ts';

const enc = (s: string) => new TextEncoder().encode(s);

test('the fast scanner is bit-identical to JSON.parse on a real digit file', () => {
  const path = embeddedDigitPath(5);
  const bytes = readFileSync(path);
  const fast = scanDecimals(bytes);
  assert.ok(fast, 'the real file takes the fast path');
  const slow = Float32Array.from((JSON.parse(bytes.toString('utf8')) as { data: number[] }).data);
  assert.is(fast!.length, slow.length);
  assert.is(fast!.length % 784, 0);
  const a = new Uint32Array(fast!.buffer);
  const b = new Uint32Array(slow.buffer);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) assert.unreachable(`element ${i}: ${fast![i]} vs ${slow[i]}`);
});

test('scanner: decimals with whitespace; null on anything unusual', () => {
  assert.equal(Array.from(scanDecimals(enc('{"data": [ 0, 1 ,0.5,\n 0.25 ]}'))!), [0, 1, 0.5, 0.25]);
  assert.equal(Array.from(scanDecimals(enc('{"data":[]}'))!), []);
  assert.is(scanDecimals(enc('{"data":[1e-3]}')), null);
  assert.is(scanDecimals(enc('{"data":[-1]}')), null);
  assert.is(scanDecimals(enc('{"data":[0.1234567890123456]}')), null);
  assert.is(scanDecimals(enc('{"data":[1,,2]}')), null);
});

test('parseDigitFile falls back to JSON.parse and checks the shape', () => {
  const px = 4;
  assert.equal(Array.from(parseDigitFile(enc('{"data":[1e-1, 0, 0, -0]}'), 'f', px)), [Math.fround(0.1), 0, 0, -0]);
  assert.equal(Array.from(parseDigitFile(enc('{"other": 1, "data":[0,0.5,1,0]}'), 'f', px)), [0, 0.5, 1, 0]);
  const bad = (s: string, part: string) =>
    assert.throws(
      () => parseDigitFile(enc(s), 'digits/3.json', px),
      (e: unknown) => e instanceof UserError && (e as Error).message.includes('digits/3.json') && (e as Error).message.includes(part),
    );
  bad('{"data": [0, 1, 0]}', 'multiple of 4');
  bad('{"data": []}', 'multiple of 4');
  bad('{"data": [0, 1', 'not valid JSON');
  bad('{"pixels": [0, 1, 0, 1]}', '{"data": [numbers]}');
  bad('{"data": [0, "1", 0, 1]}', '{"data": [numbers]}');
});

test.run();
