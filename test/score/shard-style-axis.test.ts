import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { mergeRuns } from '../../src/run/merge-runs.js';
import { readScoresCsv } from '../../src/run/scores-csv.js';
import { scoreSweep } from '../../src/score/score-sweep.js';
import { inShard } from '../../src/score/shard.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { CLIP, DEMO } from '../run/helpers.js';

const SEEDS = Array.from({ length: 15 }, (_, i) => i + 1);
const SHARD_COUNT = 3;

/** Every picture of the demo world but its references, in a fixed order. */
function demoPictures(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.png') ? [join(dir, e.name)] : []));
  return ['native', 'anylora', 'nai', 'sd15'].flatMap((d) => walk(join(DEMO, d))).sort();
}

/** The style picture with a small square painted over it: an embedding a short, but not empty, way from the style's. */
async function nearStyle(style: string, seed: number): Promise<Buffer> {
  const square = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: (seed * 53) % 256, g: 40, b: 200 } } })
    .png()
    .toBuffer();
  return sharp(style)
    .composite([{ input: square, top: 8 * seed, left: 8 * seed }])
    .png()
    .toBuffer();
}

describe('style_retention under sharding', () => {
  it('drops the same short-axis images in a sharded run as in an unsharded one', async () => {
    const dir = tempDir();
    const sweepDir = join(dir, 'sweep');
    const template = (weight: number, seed: number) => (weight === 0 ? `native/anything/portrait-${seed}.png` : `anylora/anything/w1/portrait-${seed}.png`);
    writeTree(sweepDir, {
      'sweep.yaml': `name: axis
lora: { trigger: anisphia, description: a girl with blonde hair and green eyes, references: refs, style_references: style }
factors: { base: [anylora], target: [anything], weight: [0, 1] }
prompts: [{ id: portrait, kind: concept, text: "anisphia, 1girl" }]
seeds: [${SEEDS.join(', ')}]
images: { template: "{base}/{target}/w{weight}/{prompt}-{seed}.png", native: "native/{target}/{prompt}-{seed}.png" }
`,
    });
    cpSync(join(DEMO, 'refs'), join(sweepDir, 'refs'), { recursive: true });
    const [style, ...others] = demoPictures();
    mkdirSync(join(sweepDir, 'style'));
    cpSync(style, join(sweepDir, 'style', 'style.png'));
    // Shard 0's LoRA images are compared with weight-0 images close to the style (short axes), the other shards'
    // with unrelated pictures (long axes), which are the majority: the sweep's median axis is long, shard 0's short.
    const nearSeeds = SEEDS.filter((seed) => inShard(template(1, seed), { index: 0, count: SHARD_COUNT }));
    expect(nearSeeds.length).toBeGreaterThan(1);
    expect(nearSeeds.length).toBeLessThan(SEEDS.length / 2 - 1);
    let next = 0;
    for (const seed of SEEDS) {
      writeTree(sweepDir, { [template(1, seed)]: readFileSync(others[next++]) });
      writeTree(sweepDir, { [template(0, seed)]: nearSeeds.includes(seed) ? await nearStyle(style, seed) : readFileSync(others[next++]) });
    }
    const sweep = join(sweepDir, 'sweep.yaml');
    const lock = join(dir, 'lock.json');

    const whole = await scoreSweep({ sweep, clip: CLIP, out: join(dir, 'whole'), lock });
    const shards = [];
    for (let index = 0; index < SHARD_COUNT; index++)
      shards.push(join((await scoreSweep({ sweep, clip: CLIP, out: join(dir, `s${index}`), lock, shard: { index, count: SHARD_COUNT } })).outDir));
    mergeRuns(shards, join(dir, 'merged'));

    const styleRows = (file: string) =>
      readScoresCsv(file)
        .rows.filter((r) => r.metric === 'style_retention')
        .map((r) => [r.image, r.value] as const)
        .sort(([a], [b]) => a.localeCompare(b));
    const unsharded = styleRows(whole.scoresCsv);
    const merged = styleRows(join(dir, 'merged', 'scores.csv'));
    // The short axes of shard 0 are below a tenth of the sweep's median: their images have no style_retention.
    const shortAxis = new Set(nearSeeds.map((seed) => template(1, seed)));
    expect(unsharded.map(([image]) => image)).toEqual(
      SEEDS.map((seed) => template(1, seed))
        .filter((image) => !shortAxis.has(image))
        .sort(),
    );
    expect(merged.map(([image]) => image)).toEqual(unsharded.map(([image]) => image));
    for (const [i, [, value]] of merged.entries()) expect(value).toBeCloseTo(unsharded[i][1], 4);
  }, 240_000);
});
