#!/usr/bin/env node
// Writes a large sweep for timing re-scores: the fixture demo's design (3 bases × 3 targets × 3 weights × 12 prompts)
// with many seeds, each image a small distinct noise PNG (a cached re-score reads no pixels, so size does not matter).
// Usage: node scripts/large-sweep.mjs <out-dir> [seeds=40]   (40 seeds: 10,080 images)
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import YAML from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const demo = join(here, '..', 'fixtures', 'demo');
const out = resolve(process.argv[2] ?? '');
const seedCount = Number(process.argv[3] ?? 40);
if (!process.argv[2] || !Number.isInteger(seedCount) || seedCount < 1) {
  console.error('usage: node scripts/large-sweep.mjs <out-dir> [seeds]');
  process.exit(2);
}

const sweep = YAML.parse(readFileSync(join(demo, 'sweep.yaml'), 'utf8'));
sweep.name = `large-${seedCount}-seeds`;
sweep.seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
mkdirSync(out, { recursive: true });
cpSync(join(demo, sweep.lora.references), join(out, sweep.lora.references), { recursive: true });
writeFileSync(join(out, 'sweep.yaml'), YAML.stringify(sweep));

// Pixels from a xorshift seeded by the image's path: deterministic and distinct per image.
const generator = (rel) => {
  let state = createHash('sha256').update(rel).digest().readUInt32LE(0) || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
};
const side = 32;
const paths = new Set();
const { base, target, weight } = sweep.factors;
for (const b of base)
  for (const t of target)
    for (const w of weight)
      for (const p of sweep.prompts)
        for (const s of sweep.seeds) paths.add(Number(w) === 0 ? `native/${t}/${p.id}-${s}.png` : `${b}/${t}/w${w}/${p.id}-${s}.png`);
let written = 0;
const queue = [...paths];
async function worker() {
  for (let rel = queue.pop(); rel !== undefined; rel = queue.pop()) {
    const next = generator(rel);
    const pixels = Buffer.alloc(side * side * 3);
    for (let i = 0; i < pixels.length; i += 4) pixels.writeUInt32LE(next(), Math.min(i, pixels.length - 4));
    const file = join(out, rel);
    mkdirSync(dirname(file), { recursive: true });
    await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(file);
    written++;
  }
}
await Promise.all(Array.from({ length: 4 }, worker));
console.log(`${out}/sweep.yaml: ${written} images (${seedCount} seeds)`);
