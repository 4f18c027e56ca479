/**
 * IDX format (LeCun's MNIST files, also Fashion-MNIST). Pure: parses bytes already in memory,
 * so it runs in a browser too; idx-file.ts reads and gunzips files in Node.
 *
 * Layout: a big-endian header, then unsigned bytes.
 *   images: magic 0x00000803, count, rows, cols, then count*rows*cols pixels
 *   labels: magic 0x00000801, count, then count labels
 * Every error is a UserError naming the file and what was expected versus found.
 */
import { UserError } from '../util/errors.ts';

/** Magic number of an IDX file of unsigned-byte 3-D tensors (images). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** Magic number of an IDX file of unsigned-byte vectors (labels). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** Images decoded from an IDX file: `count` images of rows x cols raw bytes, row-major. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}

/** Reads the magic and the dimension sizes, checking the header and payload lengths. */
function readHeader(bytes: Uint8Array, file: string, magic: number, kind: string): { dims: number[]; offset: number } {
  if (isGzip(bytes)) {
    throw new UserError(`${file}: is gzip-compressed; decompress it before parsing (the file loader does this)`);
  }
  if (bytes.length < 4) {
    throw new UserError(`${file}: truncated IDX ${kind} file: ${bytes.length} bytes, not even the 4-byte magic`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) {
    const other = got === IDX_IMAGES_MAGIC ? ' (an images file)' : got === IDX_LABELS_MAGIC ? ' (a labels file)' : '';
    throw new UserError(`${file}: not an IDX ${kind} file: expected magic ${hex(magic)}, got ${hex(got)}${other}`);
  }
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new UserError(`${file}: truncated IDX ${kind} file: header needs ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, d) => a * d, 1);
  const payload = bytes.length - headerBytes;
  if (payload < expected) {
    throw new UserError(
      `${file}: truncated: header says ${dims.join('x')} = ${expected} bytes of ${kind}, file has ${payload}`,
    );
  }
  if (payload > expected) {
    throw new UserError(`${file}: ${payload - expected} unexpected bytes after the ${dims.join('x')} ${kind}`);
  }
  return { dims, offset: headerBytes };
}

/** Parses an (uncompressed) IDX images file; `file` names it in error messages. */
export function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const { dims, offset } = readHeader(bytes, file, IDX_IMAGES_MAGIC, 'images');
  const [count, rows, cols] = dims;
  if (rows === 0 || cols === 0) throw new UserError(`${file}: images of ${rows}x${cols} pixels; expected both sizes > 0`);
  return { count, rows, cols, pixels: bytes.subarray(offset, offset + count * rows * cols) };
}

/** Parses an (uncompressed) IDX labels file; `file` names it in error messages. */
export function parseIdxLabels(bytes: Uint8Array, file: string): Uint8Array {
  const { dims, offset } = readHeader(bytes, file, IDX_LABELS_MAGIC, 'labels');
  return bytes.subarray(offset, offset + dims[0]);
}

/** Images as float rows scaled to [0, 1] plus their labels, checked against each other. */
export interface IdxExamples {
  x: Float32Array;
  y: Float32Array;
  n: number;
  rows: number;
  cols: number;
}

/**
 * Pairs an images file with its labels file (both already parsed): pixels / 255 into float
 * rows, labels as floats. Throws when the counts differ, naming both files.
 */
export function pairIdx(images: IdxImages, labels: Uint8Array, imagesFile: string, labelsFile: string): IdxExamples {
  if (images.count !== labels.length) {
    throw new UserError(
      `${labelsFile}: holds ${labels.length} labels but ${imagesFile} holds ${images.count} images; expected equal counts`,
    );
  }
  const x = new Float32Array(images.pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = images.pixels[i] / 255;
  return { x, y: Float32Array.from(labels), n: images.count, rows: images.rows, cols: images.cols };
}
