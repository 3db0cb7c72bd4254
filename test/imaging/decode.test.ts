import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, ImageDecodeError } from '../../src/imaging/decode.js';
import {
  DECODE_CMYK_MAX_BOUND,
  DECODE_CMYK_MEAN_BOUND,
  decodeErrors,
  GOLDEN_ROOT,
  goldenDecodeRgba,
  IMAGES_DIR,
  isDecodeExact,
  loadManifest,
} from '../golden/parity.js';

const manifest = loadManifest();
const names = Object.keys(manifest.images);
const exactNames = names.filter((n) => isDecodeExact(manifest.images[n]));
const cmykNames = names.filter((n) => manifest.images[n].mode === 'CMYK');
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

describe('decodeImage gives the RGBA bytes of Pillow (exif_transpose + convert("RGBA"); 16-bit gray >> 8)', () => {
  it.each(exactNames)('%s', async (name) => {
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

  it('scales 16-bit grayscale to 8 bits by the high byte (v >> 8) where Pillow clips at 255, and keeps the high byte for 16-bit RGB', async () => {
    const gray = await decodeImage(join(IMAGES_DIR, 'gray16_256x320.png'));
    const raw16 = await sharp(join(IMAGES_DIR, 'gray16_256x320.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
    const samples = new Uint16Array(raw16.buffer, raw16.byteOffset, raw16.byteLength / 2);
    let aboveClip = 0;
    let roundingDiffers = 0;
    for (let i = 0; i < samples.length; i++) {
      const expected = samples[i] >> 8;
      if (gray.data[i * 4] !== expected || gray.data[i * 4 + 2] !== expected || gray.data[i * 4 + 3] !== 255) {
        throw new Error(`pixel ${i}: 16-bit ${samples[i]} decoded to ${gray.data[i * 4]}, expected ${expected}`);
      }
      if (samples[i] > 255) aboveClip++;
      if (Math.round(samples[i] / 257) !== expected) roundingDiffers++;
    }
    // Pillow's convert("RGB") would have turned nearly all of this image white, and the test image
    // tells the high byte from rounding v / 257.
    expect(aboveClip / samples.length).toBeGreaterThan(0.9);
    expect(roundingDiffers / samples.length).toBeGreaterThan(0.1);

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

/** The JPEG with an APP2 ICC_PROFILE segment holding `profile` right after its SOI marker. */
function withIccSegment(jpeg: Buffer, profile: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), profile]);
  const head = Buffer.from([0xff, 0xe2, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
}

describe('CMYK is decoded through its ICC profile to sRGB, as ImageCms.profileToProfile (perceptual) does', () => {
  it.each(cmykNames)(`%s: within mean ≤ ${DECODE_CMYK_MEAN_BOUND}, max ≤ ${DECODE_CMYK_MAX_BOUND} levels of ImageCms`, async (name) => {
    const img = await decodeImage(join(IMAGES_DIR, name));
    const golden = goldenDecodeRgba(name);
    expect(golden.shape).toEqual([img.height, img.width, 4]);
    const errors = decodeErrors(img.data, golden.data);
    expect(errors.mean).toBeLessThanOrEqual(DECODE_CMYK_MEAN_BOUND);
    expect(errors.max).toBeLessThanOrEqual(DECODE_CMYK_MAX_BOUND);
    expect(img.hasAlpha).toBe(false);
  });

  it('uses the embedded profile: the same pixels through the standard profile are far from the reference', async () => {
    const name = 'cmyk_icc_320x240.jpg';
    const golden = goldenDecodeRgba(name).data;
    const standard = await sharp(join(IMAGES_DIR, name), { ignoreIcc: true }).toColourspace('srgb').ensureAlpha().raw().toBuffer();
    expect(decodeErrors(standard, golden).mean).toBeGreaterThan(10 * DECODE_CMYK_MEAN_BOUND);
  });

  it("the standard profile is libvips' built-in CMYK profile, the one the reference used", async () => {
    const committed = gunzipSync(readFileSync(join(GOLDEN_ROOT, 'profiles', 'chemical-proof-cmyk.icc.gz')));
    const probe = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#808080' } })
      .toColourspace('cmyk')
      .withIccProfile('cmyk')
      .jpeg()
      .toBuffer();
    const builtIn = (await sharp(probe).metadata()).icc!;
    expect(createHash('sha256').update(builtIn).digest('hex')).toBe(createHash('sha256').update(committed).digest('hex'));
  });

  it('reads a CMYK JPEG without the Adobe marker as the same picture (inverted ink values, as Pillow assumes)', async () => {
    const adobe = await decodeImage(join(IMAGES_DIR, 'cmyk_300x200.jpg'));
    const plain = await decodeImage(join(IMAGES_DIR, 'cmyk_no_adobe_300x200.jpg'));
    expect(Buffer.from(plain.data).equals(Buffer.from(adobe.data))).toBe(true);
  });

  it('an embedded profile that is not a CMYK profile is ignored in favour of the standard one', async () => {
    const probe = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#808080' } })
      .withIccProfile('srgb')
      .png()
      .toBuffer();
    const srgbProfile = (await sharp(probe).metadata()).icc!;
    const jpeg = withIccSegment(readFileSync(join(IMAGES_DIR, 'cmyk_300x200.jpg')), srgbProfile);
    expect((await sharp(jpeg).metadata()).icc?.length).toBe(srgbProfile.length);
    const img = await decodeImage(jpeg);
    const standard = await decodeImage(join(IMAGES_DIR, 'cmyk_300x200.jpg'));
    expect(Buffer.from(img.data).equals(Buffer.from(standard.data))).toBe(true);
  });

  it('a CMYK profile that cannot be used is refused, naming the profile', async () => {
    const jpeg = Buffer.from(readFileSync(join(IMAGES_DIR, 'cmyk_icc_320x240.jpg')));
    jpeg.write('xxxx', jpeg.indexOf('mft2'), 'latin1');
    const path = writeTmp('broken-profile.jpg', jpeg);
    await expectDecodeError(decodeImage(path), path, 'corrupt', /^unusable embedded ICC colour profile/);
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
