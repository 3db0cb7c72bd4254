import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../src/imaging/npy.js';
import { GOLDEN_DIR } from '../golden/parity.js';

const NPY = join(GOLDEN_DIR, 'npy');
const numpyFile = (name: string) => readFileSync(join(NPY, name));

describe('encodeNpy matches files written by numpy.save byte for byte', () => {
  it('2×3 float32', () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5].map((v) => v * 0.5 - 1.25));
    expect(encodeNpy(data, [2, 3]).equals(numpyFile('f4_2x3.npy'))).toBe(true);
  });

  it('1-d float32 with -0, inf and the largest float32 (shape written as "(5,)")', () => {
    const data = new Float32Array([0, -0, 1.5, Infinity, 3.4028234663852886e38]);
    const ours = encodeNpy(data, [5]);
    expect(ours.subarray(0, 128).toString('latin1')).toContain("'shape': (5,), }");
    expect(ours.equals(numpyFile('f4_5.npy'))).toBe(true);
  });

  it('NHWC-shaped float32 like a tagger input', () => {
    const data = new Float32Array(12).map((_, i) => Math.fround(-1 + (2 * i) / 11));
    expect(encodeNpy(data, [1, 2, 2, 3]).equals(numpyFile('f4_1x2x2x3.npy'))).toBe(true);
  });

  it('header layout: magic, version 1.0, 64-byte aligned, ends with a newline', () => {
    const out = encodeNpy(new Float32Array(3 * 224 * 224), [1, 3, 224, 224]);
    expect([...out.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = out.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(out[10 + headerLen - 1]).toBe(0x0a);
    expect(out.length).toBe(10 + headerLen + 3 * 224 * 224 * 4);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy(new Float32Array(6), [4, 2])).toThrow(/holds 8 values but the data has 6/);
    expect(() => encodeNpy(new Float32Array(6), [2, -3])).toThrow(/non-negative integers/);
  });
});

describe('decodeNpy', () => {
  it('reads numpy uint8 and float32 files', () => {
    const u8 = decodeNpy(numpyFile('u1_2x2x3.npy'));
    expect(u8.dtype).toBe('|u1');
    expect(u8.shape).toEqual([2, 2, 3]);
    expect([...u8.data]).toEqual(Array.from({ length: 12 }, (_, i) => i * 21));
    const f4 = decodeNpy(numpyFile('f4_2x3.npy'));
    expect(f4.dtype).toBe('<f4');
    expect(f4.shape).toEqual([2, 3]);
    expect([...f4.data]).toEqual([-1.25, -0.75, -0.25, 0.25, 0.75, 1.25]);
  });

  it('round-trips any float32 array and shape', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 }), fc.integer(), (shape, seed) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = new Float32Array(n).map((_, i) => Math.fround(Math.sin(seed + i) * 1e3));
        const back = decodeNpy(encodeNpy(data, shape));
        expect(back.shape).toEqual(shape);
        expect(Buffer.from(back.data.buffer).equals(Buffer.from(data.buffer))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('names what is wrong with a bad file', () => {
    expect(() => decodeNpy(Buffer.from('not numpy at all'))).toThrow(/bad magic/);
    const fortran = Buffer.from(numpyFile('f4_2x3.npy'));
    fortran.write("'fortran_order': True, ", fortran.indexOf("'fortran_order'"), 'latin1');
    expect(() => decodeNpy(fortran)).toThrow(/Fortran-order/);
    const f8 = Buffer.from(numpyFile('f4_2x3.npy'));
    f8.write('<f8', f8.indexOf('<f4'), 'latin1');
    expect(() => decodeNpy(f8)).toThrow(/unsupported dtype '<f8'/);
    expect(() => decodeNpy(numpyFile('f4_2x3.npy').subarray(0, 140))).toThrow(/truncated data/);
  });
});
