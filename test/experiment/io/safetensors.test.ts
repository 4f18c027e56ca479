import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../../src/experiment/io/safetensors.ts';
import { loadSafetensors, saveSafetensors } from '../../../src/experiment/io/safetensors-file.ts';
import { UserError } from '../../../src/util/errors.ts';

const dirs: string[] = [];
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Builds a file from a header object and data bytes, for malformed-input tests. */
function rawFile(header: unknown, data: number[] = [], pad = true): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) while (json.length % 8) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function decodeError(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    assert.instance(e, UserError);
    return (e as Error).message;
  }
  throw new Error('expected decodeSafetensors to throw');
}

test('round-trips F32, I32, U8 and BOOL tensors with metadata', () => {
  const tensors: Record<string, SafeTensor> = {
    'fc1.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1.5, -2, 0, 3.25, 1e-8, -0]) },
    'fc1.mask': { dtype: 'U8', shape: [2, 3], data: new Uint8Array([1, 0, 1, 1, 0, 1]) },
    counts: { dtype: 'I32', shape: [3], data: new Int32Array([-1, 0, 2147483647]) },
    flags: { dtype: 'BOOL', shape: [1], data: new Uint8Array([1]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([7]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
  };
  const bytes = encodeSafetensors(tensors, { format: 'pt', round: '3' });
  const back = decodeSafetensors(bytes);
  assert.equal(back.metadata, { format: 'pt', round: '3' });
  assert.equal(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const b = back.tensors[name]!;
    assert.is(b.dtype, t.dtype, name);
    assert.equal(b.shape, t.shape, name);
    assert.is(b.data.constructor, t.data.constructor, name);
    assert.equal(Array.from(b.data), Array.from(t.data), name);
  }
  assert.ok(Object.is(back.tensors['fc1.weight']!.data[5], -0), 'negative zero survives');
});

test('exact byte layout of a tiny file', () => {
  const bytes = encodeSafetensors(
    { b: { dtype: 'F32', shape: [1], data: new Float32Array([1]) }, a: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 0, 1]) } },
    { k: 'v' },
  );
  // Keys sorted by name, metadata first; data: 4-byte F32 first so it stays aligned, then U8.
  const header =
    '{"__metadata__":{"k":"v"},' +
    '"a":{"dtype":"U8","shape":[3],"data_offsets":[4,7]},' +
    '"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
  assert.is(header.length, 131); // 26 + 52 + 53, counted by hand
  // 131 padded with 5 spaces to 136 = 17 * 8; data starts at 8 + 136 = 144.
  assert.is(bytes.length, 8 + 136 + 7);
  assert.equal(Array.from(bytes.subarray(0, 8)), [136, 0, 0, 0, 0, 0, 0, 0]);
  assert.is(new TextDecoder().decode(bytes.subarray(8, 144)), header + '     ');
  // 1.0f32 is 0x3f800000, little-endian 00 00 80 3f.
  assert.equal(Array.from(bytes.subarray(144)), [0x00, 0x00, 0x80, 0x3f, 1, 0, 1]);
});

test('encoding is deterministic regardless of insertion order; no metadata key when none', () => {
  const x = { dtype: 'F32' as const, shape: [2], data: new Float32Array([1, 2]) };
  const y = { dtype: 'U8' as const, shape: [1], data: new Uint8Array([1]) };
  const a = encodeSafetensors({ x, y });
  const b = encodeSafetensors({ y, x }, {});
  assert.equal(Array.from(a), Array.from(b));
  assert.not.ok(new TextDecoder().decode(a).includes('__metadata__'));
  assert.is(Number(new DataView(a.buffer).getBigUint64(0, true)) % 8, 0);
});

test('encodes typed-array views at an offset into a larger buffer', () => {
  const big = new Float32Array([9, 9, 1, 2, 3, 9]);
  const view = big.subarray(2, 5);
  const back = decodeSafetensors(encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: view } }));
  assert.equal(Array.from(back.tensors.w!.data), [1, 2, 3]);
});

