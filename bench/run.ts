/**
 * npm run bench: the scoring pipeline against the model's own speed, on a random-weight CLIP with the architecture
 * and size of ViT-B/32 and synthetic noisy 512×512 PNGs. Every figure comes from this one run, and the targets are
 * ratios within it, so that the load of a shared machine cancels as far as it can:
 *  - interleaved rounds (ABC then CBA) of the raw onnxruntime session on ready tensors, `lora-eval score` end to end
 *    (process start, model load, decoding, inference, store, scores), and transformers.js on the same model and images;
 *  - peak RSS of `score` at two sweep sizes;
 *  - a cached re-score (second run over an unchanged sweep) of 10,000 images;
 *  - CPU time per image of each stage, measured alone, and from it the highest score ÷ raw that reading, hashing and
 *    decoding every image allow when inference fills every core;
 *  - the raw session and `score` with inference on all cores but one, which shows whether decoding hides behind
 *    inference when a core is left to it (as with more cores, or a GPU).
 * Writes bench/results.json and prints a table. Generated models and images live in bench/.cache (not committed).
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './lib/build.js';
import { describeMachine, loadAverage, type Machine } from './lib/machine.js';
import { parseBenchOptions, USAGE, type BenchOptions } from './lib/options.js';
import { lastJsonLine, runNode } from './lib/processes.js';
import { lockIn, runScore, type ScoreRun } from './lib/score-run.js';
import { cosine, median, round } from './lib/stats.js';
import { evaluateTargets, verdict } from './lib/targets.js';
import { textParameterCount, visionParameterCount } from './model/clip-architecture.js';
import { ensureClipFolder, missingSourceFiles } from './model/clip-folder.js';
import { ensureImages, seedsFor, writeSweepFile, type SyntheticSweep } from './sweep/synthetic-sweep.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'lora-eval.js');
const measure = (name: string) => join(root, 'bench', 'measure', name);
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface RawRun {
  images: number;
  threads?: number | null;
  seconds: number;
  imagesPerSecond: number;
  loadSeconds: number;
  cpuMsPerImage: number;
}
interface TransformersJsRun {
  images: number;
  wallSeconds: number;
  imagesPerSecond: number;
  loadSeconds: number;
  encodeSeconds: number;
  peakRssMiB: number;
  cpuMsPerImage: number;
}
interface FirstEmbeddings {
  first: { path: string; vector: number[] }[];
}
interface StageResult {
  images: number;
  stages: Record<string, { cpuMsPerImage: number; wallMsPerImage: number }>;
}

interface SpareCore {
  inferenceThreads: number;
  images: number;
  pairs: { raw: RawRun; score: ScoreRun }[];
  scoreOverRaw: number;
}

/** Stages every image goes through before inference, whatever else is computed. */
const DECODING_STAGES = ['read', 'sha256', 'header', 'decode'];

/**
 * When inference keeps every core busy, each CPU millisecond spent elsewhere is taken from it, so score ÷ raw cannot
 * exceed raw inference's CPU time over that plus the other stages'. decodingCeiling counts only reading, hashing and
 * decoding, which no scoring of image files avoids; pipelineCeiling counts every stage measured.
 */
function ceilings(rawCpuMs: number, stageRun: StageResult | { error: string }): { decodingCeiling?: number; pipelineCeiling?: number } {
  // A stage the measurement did not report would make the bound a guess: no bound is stated then.
  if ('error' in stageRun || DECODING_STAGES.some((n) => !(stageRun.stages[n]?.cpuMsPerImage >= 0))) return {};
  const cpu = (names: string[]) => names.reduce((sum, n) => sum + (stageRun.stages[n]?.cpuMsPerImage ?? Number.NaN), 0);
  const others = Object.keys(stageRun.stages).filter((n) => n !== 'inference');
  return { decodingCeiling: rawCpuMs / (rawCpuMs + cpu(DECODING_STAGES)), pipelineCeiling: rawCpuMs / (rawCpuMs + cpu(others)) };
}

