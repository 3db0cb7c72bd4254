import { resolve } from 'node:path';
import type { Command } from 'commander';
import { encodeNpy } from '../imaging/npy.js';
import { writeFileAtomic } from '../run/atomic-write.js';
import { runCommand, UserError } from './errors.js';
import { EXACT_RESIZE_HELP, MAX_PIXELS_HELP, MODEL_OPTION_HELP, parseMaxPixels } from './model-options.js';

const CATEGORY_NAMES: Record<number, string> = { 0: 'general', 4: 'character', 9: 'rating' };
const PREPROCESS_MODEL_OPTIONS = ['model', 'clip', 'tagger', 'encoder', 'ccip'] as const;

/** Adds `inspect`, for users debugging what a model really receives; returns it so other files can add subcommands. */
export function register(program: Command): Command {
  const inspect = program.command('inspect').description('show exactly what a model receives and returns');
  inspect
    .command('tokens')
    .description('print the token ids a CLIP text encoder receives (padded to its context length) as a JSON array')
    .requiredOption('--model <model>', 'CLIP model folder, card id or org/name[@revision] (pulled)')
    .argument('<text>', 'prompt text')
    .action((text: string, opts) =>
      runCommand(async () => {
        const { loadClip } = await import('../encoders/clip.js');
        const { resolveModelOption } = await import('../models/resolve-model.js');
        const clip = await loadClip(resolve(resolveModelOption(opts.model, '--model')));
        const { ids } = clip.tokenizer.encode(text, clip.contextLength);
        await clip.release();
        process.stdout.write(JSON.stringify(ids) + '\n');
      }),
    );
  inspect
    .command('preprocess')
    .description(
      'write the exact float32 input tensor of one image as a C-order NumPy .npy file ' +
        '([1,3,H,W] for CLIP, DINOv2 and CCIP, [1,H,W,3] for a tagger); name the model with exactly one of --model, --clip, --tagger, --encoder, --ccip',
    )
    .option('--model <model>', 'CLIP or tagger model folder, card id or org/name[@revision] (a folder with selected_tags.csv is a tagger)')
    .option('--clip <model>', MODEL_OPTION_HELP.clip)
    .option('--tagger <model>', MODEL_OPTION_HELP.tagger)
    .option('--encoder <model>', MODEL_OPTION_HELP.encoder)
    .option('--ccip <model>', MODEL_OPTION_HELP.ccip)
    .argument('<image>', 'image file')
    .requiredOption('--out <file.npy>', 'where to write the tensor')
    .option('--exact-resize', EXACT_RESIZE_HELP)
    .option('--max-pixels <n>', MAX_PIXELS_HELP)
    .action((image: string, opts) =>
      runCommand(async () => {
        const { preprocessForInspection } = await import('./inspect-preprocess.js');
        const given = PREPROCESS_MODEL_OPTIONS.filter((o) => opts[o] !== undefined);
        if (given.length !== 1)
          throw new UserError(
            given.length === 0
              ? 'inspect preprocess: name the model with one of --model, --clip, --tagger, --encoder, --ccip'
              : `inspect preprocess: give one model, not ${given.map((o) => `--${o}`).join(' and ')}`,
          );
        const option = given[0];
        const { data, shape } = await preprocessForInspection({
          option,
          model: opts[option],
          image,
          maxPixels: parseMaxPixels(opts.maxPixels),
          resampler: opts.exactResize ? 'exact' : 'fast',
        });
        writeFileAtomic(opts.out, encodeNpy(data, shape));
        process.stderr.write(`wrote ${opts.out}: float32 [${shape.join(',')}]\n`);
      }),
    );
  inspect
    .command('tags')
    .description("print a tagger's top tags for one image with probabilities and categories")
    .requiredOption('--tagger <model>', 'WD14 tagger folder (model.onnx + selected_tags.csv), card id or org/name[@revision]')
    .argument('<image>', 'image file')
    .option('--top <n>', 'how many tags', '20')
    .option('--mcut', 'mark detections by MCut instead of the default thresholds (general 0.35, character 0.85)')
    .option('--json', 'print as JSON')
    .option('--exact-resize', EXACT_RESIZE_HELP)
    .option('--max-pixels <n>', MAX_PIXELS_HELP)
    .action((image: string, opts) =>
      runCommand(async () => {
        const { loadTagger } = await import('../encoders/tagger.js');
        const { DEFAULT_THRESHOLDS, detectionThresholds } = await import('../encoders/tag-thresholds.js');
        const { decodeForInspection } = await import('./inspect-preprocess.js');
        const { resolveModelOption } = await import('../models/resolve-model.js');
        const top = Number(opts.top);
        if (!Number.isInteger(top) || top < 1) throw new UserError(`--top must be a positive integer, got "${opts.top}"`);
        const maxPixels = parseMaxPixels(opts.maxPixels);
        const tagger = await loadTagger(resolve(resolveModelOption(opts.tagger, '--tagger')), { resampler: opts.exactResize ? 'exact' : 'fast' });
        const [probs] = await tagger.encode([await tagger.preprocessor.preprocess(await decodeForInspection(image, maxPixels))]);
        await tagger.release();
        const thresholds = detectionThresholds(tagger.tags, probs, { ...DEFAULT_THRESHOLDS, mode: opts.mcut ? 'mcut' : 'threshold' });
        const ranked = tagger.tags
          .map((t, i) => ({
            tag: t.name,
            category: CATEGORY_NAMES[t.category] ?? String(t.category),
            probability: probs[i],
            detected: probs[i] > thresholds[i],
          }))
          .sort((a, b) => b.probability - a.probability)
          .slice(0, top);
        if (opts.json) {
          process.stdout.write(JSON.stringify(ranked, null, 2) + '\n');
          return;
        }
        const width = Math.max(...ranked.map((r) => r.tag.length));
        for (const r of ranked) process.stdout.write(`${r.detected ? '*' : ' '} ${r.tag.padEnd(width)}  ${r.probability.toFixed(4)}  ${r.category}\n`);
        process.stdout.write('(* = detected)\n');
      }),
    );
  return inspect;
}