test('decodes a header that is not padded and has keys in any order', () => {
  const file = rawFile('{"m":{"data_offsets":[0,2],"shape":[2],"dtype":"U8"}}', [1, 0], false);
  assert.equal(Array.from(decodeSafetensors(file).tensors.m!.data), [1, 0]);
});

test('encode rejects data that does not match dtype or shape', () => {
  assert.throws(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /shape \[3\].*2 values/);
  assert.throws(() => encodeSafetensors({ w: { dtype: 'I32', shape: [2], data: new Float32Array(2) } }), /I32.*Float32Array/);
  assert.throws(() => encodeSafetensors({ __metadata__: { dtype: 'U8', shape: [0], data: new Uint8Array(0) } }), /reserved/);
  assert.throws(() => encodeSafetensors({ w: { dtype: 'U8', shape: [-1], data: new Uint8Array(0) } }), /invalid shape/);
});

test('malformed inputs give UserErrors that name the problem', () => {
  assert.match(decodeError(new Uint8Array(5)), /shorter than the 8-byte header length/);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 0xffffffffffffffffn, true);
  assert.match(decodeError(huge), /exceeds/);
  const past = new Uint8Array(16);
  past[0] = 100;
  assert.match(decodeError(past), /header length 100 runs past the end of the 16-byte file/);
  assert.match(decodeError(rawFile('{"a": ')), /not valid UTF-8 JSON/);
  assert.match(decodeError(rawFile([1, 2])), /must be a JSON object/);
  assert.match(decodeError(rawFile({ w: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, [0, 0])), /tensor "w": unsupported dtype "F16"/);
  assert.match(decodeError(rawFile({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, [0, 0, 0, 0])), /tensor "w": shape must be/);
  assert.match(decodeError(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, [0, 0, 0, 0])), /tensor "w": data_offsets must be/);
  assert.match(decodeError(rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0])), /tensor "w": shape \[2\] of F32 needs 8 bytes but data_offsets span 4/);
  assert.match(decodeError(rawFile({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, [0, 0, 0, 0])), /tensor "w": data_offsets end 8 is past the 4-byte data section/);
  assert.match(decodeError(rawFile({ w: 3 })), /tensor "w": entry must be an object/);
  assert.match(decodeError(rawFile({ __metadata__: { a: 1 } })), /__metadata__ value "a" must be a string/);
});

test('offsets must tile the data section: overlaps, holes and trailing bytes are rejected', () => {
  const u8 = (b: number, e: number) => ({ dtype: 'U8', shape: [e - b], data_offsets: [b, e] });
  assert.match(decodeError(rawFile({ a: u8(0, 2), b: u8(1, 3) }, [0, 0, 0])), /tensor "b" overlaps tensor "a"/);
  assert.match(decodeError(rawFile({ a: u8(0, 1), b: u8(2, 3) }, [0, 0, 0])), /1 unused bytes before tensor "b"/);
  assert.match(decodeError(rawFile({ a: u8(0, 2) }, [0, 0, 0])), /1 trailing bytes after the last tensor/);
});

test('saveSafetensors writes atomically and loadSafetensors names the file on error', () => {
  const d = mkdtempSync(join(tmpdir(), 'lth-st-'));
  dirs.push(d);
  const p = join(d, 'round-1', 'mask.safetensors');
  saveSafetensors(p, { m: { dtype: 'U8', shape: [4], data: new Uint8Array([0, 1, 1, 0]) } }, { round: '1' });
  const back = loadSafetensors(p);
  assert.equal(Array.from(back.tensors.m!.data), [0, 1, 1, 0]);
  assert.equal(back.metadata, { round: '1' });
  assert.equal(readdirSync(join(d, 'round-1')), ['mask.safetensors']);
  const bad = join(d, 'bad.safetensors');
  writeFileSync(bad, new Uint8Array(3));
  assert.throws(() => loadSafetensors(bad), (e: Error) => e instanceof UserError && e.message.startsWith(bad));
  assert.throws(() => loadSafetensors(join(d, 'none.safetensors')), (e: Error) => e instanceof UserError && e.message.includes('none.safetensors'));
});

test.run();
