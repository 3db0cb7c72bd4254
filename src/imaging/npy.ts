/**
 * NumPy .npy files (format version 1.0): C-order, little-endian float32 ('<f4') for writing;
 * '<f4' and uint8 ('|u1') for reading. Headers are laid out exactly as numpy.save writes them
 * (dict repr, spare room for growing the first axis, space padding to a multiple of 64 bytes, '\n').
 */

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

export type NpyArray = { dtype: '<f4'; shape: number[]; data: Float32Array } | { dtype: '|u1'; shape: number[]; data: Uint8Array };

function checkShape(shape: number[], length: number): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new RangeError(`npy: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== length) {
    throw new RangeError(`npy: shape [${shape.join(', ')}] holds ${count} values but the data has ${length}`);
  }
}

function pythonTupleRepr(shape: number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** Header bytes for a C-order array, identical to numpy.lib.format's version 1.0 output. */
function header(descr: string, shape: number[]): Buffer {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${pythonTupleRepr(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const headerLen = dict.length + 1; // + '\n'
  // numpy pads by 1..64 bytes: a header that is already aligned still gets 64 spaces.
  const pad = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + headerLen) % ARRAY_ALIGN);
  const total = headerLen + pad;
  if (total > 0xffff) throw new RangeError('npy: header too long for format version 1.0');
  const out = Buffer.alloc(MAGIC.length + 4 + total, 0x20);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(total, 8);
  out.write(dict, 10, 'latin1');
  out[out.length - 1] = 0x0a;
  return out;
}

/** Encode float32 values (C order) as a .npy file with dtype '<f4'. */
export function encodeNpy(data: Float32Array, shape: number[]): Buffer {
  if (!(data instanceof Float32Array)) throw new TypeError('encodeNpy: data must be a Float32Array');
  checkShape(shape, data.length);
  const head = header('<f4', shape);
  const body = Buffer.alloc(data.length * 4);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
    body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } else {
    for (let i = 0; i < data.length; i++) body.writeFloatLE(data[i], i * 4);
  }
  return Buffer.concat([head, body]);
}

/** Decode a .npy file holding '<f4' or '|u1' data in C order (format versions 1.0 to 3.0). */
export function decodeNpy(file: Uint8Array): NpyArray {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error('npy: not a .npy file (bad magic bytes)');
  const major = buf[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new Error('npy: truncated header');
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else {
    throw new Error(`npy: unsupported format version ${major}.${buf[7]}`);
  }
  if (buf.length < offset + headerLen) throw new Error('npy: truncated header');
  const text = buf.toString(major === 3 ? 'utf8' : 'latin1', offset, offset + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`npy: unreadable header ${JSON.stringify(text.trim())}`);
  if (fortran === 'True') throw new Error('npy: Fortran-order arrays are not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number.parseInt(s.replace(/L$/, ''), 10));
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`npy: bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLen;

  if (descr === '<f4') {
    if (buf.length < dataStart + count * 4) throw new Error(`npy: truncated data (expected ${count} float32 values)`);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(dataStart + i * 4);
    return { dtype: '<f4', shape, data: out };
  }
  if (descr === '|u1' || descr === '<u1' || descr === 'u1') {
    if (buf.length < dataStart + count) throw new Error(`npy: truncated data (expected ${count} bytes)`);
    return { dtype: '|u1', shape, data: new Uint8Array(buf.subarray(dataStart, dataStart + count)) };
  }
  throw new Error(`npy: unsupported dtype '${descr}' (supported: '<f4', '|u1')`);
}
