/**
 * npm run bench: throughput and memory of the scoring pipeline on the fixture models, as ratios measured in one run.
 *  - cache: a second run over an unchanged sweep against the first (it should compute nothing);
 *  - batching: batch size 16 against 1;
 *  - memory: peak RSS scoring a sweep 4× larger (distinct files) against the demo sweep (it should stay flat).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';

interface Run {
  ms: number;
  images: number;
  encoded: number;
  failures: number;
  maxRssMiB: number;
}

function scoreOnce(sweep: string, out: string, batch: number, tagger = '-'): Run {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/score-once.ts', sweep, out, String(batch), tagger], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scoring ${sweep} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Run;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** The demo sweep with every image written `copies` times as distinct files (a one-bit change per copy). */
async function largerSweep(copies: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lora-eval-bench-'));
  cpSync('fixtures/demo/refs', join(dir, 'refs'), { recursive: true });
  const original = readFileSync('fixtures/demo/sweep.yaml', 'utf8');
  const seeds = /seeds: \[([^\]]*)\]/.exec(original)![1].split(',').length;
  const yaml = original.replace(/seeds: \[[^\]]*\]/, `seeds: [${Array.from({ length: seeds * copies }, (_, i) => i + 1).join(', ')}]`);
  writeFileSync(join(dir, 'sweep.yaml'), yaml);
  for (const file of files('fixtures/demo').filter((f) => f.endsWith('.png') && !f.includes('/refs/'))) {
    const rel = relative('fixtures/demo', file);
    const m = /-(\d+)\.png$/.exec(rel)!;
    const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    for (let c = 0; c < copies; c++) {
      const copy = Buffer.from(data);
      copy[0] ^= c & 1;
      copy[1] ^= (c >> 1) & 1;
      const target = join(dir, rel.replace(/-(\d+)\.png$/, `-${Number(m[1]) + seeds * c}.png`));
      cpSync(file, target); // creates the folders
      await sharp(copy, { raw: info }).png().toFile(target);
    }
  }
  return dir;
}

const ratio = (a: number, b: number) => (a / b).toFixed(2);
const fmt = (r: Run) =>
  `${r.images} images in ${(r.ms / 1000).toFixed(1)} s (${((r.images / r.ms) * 1000).toFixed(1)} img/s), peak RSS ${r.maxRssMiB.toFixed(0)} MiB`;

const out = mkdtempSync(join(tmpdir(), 'lora-eval-bench-out-'));
console.log('lora-eval bench (fixture CLIP; every figure from this one run)\n');

const cold16 = scoreOnce('fixtures/demo/sweep.yaml', join(out, 'b16'), 16);
const warm16 = scoreOnce('fixtures/demo/sweep.yaml', join(out, 'b16'), 16);
const cold1 = scoreOnce('fixtures/demo/sweep.yaml', join(out, 'b1'), 1);
console.log(`cold, batch 16:  ${fmt(cold16)}`);
console.log(`warm, batch 16:  ${fmt(warm16)}; encoded ${warm16.encoded}`);
console.log(`cold, batch 1:   ${fmt(cold1)}`);
const big = await largerSweep(4);
const cold16x4 = scoreOnce(join(big, 'sweep.yaml'), join(out, 'x4'), 16);
console.log(`cold, batch 16, 4× sweep: ${fmt(cold16x4)}`);
const withTagger = scoreOnce('fixtures/demo/sweep.yaml', join(out, 'tagger'), 16, 'fixtures/models/tagger-v3');
console.log(`cold, batch 16, CLIP + tagger: ${fmt(withTagger)}`);

console.log('\nratios');
console.log(`  cache speed-up (cold ÷ warm time):            ${ratio(cold16.ms, warm16.ms)}×`);
console.log(`  batching speed-up (batch 1 ÷ batch 16 time):  ${ratio(cold1.ms, cold16.ms)}×`);
console.log(`  throughput at 4× size ÷ at 1×:                ${ratio(cold16x4.images / cold16x4.ms, cold16.images / cold16.ms)}`);
console.log(`  peak memory at 4× size ÷ at 1×:               ${ratio(cold16x4.maxRssMiB, cold16.maxRssMiB)}`);
console.log(`  tagger cost (CLIP+tagger ÷ CLIP time):        ${ratio(withTagger.ms, cold16.ms)}×`);
