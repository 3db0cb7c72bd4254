import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../src/ingest/crc32.js';
import { decodeUserComment } from '../../src/ingest/exif-user-comment.js';
import { insertPngTextChunks, scanPngChunks } from '../../src/ingest/png-text.js';
import { readImageMetadata } from '../../src/ingest/read-metadata.js';
import { a1111Infotext, jpegWithUserComment, noisePng, pngWithText, userCommentBytes, webpWithUserComment, type CommentCharset } from './helpers/images.js';

const dir = mkdtempSync(join(tmpdir(), 'ingest-png-exif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const INFOTEXT = a1111Infotext({
  prompt: 'anis, 1girl, <lora:anis_nai:0.65>, smile\nsecond line',
  negative: 'lowres, bad hands',
  seed: 1234,
  model: 'anything-v4.5',
});

describe('PNG text chunks', () => {
  it('CRC-32 matches the check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('reads tEXt, zTXt, iTXt (plain and compressed), before and after IDAT', async () => {
    const png = await pngWithText(8, 8, 1, [
      { keyword: 'a', text: 'latin-1 é', type: 'tEXt' },
      { keyword: 'b', text: 'deflated', type: 'zTXt' },
      { keyword: 'c', text: 'utf-8 ✓ 猫', type: 'iTXt' },
      { keyword: 'd', text: 'utf-8 compressed ✓', type: 'iTXt-compressed', afterImageData: true },
      { keyword: 'parameters', text: INFOTEXT, type: 'zTXt', afterImageData: true },
    ]);
    const scan = scanPngChunks(png);
    expect(scan.warnings).toEqual([]);
    expect(scan.width).toBe(8);
    expect(scan.texts.map((t) => [t.type, t.keyword, t.text, t.afterImageData])).toEqual([
      ['tEXt', 'a', 'latin-1 é', false],
      ['zTXt', 'b', 'deflated', false],
      ['iTXt', 'c', 'utf-8 ✓ 猫', false],
      ['iTXt', 'd', 'utf-8 compressed ✓', true],
      ['zTXt', 'parameters', INFOTEXT, true],
    ]);
    const file = join(dir, 'after-idat.png');
    writeFileSync(file, png);
    const meta = await readImageMetadata(file);
    expect(meta.carrier).toBe('PNG zTXt parameters (after the image data)');
    expect(meta.generation.prompt).toBe('anis, 1girl, <lora:anis_nai:0.65>, smile\nsecond line');
  });

  it('writes chunks that decoders accept and reads them back', async () => {
    const png = insertPngTextChunks(await noisePng(4, 4, 2), [
      { keyword: 'parameters', text: 'plain' },
      { keyword: 'other', text: 'プロンプト' },
    ]);
    expect((await sharp(png).metadata()).width).toBe(4);
    expect(scanPngChunks(png).texts.map((t) => [t.type, t.text])).toEqual([
      ['tEXt', 'plain'],
      ['iTXt', 'プロンプト'],
    ]);
    expect(() => insertPngTextChunks(png, [{ keyword: '', text: 'x' }])).toThrow(/keyword/);
  });

  it('reports a bad CRC and a truncated file without failing', async () => {
    const png = await pngWithText(4, 4, 3, [{ keyword: 'parameters', text: INFOTEXT }]);
    const corrupt = Buffer.from(png);
    corrupt[8 + 25 + 8 + 12] ^= 0xff; // a byte inside the text chunk's data
    expect(scanPngChunks(corrupt).warnings.join()).toMatch(/bad CRC/);
    const truncated = png.subarray(0, 8 + 25 + 30);
    const scan = scanPngChunks(truncated);
    expect(scan.warnings.join()).toMatch(/truncated/);
    expect(() => scanPngChunks(Buffer.from('not a png at all'))).toThrow(/signature/);
  });
});

