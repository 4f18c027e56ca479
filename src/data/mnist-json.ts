/**
 * Parser of the `mnist` package's digit files, `{ "data": [0, 0.2, 0.624, ...] }`. Pure (bytes
 * in, floats out), so a browser can use it on fetched bytes.
 *
 * A hand scanner reads the plain decimals these files hold straight into a Float32Array,
 * about 2.5x faster than JSON.parse plus a copy (0.13 s vs 0.34 s for all ten files), with
 * bit-identical results: a decimal of at most 15 digits is mantissa / 10^k with both operands
 * exact doubles, so the one rounding of the division equals JSON.parse's correctly rounded
 * value. Anything else (exponents, signs, long literals) falls back to JSON.parse.
 */
import { UserError } from '../util/errors.ts';

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * The fast path: the plain decimals between the first '[' and the last ']' (comma-separated,
 * whitespace allowed), or null when anything else appears there.
 */
export function scanDecimals(bytes: Uint8Array): Float32Array | null {
  const open = bytes.indexOf(0x5b); // [
  const close = bytes.lastIndexOf(0x5d); // ]
  if (open < 0 || close < open) return null;
  // every number takes at least one byte plus a comma
  const out = new Float32Array(((close - open) >> 1) + 1);
  let n = 0;
  let i = open + 1;
  while (isSpace(bytes[i])) i++;
  while (i < close) {
    let c = bytes[i];
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    while (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      digits++;
      c = bytes[++i];
    }
    if (c === 0x2e) {
      c = bytes[++i];
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        scale++;
        c = bytes[++i];
      }
    }
    if (digits === 0 || digits > 15) return null;
    out[n++] = scale === 0 ? mantissa : mantissa / POW10[scale];
    while (isSpace(bytes[i])) i++;
    if (bytes[i] === 0x2c) {
      i++;
      while (isSpace(bytes[i])) i++;
    } else if (i !== close) {
      return null;
    }
  }
  return out.slice(0, n);
}

/** The generic path: JSON.parse, checking the `{ data: number[] }` shape. */
function parseJson(bytes: Uint8Array, file: string): Float32Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new UserError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || !data.every((v) => typeof v === 'number')) {
    throw new UserError(`${file}: expected {"data": [numbers]}`);
  }
  return Float32Array.from(data as number[]);
}

/**
 * The pixels of one digit file as float32, in file order. Throws a UserError naming `file`
 * when it is not `{ "data": [numbers] }` or its length is not a multiple of `pixelsPerImage`.
 */
export function parseDigitFile(bytes: Uint8Array, file: string, pixelsPerImage = 784): Float32Array {
  const head = new TextDecoder().decode(bytes.subarray(0, 64));
  const fast = /^\s*\{\s*"data"\s*:\s*\[/.test(head) ? scanDecimals(bytes) : null;
  const data = fast ?? parseJson(bytes, file);
  if (data.length === 0 || data.length % pixelsPerImage !== 0) {
    throw new UserError(`${file}: holds ${data.length} numbers; expected a positive multiple of ${pixelsPerImage}`);
  }
  return data;
}
