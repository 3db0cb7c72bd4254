/**
 * Print per-image parity figures (Markdown tables) of the imaging code against the Pillow goldens,
 * plus sharp's kernels measured directly, and preprocessing timings.
 *
 *   npx tsx test/golden/report-parity.ts [--no-timings]
 *
 * Needs ../shared/data/clip-vit-b32-tokenizer/preprocessor_config.json for the CLIP rows.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { clipPreprocessorFromConfig, resizeOutputSize } from '../../src/imaging/clip-preprocess.js';
import { decodeImage, type DecodedImage } from '../../src/imaging/decode.js';
import { toRgb } from '../../src/imaging/resize.js';
import { taggerPreprocessor } from '../../src/imaging/tagger-preprocess.js';
import {
  CLIP_CONFIG_PATH,
  clipErrors,
  decodeErrors,
  goldenClipU8,
  goldenDecodeRgba,
  goldenTaggerU8,
  hasClipConfig,
  IMAGES_DIR,
  isDecodeExact,
  loadManifest,
  taggerErrors,
} from './parity.js';

const manifest = loadManifest();
const names = Object.keys(manifest.images);
const f3 = (x: number) => x.toFixed(3);
const f4 = (x: number) => x.toFixed(4);

async function main() {
  const decoded = new Map<string, DecodedImage>();
  for (const name of names) decoded.set(name, await decodeImage(join(IMAGES_DIR, name)));

  console.log(`Goldens: Pillow ${manifest.pillow}, numpy ${manifest.numpy}; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}\n`);

  console.log('## Decoding (RGBA bytes vs the reference decoding: Pillow exif_transpose + convert("RGBA"), or its stated replacement)\n');
  console.log('| image | Pillow mode | decoded | reference | identical, or error in levels (mean / max) |');
  console.log('|---|---|---|---|---|');
  for (const name of names) {
    const img = decoded.get(name)!;
    const e = manifest.images[name];
    let verdict: string;
    if (isDecodeExact(e)) {
      verdict = createHash('sha256').update(img.data).digest('hex') === e.rgba_sha256 ? 'yes' : '**NO**';
    } else {
      const d = decodeErrors(img.data, goldenDecodeRgba(name).data);
      verdict = `${f3(d.mean)} / ${d.max}`;
    }
    console.log(`| ${name} | ${e.mode} | ${img.width}×${img.height} | ${e.decode} | ${verdict} |`);
  }

  if (hasClipConfig) {
    const config = JSON.parse(readFileSync(CLIP_CONFIG_PATH, 'utf8'));
    const fast = clipPreprocessorFromConfig(config);
    const exact = clipPreprocessorFromConfig(config, { resampler: 'exact' });
    const { imageMean: mean, imageStd: std } = fast.params;
    console.log('\n## CLIP (openai/clip-vit-base-patch32 config), error in normalized units\n');
    console.log('| image | resize | fast mean | fast max | exact max |');
    console.log('|---|---|---|---|---|');
    for (const name of names) {
      const golden = goldenClipU8(name).data;
      const e = manifest.images[name];
      const a = clipErrors(await fast.preprocess(decoded.get(name)!), golden, 224, 224, mean, std);
      const b = clipErrors(await exact.preprocess(decoded.get(name)!), golden, 224, 224, mean, std);
      const dir = e.clip_upscaled ? 'up' : 'down';
      console.log(`| ${name} | ${e.width}×${e.height} → ${e.clip_resized_hw![1]}×${e.clip_resized_hw![0]} (${dir}) | ${f4(a.mean)} | ${f3(a.max)} | ${f3(b.max)} |`);
    }

    console.log('\n## sharp kernels alone vs Pillow bicubic (CLIP resize + crop, 8-bit levels, mean / max)\n');
    const kernels = ['cubic', 'mitchell', 'lanczos3'] as const;
    console.log(`| image | dir | ${kernels.join(' | ')} | cubic, transposed |`);
    console.log(`|---|---|${kernels.map(() => '---').join('|')}|---|`);
    for (const name of names) {
      const img = decoded.get(name)!;
      const rgb = toRgb({ data: img.data, width: img.width, height: img.height, channels: 4 });
      const [h, w] = resizeOutputSize(img.width, img.height, { shortestEdge: 224 });
      const golden = goldenClipU8(name).data;
      const cells: string[] = [];
      for (const kernel of kernels) {
        const out = await sharp(Buffer.from(rgb), { raw: { width: img.width, height: img.height, channels: 3 } })
          .resize(w, h, { kernel, fit: 'fill' })
          .raw()
          .toBuffer();
        cells.push(levelStats(out, w, h, golden));
      }
      const tr = await sharp(Buffer.from(rgb), { raw: { width: img.width, height: img.height, channels: 3 } })
        .flip()
        .rotate(90)
        .resize(h, w, { kernel: 'cubic', fit: 'fill' })
        .raw()
        .toBuffer();
      const back = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) back.set(tr.subarray((x * h + y) * 3, (x * h + y) * 3 + 3), (y * w + x) * 3);
      cells.push(levelStats(back, w, h, golden));
      console.log(`| ${name} | ${manifest.images[name].clip_upscaled ? 'up' : 'down'} | ${cells.join(' | ')} |`);
    }
  } else {
    console.log(`\n(CLIP rows skipped: ${CLIP_CONFIG_PATH} not found)`);
  }

  const size = manifest.tagger_size;
  const tFast = taggerPreprocessor(size);
  const tExact = taggerPreprocessor(size, { resampler: 'exact' });
  console.log(`\n## WD tagger (${size}), error in 0–255 units\n`);
  console.log('| image | square → size | fast mean | fast max | exact max |');
  console.log('|---|---|---|---|---|');
  for (const name of names) {
    const golden = goldenTaggerU8(name).data;
    const e = manifest.images[name];
    const a = taggerErrors(await tFast.preprocess(decoded.get(name)!), golden);
    const b = taggerErrors(await tExact.preprocess(decoded.get(name)!), golden);
    const dir = !e.tagger_resized ? 'none' : e.tagger_upscaled ? 'up' : 'down';
    console.log(`| ${name} | ${e.tagger_square} → ${size} (${dir}) | ${f4(a.mean)} | ${a.max} | ${b.max} |`);
  }

  if (!process.argv.includes('--no-timings')) await timings();
}

function levelStats(resized: Uint8Array, w: number, h: number, golden: Uint8Array): string {
  const top = Math.floor((h - 224) / 2);
  const left = Math.floor((w - 224) / 2);
  let sum = 0;
  let max = 0;
  for (let y = 0; y < 224; y++) {
    for (let x = 0; x < 224 * 3; x++) {
      const d = Math.abs(resized[((y + top) * w + left) * 3 + x] - golden[y * 224 * 3 + x]);
      sum += d;
      if (d > max) max = d;
    }
  }
  return `${f3(sum / (224 * 224 * 3))} / ${max}`;
}

/**
 * Typical Stable Diffusion output sizes: time per image (decode excluded), and how far the fast
 * path is from the exact one (which is bit-identical to Pillow on every golden image).
 */