describe('EXIF UserComment', () => {
  it('decodes each character code', () => {
    expect(decodeUserComment(userCommentBytes('plain text', 'ASCII'))).toEqual({ text: 'plain text', charset: 'ASCII' });
    expect(decodeUserComment(userCommentBytes('ünï 猫', 'UNICODE-BE'))).toEqual({ text: 'ünï 猫', charset: 'UNICODE-BE' });
    expect(decodeUserComment(userCommentBytes('ünï 猫', 'UNICODE-LE'))).toEqual({ text: 'ünï 猫', charset: 'UNICODE-LE' });
    expect(decodeUserComment(userCommentBytes('bom', 'UNICODE-BE-BOM'))).toEqual({ text: 'bom', charset: 'UNICODE-BE' });
    expect(decodeUserComment(userCommentBytes(Buffer.from('944c8ea8', 'hex'), 'JIS'))).toEqual({ text: '猫耳', charset: 'JIS' });
    expect(decodeUserComment(userCommentBytes('undefined code', 'UNDEFINED'))).toEqual({ text: 'undefined code', charset: 'UNDEFINED' });
  });

  it('falls back to the EXIF byte order for UTF-16 text without Latin characters', () => {
    const le = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from('猫耳', 'utf16le')]);
    expect(decodeUserComment(le, false).text).toBe('猫耳');
    expect(decodeUserComment(le, true).text).not.toBe('猫耳');
  });

  const cases: [CommentCharset, boolean][] = [
    ['UNICODE-BE', true],
    ['UNICODE-LE', false],
    ['ASCII', true],
    ['UNICODE-BE', false],
  ];
  for (const format of ['jpeg', 'webp'] as const) {
    it.each(cases)(`reads A1111 infotext from ${format} (%s, big-endian EXIF: %s)`, async (charset, bigEndian) => {
      const make = format === 'jpeg' ? jpegWithUserComment : webpWithUserComment;
      const file = join(dir, `a1111-${charset}-${bigEndian}.${format === 'jpeg' ? 'jpg' : 'webp'}`);
      writeFileSync(file, await make(24, 16, 5, userCommentBytes(INFOTEXT, charset), bigEndian));
      const meta = await readImageMetadata(file);
      expect(meta.format).toBe(format);
      expect(meta.width).toBe(24);
      expect(meta.carrier).toBe(`EXIF UserComment (${charset})`);
      expect(meta.generation).toMatchObject({
        seed: '1234',
        checkpoint: 'anything-v4.5',
        negativePrompt: 'lowres, bad hands',
        loras: [{ name: 'anis_nai', weight: 0.65 }],
      });
    });
  }

  it('keeps the last character of an odd-length UTF-16 UserComment', async () => {
    // Odd counts as writers leave them: trailing NULs stripped (taking the zero high byte of a little-endian last
    // character), or a one-byte terminator added; each for names of every length parity and non-Latin endings.
    const names = ['anything-v4.5', 'anis', 'ani', 'a', 'Anything V3 ü', 'モデル猫', 'x猫'];
    let tried = 0;
    for (const name of names) {
      for (const charset of ['UNICODE-LE', 'UNICODE-BE', 'UNICODE-BE-BOM'] as const) {
        const even = userCommentBytes(`Model: ${name}`, charset);
        const variants: Buffer[] = [Buffer.concat([even, Buffer.alloc(1)])];
        if (charset === 'UNICODE-LE' && even[even.length - 1] === 0) variants.push(even.subarray(0, even.length - 1));
        for (const bytes of variants) {
          expect(bytes.length % 2, `${name} ${charset}`).toBe(1);
          expect(decodeUserComment(bytes).text, `${name} ${charset} ${bytes.length}`).toBe(`Model: ${name}`);
          tried++;
        }
      }
    }
    expect(tried).toBe(names.length * 3 + 5); // five LE names end in a Latin character
    const text = a1111Infotext({ prompt: 'anis, 1girl', negative: 'lowres', seed: 7, model: 'anything-v4.5' });
    const le = userCommentBytes(text, 'UNICODE-LE');
    const file = join(dir, 'odd-length-le.jpg');
    writeFileSync(file, await jpegWithUserComment(8, 8, 7, le.subarray(0, le.length - 1), false));
    expect((await readImageMetadata(file)).generation.checkpoint).toBe('anything-v4.5');
  });

  it('reads JIS-coded infotext from a JPEG', async () => {
    const text = Buffer.concat([Buffer.from('neko ', 'latin1'), Buffer.from('944c8ea8', 'hex'), Buffer.from('\nSteps: 20, Seed: 3, Model: m', 'latin1')]);
    const file = join(dir, 'jis.jpg');
    writeFileSync(file, await jpegWithUserComment(8, 8, 6, userCommentBytes(text, 'JIS')));
    const meta = await readImageMetadata(file);
    expect(meta.generation.prompt).toBe('neko 猫耳');
    expect(meta.generation.seed).toBe('3');
  });
});
