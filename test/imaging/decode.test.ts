import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from '../../src/imaging/decode.js';
import { IMAGES_DIR, loadManifest } from '../golden/parity.js';

const manifest = loadManifest();
const names = Object.keys(manifest.images);
const tmp = mkdtempSync(join(tmpdir(), 'lora-eval-decode-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeTmp(name: string, bytes: Buffer | string): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** A PNG signature, IHDR, a stub IDAT and IEND: enough for a header read, with no pixel data. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (b: Buffer) => {
    let c = 0xffffffff;
    for (const byte of b) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([head, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function expectDecodeError(promise: Promise<unknown>, path: string, code: string, reason: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageDecodeError);
  const e = err as ImageDecodeError;
  expect(e.path).toBe(path);
  expect(e.code).toBe(code);
  expect(e.reason).toMatch(reason);
  expect(e.reason).not.toContain('\n');
  expect(e.message).toBe(`${path}: ${e.reason}`);
}

describe('decodeImage gives the RGBA bytes of Pillow (exif_transpose + convert("RGBA"))', () => {
  it.each(names)('%s', async (name) => {
    const entry = manifest.images[name];
    const img = await decodeImage(join(IMAGES_DIR, name));
    expect([img.width, img.height]).toEqual([entry.width, entry.height]);
    expect(img.data.length).toBe(img.width * img.height * 4);
    expect(img.format).toBe(entry.format);
    const sha = createHash('sha256').update(img.data).digest('hex');
    expect(sha).toBe(entry.rgba_sha256);
  });
});

describe('decodeImage details', () => {
  it('applies EXIF orientation 6 (dimensions swap) and 3 (same dimensions, rotated 180°)', async () => {
    const six = await decodeImage(join(IMAGES_DIR, 'exif6_320x200.jpg'));
    expect([six.width, six.height]).toEqual([200, 320]);
    const three = await decodeImage(join(IMAGES_DIR, 'exif3_320x200.jpg'));
    expect([three.width, three.height]).toEqual([320, 200]);
    // Orientation 3 is a 180° turn of the stored pixels: compare against the stored pixels turned by sharp.
    const stored = await sharp(join(IMAGES_DIR, 'exif3_320x200.jpg'), { autoOrient: false }).rotate(180).ensureAlpha().raw().toBuffer();
    expect(Buffer.from(three.data).equals(stored)).toBe(true);
  });

  it('reports alpha for RGBA, palette transparency and 16-bit gray+alpha; not for JPEG or plain RGB', async () => {
    const alpha = async (name: string) => (await decodeImage(join(IMAGES_DIR, name))).hasAlpha;
    expect(await alpha('rgba_400x300.png')).toBe(true);
    expect(await alpha('palette_P_350x250.png')).toBe(true);
    expect(await alpha('gray_alpha16_180x130.png')).toBe(true);
    expect(await alpha('alpha_300x220.webp')).toBe(true);
    expect(await alpha('landscape_517x301.jpg')).toBe(false);
    expect(await alpha('landscape_600x400.png')).toBe(false);
  });

  it('clips 16-bit grayscale at 255 like Pillow mode "I" (not scaled), and keeps the high byte for 16-bit RGB', async () => {
    const gray = await decodeImage(join(IMAGES_DIR, 'gray16_256x320.png'));
    const raw16 = await sharp(join(IMAGES_DIR, 'gray16_256x320.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    const samples = new Uint16Array(raw16.buffer, raw16.byteOffset, raw16.byteLength / 2);
    let clipped = 0;
    for (let i = 0; i < samples.length; i++) {
      const expected = Math.min(samples[i], 255);
      if (gray.data[i * 4] !== expected || gray.data[i * 4 + 2] !== expected || gray.data[i * 4 + 3] !== 255) {
        throw new Error(`pixel ${i}: 16-bit ${samples[i]} decoded to ${gray.data[i * 4]}, expected ${expected}`);
      }
      if (samples[i] > 255) clipped++;
    }
    expect(clipped / samples.length).toBeGreaterThan(0.2);
    expect(clipped / samples.length).toBeLessThan(0.95);

    const rgb = await decodeImage(join(IMAGES_DIR, 'rgb16_240x180.png'));
    const rgb16 = await sharp(join(IMAGES_DIR, 'rgb16_240x180.png')).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    const s16 = new Uint16Array(rgb16.buffer, rgb16.byteOffset, rgb16.byteLength / 2);
    for (let i = 0; i < 240 * 180; i += 97) {
      expect(rgb.data[i * 4]).toBe(s16[i * 3] >> 8);
      expect(rgb.data[i * 4 + 1]).toBe(s16[i * 3 + 1] >> 8);
    }
  });

  it('decodes a Buffer and names it in errors by opts.path', async () => {
    const bytes = readFileSync(join(IMAGES_DIR, 'small_97x71.png'));
    const img = await decodeImage(bytes, { path: 'sweep/a.png' });
    expect([img.width, img.height]).toEqual([97, 71]);
    await expectDecodeError(decodeImage(Buffer.from('plain text'), { path: 'sweep/b.png' }), 'sweep/b.png', 'not-an-image', /^not an image/);
  });
});

describe('decodeImage failures are ImageDecodeError with path and reason', () => {
  it('missing file', async () => {
    const path = join(tmp, 'does-not-exist.png');
    await expectDecodeError(decodeImage(path), path, 'not-found', /^file not found$/);
  });

  it('text file named .png', async () => {
    const path = writeTmp('notes.png', 'hello, this is not an image\n');
    await expectDecodeError(decodeImage(path), path, 'not-an-image', /^not an image: unrecognised content \(starts with text "hello, this is n/);
  });

  it('empty file', async () => {
    const path = writeTmp('empty.png', Buffer.alloc(0));
    await expectDecodeError(decodeImage(path), path, 'not-an-image', /empty/);
  });

  it('truncated PNG', async () => {
    const full = readFileSync(join(IMAGES_DIR, 'landscape_600x400.png'));
    const path = writeTmp('truncated.png', full.subarray(0, Math.floor(full.length / 3)));
    await expectDecodeError(decodeImage(path), path, 'corrupt', /^truncated or corrupt image data \(.*libpng read error\)$/);
  });

  it('truncated JPEG (Pillow: "image file is truncated")', async () => {
    const full = readFileSync(join(IMAGES_DIR, 'landscape_517x301.jpg'));
    const path = writeTmp('truncated.jpg', full.subarray(0, Math.floor(full.length / 3)));
    await expectDecodeError(decodeImage(path), path, 'corrupt', /^truncated or corrupt image data \(.*premature end of JPEG/);
  });

  it('PNG cut inside its header', async () => {
    const full = readFileSync(join(IMAGES_DIR, 'small_97x71.png'));
    const path = writeTmp('header.png', full.subarray(0, 20));
    await expectDecodeError(decodeImage(path), path, 'corrupt', /corrupt or truncated image header/);
  });

  it('a PNG signature followed by garbage is corrupt, not an unsupported format', async () => {
    const path = writeTmp(
      'garbage.png',
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('garbage that is not a chunk')]),
    );
    await expectDecodeError(decodeImage(path), path, 'corrupt', /^corrupt (png file|or truncated image header)/);
  });

  it('image over the pixel limit, checked from the header', async () => {
    const path = join(IMAGES_DIR, 'landscape_600x400.png');
    await expectDecodeError(decodeImage(path, { maxPixels: 100_000 }), path, 'too-large', /^too large: 600×400 = 240,000 pixels exceeds the limit of 100,000$/);
    await expect(decodeImage(path, { maxPixels: 240_000 })).resolves.toMatchObject({ width: 600, height: 400 });
  });

  it('default limit is 50 megapixels', async () => {
    // Only the header is needed: the limit is checked before any pixel is decoded.
    const path = writeTmp('huge.png', pngHeaderOnly(8000, 6251));
    await expectDecodeError(decodeImage(path), path, 'too-large', /^too large: 8000×6251 = 50,008,000 pixels exceeds the limit of 50,000,000$/);
  });

  it('a real image format we do not decode (BMP) is named as unsupported', async () => {
    const bmp = Buffer.alloc(54 + 4 * 4);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(bmp.length, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(2, 18);
    bmp.writeInt32LE(2, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    const path = writeTmp('picture.png', bmp);
    await expectDecodeError(decodeImage(path), path, 'unsupported-format', /^unsupported image format: bmp$/);
  });

  it('SVG is refused (the reference cannot open it)', async () => {
    const path = writeTmp('vector.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>');
    await expectDecodeError(decodeImage(path), path, 'unsupported-format', /^unsupported image format: svg$/);
  });
});