function listFile(scratch: string, name: string, paths: string[]): string {
  const file = join(scratch, `${name}.txt`);
  writeFileSync(file, paths.join('\n') + '\n');
  return file;
}

async function main(options: BenchOptions): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const cache = resolve(options.cache);
  const source = resolve(options.source);
  const missing = missingSourceFiles(source);
  if (missing.length) {
    console.error(
      `bench: the real CLIP ViT-B/32 config and tokenizer files are needed in ${source}; missing: ${missing.join(', ')}.\n` +
        `Put openai/clip-vit-base-patch32's ${missing.join(', ')} there, or point --source (LORA_EVAL_BENCH_SOURCE) at a folder with them.`,
    );
    process.exitCode = 2;
    return;
  }
  ensureBuilt(root, log);
  const model = ensureClipFolder(source, join(cache, 'models'), log);
  const parameters = { vision: visionParameterCount(model.architecture), text: textParameterCount(model.architecture) };
  const fileMiB = (f: string) => round(statSync(join(model.dir, 'onnx', f)).size / 2 ** 20, 1);
  log(`model: ${relative(root, model.dir)} (${model.generated ? 'generated' : 'cached'}; vision ${parameters.vision.toLocaleString('en-US')} parameters)`);

  const [rssSmall, rssLarge] = options.rssSizes;
  const imageFolder = join(cache, 'images');
  const largeImages = Math.max(options.images, rssLarge, options.stageImages);
  const written = await ensureImages(
    { folder: imageFolder, largeSeeds: seedsFor(largeImages), seeds: seedsFor(Math.max(largeImages, options.cachedImages)) },
    (done, total) => log(`writing synthetic images: ${done}/${total}`),
  );
  if (written) log(`wrote ${written} images into ${relative(root, imageFolder)}`);
  const sweepOf = (n: number) => writeSweepFile(imageFolder, `bench-${n}`, n);
  const interleaved = sweepOf(options.images);
  const small = sweepOf(rssSmall);
  const large = sweepOf(rssLarge);
  const cachedSweep = sweepOf(options.cachedImages);
  const warmup = sweepOf(1);

  const scratch = join(cache, 'runs', startedAt.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(scratch, { recursive: true });
  const score = (sweep: SyntheticSweep, dirs: { out: string; lock: string; store?: string }, expectEncoded: 'all' | number) =>
    runScore(cli, model.dir, sweep, dirs, { batch: options.batch, scratch, expectEncoded });

  // Pins the model once (hashing it, as a user's first run does) and fails early if score does not work at all;
  // every measured run starts from a copy of this lock folder, so none of them pays for the first hashing.
  log(`warm-up: score over ${warmup.images.length} images (pins the model, fills the page cache)`);
  const warmLock = join(scratch, 'warmup-lock');
  await score(warmup, { out: join(scratch, 'warmup-out'), lock: lockIn(warmLock) }, 'all');

  log(`stages: CPU per image over ${options.stageImages} images, one stage at a time`);
  const stageList = listFile(scratch, 'stages', interleaved.images.slice(0, options.stageImages));
  // The stages call the library's internal functions, which may be renamed; the rest of the run does not need them.
  let stageRun: (StageResult & FirstEmbeddings) | { error: string };
  try {
    stageRun = lastJsonLine<StageResult & FirstEmbeddings>(
      'stage measurement',
      await runNode([measure('stages.mjs'), model.dir, stageList, String(options.batch), scratch], { scratch }),
    );
  } catch (e) {
    stageRun = { error: (e as Error).message };
    log(`stage measurement failed (the run goes on without it): ${stageRun.error}`);
  }
  // Both tools must run the same model on the same pictures, or comparing their speed means nothing.
  let agreement: number[] = [];
  const checkAgreement = (theirs: FirstEmbeddings['first']) => {
    if ('error' in stageRun) return;
    agreement = stageRun.first.map((mine) => {
      const same = theirs.find((t) => t.path === mine.path);
      if (!same) throw new Error(`transformers.js did not encode ${mine.path}, which the stage measurement did`);
      return cosine(mine.vector, same.vector);
    });
    const lowest = Math.min(...agreement);
    if (!(lowest > 0.95))
      throw new Error(`lora-eval and transformers.js give different embeddings for the same images (cosine ${lowest.toFixed(4)}): not the same work`);
  };

  const rawRun = async (images: number, threads?: number) => {
    const args = [measure('raw-session.mjs'), join(model.dir, 'onnx', 'vision_model.onnx'), String(images), String(options.batch)];
    return lastJsonLine<RawRun>('raw session', await runNode(threads ? [...args, String(threads)] : args, { scratch }));
  };
  const mainList = listFile(scratch, 'main', [...interleaved.images, ...interleaved.references]);
  const rounds: { raw: RawRun; score: ScoreRun; transformersJs: TransformersJsRun; order: string[] }[] = [];
  for (let r = 0; r < options.rounds; r++) {
    const order = r % 2 === 0 ? ['raw', 'score', 'transformers.js'] : ['transformers.js', 'score', 'raw'];
    const round_: Partial<(typeof rounds)[number]> = { order };
    for (const step of order) {
      log(`round ${r + 1}/${options.rounds}: ${step} over ${interleaved.images.length} images`);
      if (step === 'raw') {
        round_.raw = await rawRun(interleaved.images.length);
      } else if (step === 'score') {
        const dir = join(scratch, `round-${r + 1}`);
        round_.score = await score(interleaved, { out: join(dir, 'out'), lock: lockIn(join(dir, 'lock'), warmLock) }, 'all');
      } else {
        const m = await runNode([measure('transformers-js.mjs'), model.dir, mainList, String(options.batch)], { scratch, cwd: root });
        const result = lastJsonLine<Omit<TransformersJsRun, 'wallSeconds' | 'imagesPerSecond' | 'peakRssMiB' | 'cpuMsPerImage'> & FirstEmbeddings>(
          'transformers.js',
          m,
        );
        if (!agreement.length) checkAgreement(result.first);
        round_.transformersJs = {
          images: result.images,
          wallSeconds: m.wallSeconds,
          imagesPerSecond: result.images / m.wallSeconds,
          loadSeconds: result.loadSeconds,
          encodeSeconds: result.encodeSeconds,
          peakRssMiB: m.peakRssMiB,
          cpuMsPerImage: m.cpuMs / result.images,
        };
      }
    }
    rounds.push(round_ as (typeof rounds)[number]);
  }

  // Inference on all cores but one, in both tools: the core left over is score's to decode on, as it is on a machine
  // with more cores than inference uses, or with a GPU. Not a target: it shows whether decoding hides behind inference.
  const cores = availableParallelism();
  let spareCore: SpareCore | { skipped: string };
  if (cores < 2 || options.spareImages < 1) spareCore = { skipped: cores < 2 ? 'one core: none to leave over' : '--spare-images 0' };
  else {
    const threads = cores - 1;
    const spareSweep = sweepOf(options.spareImages);
    const pairs: { raw: RawRun; score: ScoreRun }[] = [];
    for (const [i, order] of [
      ['raw', 'score'],
      ['score', 'raw'],
    ].entries()) {
      const pair: Partial<(typeof pairs)[number]> = {};
      for (const step of order) {
        log(`one core left to decoding ${i + 1}/2: ${step} over ${spareSweep.images.length} images, inference on ${threads} thread${threads > 1 ? 's' : ''}`);
        if (step === 'raw') pair.raw = await rawRun(spareSweep.images.length, threads);
        else {
          const dir = join(scratch, `spare-${i + 1}`);
          pair.score = await runScore(
            cli,
            model.dir,
            spareSweep,
            { out: join(dir, 'out'), lock: lockIn(join(dir, 'lock'), warmLock) },
            {
              batch: options.batch,
              scratch,
              expectEncoded: 'all',
              threads,
            },
          );
        }
      }
      pairs.push(pair as (typeof pairs)[number]);
    }
    spareCore = {
      inferenceThreads: threads,
      images: spareSweep.images.length,
      pairs,
      scoreOverRaw: median(pairs.map((p) => p.score.imagesPerSecond / p.raw.imagesPerSecond)),
    };
  }

  log(`peak RSS: score over ${rssSmall} images`);
  const smallDir = join(scratch, `rss-${rssSmall}`);
  const rssSmallRun = await score(small, { out: join(smallDir, 'out'), lock: lockIn(join(smallDir, 'lock'), warmLock) }, 'all');
  log(`peak RSS: score over ${rssLarge} images`);
  const largeDir = join(scratch, `rss-${rssLarge}`);
  const largeDirs = { out: join(largeDir, 'out'), lock: lockIn(join(largeDir, 'lock'), warmLock) };
  const rssLargeRun = await score(large, largeDirs, 'all');

  // The cached sweep's first run encodes only what the large run did not (the store and lock are shared); the
  // second run over the unchanged sweep is the cached re-score.
  const cachedDirs = { out: join(scratch, 'cached-out'), lock: largeDirs.lock, store: join(largeDirs.out, 'store.sqlite') };
  log(`cached re-score: first run over ${cachedSweep.images.length} images (encodes those the ${rssLarge}-image run did not)`);
  const prime = await score(cachedSweep, cachedDirs, Math.max(0, cachedSweep.images.length - large.images.length));
  const cachedRuns: ScoreRun[] = [];
  for (let i = 0; i < 2; i++) {
    log(`cached re-score ${i + 1}/2 over ${cachedSweep.images.length} images`);
    cachedRuns.push(await score(cachedSweep, cachedDirs, 0));
  }

  const perRound = rounds.map((r) => ({
    scoreOverRaw: r.score.imagesPerSecond / r.raw.imagesPerSecond,
    scoreOverTransformersJs: r.score.imagesPerSecond / r.transformersJs.imagesPerSecond,
  }));
  const summary = {
    ...ceilings(median(rounds.map((r) => r.raw.cpuMsPerImage)), stageRun),
    rawImagesPerSecond: median(rounds.map((r) => r.raw.imagesPerSecond)),
    scoreImagesPerSecond: median(rounds.map((r) => r.score.imagesPerSecond)),
    transformersJsImagesPerSecond: median(rounds.map((r) => r.transformersJs.imagesPerSecond)),
    scoreOverRaw: median(perRound.map((r) => r.scoreOverRaw)),
    scoreOverTransformersJs: median(perRound.map((r) => r.scoreOverTransformersJs)),
    rssGrowth: rssLargeRun.peakRssMiB / rssSmallRun.peakRssMiB,
    cachedSeconds: cachedRuns[0].wallSeconds,
    // CPU time (all threads) per image does not depend on the share of a loaded machine a process gets, which the
    // wall ratios do: with more runnable threads, a process gets more of a contended CPU.
    cpuMsPerImage: {
      rawInference: median(rounds.map((r) => r.raw.cpuMsPerImage)),
      score: median(rounds.map((r) => r.score.cpuMsPerImage)),
      transformersJs: median(rounds.map((r) => r.transformersJs.cpuMsPerImage)),
    },
    scoreOverRawByCpu: median(rounds.map((r) => r.raw.cpuMsPerImage / r.score.cpuMsPerImage)),
    scoreOverTransformersJsByCpu: median(rounds.map((r) => r.transformersJs.cpuMsPerImage / r.score.cpuMsPerImage)),
  };
  const targets = evaluateTargets({
    scoreOverRaw: summary.scoreOverRaw,
    scoreOverTransformersJs: summary.scoreOverTransformersJs,
    cachedSeconds: summary.cachedSeconds,
    cachedImages: cachedSweep.images.length,
    rssGrowth: summary.rssGrowth,
    rssSizes: [small.images.length, large.images.length],
    decodingCeiling: summary.decodingCeiling,
  });
  const machine = describeMachine(root);
  const finishedAt = new Date();
  const results = {
    created: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    loadAverage: { start: loadAtStart, end: loadAverage() },
    options: { ...options, source: relative(root, source), cache: relative(root, cache) },
    model: {
      description: 'random-weight CLIP with the architecture of the config.json below, ONNX opset 17, float32',
      config: relative(root, join(source, 'config.json')),
      architecture: model.architecture,
      parameters,
      onnxMiB: { vision: fileMiB('vision_model.onnx'), text: fileMiB('text_model.onnx') },
    },
    images: {
      width: 512,
      height: 512,
      format: 'PNG, smooth colour fields under per-pixel noise',
      interleaved: interleaved.images.length,
      references: interleaved.references.length,
    },
    rounds,
    perRound,
    summary,
    peakRss: { small: rssSmallRun, large: rssLargeRun },
    cached: { images: cachedSweep.images.length, prime, runs: cachedRuns },
    stages: 'error' in stageRun ? { error: stageRun.error } : stageRun.stages,
    spareCore,
    embeddingAgreement: agreement.length
      ? { images: agreement.length, minCosine: round(Math.min(...agreement), 5) }
      : { images: 0, notChecked: "the stage measurement, which gives lora-eval's embeddings, failed" },
    targets,
  };
  writeFileSync(resolve(options.results), JSON.stringify(results, null, 2) + '\n');
  console.log(table(results));
  log(`wrote ${relative(root, resolve(options.results))}`);
  rmSync(scratch, { recursive: true, force: true });
}

