/** Sizes of a benchmark run, from flags (`npm run bench -- --images 256 --quick`) or LORA_EVAL_BENCH_* variables. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Images of the interleaved comparison (score, raw session, transformers.js). */
  images: number;
  /** Rounds of the interleaved comparison. */
  rounds: number;
  batch: number;
  /** The two sweep sizes whose peak RSS is compared. */
  rssSizes: [number, number];
  /** Images of the cached re-score. */
  cachedImages: number;
  /** Images of the per-stage CPU measurement. */
  stageImages: number;
  /** Images of the comparison with one core left to decoding (0: not run). */
  spareImages: number;
  quick: boolean;
  /** Folder of the real CLIP config and tokenizer files. */
  source: string;
  /** Folder for generated models, images and scratch runs (not committed). */
  cache: string;
  /** Where results.json is written. */
  results: string;
}

export const USAGE = `npm run bench -- [options]
  --images N         images of the interleaved comparison (default 1024; quick 256)
  --rounds N         interleaved rounds of raw session, score and transformers.js (default 2)
  --batch N          batch size of every tool (default 16)
  --rss A,B          sweep sizes whose peak RSS is compared (default 256,4096; quick 64,256)
  --cached N         images of the cached re-score (default 10000; quick 1024)
  --stage-images N   images of the per-stage CPU measurement (default 64; quick 32)
  --spare-images N   images of the comparison with inference on all cores but one (default 256; quick 64)
  --quick            smaller defaults (a few minutes)
  --source DIR       real CLIP config and tokenizer files (default ../shared/data/clip-vit-b32-tokenizer)
  --cache DIR        generated model, images and scratch runs (default bench/.cache)
  --results FILE     where to write the results (default bench/results.json)
Each option can also be given as LORA_EVAL_BENCH_<NAME> (e.g. LORA_EVAL_BENCH_IMAGES=256, LORA_EVAL_BENCH_QUICK=1).`;

function positiveInteger(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      images: { type: 'string' },
      rounds: { type: 'string' },
      batch: { type: 'string' },
      rss: { type: 'string' },
      cached: { type: 'string' },
      'stage-images': { type: 'string' },
      'spare-images': { type: 'string' },
      quick: { type: 'boolean' },
      source: { type: 'string' },
      cache: { type: 'string' },
      results: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const fromEnv = (name: string) => env[`LORA_EVAL_BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  const value = (name: keyof typeof values): string | undefined => (values[name] as string | undefined) ?? fromEnv(name);
  const quickValue = values.quick ?? fromEnv('quick');
  const quick = quickValue === true || (typeof quickValue === 'string' && quickValue !== '' && quickValue !== '0' && quickValue !== 'false');
  const number = (name: keyof typeof values, full: number, small: number) => {
    const v = value(name);
    return v === undefined ? (quick ? small : full) : positiveInteger(v, name);
  };
  const rssText = value('rss');
  let rssSizes: [number, number] = quick ? [64, 256] : [256, 4096];
  if (rssText !== undefined) {
    const parts = rssText.split(',').map((p) => positiveInteger(p.trim(), 'rss'));
    if (parts.length !== 2 || parts[0] >= parts[1]) throw new Error(`--rss must be two increasing sizes such as 256,4096, got "${rssText}"`);
    rssSizes = [parts[0], parts[1]];
  }
  const rounds = number('rounds', 2, 2);
  return {
    images: number('images', 1024, 256),
    rounds,
    batch: number('batch', 16, 16),
    rssSizes,
    cachedImages: number('cached', 10_000, 1024),
    stageImages: number('stage-images', 64, 32),
    spareImages: number('spare-images', 256, 64),
    quick,
    source: value('source') ?? '../shared/data/clip-vit-b32-tokenizer',
    cache: value('cache') ?? 'bench/.cache',
    results: value('results') ?? 'bench/results.json',
  };
}
