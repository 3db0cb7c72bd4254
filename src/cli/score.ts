import type { Command } from 'commander';
import { formatFailure } from '../score/failures.js';
import { parseShard } from '../score/shard.js';
import { EXIT, runCommand, UserError } from './errors.js';
import { EXACT_RESIZE_HELP, MAX_PIXELS_HELP, MODEL_OPTION_HELP, parseMaxPixels } from './model-options.js';

export function register(program: Command): void {
  program
    .command('score')
    .description('score every image of a sweep with CLIP (and a WD14 tagger, DINOv2, CCIP): writes scores.csv and run.json')
    .argument('<sweep.yaml>', 'the sweep: factors, prompts, seeds, LoRA and where the images are')
    .requiredOption('--clip <model>', MODEL_OPTION_HELP.clip)
    .option('--tagger <model>', MODEL_OPTION_HELP.tagger)
    .option('--encoder <model>', MODEL_OPTION_HELP.encoder)
    .option('--ccip <model>', MODEL_OPTION_HELP.ccip)
    .option('-o, --out <dir>', 'output folder (default: reports/<sweep name>)')
    .option('--store <file>', 'SQLite cache of embeddings (default: <out>/store.sqlite); share one to reuse work across runs')
    .option(
      '--lock <file>',
      'model pins: sha256 of every file that changes scores (weights, tokenizer, preprocessing, tag list) (default: models.lock.json beside the --clip folder)',
    )
    .option('--relock', 'accept pinned files whose sha256 changed and re-pin them')
    .option('--device <device>', 'cpu or cuda (needs onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=cuda12)', 'cpu')
    .option(
      '--threads <n>',
      'onnxruntime threads per model (default: every core on the CPU; with cuda, onnxruntime decides). Images are decoded in worker threads on the cores left over (at least one; every core with cuda)',
    )
    .option('--variant <name>', 'CLIP file variant, e.g. "quantized" for onnx/vision_model_quantized.onnx')
    .option('--batch-size <n>', 'images per inference batch (default: 16, or 1 for models with a fixed batch)')
    .option('--shard <i/N>', 'score a deterministic share i of N (or auto/N from JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID)')
    .option('--exact-resize', EXACT_RESIZE_HELP)
    .option('--mcut', 'tagger detections by MCut per image instead of the thresholds (general 0.35, character 0.85)')
    .option('--strict', 'stop at the first image that cannot be scored')
    .option('--max-pixels <n>', MAX_PIXELS_HELP)
    .action((sweepFile: string, opts) =>
      runCommand(async () => {
        const { resolveModelOption } = await import('../models/resolve-model.js');
        const { scoreSweep } = await import('../score/score-sweep.js');
        const { terminalProgress } = await import('./progress.js');
        if (opts.device !== 'cpu' && opts.device !== 'cuda') throw new UserError(`--device must be cpu or cuda, got "${opts.device}"`);
        const batchSize = opts.batchSize === undefined ? undefined : Number(opts.batchSize);
        if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1))
          throw new UserError(`--batch-size must be a positive integer, got "${opts.batchSize}"`);
        const threads = opts.threads === undefined ? undefined : Number(opts.threads);
        if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
          throw new UserError(`--threads must be a positive integer, got "${opts.threads}"`);
        const maxPixels = parseMaxPixels(opts.maxPixels);
        let shard;
        try {
          shard = opts.shard ? parseShard(opts.shard) : undefined;
        } catch (e) {
          throw new UserError((e as Error).message);
        }
        const progress = terminalProgress();
        const result = await scoreSweep({
          sweep: sweepFile,
          clip: resolveModelOption(opts.clip, '--clip', opts.variant),
          tagger: opts.tagger === undefined ? undefined : resolveModelOption(opts.tagger, '--tagger'),
          encoder: opts.encoder === undefined ? undefined : resolveModelOption(opts.encoder, '--encoder'),
          ccip: opts.ccip === undefined ? undefined : resolveModelOption(opts.ccip, '--ccip'),
          out: opts.out,
          store: opts.store,
          lock: opts.lock,
          relock: opts.relock,
          device: opts.device,
          threads,
          variant: opts.variant,
          batchSize,
          resampler: opts.exactResize ? 'exact' : 'fast',
          tagThresholds: opts.mcut ? 'mcut' : 'threshold',
          strict: opts.strict,
          maxPixels,
          shard,
          progress,
        });
        const { images } = result;
        const work =
          images.encoded === 0
            ? `nothing to compute: all ${images.cached} image(s) came from the store`
            : `${images.encoded} image(s) encoded, ${images.cached} from the store`;
        progress.info(`scored ${images.scored} of ${images.total} image(s); ${work}`);
        for (const f of result.failures) process.stderr.write(`failed: ${formatFailure(f)}\n`);
        if (result.failures.length) progress.info(`${result.failures.length} image(s) could not be scored (listed above and in run.json)`);
        progress.info(`wrote ${result.scoresCsv} (${result.rows.length} rows) and ${result.runJson}`);
        return result.exitCode === 0 ? EXIT.ok : EXIT.failed;
      }),
    );
}
