/**
 * Synthetic sweeps of noisy PNGs that `lora-eval score` accepts. All sweeps share one image folder: a sweep of N
 * images uses seeds 1..N/16 of the same template, so a smaller sweep's files are a prefix of a larger one's and
 * each file is written once (and kept across runs). Seeds up to `largeSeeds` are full-size generator outputs
 * (512×512 by default); later seeds, only used where no pixels are read again (the cached re-score), are small.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export const TARGETS = ['target_a', 'target_b'];
export const WEIGHTS = [0, 1];
export const PROMPTS = [
  { id: 'portrait', kind: 'concept', text: 'benchling, 1girl, solo, portrait' },
  { id: 'outdoors', kind: 'concept', text: 'benchling, a girl standing outdoors' },
  { id: 'painting', kind: 'style', text: 'a watercolor painting of a house' },
  { id: 'street', kind: 'unrelated', text: 'a city street at night, no humans' },
] as const;
/** Images per seed: every target × weight × prompt cell. */
export const IMAGES_PER_SEED = TARGETS.length * WEIGHTS.length * PROMPTS.length;
export const REFERENCE_COUNT = 2;
const TEMPLATE = '{target}/w{weight}/{prompt}-{seed}.png';
/** Bumped when the pixels change, so that old files are not taken for new ones. */
const GENERATOR_VERSION = 1;
/** Peak-to-peak amplitude of the per-pixel noise, in 8-bit levels. */
const NOISE = 6;

export interface SyntheticSweep {
  file: string;
  /** Sweep images (not counting references), in sweep order. */
  images: string[];
  references: string[];
}

/** Seeds for at least `images` images (rounded up to whole seeds). */
export function seedsFor(images: number): number {
  return Math.max(1, Math.ceil(images / IMAGES_PER_SEED));
}

function imagePath(folder: string, target: string, weight: number, prompt: string, seed: number): string {
  return join(folder, target, `w${weight}`, `${prompt}-${seed}.png`);
}

/** Width of a PNG from its header, or undefined when the file is missing or not a PNG. */
function pngWidth(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(24);
    if (readSync(fd, header, 0, 24, 0) < 24 || header.readUInt32BE(12) !== 0x49484452) return undefined;
    return header.readUInt32BE(16);
  } finally {
    closeSync(fd);
  }
}

/**
 * A picture with the statistics of a generated image where it matters for the cost of decoding: smooth colour
 * fields (bilinear between random colours on a coarse grid) under per-pixel noise (±3 levels), so that PNG
 * compresses it about as badly as it compresses Stable Diffusion output (several hundred kB at 512×512).
 * Deterministic in `name`.
 */
export function noisyPicture(name: string, size: number): Buffer {
  const seed = createHash('sha256').update(`${GENERATOR_VERSION}:${name}`).digest();
  let state = seed.readUInt32LE(0) || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const cells = 4;
  const grid = Float64Array.from({ length: (cells + 1) * (cells + 1) * 3 }, () => next() * 255);
  const pixels = Buffer.alloc(size * size * 3);
  const step = size / cells;
  for (let y = 0; y < size; y++) {
    const gy = Math.min(cells - 1, Math.floor(y / step));
    const fy = y / step - gy;
    for (let x = 0; x < size; x++) {
      const gx = Math.min(cells - 1, Math.floor(x / step));
      const fx = x / step - gx;
      const i = (y * size + x) * 3;
      const top = (gy * (cells + 1) + gx) * 3;
      const bottom = top + (cells + 1) * 3;
      for (let k = 0; k < 3; k++) {
        const v = (grid[top + k] * (1 - fx) + grid[top + 3 + k] * fx) * (1 - fy) + (grid[bottom + k] * (1 - fx) + grid[bottom + 3 + k] * fx) * fy;
        pixels[i + k] = Math.max(0, Math.min(255, Math.round(v + (next() - 0.5) * NOISE)));
      }
    }
  }
  return pixels;
}

async function writePicture(file: string, name: string, size: number): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const png = await sharp(noisyPicture(name, size), { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
  const partial = `${file}.partial-${process.pid}`;
  writeFileSync(partial, png);
  renameSync(partial, file);
}

export interface ImageFolderPlan {
  folder: string;
  /** Seeds written in full size; later seeds are small. */
  largeSeeds: number;
  /** The most seeds any sweep of this run uses. */
  seeds: number;
  size?: number;
  smallSize?: number;
}

/**
 * Writes every image the run needs that is missing or has the wrong size, a few at a time (sharp encodes in its
 * own threads). Returns how many were written.
 */
export async function ensureImages(plan: ImageFolderPlan, onProgress: (done: number, total: number) => void = () => undefined): Promise<number> {
  const size = plan.size ?? 512;
  const smallSize = plan.smallSize ?? 64;
  const wanted: { file: string; name: string; size: number }[] = [];
  for (let r = 1; r <= REFERENCE_COUNT; r++) wanted.push({ file: join(plan.folder, 'refs', `ref-${r}.png`), name: `ref-${r}`, size });
  for (let seed = 1; seed <= plan.seeds; seed++) {
    for (const target of TARGETS)
      for (const weight of WEIGHTS)
        for (const p of PROMPTS) {
          const file = imagePath(plan.folder, target, weight, p.id, seed);
          wanted.push({ file, name: `${target}/${weight}/${p.id}/${seed}`, size: seed <= plan.largeSeeds ? size : smallSize });
        }
  }
  const todo = wanted.filter((w) => pngWidth(w.file) !== w.size);
  let done = 0;
  const queue = [...todo];
  const worker = async () => {
    for (let w = queue.shift(); w; w = queue.shift()) {
      await writePicture(w.file, w.name, w.size);
      if (++done % 64 === 0 || done === todo.length) onProgress(done, todo.length);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return todo.length;
}

/** Writes `<name>.yaml` in the image folder: a sweep over seeds 1..seedsFor(images). */
export function writeSweepFile(folder: string, name: string, images: number): SyntheticSweep {
  const seeds = seedsFor(images);
  const file = join(folder, `${name}.yaml`);
  const yaml = [
    `# Synthetic benchmark sweep: ${seeds * IMAGES_PER_SEED} noisy images (written by npm run bench)`,
    `name: ${name}`,
    'lora:',
    '  name: bench-lora',
    '  trigger: benchling',
    '  description: a girl with silver hair',
    '  references: refs',
    'factors:',
    `  target: [${TARGETS.join(', ')}]`,
    `  weight: [${WEIGHTS.join(', ')}]`,
    'prompts:',
    ...PROMPTS.flatMap((p) => [`  - id: ${p.id}`, `    kind: ${p.kind}`, `    text: ${JSON.stringify(p.text)}`]),
    `seeds: [${Array.from({ length: seeds }, (_, i) => i + 1).join(', ')}]`,
    `images: "${TEMPLATE}"`,
    '',
  ].join('\n');
  writeFileSync(file, yaml);
  const images_: string[] = [];
  for (const target of TARGETS)
    for (const weight of WEIGHTS)
      for (const p of PROMPTS) for (let seed = 1; seed <= seeds; seed++) images_.push(imagePath(folder, target, weight, p.id, seed));
  const references = Array.from({ length: REFERENCE_COUNT }, (_, r) => join(folder, 'refs', `ref-${r + 1}.png`));
  return { file, images: images_, references };
}
