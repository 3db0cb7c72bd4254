import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../run/atomic-write.js';
import { runCommand, UserError } from './errors.js';

const CATEGORY_NAMES: Record<number, string> = { 0: 'general', 4: 'character', 9: 'rating' };

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
    .description('write the exact float32 input tensor of one image as a C-order NumPy .npy file ([1,3,H,W] for CLIP, [1,H,W,3] for a tagger)')
    .requiredOption('--model <model>', 'CLIP or tagger model folder, card id or org/name[@revision] (a folder with selected_tags.csv is a tagger)')
    .argument('<image>', 'image file')
    .requiredOption('--out <file.npy>', 'where to write the tensor')
    .action((image: string, opts) =>
      runCommand(async () => {
        const { loadClip } = await import('../encoders/clip.js');
        const { loadTagger } = await import('../encoders/tagger.js');
        const { decodeImage } = await import('../imaging/decode.js');
        const { encodeNpy } = await import('../imaging/npy.js');
        const { resolveModelOption } = await import('../models/resolve-model.js');
        const dir = resolve(resolveModelOption(opts.model, '--model'));
        const decoded = await decodeImage(resolve(image));
        let data: Float32Array;
        let shape: number[];
        if (existsSync(join(dir, 'selected_tags.csv'))) {
          const tagger = await loadTagger(dir);
          data = await tagger.preprocessor.preprocess(decoded);
          shape = [1, tagger.size, tagger.size, 3];
          await tagger.release();
        } else {
          const clip = await loadClip(dir);
          data = await clip.preprocessor.preprocess(decoded);
          shape = [1, ...clip.preprocessor.inputShape];
          await clip.release();
        }
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
    .action((image: string, opts) =>
      runCommand(async () => {
        const { loadTagger } = await import('../encoders/tagger.js');
        const { DEFAULT_THRESHOLDS, detectionThresholds } = await import('../encoders/tag-thresholds.js');
        const { decodeImage } = await import('../imaging/decode.js');
        const { resolveModelOption } = await import('../models/resolve-model.js');
        const top = Number(opts.top);
        if (!Number.isInteger(top) || top < 1) throw new UserError(`--top must be a positive integer, got "${opts.top}"`);
        const tagger = await loadTagger(resolve(resolveModelOption(opts.tagger, '--tagger')));
        const [probs] = await tagger.encode([await tagger.preprocessor.preprocess(await decodeImage(resolve(image)))]);
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
