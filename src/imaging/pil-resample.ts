/**
 * Pillow's separable convolution resampler (libImaging/Resample.c), 8 bits per channel,
 * reproduced bit for bit: double-precision filter weights normalised per output pixel,
 * converted to 22-bit fixed point, a horizontal pass into an 8-bit intermediate (rounded and
 * clipped), then a vertical pass. Windows that run past the image edge are truncated and
 * renormalised, as Pillow does (no edge replication).
 *
 * This is the resampler the reference implementations (transformers' CLIPImageProcessor,
 * the WD tagger app) run, so using it gives exact parity. libvips' reducers differ from it
 * by a few levels on hard edges when downscaling, and its upsampling uses another pixel
 * centre convention and edge rule; see test/golden/README.md for the measured figures.
 */

export type PilFilter = 'bicubic' | 'bilinear' | 'lanczos' | 'box' | 'hamming';

interface FilterDef {
  support: number;
  weight(x: number): number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

const HAMMING_A = Math.fround(0.54);
const HAMMING_B = Math.fround(0.46);

const FILTERS: Record<PilFilter, FilterDef> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      return ax < 1 ? 1 - ax : 0;
    },
  },
  hamming: {
    support: 1,
    weight: (x) => {
      const ax = Math.abs(x);
      if (ax === 0) return 1;
      if (ax >= 1) return 0;
      const px = ax * Math.PI;
      // Pillow writes the window constants as C floats (0.54f, 0.46f).
      return (Math.sin(px) / px) * (HAMMING_A + HAMMING_B * Math.cos(px));
    },
  },
  bicubic: {
    // Keys cubic with a = -0.5 (Catmull-Rom), exactly as Pillow writes it.
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
  lanczos: {
    support: 3,
    weight: (x) => (-3 <= x && x < 3 ? sinc(x) * sinc(x / 3) : 0),
  },
};

/** Pillow's resampling filter ids (Image.Resampling) for the filters implemented here. */
export const PIL_RESAMPLE_IDS: Readonly<Record<number, PilFilter>> = {
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'box',
  5: 'hamming',
};

const PRECISION_BITS = 32 - 8 - 2;
const ROUND_HALF = 1 << (PRECISION_BITS - 1);
const CLIP_HIGH = 1 << (PRECISION_BITS + 8);

interface Coefficients {
  /** taps per output pixel (stride of `weights`) */
  ksize: number;
  /** first input index per output pixel */
  start: Int32Array;
  /** number of used taps per output pixel */
  count: Int32Array;
  /** fixed-point weights, outSize × ksize */
  weights: Int32Array;
}

const coefficientCache = new Map<string, Coefficients>();

/** precompute_coeffs + normalize_coeffs_8bpc from Resample.c, for the box [0, inSize). */
function coefficients(inSize: number, outSize: number, filter: PilFilter): Coefficients {
  const key = `${filter}:${inSize}:${outSize}`;
  const cached = coefficientCache.get(key);
  if (cached) return cached;

  const def = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = def.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const raw = new Float64Array(ksize);
  const ss = 1 / filterScale;

  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = def.weight((x + xmin - center + 0.5) * ss);
      raw[x] = w;
      total += w;
    }
    const base = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = total !== 0 ? raw[x] / total : raw[x];
      weights[base + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }

  const result = { ksize, start, count, weights };
  if (coefficientCache.size > 256) coefficientCache.clear();
  coefficientCache.set(key, result);
  return result;
}

