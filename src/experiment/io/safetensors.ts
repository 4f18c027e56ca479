/**
 * The safetensors file format (the one `safetensors.torch.load_file` reads): an 8-byte
 * little-endian u64 header length N, N bytes of JSON header padded with spaces to a multiple of
 * 8, then the raw little-endian tensor data. Offsets in the header are relative to the data start.
 */
import { UserError } from '../../util/errors.ts';

/** Element types this codec reads and writes. Masks are stored as U8 0/1; BOOL is read too. */
export type SafeDtype = 'F32' | 'I32' | 'U8' | 'BOOL';

/** One tensor: dtype, shape and its elements in row-major order. */
export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

/** The contents of a safetensors file. */
export interface SafetensorsFile {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

const DTYPES: Record<SafeDtype, { size: number; make: (n: number) => SafeTensor['data'] }> = {
  F32: { size: 4, make: (n) => new Float32Array(n) },
  I32: { size: 4, make: (n) => new Int32Array(n) },
  U8: { size: 1, make: (n) => new Uint8Array(n) },
  BOOL: { size: 1, make: (n) => new Uint8Array(n) },
};
const METADATA_KEY = '__metadata__';
// The reference implementation refuses headers over 100 MB; so do we, before allocating.
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes tensors (and optional string metadata) as safetensors bytes. Header keys are sorted by
 * name; data is laid out by element size descending then name, so every tensor starts aligned
 * to its element size. Throws if a tensor's data does not match its dtype or shape.
 */
export function encodeSafetensors(
  tensors: Record<string, SafeTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const names = Object.keys(tensors).sort(byCodeUnit);
  for (const name of names) checkTensor(name, tensors[name]!);
  const layout = [...names].sort(
    (a, b) => DTYPES[tensors[b]!.dtype].size - DTYPES[tensors[a]!.dtype].size || byCodeUnit(a, b),
  );
  const offsets = new Map<string, [number, number]>();
  let total = 0;
  for (const name of layout) {
    const t = tensors[name]!;
    const len = t.data.length * DTYPES[t.dtype].size;
    offsets.set(name, [total, total + len]);
    total += len;
  }
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors: metadata "${k}" must be a string`);
    }
    header[METADATA_KEY] = metadata;
  }
  for (const name of names) {
    const t = tensors[name]!;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: offsets.get(name) };
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + total);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  const base = 8 + padded;
  for (const name of layout) {
    const t = tensors[name]!;
    writeLE(out, base + offsets.get(name)![0], t);
  }
  return out;
}

/**
 * Decodes safetensors bytes. Every problem (truncated file, bad header JSON, unknown dtype,
 * offsets that overlap, leave holes or disagree with the shape) is a UserError naming it.
 * Returned tensors own fresh, aligned storage.
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new UserError(`safetensors: file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER)) throw new UserError(`safetensors: header length ${n64} exceeds the ${MAX_HEADER}-byte limit`);
  const n = Number(n64);
  if (8 + n > bytes.length) throw new UserError(`safetensors: header length ${n} runs past the end of the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new UserError(`safetensors: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isRecord(header)) throw new UserError('safetensors: header must be a JSON object');
  const dataLen = bytes.length - 8 - n;
  const metadata = readMetadata(header[METADATA_KEY]);
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const where = `safetensors: tensor "${name}"`;
    if (!isRecord(entry)) throw new UserError(`${where}: entry must be an object`);
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) {
      throw new UserError(`${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`);
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      throw new UserError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const offs = entry.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isCount) || offs[0] > offs[1]) {
      throw new UserError(`${where}: data_offsets must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    if (end > dataLen) throw new UserError(`${where}: data_offsets end ${end} is past the ${dataLen}-byte data section`);
    const { size, make } = DTYPES[dtype as SafeDtype];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== count * size) {
      throw new UserError(`${where}: shape [${shape.join(', ')}] of ${dtype} needs ${count * size} bytes but data_offsets span ${end - begin}`);
    }
    const data = make(count);
    readLE(bytes, 8 + n + begin, dtype as SafeDtype, data);
    tensors[name] = { dtype: dtype as SafeDtype, shape: [...(shape as number[])], data };
    spans.push({ name, begin, end });
  }
  checkTiling(spans, dataLen);
  return { tensors, metadata };
}


function checkTensor(name: string, t: SafeTensor): void {
  if (name === METADATA_KEY) throw new Error(`safetensors: "${METADATA_KEY}" is reserved and cannot name a tensor`);
  const spec = DTYPES[t.dtype];
  if (!spec) throw new Error(`safetensors: tensor "${name}" has unsupported dtype ${JSON.stringify(t.dtype)}`);
  if (!t.shape.every((d) => isCount(d))) throw new Error(`safetensors: tensor "${name}" has invalid shape [${t.shape.join(', ')}]`);
  const expected = spec.make(0).constructor;
  if (t.data.constructor !== expected) {
    throw new Error(`safetensors: tensor "${name}" is ${t.dtype} but its data is a ${t.data.constructor.name}`);
  }
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== count) {
    throw new Error(`safetensors: tensor "${name}" has shape [${t.shape.join(', ')}] (${count} elements) but ${t.data.length} values`);
  }
}

function readMetadata(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (!isRecord(raw)) throw new UserError(`safetensors: ${METADATA_KEY} must be an object of strings`);
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new UserError(`safetensors: ${METADATA_KEY} value "${k}" must be a string, got ${JSON.stringify(v)}`);
  }
  return { ...(raw as Record<string, string>) };
}

/** Tensors must cover the data section exactly, with neither overlaps nor holes. */
function checkTiling(spans: { name: string; begin: number; end: number }[], dataLen: number): void {
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev = '';
  for (const s of spans) {
    if (s.begin < pos) throw new UserError(`safetensors: tensor "${s.name}" overlaps tensor "${prev}" (starts at ${s.begin}, before ${pos})`);
    if (s.begin > pos) throw new UserError(`safetensors: ${s.begin - pos} unused bytes before tensor "${s.name}" at offset ${pos}`);
    pos = s.end;
    prev = s.name;
  }
  if (pos !== dataLen) throw new UserError(`safetensors: ${dataLen - pos} trailing bytes after the last tensor (data section is ${dataLen} bytes)`);
}

function writeLE(out: Uint8Array, at: number, t: SafeTensor): void {
  if (LITTLE_ENDIAN || DTYPES[t.dtype].size === 1) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    return;
  }
  const dv = new DataView(out.buffer, out.byteOffset + at, t.data.byteLength);
  for (let i = 0; i < t.data.length; i++) {
    if (t.dtype === 'F32') dv.setFloat32(i * 4, t.data[i]!, true);
    else dv.setInt32(i * 4, t.data[i]!, true);
  }
}

function readLE(bytes: Uint8Array, at: number, dtype: SafeDtype, data: SafeTensor['data']): void {
  if (LITTLE_ENDIAN || DTYPES[dtype].size === 1) {
    new Uint8Array(data.buffer).set(bytes.subarray(at, at + data.byteLength));
    return;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, data.byteLength);
  for (let i = 0; i < data.length; i++) {
    data[i] = dtype === 'F32' ? dv.getFloat32(i * 4, true) : dv.getInt32(i * 4, true);
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
