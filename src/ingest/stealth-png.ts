/**
 * "Stealth" infotext (sd-webui-stealth-pnginfo): the text hidden in the least significant bits of
 * the alpha channel (or of R, G, B), read column by column. A signature says which:
 * stealth_pnginfo / stealth_pngcomp (alpha, plain / gzip), stealth_rgbinfo / stealth_rgbcomp (RGB).
 * Then a 32-bit length in bits, then the UTF-8 (or gzipped UTF-8) text.
 */
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';

const SIGNATURES = {
  stealth_pnginfo: { alpha: true, compressed: false },
  stealth_pngcomp: { alpha: true, compressed: true },
  stealth_rgbinfo: { alpha: false, compressed: false },
  stealth_rgbcomp: { alpha: false, compressed: true },
} as const;

const MAX_TEXT_BITS = 64 * 1024 * 1024;

class BitReader {
  private index = 0;
  constructor(
    private readonly data: Buffer,
    private readonly width: number,
    private readonly height: number,
    private readonly channels: number,
    private readonly alpha: boolean,
  ) {}

  get remaining(): number {
    return this.width * this.height * (this.alpha ? 1 : 3) - this.index;
  }

  private bit(i: number): number {
    const perPixel = this.alpha ? 1 : 3;
    const pixel = Math.floor(i / perPixel);
    const x = Math.floor(pixel / this.height);
    const y = pixel % this.height;
    const channel = this.alpha ? this.channels - 1 : i % perPixel;
    return this.data[(y * this.width + x) * this.channels + channel] & 1;
  }

  bytes(count: number): Buffer {
    const out = Buffer.alloc(count);
    for (let b = 0; b < count; b++) {
      let v = 0;
      for (let k = 0; k < 8; k++) v = (v << 1) | this.bit(this.index++);
      out[b] = v;
    }
    return out;
  }

  uint32(): number {
    return this.bytes(4).readUInt32BE(0);
  }
}

/** The hidden text, or undefined when the image carries none. */
export async function readStealthText(file: string | Buffer): Promise<string | undefined> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  if (width * height < 200) return undefined;
  for (const alpha of [true, false]) {
    if (alpha && channels !== 4 && channels !== 2) continue;
    const reader = new BitReader(data, width, height, channels, alpha);
    const signature = reader.bytes(15).toString('latin1');
    const kind = SIGNATURES[signature as keyof typeof SIGNATURES];
    if (!kind || kind.alpha !== alpha) continue;
    const bits = reader.uint32();
    if (bits % 8 !== 0 || bits > MAX_TEXT_BITS || bits > reader.remaining) throw new Error(`stealth text length ${bits} bits does not fit the image`);
    const payload = reader.bytes(bits / 8);
    return (kind.compressed ? gunzipSync(payload, { maxOutputLength: 32 * 1024 * 1024 }) : payload).toString('utf8');
  }
  return undefined;
}