async function timings() {
  console.log('\n## Larger inputs: time per image (median ms of 9, decode excluded, one image at a time) and fast-path error\n');
  console.log('Exact mode equals Pillow bit for bit on every golden above, so fast − exact is the error against Pillow.\n');
  console.log('| input | CLIP fast ms | CLIP exact ms | CLIP fast error, mean / max (normalized) | tagger fast ms | tagger exact ms | tagger fast error, mean / max (levels) |');
  console.log('|---|---|---|---|---|---|---|');
  const config = hasClipConfig ? JSON.parse(readFileSync(CLIP_CONFIG_PATH, 'utf8')) : {};
  const clipFast = clipPreprocessorFromConfig(config);
  const clipExact = clipPreprocessorFromConfig(config, { resampler: 'exact' });
  const tagFast = taggerPreprocessor(448);
  const tagExact = taggerPreprocessor(448, { resampler: 'exact' });
  for (const [w, h] of [
    [512, 512],
    [512, 768],
    [768, 768],
    [832, 1216],
    [1024, 1024],
    [1536, 1536],
  ]) {
    const img = syntheticImage(w, h);
    const time = async (f: () => Promise<unknown>) => {
      await f();
      const runs: number[] = [];
      for (let i = 0; i < 9; i++) {
        const t = performance.now();
        await f();
        runs.push(performance.now() - t);
      }
      return runs.sort((a, b) => a - b)[4].toFixed(1);
    };
    const diff = (a: Float32Array, b: Float32Array, digits: number) => {
      let sum = 0;
      let max = 0;
      for (let i = 0; i < a.length; i++) {
        const d = Math.abs(a[i] - b[i]);
        sum += d;
        if (d > max) max = d;
      }
      return `${(sum / a.length).toFixed(digits)} / ${max.toFixed(digits === 4 ? 3 : 0)}`;
    };
    const cells = [
      await time(() => clipFast.preprocess(img)),
      await time(() => clipExact.preprocess(img)),
      diff(await clipFast.preprocess(img), await clipExact.preprocess(img), 4),
      await time(() => tagFast.preprocess(img)),
      await time(() => tagExact.preprocess(img)),
      diff(await tagFast.preprocess(img), await tagExact.preprocess(img), 3),
    ];
    console.log(`| ${w}×${h} | ${cells.join(' | ')} |`);
  }

  // The scoring pipeline preprocesses a batch concurrently; sharp's share then runs on its thread pool.
  const batch = Array.from({ length: 16 }, () => syntheticImage(832, 1216));
  const rate = async (run: (img: DecodedImage) => Promise<unknown>) => {
    await Promise.all(batch.map(run));
    const t = performance.now();
    await Promise.all(batch.map(run));
    return (batch.length / ((performance.now() - t) / 1000)).toFixed(0);
  };
  const both = (clip: typeof clipFast, tag: typeof tagFast) => (img: DecodedImage) => Promise.all([clip.preprocess(img), tag.preprocess(img)]);
  console.log(
    `\nBatch of 16 images of 832×1216, CLIP + tagger each, all concurrent (${os.availableParallelism()} CPUs): ` +
      `fast ${await rate(both(clipFast, tagFast))} images/s, exact ${await rate(both(clipExact, tagExact))} images/s.`,
  );
}

/** Deterministic structured content: gradients, a checkerboard and a noisy band. */
function syntheticImage(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 4);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const checker = ((x >> 4) + (y >> 4)) % 2 === 0 && x < width / 3;
      const noisy = y > height * 0.75;
      const base = [(255 * x) / width, (255 * y) / height, 128 + 127 * Math.sin((x + y) / 20)];
      for (let c = 0; c < 3; c++) {
        let v = checker ? 240 : base[c];
        if (noisy) v += 40 * rand();
        data[i + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
      data[i + 3] = 255;
    }
  }
  return { width, height, data, hasAlpha: false, format: 'png' };
}

await main();