type Results = {
  machine: Machine;
  loadAverage: { start: number; end: number };
  durationSeconds: number;
  rounds: { raw: RawRun; score: ScoreRun; transformersJs: TransformersJsRun; order: string[] }[];
  perRound: { scoreOverRaw: number; scoreOverTransformersJs: number }[];
  summary: {
    rawImagesPerSecond: number;
    scoreImagesPerSecond: number;
    transformersJsImagesPerSecond: number;
    cpuMsPerImage: { rawInference: number; score: number; transformersJs: number };
    scoreOverRawByCpu: number;
    scoreOverTransformersJsByCpu: number;
    decodingCeiling?: number;
    pipelineCeiling?: number;
  };
  spareCore: SpareCore | { skipped: string };
  peakRss: { small: ScoreRun; large: ScoreRun };
  cached: { images: number; prime: ScoreRun; runs: ScoreRun[] };
  stages: StageResult['stages'] | { error: string };
  model: { parameters: { vision: number; text: number } };
  images: { interleaved: number };
  targets: ReturnType<typeof evaluateTargets>;
  options: BenchOptions;
};

function table(r: Results): string {
  const m = r.machine;
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    '',
    `lora-eval bench: random-weight CLIP ViT-B/32 (${r.model.parameters.vision.toLocaleString('en-US')} + ${r.model.parameters.text.toLocaleString('en-US')} parameters), ` +
      `${r.images.interleaved} noisy 512×512 PNGs, batch ${r.options.batch}, ${r.rounds.length} interleaved rounds`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.node}, onnxruntime-node ${m.onnxruntime}, sharp ${m.sharp}, transformers.js ${m.transformersJs}`,
    `load average ${r.loadAverage.start} at start, ${r.loadAverage.end} at end; ${Math.round(r.durationSeconds / 60)} min`,
    '',
    `${pad('images/s (wall)', 44)}${r.rounds.map((_, i) => pad(`round ${i + 1}`, 10)).join('')}median`,
    `${pad('raw onnxruntime session, ready tensors', 44)}${r.rounds.map((x) => pad(num(x.raw.imagesPerSecond, 2), 10)).join('')}${num(r.summary.rawImagesPerSecond, 2)}`,
    `${pad('lora-eval score, end to end', 44)}${r.rounds.map((x) => pad(num(x.score.imagesPerSecond, 2), 10)).join('')}${num(r.summary.scoreImagesPerSecond, 2)}`,
    `${pad('transformers.js, end to end', 44)}${r.rounds.map((x) => pad(num(x.transformersJs.imagesPerSecond, 2), 10)).join('')}${num(r.summary.transformersJsImagesPerSecond, 2)}`,
    `${pad('  score ÷ raw', 44)}${r.perRound.map((x) => pad(num(x.scoreOverRaw, 2), 10)).join('')}`,
    `${pad('  score ÷ transformers.js', 44)}${r.perRound.map((x) => pad(num(x.scoreOverTransformersJs, 2), 10)).join('')}`,
    '',
    `score wall: ${r.rounds.map((x) => `${num(x.score.wallSeconds)} s`).join(', ')}`,
    `CPU ms per image (all threads): raw inference ${num(r.summary.cpuMsPerImage.rawInference, 0)}, score ${num(r.summary.cpuMsPerImage.score, 0)}, ` +
      `transformers.js ${num(r.summary.cpuMsPerImage.transformersJs, 0)}; by CPU time, score ÷ raw ${num(r.summary.scoreOverRawByCpu, 2)}, ` +
      `score ÷ transformers.js ${num(r.summary.scoreOverTransformersJsByCpu, 2)}`,
    ...(Math.max(r.loadAverage.start, r.loadAverage.end) > m.cores
      ? [
          `note: load average above ${m.cores} (the cores) during the run: the processes compared got unequal shares of the CPU ` +
            '(more threads, more share), so the wall ratios are noisy; the CPU-time ratios do not depend on the share.',
        ]
      : []),
    ...(r.summary.decodingCeiling !== undefined && r.summary.pipelineCeiling !== undefined
      ? [
          `with inference on every core, score ÷ raw can reach at most ${num(r.summary.decodingCeiling, 2)} after reading, hashing and decoding ` +
            `each image, and ${num(r.summary.pipelineCeiling, 2)} after every stage below (CPU time ratios)`,
        ]
      : []),
    'skipped' in r.spareCore
      ? `one core left to decoding: not measured (${r.spareCore.skipped})`
      : `one core left to decoding (inference on ${r.spareCore.inferenceThreads} thread${r.spareCore.inferenceThreads > 1 ? 's' : ''} in both, ${r.spareCore.images} images): ` +
        `raw ${r.spareCore.pairs.map((p) => num(p.raw.imagesPerSecond, 2)).join(', ')} images/s, score ${r.spareCore.pairs.map((p) => num(p.score.imagesPerSecond, 2)).join(', ')}; ` +
        `score ÷ raw ${num(r.spareCore.scoreOverRaw, 2)}`,
    `peak RSS of score: ${num(r.peakRss.small.peakRssMiB, 0)} MiB at ${r.peakRss.small.sweepImages} images, ${num(r.peakRss.large.peakRssMiB, 0)} MiB at ${r.peakRss.large.sweepImages}`,
    `cached re-score of ${r.cached.images} images: ${r.cached.runs.map((x) => `${num(x.wallSeconds, 2)} s`).join(', then ')} (first run ${num(r.cached.prime.wallSeconds)} s)`,
    '',
    `${pad('stage (alone)', 20)}${pad('CPU ms/image', 14)}wall ms/image`,
    ...('error' in r.stages
      ? [`stage measurement failed: ${String(r.stages.error).split('\n')[0]}`, "transformers.js embeddings not compared with lora-eval's"]
      : Object.entries(r.stages).map(([name, s]) => `${pad(name, 20)}${pad(num(s.cpuMsPerImage, 2), 14)}${num(s.wallMsPerImage, 2)}`)),
    '',
    `${pad('target', 52)}${pad('wanted', 24)}${pad('measured', 12)}`,
    ...r.targets.map((t) => `${pad(t.name, 52)}${pad(t.target, 24)}${pad(t.shown, 12)}${verdict(t)}${t.note ? `  (${t.note})` : ''}`),
    '',
  ];
  return lines.join('\n');
}

let options: BenchOptions | 'help';
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (e) {
  console.error(`bench: ${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (options === 'help') console.log(USAGE);
else
  await main(options).catch((e: Error) => {
    console.error(`bench: ${e.message}`);
    process.exitCode = 1;
  });