function clip8(v: number): number {
  if (v >= CLIP_HIGH) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/**
 * Resize interleaved 8-bit pixels (`channels` per pixel, row-major) to outWidth × outHeight
 * exactly as Pillow's Image.resize(size, resample) does for a non-alpha image with no box and
 * no reducing_gap. Returns the input itself when the size does not change.
 */
export function pilResize(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  filter: PilFilter = 'bicubic',
): Uint8Array {
  if (src.length !== width * height * channels) {
    throw new RangeError(`pilResize: buffer holds ${src.length} bytes, expected ${width}×${height}×${channels}`);
  }
  if (outWidth < 1 || outHeight < 1) throw new RangeError(`pilResize: bad output size ${outWidth}×${outHeight}`);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  if (!needHorizontal && !needVertical) return src;

  const vert = coefficients(height, outHeight, filter);
  let rowsIn = src;
  let rowOffset = 0;
  let rowsHeight = height;

  if (needHorizontal) {
    // Only the source rows the vertical pass will read, as Pillow does.
    const firstRow = vert.start[0];
    const lastRow = vert.start[outHeight - 1] + vert.count[outHeight - 1];
    const horiz = coefficients(width, outWidth, filter);
    rowsHeight = needVertical ? lastRow - firstRow : height;
    const yStart = needVertical ? firstRow : 0;
    const tmp = new Uint8Array(outWidth * rowsHeight * channels);
    horizontalPass(src, width, channels, yStart, rowsHeight, tmp, outWidth, horiz);
    rowsIn = tmp;
    rowOffset = needVertical ? firstRow : 0;
  }
  if (!needVertical) return rowsIn;

  const out = new Uint8Array(outWidth * outHeight * channels);
  verticalPass(rowsIn, outWidth, channels, rowOffset, out, outHeight, vert);
  return out;
}

function horizontalPass(
  src: Uint8Array,
  width: number,
  channels: number,
  yStart: number,
  rows: number,
  dst: Uint8Array,
  outWidth: number,
  c: Coefficients,
): void {
  const { ksize, start, count, weights } = c;
  const srcStride = width * channels;
  const dstStride = outWidth * channels;
  if (channels === 3) {
    for (let y = 0; y < rows; y++) {
      const rowBase = (y + yStart) * srcStride;
      let o = y * dstStride;
      for (let xx = 0; xx < outWidth; xx++) {
        const kBase = xx * ksize;
        const n = count[xx];
        let s0 = ROUND_HALF;
        let s1 = ROUND_HALF;
        let s2 = ROUND_HALF;
        let p = rowBase + start[xx] * 3;
        for (let x = 0; x < n; x++, p += 3) {
          const k = weights[kBase + x];
          s0 += src[p] * k;
          s1 += src[p + 1] * k;
          s2 += src[p + 2] * k;
        }
        dst[o++] = clip8(s0);
        dst[o++] = clip8(s1);
        dst[o++] = clip8(s2);
      }
    }
    return;
  }
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + yStart) * srcStride;
    for (let xx = 0; xx < outWidth; xx++) {
      const kBase = xx * ksize;
      const n = count[xx];
      for (let ch = 0; ch < channels; ch++) {
        let s = ROUND_HALF;
        let p = rowBase + start[xx] * channels + ch;
        for (let x = 0; x < n; x++, p += channels) s += src[p] * weights[kBase + x];
        dst[y * dstStride + xx * channels + ch] = clip8(s);
      }
    }
  }
}

function verticalPass(src: Uint8Array, width: number, channels: number, rowOffset: number, dst: Uint8Array, outHeight: number, c: Coefficients): void {
  const { ksize, start, count, weights } = c;
  const stride = width * channels;
  const acc = new Float64Array(stride);
  for (let yy = 0; yy < outHeight; yy++) {
    const kBase = yy * ksize;
    const n = count[yy];
    const first = start[yy] - rowOffset;
    acc.fill(ROUND_HALF);
    // Row-at-a-time accumulation keeps memory access sequential; the sum per output sample
    // is the same integer Pillow computes (|sum| < 2^31, exact in doubles).
    for (let y = 0; y < n; y++) {
      const k = weights[kBase + y];
      const rowBase = (first + y) * stride;
      for (let i = 0; i < stride; i++) acc[i] += src[rowBase + i] * k;
    }
    const outBase = yy * stride;
    for (let i = 0; i < stride; i++) dst[outBase + i] = clip8(acc[i]);
  }
}
